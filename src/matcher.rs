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
    /// Regexes without anchors, as one multi-pattern automaton over the
    /// whole text.
    full: Option<(regex_automata::meta::Regex, Vec<usize>)>,
    /// Regexes with anchors, run only in windows around anchor words.
    near: Option<(regex_automata::meta::Regex, Vec<usize>)>,
    /// The anchor words (all anchored regexes share the windows).
    anchors: Option<AhoCorasick>,
}

/// Bytes searched before and after an anchor word.
const WINDOW_BEFORE: usize = 96;
const WINDOW_AFTER: usize = 48;

fn multi(regexes: &[(String, usize)]) -> Option<(regex_automata::meta::Regex, Vec<usize>)> {
    if regexes.is_empty() {
        return None;
    }
    let pats: Vec<String> = regexes
        .iter()
        .map(|(r, _)| format!("(?i){}", asciify(r)))
        .collect();
    let ids: Vec<usize> = regexes.iter().map(|(_, i)| *i).collect();
    Some((
        regex_automata::meta::Regex::new_many(&pats).expect("validated at load"),
        ids,
    ))
}

impl PhraseMatcher {
    /// Compiles `patterns` (each with its anchor words, empty for none);
    /// entry `i` of the list is reported as id `i`.
    pub fn new<'a>(patterns: impl IntoIterator<Item = (&'a Pattern, &'a [String])>) -> Self {
        let mut lits = Vec::new();
        let mut ac_ids = Vec::new();
        let mut full = Vec::new();
        let mut near = Vec::new();
        let mut anchor_words: Vec<String> = Vec::new();
        for (i, (p, anchors)) in patterns.into_iter().enumerate() {
            match p {
                Pattern::Literal(s) => {
                    lits.push(s.clone());
                    ac_ids.push(i);
                }
                Pattern::Regex(r) if anchors.is_empty() => full.push((r.clone(), i)),
                Pattern::Regex(r) => {
                    near.push((r.clone(), i));
                    for a in anchors {
                        if !anchor_words.contains(a) {
                            anchor_words.push(a.clone());
                        }
                    }
                }
            }
        }
        let ac = (!lits.is_empty()).then(|| {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::LeftmostLongest)
                .kind(Some(AhoCorasickKind::DFA))
                .build(&lits)
                .expect("lexicon automaton builds")
        });
        let anchors = (!anchor_words.is_empty()).then(|| {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::LeftmostLongest)
                .build(&anchor_words)
                .expect("anchor automaton builds")
        });
        PhraseMatcher {
            ac,
            ac_ids,
            full: multi(&full),
            near: multi(&near),
            anchors,
        }
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
        let literal_count = hits.len();
        let push = |m: regex_automata::Match, ids: &[usize], hits: &mut Vec<Hit>| {
            if m.start() < m.end() && crate::text::at_word_boundaries(text, m.start(), m.end()) {
                hits.push(Hit {
                    start: m.start(),
                    end: m.end(),
                    id: ids[m.pattern().as_usize()],
                });
            }
        };
        if let Some((re, ids)) = &self.full {
            for m in re.find_iter(text) {
                push(m, ids, &mut hits);
            }
        }
        if let (Some((re, ids)), Some(anchors)) = (&self.near, &self.anchors) {
            // Merge the windows around anchor words, then search each once.
            let mut windows: Vec<(usize, usize)> = Vec::new();
            for m in anchors.find_iter(text) {
                if !crate::text::at_word_boundaries(text, m.start(), m.end()) {
                    continue;
                }
                let lo = m.start().saturating_sub(WINDOW_BEFORE);
                let hi = (m.end() + WINDOW_AFTER).min(text.len());
                match windows.last_mut() {
                    Some(w) if lo <= w.1 => w.1 = w.1.max(hi),
                    _ => windows.push((lo, hi)),
                }
            }
            let mut last_end = 0;
            for (lo, hi) in windows {
                let lo = crate::text::floor_char_boundary(text, lo).max(last_end);
                let hi = crate::text::floor_char_boundary(text, hi);
                let input = regex_automata::Input::new(text).span(lo..hi);
                for m in re.find_iter(input) {
                    last_end = m.end();
                    push(m, ids, &mut hits);
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

    fn plain(ps: &[Pattern]) -> PhraseMatcher {
        PhraseMatcher::new(ps.iter().map(|p| (p, &[][..])))
    }

    #[test]
    fn longest_wins_and_boundaries_hold() {
        let m = plain(&[lit("no"), lit("no change in"), lit("herniation")]);
        let hits = m.find("No change in herniation; nope, no HERNIATION");
        let ids: Vec<usize> = hits.iter().map(|h| h.id).collect();
        assert_eq!(ids, vec![1, 2, 0, 2]);
    }

    #[test]
    fn regexes_merge_with_literals() {
        let m = plain(&[
            lit("thickening"),
            Pattern::Regex(r"\bthickening of the \w+ ligament\b".to_string()),
        ]);
        let hits = m.find("thickening of the interspinous ligament");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].id, 1);
    }

    #[test]
    fn anchored_regexes_run_near_their_anchors_only() {
        let pats = [Pattern::Regex(r"\b\d+ (?:days?|months?)\b".to_string())];
        let anchors = ["months".to_string(), "days".to_string()];
        let m = PhraseMatcher::new(pats.iter().map(|p| (p, &anchors[..])));
        let text = format!(
            "{} pain for 3 months and {} 2 days",
            "x ".repeat(200),
            "y ".repeat(100)
        );
        let hits = m.find(&text);
        assert_eq!(hits.len(), 2);
        assert_eq!(&text[hits[0].start..hits[0].end], "3 months");
        assert_eq!(&text[hits[1].start..hits[1].end], "2 days");
    }
}
