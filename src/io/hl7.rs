//! HL7 v2 messages (MDM^T02, ORU^R01 ...) as files: segments one per line
//! or ended by `\r`, MLLP framing bytes ignored, messages starting at MSH.
//!
//! A message with text is one note: its OBX values of type TX, FT or ST
//! (repetitions one per line, consecutive OBX segments one per line)
//! with the escapes decoded (`\.br\` a line break, `\T\` `&`, `\F\` `|`,
//! `\S\` `^`, `\R\` `~`, `\E\` `\`, `\Xhh\` bytes, formatting commands
//! dropped); evidence offsets are bytes of that decoded text. Its id is
//! TXA-12 (the unique document number), else OBR-3, else MSH-10; PID-3
//! names the patient, PV1-19 the visit (the encounter key), PV1-2 the care
//! setting (I: inpatient), TXA-4 or OBR-7 the date; DG1-3 codes of the
//! message are its billed codes, and make the visit its claim key too. A message without text (ADT ...) is no
//! note, and is passed over.

use super::input::{err_item, make_note, InputOptions, Item};
use crate::decide::Setting;
use crate::rollup::Keys;

/// The separators a message's MSH declares.
#[derive(Clone, Copy)]
struct Seps {
    field: u8,
    component: u8,
    repetition: u8,
    escape: u8,
}

impl Default for Seps {
    fn default() -> Self {
        Seps {
            field: b'|',
            component: b'^',
            repetition: b'~',
            escape: b'\\',
        }
    }
}

/// Does this head of a file look like HL7 v2 (a first segment MSH)?
pub fn is_hl7(head: &[u8]) -> bool {
    let t: &[u8] = {
        let start = head
            .iter()
            .position(|&b| !(b.is_ascii_whitespace() || b == 0x0B))
            .unwrap_or(head.len());
        &head[start..]
    };
    t.starts_with(b"MSH") && t.len() > 3 && !t[3].is_ascii_alphanumeric()
}

/// The notes of a file of HL7 v2 messages; `base` names it in positions.
pub fn read(bytes: &[u8], base: &str, opts: &InputOptions) -> Vec<Item> {
    let text =
        crate::io::decode::decode_invalid_utf8(bytes, crate::io::decode::Decoding::Windows1252)
            .text;
    let segments: Vec<&str> = text
        .split(['\r', '\n'])
        .map(|s| s.trim_matches(|c| c == '\u{b}' || c == '\u{1c}'))
        .filter(|s| !s.trim().is_empty())
        .collect();
    let mut out = Vec::new();
    let mut start = None;
    let mut number = 0;
    for (i, seg) in segments.iter().enumerate() {
        if seg.starts_with("MSH") {
            if let Some(s) = start {
                number += 1;
                message(&segments[s..i], base, number, opts, &mut out);
            }
            start = Some(i);
        }
    }
    if let Some(s) = start {
        number += 1;
        message(&segments[s..], base, number, opts, &mut out);
    }
    if out.is_empty() {
        out.push(err_item(
            format!("{base}:1"),
            "invalid_hl7",
            "no message holds document text (no MSH with TXA or OBX segments)".into(),
            bytes.len(),
        ));
    }
    out
}

/// A field of a segment (1-based, as HL7 numbers them; MSH-1 is the field
/// separator itself, so MSH fields are shifted by one).
fn field(seg: &str, n: usize, seps: Seps) -> &str {
    let n = if seg.starts_with("MSH") { n - 1 } else { n };
    seg.split(seps.field as char).nth(n).unwrap_or("")
}

/// The first component of a field.
fn first(f: &str, seps: Seps) -> &str {
    f.split(seps.component as char).next().unwrap_or("")
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// An HL7 timestamp's date as `YYYY-MM-DD`.
fn date(ts: &str) -> Option<String> {
    let d = ts.get(..8)?;
    d.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..8]))
}

/// One message: its note, or nothing when it has no text.
fn message(segs: &[&str], base: &str, number: usize, opts: &InputOptions, out: &mut Vec<Item>) {
    let msh = segs[0];
    let mut seps = Seps::default();
    let b = msh.as_bytes();
    // Separators are ASCII punctuation; a message declaring others keeps
    // the standard ones (its fields are then read as best they can be).
    let declared = b
        .get(3..7)
        .filter(|d| d.iter().all(|c| c.is_ascii_punctuation()));
    if declared.is_some() {
        seps = Seps {
            field: b[3],
            component: b[4],
            repetition: b[5],
            escape: b[6],
        };
    }
    let seg = |name: &str| segs.iter().find(|s| s.starts_with(name)).copied();
    let mut text = String::new();
    for obx in segs.iter().filter(|s| s.starts_with("OBX")) {
        if matches!(field(obx, 2, seps), "TX" | "FT" | "ST") {
            for rep in field(obx, 5, seps).split(seps.repetition as char) {
                text.push_str(&unescape(rep, seps));
                text.push('\n');
            }
        }
    }
    let txa = seg("TXA");
    let obr = seg("OBR");
    let id = txa
        .and_then(|t| non_empty(first(field(t, 12, seps), seps)))
        .or_else(|| obr.and_then(|o| non_empty(first(field(o, 3, seps), seps))))
        .or_else(|| non_empty(field(msh, 10, seps)))
        .unwrap_or_else(|| format!("{base}:message {number}"));
    let pv1 = seg("PV1");
    let keys = Keys {
        patient: seg("PID").and_then(|p| non_empty(first(field(p, 3, seps), seps))),
        encounter: pv1.and_then(|p| non_empty(first(field(p, 19, seps), seps))),
        date: txa
            .and_then(|t| date(field(t, 4, seps)))
            .or_else(|| obr.and_then(|o| date(field(o, 7, seps)))),
        source: Some(format!("{base} message {number}")),
        ..Keys::default()
    };
    let mut billed = Vec::new();
    for dg1 in segs.iter().filter(|s| s.starts_with("DG1")) {
        billed.extend(crate::record::split_billed(first(
            field(dg1, 3, seps),
            seps,
        )));
    }
    let has_text = segs
        .iter()
        .any(|s| s.starts_with("OBX") || s.starts_with("TXA"));
    if !has_text {
        return;
    }
    let size = segs.iter().map(|s| s.len() + 1).sum();
    let mut keys = keys;
    if !billed.is_empty() {
        // The codes billed for the visit make the visit the claim.
        keys.claim = keys.encounter.clone();
    }
    let mut item = make_note(id, text.into_bytes(), billed, opts, size);
    if let (Ok(note), Some(p)) = (&mut item.note, pv1) {
        note.setting = match field(p, 2, seps) {
            "I" => Some(Setting::Inpatient),
            "O" | "E" | "R" | "P" | "B" => Some(Setting::Outpatient),
            _ => None,
        };
    }
    item.set_keys(keys);
    out.push(item);
}

/// A field's text with its escapes decoded.
fn unescape(s: &str, seps: Seps) -> String {
    let esc = seps.escape as char;
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find(esc) {
        out.push_str(&rest[..p]);
        let after = &rest[p + 1..];
        let Some(q) = after.find(esc) else {
            out.push_str(&rest[p..]);
            return out;
        };
        let code = &after[..q];
        match code {
            "T" => out.push('&'),
            "F" => out.push(seps.field as char),
            "S" => out.push(seps.component as char),
            "R" => out.push(seps.repetition as char),
            "E" => out.push(esc),
            ".br" | ".sp" => out.push('\n'),
            c if c.starts_with('X') => {
                // Hex digit pairs; anything else (not hex, not ASCII) is dropped.
                let hex = &c.as_bytes()[1..];
                for pair in hex.chunks_exact(2) {
                    let digits = std::str::from_utf8(pair).ok();
                    if let Some(v) = digits.and_then(|d| u8::from_str_radix(d, 16).ok()) {
                        out.push(crate::io::decode::windows_1252(v));
                    }
                }
            }
            _ => {}
        }
        rest = &after[q + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_decoded() {
        let s = Seps::default();
        assert_eq!(
            unescape(r"a\T\b\.br\c\F\d\S\e\X41\\H\x\N\", s),
            "a&b\nc|d^eAx"
        );
        assert_eq!(unescape(r"open \ end", s), r"open \ end");
        // Found by the hl7 fuzz target: a hex escape holding a character of
        // two bytes was cut inside it.
        assert_eq!(unescape("a\\X4\u{ff}41\\b", s), "ab");
        assert_eq!(unescape("\\X41\u{e9}\\", s), "A");
    }

    #[test]
    fn separators_beyond_ascii_are_not_taken() {
        // Found by the hl7 fuzz target: a separator byte inside a UTF-8
        // character split the text off a character boundary.
        let msg = "MSH|^~\u{c3}&|EHR\rTXA|1|CN|TX|20260310||||||||D1\rOBX|1|TX|||Neck pain \u{c3}\u{a9} C7-T1||||||F\r";
        let items = read(msg.as_bytes(), "f.hl7", &InputOptions::default());
        let note = items[0].note.as_ref().unwrap();
        assert_eq!(note.id, "D1");
        assert!(note.text.contains("C7-T1"));
    }

    #[test]
    fn an_mdm_message_is_a_note() {
        let msg = "MSH|^~\\&|EHR|CLINIC|AUD|X|20260310120000||MDM^T02|MSG1|P|2.5\rPID|1||P123^^^MRN||Doe^Jane\rPV1|1|O|||||||||||||||||V555\rTXA|1|CN|TX|20260310||||||||DOC9||||||AU\rOBX|1|TX|||Assessment: C7-T1 facet syndrome\\.br\\Plan: PT~Follow up||||||F\rDG1|1||M53.83^Other specified dorsopathies^I10\r";
        let items = read(msg.as_bytes(), "f.hl7", &InputOptions::default());
        assert_eq!(items.len(), 1);
        let note = items[0].note.as_ref().unwrap();
        assert_eq!(note.id, "DOC9");
        assert_eq!(
            note.text,
            "Assessment: C7-T1 facet syndrome\nPlan: PT\nFollow up\n"
        );
        assert_eq!(note.billed, ["M53.83"]);
        assert_eq!(note.setting, Some(Setting::Outpatient));
        let k = items[0].keys();
        assert_eq!(k.encounter.as_deref(), Some("V555"));
        assert_eq!(k.patient.as_deref(), Some("P123"));
        assert_eq!(k.date.as_deref(), Some("2026-03-10"));
    }
}
