//! Sentence splitting for clinical text.
//!
//! Works on the normalised text (line breaks kept) with rules rather than
//! UAX-29 sentence boundaries, which are both slow and wrong for notes:
//! a line break ends a sentence unless the line was wrapped (an 80-column
//! line that runs on, or a phrase broken after a hyphen); `.`, `!` and `?`
//! end a sentence before white space unless the word is a known abbreviation
//! (`Dr.`, `approx.`), a single initial, or a list number (`1.`); `s/p`, `x3`
//! and decimals never split.

use std::ops::Range;

/// The words whose full stop does not end a sentence (`abbreviations.txt`,
/// lower-cased), with the length of the longest: most sentences end in a
/// longer word, which then needs no lookup.
#[derive(Debug, Clone, Default)]
pub struct Abbreviations {
    words: rustc_hash::FxHashSet<String>,
    longest: usize,
}

impl Abbreviations {
    /// Is the lower-cased `word` an abbreviation?
    pub fn contains(&self, word: &str) -> bool {
        word.len() <= self.longest && self.words.contains(word)
    }
}

impl FromIterator<String> for Abbreviations {
    /// From lower-cased words.
    fn from_iter<I: IntoIterator<Item = String>>(words: I) -> Self {
        let words: rustc_hash::FxHashSet<String> = words.into_iter().collect();
        let longest = words.iter().map(String::len).max().unwrap_or(0);
        Abbreviations { words, longest }
    }
}

/// Splits `text` (normalised, `\n` line breaks) into sentence byte ranges,
/// trimmed of white space, in order, never empty.
pub fn split(text: &str, abbreviations: &Abbreviations) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut line_start = 0;
    let mut i = 0;
    let push = |out: &mut Vec<Range<usize>>, s: usize, e: usize| {
        let seg = &text[s..e];
        let lead = seg.len() - seg.trim_start().len();
        let trail = seg.len() - seg.trim_end().len();
        if s + lead < e - trail {
            out.push(s + lead..e - trail);
        }
    };
    // The next `!` (rare, so found on its own; memchr takes three bytes).
    let mut bang = memchr::memchr(b'!', b).unwrap_or(b.len());
    loop {
        // Skip to the next byte that can end a sentence.
        if bang < i {
            bang = memchr::memchr(b'!', &b[i..]).map_or(b.len(), |p| i + p);
        }
        i = memchr::memchr3(b'\n', b'.', b'?', &b[i..])
            .map_or(b.len(), |p| i + p)
            .min(bang);
        if i >= b.len() {
            break;
        }
        match b[i] {
            b'\n' => {
                if !wrapped(text, line_start, i) {
                    push(&mut out, start, i);
                    start = i + 1;
                }
                line_start = i + 1;
            }
            b'.' | b'!' | b'?' => {
                let next = b.get(i + 1).copied();
                // ".," joins two lines in transcriptions whose line breaks
                // became commas ("... nerve roots.,C7-T1: ...").
                let joined =
                    next == Some(b',') && b.get(i + 2).is_some_and(|c| !c.is_ascii_digit());
                let at_space = matches!(next, None | Some(b' ') | Some(b'\n')) || joined;
                if joined || (at_space && ends_sentence(text, start, i, abbreviations)) {
                    push(&mut out, start, i + 1);
                    start = i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    push(&mut out, start, b.len());
    out
}

/// Is the line `line_start..nl` wrapped onto the next line?
fn wrapped(text: &str, line_start: usize, nl: usize) -> bool {
    let line = text[line_start..nl].trim_end();
    let next = &text[nl + 1..];
    let first = match next.chars().next() {
        Some('\n') | None => return false,
        Some(c) => c,
    };
    // A phrase broken after a hyphen: "C7-" / "T1".
    if line.ends_with('-') && first.is_alphanumeric() && !line.ends_with(" -") {
        return true;
    }
    let last = match line.chars().next_back() {
        Some(c) => c,
        None => return false,
    };
    if matches!(last, '.' | ':' | ';' | '!' | '?') {
        return false;
    }
    // A long line that runs on into a lower-case continuation, or (for ALL
    // CAPS reports) into a line that does not look like a new item.
    let long = line.len() >= 60 && line.chars().count() >= 60;
    if !long {
        return false;
    }
    if first.is_lowercase() {
        return true;
    }
    // Only now is the next line itself needed.
    let next_line = next.split('\n').next().unwrap_or("");
    let starts_item = first.is_ascii_digit()
        || matches!(first, '-' | '*' | '\u{2022}' | '#')
        || next_line
            .find(':')
            .is_some_and(|p| p < 40 && !next_line[..p].contains(". "));
    !starts_item && first.is_uppercase()
}

/// Does the `.`/`!`/`?` at `dot` end the sentence that began at `start`?
fn ends_sentence(text: &str, start: usize, dot: usize, abbreviations: &Abbreviations) -> bool {
    if text.as_bytes()[dot] != b'.' {
        return true;
    }
    let before = &text[start..dot];
    let word_start = word_start(before);
    let word = &before[word_start..];
    if word.is_empty() {
        return true;
    }
    // A list number at the start of a sentence: "1. Myelopathy ...".
    if word.len() <= 2
        && word.bytes().all(|c| c.is_ascii_digit())
        && before[..word_start].trim().is_empty()
    {
        return false;
    }
    // Inline list marker after a header: "A/P: 1. ...".
    if word.len() <= 2
        && word.bytes().all(|c| c.is_ascii_digit())
        && before[..word_start].trim_end().ends_with(':')
    {
        return false;
    }
    // A single initial: "J. Smith".
    if word.len() == 1 && word.as_bytes()[0].is_ascii_uppercase() {
        return false;
    }
    // Abbreviations are short: look the word up lower-cased in a stack
    // buffer (no allocation per full stop).
    let word = word.trim_start_matches(|c: char| !c.is_alphanumeric());
    if word.len() > abbreviations.longest {
        return true;
    }
    let mut buf = [0u8; 24];
    if let Some(lower) = crate::text::ascii_lowercase_in(word, &mut buf) {
        if abbreviations.contains(lower) {
            // "Dr. Smith" and "approx. 3" run on.
            return false;
        }
    }
    true
}

/// Where the last word of `before` starts: after its last white space or
/// `(`. Read byte by byte back to the first non-ASCII byte (ASCII bytes
/// never occur inside a multi-byte character); by characters from there.
fn word_start(before: &str) -> usize {
    let is_break = |c: char| c.is_whitespace() || c == '(';
    for (k, &c) in before.as_bytes().iter().enumerate().rev() {
        if !c.is_ascii() {
            return before[..=k].rfind(is_break).map_or(0, |p| {
                p + before[p..].chars().next().map_or(1, char::len_utf8)
            });
        }
        if is_break(c as char) {
            return k + 1;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sents(s: &str) -> Vec<String> {
        let abbr: Abbreviations = ["dr", "approx", "e.g", "vs"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        split(s, &abbr)
            .into_iter()
            .map(|r| s[r].to_string())
            .collect()
    }

    #[test]
    fn periods_and_abbreviations() {
        assert_eq!(
            sents("Seen by Dr. Smith today. No radiculopathy. Dose 2.5 mg s/p ACDF x3."),
            vec![
                "Seen by Dr. Smith today.",
                "No radiculopathy.",
                "Dose 2.5 mg s/p ACDF x3."
            ]
        );
        // The longest abbreviation still runs on; a longer word ends.
        assert_eq!(
            sents("Pain approx. 3 weeks. Seen by Dr. Approxim. Smith."),
            vec!["Pain approx. 3 weeks.", "Seen by Dr. Approxim.", "Smith."]
        );
    }

    proptest::proptest! {
        #[test]
        fn word_start_is_after_the_last_space_or_parenthesis(
            before in "[a-z (.\u{a0}\u{2009}é\n]{0,12}"
        ) {
            let by_chars = before
                .char_indices()
                .rev()
                .find(|&(_, c)| c.is_whitespace() || c == '(')
                .map_or(0, |(p, c)| p + c.len_utf8());
            proptest::prop_assert_eq!(word_start(&before), by_chars);
        }
    }

    #[test]
    fn numbered_lists_and_headers() {
        assert_eq!(
            sents("Assessment:\n1. C7-T1 facet syndrome.\n2. Hypertension.\nPlan: PT"),
            vec![
                "Assessment:",
                "1. C7-T1 facet syndrome.",
                "2. Hypertension.",
                "Plan: PT"
            ]
        );
        assert_eq!(
            sents("A/P: 1. Myelopathy due to spondylosis."),
            vec!["A/P: 1. Myelopathy due to spondylosis."]
        );
    }

    #[test]
    fn wrapped_lines_join_but_short_lines_do_not() {
        let wrapped = "MRI shows a small right paracentral disc protrusion at the level\nof C7-T1 without stenosis.";
        assert_eq!(sents(wrapped).len(), 1);
        assert_eq!(sents("Neck: supple\nLungs: clear").len(), 2);
        assert_eq!(sents("disc herniation at C7-\nT1 confirmed.").len(), 1);
        let caps = "FINDINGS: THERE IS A SMALL DISC PROTRUSION AT THE CERVICOTHORACIC JUNCTION\nWITHOUT STENOSIS.";
        assert_eq!(sents(caps).len(), 1);
    }
}
