//! End-to-end tests of the `m53audit` binary: they run it as a user would
//! and parse its output.

mod common;

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_m53audit"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file of `../shared` (the corpora and the ICD-10-CM extract beside the
/// repository). Without it a test fails, naming what is missing, unless
/// `M53AUDIT_WITHOUT_SHARED=1` says the run knowingly goes without (the
/// test is then skipped, and says so).
fn shared(rel: &str) -> Option<PathBuf> {
    let p = root().join("../shared").join(rel);
    if p.exists() {
        return Some(p);
    }
    assert!(
        std::env::var_os("M53AUDIT_WITHOUT_SHARED").is_some(),
        "{} is missing: the accuracy floors need ../shared beside the repository (set M53AUDIT_WITHOUT_SHARED=1 to skip these tests knowingly)",
        p.display()
    );
    eprintln!("M53AUDIT_WITHOUT_SHARED: skipping a test that needs {rel}");
    None
}

fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    common::with_stdin(bin().args(args), stdin)
}

fn lines(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {e}: {l}")))
        .collect()
}

#[test]
fn audits_the_sample_corpus_one_record_per_note() {
    let out = bin()
        .args(["audit", "corpora/sample", "-q"])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recs = lines(&out.stdout);
    // 6 text notes + 4 JSON lines + 6 FHIR attachments + 2 HL7 messages
    // (claims/: by note, every note of the exports is audited alone).
    assert_eq!(recs.len(), 18);
    let by_id = |id: &str| {
        recs.iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} missing"))
            .clone()
    };
    assert_eq!(by_id("ct-facet-supported.txt")["verdict"], "supported");
    assert_eq!(by_id("procedure-level-only.txt")["verdict"], "insufficient");
    let flagged = by_id("claim-1002");
    assert_eq!(flagged["billed_agrees"], false);
    assert_eq!(flagged["codes"], serde_json::json!(["M54.2"]));
}

#[test]
fn evidence_offsets_are_exact_byte_offsets() {
    let text = "Assessment: C7\u{2013}T1 facet syndrome, non\u{2011}degenerative.\r\nNo radiculopathy \u{2014} MRI 01/2026: no disc herniation.";
    let line = serde_json::json!({"id": "u1", "text": text}).to_string();
    let out = run_with_stdin(&["audit", "-", "-q"], line.as_bytes());
    let rec = &lines(&out.stdout)[0];
    let ev = rec["evidence"].as_array().unwrap();
    assert!(!ev.is_empty());
    for e in ev {
        let (s, t) = (
            e["start"].as_u64().unwrap() as usize,
            e["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(&text[s..t], e["text"].as_str().unwrap());
    }
    assert_eq!(rec["verdict"], "supported");
}

#[test]
fn bad_lines_become_error_records_and_the_run_goes_on() {
    let input = b"{\"id\":\"a\",\"text\":\"Assessment: C7-T1 facet syndrome.\"}\n{not json\n\n{\"id\":\"c\",\"text\":\"\"}\n{\"id\":\"d\"}\n[1,2]\n{\"id\":\"e\",\"text\":\"Neck pain.\",\"billed\":\"M54.2, M53.83\"}\n";
    let out = run_with_stdin(&["audit", "-", "-q"], input);
    assert_eq!(out.status.code(), Some(1), "some notes had errors");
    let recs = lines(&out.stdout);
    assert_eq!(recs.len(), 6, "one record per non-blank input line");
    assert_eq!(recs[0]["verdict"], "supported");
    assert_eq!(recs[1]["error"]["kind"], "invalid_json");
    assert_eq!(recs[1]["id"], "stdin:2");
    assert_eq!(recs[2]["error"]["kind"], "empty_text");
    assert_eq!(recs[3]["error"]["kind"], "missing_text");
    assert_eq!(recs[4]["error"]["kind"], "invalid_json");
    assert_eq!(recs[5]["billed"], serde_json::json!(["M54.2", "M53.83"]));
    // No note text in messages.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("facet"), "{stderr}");
}

#[test]
fn explain_marks_evidence_when_piped() {
    let out = bin()
        .args(["explain", "corpora/sample/ct-facet-supported.txt"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(out.status.success());
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("Verdict: supported"), "{s}");
    assert!(
        s.contains("[facet syndrome]{facet_syndrome:affirmed}"),
        "{s}"
    );
    assert!(s.contains("{radiculopathy:negated}"), "{s}");
    assert!(!s.contains('\u{1b}'), "no colour codes when piped");
}

#[test]
fn help_explains_every_command_with_an_example() {
    for cmd in ["audit", "explain", "eval", "assert"] {
        let out = bin().args([cmd, "--help"]).output().unwrap();
        let s = String::from_utf8(out.stdout).unwrap();
        assert!(s.contains("Example"), "{cmd} --help has no example:\n{s}");
    }
}

#[test]
fn bad_lexicon_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("concepts.tsv"),
        "concept\tcategory\tpattern\tanchors\nstenosis\tstructurl\tstenosis\t-\n",
    )
    .unwrap();
    let out = bin()
        .args([
            "--lexicons",
            dir.path().to_str().unwrap(),
            "audit",
            "corpora/sample",
            "-q",
        ])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("concepts.tsv:2") && err.contains("structurl"),
        "{err}"
    );
}

#[test]
fn assert_explains_each_decision_with_its_rule() {
    let input = b"{\"id\":\"1\",\"text\":\"No disc herniation at C7-T1.\",\"target\":\"disc herniation\"}\n{\"id\":\"2\",\"text\":\"Mother had myelopathy.\",\"start\":11,\"end\":21}\n{\"id\":\"3\",\"text\":\"x\",\"target\":\"absent\"}\n";
    let out = run_with_stdin(&["assert"], input);
    let recs = lines(&out.stdout);
    assert_eq!(recs.len(), 3);
    assert_eq!(recs[0]["negated"], true);
    assert_eq!(recs[0]["triggers"][0]["text"], "No");
    assert!(recs[0]["triggers"][0]["rule"]
        .as_str()
        .unwrap()
        .starts_with("lexicons/context_rules.tsv:"));
    assert_eq!(recs[1]["family"], true);
    assert_eq!(recs[2]["error"]["kind"], "invalid_input");
}

#[test]
fn gold_dev_accuracy_floor() {
    let Some(gold) = shared("corpora/gold-dev.jsonl") else {
        return;
    };
    let out = bin()
        .args(["eval", gold.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let acc = r["verdict_accuracy"].as_f64().unwrap();
    assert!(acc >= 0.95, "verdict accuracy {acc} below the 0.95 floor");
    assert_eq!(
        r["code_exact_agreement_more_specific"].as_f64().unwrap(),
        1.0
    );
}

#[test]
fn eval_min_accuracy_fails_below_the_floor() {
    let dir = tempfile::tempdir().unwrap();
    let gold = dir.path().join("g.jsonl");
    std::fs::write(
        &gold,
        "{\"id\":\"x\",\"text\":\"Assessment: C7-T1 facet syndrome.\",\"billed\":[],\"expect\":{\"verdict\":\"not_relevant\",\"codes\":[],\"elements\":{}}}\n",
    )
    .unwrap();
    let out = bin()
        .args(["eval", gold.to_str().unwrap(), "--min-accuracy", "0.5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("expected not_relevant"));
}

#[test]
fn eval_counts_false_supported_against_its_ceiling() {
    let dir = tempfile::tempdir().unwrap();
    let gold = dir.path().join("g.jsonl");
    let line = |id: &str, verdict: &str| {
        format!("{{\"id\":\"{id}\",\"text\":\"Assessment: C7-T1 facet syndrome.\",\"billed\":[],\"expect\":{{\"verdict\":\"{verdict}\",\"codes\":[],\"elements\":{{}}}}}}\n")
    };
    std::fs::write(&gold, line("a", "supported") + &line("b", "insufficient")).unwrap();
    let run = |max: &str| {
        bin()
            .args(["eval", gold.to_str().unwrap(), "--max-false-supported", max])
            .output()
            .unwrap()
    };
    let strict = run("0");
    assert_eq!(strict.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&strict.stdout).contains("false supported: 1"));
    assert_eq!(run("1").status.code(), Some(0));
}

#[test]
fn mtsamples_never_supports_a_procedure_or_normal_level() {
    let Some(csv) = shared("corpora/mtsamples/mtsamples.csv") else {
        return;
    };
    let out = bin()
        .args([
            "audit",
            csv.to_str().unwrap(),
            "--text-column",
            "transcription",
            "-q",
        ])
        .output()
        .unwrap();
    let recs = lines(&out.stdout);
    assert_eq!(recs.len(), 4999, "one record per MTSamples row");
    for r in &recs {
        if r["verdict"] == "supported" {
            // A supported verdict must rest on an affirmed dorsopathy at C7-T1.
            let ev = r["evidence"].as_array().unwrap();
            assert!(
                ev.iter().any(|e| e["decisive"] == true
                    && e["category"] == "dorsopathy"
                    && e["assertion"] == "affirmed"),
                "{} supported without an affirmed dorsopathy",
                r["id"]
            );
        }
    }
    let supported = recs.iter().filter(|r| r["verdict"] == "supported").count();
    assert_eq!(
        supported, 0,
        "no MTSamples note documents an M53.83 dorsopathy at C7-T1"
    );
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn csv_inputs_and_clear_column_errors() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("export.csv");
    write(&csv, b"row,transcription,claim\n1,\"Assessment: C7-T1 facet syndrome.\",M53.83\n2,\"Neck pain, mechanical.\",\n");
    let out = bin()
        .args(["audit", csv.to_str().unwrap(), "-q"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no column `text`")
            && err.contains("`transcription`")
            && err.contains("--text-column"),
        "{err}"
    );
    let out = bin()
        .args([
            "audit",
            csv.to_str().unwrap(),
            "-q",
            "--text-column",
            "transcription",
            "--id-column",
            "row",
            "--billed-column",
            "claim",
        ])
        .output()
        .unwrap();
    let recs = lines(&out.stdout);
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0]["id"], "1");
    assert_eq!(recs[0]["billed_agrees"], true);
    assert_eq!(recs[1]["verdict"], "pain_only");
}

/// Runs `args` on a pseudo-terminal (util-linux `script`, part of every
/// Debian system) and returns what the terminal showed.
fn on_a_terminal(args: &[&str]) -> String {
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let mut cmd = quote(env!("CARGO_BIN_EXE_m53audit"));
    for a in args {
        cmd.push(' ');
        cmd.push_str(&quote(a));
    }
    let out = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .current_dir(root())
        .stdin(Stdio::null())
        .output()
        .expect("util-linux `script` runs the binary on a pseudo-terminal");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn progress_bar_on_a_terminal_one_summary_line_when_piped() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.jsonl");
    let target = target.to_str().unwrap();
    // On a terminal: a progress bar with bytes, rate, notes and ETA (the
    // total size is known for plain files), then the summary line.
    let tty = on_a_terminal(&["audit", "corpora/sample", "-o", target]);
    assert!(tty.contains("ETA"), "{tty}");
    assert!(tty.contains("KiB/s"), "{tty}");
    assert!(tty.contains("18 notes, "), "{tty}");
    assert!(tty.contains(" notes/s, 0 errors ETA"), "{tty}");
    assert!(
        tty.contains("m53audit: 18 notes (18 audited, 0 errors)"),
        "{tty}"
    );
    // A compressed input: the bar follows the compressed bytes read.
    let gz = dir.path().join("sample.jsonl.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for i in 0..40 {
        writeln!(
            enc,
            "{{\"id\":\"n{i}\",\"text\":\"Assessment: C7-T1 facet syndrome.\"}}"
        )
        .unwrap();
    }
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let tty = on_a_terminal(&["audit", gz.to_str().unwrap(), "-o", target]);
    assert!(tty.contains("40 notes, ") && tty.contains("ETA"), "{tty}");
    // --quiet silences it.
    let quiet = on_a_terminal(&["audit", "corpora/sample", "-q", "-o", target]);
    assert!(quiet.trim().is_empty(), "{quiet}");
    // Piped: no bar, only the one-line summary.
    let out = bin()
        .args(["audit", "corpora/sample", "-o", target])
        .current_dir(root())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("m53audit: 18 notes (18 audited, 0 errors)"),
        "{err}"
    );
    assert!(!err.contains("ETA"), "{err}");
}

/// `--setting` is the default for notes whose input names none; a
/// `setting` field overrides it per note; a value that names no setting is
/// an error record, and the run goes on. Every record states its setting.
#[test]
fn setting_flag_and_per_note_field() {
    let text = "DISCHARGE DIAGNOSES:\\n1. Probable C7-T1 facet syndrome, non-degenerative; pain for 4 months despite physical therapy.";
    let input = format!(
        "{{\"id\":\"a\",\"text\":\"{text}\"}}\n\
         {{\"id\":\"b\",\"text\":\"{text}\",\"setting\":\"inpatient\"}}\n\
         {{\"id\":\"c\",\"text\":\"{text}\",\"setting\":\"ward\"}}\n\
         {{\"id\":\"d\",\"text\":\"{text}\",\"setting\":\"outpatient\"}}\n"
    );
    let out = run_with_stdin(&["audit", "-q", "-"], input.as_bytes());
    let recs = lines(&out.stdout);
    let got: Vec<(&str, &str)> = recs
        .iter()
        .map(|r| {
            (
                r["setting"].as_str().unwrap_or("-"),
                r["verdict"].as_str().unwrap_or("error"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("outpatient", "insufficient"),
            ("inpatient", "supported"),
            ("-", "error"),
            ("outpatient", "insufficient"),
        ]
    );
    assert_eq!(recs[2]["error"]["kind"], "invalid_record");
    let out = run_with_stdin(
        &["audit", "-q", "--setting", "inpatient", "-"],
        input.as_bytes(),
    );
    let recs = lines(&out.stdout);
    let settings: Vec<&str> = recs
        .iter()
        .map(|r| r["setting"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(settings, ["inpatient", "inpatient", "-", "outpatient"]);
    assert_eq!(recs[0]["verdict"], "supported");
    let out = bin()
        .args(["audit", "--setting", "ward", "-"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// A `-j` beyond reason is lowered with a warning, not obeyed; a
/// `--max-note-bytes` as large as the type holds does not overflow into
/// refusing every text note.
#[test]
fn extreme_arguments_are_bounded() {
    let note = root().join("corpora/sample/ct-facet-supported.txt");
    let out = bin()
        .args(["audit", "-q", "-j", "100000000"])
        .arg(&note)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("using"));
    assert_eq!(lines(&out.stdout)[0]["verdict"], "supported");
    let out = bin()
        .args(["audit", "-q", "--max-note-bytes", &u64::MAX.to_string()])
        .arg(&note)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(lines(&out.stdout)[0]["verdict"], "supported");
}
