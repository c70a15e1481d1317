//! Claim lines end to end: procedure lines read from JSON lines, CSV and
//! Bulk FHIR claims, checked against the policy and written as the
//! record's `lines`, the CSV `lines` column and the summary's counts,
//! field by field; and `--policy` replacing the built-in policy.

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

const FACET: &str = "HPI: Neck pain at C7-T1 for 6 months, rated 7/10. Failed 8 weeks of physical therapy. NDI 38%.\nAssessment: C7-T1 facet syndrome, non-degenerative. No radiculopathy.\nProcedure: C7-T1 medial branch block under fluoroscopy.";

fn element<'a>(line: &'a Value, name: &str) -> &'a Value {
    line["elements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no element {name} in {line}"))
}

/// Every evidence span is the exact slice of `text` its offsets name.
fn spans_are_exact(line: &Value, text: &str) {
    for e in line["elements"].as_array().unwrap() {
        for s in e["evidence"].as_array().unwrap() {
            let (a, b) = (
                s["start"].as_u64().unwrap() as usize,
                s["end"].as_u64().unwrap() as usize,
            );
            assert_eq!(&text[a..b], s["text"].as_str().unwrap(), "{e}");
        }
    }
}

#[test]
fn jsonl_procedures_round_trip_field_by_field() {
    let dir = tempfile::tempdir().unwrap();
    let notes = [
        json!({"id": "n1", "billed": ["M53.83", "M54.2"], "date": "2026-04-01", "text": FACET,
               "procedures": [{"cpt": "64490", "dx": ["M53.83"], "units": 1, "date": "2026-04-02"}, {"cpt": 62321}]}),
        json!({"id": "n2", "billed": ["M53.83"], "text": FACET, "cpt": "64490, 99213"}),
        json!({"id": "n3", "text": FACET, "procedures": [{"dx": ["M53.83"]}]}),
    ];
    let input: String = notes.iter().map(|n| n.to_string() + "\n").collect();
    std::fs::write(dir.path().join("in.jsonl"), input).unwrap();
    let out = run(
        &["audit", "-q", "in.jsonl", "--summary", "s.json"],
        dir.path(),
    );
    let recs = records(&out);
    assert_eq!(recs.len(), 3);
    let l = recs[0]["lines"].as_array().unwrap();
    assert_eq!(l.len(), 2);
    assert_eq!(l[0]["cpt"], "64490");
    assert_eq!(l[0]["family"], "facet_injection");
    assert_eq!(l[0]["dx"], json!(["M53.83"]));
    assert_eq!(l[0]["units"], 1);
    assert_eq!(l[0]["date"], "2026-04-02");
    assert_eq!(l[0]["result"], "fits");
    assert_eq!(l[0]["diagnosis"], "M53.83");
    assert!(l[0]["rule"]
        .as_str()
        .unwrap()
        .starts_with("lexicons/policy.tsv:"));
    let dur = element(&l[0], "pain_duration");
    assert_eq!(dur["status"], "met");
    assert!(dur["rule"]
        .as_str()
        .unwrap()
        .starts_with("lexicons/policy.tsv:"));
    assert!(dur["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["text"] == "6 months"));
    spans_are_exact(&l[0], FACET);
    // No pointer: linked to every billed code; the note's date.
    assert_eq!(l[1]["cpt"], "62321");
    assert_eq!(l[1]["dx"], json!(["M53.83", "M54.2"]));
    assert_eq!(l[1]["date"], "2026-04-01");
    assert_eq!(l[1]["result"], "does_not_fit");
    assert!(l[1]["elements"].as_array().unwrap().is_empty());
    // A `cpt` field: one line per code, the second outside the policy.
    let l = recs[1]["lines"].as_array().unwrap();
    assert_eq!(
        (l[0]["cpt"].as_str(), l[0]["result"].as_str()),
        (Some("64490"), Some("fits"))
    );
    assert_eq!(
        (l[1]["cpt"].as_str(), l[1]["result"].as_str()),
        (Some("99213"), Some("not_reviewed"))
    );
    assert_eq!(l[1]["family"], Value::Null);
    // A line without its code is an error record, not a silent drop.
    assert_eq!(recs[2]["error"]["kind"], "invalid_record");
    assert!(recs[2]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("procedures[0].cpt"));
    let s: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("s.json")).unwrap()).unwrap();
    assert_eq!(s["lines"]["facet_injection"]["fits"], 2);
    assert_eq!(s["lines"]["epidural_injection"]["does_not_fit"], 1);
    assert_eq!(s["lines"]["none"]["not_reviewed"], 1);
    assert!(String::from_utf8_lossy(&out.stderr).is_empty());
}

#[test]
fn csv_cpt_column_and_lines_cell() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = csv::Writer::from_path(dir.path().join("in.csv")).unwrap();
    w.write_record(["id", "text", "billed", "procs"]).unwrap();
    w.write_record(["c1", FACET, "M53.83", "64490;64491"])
        .unwrap();
    w.write_record(["c2", FACET, "M53.83", ""]).unwrap();
    w.flush().unwrap();
    let out = run(
        &[
            "audit",
            "-q",
            "in.csv",
            "--cpt-column",
            "procs",
            "--format",
            "csv",
        ],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut rdr = csv::Reader::from_reader(&out.stdout[..]);
    let head = rdr.headers().unwrap().clone();
    let col = head.iter().position(|h| h == "lines").unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(&rows[0][col], "64490:fits;64491:incomplete(levels_treated)");
    assert_eq!(&rows[1][col], "");
    // A --cpt-column the file does not have is refused, naming it.
    let out = run(
        &["audit", "-q", "in.csv", "--cpt-column", "cpt_codes"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cpt_codes"));
}

#[test]
fn fhir_claim_items_with_diagnosis_pointers_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let data = base64::engine::general_purpose::STANDARD.encode(FACET);
    let doc = json!({"resourceType": "DocumentReference", "id": "d1", "status": "current",
        "subject": {"reference": "Patient/p1"}, "date": "2026-04-02",
        "context": {"encounter": [{"reference": "Encounter/e1"}]},
        "content": [{"attachment": {"contentType": "text/plain", "data": data}}]});
    let claim = json!({"resourceType": "Claim", "id": "c1", "patient": {"reference": "Patient/p1"},
        "billablePeriod": {"start": "2026-04-02"},
        "diagnosis": [
            {"sequence": 1, "diagnosisCodeableConcept": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M53.83"}]}},
            {"sequence": 2, "diagnosisCodeableConcept": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M54.12"}]}}],
        "item": [
            {"sequence": 1, "encounter": [{"reference": "Encounter/e1"}], "diagnosisSequence": [1],
             "productOrService": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "64490"}]},
             "servicedDate": "2026-04-02", "quantity": {"value": 1}},
            {"sequence": 2, "diagnosisSequence": [2],
             "productOrService": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "62321"}]}}]});
    let ndjson = format!("{doc}\n{claim}\n");
    std::fs::write(dir.path().join("export.ndjson"), ndjson).unwrap();
    let out = run(
        &["audit", "-q", "--by", "claim", "export.ndjson"],
        dir.path(),
    );
    let recs = records(&out);
    assert_eq!(recs.len(), 1, "{}", String::from_utf8_lossy(&out.stderr));
    let g = &recs[0];
    assert_eq!(g["id"], "Claim/c1");
    let l = g["lines"].as_array().unwrap();
    assert_eq!(l.len(), 2);
    assert_eq!(l[0]["cpt"], "64490");
    assert_eq!(l[0]["dx"], json!(["M53.83"]));
    assert_eq!(l[0]["units"], 1);
    assert_eq!(l[0]["date"], "2026-04-02");
    assert_eq!(l[0]["result"], "fits", "{}", l[0]);
    // Evidence names the note it is in, with offsets into that note.
    let span = &element(&l[0], "image_guidance")["evidence"][0];
    assert_eq!(span["note"], "DocumentReference/d1");
    let (a, b) = (
        span["start"].as_u64().unwrap() as usize,
        span["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&FACET[a..b], "fluoroscopy");
    spans_are_exact(&l[0], FACET);
    // The ESI points at M54.12, which the note does not document.
    assert_eq!(l[1]["cpt"], "62321");
    assert_eq!(l[1]["dx"], json!(["M54.12"]));
    assert_eq!(l[1]["result"], "does_not_fit");
    assert!(
        l[1]["reason"]
            .as_str()
            .unwrap()
            .contains("does not support M54.12"),
        "{}",
        l[1]
    );
    // --only flagged keeps the claim: a line does not fit.
    let out = run(
        &[
            "audit",
            "-q",
            "--by",
            "claim",
            "--only",
            "flagged",
            "export.ndjson",
        ],
        dir.path(),
    );
    assert_eq!(records(&out).len(), 1);
}

#[test]
fn a_policy_file_replaces_the_builtin_one_and_names_its_rules() {
    let dir = tempfile::tempdir().unwrap();
    let policy = "kind\tfamily\twhat\tlimit\tnote\nfamily\tfacet\t-\t-\tfacet injection\ncpt\tfacet\t64490\t-\t-\nfits\tfacet\tM53.83\t-\t-\nrequires\tfacet\tpain_duration\t12 months\ta year of pain\n";
    std::fs::write(dir.path().join("payer.tsv"), policy).unwrap();
    std::fs::write(
        dir.path().join("in.jsonl"),
        json!({"id": "n", "billed": ["M53.83"], "text": FACET, "cpt": "64490"}).to_string() + "\n",
    )
    .unwrap();
    let out = run(
        &["audit", "-q", "--policy", "payer.tsv", "in.jsonl"],
        dir.path(),
    );
    let recs = records(&out);
    let l = &recs[0]["lines"][0];
    assert_eq!(l["family"], "facet");
    assert_eq!(l["rule"], "payer.tsv:2");
    assert_eq!(l["result"], "incomplete");
    assert_eq!(element(l, "pain_duration")["status"], "not_met");
    assert_eq!(element(l, "pain_duration")["rule"], "payer.tsv:5");
    assert_eq!(l["elements"].as_array().unwrap().len(), 1);
    // The trail's digest names the policy in force.
    let builtin = records(&run(&["audit", "-q", "in.jsonl"], dir.path()));
    assert_ne!(
        recs[0]["m53audit"]["lexicons"],
        builtin[0]["m53audit"]["lexicons"]
    );
    // A bad policy is refused before anything is read, naming file and line.
    std::fs::write(
        dir.path().join("bad.tsv"),
        policy.replace("pain_duration", "pain_duratoin"),
    )
    .unwrap();
    let out = run(
        &["audit", "-q", "--policy", "bad.tsv", "in.jsonl"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.tsv:5") && err.contains("unknown element"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn explain_lists_each_line_with_its_elements() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("n.jsonl"), json!({"id": "n", "billed": ["M53.83"], "text": FACET, "procedures": [{"cpt": "64490"}, {"cpt": "64491"}]}).to_string() + "\n").unwrap();
    let out = run(&["explain", "--plain", "n.jsonl"], dir.path());
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("Claim lines"), "{s}");
    assert!(s.contains("64490 facet_injection  dx M53.83  FITS"), "{s}");
    assert!(
        s.contains("64491 facet_injection  dx M53.83  INCOMPLETE"),
        "{s}"
    );
    assert!(
        s.contains(
            "levels_treated             not_met  1 level(s) documented; 64491 is for level 2"
        ),
        "{s}"
    );
}

/// README claims about the query outputs: the CSV `queries` column holds
/// each query as plain text with its options, and `explain` lists them.
#[test]
fn queries_reach_the_csv_column_and_explain() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Exam: numbness in the small finger, positive Spurling's on the left.\nAssessment: C7-T1 facet syndrome, non-degenerative, neck pain for 4 months.";
    std::fs::write(
        dir.path().join("q.jsonl"),
        json!({"id": "q", "text": text}).to_string() + "\n",
    )
    .unwrap();
    let out = run(&["audit", "-q", "q.jsonl", "--format", "csv"], dir.path());
    let mut rdr = csv::Reader::from_reader(&out.stdout[..]);
    let col = rdr
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "queries")
        .unwrap();
    let row = rdr.records().next().unwrap().unwrap();
    assert!(
        row[col].starts_with("neuro_suggested: The record documents \"numbness\""),
        "{}",
        &row[col]
    );
    assert!(
        row[col].contains("\n[ ] clinically undetermined"),
        "{}",
        &row[col]
    );
    let out = run(&["explain", "--plain", "q.jsonl"], dir.path());
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        s.contains("Provider queries\n  - neuro_suggested (multiple_choice)"),
        "{s}"
    );
}

/// The summary line on stderr counts the claim lines by result.
#[test]
fn the_summary_line_counts_claim_lines() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("in.jsonl"),
        json!({"id": "n", "billed": ["M53.83"], "text": FACET, "cpt": "64490 62321"}).to_string()
            + "\n",
    )
    .unwrap();
    let out = run(&["audit", "in.jsonl", "-o", "out.jsonl"], dir.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("claim lines: does_not_fit 1, fits 1"), "{err}");
}
