//! The batch runner: nothing lost on corrupt input, output independent of
//! the thread count, `--resume` after a killed run, the output formats and
//! the summary.

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_m53audit"))
}

fn gold_texts() -> Vec<String> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/gold-dev.jsonl");
    match std::fs::read_to_string(p) {
        Ok(s) => s
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["text"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect(),
        Err(_) => vec![
            "Assessment: C7-T1 facet syndrome, non-degenerative. No radiculopathy.".to_string(),
            "Impression: C7-T1 disc protrusion.".to_string(),
            "A: Neck pain. P: PT.".to_string(),
        ],
    }
}

/// `n` notes cycling realistic texts, with billed codes.
fn write_notes(path: &Path, n: usize) {
    let texts = gold_texts();
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..n {
        let billed = if i % 3 == 0 { "[\"M53.83\"]" } else { "[]" };
        writeln!(
            f,
            "{{\"id\":\"n{i}\",\"billed\":{billed},\"text\":{}}}",
            serde_json::to_string(&texts[i % texts.len()]).unwrap()
        )
        .unwrap();
    }
}

fn records(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn corrupt_archive_loses_no_note() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // JSON lines: good, invalid UTF-8, broken JSON, empty text, oversize.
    let mut a = Vec::new();
    a.extend_from_slice(b"{\"id\":\"good\",\"text\":\"Assessment: C7-T1 facet syndrome.\"}\n");
    a.extend_from_slice(
        b"{\"id\":\"latin1\",\"text\":\"Assessment: C7-T1 facet syndrome, caf\xe9.\"}\n",
    );
    a.extend_from_slice(b"{\"id\":\"broken\",\"text\":\"unterminated\n");
    a.extend_from_slice(b"{\"id\":\"empty\",\"text\":\"   \"}\n");
    a.extend_from_slice(
        format!("{{\"id\":\"big\",\"text\":\"{}\"}}\n", "x ".repeat(3000)).as_bytes(),
    );
    std::fs::write(d.join("a.jsonl"), &a).unwrap();
    // A truncated gzip of three notes.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for i in 0..3 {
        writeln!(
            gz,
            "{{\"id\":\"gz{i}\",\"text\":\"Impression: C7-T1 disc protrusion number {i}. {}\"}}",
            "padding ".repeat(200)
        )
        .unwrap();
    }
    let full = gz.finish().unwrap();
    std::fs::write(d.join("b.jsonl.gz"), &full[..full.len() / 2]).unwrap();
    // A text note, an empty text note, and an unreadable file (a dangling link).
    std::fs::write(d.join("c.txt"), "A: C7-T1 ligamentous thickening.").unwrap();
    std::fs::write(d.join("d.txt"), "").unwrap();
    std::os::unix::fs::symlink(d.join("missing-target"), d.join("e.txt")).unwrap();

    let out = bin()
        .args(["audit", "-q", "--max-note-bytes", "4096", "--summary"])
        .arg(d.join("s.json"))
        .arg(d)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recs = records(&out.stdout);
    let kinds: Vec<String> = recs
        .iter()
        .map(|r| {
            r["error"]["kind"]
                .as_str()
                .map_or_else(|| "ok".to_string(), str::to_string)
        })
        .collect();
    let ids: Vec<&str> = recs.iter().map(|r| r["id"].as_str().unwrap()).collect();
    // a.jsonl: 5 lines → 5 records, in order.
    assert_eq!(&ids[..2], &["good", "latin1"]);
    assert_eq!(
        &kinds[..5],
        &["ok", "ok", "invalid_json", "empty_text", "oversize"]
    );
    assert!(recs[1]["notes"][0]
        .as_str()
        .unwrap()
        .contains("not valid UTF-8"));
    // b.jsonl.gz: whatever was readable, then one `unreadable` record.
    let gz_recs: Vec<&Value> = recs
        .iter()
        .filter(|r| {
            r["id"].as_str().unwrap().starts_with("gz")
                || r["id"].as_str().unwrap().starts_with("b.jsonl.gz")
        })
        .collect();
    assert_eq!(gz_recs.last().unwrap()["error"]["kind"], "unreadable");
    // c.txt, d.txt (empty), e.txt (unreadable).
    let tail: Vec<(&str, &str)> = ids
        .iter()
        .zip(&kinds)
        .rev()
        .take(3)
        .map(|(i, k)| (*i, k.as_str()))
        .collect();
    assert_eq!(
        tail,
        vec![
            ("e.txt", "unreadable"),
            ("d.txt", "empty_text"),
            ("c.txt", "ok")
        ]
    );
    assert_eq!(recs.len(), 5 + gz_recs.len() + 3);
    // No note text in any error message.
    for r in &recs {
        if let Some(m) = r["error"]["message"].as_str() {
            assert!(
                !m.contains("facet") && !m.contains("padding") && !m.contains("unterminated"),
                "{m}"
            );
        }
    }
    let s: Value = serde_json::from_slice(&std::fs::read(d.join("s.json")).unwrap()).unwrap();
    assert_eq!(s["notes"].as_u64().unwrap() as usize, recs.len());
    assert_eq!(s["errors"]["invalid_json"], 1);
    assert_eq!(s["lossy_utf8"], 1);

    // Refusing invalid UTF-8 instead.
    let out = bin()
        .args(["audit", "-q", "--invalid-utf8", "error"])
        .arg(d.join("a.jsonl"))
        .output()
        .unwrap();
    assert_eq!(records(&out.stdout)[1]["error"]["kind"], "invalid_utf8");
}

#[test]
fn output_is_identical_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("notes.jsonl");
    write_notes(&input, 1500);
    let run = |j: &str| {
        let out = bin()
            .args(["audit", "-q", "-j", j])
            .arg(&input)
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout
    };
    let one = run("1");
    assert_eq!(records(&one).len(), 1500);
    assert!(one == run("4"), "-j 1 and -j 4 differ");
    assert!(one == run("2"), "-j 1 and -j 2 differ");
}

#[test]
fn resume_after_a_killed_run_gives_the_same_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("notes.jsonl");
    write_notes(&input, 12000);
    let whole = dir.path().join("whole.jsonl");
    let st = bin()
        .args(["audit", "-q", "-o"])
        .arg(&whole)
        .arg(&input)
        .status()
        .unwrap();
    assert!(st.success());

    let out = dir.path().join("out.jsonl");
    let mut child = bin()
        .args(["audit", "-q", "-j", "1", "-o"])
        .arg(&out)
        .arg(&input)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once it has written some, but not all, of the output.
    let partial = dir.path().join("out.jsonl.partial");
    let started = std::time::Instant::now();
    while std::fs::metadata(&partial).map_or(0, |m| m.len()) < 200_000
        && started.elapsed().as_secs() < 60
    {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    if out.exists() {
        eprintln!("the run finished before it could be killed; resume not exercised");
    } else {
        assert!(partial.exists(), "a killed run leaves its partial output");
        assert!(
            !out.exists(),
            "a killed run never leaves a file posing as finished"
        );
        let st = bin()
            .args(["audit", "-q", "--resume", "-o"])
            .arg(&out)
            .arg(&input)
            .status()
            .unwrap();
        assert!(st.success());
        assert!(!partial.exists());
    }
    assert!(
        std::fs::read(&out).unwrap() == std::fs::read(&whole).unwrap(),
        "resumed output differs"
    );
    // Resuming a finished run is refused clearly.
    let o = bin()
        .args(["audit", "-q", "--resume", "-o"])
        .arg(&out)
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already complete"));
}

#[test]
fn csv_output_only_flagged_and_summary() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("notes.jsonl");
    write_notes(&input, 90);
    let summary = dir.path().join("summary.json");
    let out = bin()
        .args(["audit", "-q", "--only", "flagged", "--summary"])
        .arg(&summary)
        .arg(&input)
        .output()
        .unwrap();
    let flagged = records(&out.stdout);
    assert!(!flagged.is_empty());
    assert!(flagged.iter().all(|r| r["billed_agrees"] == false));
    let s: Value = serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
    assert_eq!(s["notes"], 90);
    assert_eq!(
        s["billed_disagreements"].as_u64().unwrap() as usize,
        flagged.len()
    );
    let per_verdict: u64 = s["verdicts"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(per_verdict, 90);
    assert!(s["disagreement_pairs"]
        .as_object()
        .unwrap()
        .keys()
        .any(|k| k.starts_with("M53.83 -> ")));

    let out = bin()
        .args(["audit", "-q", "--format", "csv"])
        .arg(&input)
        .output()
        .unwrap();
    let mut rdr = csv::Reader::from_reader(&out.stdout[..]);
    assert_eq!(
        rdr.headers().unwrap().iter().collect::<Vec<_>>(),
        vec![
            "id",
            "verdict",
            "codes",
            "score",
            "billed",
            "billed_agrees",
            "gaps",
            "error",
            "lines",
            "queries"
        ]
    );
    assert_eq!(rdr.records().count(), 90);
}

#[test]
fn zstd_and_gzip_inputs_are_read_transparently() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("n.jsonl");
    write_notes(&plain, 40);
    let bytes = std::fs::read(&plain).unwrap();
    std::fs::write(
        dir.path().join("n2.jsonl.zst"),
        zstd::encode_all(&bytes[..], 3).unwrap(),
    )
    .unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&bytes).unwrap();
    std::fs::write(dir.path().join("n3.jsonl.gz"), gz.finish().unwrap()).unwrap();
    let run = |p: &str| {
        bin()
            .args(["audit", "-q"])
            .arg(dir.path().join(p))
            .output()
            .unwrap()
            .stdout
    };
    let a = run("n.jsonl");
    assert_eq!(records(&a).len(), 40);
    assert!(a == run("n2.jsonl.zst"));
    assert!(a == run("n3.jsonl.gz"));
}
