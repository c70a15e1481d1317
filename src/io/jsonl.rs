//! The JSON-lines writer for output records.
//!
//! Records are written straight into a byte buffer, keys and fixed
//! fragments as pre-formed bytes: at archive scale the record is several
//! times the size of the note and the generic serializer (which escapes
//! every key and goes through a map serializer per struct) cost more than
//! the analysis of the note. The bytes are exactly `serde_json::to_vec` of
//! the record (the `Serialize` derives stay the definition of the format;
//! a test holds the two together).

use crate::decide::Gap;
use crate::record::{
    Checklist, DocumentRef, ElementOut, ErrorRecord, Evidence, Output, Record, Trail,
};

/// Appends `out` as one JSON line (with the trailing newline) to `buf`.
pub fn write_line(out: &Output, buf: &mut Vec<u8>) {
    match out {
        Output::Audited(r) => record(r, buf),
        Output::Error(e) => error(e, buf),
    }
    buf.push(b'\n');
}

fn record(r: &Record, buf: &mut Vec<u8>) {
    field(b"{\"id\":", &r.id, buf);
    buf.extend_from_slice(b",\"verdict\":\"");
    buf.extend_from_slice(r.verdict.name().as_bytes());
    buf.extend_from_slice(b"\",\"codes\":");
    strings(&r.codes, buf);
    buf.extend_from_slice(b",\"score\":");
    number(r.score as usize, buf);
    buf.extend_from_slice(b",\"setting\":\"");
    buf.extend_from_slice(r.setting.name().as_bytes());
    buf.push(b'"');
    field(b",\"reason\":", &r.reason, buf);
    buf.extend_from_slice(b",\"checklist\":");
    checklist(&r.checklist, buf);
    buf.extend_from_slice(b",\"gaps\":");
    array(&r.gaps, buf, gap);
    buf.extend_from_slice(b",\"queries\":");
    if r.queries.is_empty() {
        buf.extend_from_slice(b"[]");
    } else {
        serde_json::to_writer(&mut *buf, &r.queries).expect("writing to a Vec cannot fail");
    }
    buf.extend_from_slice(b",\"billed\":");
    strings(&r.billed, buf);
    buf.extend_from_slice(match r.billed_agrees {
        None => b",\"billed_agrees\":null,\"notes\":".as_slice(),
        Some(true) => b",\"billed_agrees\":true,\"notes\":",
        Some(false) => b",\"billed_agrees\":false,\"notes\":",
    });
    strings(&r.notes, buf);
    buf.extend_from_slice(b",\"documents\":");
    array(&r.documents, buf, document);
    buf.extend_from_slice(b",\"evidence\":");
    array(&r.evidence, buf, evidence);
    if !r.lines.is_empty() {
        // Rare (notes billed with procedure lines): serde writes them.
        buf.extend_from_slice(b",\"lines\":");
        serde_json::to_writer(&mut *buf, &r.lines).expect("writing to a Vec cannot fail");
    }
    trail(&r.m53audit, buf);
    buf.push(b'}');
}

fn trail(t: &Trail, buf: &mut Vec<u8>) {
    name_field(b",\"m53audit\":{\"version\":", t.version, buf);
    name_field(b",\"lexicons\":", &t.lexicons, buf);
    buf.push(b'}');
}

fn checklist(c: &Checklist, buf: &mut Vec<u8>) {
    let elements: [(&[u8], &ElementOut); 7] = [
        (b"{\"region\":", &c.region),
        (b",\"pathology\":", &c.pathology),
        (b",\"disc_excluded\":", &c.disc_excluded),
        (b",\"neuro_excluded\":", &c.neuro_excluded),
        (b",\"imaging\":", &c.imaging),
        (b",\"chronicity\":", &c.chronicity),
        (b",\"conservative_care\":", &c.conservative_care),
    ];
    for (key, el) in elements {
        buf.extend_from_slice(key);
        name_field(b"{\"status\":", el.status, buf);
        buf.extend_from_slice(b",\"evidence\":");
        array(&el.evidence, buf, |&k, buf| number(k, buf));
        buf.push(b'}');
    }
    buf.push(b'}');
}

fn gap(g: &Gap, buf: &mut Vec<u8>) {
    field(b"{\"element\":", &g.element, buf);
    field(b",\"reason\":", &g.reason, buf);
    field(b",\"query\":", &g.query, buf);
    buf.push(b'}');
}

fn evidence(e: &Evidence, buf: &mut Vec<u8>) {
    buf.extend_from_slice(b"{\"start\":");
    number(e.start, buf);
    buf.extend_from_slice(b",\"end\":");
    number(e.end, buf);
    field(b",\"text\":", &e.text, buf);
    name_field(b",\"concept\":", &e.concept, buf);
    name_field(b",\"category\":", e.category, buf);
    name_field(b",\"assertion\":", e.assertion, buf);
    name_field(b",\"section\":", e.section, buf);
    buf.extend_from_slice(b",\"region\":");
    match &e.region {
        Some(r) => name(r, buf),
        None => buf.extend_from_slice(b"null"),
    }
    if let Some(t) = &e.trigger {
        field(b",\"trigger\":", t, buf);
    }
    if e.decisive {
        buf.extend_from_slice(b",\"decisive\":true");
    }
    buf.extend_from_slice(b",\"document\":");
    number(e.document, buf);
    if let Some(d) = &e.discount {
        name_field(b",\"discount\":{\"kind\":", d.kind, buf);
        field(b",\"reason\":", &d.reason, buf);
        buf.push(b'}');
    }
    buf.push(b'}');
}

fn document(d: &DocumentRef, buf: &mut Vec<u8>) {
    buf.extend_from_slice(b"{\"index\":");
    number(d.index, buf);
    buf.extend_from_slice(b",\"start\":");
    number(d.start, buf);
    name_field(b",\"kind\":", d.kind, buf);
    name_field(b",\"role\":", d.role, buf);
    name_field(b",\"time\":", d.time, buf);
    buf.push(b'}');
}

fn error(e: &ErrorRecord, buf: &mut Vec<u8>) {
    field(b"{\"id\":", &e.id, buf);
    field(b",\"error\":{\"kind\":", &e.error.kind, buf);
    field(b",\"message\":", &e.error.message, buf);
    buf.push(b'}');
    if let Some(t) = &e.m53audit {
        trail(t, buf);
    }
    buf.push(b'}');
}

/// A JSON array of `xs`, each written by `item`.
fn array<T>(xs: &[T], buf: &mut Vec<u8>, item: impl Fn(&T, &mut Vec<u8>)) {
    buf.push(b'[');
    for (i, x) in xs.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        item(x, buf);
    }
    buf.push(b']');
}

fn strings(xs: &[String], buf: &mut Vec<u8>) {
    array(xs, buf, |s, buf| string(s, buf));
}

#[inline(always)]
fn number(n: usize, buf: &mut Vec<u8>) {
    buf.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// A key (pre-formed bytes with its separator and colon) and a string value.
#[inline(always)]
fn field(key: &[u8], value: &str, buf: &mut Vec<u8>) {
    buf.extend_from_slice(key);
    string(value, buf);
}

/// A key and a name from a fixed vocabulary (see [`name`]).
#[inline(always)]
fn name_field(key: &[u8], value: &str, buf: &mut Vec<u8>) {
    buf.extend_from_slice(key);
    name(value, buf);
}

/// A name from a fixed vocabulary: a concept (the lexicon loader allows
/// only `a-z` and `_`), a category, label, section, region or status (names
/// in the code). None needs escaping, so none is checked: most strings of a
/// record are these, and short.
#[inline(always)]
fn name(s: &str, buf: &mut Vec<u8>) {
    debug_assert!(!needs_escape(s.as_bytes()), "name needs escaping");
    quoted(s, buf);
}

/// `s` between quotes, as is (it needs no escaping).
#[inline(always)]
fn quoted(s: &str, buf: &mut Vec<u8>) {
    buf.reserve(s.len() + 2);
    buf.push(b'"');
    buf.extend_from_slice(s.as_bytes());
    buf.push(b'"');
}

/// A JSON string. Text without quotes, backslashes or control characters
/// (nearly all of it) is copied as is; anything else is escaped by
/// serde_json, so the escaping is serde_json's.
fn string(s: &str, buf: &mut Vec<u8>) {
    if needs_escape(s.as_bytes()) {
        serde_json::to_writer(&mut *buf, s).expect("strings serialise");
    } else {
        quoted(s, buf);
    }
}

/// Does `s` hold a quote, a backslash or a control character? Checked 16
/// bytes at a time without an early exit, so that the compiler vectorises
/// it (a byte-at-a-time search was the writer's largest cost).
fn needs_escape(s: &[u8]) -> bool {
    let special = |b: u8| (b < 0x20) | (b == b'"') | (b == b'\\');
    let mut chunks = s.chunks_exact(16);
    for chunk in &mut chunks {
        let chunk: &[u8; 16] = chunk.try_into().expect("16 bytes");
        if chunk.iter().fold(false, |acc, &b| acc | special(b)) {
            return true;
        }
    }
    chunks.remainder().iter().any(|&b| special(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::Lexicons;
    use crate::record::Auditor;
    use crate::record::{ErrorInfo, Note};

    fn same_as_serde(out: &Output) {
        let mut ours = Vec::new();
        write_line(out, &mut ours);
        let mut theirs = serde_json::to_vec(out).unwrap();
        theirs.push(b'\n');
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&theirs)
        );
    }

    #[test]
    fn escape_check_sees_every_position() {
        for len in 0..40 {
            assert!(!needs_escape("a".repeat(len).as_bytes()));
            for at in 0..len {
                for special in [b'"', b'\\', b'\n', 0x01, 0x1f] {
                    let mut s = vec![b'a'; len];
                    s[at] = special;
                    assert!(needs_escape(&s), "len {len} at {at}");
                }
            }
        }
        assert!(!needs_escape("é🙂 \u{7f}".as_bytes()));
    }

    #[test]
    fn records_are_byte_identical_to_serde_json() {
        let auditor = Auditor::new(Lexicons::builtin());
        let texts = [
            "Assessment: C7-T1 interspinous ligament thickening. No disc herniation at C7-T1.\nMRI 03/2026: no stenosis. Pain x 6 months despite PT.",
            "Quote \"C7-T1\" back\\slash, tab\there, bell\u{7}, del\u{7f}, line\u{2028}sep, é, 🙂 cervicothoracic facet syndrome, non-degenerative.",
            "Possible C6-7 radiculopathy; family history: mother with cervical myelopathy.",
            "",
        ];
        for (i, text) in texts.iter().enumerate() {
            let note = Note {
                id: format!("n\"{i}\\\n"),
                text: text.to_string(),
                billed: vec!["M53.83".into(), "M54.1\t2".into()],
                setting: None,
                procedures: vec![],
            };
            let mut rec = auditor.audit(&note);
            if i == 1 {
                rec.notes.push("a note\nwith a newline".into());
            }
            assert!(i == 3 || !rec.evidence.is_empty());
            same_as_serde(&Output::Audited(Box::new(rec.clone())));
            rec.billed.clear();
            rec.billed_agrees = None;
            same_as_serde(&Output::Audited(Box::new(rec)));
        }
        same_as_serde(&Output::Error(ErrorRecord {
            id: "file.jsonl:3".into(),
            error: ErrorInfo {
                kind: "invalid_json".into(),
                message: "line 3: expected `\"` at column 7\u{1}".into(),
            },
            m53audit: None,
        }));
        same_as_serde(&Output::Error(ErrorRecord {
            id: "file.jsonl:4".into(),
            error: ErrorInfo {
                kind: "oversize".into(),
                message: "line 4".into(),
            },
            m53audit: Some(auditor.trail.clone()),
        }));
    }
}
