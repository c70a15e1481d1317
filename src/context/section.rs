//! Section detection: which part of the note (HPI, past history, family
//! history, exam, imaging, assessment, plan ...) each sentence belongs to.
//!
//! A header from `sections.tsv` opens a section when it starts a line and is
//! followed by a colon (or stands alone on its line), and lasts until the
//! next such header. An ALL-CAPS header after a sentence end does the same
//! (run-together transcriptions). A mixed-case header inside a line
//! ("... drives. Family history: father with ...") applies to its own
//! sentence only. The first line of a note, when it is not a header, is the
//! title.

use crate::lexicon::{SectionHeader, SectionKind};
use std::ops::Range;

/// Compiled header lookup.
#[derive(Debug, Clone)]
pub struct Sectionizer {
    headers: rustc_hash::FxHashMap<String, SectionKind>,
}

/// A section kind plus whether the sentence is the note's title line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentenceSection {
    /// The section.
    pub kind: SectionKind,
    /// The sentence is the title (first line, no header).
    pub title: bool,
    /// End of the header text (colon included) if the sentence opens with one.
    pub header_end: Option<usize>,
}

impl Sectionizer {
    /// Builds the lookup from the lexicon rows.
    pub fn new(headers: &[SectionHeader]) -> Self {
        Sectionizer {
            headers: headers.iter().map(|h| (h.header.clone(), h.kind)).collect(),
        }
    }

    /// The section kind of a header candidate (text before a colon).
    fn lookup(&self, candidate: &str) -> Option<SectionKind> {
        let mut c = candidate
            .trim()
            .trim_start_matches(['-', '*', '\u{2022}', '#'])
            .trim();
        // "Medical diagnosis (referring physician)" → "medical diagnosis".
        if let Some(p) = memchr::memchr(b'(', c.as_bytes()) {
            c = c[..p].trim();
        }
        if c.is_empty() {
            return None;
        }
        // Runs for every sentence with an early colon: no allocation.
        let mut buf = [0u8; 40];
        let key = crate::text::ascii_lowercase_in(c, &mut buf)?;
        let key = key.trim_end_matches(['-', ' ', ',']);
        self.headers.get(key).copied()
    }

    /// Does `line` open a clinical section ("HPI:", "ASSESSMENT")? A chief
    /// complaint or reason for visit does not (questionnaires ask for one).
    pub fn opens_section(&self, line: &str) -> bool {
        let line = line.trim_start();
        let head = &line[..crate::text::floor_char_boundary(line, line.len().min(49))];
        // A header has its colon within 49 bytes or is a short line.
        if line.len() > 48 && memchr::memchr(b':', head.as_bytes()).is_none() {
            return false;
        }
        let candidate = match head.find(':') {
            Some(p) => &head[..p],
            None => line.trim_end(),
        };
        self.lookup(candidate)
            .is_some_and(|k| !matches!(k, SectionKind::ChiefComplaint | SectionKind::None))
            && (line.len() > candidate.len() || candidate.chars().all(|c| !c.is_lowercase()))
    }

    /// Assigns a section to every sentence (`sentences` are byte ranges of
    /// `text`, in order).
    pub fn assign(&self, text: &str, sentences: &[Range<usize>]) -> Vec<SentenceSection> {
        let mut out = Vec::with_capacity(sentences.len());
        let mut current = SectionKind::None;
        for (i, s) in sentences.iter().enumerate() {
            let sent = &text[s.clone()];
            // The last byte before the sentence that is not a space.
            let before = text.as_bytes()[..s.start].iter().rposition(|&c| c != b' ');
            let at_line_start = s.start == 0 || before.is_some_and(|k| text.as_bytes()[k] == b'\n');
            // A header's colon is within its first 48 bytes.
            let head = &sent.as_bytes()[..sent.len().min(49)];
            let (candidate, header_end) = match memchr::memchr(b':', head) {
                Some(p) => (&sent[..p], Some(s.start + p + 1)),
                None => (sent.trim_end_matches(['.', ' ']), None),
            };
            // A whole-line header without a colon only counts when it is the
            // entire sentence and alone on its line.
            let standalone = header_end.is_none()
                && at_line_start
                && text[s.end..].starts_with('\n') | (s.end == text.len());
            let found = if header_end.is_some() || standalone {
                self.lookup(candidate)
            } else {
                None
            };
            // One-letter SOAP headers ("S:", "A:") only at a line start.
            let found = found.filter(|_| candidate.trim().len() > 1 || at_line_start);
            let all_caps = || {
                candidate.chars().any(|c| c.is_alphabetic())
                    && !candidate.chars().any(|c| c.is_lowercase())
            };
            // A separator line ends a document: the next one opens with no
            // section (an export's documents do not share their sections).
            if found.is_none() && at_line_start && super::document::is_separator(sent) {
                current = SectionKind::None;
            }
            match found {
                Some(kind) if at_line_start || all_caps() => {
                    current = kind;
                    out.push(SentenceSection {
                        kind,
                        title: false,
                        header_end,
                    });
                }
                Some(kind) => out.push(SentenceSection {
                    kind,
                    title: false,
                    header_end,
                }),
                None => {
                    let title = i == 0
                        && at_line_start
                        && !sent.contains(':')
                        && text[s.end..].starts_with('\n');
                    out.push(SentenceSection {
                        kind: current,
                        title,
                        header_end: None,
                    });
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::Lexicons;

    fn kinds(text: &str) -> Vec<(String, SectionKind)> {
        let lex = Lexicons::builtin();
        let sents = crate::text::sentence::split(text, &lex.abbreviations);
        let secs = Sectionizer::new(&lex.sections).assign(text, &sents);
        sents
            .into_iter()
            .zip(secs)
            .map(|(r, s)| (text[r].to_string(), s.kind))
            .collect()
    }

    #[test]
    fn line_headers_open_sections() {
        let k = kinds("HPI: Neck pain.\nPAST MEDICAL HISTORY:\n- Hypertension\nFamily history: Mother with myelopathy.\nA: C7-T1 facet syndrome.\nP: PT.");
        assert_eq!(k[0].1, SectionKind::Hpi);
        assert_eq!(k[2].1, SectionKind::PastHistory);
        assert_eq!(k[3].1, SectionKind::FamilyHistory);
        assert_eq!(k[4].1, SectionKind::Assessment);
        assert_eq!(k[5].1, SectionKind::Plan);
    }

    #[test]
    fn inline_mixed_case_header_is_one_sentence_only() {
        let k = kinds("HPI: Pain x 4 months. Family history: father with AS. Tried PT x 6 visits.");
        assert_eq!(k[1].1, SectionKind::FamilyHistory);
        assert_eq!(k[2].1, SectionKind::Hpi);
    }

    #[test]
    fn all_caps_inline_headers_open_sections() {
        let k = kinds("SUBJECTIVE:, Neck pain. PAST MEDICAL HISTORY:, Diabetes. Asthma. ASSESSMENT:, Cervicalgia.");
        assert_eq!(k[1].1, SectionKind::PastHistory);
        assert_eq!(k[2].1, SectionKind::PastHistory);
        assert_eq!(k[3].1, SectionKind::Assessment);
    }

    #[test]
    fn parenthetical_headers_and_standalone_lines() {
        let k = kinds(
            "Medical diagnosis (referring physician): Facet syndrome.\nIMPRESSION\nNormal study.",
        );
        assert_eq!(k[0].1, SectionKind::Diagnosis);
        assert_eq!(k[2].1, SectionKind::Impression);
    }
}
