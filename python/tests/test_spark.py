"""Spark local[2]: mapInArrow with the wheel, and RDD.pipe of the CLI
without it, give the CLI's answers for the same notes."""

import os
import sys

import pytest

pyspark = pytest.importorskip("pyspark")
from pyspark.sql import SparkSession  # noqa: E402

from m53audit import spark as m53spark  # noqa: E402

from conftest import cli_path  # noqa: E402


@pytest.fixture(scope="module")
def session():
    # The executors' Python is this one (the one with the wheel).
    os.environ["PYSPARK_PYTHON"] = sys.executable
    s = (SparkSession.builder.master("local[2]").appName("m53audit-test")
         .config("spark.ui.enabled", "false")
         .config("spark.sql.execution.arrow.maxRecordsPerBatch", "64")
         .getOrCreate())
    yield s
    s.stop()


def frame(session, notes):
    rows = [(n["id"], n["text"], ",".join(n["billed"]) if isinstance(n.get("billed"), list) else n.get("billed"))
            for n in notes]
    return session.createDataFrame(rows, "id string, text string, billed string").repartition(3)


def key(rec):
    return (rec["verdict"], list(rec["codes"]),
            [(e["start"], e["end"], e["concept"]) for e in rec["evidence"]])


def test_map_in_arrow_equals_the_cli(session, notes, cli):
    out = frame(session, notes).mapInArrow(m53spark.audit_batches, m53spark.SCHEMA)
    got = {r["id"]: r.asDict(recursive=True) for r in out.collect()}
    assert len(got) == len(cli)
    for want in cli:
        assert key(got[want["id"]]) == key(want), want["id"]


def test_pipe_fallback_equals_the_cli(session, notes, cli):
    got = {r["id"]: r for r in m53spark.audit_with_pipe(frame(session, notes), cli_path()).collect()}
    assert len(got) == len(cli)
    for want in cli:
        assert got[want["id"]] == want, want["id"]
