//! What the claim-line elements are read from: the line cues of
//! `line_cues.tsv` (each with its sentence and ConText assertion) and the
//! numbers of a note (durations, dates, pain scores, percentages), found
//! once per note, in one pass each, only for notes with procedure lines.

use crate::analysis::{Analysis, Analyzer, TermKind};
use crate::context::assertion::Label;
use crate::find::matcher::PhraseMatcher;
use crate::lexicon::policy::{Cue, CueEntry};
use crate::lexicon::ConceptCategory;
use regex::Regex;
use std::ops::Range;

/// The compiled line vocabulary: build once per auditor.
#[derive(Debug, Clone)]
pub struct LineReader {
    matcher: PhraseMatcher,
    cue_of: Vec<Cue>,
    duration: Regex,
    since: Regex,
    score: Regex,
    percent: Regex,
    after_cue: Regex,
    /// For the cues read on their own (radicular signs, PART/TART
    /// findings): an automaton of their words, to skip a note without any.
    prefilters: Vec<(Cue, aho_corasick::AhoCorasick)>,
    /// Matchers of the cue groups read on their own (radicular signs; the
    /// PART/TART findings): a pass over a few phrases, not all of them.
    subsets: Vec<(Vec<Cue>, PhraseMatcher, Vec<Cue>)>,
}

/// The cue groups the queries read on their own.
pub const FINDINGS: [Cue; 4] = [
    Cue::FindingTenderness,
    Cue::FindingAsymmetry,
    Cue::FindingMotion,
    Cue::FindingTissue,
];

/// A span found in the note (normalised-text offsets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found<T> {
    /// Start byte.
    pub start: usize,
    /// End byte.
    pub end: usize,
    /// Its sentence.
    pub sentence: usize,
    /// What it is.
    pub what: T,
}

/// A cue with its assertion.
pub type CueHit = Found<(Cue, Label)>;

/// A stated duration, in days (the lower end of a range).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Days(pub f64);

/// Everything the element readers need of one note.
#[derive(Debug)]
pub struct Reading<'a> {
    /// The note's analysis.
    pub analysis: &'a Analysis,
    /// The analyzer (lexicons).
    pub analyzer: &'a Analyzer,
    /// Line cues, by start.
    pub cues: Vec<CueHit>,
    /// Durations (`6 weeks`, `x 5 h`, `since 01/2026` against the line's date).
    pub durations: Vec<Found<Days>>,
    /// Pain-scale-shaped numbers (`7/10`, `VAS 6`), value out of 10.
    pub scores: Vec<Found<f64>>,
    /// Percentages.
    pub percents: Vec<Found<f64>>,
    /// The note's concept and level terms, by sentence (indices into
    /// `analysis.terms`).
    by_sentence: Vec<usize>,
}

const NUMBER_WORDS: &[(&str, f64)] = &[
    ("one", 1.0),
    ("two", 2.0),
    ("three", 3.0),
    ("four", 4.0),
    ("five", 5.0),
    ("six", 6.0),
    ("seven", 7.0),
    ("eight", 8.0),
    ("nine", 9.0),
    ("ten", 10.0),
    ("eleven", 11.0),
    ("twelve", 12.0),
    ("a couple of", 2.0),
    ("couple of", 2.0),
    ("a few", 2.0),
    ("few", 2.0),
    ("several", 2.0),
    ("a", 1.0),
    ("an", 1.0),
];

impl LineReader {
    /// Compiles the cues.
    pub fn new(cues: &[CueEntry]) -> Self {
        let matcher = PhraseMatcher::new(cues.iter().map(|c| (&c.pattern, c.anchors.as_slice())));
        let re = |s: &str| Regex::new(s).expect("line reader expressions are valid");
        let prefilters = [
            Cue::Radicular,
            Cue::FindingTenderness,
            Cue::FindingAsymmetry,
            Cue::FindingMotion,
            Cue::FindingTissue,
        ]
        .into_iter()
        .filter_map(|kind| {
            let words: Vec<String> = cues
                .iter()
                .filter(|c| c.cue == kind)
                .flat_map(|c| match &c.pattern {
                    crate::lexicon::Pattern::Literal(l) => vec![l.clone()],
                    crate::lexicon::Pattern::Regex(_) => c.anchors.clone(),
                })
                .collect();
            let ac = aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(&words)
                .ok()?;
            (!words.is_empty()).then_some((kind, ac))
        })
        .collect();
        let subsets = [vec![Cue::Radicular], FINDINGS.to_vec()]
            .into_iter()
            .map(|kinds| {
                let picked: Vec<&CueEntry> =
                    cues.iter().filter(|c| kinds.contains(&c.cue)).collect();
                let m =
                    PhraseMatcher::new(picked.iter().map(|c| (&c.pattern, c.anchors.as_slice())));
                (kinds, m, picked.iter().map(|c| c.cue).collect())
            })
            .collect();
        LineReader {
            subsets,
            prefilters,
            matcher,
            cue_of: cues.iter().map(|c| c.cue).collect(),
            duration: re(
                r"(?i)(?:\b(in|within|next|every|each|per|q)\s+)?(?:\b|\bx)(\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a couple of|couple of|a few|few|several|a|an)(?:\s*(?:-|to)\s*\d+(?:\.\d+)?)?\s*-?\s*(hours?|hrs?|h|days?|d|weeks?|wks?|months?|mos?|mo|years?|yrs?|yr)\b(-old| old|/o| of age)?",
            ),
            since: re(
                r"(?i)\bsince\s+(?:(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{4})|(\d{4})-(\d{2})(?:-(\d{2}))?|(\d{1,2})/(\d{4})|(\d{1,2})/(\d{1,2})/(\d{4}))\b",
            ),
            score: re(
                r"(?i)\b(\d{1,2}(?:\.\d)?)(?:\s*-\s*(\d{1,2}(?:\.\d)?))?\s*(?:/|out of)\s*10\b",
            ),
            percent: re(r"(?i)\b(\d{1,3})\s*(?:%|percent\b)"),
            after_cue: re(
                r"(?i)^(?:\s|[:=-]|\b(?:score|scale|of|is|was|at|rated|rating|today|currently|now)\b)*(\d{1,3})\b(?:\s*/\s*(?:10|100)\b|[^/]|$)",
            ),
        }
    }

    /// Reads one analysed note; `today` is the day number dates are
    /// measured to (the line's or the note's date), when known.
    pub fn read<'a>(&self, an: &'a Analyzer, a: &'a Analysis, today: Option<i64>) -> Reading<'a> {
        self.read_cues(an, a, today, None)
    }

    /// Could the text hold a cue of `kind` (a literal or anchor word of one
    /// occurs)? A fast test before a full reading.
    pub fn may_hold(&self, kind: Cue, flat: &str) -> bool {
        self.prefilters
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(true, |(_, ac)| ac.is_match(flat))
    }

    /// Reads the note, asserting only the cues of `only` when given (the
    /// others are dropped).
    pub fn read_cues<'a>(
        &self,
        an: &'a Analyzer,
        a: &'a Analysis,
        today: Option<i64>,
        only: Option<&[Cue]>,
    ) -> Reading<'a> {
        let flat = &a.norm.flat;
        let (matcher, cue_of) = only
            .and_then(|k| self.subsets.iter().find(|(s, _, _)| s.as_slice() == k))
            .map_or((&self.matcher, &self.cue_of), |(_, m, c)| (m, c));
        let mut cues = Vec::new();
        for h in matcher.find(flat) {
            if only.is_some_and(|k| !k.contains(&cue_of[h.id])) {
                continue;
            }
            let sentence = sentence_of(&a.sentences, h.start);
            let label = label_of(an, a, sentence, h.start..h.end);
            cues.push(Found {
                start: h.start,
                end: h.end,
                sentence,
                what: (cue_of[h.id], label),
            });
        }
        // The queries read cues alone; the claim lines read the numbers too.
        let (durations, scores, percents) = match only {
            Some(_) => Default::default(),
            None => self.numbers(a, today),
        };
        let mut by_sentence: Vec<usize> = (0..a.terms.len()).collect();
        by_sentence.sort_by_key(|&i| (a.terms[i].sentence, a.terms[i].start));
        let mut r = Reading {
            analysis: a,
            analyzer: an,
            cues,
            durations,
            scores,
            percents,
            by_sentence,
        };
        r.scores = self.cue_scores(&r);
        r
    }

    /// The durations, `x/10` scores and percentages of a note, by start.
    #[allow(clippy::type_complexity)]
    fn numbers(
        &self,
        a: &Analysis,
        today: Option<i64>,
    ) -> (Vec<Found<Days>>, Vec<Found<f64>>, Vec<Found<f64>>) {
        let flat = &a.norm.flat;
        let mut durations: Vec<Found<Days>> = Vec::new();
        for c in self.duration.captures_iter(flat) {
            let m = c.get(0).expect("whole match");
            if c.get(1).is_some() || c.get(4).is_some() {
                continue; // "in 6 weeks", "every 2 weeks", "45-year-old"
            }
            let n = c[2].to_ascii_lowercase();
            // A number in words takes a unit word after a space ("an d" in
            // "and" is no duration).
            let spelled = n.starts_with(|ch: char| ch.is_ascii_alphabetic());
            if spelled
                && (c[3].len() < 3
                    || !flat[c.get(2).map_or(m.end(), |g| g.end())..]
                        .starts_with(char::is_whitespace))
            {
                continue;
            }
            let n = n
                .parse::<f64>()
                .ok()
                .or_else(|| NUMBER_WORDS.iter().find(|(w, _)| *w == n).map(|(_, v)| *v));
            let per = unit_days(&c[3].to_ascii_lowercase());
            if let (Some(n), Some(per)) = (n, per) {
                durations.push(Found {
                    start: m.start(),
                    end: m.end(),
                    sentence: sentence_of(&a.sentences, m.start()),
                    what: Days(n * per),
                });
            }
        }
        if let Some(today) = today {
            for c in self.since.captures_iter(flat) {
                let m = c.get(0).expect("whole match");
                if let Some(start) = since_day(&c) {
                    if start <= today {
                        durations.push(Found {
                            start: m.start(),
                            end: m.end(),
                            sentence: sentence_of(&a.sentences, m.start()),
                            what: Days((today - start) as f64),
                        });
                    }
                }
            }
            durations.sort_by_key(|d| d.start);
        }
        let scores = self
            .score
            .captures_iter(flat)
            .filter_map(|c| {
                let m = c.get(0)?;
                let hi = c.get(2).unwrap_or(c.get(1)?).as_str().parse::<f64>().ok()?;
                (hi <= 10.0).then(|| Found {
                    start: m.start(),
                    end: m.end(),
                    sentence: sentence_of(&a.sentences, m.start()),
                    what: hi,
                })
            })
            .collect();
        let percents = self
            .percent
            .captures_iter(flat)
            .filter_map(|c| {
                let m = c.get(0)?;
                let v = c[1].parse::<f64>().ok().filter(|v| *v <= 100.0)?;
                Some(Found {
                    start: m.start(),
                    end: m.end(),
                    sentence: sentence_of(&a.sentences, m.start()),
                    what: v,
                })
            })
            .collect();
        (durations, scores, percents)
    }

    /// The pain scores: `x/10` numbers, and a number right after a pain
    /// scale cue (`VAS 6`, `NRS: 7`; a VAS over 10 is in millimetres).
    fn cue_scores(&self, r: &Reading) -> Vec<Found<f64>> {
        let flat = &r.analysis.norm.flat;
        let mut out = r.scores.clone();
        let read = &r.scores; // sorted by start
        for c in r.cues.iter().filter(|c| c.what.0 == Cue::PainScore) {
            let after = &flat[c.end..flat.len().min(c.end + 32)];
            let Some(m) = self.after_cue.captures(after).and_then(|m| m.get(1)) else {
                continue;
            };
            let start = c.end + m.start();
            let k = read.partition_point(|s| s.start <= start);
            if k > 0 && start < read[k - 1].end {
                continue; // already read as x/10
            }
            if let Ok(v) = m.as_str().parse::<f64>() {
                let v = if v > 10.0 { v / 10.0 } else { v };
                if v <= 10.0 {
                    out.push(Found {
                        start,
                        end: c.end + m.end(),
                        sentence: c.sentence,
                        what: v,
                    });
                }
            }
        }
        out.sort_by_key(|s| s.start);
        out
    }
}

/// Days in one unit.
fn unit_days(unit: &str) -> Option<f64> {
    Some(match unit.trim_end_matches('s') {
        "hour" | "hr" | "h" => 1.0 / 24.0,
        "day" | "d" => 1.0,
        "week" | "wk" => 7.0,
        "month" | "mo" => 30.0,
        "year" | "yr" => 365.0,
        _ => return None,
    })
}

/// The day a `since …` date names, at its latest (a month names its last
/// day, so a duration is never overstated).
fn since_day(c: &regex::Captures) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let num = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<i64>().ok());
    let month_end = |y: i64, m: i64| {
        let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        day_number(&format!("{ny:04}-{nm:02}-01")).map(|d| d - 1)
    };
    if let Some(mon) = c.get(1) {
        let m = MONTHS
            .iter()
            .position(|x| mon.as_str().eq_ignore_ascii_case(x))? as i64
            + 1;
        return month_end(num(2)?, m);
    }
    if let Some(y) = num(3) {
        return match num(5) {
            Some(d) => day_number(&format!("{y:04}-{:02}-{d:02}", num(4)?)),
            None => month_end(y, num(4)?),
        };
    }
    if let Some(m) = num(6) {
        return (1..=12)
            .contains(&m)
            .then(|| month_end(num(7)?, m))
            .flatten();
    }
    day_number(&format!("{:04}-{:02}-{:02}", num(10)?, num(8)?, num(9)?))
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (proleptic Gregorian).
pub fn day_number(d: &str) -> Option<i64> {
    let (y, rest) = d.get(..10)?.split_once('-')?;
    let (m, dd) = rest.split_once('-')?;
    let (y, m, dd): (i64, i64, i64) = (y.parse().ok()?, m.parse().ok()?, dd.parse().ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&dd) {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + dd - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146097 + doe - 719468)
}

/// The sentence holding byte `at`.
pub fn sentence_of(sentences: &[Range<usize>], at: usize) -> usize {
    sentences
        .partition_point(|s| s.end <= at)
        .min(sentences.len().saturating_sub(1))
}

/// The ConText label of a span of sentence `si`.
fn label_of(an: &Analyzer, a: &Analysis, si: usize, span: Range<usize>) -> Label {
    let (sent, section) = match a.sentences.get(si) {
        Some(r) => (r.clone(), a.sections[si].kind),
        None => (0..a.norm.flat.len(), crate::lexicon::SectionKind::None),
    };
    an.context
        .assert(&a.norm.flat, sent, &a.triggers, span, section)
        .label()
}

impl Reading<'_> {
    /// Cues of `kind` whose label is one of `labels`.
    pub fn cues_of<'s>(
        &'s self,
        kind: Cue,
        labels: &'s [Label],
    ) -> impl Iterator<Item = &'s CueHit> + 's {
        self.cues
            .iter()
            .filter(move |c| c.what.0 == kind && labels.contains(&c.what.1))
    }

    /// Cues of any of `kinds` in sentence `si` whose label is one of `labels`.
    pub fn in_sentence<'s>(
        &'s self,
        si: usize,
        kinds: &'s [Cue],
        labels: &'s [Label],
    ) -> impl Iterator<Item = &'s CueHit> + 's {
        let lo = self.cues.partition_point(|c| c.sentence < si);
        self.cues[lo..]
            .iter()
            .take_while(move |c| c.sentence == si)
            .filter(move |c| kinds.contains(&c.what.0) && labels.contains(&c.what.1))
    }

    /// Concept terms picked by category and name with one of `labels`,
    /// not discounted by the chart reading: (start, end, sentence).
    pub fn terms<'s>(
        &'s self,
        pick: impl Fn(ConceptCategory, &str) -> bool + 's,
        labels: &'s [Label],
    ) -> impl Iterator<Item = (usize, usize, usize)> + 's {
        self.pick_terms(&self.by_sentence, pick, labels)
    }

    /// The same, in sentence `si` only.
    pub fn terms_in<'s>(
        &'s self,
        si: usize,
        pick: impl Fn(ConceptCategory, &str) -> bool + 's,
        labels: &'s [Label],
    ) -> impl Iterator<Item = (usize, usize, usize)> + 's {
        self.pick_terms(self.sentence_terms(si), pick, labels)
    }

    /// The indices of sentence `si`'s terms.
    fn sentence_terms(&self, si: usize) -> &[usize] {
        let terms = &self.analysis.terms;
        let lo = self
            .by_sentence
            .partition_point(|&i| terms[i].sentence < si);
        let hi = self
            .by_sentence
            .partition_point(|&i| terms[i].sentence <= si);
        &self.by_sentence[lo..hi]
    }

    fn pick_terms<'s>(
        &'s self,
        order: &'s [usize],
        pick: impl Fn(ConceptCategory, &str) -> bool + 's,
        labels: &'s [Label],
    ) -> impl Iterator<Item = (usize, usize, usize)> + 's {
        let lex = &self.analyzer.lexicons;
        order
            .iter()
            .map(|&i| &self.analysis.terms[i])
            .filter_map(move |t| match t.kind {
                TermKind::Concept(c)
                    if t.discount.is_none()
                        && labels.contains(&t.label())
                        && pick(lex.concepts[c].category, &lex.concepts[c].concept) =>
                {
                    Some((t.start, t.end, t.sentence))
                }
                _ => None,
            })
    }

    /// Concept terms of sentence `si` picked by category, whatever their
    /// label, not discounted: (start, end, label, concept name).
    pub fn labelled_terms_in<'s>(
        &'s self,
        si: usize,
        pick: impl Fn(ConceptCategory) -> bool + 's,
    ) -> impl Iterator<Item = (usize, usize, Label, &'s str)> + 's {
        let terms = &self.analysis.terms;
        let lex = &self.analyzer.lexicons;
        self.sentence_terms(si)
            .iter()
            .map(|&i| &terms[i])
            .filter_map(move |t| match t.kind {
                TermKind::Concept(c) if t.discount.is_none() && pick(lex.concepts[c].category) => {
                    Some((t.start, t.end, t.label(), lex.concepts[c].concept.as_str()))
                }
                _ => None,
            })
    }

    /// The segments (bit per motion segment) and vertebrae named in sentence `si`.
    pub fn levels_in(&self, si: usize) -> (u32, u32) {
        let terms = &self.analysis.terms;
        self.sentence_terms(si)
            .iter()
            .map(|&i| &terms[i])
            .fold((0, 0), |(s, v), t| match &t.kind {
                TermKind::Level(m) => (s | m.segments, v | m.vertebrae),
                _ => (s, v),
            })
    }

    /// The label of the concept term at exactly `start..end`, if one is there.
    pub fn term_label(&self, start: usize, end: usize) -> Option<Label> {
        let terms = &self.analysis.terms;
        let k = terms.partition_point(|t| t.start < start);
        terms[k..]
            .iter()
            .take_while(|t| t.start == start)
            .find(|t| t.end == end)
            .map(|t| t.label())
    }

    /// The normalised text of a span.
    pub fn text(&self, start: usize, end: usize) -> &str {
        &self.analysis.norm.flat[start..end]
    }
}

/// The found items of sentence `si` (items sorted by start, so by sentence).
pub fn in_sentence<T>(items: &[Found<T>], si: usize) -> &[Found<T>] {
    let lo = items.partition_point(|x| x.sentence < si);
    let hi = items.partition_point(|x| x.sentence <= si);
    &items[lo..hi]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_and_since_dates() {
        assert_eq!(day_number("1970-01-01"), Some(0));
        assert_eq!(
            day_number("2026-03-01").unwrap() - day_number("2026-02-28").unwrap(),
            1
        );
        let r = LineReader::new(&[]);
        let day = |s: &str| since_day(&r.since.captures(s).unwrap());
        assert_eq!(day("since January 2026"), day_number("2026-01-31"));
        assert_eq!(day("since 2025-11"), day_number("2025-11-30"));
        assert_eq!(day("since 2025-11-03"), day_number("2025-11-03"));
        assert_eq!(day("since 11/2025"), day_number("2025-11-30"));
        assert_eq!(day("since 11/03/2025"), day_number("2025-11-03"));
    }
}
