//! Unit tests of the readers.

use super::*;
use serde_json::Value;

#[test]
fn billed_codes_from_arrays_and_strings() {
    let v: Value = serde_json::json!(["m53.83", " M54.2 ", ""]);
    assert_eq!(billed_from_json(Some(&v)).unwrap(), vec!["M53.83", "M54.2"]);
    let v: Value = serde_json::json!("M53.83, M54.12;G99.2");
    assert_eq!(
        billed_from_json(Some(&v)).unwrap(),
        vec!["M53.83", "M54.12", "G99.2"]
    );
    assert!(billed_from_json(Some(&serde_json::json!(7))).is_err());
    assert!(billed_from_json(None).unwrap().is_empty());
}

#[test]
fn long_lines_are_read_through_without_being_kept() {
    let data = format!("{}\nshort\n", "x".repeat(100));
    let mut r = io::BufReader::with_capacity(8, data.as_bytes());
    let mut buf = Vec::new();
    assert_eq!(read_line_capped(&mut r, &mut buf, 10).unwrap(), (101, true));
    assert!(buf.is_empty());
    buf.clear();
    assert_eq!(read_line_capped(&mut r, &mut buf, 10).unwrap(), (6, false));
    assert_eq!(buf, b"short\n");
}

#[test]
fn json_lines_of_every_shape_read_the_same_fields() {
    let opts = InputOptions::default();
    let read = |line: &str| {
        let item = parse_json_line("f.jsonl", 4, line.as_bytes(), &opts);
        item.note
            .map(|n| (n.id, n.text, n.billed))
            .map_err(|e| (e.id, e.error.kind))
    };
    let note = |id: &str, text: &str, billed: &[&str]| {
        Ok((
            id.to_string(),
            text.to_string(),
            billed.iter().map(|b| b.to_string()).collect::<Vec<_>>(),
        ))
    };
    // The plain shape, with escapes, extra fields and null or absent keys.
    assert_eq!(
        read(r#"{"id":"a","text":"C7-T1 \"q\"\n\u00e9","billed":[" m53.83",""],"x":{"y":[1]}}"#),
        note("a", "C7-T1 \"q\"\né", &["M53.83"])
    );
    assert_eq!(
        read(r#"{"text":"t","id":null,"billed":null}"#),
        note("f.jsonl:4", "t", &[])
    );
    assert_eq!(read(r#"{"text":"t"}"#), note("f.jsonl:4", "t", &[]));
    // Other shapes go the general way and read the same.
    assert_eq!(
        read(r#"{"id":17,"text":"t","billed":"m54.2; m53.83"}"#),
        note("17", "t", &["M54.2", "M53.83"])
    );
    assert_eq!(
        read(r#"{"id":"a","text":"old","text":"new"}"#),
        note("a", "new", &[])
    );
    assert_eq!(
        read(r#"{"id":"a","text":"  "}"#),
        Err(("a".into(), "empty_text".into()))
    );
    assert_eq!(
        read(r#"{"id":"a","text":null}"#),
        Err(("a".into(), "missing_text".into()))
    );
    assert_eq!(
        read(r#"{"id":"a","text":3}"#),
        Err(("a".into(), "invalid_record".into()))
    );
    assert_eq!(
        read(r#"{"id":"a","text":"t","billed":[3]}"#),
        Err(("a".into(), "invalid_record".into()))
    );
    assert_eq!(
        read(r#"{"id":[],"text":"t"}"#),
        Err(("f.jsonl:4".into(), "invalid_record".into()))
    );
    assert_eq!(
        read(r#"["a","t"]"#),
        Err(("f.jsonl:4".into(), "invalid_json".into()))
    );
    let big = format!(
        r#"{{"id":"b","text":"{}"}}"#,
        "x".repeat(opts.max_note_bytes + 1)
    );
    assert_eq!(read(&big), Err(("b".into(), "oversize".into())));
}

#[test]
fn json_errors_never_quote_the_input() {
    let item = parse_json_line(
        "f",
        3,
        b"{\"id\":\"a\",\"text\":\"secret findings",
        &InputOptions::default(),
    );
    let e = item.note.unwrap_err();
    assert_eq!(e.error.kind, "invalid_json");
    assert!(e.error.message.starts_with("line 3:"));
    assert!(!e.error.message.contains("secret"));
}
