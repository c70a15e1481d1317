//! Hostile archives: formats told from the content and refused loudly,
//! encodings with exact byte offsets, output and resume safety, directory
//! runs that never stop for one file, no note text in any message,
//! arguments, ids and codes.

mod common;

use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

/// A word planted in every note: no message may ever show it.
const CANARY: &str = "ZEBRACANARY";

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_m53audit"))
}

fn run(args: &[&str], dir: &Path) -> Output {
    bin().args(args).current_dir(dir).output().unwrap()
}

fn run_stdin(args: &[&str], dir: &Path, stdin: &[u8]) -> Output {
    common::with_stdin(bin().args(args).current_dir(dir), stdin)
}

fn records(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn note(id: &str) -> String {
    format!(
        "{{\"id\":\"{id}\",\"text\":\"Assessment: C7-T1 facet syndrome, non-degenerative. {CANARY}\"}}\n"
    )
}

fn jsonl(n: usize) -> String {
    (0..n).map(|i| note(&format!("n{i}"))).collect()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn verdicts(out: &Output) -> Vec<String> {
    records(out)
        .iter()
        .map(|r| {
            r["verdict"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| format!("error:{}", r["error"]["kind"].as_str().unwrap()))
        })
        .collect()
}

#[test]
fn compression_and_format_come_from_the_content() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A gzip of JSON lines with no telling name, and one named .jsonl.
    std::fs::write(d.join("export.gz"), gzip(jsonl(3).as_bytes())).unwrap();
    std::fs::write(d.join("wrong.jsonl"), gzip(jsonl(3).as_bytes())).unwrap();
    for f in ["export.gz", "wrong.jsonl"] {
        let out = run(&["audit", "-q", f], d);
        assert_eq!(verdicts(&out), ["supported"; 3], "{f}: {}", stderr(&out));
    }
    // TSV, by name and by content; CSV on stdin, by content and forced.
    let tsv = "id\ttext\n1\tAssessment: C7-T1 facet syndrome, non-degenerative.\n";
    std::fs::write(d.join("a.tsv"), tsv).unwrap();
    std::fs::write(d.join("a-no-extension"), tsv).unwrap();
    for f in ["a.tsv", "a-no-extension"] {
        assert_eq!(verdicts(&run(&["audit", "-q", f], d)), ["supported"]);
    }
    let csv = b"id,text\n1,Assessment: C7-T1 facet syndrome.\n";
    assert_eq!(verdicts(&run_stdin(&["audit", "-q", "-"], d, csv)).len(), 1);
    let forced = run_stdin(&["audit", "-q", "--input-format", "csv", "-"], d, csv);
    assert_eq!(records(&forced)[0]["id"], "1");
    // A pipe (as `<(zcat …)` gives) is read once, by its content.
    let fifo = d.join("fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, jsonl(2)).unwrap())
    };
    let out = run(&["audit", "-q", "fifo"], d);
    writer.join().unwrap();
    assert_eq!(verdicts(&out), ["supported"; 2], "{}", stderr(&out));
    // Text with no telling name is refused, unless --input-format text.
    std::fs::write(d.join("note"), "Assessment: C7-T1 facet syndrome.").unwrap();
    let out = run(&["audit", "-q", "note"], d);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot tell its format"),
        "{}",
        stderr(&out)
    );
    let out = run(&["audit", "-q", "--input-format", "text", "note"], d);
    assert_eq!(records(&out)[0]["id"], "note");
}

#[test]
fn what_is_not_notes_is_refused_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let noise: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(d.join("good.jsonl"), jsonl(1)).unwrap();
    std::fs::write(d.join("blob.bin"), &noise).unwrap();
    std::fs::write(d.join("blob.txt"), &noise).unwrap();
    std::fs::write(d.join("n.jsonl.bz2"), b"BZh91AY&SY\x00\x01").unwrap();
    std::fs::write(d.join("a.json"), b"[{\"id\":1,\"text\":\"x\"}]").unwrap();
    for (file, says) in [
        ("blob.bin", "binary content"),
        ("blob.txt", "binary content"),
        ("n.jsonl.bz2", "bzip2"),
        ("a.json", "JSON array"),
    ] {
        let out = run(&["audit", "-q", "good.jsonl", file], d);
        assert_eq!(out.status.code(), Some(2), "{file}");
        assert!(
            out.stdout.is_empty(),
            "{file}: nothing written before the refusal"
        );
        assert!(stderr(&out).contains(says), "{file}: {}", stderr(&out));
    }
    // Binary on stdin.
    let out = run_stdin(&["audit", "-q"], d, &noise);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn an_unterminated_csv_quote_is_reported_not_audited() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("a.csv"),
        format!("id,text\n1,ok C7-T1 {CANARY}\n2,\"C7-T1 {CANARY}\n3,swallowed\n4,also\n"),
    )
    .unwrap();
    let out = run(&["audit", "-q", "a.csv"], d);
    let recs = records(&out);
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[1]["error"]["kind"], "invalid_csv");
    let msg = recs[1]["error"]["message"].as_str().unwrap();
    assert!(msg.contains("never closed"), "{msg}");
    assert_eq!(out.status.code(), Some(1));
    // Quotes that close, doubled quotes inside: no report.
    std::fs::write(
        d.join("b.csv"),
        "id,text\n1,\"say \"\"C7-T1\"\"\nnext line\"\n2,plain 5\" tall\n",
    )
    .unwrap();
    let recs = records(&run(&["audit", "-q", "b.csv"], d));
    assert_eq!(recs.len(), 2);
    assert!(recs.iter().all(|r| r.get("error").is_none()), "{recs:?}");
}

/// Evidence spans of a record, as (start, end, text).
fn spans(rec: &Value) -> Vec<(usize, usize, String)> {
    rec["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["start"].as_u64().unwrap() as usize,
                e["end"].as_u64().unwrap() as usize,
                e["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn other_encodings_keep_the_verdict_and_offsets_into_the_original_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = "Assessment: C7\u{2013}T1 facet syndrome, non-degenerative. Caf\u{e9}.";
    let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    std::fs::write(d.join("cp.txt"), &cp1252).unwrap();
    std::fs::write(d.join("u16.txt"), &utf16).unwrap();
    type Decode = fn(&[u8]) -> String;
    let cases: [(&str, &[u8], Decode); 2] = [
        ("cp.txt", &cp1252, |b| {
            encoding_rs::WINDOWS_1252.decode(b).0.into_owned()
        }),
        ("u16.txt", &utf16, |b| {
            encoding_rs::UTF_16LE
                .decode_without_bom_handling(b)
                .0
                .into_owned()
        }),
    ];
    for (file, bytes, decode) in cases {
        let rec = &records(&run(&["audit", "-q", file], d))[0];
        assert_eq!(rec["verdict"], "supported", "{file}");
        assert!(rec["notes"][0]
            .as_str()
            .unwrap()
            .contains("bytes of the original"));
        let spans = spans(rec);
        assert!(spans.iter().any(|s| s.2 == "C7\u{2013}T1"), "{spans:?}");
        for (start, end, t) in spans {
            assert_eq!(decode(&bytes[start..end]), t, "{file}");
        }
    }
    // The same in a CSV field, and lossy replacement keeps offsets too.
    let mut csv = b"id,text\nc1,".to_vec();
    csv.extend_from_slice(&cp1252);
    csv.push(b'\n');
    std::fs::write(d.join("cp.csv"), &csv).unwrap();
    let rec = &records(&run(&["audit", "-q", "cp.csv"], d))[0];
    assert_eq!(rec["verdict"], "supported");
    let field = &cp1252[..];
    for (start, end, t) in spans(rec) {
        assert_eq!(encoding_rs::WINDOWS_1252.decode(&field[start..end]).0, t);
    }
    let mut bad = b"A: \xff\xfe\xfd ".to_vec();
    bad.extend_from_slice(b"C7-T1 facet syndrome, non-degenerative.");
    std::fs::write(d.join("bad.txt"), &bad).unwrap();
    let rec = &records(&run(
        &["audit", "-q", "--invalid-utf8", "replace", "bad.txt"],
        d,
    ))[0];
    for (start, end, t) in spans(rec) {
        assert_eq!(String::from_utf8_lossy(&bad[start..end]), t);
    }
    // A UTF-8 byte-order mark, and UTF-16 JSON lines.
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(jsonl(2).as_bytes());
    std::fs::write(d.join("bom.jsonl"), bom).unwrap();
    assert_eq!(
        verdicts(&run(&["audit", "-q", "bom.jsonl"], d)),
        ["supported"; 2]
    );
    let u16jsonl: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(jsonl(2).encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    std::fs::write(d.join("u16.jsonl"), u16jsonl).unwrap();
    let out = run(&["audit", "-q", "u16.jsonl"], d);
    assert_eq!(verdicts(&out), ["supported"; 2]);
    assert!(records(&out)[0]["notes"][0]
        .as_str()
        .unwrap()
        .contains("UTF-16"));
}

#[test]
fn outputs_never_destroy_inputs_and_resume_checks_its_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("a.jsonl"), jsonl(3)).unwrap();
    std::fs::write(d.join("b.jsonl"), jsonl(4)).unwrap();
    // -o onto an input.
    let out = run(&["audit", "-q", "a.jsonl", "-o", "a.jsonl"], d);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(d.join("a.jsonl")).unwrap(),
        jsonl(3)
    );
    // --no-clobber keeps an existing output; by default it is replaced.
    std::fs::write(d.join("out.jsonl"), "old\n").unwrap();
    let out = run(
        &["audit", "-q", "a.jsonl", "-o", "out.jsonl", "--no-clobber"],
        d,
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(d.join("out.jsonl")).unwrap(),
        "old\n"
    );
    assert!(run(&["audit", "-q", "a.jsonl", "-o", "out.jsonl"], d)
        .status
        .success());
    assert_eq!(
        std::fs::read_to_string(d.join("out.jsonl"))
            .unwrap()
            .lines()
            .count(),
        3
    );
    // `-o -` and `--summary -` are stdout; both at once is refused.
    let out = run(&["audit", "-q", "a.jsonl", "-o", "-"], d);
    assert_eq!(records(&out).len(), 3);
    let out = run(
        &["audit", "-q", "a.jsonl", "-o", "x.jsonl", "--summary", "-"],
        d,
    );
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["notes"], 3);
    let out = run(&["audit", "-q", "a.jsonl", "-o", "-", "--summary", "-"], d);
    assert_eq!(out.status.code(), Some(2));
    // An unwritable summary is found before the run writes anything.
    let out = run(
        &[
            "audit",
            "-q",
            "a.jsonl",
            "-o",
            "y.jsonl",
            "--summary",
            "no/such/dir/s.json",
        ],
        d,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(!d.join("y.jsonl").exists() && !d.join("y.jsonl.partial").exists());
    // --resume of another input or format is refused.
    std::fs::write(d.join("r.jsonl.partial"), "").unwrap();
    let progress = r#"{"items":0,"bytes_out":0,"summary":{},"fingerprint":"another run"}"#;
    std::fs::write(d.join("r.jsonl.partial.progress"), progress).unwrap();
    let out = run(&["audit", "-q", "b.jsonl", "-o", "r.jsonl", "--resume"], d);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("other inputs or had other options"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn resume_refuses_a_changed_input_and_continues_the_same_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("a.jsonl"), jsonl(600)).unwrap();
    // A run stopped after its first chunk: keep its partial output and
    // progress file as an interrupted run leaves them.
    let full = run(
        &["audit", "-q", "-j", "1", "a.jsonl", "-o", "full.jsonl"],
        d,
    );
    assert!(full.status.success());
    let mut child = bin()
        .args(["audit", "-q", "-j", "1", "a.jsonl", "-o", "r.jsonl"])
        .current_dir(d)
        .spawn()
        .unwrap();
    let progress = d.join("r.jsonl.partial.progress");
    while !progress.exists() && child.try_wait().unwrap().is_none() {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let _ = child.kill();
    let _ = child.wait();
    if !progress.exists() {
        return; // finished before it could be stopped: nothing to resume
    }
    let other = run(
        &[
            "audit", "-q", "-j", "1", "a.jsonl", "-o", "r.jsonl", "--resume", "--format", "csv",
        ],
        d,
    );
    assert_eq!(other.status.code(), Some(2), "{}", stderr(&other));
    let same = run(
        &[
            "audit", "-q", "-j", "1", "a.jsonl", "-o", "r.jsonl", "--resume",
        ],
        d,
    );
    assert!(same.status.success(), "{}", stderr(&same));
    assert_eq!(
        std::fs::read(d.join("r.jsonl")).unwrap(),
        std::fs::read(d.join("full.jsonl")).unwrap()
    );
}

#[test]
fn a_directory_run_goes_on_past_any_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let notes = d.join("in");
    std::fs::create_dir(&notes).unwrap();
    std::fs::write(notes.join("a.jsonl"), jsonl(2)).unwrap();
    std::fs::write(notes.join("b.csv"), format!("x,y\n1,{CANARY}\n")).unwrap();
    std::fs::write(notes.join("c.csv"), format!("1,{CANARY} at C7-T1\n")).unwrap();
    std::fs::write(notes.join("d.jsonl"), gzip(&[0u8; 300])).unwrap();
    std::fs::write(notes.join("e.txt"), [0u8; 300]).unwrap();
    std::fs::write(
        notes.join("f.tsv"),
        format!("id\ttext\nt1\tC7-T1 facet syndrome {CANARY}\n"),
    )
    .unwrap();
    std::fs::write(notes.join("readme.md"), "not a note").unwrap();
    std::fs::write(notes.join("scan.pdf"), "%PDF-1.7").unwrap();
    let out = run(&["audit", "-q", "in", "--summary", "s.json"], d);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let recs = records(&out);
    let ids: Vec<&str> = recs.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["n0", "n1", "b.csv", "c.csv", "d.jsonl", "e.txt", "t1"]
    );
    let kinds: Vec<&str> = recs[2..6]
        .iter()
        .map(|r| r["error"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "invalid_csv",
            "invalid_csv",
            "unsupported_input",
            "unsupported_input"
        ]
    );
    assert!(recs[3]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("no header row"));
    let s: Value = serde_json::from_slice(&std::fs::read(d.join("s.json")).unwrap()).unwrap();
    assert_eq!(s["skipped_files"], 2);
    assert_eq!(
        s["skipped_paths"],
        serde_json::json!(["readme.md", "scan.pdf"])
    );
    // A directory with no notes at all, and an empty file, are exit 2.
    std::fs::create_dir(d.join("empty")).unwrap();
    assert_eq!(run(&["audit", "-q", "empty"], d).status.code(), Some(2));
    std::fs::write(d.join("none.jsonl"), "\n\n").unwrap();
    let out = run(&["audit", "none.jsonl"], d);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("holds no notes"));
}

#[test]
fn no_message_ever_shows_note_text() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let t = format!("Patient {CANARY} reports C7-T1 pain");
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("headerless.csv", format!("1,{t}\n").into_bytes()),
        ("cols.csv", format!("note_id,body\n1,{t}\n").into_bytes()),
        (
            "broken.jsonl",
            format!("{{\"id\":\"x\",\"text\":\"{t}\n{{\"text\":7,\"x\":\"{t}\"}}\n[\"{t}\"]\n")
                .into_bytes(),
        ),
        ("quote.csv", format!("id,text\n1,\"{t}\n").into_bytes()),
        (
            "big.jsonl",
            format!("{{\"id\":\"b\",\"text\":\"{}\"}}\n", t.repeat(50)).into_bytes(),
        ),
        (
            "bad.jsonl",
            [
                format!("{{\"id\":\"u\",\"text\":\"{t}").as_bytes(),
                b"\xff\"}\n",
            ]
            .concat(),
        ),
        ("prose", t.clone().into_bytes()),
        ("arr.json", format!("[\"{t}\"]").into_bytes()),
        (
            "setting.jsonl",
            format!("{{\"id\":\"s\",\"text\":\"{t}\",\"setting\":\"{CANARY}\"}}\n").into_bytes(),
        ),
        (
            "billed.jsonl",
            format!("{{\"id\":\"s\",\"text\":\"{t}\",\"billed\":[{{\"{CANARY}\":1}}]}}\n")
                .into_bytes(),
        ),
    ];
    for (name, bytes) in &files {
        std::fs::write(d.join(name), bytes).unwrap();
        for extra in [
            &[][..],
            &["--invalid-utf8", "error", "--max-note-bytes", "200"][..],
        ] {
            let mut args = vec!["audit", name];
            args.extend_from_slice(extra);
            let out = run(&args, d);
            let err = stderr(&out);
            assert!(
                !err.contains(CANARY),
                "{name}: stderr shows note text: {err}"
            );
            for r in records(&out) {
                let m = r["error"]["message"].as_str().unwrap_or("");
                assert!(
                    !m.contains(CANARY),
                    "{name}: an error record shows note text: {m}"
                );
            }
        }
    }
    // And in a directory run, and on stdin.
    let out = run(&["audit", "."], d);
    assert!(!stderr(&out).contains(CANARY));
    let out = run_stdin(&["audit"], d, format!("{t}\n").as_bytes());
    assert_eq!(out.status.code(), Some(2));
    assert!(!stderr(&out).contains(CANARY), "{}", stderr(&out));
}

#[test]
fn arguments_lexicons_and_json_field_names() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("a.jsonl"), jsonl(1)).unwrap();
    // A lexicon directory that is not there, or holds no lexicon file.
    std::fs::create_dir(d.join("lex")).unwrap();
    for lex in ["nope", "lex"] {
        let out = run(&["--lexicons", lex, "audit", "-q", "a.jsonl"], d);
        assert_eq!(out.status.code(), Some(2), "{lex}");
        assert!(stderr(&out).contains("concepts.tsv"), "{}", stderr(&out));
    }
    // --id-column / --text-column / --billed-column name JSON fields too.
    std::fs::write(
        d.join("f.jsonl"),
        "{\"note_id\":\"k\",\"body\":\"Assessment: C7-T1 facet syndrome, non-degenerative.\",\"claim\":\"M53.83\"}\n",
    )
    .unwrap();
    let out = run(
        &[
            "audit",
            "-q",
            "f.jsonl",
            "--id-column",
            "note_id",
            "--text-column",
            "body",
            "--billed-column",
            "claim",
        ],
        d,
    );
    let r = &records(&out)[0];
    assert_eq!(
        (r["id"].as_str(), r["verdict"].as_str()),
        (Some("k"), Some("supported"))
    );
    assert_eq!(r["billed_agrees"], true);
    let out = run(&["audit", "-q", "f.jsonl"], d);
    assert_eq!(records(&out)[0]["error"]["kind"], "missing_text");
}

#[test]
fn ids_as_written_duplicates_counted_codes_checked_cells_safe() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = "Assessment: C7-T1 facet syndrome, non-degenerative.";
    std::fs::write(
        d.join("a.jsonl"),
        format!(
            "{{\"id\":12345678901234567890123,\"text\":\"{text}\"}}\n{{\"id\":1.50,\"text\":\"{text}\"}}\n\
             {{\"id\":\"=HYPERLINK(1)\",\"text\":\"{text}\",\"billed\":\"m53.83 M54.2;XYZ9\"}}\n{{\"id\":\"=HYPERLINK(1)\",\"text\":\"{text}\"}}\n"
        ),
    )
    .unwrap();
    let out = run(&["audit", "-q", "a.jsonl", "--summary", "s.json"], d);
    let recs = records(&out);
    let ids: Vec<&str> = recs.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "12345678901234567890123",
            "1.50",
            "=HYPERLINK(1)",
            "=HYPERLINK(1)"
        ]
    );
    assert_eq!(
        recs[2]["billed"],
        serde_json::json!(["M53.83", "M54.2", "XYZ9"])
    );
    assert_eq!(recs[2]["billed_agrees"], false);
    assert!(recs[2]["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n.as_str().unwrap().contains("`XYZ9`")));
    let s: Value = serde_json::from_slice(&std::fs::read(d.join("s.json")).unwrap()).unwrap();
    assert_eq!(s["duplicate_ids"], 1);
    assert_eq!(
        s["duplicate_id_examples"],
        serde_json::json!(["=HYPERLINK(1)"])
    );
    // CSV output: a cell that starts like a formula is neutralised.
    let out = run(&["audit", "-q", "a.jsonl", "--format", "csv"], d);
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(
        csv.lines().nth(3).unwrap().starts_with("'=HYPERLINK(1),"),
        "{csv}"
    );
    assert!(!csv.lines().any(|l| l.starts_with("=")));
    // Path ids do not depend on the working directory.
    std::fs::create_dir_all(d.join("x/notes")).unwrap();
    std::fs::write(d.join("x/notes/n.txt"), text).unwrap();
    std::fs::write(
        d.join("x/notes/l.jsonl"),
        format!("{{\"text\":\"{text}\"}}\n"),
    )
    .unwrap();
    let here = records(&run(
        &["audit", "-q", "x/notes", "x/notes/n.txt", "x/notes/l.jsonl"],
        d,
    ));
    let there = records(&run(
        &["audit", "-q", "notes", "notes/n.txt", "notes/l.jsonl"],
        &d.join("x"),
    ));
    let ids = |r: &[Value]| {
        r.iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&here), ["l.jsonl:1", "n.txt", "n.txt", "l.jsonl:1"]);
    assert_eq!(ids(&here), ids(&there));
}
