"""The Python package gives the CLI's answers: the same records from
Auditor.audit and audit_many, the same verdicts, codes and evidence offsets
from audit_arrow."""

import json

import pyarrow as pa
import pytest

import m53audit


def billed_list(b):
    if b is None:
        return None
    return b if isinstance(b, list) else [b]


def test_the_readme_example():
    a = m53audit.Auditor()
    assert a.audit("Assessment: C7-T1 facet syndrome, non-degenerative.")["verdict"] == "supported"


def test_audit_gives_the_cli_record(notes, cli):
    a = m53audit.Auditor()
    assert len(cli) == len(notes) > 50
    for n, want in zip(notes, cli):
        got = a.audit(n["text"], id=n.get("id"), billed=n.get("billed"))
        assert got == want, n["id"]


def test_audit_many_gives_the_same_records_in_order(notes, cli):
    got = m53audit.Auditor().audit_many(notes)
    assert got == cli
    # Texts alone get their position as id; an empty one is an error record.
    recs = m53audit.Auditor().audit_many(["Neck pain at C7-T1.", "  "])
    assert recs[0]["id"] == "0"
    assert recs[1]["id"] == "1" and recs[1]["error"]["kind"] == "empty_text"


def evidence_key(rec):
    return [(e["start"], e["end"], e["concept"], e["assertion"], e["section"], bool(e.get("decisive")))
            for e in rec["evidence"]]


def arrow_rows(batch):
    return batch.to_pylist()


def test_audit_arrow_gives_the_cli_answers(notes, cli):
    batch = pa.record_batch({
        "id": [n["id"] for n in notes],
        "text": [n["text"] for n in notes],
        "billed": [",".join(billed_list(n.get("billed")) or []) or None for n in notes],
    })
    out = m53audit.Auditor().audit_arrow(batch)
    assert out.schema == m53audit.SCHEMA
    assert out.schema.field("codes").type == pa.list_(pa.field("element", pa.string()))
    assert out.schema.field("score").type == pa.int32()
    rows = arrow_rows(out)
    assert len(rows) == len(cli)
    for row, want in zip(rows, cli):
        assert row["id"] == want["id"]
        assert row["verdict"] == want["verdict"]
        assert row["codes"] == want["codes"]
        assert row["score"] == want["score"]
        assert row["billed_agrees"] == want["billed_agrees"]
        assert row["gaps"] == [g["element"] for g in want["gaps"]]
        got = [(e["start"], e["end"], e["concept"], e["assertion"], e["section"], e["decisive"])
               for e in row["evidence"]]
        assert got == evidence_key(want), row["id"]
        assert row["error"] is None


@pytest.mark.parametrize("text_type", [pa.string(), pa.large_string(), pa.string_view()])
def test_audit_arrow_reads_every_string_type_and_bad_rows(text_type):
    texts = pa.array(["Assessment: C7-T1 facet syndrome, non-degenerative.", None, ""], type=text_type)
    out = m53audit.Auditor().audit_arrow(pa.record_batch({"text": texts}))
    rows = out.to_pylist()
    assert [r["verdict"] for r in rows] == ["supported", None, None]
    assert [r["error"] for r in rows] == [None, "missing_text", "empty_text"]
    assert [r["id"] for r in rows] == ["0", "1", "2"]


def test_bad_arguments_are_refused_clearly(tmp_path):
    with pytest.raises(ValueError, match="outpatient"):
        m53audit.Auditor(setting="ward")
    with pytest.raises(ValueError):
        m53audit.Auditor(lexicons=str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="text"):
        m53audit.Auditor().audit_arrow(pa.record_batch({"body": ["x"]}))
    with pytest.raises(TypeError):
        m53audit.Auditor().audit_arrow(pa.record_batch({"text": [1, 2]}))
    with pytest.raises(TypeError):
        m53audit.Auditor().audit_many([42])


def test_setting_and_trail():
    text = "Assessment: probable C7-T1 facet syndrome, non-degenerative."
    out = m53audit.Auditor().audit(text)["verdict"]
    inp = m53audit.Auditor(setting="inpatient").audit(text)
    assert inp["setting"] == "inpatient"
    assert out != "supported" or inp["verdict"] == "supported"
    trail = m53audit.Auditor().trail
    assert trail["lexicons"].startswith("sha256:")
    assert m53audit.Auditor().audit(text)["m53audit"] == trail


def test_to_pandas():
    a = m53audit.Auditor()
    recs = a.audit_many(["Neck pain at C7-T1 for 4 months.", "Lumbar stenosis at L4-L5."])
    df = m53audit.to_pandas(recs)
    assert list(df["id"]) == ["0", "1"]
    df2 = m53audit.to_pandas(a.audit_arrow(pa.record_batch({"text": ["Neck pain at C7-T1."]})))
    assert df2.loc[0, "verdict"] == a.audit("Neck pain at C7-T1.")["verdict"]
    assert json.dumps(recs[0])
