//! Documents inside one export: an encounter export joins a questionnaire,
//! a triage note, the provider's note, radiology reports, addenda, orders
//! and after-visit summaries. Each gets a kind, a speaker (role) and a
//! place in time from `documents.tsv`, so later stages can weigh what each
//! says (DOMAIN.md, "Reading a whole chart").
//!
//! A document header opens a line: its words are in capitals ("ADDENDUM",
//! "[D] MRI CERVICAL SPINE", "======== FINAL REPORT"), or in any case when
//! a colon, parenthesis or dash follows ("Previous HPI (copied from ...):").
//! A line whose label says it was copied ("copied from note dated ...")
//! opens a copied block. `document` headers last until the next header or
//! a separator line (`-----`, `=====`); `block` headers also end at a blank
//! line or at a clinical section header; `line` headers cover their line.

use crate::lexicon::{DocKind, DocumentHeader, Lexicons, Role, Scope, Time};
use std::ops::Range;

/// One document of an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Position in the export (0 = the first document).
    pub index: usize,
    /// Byte where its header line starts.
    pub start: usize,
    /// What it is.
    pub kind: DocKind,
    /// Who speaks.
    pub role: Role,
    /// Its place in time.
    pub time: Time,
    /// The `documents.tsv` line of the header that opened it (0: none).
    pub rule_line: usize,
}

/// The documents of a text and which one each byte belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Documents {
    /// The documents, in text order.
    pub docs: Vec<Document>,
    /// Stretches of text and their document (index into `docs`), in order,
    /// covering the text.
    pub spans: Vec<(Range<usize>, usize)>,
}

impl Documents {
    /// The document of byte `at`.
    pub fn at(&self, at: usize) -> &Document {
        if let [(_, d)] = self.spans[..] {
            return &self.docs[d];
        }
        let k = self.spans.partition_point(|(r, _)| r.end <= at);
        let d = self.spans.get(k).map_or(0, |(_, d)| *d);
        &self.docs[d]
    }

    /// The start of the last document of `time`, if any (a document that
    /// opens after byte `b` exists when this is greater than `b`).
    pub fn last_start(&self, time: Time) -> Option<usize> {
        self.docs
            .iter()
            .filter(|d| d.time == time)
            .map(|d| d.start)
            .max()
    }
}

/// Compiled document headers.
#[derive(Debug, Clone)]
pub struct DocumentSplitter {
    /// Headers, longest first.
    headers: Vec<DocumentHeader>,
    /// Headers by their first two bytes: each as (its first eight bytes,
    /// the mask of those it has, index into `headers`), longest first.
    by_start: rustc_hash::FxHashMap<[u8; 2], Vec<(u64, u64, usize)>>,
    /// `first[b]`: some header starts with the letter `b` (lower-cased).
    first: [bool; 256],
}

impl DocumentSplitter {
    /// Builds the splitter from the lexicons.
    pub fn new(lex: &Lexicons) -> Self {
        let mut headers = lex.documents.clone();
        headers.sort_by_key(|h| std::cmp::Reverse(h.header.len()));
        let mut by_start: rustc_hash::FxHashMap<[u8; 2], Vec<(u64, u64, usize)>> =
            Default::default();
        let mut first = [false; 256];
        for (i, h) in headers.iter().enumerate() {
            if let [a, b, ..] = *h.header.as_bytes() {
                let n = h.header.len().min(8);
                let mask = if n == 8 {
                    u64::MAX
                } else {
                    (1u64 << (8 * n)) - 1
                };
                by_start
                    .entry([a, b])
                    .or_default()
                    .push((lower8(h.header.as_bytes()), mask, i));
                first[a as usize] = true;
            }
        }
        DocumentSplitter {
            headers,
            by_start,
            first,
        }
    }

    /// Splits `text` (normalised, with its line breaks) into documents.
    /// `section_line` says whether a line opens a clinical section (which
    /// ends a block); `copied_marker` whether a copied-text marker of
    /// `chart_words.tsv` lies within a byte range of `text` (the analyzer
    /// finds them in its one matching pass).
    pub fn split(
        &self,
        text: &str,
        section_line: impl Fn(&str) -> bool,
        copied_marker: impl Fn(std::ops::Range<usize>) -> bool,
    ) -> Documents {
        let mut out = Documents {
            docs: vec![note(0)],
            spans: Vec::new(),
        };
        // The enclosing document and the open block or line, if any.
        let (mut outer, mut inner): (usize, Option<(usize, Scope)>) = (0, None);
        let mut span_start = 0;
        let mut current = 0;
        let bytes = text.as_bytes();
        let mut pos = 0;
        while pos < text.len() {
            let next_line =
                memchr::memchr(b'\n', &bytes[pos..]).map_or(text.len(), |p| pos + p + 1);
            let line = &text[pos..next_line];
            let body = trim_end_bytes(line, b"\r\n");
            let blank = body.bytes().all(|c| c.is_ascii_whitespace());
            let copied = is_copied(body, pos, &copied_marker);
            let opened = self.header_of(body).map(|h| {
                let mut d = doc(out.docs.len(), pos, h);
                if copied && h.scope != Scope::Document {
                    (d.kind, d.time) = (DocKind::Copied, Time::Copied);
                }
                (d, h.scope)
            });
            let opened = opened.or_else(|| {
                copied.then(|| {
                    let mut d = note(out.docs.len());
                    (d.start, d.kind, d.time, d.role) =
                        (pos, DocKind::Copied, Time::Copied, Role::Provider);
                    (d, Scope::Block)
                })
            });
            // A block ends at a blank line, a header or a clinical section
            // (a line-scoped header was closed after its own line).
            if let Some((_, Scope::Block)) = inner {
                if blank || opened.is_some() || section_line(body) {
                    inner = None;
                }
            }
            let next = if let Some((d, scope)) = opened {
                let k = d.index;
                out.docs.push(d);
                match scope {
                    Scope::Document => {
                        outer = k;
                        inner = None;
                    }
                    _ => inner = Some((k, scope)),
                }
                k
            } else if is_separator(body) {
                inner = None;
                let k = out.docs.len();
                out.docs.push(Document {
                    start: pos,
                    ..note(k)
                });
                outer = k;
                k
            } else {
                inner.map_or(outer, |(k, _)| k)
            };
            if next != current {
                if pos > span_start {
                    out.spans.push((span_start..pos, current));
                }
                span_start = pos;
                current = next;
            }
            pos = next_line;
            // A line-scoped header covers its own line only.
            if matches!(inner, Some((_, Scope::Line))) {
                inner = None;
            }
        }
        out.spans
            .push((span_start..text.len().max(span_start), current));
        out
    }

    /// The header that opens `line`, if any.
    fn header_of(&self, line: &str) -> Option<&DocumentHeader> {
        let trimmed = trim_start_bytes(line, b" \t");
        // Markers start with a sign or `DOCUMENT`; a line that starts with
        // another letter needs no strip, and opens nothing unless a header
        // starts with that letter (one look at the first byte).
        let rest = match trimmed.bytes().next() {
            Some(c) if c.is_ascii_alphabetic() && !c.eq_ignore_ascii_case(&b'd') => {
                if !self.first[c.to_ascii_lowercase() as usize] {
                    return None;
                }
                trimmed
            }
            _ => strip_markers(trimmed),
        };
        let bytes = rest.as_bytes();
        let (first, second) = match bytes {
            [a, b, ..] if a.is_ascii_alphabetic() => (*a, *b),
            _ => return None,
        };
        // A header is in capitals or labelled (`:`, `(`, ` -` after it):
        // a line with neither early on opens nothing.
        let early = &bytes[..bytes.len().min(64)];
        if !first.is_ascii_uppercase() && memchr::memchr3(b':', b'(', b'-', early).is_none() {
            return None;
        }
        let key = [first.to_ascii_lowercase(), second.to_ascii_lowercase()];
        let candidates = self.by_start.get(&key)?;
        // The first eight bytes of every candidate at once, then the rest.
        let line8 = lower8(bytes);
        let mut found = candidates
            .iter()
            .filter(|&&(pre, mask, _)| line8 & mask == pre)
            .map(|&(_, _, i)| &self.headers[i]);
        found.find(|h| {
            let (n, header) = (h.header.len(), h.header.as_bytes());
            if bytes.len() < n || !bytes[..n].eq_ignore_ascii_case(header) {
                return false;
            }
            let after = &rest[n..];
            let boundary =
                after.is_empty() || after.starts_with([' ', ':', '-', '(', ',', '/', '\t', '|']);
            let caps = !rest[..n].chars().any(|c| c.is_lowercase());
            let labelled =
                after.starts_with([':', '(']) || after.starts_with(" -") || after.starts_with(" (");
            boundary && (caps || labelled)
        })
    }
}

/// The first eight bytes of `b`, ASCII lower-cased, as one number (zero
/// bytes past its end).
fn lower8(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    for (o, c) in w.iter_mut().zip(b) {
        *o = c.to_ascii_lowercase();
    }
    u64::from_le_bytes(w)
}

/// Does the label of the line at byte `pos` (before its first colon) say
/// it was copied?
fn is_copied(
    line: &str,
    pos: usize,
    copied_marker: impl Fn(std::ops::Range<usize>) -> bool,
) -> bool {
    let head = &line.as_bytes()[..line.len().min(120)];
    // No marker on the line's head at all: the common case, one lookup.
    copied_marker(pos..pos + head.len())
        && memchr::memchr(b':', head).is_some_and(|p| copied_marker(pos..pos + p))
}

/// `s` without the leading bytes in `set` (ASCII).
fn trim_start_bytes<'a>(s: &'a str, set: &[u8]) -> &'a str {
    let k = s.bytes().position(|b| !set.contains(&b)).unwrap_or(s.len());
    &s[k..]
}

/// `s` without the trailing bytes in `set` (ASCII).
fn trim_end_bytes<'a>(s: &'a str, set: &[u8]) -> &'a str {
    let k = s
        .bytes()
        .rposition(|b| !set.contains(&b))
        .map_or(0, |k| k + 1);
    &s[..k]
}

fn note(index: usize) -> Document {
    Document {
        index,
        start: 0,
        kind: DocKind::Note,
        role: Role::Provider,
        time: Time::Current,
        rule_line: 0,
    }
}

fn doc(index: usize, start: usize, h: &DocumentHeader) -> Document {
    Document {
        index,
        start,
        kind: h.kind,
        role: h.role,
        time: h.time,
        rule_line: h.line,
    }
}

/// The line without leading space and list or banner markers: `[A]`,
/// `***`, `====`, `#`, `DOCUMENT 2 -`.
fn strip_markers(line: &str) -> &str {
    let mut s = line.trim_start();
    loop {
        let before = s.len();
        s = s
            .trim_start_matches(['*', '=', '#', '-', '~', '_', '>'])
            .trim_start();
        for (open, close) in [('[', ']'), ('(', ')')] {
            if s.starts_with(open) {
                if let Some(p) =
                    s[..crate::text::floor_char_boundary(s, s.len().min(5))].find(close)
                {
                    s = s[p + 1..].trim_start();
                }
            }
        }
        if s.len() >= 9 && s.as_bytes()[..9].eq_ignore_ascii_case(b"document ") {
            let t = s[9..].trim_start_matches(|c: char| c.is_ascii_digit());
            if t.len() < s.len() - 9 {
                s = t.trim_start_matches([' ', ':', '-', '.']);
            }
        }
        if s.len() == before {
            return s;
        }
    }
}

/// A line made only of `-`, `=`, `_`, `*` or `~` (five or more).
pub(crate) fn is_separator(line: &str) -> bool {
    let t = trim_start_bytes(line, b" \t");
    // Most lines start with a letter: one look at the first byte.
    if !t.starts_with(['-', '=', '_', '*', '~']) {
        return false;
    }
    let t = trim_end_bytes(t, b" \t");
    t.len() >= 5
        && t.bytes()
            .all(|b| matches!(b, b'-' | b'=' | b'_' | b'*' | b'~' | b' '))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(String, &'static str, &'static str)> {
        let lex = Lexicons::builtin();
        let reader = crate::context::statement::StatementReader::new(&lex.chart_words);
        let scan = reader.scan(text);
        let d = DocumentSplitter::new(&lex).split(
            text,
            |l| l.starts_with("HPI:"),
            |r| scan.copied_marker_in(r),
        );
        d.spans
            .iter()
            .map(|(r, k)| {
                let doc = &d.docs[*k];
                (
                    text[r.clone()].trim().to_string(),
                    doc.kind.name(),
                    doc.time.name(),
                )
            })
            .collect()
    }

    #[test]
    fn headers_open_documents_and_blocks_end() {
        let k = kinds("PATIENT QUESTIONNAIRE (portal):\n  Arm pain [x] no\n\nHPI: neck pain.\nADDENDUM 02/01: corrected.\n");
        assert_eq!(k[0].1, "questionnaire");
        assert_eq!(k[1], ("HPI: neck pain.".to_string(), "note", "current"));
        assert_eq!(k[2].1, "addendum");
    }

    #[test]
    fn copied_labels_and_banners() {
        let k = kinds("HPI: today.\nPrevious HPI (copied from note dated 01/02): old text.\nHPI: new.\n======== FINAL REPORT\nNo herniation.\n");
        assert_eq!(k[1].2, "copied");
        assert_eq!(k[2].2, "current");
        assert_eq!(k[3].2, "final");
    }

    #[test]
    fn prose_starting_with_a_header_word_opens_nothing() {
        let k = kinds("Final diagnosis is pending.\nMri shows a bulge.\n");
        assert_eq!(k.len(), 1);
        assert_eq!(k[0].1, "note");
    }

    #[test]
    fn numbered_banners() {
        let k = kinds("-----\n(1) PATIENT INTAKE QUESTIONNAIRE -- kiosk\nherniated disc\n-----\n(2) ROOMING / TRIAGE\n");
        assert_eq!(k[1].1, "questionnaire");
        assert_eq!(k[3].1, "triage");
    }
}
