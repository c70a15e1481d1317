//! Multi-pattern phrase matching: one aho-corasick automaton (leftmost-longest,
//! ASCII case folded) for the literal phrases of a lexicon, plus its regular
//! expressions, over the normalised text, keeping only matches at word
//! boundaries.

use crate::lexicon::Pattern;
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex::Regex;

/// A match of lexicon entry `id` at `start..end` of the searched text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Start byte.
    pub start: usize,
    /// End byte.
    pub end: usize,
    /// Index of the lexicon entry that matched.
    pub id: usize,
}

/// Compiles a lexicon regular expression: case-insensitive, with `\b`,
/// `\d` and `\w` in their ASCII forms so that the lazy DFA can run it on
/// any text (Unicode word boundaries force a much slower engine).
pub fn compile_regex(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&format!("(?i){}", asciify(pattern)))
}

/// Rewrites `\b`, `\d`, `\w` to their ASCII forms (outside classes).
pub fn asciify(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('b') if !in_class => out.push_str("(?-u:\\b)"),
                Some('d') => out.push_str(if in_class { "0-9" } else { "[0-9]" }),
                Some('w') => out.push_str(if in_class {
                    "0-9A-Za-z_"
                } else {
                    "[0-9A-Za-z_]"
                }),
                Some(o) => {
                    out.push('\\');
                    out.push(o);
                }
                None => out.push('\\'),
            }
            continue;
        }
        if c == '[' && !in_class {
            in_class = true;
        } else if c == ']' && in_class {
            in_class = false;
        }
        out.push(c);
    }
    out
}

/// Compiled matcher for a list of patterns; build once, share across threads.
#[derive(Debug, Clone)]
pub struct PhraseMatcher {
    ac: Option<AhoCorasick>,
    ac_ids: Vec<usize>,
    /// All regexes as one multi-pattern automaton (one pass over the text).
    multi: Option<(regex_automata::meta::Regex, Vec<usize>)>,
}

impl PhraseMatcher {
    /// Compiles `patterns`; entry `i` of the list is reported as id `i`.
    pub fn new<'a>(patterns: impl IntoIterator<Item = &'a Pattern>) -> Self {
        let mut lits = Vec::new();
        let mut ac_ids = Vec::new();
        let mut regexes = Vec::new();
        for (i, p) in patterns.into_iter().enumerate() {
            match p {
                Pattern::Literal(s) => {
                    lits.push(s.clone());
                    ac_ids.push(i);
                }
                Pattern::Regex(r) => {
                    regexes.push((compile_regex(r).expect("validated at load"), i))
                }
            }
        }
        let ac = if lits.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostLongest)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&lits)
                    .expect("lexicon automaton builds"),
            )
        };
        let multi = if regexes.is_empty() {
            None
        } else {
            let pats: Vec<String> = regexes
                .iter()
                .map(|(r, _)| r.as_str().to_string())
                .collect();
            let ids: Vec<usize> = regexes.iter().map(|(_, i)| *i).collect();
            Some((
                regex_automata::meta::Regex::new_many(&pats).expect("validated at load"),
                ids,
            ))
        };
        PhraseMatcher { ac, ac_ids, multi }
    }

    /// All non-overlapping matches in `text`, by start; where matches
    /// overlap the longer one wins.
    pub fn find(&self, text: &str) -> Vec<Hit> {
        let mut hits = Vec::new();
        if let Some(ac) = &self.ac {
            for m in ac.find_iter(text) {
                if crate::text::at_word_boundaries(text, m.start(), m.end()) {
                    hits.push(Hit {
                        start: m.start(),
                        end: m.end(),
                        id: self.ac_ids[m.pattern().as_usize()],
                    });
                }
            }
        }
        if self.multi.is_none() {
            return hits;
        }
        let literal_count = hits.len();
        if let Some((multi, ids)) = &self.multi {
            for m in multi.find_iter(text) {
                if m.start() < m.end() && crate::text::at_word_boundaries(text, m.start(), m.end())
                {
                    hits.push(Hit {
                        start: m.start(),
                        end: m.end(),
                        id: ids[m.pattern().as_usize()],
                    });
                }
            }
        }
        if hits.len() == literal_count {
            return hits;
        }
        hits.sort_by(|a, b| {
            a.start
                .cmp(&b.start)
                .then(b.end.cmp(&a.end))
                .then(a.id.cmp(&b.id))
        });
        let mut out: Vec<Hit> = Vec::with_capacity(hits.len());
        for h in hits {
            match out.last() {
                Some(last) if h.start < last.end => {
                    // Overlap: keep the longer (the earlier one on ties).
                    if h.end - h.start > last.end - last.start {
                        // Replace only if it does not overlap the one before.
                        let prev_end = if out.len() >= 2 {
                            out[out.len() - 2].end
                        } else {
                            0
                        };
                        if h.start >= prev_end {
                            out.pop();
                            out.push(h);
                        }
                    }
                }
                _ => out.push(h),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Pattern {
        Pattern::Literal(s.to_string())
    }

    #[test]
    fn longest_wins_and_boundaries_hold() {
        let m = PhraseMatcher::new(&[lit("no"), lit("no change in"), lit("herniation")]);
        let hits = m.find("No change in herniation; nope, no HERNIATION");
        let ids: Vec<usize> = hits.iter().map(|h| h.id).collect();
        assert_eq!(ids, vec![1, 2, 0, 2]);
    }

    #[test]
    fn regexes_merge_with_literals() {
        let m = PhraseMatcher::new(&[
            lit("thickening"),
            Pattern::Regex(r"\bthickening of the \w+ ligament\b".to_string()),
        ]);
        let hits = m.find("thickening of the interspinous ligament");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].id, 1);
    }
}
