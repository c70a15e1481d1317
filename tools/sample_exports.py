#!/usr/bin/env python3
"""Writes the sample claim exports under corpora/sample/claims/: a Bulk FHIR
NDJSON export (corpora/sample/claims/fhir/*.ndjson) and an HL7 v2 MDM file
(corpora/sample/claims/visits.hl7). Synthetic notes, no patient data.

Run from the repository root: python3 tools/sample_exports.py
"""
import base64
import json
import pathlib

ROOT = pathlib.Path("corpora/sample/claims")


def b64(s):
    return base64.b64encode(s.encode("utf-8")).decode("ascii")


def docref(id, patient, encounter, date, content_type, text, loinc, display):
    r = {
        "resourceType": "DocumentReference",
        "id": id,
        "status": "current",
        "type": {"coding": [{"system": "http://loinc.org", "code": loinc, "display": display}]},
        "subject": {"reference": f"Patient/{patient}"},
        "date": date,
        "content": [{"attachment": {"contentType": content_type, "data": b64(text)}}],
    }
    if encounter:
        r["context"] = {"encounter": [{"reference": f"Encounter/{encounter}"}]}
    return r


def report(id, patient, encounter, date, html):
    return {
        "resourceType": "DiagnosticReport",
        "id": id,
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "36554-4", "display": "MRI Cervical spine"}]},
        "subject": {"reference": f"Patient/{patient}"},
        "encounter": {"reference": f"Encounter/{encounter}"},
        "effectiveDateTime": date,
        "presentedForm": [{"contentType": "text/html", "data": b64(html)}],
    }


def claim(id, patient, encounter, start, codes, kind="Claim", claim_ref=None, procedures=()):
    r = {
        "resourceType": kind,
        "id": id,
        "status": "active",
        "patient": {"reference": f"Patient/{patient}"},
        "billablePeriod": {"start": start, "end": start},
        "diagnosis": [
            {
                "sequence": i + 1,
                "diagnosisCodeableConcept": {
                    "coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": c}]
                },
            }
            for i, c in enumerate(codes)
        ],
        "item": [{"sequence": 1, "productOrService": {"coding": [{"code": "99214"}]}}],
    }
    for cpt, pointers in procedures:
        r["item"].append({
            "sequence": len(r["item"]) + 1,
            "productOrService": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": cpt}]},
            "diagnosisSequence": pointers,
            "servicedDate": start,
            "quantity": {"value": 1},
        })
    if encounter:
        r["item"][0]["encounter"] = [{"reference": f"Encounter/{encounter}"}]
    if claim_ref:
        r["claim"] = {"reference": f"Claim/{claim_ref}"}
    return r


CLINIC_1 = """PROGRESS NOTE
Chief complaint: neck and upper back pain.
HPI: Pain at the base of the neck for 5 months despite 8 weeks of physical therapy and NSAIDs.
Exam: tenderness over the C7-T1 facets. Strength and reflexes normal; no radicular symptoms.
Assessment: cervicothoracic facet syndrome at C7-T1, non-degenerative. MRI reviewed, see report.
Plan: continue home exercise program.
"""

MRI_1 = """<html><body><h2>MRI CERVICAL SPINE WITHOUT CONTRAST</h2>
<p>Findings: facet joint effusion and capsular edema at C7&ndash;T1, no degenerative change.
No disc herniation. No foraminal or canal stenosis. No cord signal abnormality.</p>
<p><b>Impression:</b> C7-T1 facet joint effusion; no disc herniation or stenosis.</p></body></html>"""

CLINIC_2 = """Office visit
Assessment: cervicothoracic pain, C7-T1 facet syndrome.
Plan: physical therapy.
"""

ADDENDUM_2 = r"""{\rtf1\ansi{\fonttbl{\f0 Arial;}}\f0\fs20 ADDENDUM\par
MRI reviewed after the visit: C7-T1 disc herniation with left C8 radiculopathy.\par
The assessment above is corrected: C7-T1 disc herniation with radiculopathy.\par}"""

CLINIC_3 = """Chiropractic visit
Patient reports neck pain at the cervicothoracic junction for 4 months.
Assessment: segmental dysfunction C7-T1.
"""

CLINIC_4 = """Telephone note
Patient called to reschedule. No clinical content.
"""


def fhir():
    d = ROOT / "fhir"
    d.mkdir(parents=True, exist_ok=True)
    notes = [
        docref("clinic-1", "p1", "e1", "2026-03-02", "text/plain", CLINIC_1, "11506-3", "Progress note"),
        docref("clinic-2", "p2", "e2", "2026-03-03", "text/plain", CLINIC_2, "11506-3", "Progress note"),
        docref("addendum-2", "p2", "e2", "2026-03-05", "text/rtf", ADDENDUM_2, "11506-3", "Progress note"),
        docref("chiro-3", "p3", None, "2026-03-09", "text/plain", CLINIC_3, "34109-9", "Note"),
        docref("phone-4", "p4", None, "2026-03-10", "text/plain", CLINIC_4, "34109-9", "Note"),
    ]
    reports = [report("mri-1", "p1", "e1", "2026-02-20", MRI_1)]
    claims = [
        claim("c1", "p1", "e1", "2026-03-02", ["M53.83"], procedures=[("64490", [1])]),
        claim("c2", "p2", "e2", "2026-03-03", ["M53.83"], procedures=[("64479", [1])]),
        claim("c3", "p3", None, "2026-03-08", ["M53.83"]),
        claim("eob-1", "p1", "e1", "2026-03-02", ["M53.83"], kind="ExplanationOfBenefit", claim_ref="c1"),
    ]
    encounters = [
        {"resourceType": "Encounter", "id": e, "status": "finished",
         "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
         "subject": {"reference": f"Patient/{p}"}}
        for e, p in [("e1", "p1"), ("e2", "p2")]
    ]
    for name, rows in [("DocumentReference", notes), ("DiagnosticReport", reports),
                       ("Claim", claims[:3]), ("ExplanationOfBenefit", claims[3:]),
                       ("Encounter", encounters)]:
        with open(d / f"{name}.ndjson", "w") as f:
            for r in rows:
                f.write(json.dumps(r, separators=(",", ":")) + "\n")


def hl7():
    def msg(ctrl, mrn, visit, cls, doc, date, lines, codes):
        segs = [
            f"MSH|^~\\&|EHR|CLINIC|AUDIT|PAYER|{date}0900||MDM^T02|{ctrl}|P|2.5",
            f"PID|1||{mrn}^^^MRN||Doe^Pat",
            "PV1|1|" + cls + "|" + "|" * 16 + visit,
            f"TXA|1|PN|TX|{date}0900||||||||{doc}|||||AU",
        ]
        for i, l in enumerate(lines, 1):
            segs.append(f"OBX|{i}|TX|||{l}||||||F")
        for i, c in enumerate(codes, 1):
            segs.append(f"DG1|{i}||{c}^^I10")
        return "\r".join(segs) + "\r"

    text = msg("M1", "H100", "V900", "O", "hl7-doc-1", "20260312", [
        "Assessment: C7-T1 interspinous ligament thickening.\\.br\\MRI 02/2026: no disc herniation, no stenosis.",
        "Neck pain for 4 months; PT x 6 weeks without relief. No radiculopathy.",
    ], ["M53.83"]) + msg("M2", "H101", "V901", "O", "hl7-doc-2", "20260313", [
        "Assessment: C6-C7 disc herniation with C7 radiculopathy.",
    ], ["M53.83"])
    (ROOT / "visits.hl7").write_bytes(text.encode("ascii"))


if __name__ == "__main__":
    fhir()
    hl7()
