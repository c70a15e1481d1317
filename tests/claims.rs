//! Claims and encounters: `audit --by claim|encounter` over Bulk FHIR
//! NDJSON, HL7 v2 and grouped JSONL/CSV, checked field by field.

use base64::Engine;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Output;

mod common;

fn run(args: &[&str], dir: &Path) -> Output {
    common::run_in(dir, args)
}

fn records(out: &Output) -> Vec<Value> {
    common::json_records(out)
}

fn by_id<'a>(recs: &'a [Value], id: &str) -> &'a Value {
    recs.iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no record {id} in {recs:?}"))
}

fn b64(s: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn docref(
    id: &str,
    patient: &str,
    encounter: Option<&str>,
    date: &str,
    ty: &str,
    body: &[u8],
) -> Value {
    let mut r = json!({
        "resourceType": "DocumentReference", "id": id, "status": "current",
        "subject": {"reference": format!("Patient/{patient}")}, "date": date,
        "content": [{"attachment": {"contentType": ty, "data": b64(body)}}]
    });
    if let Some(e) = encounter {
        r["context"] = json!({"encounter": [{"reference": format!("Encounter/{e}")}]});
    }
    r
}

fn claim(
    kind: &str,
    id: &str,
    patient: &str,
    encounter: Option<&str>,
    start: &str,
    codes: &[&str],
) -> Value {
    let dx: Vec<Value> = codes
        .iter()
        .enumerate()
        .map(|(i, c)| json!({"sequence": i + 1, "diagnosisCodeableConcept": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": c}]}}))
        .collect();
    let mut item = json!({"sequence": 1});
    if let Some(e) = encounter {
        item["encounter"] = json!([{"reference": format!("Encounter/{e}")}]);
    }
    json!({"resourceType": kind, "id": id, "patient": {"reference": format!("Patient/{patient}")},
           "billablePeriod": {"start": start, "end": start}, "diagnosis": dx, "item": [item]})
}

const CLINIC: &str = "PROGRESS NOTE\nAssessment: facet syndrome, non-degenerative, at the level the MRI shows.\nNeck pain for 6 months despite physical therapy. No radiculopathy.\n";
const MRI_HTML: &str = "<html><body><p><b>Findings:</b> facet joint effusion at C7&ndash;T1.</p><p>No disc herniation. No stenosis.</p></body></html>";
const FIRST: &str = "Office visit\nAssessment: C7-T1 facet syndrome.\nPlan: physical therapy.\n";
const ADDENDUM_RTF: &str = r"{\rtf1\ansi{\fonttbl{\f0 Arial;}}\f0 ADDENDUM\par MRI reviewed: C7-T1 disc herniation with left C8 radiculopathy.\par}";
const WINDOW: &str = "Chiropractic visit\nAssessment: C7-T1 interspinous ligament thickening, non-degenerative.\nNeck pain for 4 months, PT without relief. MRI 01/2026: no disc herniation.\n";

/// A small export: encounter e1 (clinic note + MRI report whose C7-T1
/// finding places the assessment), e2 (an addendum in a second
/// document), a note joined by date window, an unjoined note, a copy of
/// the clinic note as a DiagnosticReport, a PDF, broken lines, a claim
/// with no note, and an EOB for claim c1.
fn export(dir: &Path) {
    let mri = json!({"resourceType": "DiagnosticReport", "id": "mri", "subject": {"reference": "Patient/p1"},
        "encounter": {"reference": "Encounter/e1"}, "effectiveDateTime": "2026-02-20T10:00:00Z",
        "presentedForm": [{"contentType": "text/html; charset=utf-8", "data": b64(MRI_HTML.as_bytes())}]});
    let copy = json!({"resourceType": "DiagnosticReport", "id": "copy", "subject": {"reference": "Patient/p1"},
        "encounter": {"reference": "Encounter/e1"}, "effectiveDateTime": "2026-03-02",
        "presentedForm": [{"contentType": "text/plain", "data": b64(CLINIC.as_bytes())}]});
    let pdf = json!({"resourceType": "DocumentReference", "id": "scan", "subject": {"reference": "Patient/p1"},
        "context": {"encounter": [{"reference": "Encounter/e1"}]},
        "content": [{"attachment": {"contentType": "application/pdf", "data": b64(b"%PDF-1.4")}}]});
    let lines = [
        docref(
            "clinic",
            "p1",
            Some("e1"),
            "2026-03-02",
            "text/plain",
            CLINIC.as_bytes(),
        ),
        mri,
        copy,
        pdf,
        docref(
            "first",
            "p2",
            Some("e2"),
            "2026-03-03",
            "text/plain",
            FIRST.as_bytes(),
        ),
        docref(
            "addendum",
            "p2",
            Some("e2"),
            "2026-03-05",
            "text/rtf",
            ADDENDUM_RTF.as_bytes(),
        ),
        docref(
            "chiro",
            "p3",
            None,
            "2026-03-09",
            "text/plain",
            WINDOW.as_bytes(),
        ),
        docref(
            "lonely",
            "p4",
            None,
            "2026-03-10",
            "text/plain",
            b"Neck pain at C7-T1 for 3 months.",
        ),
        json!({"resourceType": "Encounter", "id": "e2", "class": {"code": "IMP"}}),
        claim("Claim", "c1", "p1", Some("e1"), "2026-03-02", &["M53.83"]),
        claim("Claim", "c2", "p2", Some("e2"), "2026-03-03", &["M53.83"]),
        claim("Claim", "c3", "p3", None, "2026-03-07", &["M53.83"]),
        claim("Claim", "c9", "p9", Some("e9"), "2026-03-07", &["M53.83"]),
        {
            let mut e = claim(
                "ExplanationOfBenefit",
                "eob1",
                "p1",
                Some("e1"),
                "2026-03-02",
                &["M54.2"],
            );
            e["claim"] = json!({"reference": "Claim/c1"});
            e
        },
        json!({"id": "no-type"}),
    ];
    let mut text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    text.push_str("{\"resourceType\": \"DocumentReference\", broken\n");
    std::fs::write(dir.join("export.ndjson"), text).unwrap();
}

#[test]
fn a_fhir_export_rolls_up_by_claim() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    export(d);
    let out = run(
        &[
            "audit",
            "-q",
            "--by",
            "claim",
            "export.ndjson",
            "--summary",
            "s.json",
        ],
        d,
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recs = records(&out);

    // e1: the clinic note's assessment and the MRI's C7-T1 finding together.
    let c1 = by_id(&recs, "Claim/c1");
    assert_eq!(c1["by"], "claim");
    assert_eq!(c1["encounter"], "Encounter/e1");
    assert_eq!(c1["patient"], "Patient/p1");
    assert_eq!(
        c1["notes"],
        json!(["DiagnosticReport/mri", "DocumentReference/clinic"])
    );
    assert_eq!(c1["duplicates"], json!(["DiagnosticReport/copy"]));
    assert_eq!(c1["verdict"], "supported");
    assert_eq!(c1["codes"], json!(["M53.83"]));
    // The EOB's codes join its claim's.
    assert_eq!(c1["billed"], json!(["M53.83", "M54.2"]));
    let per: Vec<(&str, &str)> = c1["per_note"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["verdict"].as_str().unwrap()))
        .collect();
    assert_eq!(per.len(), 2);
    assert_ne!(
        per[1].1, "supported",
        "the clinic note alone names no C7-T1 level"
    );
    // Offsets are bytes of each decoded attachment (the HTML itself).
    for e in c1["evidence"].as_array().unwrap() {
        let src = if e["note"] == "DiagnosticReport/mri" {
            MRI_HTML
        } else {
            CLINIC
        };
        let (s, t) = (
            e["start"].as_u64().unwrap() as usize,
            e["end"].as_u64().unwrap() as usize,
        );
        match &src[s..t] {
            "C7&ndash;T1" => assert_eq!(e["text"], "C7–T1"),
            span => assert_eq!(span, e["text"].as_str().unwrap(), "{e}"),
        }
    }
    assert!(c1["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["note"] == "DiagnosticReport/mri" && e["concept"] == "level"));
    assert!(c1["deciding"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["note"].is_string() && e["start"].is_u64()));
    assert!(!c1["deciding"].as_array().unwrap().is_empty());

    // e2: the addendum in the second document supersedes; the encounter is a stay.
    let c2 = by_id(&recs, "Claim/c2");
    assert_eq!(
        c2["notes"],
        json!(["DocumentReference/first", "DocumentReference/addendum"])
    );
    assert_eq!(c2["verdict"], "more_specific");
    assert_eq!(c2["setting"], "inpatient");
    assert_eq!(c2["billed_agrees"], false);
    assert_eq!(c2["per_note"][0]["verdict"], "supported");
    let deciding = c2["deciding"].as_array().unwrap();
    assert!(
        deciding
            .iter()
            .all(|e| e["note"] == "DocumentReference/addendum"),
        "{deciding:?}"
    );
    for e in deciding {
        let (s, t) = (
            e["start"].as_u64().unwrap() as usize,
            e["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(&ADDENDUM_RTF[s..t], e["text"].as_str().unwrap());
    }
    assert!(c2["per_note"][1]["source"]
        .as_str()
        .unwrap()
        .contains("content[0] text/rtf"));

    // Joined by patient and date window (no encounter on either side).
    let c3 = by_id(&recs, "Claim/c3");
    assert_eq!(c3["notes"], json!(["DocumentReference/chiro"]));
    assert_eq!(c3["verdict"], "supported");
    assert_eq!(c3["billed_agrees"], true);

    let kind = |id: &str| {
        by_id(&recs, id)["error"]["kind"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(kind("Claim/c9"), "no_documentation");
    assert_eq!(kind("DocumentReference/lonely"), "unjoined_note");
    assert_eq!(kind("DocumentReference/scan"), "unsupported_attachment");
    assert_eq!(kind("export.ndjson:15"), "invalid_fhir");
    assert_eq!(kind("export.ndjson:16"), "invalid_fhir");
    // Every record carries the trail; the summary repeats it.
    let summary: Value = serde_json::from_slice(&std::fs::read(d.join("s.json")).unwrap()).unwrap();
    for r in &recs {
        assert_eq!(r["m53audit"], summary["m53audit"], "{r}");
    }
    assert!(summary["m53audit"]["lexicons"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
    assert_eq!(summary["groups"], 3);
    assert_eq!(summary["errors"]["unjoined_note"], 1);

    // A window of 0 days leaves the chiropractic note unjoined.
    let out = run(
        &[
            "audit",
            "-q",
            "--by",
            "claim",
            "--window-days",
            "0",
            "export.ndjson",
        ],
        d,
    );
    let recs = records(&out);
    assert_eq!(
        by_id(&recs, "DocumentReference/chiro")["error"]["kind"],
        "unjoined_note"
    );
    assert_eq!(
        by_id(&recs, "Claim/c3")["error"]["kind"],
        "no_documentation"
    );
}

#[test]
fn grouped_output_is_the_same_on_any_thread_count_and_encounters_group_too() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    export(d);
    let one = run(
        &["audit", "-q", "-j", "1", "--by", "claim", "export.ndjson"],
        d,
    );
    let two = run(
        &["audit", "-q", "-j", "2", "--by", "claim", "export.ndjson"],
        d,
    );
    assert_eq!(one.stdout, two.stdout);
    let out = run(&["audit", "-q", "--by", "encounter", "export.ndjson"], d);
    let recs = records(&out);
    let e1 = by_id(&recs, "Encounter/e1");
    assert_eq!(e1["by"], "encounter");
    assert_eq!(e1["claim"], "Claim/c1");
    assert_eq!(e1["billed"], json!(["M53.83", "M54.2"]));
    // By note, the export's notes are audited one by one.
    let out = run(&["audit", "-q", "export.ndjson"], d);
    let recs = records(&out);
    assert_eq!(
        by_id(&recs, "DocumentReference/addendum")["verdict"],
        "more_specific"
    );
    assert!(recs.iter().all(|r| r.get("by").is_none()));
}

#[test]
fn hl7_messages_group_by_visit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let msg = |ctrl: &str, doc: &str, class: &str, date: &str, obx: &str, dg1: &str| {
        format!(
            "MSH|^~\\&|EHR|CLINIC|AUDIT|PAYER|{date}0900||MDM^T02|{ctrl}|P|2.5\rPID|1||H1^^^MRN\rPV1|1|{class}|||||||||||||||||V77\rTXA|1|PN|TX|{date}||||||||{doc}|||||AU\r{obx}{dg1}"
        )
    };
    let text = msg(
        "M1", "d1", "I", "20260310",
        "OBX|1|TX|||Assessment: C7-T1 interspinous ligament thickening, non-degenerative.\\.br\\MRI 02/2026: no disc herniation \\T\\ no stenosis.||||||F\rOBX|2|TX|||Neck pain for 4 months despite PT.||||||F\r",
        "DG1|1||M53.83^Other specified dorsopathies^I10\r",
    ) + &msg("M2", "d2", "I", "20260311", "OBX|1|FT|||Addendum: no radiculopathy on exam.||||||F\r", "");
    std::fs::write(d.join("visit.hl7"), text).unwrap();
    let out = run(&["audit", "-q", "--by", "encounter", "visit.hl7"], d);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recs = records(&out);
    assert_eq!(recs.len(), 1);
    let v = &recs[0];
    assert_eq!(v["id"], "V77");
    assert_eq!(v["patient"], "H1");
    assert_eq!(v["notes"], json!(["d1", "d2"]));
    assert_eq!(v["setting"], "inpatient");
    assert_eq!(v["billed"], json!(["M53.83"]));
    assert_eq!(v["verdict"], "supported");
    // Offsets are into the decoded text: the escapes are gone.
    let decoded = "Assessment: C7-T1 interspinous ligament thickening, non-degenerative.\nMRI 02/2026: no disc herniation & no stenosis.\nNeck pain for 4 months despite PT.\n";
    for e in v["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["note"] == "d1")
    {
        let (s, t) = (
            e["start"].as_u64().unwrap() as usize,
            e["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(&decoded[s..t], e["text"].as_str().unwrap());
    }
    // By claim, the visit with DG1 codes is the claim.
    let out = run(&["audit", "-q", "--by", "claim", "visit.hl7"], d);
    assert_eq!(records(&out)[0]["claim"], "V77");
}

#[test]
fn jsonl_and_csv_group_by_their_keys() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rows = [
        json!({"id": "a1", "encounter": 1001, "text": "Assessment: C7-T1 facet syndrome, non-degenerative. Pain for 6 months despite PT.", "billed": ["M53.83"]}),
        json!({"id": "a2", "encounter": 1001, "text": "MRI cervical spine: no disc herniation at C7-T1, no stenosis."}),
        json!({"id": "b1", "encounter": "1002", "text": "Assessment: C6-C7 disc herniation with radiculopathy.", "billed": "M53.83"}),
        json!({"id": "x", "text": "Neck pain."}),
    ];
    let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(d.join("notes.jsonl"), text).unwrap();
    let out = run(&["audit", "-q", "--by", "encounter", "notes.jsonl"], d);
    let recs = records(&out);
    let e = by_id(&recs, "1001");
    assert_eq!(e["notes"], json!(["a1", "a2"]));
    assert_eq!(e["billed"], json!(["M53.83"]));
    assert_eq!(e["billed_agrees"], true);
    assert_eq!(by_id(&recs, "1002")["billed_agrees"], false);
    assert_eq!(by_id(&recs, "x")["error"]["kind"], "unjoined_note");
    assert_eq!(recs[0]["id"], "1001", "groups in order of first appearance");
    // --only flagged keeps the groups whose billed codes disagree.
    let out = run(
        &[
            "audit",
            "-q",
            "--by",
            "encounter",
            "--only",
            "flagged",
            "notes.jsonl",
        ],
        d,
    );
    let ids: Vec<Value> = records(&out).iter().map(|r| r["id"].clone()).collect();
    assert_eq!(ids, [json!("1002")]);

    let csv = "note,visit,text,billed\nn1,V1,\"Assessment: C7-T1 facet syndrome, non-degenerative.\",\nn2,V1,\"Neck pain for 6 months, PT failed. MRI: no disc herniation.\",M53.83\n";
    std::fs::write(d.join("notes.csv"), csv).unwrap();
    let out = run(
        &[
            "audit",
            "-q",
            "--by",
            "claim",
            "--group-column",
            "visit",
            "--id-column",
            "note",
            "notes.csv",
            "--format",
            "csv",
        ],
        d,
    );
    let body = String::from_utf8(out.stdout).unwrap();
    let mut lines = body.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("id,by,claim,encounter,patient,notes,verdict"));
    let row = lines.next().unwrap();
    assert!(row.starts_with("V1,claim,V1,,,n1;n2,"), "{row}");
    // A group column that is not there is named, and nothing runs.
    let out = run(
        &[
            "audit",
            "-q",
            "--by",
            "claim",
            "--group-column",
            "claim_no",
            "notes.csv",
        ],
        d,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("claim_no"));
    // HTML shows notes, not groups.
    let out = run(
        &[
            "audit",
            "-q",
            "--by",
            "claim",
            "--format",
            "html",
            "notes.csv",
        ],
        d,
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_sample_claims_audit_from_the_readme() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = run(
        &["audit", "-q", "--by", "claim", "corpora/sample/claims"],
        root,
    );
    let recs = records(&out);
    assert_eq!(by_id(&recs, "Claim/c1")["verdict"], "supported");
    assert_eq!(by_id(&recs, "Claim/c2")["verdict"], "more_specific");
    assert_eq!(
        by_id(&recs, "DocumentReference/phone-4")["error"]["kind"],
        "unjoined_note"
    );
}
