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
use crate::text::contains_word_ignore_ascii_case;

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
    words: ChartWords,
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
        StatementReader {
            words: words.clone(),
        }
    }

    /// The reading of one term in `text` (normalised, with line breaks),
    /// or `None` when the text around it is ordinary prose.
    pub fn read(&self, text: &str, t: Target) -> Option<Reading> {
        let (before, after) = around(text, t.start, t.end);
        if t.is_place {
            return self.nonspinal(before, after).then_some(Reading::NonSpinal);
        }
        in_braces(before, after)
            .or_else(|| checkbox_before(before))
            .or_else(|| answer_after(after))
            .or_else(|| placeholder_after(after))
            .or_else(|| self.code_data(before, t.diagnostic))
            .or_else(|| self.status(before, after))
            .or_else(|| self.reported(text, t))
    }

    fn nonspinal(&self, before: &str, after: &str) -> bool {
        let near = |s: &str| {
            self.words
                .nonspinal
                .iter()
                .any(|w| contains_word_ignore_ascii_case(s, w))
        };
        near(tail(clause_tail(before), 64)) || near(head(clause_head(after), 48))
    }

    /// A code token before the term on its line, with a code-field label
    /// before it or outside a diagnostic section ("Dx: M53.83 Other
    /// specified dorsopathies, cervicothoracic region").
    fn code_data(&self, before: &str, diagnostic: bool) -> Option<Reading> {
        let code_at = last_code(before)?;
        let between = &before[code_at..];
        if between.contains("; ") || between.contains(". ") || between.contains('|') {
            return None;
        }
        let labelled = self
            .words
            .code_field
            .iter()
            .any(|w| contains_word_ignore_ascii_case(&before[..code_at], w));
        (labelled || !diagnostic).then_some(Reading::CodeData)
    }

    /// A list row (`|` or tab columns) whose status says not current.
    fn status(&self, before: &str, after: &str) -> Option<Reading> {
        let row_before = before.rsplit('\n').next().unwrap_or("");
        let row_after = after.split('\n').next().unwrap_or("");
        let is_row = row_before.contains(['|', '\t']) || row_after.contains(['|', '\t']);
        let has = |s: &str| {
            self.words
                .status_historical
                .iter()
                .any(|w| contains_word_ignore_ascii_case(s, w))
        };
        (is_row && has(row_after)).then_some(Reading::StatusHistorical)
    }

    /// A patient-report phrase earlier in the term's sentence.
    fn reported(&self, text: &str, t: Target) -> Option<Reading> {
        let from = crate::text::floor_char_boundary(
            text,
            t.start.saturating_sub(WINDOW).max(t.sentence_start),
        );
        let lead = &text[from.min(t.start)..t.start];
        self.words
            .patient_report
            .iter()
            .any(|w| contains_word_ignore_ascii_case(lead, w))
            .then_some(Reading::Reported)
    }
}

/// The text before and after the term on its line, at most [`WINDOW`] bytes.
fn around(text: &str, start: usize, end: usize) -> (&str, &str) {
    let lo = crate::text::floor_char_boundary(text, start.saturating_sub(WINDOW));
    let hi = crate::text::floor_char_boundary(text, (end + WINDOW).min(text.len()));
    let before = &text[lo..start];
    let before = before.rsplit('\n').next().unwrap_or(before);
    let after = &text[end..hi.max(end)];
    let after = after.split('\n').next().unwrap_or(after);
    (before, after)
}

fn tail(s: &str, n: usize) -> &str {
    &s[crate::text::floor_char_boundary(s, s.len().saturating_sub(n))..]
}

fn head(s: &str, n: usize) -> &str {
    &s[..crate::text::floor_char_boundary(s, n.min(s.len()))]
}

/// The part of `before` after its last clause break.
fn clause_tail(before: &str) -> &str {
    before.rsplit(['.', ';', '|']).next().unwrap_or(before)
}

/// The part of `after` before its first clause break.
fn clause_head(after: &str) -> &str {
    after.split(['.', ';', '|']).next().unwrap_or(after)
}

/// Inside an unexpanded `{...}` choice list.
fn in_braces(before: &str, after: &str) -> Option<Reading> {
    let open = before.rfind('{')?;
    (!before[open..].contains('}') && after.contains('}')).then_some(Reading::Unselected)
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
    let lower = a.trim_start_matches([' ', ':']).to_ascii_lowercase();
    let yes = FULL_BOXES
        .iter()
        .any(|b| lower.contains(&format!("{} yes", b.to_ascii_lowercase())));
    let no = FULL_BOXES
        .iter()
        .any(|b| lower.contains(&format!("{} no", b.to_ascii_lowercase())));
    let empty_pair = EMPTY_BOXES
        .iter()
        .any(|b| lower.starts_with(&format!("{b} yes")));
    if no && !yes && lower.starts_with(|c: char| "[(\u{2610}\u{2612}\u{2611}".contains(c)) {
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

/// The start of the last ICD-10-CM-shaped code token (`M53.83`) in `s`.
fn last_code(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = b.len();
    while i >= 5 {
        i -= 1;
        // A dot with a letter, two digits (or digit and A/B) before it.
        if b[i] == b'.' && i >= 3 && i + 1 < b.len() && b[i + 1].is_ascii_alphanumeric() {
            let (l, d1, d2) = (b[i - 3], b[i - 2], b[i - 1]);
            let starts = i < 4 || !b[i - 4].is_ascii_alphanumeric();
            if starts
                && l.is_ascii_uppercase()
                && d1.is_ascii_digit()
                && (d2.is_ascii_digit() || d2 == b'A' || d2 == b'B')
            {
                return Some(i - 3);
            }
        }
    }
    None
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
