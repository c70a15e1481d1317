//! How a term's statement reads in a chart, beyond ConText: template
//! fields (a selected or unselected option, an unexpanded placeholder),
//! claim data (a code and its description in an order or billing field),
//! the patient's own account, a list row's status, and a non-spinal
//! structure that makes a level a landmark. DOMAIN.md, "Reading a whole
//! chart: which statements count".
//!
//! Each reading looks only at a bounded window around the term on its own
//! line, so the step is linear in the note's length whatever its content.

use crate::lexicon::ChartWords;

/// What the text around a term says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// An option of a checkbox or choice list that is not selected, or an
    /// option inside an unexpanded `{...}` list: it says nothing.
    Unselected,
    /// A field whose value is an unexpanded placeholder (`***`, `____`, `{`).
    Placeholder,
    /// A yes/no field answered no (`[ ] yes [x] no`, `N`, `(-)`).
    SelectedNo,
    /// A code or its description in a code field: claim data.
    CodeData,
    /// The patient's own account or hearsay ("she believes she has").
    Reported,
    /// A list row whose status is resolved, inactive or historical.
    StatusHistorical,
    /// A level or region word describing a non-spinal structure.
    NonSpinal,
}

/// How far a reading looks, in bytes, before and after the term.
const WINDOW: usize = 160;

/// Reads template fields, code data, reports, list status and look-alikes.
#[derive(Debug, Clone)]
pub struct StatementReader {
    /// Every phrase of `chart_words.tsv`, as patterns for the analyzer's
    /// one matching pass, and the list of each.
    patterns: Vec<crate::lexicon::Pattern>,
    list_of: Vec<List>,
}

/// The `chart_words.tsv` list a phrase belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum List {
    CodeField = 0,
    PatientReport,
    StatusHistorical,
    NonSpinal,
    CopiedMarker,
}

/// The chart-word phrases of one note (whole words), found in one pass, by
/// start, and what the note has at all: each term's reading looks up its
/// window here, and a note without boxes, braces, codes or columns skips
/// the readings that need them.
#[derive(Debug, Clone, Default)]
pub struct Scan {
    hits: Vec<(usize, usize, List)>,
    /// Start of every code-shaped token (`M53.83`), in order.
    codes: Vec<usize>,
    marks: Marks,
}

/// What a note has anywhere, found in one pass each (byte searches).
#[derive(Debug, Clone, Copy, Default)]
struct Marks {
    /// A `{` (a choice list can be open).
    braces: bool,
    /// A checkbox: `[`, `( )`, `(x)`, or a box or check mark character.
    boxes: bool,
    /// A short answer: a capital `N` on its own, `(-)`, `(neg)`.
    answers: bool,
    /// A placeholder run: `***`, `___`.
    placeholders: bool,
    /// Table columns: `|` or a tab.
    columns: bool,
    /// Phrases of each list.
    lists: [bool; 5],
}

impl Marks {
    /// Four byte searches over the note: `{ [` and U+2610..U+2713 marks,
    /// `( * _` runs, columns, and capital `N`s.
    fn of(text: &str, hits: &[(usize, usize, List)]) -> Self {
        let b = text.as_bytes();
        let mut m = Marks::default();
        for h in hits {
            m.lists[h.2 as usize] = true;
        }
        for i in memchr::memchr3_iter(b'{', b'[', 0xE2, b) {
            match b[i] {
                b'{' => m.braces = true,
                b'[' => m.boxes = true,
                // ☐ ☑ ☒ (E2 98 90-92) and ✓ (E2 9C 93).
                _ => {
                    m.boxes |= matches!(
                        b.get(i + 1..i + 3),
                        Some([0x98, 0x90..=0x92] | [0x9C, 0x93])
                    )
                }
            }
            if m.braces && m.boxes {
                break;
            }
        }
        for i in memchr::memchr3_iter(b'(', b'*', b'_', b) {
            let next = &b[i + 1..b.len().min(i + 5)];
            match b[i] {
                b'(' => {
                    m.boxes |= matches!(next, [b' ' | b'x' | b'X', b')', ..]);
                    m.answers |= next.starts_with(b"-)") || next.starts_with(b"neg)");
                }
                c => m.placeholders |= next.len() >= 2 && next[0] == c && next[1] == c,
            }
        }
        m.columns = memchr::memchr2(b'|', b'\t', b).is_some();
        m.answers = m.answers || n_answer_anywhere(b);
        m
    }

    fn has(&self, list: List) -> bool {
        self.lists[list as usize]
    }
}

/// A capital `N` after a space or colon and before no letter or digit.
fn n_answer_anywhere(b: &[u8]) -> bool {
    memchr::memchr_iter(b'N', b).any(|i| {
        i > 0
            && matches!(b[i - 1], b' ' | b':')
            && !b.get(i + 1).is_some_and(u8::is_ascii_alphanumeric)
    })
}

impl Scan {
    /// Is a phrase of `list` wholly inside `within`?
    fn any(&self, list: List, within: std::ops::Range<usize>) -> bool {
        if !self.marks.has(list) {
            return false;
        }
        let k = self.hits.partition_point(|h| h.0 < within.start);
        self.hits[k..]
            .iter()
            .take_while(|h| h.0 < within.end)
            .any(|h| h.2 == list && h.1 <= within.end)
    }

    /// Is a copied-text marker ("copied from", "carried forward") wholly
    /// inside `within`?
    pub fn copied_marker_in(&self, within: std::ops::Range<usize>) -> bool {
        self.any(List::CopiedMarker, within)
    }

    /// Is the note plain prose for the reader: no template marks, codes,
    /// patient-report or non-spinal phrases, or status columns? Then no
    /// term of it has a reading.
    pub fn is_plain(&self) -> bool {
        let m = &self.marks;
        let template = m.braces || m.boxes || m.answers || m.placeholders;
        let phrases = m.has(List::PatientReport)
            || m.has(List::NonSpinal)
            || (m.columns && m.has(List::StatusHistorical));
        !template && !phrases && self.codes.is_empty()
    }

    /// Does the note have table columns (`|` or tab)?
    pub fn has_columns(&self) -> bool {
        self.marks.columns
    }

    /// The start of the last code token that starts at or after `from` and
    /// whose dot and the byte after it lie before `to`.
    fn last_code(&self, from: usize, to: usize) -> Option<usize> {
        let k = self.codes.partition_point(|&c| c + 4 < to);
        self.codes[..k].last().copied().filter(|&c| c >= from)
    }
}

/// One term to read: its bytes, its sentence and what kind of term it is.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// Start byte (normalised text).
    pub start: usize,
    /// End byte.
    pub end: usize,
    /// Start byte of its sentence.
    pub sentence_start: usize,
    /// A level or region word (not a finding).
    pub is_place: bool,
    /// In a diagnostic section (assessment, impression, diagnosis).
    pub diagnostic: bool,
}

impl StatementReader {
    /// Builds the reader from `chart_words.tsv`.
    pub fn new(words: &ChartWords) -> Self {
        let lists = [
            (&words.code_field, List::CodeField),
            (&words.patient_report, List::PatientReport),
            (&words.status_historical, List::StatusHistorical),
            (&words.nonspinal, List::NonSpinal),
            (&words.copied_marker, List::CopiedMarker),
        ];
        let mut patterns = Vec::new();
        let mut list_of = Vec::new();
        for (ws, l) in lists {
            for w in ws.iter() {
                patterns.push(crate::lexicon::Pattern::Literal(w.clone()));
                list_of.push(l);
            }
        }
        StatementReader { patterns, list_of }
    }

    /// The phrases, for a matcher (whole words, case-insensitive).
    pub fn patterns(&self) -> Vec<(&crate::lexicon::Pattern, &[String])> {
        self.patterns.iter().map(|p| (p, &[][..])).collect()
    }

    /// The scan of a note from the matches of [`StatementReader::patterns`]
    /// (sorted by start).
    pub fn scan_from_hits(&self, text: &str, hits: Vec<crate::find::matcher::Hit>) -> Scan {
        let hits: Vec<_> = hits
            .into_iter()
            .map(|h| (h.start, h.end, self.list_of[h.id]))
            .collect();
        Scan {
            codes: code_starts(text),
            marks: Marks::of(text, &hits),
            hits,
        }
    }

    /// Finds the chart-word phrases of `text` with a matcher of its own,
    /// for tests (the analyzer finds them in its one matching pass).
    #[cfg(test)]
    pub(crate) fn scan(&self, text: &str) -> Scan {
        let m = crate::find::matcher::PhraseMatcher::new(self.patterns());
        self.scan_from_hits(text, m.find(&crate::text::Normalized::new(text).flat))
    }

    /// `scan` is [`StatementReader::scan`] of the same text.
    pub fn read(&self, text: &str, scan: &Scan, t: Target) -> Option<Reading> {
        let w = Words { text, scan };
        let m = &scan.marks;
        if t.is_place {
            // No non-spinal word anywhere near: the common case.
            let near = t.start.saturating_sub(WINDOW)..t.end + WINDOW;
            if !scan.any(List::NonSpinal, near) {
                return None;
            }
            let (before, after) = around(text, t.start, t.end);
            return w.nonspinal(before, after).then_some(Reading::NonSpinal);
        }
        let template = m.braces || m.boxes || m.answers || m.placeholders;
        let status = m.columns && m.has(List::StatusHistorical);
        if !(template || status || !scan.codes.is_empty()) {
            return w.reported(t);
        }
        let (before, after) = around(text, t.start, t.end);
        m.braces
            .then(|| in_braces(before, after))
            .flatten()
            .or_else(|| m.boxes.then(|| checkbox_before(before)).flatten())
            .or_else(|| {
                (m.boxes || m.answers)
                    .then(|| answer_after(after))
                    .flatten()
            })
            .or_else(|| {
                (m.braces || m.placeholders)
                    .then(|| placeholder_after(after))
                    .flatten()
            })
            .or_else(|| w.code_data(t.start - before.len(), t.start, t.diagnostic))
            .or_else(|| status.then(|| w.status(before, after)).flatten())
            .or_else(|| w.reported(t))
    }
}

/// A note's text and its chart-word phrases: lookups by sub-slice.
struct Words<'a> {
    text: &'a str,
    scan: &'a Scan,
}

impl Words<'_> {
    /// Is a phrase of `list` inside `sub` (a slice of the note's text)?
    fn has(&self, list: List, sub: &str) -> bool {
        let start = sub.as_ptr() as usize - self.text.as_ptr() as usize;
        self.scan.any(list, start..start + sub.len())
    }

    fn nonspinal(&self, before: &str, after: &str) -> bool {
        self.has(List::NonSpinal, tail(clause_tail(before), 64))
            || self.has(List::NonSpinal, head(clause_head(after), 48))
    }

    /// A code token before the term on its line (`line_start..start`), with
    /// a code-field label before it or outside a diagnostic section ("Dx:
    /// M53.83 Other specified dorsopathies, cervicothoracic region").
    fn code_data(&self, line_start: usize, start: usize, diagnostic: bool) -> Option<Reading> {
        let code_at = self.scan.last_code(line_start, start)?;
        let between = &self.text.as_bytes()[code_at..start];
        if memchr::memchr3(b';', b'|', b'.', &between[5..]).is_some() {
            // A clause or column ends between the code and the term (the
            // code's own dot is within its first five bytes).
            return None;
        }
        let labelled = self.scan.any(List::CodeField, line_start..code_at);
        (labelled || !diagnostic).then_some(Reading::CodeData)
    }

    /// A list row (`|` or tab columns) whose status says not current.
    fn status(&self, before: &str, after: &str) -> Option<Reading> {
        // `before` and `after` end at the term's line ends.
        let (row_before, row_after) = (before.as_bytes(), after);
        let is_row = memchr::memchr2(b'|', b'\t', row_before).is_some()
            || memchr::memchr2(b'|', b'\t', row_after.as_bytes()).is_some();
        (is_row && self.has(List::StatusHistorical, row_after)).then_some(Reading::StatusHistorical)
    }

    /// A patient-report phrase earlier in the term's sentence.
    fn reported(&self, t: Target) -> Option<Reading> {
        let from = t
            .start
            .saturating_sub(WINDOW)
            .max(t.sentence_start)
            .min(t.start);
        self.scan
            .any(List::PatientReport, from..t.start)
            .then_some(Reading::Reported)
    }
}

/// The text before and after the term on its line, at most [`WINDOW`] bytes.
fn around(text: &str, start: usize, end: usize) -> (&str, &str) {
    let b = text.as_bytes();
    let lo = crate::text::floor_char_boundary(text, start.saturating_sub(WINDOW));
    let lo = memchr::memrchr(b'\n', &b[lo..start]).map_or(lo, |p| lo + p + 1);
    let hi = crate::text::floor_char_boundary(text, (end + WINDOW).min(text.len())).max(end);
    let hi = memchr::memchr(b'\n', &b[end..hi]).map_or(hi, |p| end + p);
    (&text[lo..start], &text[end..hi])
}

fn tail(s: &str, n: usize) -> &str {
    &s[crate::text::floor_char_boundary(s, s.len().saturating_sub(n))..]
}

fn head(s: &str, n: usize) -> &str {
    &s[..crate::text::floor_char_boundary(s, n.min(s.len()))]
}

/// The part of `before` after its last clause break.
fn clause_tail(before: &str) -> &str {
    memchr::memrchr3(b'.', b';', b'|', before.as_bytes()).map_or(before, |p| &before[p + 1..])
}

/// The part of `after` before its first clause break.
fn clause_head(after: &str) -> &str {
    memchr::memchr3(b'.', b';', b'|', after.as_bytes()).map_or(after, |p| &after[..p])
}

/// Inside an unexpanded `{...}` choice list.
fn in_braces(before: &str, after: &str) -> Option<Reading> {
    let b = before.as_bytes();
    let open = memchr::memrchr(b'{', b)?;
    let closed = memchr::memchr(b'}', &b[open..]).is_some();
    (!closed && memchr::memchr(b'}', after.as_bytes()).is_some()).then_some(Reading::Unselected)
}

const EMPTY_BOXES: [&str; 5] = ["[ ]", "[]", "\u{2610}", "( )", "[  ]"];
const FULL_BOXES: [&str; 8] = [
    "[x]",
    "[X]",
    "\u{2612}",
    "\u{2611}",
    "(x)",
    "(X)",
    "[\u{2713}]",
    "\u{2713}",
];

/// The nearest box before the term (on its line, after the last `|` or
/// double space) is empty: an unselected option.
fn checkbox_before(before: &str) -> Option<Reading> {
    let seg = tail(before, 24);
    // No box character near the term: the common case, one byte scan.
    if !seg.bytes().any(|c| matches!(c, b'[' | b'(' | 0xE2)) {
        return None;
    }
    let last = |boxes: &[&str]| boxes.iter().filter_map(|b| seg.rfind(b)).max();
    match (last(&EMPTY_BOXES), last(&FULL_BOXES)) {
        (Some(e), f) if f.map_or(true, |f| f < e) => {
            // Only words between the box and the term.
            let gap = &seg[e..];
            (!gap.contains(['|', ':'])).then_some(Reading::Unselected)
        }
        _ => None,
    }
}

/// A yes/no answer right after the term: `[ ] yes [x] no`, `☒ No`,
/// ` N |`, `: N`, `(-)`; an empty pair (`[ ] yes [ ] no`) is unselected.
fn answer_after(after: &str) -> Option<Reading> {
    let a = head(after, 40);
    let lower = a.trim_start_matches([' ', ':']);
    // Only a field followed by a box is a yes/no field: most terms stop here.
    let boxed = lower.starts_with(['[', '(', '\u{2610}', '\u{2612}', '\u{2611}']);
    let answered = |word: &str| {
        FULL_BOXES.iter().any(|b| {
            lower.match_indices(b).any(|(i, _)| {
                let rest = lower[i + b.len()..].trim_start();
                rest.get(..word.len())
                    .is_some_and(|w| w.eq_ignore_ascii_case(word))
                    && !rest[word.len()..].starts_with(|c: char| c.is_alphanumeric())
            })
        })
    };
    let (yes, no) = if boxed {
        (answered("yes"), answered("no") || answered("none"))
    } else {
        (false, false)
    };
    let empty_pair = boxed
        && EMPTY_BOXES.iter().any(|b| {
            lower.strip_prefix(b).is_some_and(|r| {
                r.trim_start()
                    .get(..3)
                    .is_some_and(|w| w.eq_ignore_ascii_case("yes"))
            })
        });
    if no && !yes {
        return Some(Reading::SelectedNo);
    }
    if empty_pair && !yes && !no {
        return Some(Reading::Unselected);
    }
    // "Radicular sx N |", "Radiculopathy: N", "Spurling (-)".
    let t = a
        .trim_start()
        .trim_start_matches(|c: char| c.is_ascii_lowercase() || c == '.')
        .trim_start_matches([' ', ':']);
    let n_answer = (t.starts_with("N ") || t == "N" || t.starts_with("N|") || t.starts_with("N,"))
        && a.len() - t.len() <= 12;
    if n_answer || a.trim_start().starts_with("(-)") || a.trim_start().starts_with("(neg)") {
        return Some(Reading::SelectedNo);
    }
    None
}

/// A field whose value is an unexpanded placeholder.
fn placeholder_after(after: &str) -> Option<Reading> {
    let t = after.trim_start_matches([' ', ':', '-']);
    (t.starts_with("***")
        || t.starts_with("___")
        || t.starts_with("{blank")
        || t.starts_with("{Blank"))
    .then_some(Reading::Placeholder)
}

/// The start of every ICD-10-CM-shaped code token (`M53.83`) in `s`: a
/// letter and two digits (or a digit and A/B) not after a letter or digit,
/// a dot, and a letter or digit after it.
fn code_starts(s: &str) -> Vec<usize> {
    let b = s.as_bytes();
    memchr::memchr_iter(b'.', b)
        .filter(|&i| {
            if i < 3 || i + 1 >= b.len() || !b[i + 1].is_ascii_alphanumeric() {
                return false;
            }
            let (l, d1, d2) = (b[i - 3], b[i - 2], b[i - 1]);
            (i < 4 || !b[i - 4].is_ascii_alphanumeric())
                && l.is_ascii_uppercase()
                && d1.is_ascii_digit()
                && (d2.is_ascii_digit() || d2 == b'A' || d2 == b'B')
        })
        .map(|i| i - 3)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::Lexicons;

    fn read(text: &str, term: &str, diagnostic: bool) -> Option<Reading> {
        let r = StatementReader::new(&Lexicons::builtin().chart_words);
        let start = text.find(term).unwrap();
        r.read(
            text,
            &r.scan(text),
            Target {
                start,
                end: start + term.len(),
                sentence_start: 0,
                is_place: false,
                diagnostic,
            },
        )
    }

    #[test]
    fn templates() {
        assert_eq!(
            read("Radiculopathy: [ ] yes [x] no", "Radiculopathy", false),
            Some(Reading::SelectedNo)
        );
        assert_eq!(
            read("Radiculopathy: [x] yes [ ] no", "Radiculopathy", false),
            None
        );
        assert_eq!(
            read("Neuro: [ ] Radiculopathy [x] None", "Radiculopathy", false),
            Some(Reading::Unselected)
        );
        assert_eq!(
            read(
                "Pain today Y | Radicular sx N | Numbness N",
                "Radicular",
                false
            ),
            Some(Reading::SelectedNo)
        );
        assert_eq!(
            read(
                "Dx: C7-T1 {Blank single: facet syndrome / disc herniation}",
                "disc herniation",
                true
            ),
            Some(Reading::Unselected)
        );
        assert_eq!(
            read("Myelopathy: ***", "Myelopathy", false),
            Some(Reading::Placeholder)
        );
        assert_eq!(
            read("Radicular pain (-), Spurling (-)", "Radicular pain", false),
            Some(Reading::SelectedNo)
        );
    }

    #[test]
    fn codes_reports_and_status() {
        assert_eq!(
            read(
                "Referral: Dx: M53.83 Other specified dorsopathies, cervicothoracic region",
                "dorsopathies",
                true
            ),
            Some(Reading::CodeData)
        );
        assert_eq!(
            read("1. M53.83 C7-T1 facet syndrome", "facet syndrome", true),
            None
        );
        assert_eq!(
            read("1. C7-T1 facet syndrome (M53.83)", "facet syndrome", true),
            None
        );
        assert_eq!(
            read(
                "She believes she has a herniated disc.",
                "herniated disc",
                false
            ),
            Some(Reading::Reported)
        );
        assert_eq!(
            read(
                "Facet syndrome C7-T1 | Resolved | 2021",
                "Facet syndrome",
                true
            ),
            Some(Reading::StatusHistorical)
        );
        assert_eq!(
            read(
                "Facet syndrome C7-T1 | Active | 2021",
                "Facet syndrome",
                true
            ),
            None
        );
    }
}
