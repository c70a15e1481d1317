//! The analysis of one note: normalised text, sentences, sections, terms
//! (concepts and levels), their assertions and the level each finding is
//! stated at. The scorer reads it; reports render it.

pub mod chart;

use crate::context::assertion::{Assertion, ContextEngine, Label, Trigger};
use crate::context::document::{DocumentSplitter, Documents};
use crate::context::section::{Sectionizer, SentenceSection};
use crate::context::statement::StatementReader;
use crate::find::levels::{find_levels_at, LevelKind, LevelMention};
use crate::find::matcher::MultiMatcher;
use crate::lexicon::{ConceptCategory, Lexicons, SectionKind};
use crate::spine::{Region, RegionSet, C7_T1};
use crate::text::Normalized;
pub use chart::Discount;
use std::ops::Range;
use std::sync::Arc;

/// What a term is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TermKind {
    /// A concept from `concepts.tsv` (index into [`Lexicons::concepts`]).
    Concept(usize),
    /// A spinal level expression.
    Level(LevelMention),
}

/// Where a finding is stated to be.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Placement {
    /// Motion segments named for it (bit per segment).
    pub segments: u32,
    /// Regions named for it; empty when no level or region is stated.
    pub regions: RegionSet,
    /// Single vertebrae named for it (bit per vertebra index, C7 = 7, T1 =
    /// 8), when its place is a vertebra named alone.
    pub vertebrae: u32,
}

impl Placement {
    /// Is a level or region stated?
    pub fn is_placed(&self) -> bool {
        !self.regions.is_empty()
    }
    /// Is it stated at the cervicothoracic level?
    pub fn at_c7_t1(&self) -> bool {
        self.segments & (1 << C7_T1) != 0 || self.regions.contains(Region::Cervicothoracic)
    }
}

/// A term found in the note.
#[derive(Debug, Clone)]
pub struct Term {
    /// Start byte in the normalised text.
    pub start: usize,
    /// End byte in the normalised text.
    pub end: usize,
    /// What it is.
    pub kind: TermKind,
    /// Index of its sentence.
    pub sentence: usize,
    /// Its assertion (affirmed when no trigger applies).
    pub assertion: Assertion,
    /// Where it is stated to be (findings and pain; levels place themselves).
    pub placement: Placement,
    /// Index of its document in [`Analysis::documents`].
    pub document: usize,
    /// Why it does not count as a statement of the chart, if it does not.
    pub discount: Option<Discount>,
}

impl Term {
    /// The assertion label.
    pub fn label(&self) -> Label {
        self.assertion.label()
    }
}

/// Everything the pipeline found in one note.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// Normalised text and the offset map.
    pub norm: Normalized,
    /// Sentence ranges in the normalised text.
    pub sentences: Vec<Range<usize>>,
    /// Section of each sentence.
    pub sections: Vec<SentenceSection>,
    /// ConText triggers in the note.
    pub triggers: Vec<Trigger>,
    /// Concepts and levels, by start.
    pub terms: Vec<Term>,
    /// The documents of the export.
    pub documents: Documents,
}

/// The assertion of one span, with what explains it.
#[derive(Debug, Clone)]
pub struct SpanAssertion {
    /// The normalised text.
    pub norm: Normalized,
    /// All triggers of the text (the assertion's `triggers` index these).
    pub triggers: Vec<Trigger>,
    /// The assertion.
    pub assertion: Assertion,
}

/// The compiled pipeline up to the analysis: build once, share across threads.
#[derive(Debug, Clone)]
pub struct Analyzer {
    /// The lexicons it was built from.
    pub lexicons: Lexicons,
    /// Concepts (list 0), ConText triggers (list 1) and the level probes
    /// ([`crate::find::levels::probes`]), found in one pass.
    matchers: MultiMatcher,
    /// The assertion engine.
    pub context: ContextEngine,
    sectionizer: Sectionizer,
    splitter: DocumentSplitter,
    reader: StatementReader,
    /// The region of each region-word concept (index as in `concepts`).
    concept_region: Vec<Option<Region>>,
    /// Concept names and rule literals for output records, shared with
    /// the records (owned here: dropping the analyzer frees them once no
    /// record holds them).
    concept_names: Vec<Arc<str>>,
    rule_literals: Vec<Arc<str>>,
}

impl Analyzer {
    /// Compiles the matchers for `lexicons`.
    pub fn new(lexicons: Lexicons) -> Self {
        let context = ContextEngine::new(&lexicons.rules);
        let reader = StatementReader::new(&lexicons.chart_words);
        Analyzer {
            matchers: MultiMatcher::with_probes(
                vec![
                    lexicons
                        .concepts
                        .iter()
                        .map(|c| (&c.pattern, &c.anchors[..]))
                        .collect(),
                    context.rule_patterns(),
                    reader.patterns(),
                ],
                &crate::find::levels::probes(),
            ),
            context,
            sectionizer: Sectionizer::new(&lexicons.sections),
            splitter: DocumentSplitter::new(&lexicons),
            reader,
            concept_names: lexicons
                .concepts
                .iter()
                .map(|c| Arc::from(c.concept.as_str()))
                .collect(),
            rule_literals: lexicons
                .rules
                .iter()
                .map(|r| Arc::from(r.literal.as_str()))
                .collect(),

            concept_region: lexicons
                .concepts
                .iter()
                .map(|c| match c.category {
                    ConceptCategory::Region => Region::from_concept(&c.concept),
                    _ => None,
                })
                .collect(),
            lexicons,
        }
    }

    /// The name of concept `i` (index into the lexicon's concepts).
    pub fn concept_name(&self, i: usize) -> &Arc<str> {
        &self.concept_names[i]
    }

    /// The literal of ConText rule `i`.
    pub fn rule_literal(&self, i: usize) -> &Arc<str> {
        &self.rule_literals[i]
    }

    /// Analyses one note's text.
    pub fn analyze(&self, text: &str) -> Analysis {
        let norm = Normalized::new(text);
        let sentences = crate::text::sentence::split(&norm.text, &self.lexicons.abbreviations);
        let sections = self.sectionizer.assign(&norm.text, &sentences);
        let flat = &norm.flat;
        // One pass finds the concepts, the triggers and where level
        // expressions can start.
        let found = self.matchers.find_all(flat);
        let mut lists = found.lists;
        let scan = self
            .reader
            .scan_from_hits(&norm.text, lists.pop().unwrap_or_default());
        let triggers = self
            .context
            .triggers_from_hits(lists.pop().unwrap_or_default());
        let concepts = lists.pop().unwrap_or_default();
        let mut terms: Vec<Term> = Vec::with_capacity(concepts.len() + 8);
        for h in concepts {
            if self.lexicons.concepts[h.id].category == ConceptCategory::Qualifier {
                continue;
            }
            terms.push(Term {
                start: h.start,
                end: h.end,
                kind: TermKind::Concept(h.id),
                sentence: 0,
                assertion: Assertion::default(),
                placement: Placement::default(),
                document: 0,
                discount: None,
            });
        }
        for m in find_levels_at(flat, &found.probes) {
            // A level inside a concept phrase ("pain at the C7-T1 junction")
            // is still a level of its own.
            terms.push(Term {
                start: m.start,
                end: m.end,
                sentence: 0,
                assertion: Assertion::default(),
                placement: Placement {
                    segments: m.segments,
                    regions: m.regions,
                    vertebrae: m.vertebrae,
                },
                kind: TermKind::Level(m),
                document: 0,
                discount: None,
            });
        }
        terms.sort_by_key(|t| (t.start, t.end));
        // Sentence of each term, assertion.
        let mut si = 0;
        for t in terms.iter_mut() {
            while si + 1 < sentences.len() && sentences[si].end <= t.start {
                si += 1;
            }
            t.sentence = si;
            let (sent, section) = match sentences.get(si) {
                Some(r) => (r.clone(), sections[si].kind),
                None => (0..flat.len(), SectionKind::None),
            };
            // A header's own words are not in the scope of the text after it.
            t.assertion = self
                .context
                .assert(flat, sent, &triggers, t.start..t.end, section);
        }
        let mut analysis = Analysis {
            norm,
            sentences,
            sections,
            triggers,
            terms,
            documents: Documents::default(),
        };
        self.place(&mut analysis, scan.has_columns());
        analysis.documents = self.splitter.split(
            &analysis.norm.text,
            |line| self.sectionizer.opens_section(line),
            |r| scan.copied_marker_in(r),
        );
        let docs = std::mem::take(&mut analysis.documents);
        chart::read_chart(&self.lexicons, &self.reader, &scan, &docs, &mut analysis);
        analysis.documents = docs;
        analysis
    }

    /// Asserts one span of `text` given in normalised-text byte offsets:
    /// the assertion, the normalised text and the note's triggers.
    pub fn assert_norm_span(&self, norm: Normalized, start: usize, end: usize) -> SpanAssertion {
        let sentences = crate::text::sentence::split(&norm.text, &self.lexicons.abbreviations);
        let sections = self.sectionizer.assign(&norm.text, &sentences);
        let triggers = self.context.triggers_from_hits(
            self.matchers
                .find(&norm.flat)
                .into_iter()
                .nth(1)
                .unwrap_or_default(),
        );
        let si = sentences
            .iter()
            .position(|r| r.end > start)
            .unwrap_or(sentences.len().saturating_sub(1));
        let (sent, section) = match sentences.get(si) {
            Some(r) => (r.start.min(start)..r.end.max(end), sections[si].kind),
            None => (0..norm.flat.len(), SectionKind::None),
        };
        let assertion = self
            .context
            .assert(&norm.flat, sent, &triggers, start..end, section);
        SpanAssertion {
            norm,
            triggers,
            assertion,
        }
    }

    fn category(&self, t: &Term) -> Option<ConceptCategory> {
        match t.kind {
            TermKind::Concept(i) => Some(self.lexicons.concepts[i].category),
            TermKind::Level(_) => None,
        }
    }

    /// Links each finding and pain term to the level(s) it is stated at:
    /// the levels of its clause, then of its sentence (segments before single
    /// vertebrae), then the level label that opens its line (`C7-T1: ...`),
    /// then region words of its clause or sentence.
    /// `columns`: the note has table columns (`|` or tab) anywhere.
    fn place(&self, a: &mut Analysis, columns: bool) {
        let text = &a.norm.text;
        let terms = &a.terms;
        // The terms lying within a byte range (terms are sorted by start).
        let within = |r: &Range<usize>| -> &[Term] {
            let lo = terms.partition_point(|o| o.start < r.start);
            let hi = terms.partition_point(|o| o.start < r.end);
            &terms[lo..hi.max(lo)]
        };
        let levels_in = |r: &Range<usize>, single: bool| -> Placement {
            let mut p = Placement::default();
            for o in within(r) {
                if let TermKind::Level(m) = &o.kind {
                    if !m.landmark && o.end <= r.end && (m.kind == LevelKind::Single) == single {
                        p.segments |= m.segments;
                        p.regions.extend(m.regions);
                        p.vertebrae |= m.vertebrae;
                    }
                }
            }
            p
        };
        let words_in = |r: &Range<usize>| -> Placement {
            let mut p = Placement::default();
            for o in within(r) {
                if let TermKind::Concept(ci) = o.kind {
                    if let (Some(reg), true) = (self.concept_region[ci], o.end <= r.end) {
                        p.regions.insert(reg);
                    }
                }
            }
            p
        };
        let rows = row_labels(terms, text, &a.sentences, &a.sections);
        let terminators = Terminators::of(&self.context, &a.triggers);
        // Each stretch (clause, sentence, row) is read once per kind of
        // look, however many terms share it: linear in a long sentence.
        let mut memo: rustc_hash::FxHashMap<(usize, usize, u8), Placement> = Default::default();
        let mut look = |r: &Range<usize>, kind: u8| -> Placement {
            *memo
                .entry((r.start, r.end, kind))
                .or_insert_with(|| match kind {
                    LEVELS => levels_in(r, false),
                    SINGLES => levels_in(r, true),
                    LABEL => line_label(terms, text, r),
                    _ => words_in(r),
                })
        };
        let mut placements = Vec::with_capacity(terms.len());
        for t in terms {
            let needs = matches!(
                self.category(t),
                Some(c) if c.is_pathology() || c == ConceptCategory::Pain || c == ConceptCategory::Imaging
            );
            if !needs {
                placements.push(None);
                continue;
            }
            let sent = a
                .sentences
                .get(t.sentence)
                .cloned()
                .unwrap_or(0..text.len());
            // A table row is a statement of its own: its place is on its line.
            let row = columns.then(|| table_row(text, &sent, t.start)).flatten();
            let sent = row.unwrap_or(sent);
            let clause = terminators.clause_of(&sent, t.start, t.end);
            let mut p = look(&clause, LEVELS);
            for (r, kind) in [
                (&clause, SINGLES),
                (&sent, LEVELS),
                (&sent, SINGLES),
                (&sent, LABEL),
            ] {
                if !p.is_placed() {
                    p = look(r, kind);
                }
            }
            if !p.is_placed() {
                p = rows.get(t.sentence).copied().unwrap_or_default();
            }
            for r in [&clause, &sent] {
                if !p.is_placed() {
                    p = look(r, WORDS);
                }
            }
            placements.push(Some(p).filter(Placement::is_placed));
        }
        for (t, p) in a.terms.iter_mut().zip(placements) {
            if let Some(p) = p {
                t.placement = p;
            }
        }
    }
}

/// The kinds of look `place` takes at a stretch of text.
const LEVELS: u8 = 0;
const SINGLES: u8 = 1;
const LABEL: u8 = 2;
const WORDS: u8 = 3;

/// The scope terminators of a note, by start and by end, to find the
/// clause of a term without reading the sentence's triggers again.
pub struct Terminators {
    by_start: Vec<(usize, usize)>,
    by_end: Vec<(usize, usize)>,
}

impl Terminators {
    /// The terminators among `triggers` (sorted by start).
    pub fn of(engine: &ContextEngine, triggers: &[Trigger]) -> Self {
        let by_start: Vec<(usize, usize)> = triggers
            .iter()
            .filter(|t| engine.is_terminator(t))
            .map(|t| (t.start, t.end))
            .collect();
        let mut by_end = by_start.clone();
        by_end.sort_by_key(|&(s, e)| (e, s));
        Terminators { by_start, by_end }
    }

    /// The clause of `start..end` within `sent`: the stretch between the
    /// terminators of the sentence around it (the last to end before it,
    /// the first to start after it).
    pub fn clause_of(&self, sent: &Range<usize>, start: usize, end: usize) -> Range<usize> {
        let mut lo = sent.start;
        let before = self.by_end.partition_point(|&(_, e)| e <= start);
        for &(s, e) in self.by_end[..before].iter().rev() {
            if e <= sent.start {
                break;
            }
            if s >= sent.start {
                lo = e;
                break;
            }
        }
        let after = self.by_start.partition_point(|&(s, _)| s < end);
        let hi = match self.by_start.get(after) {
            Some(&(s, _)) if s < sent.end => s,
            _ => sent.end,
        };
        lo..hi
    }
}

/// The part of `sent` on the line of byte `at` when that line is a table
/// row (it has `|` or tab columns).
fn table_row(text: &str, sent: &Range<usize>, at: usize) -> Option<Range<usize>> {
    // A row is short: look for its line ends within ROW bytes only, so the
    // step stays linear in a long sentence with many terms.
    const ROW: usize = 512;
    let bytes = text.as_bytes();
    let from = sent.start.max(at.saturating_sub(ROW));
    let to = sent.end.min(at + ROW);
    let lo = match memchr::memrchr(b'\n', &bytes[from..at]) {
        Some(p) => from + p + 1,
        None if from == sent.start => sent.start,
        None => return None,
    };
    let hi = match memchr::memchr(b'\n', &bytes[at..to]) {
        Some(p) => at + p,
        None if to == sent.end => sent.end,
        None => return None,
    };
    let line = &bytes[lo..hi];
    let row = (lo, hi) != (sent.start, sent.end) && memchr::memchr2(b'|', b'\t', line).is_some();
    row.then_some(lo..hi)
}

/// Level-by-level reports ("C5-6: There is a protrusion. The protrusion
/// measures 3 mm."): the level label that opens a sentence places the
/// sentences after it on the same line and in the same section, until the
/// next label. Transcriptions that join a report's lines into one line read
/// as the report does. One pass over the sentences.
fn row_labels(
    terms: &[Term],
    text: &str,
    sentences: &[Range<usize>],
    sections: &[SentenceSection],
) -> Vec<Placement> {
    let mut out = Vec::with_capacity(sentences.len());
    let mut current = Placement::default();
    let mut k = 0;
    for (i, s) in sentences.iter().enumerate() {
        while k < terms.len() && terms[k].start < s.start {
            k += 1;
        }
        let new_line = s.start > 0 && text[..s.start].trim_end_matches([' ', ',']).ends_with('\n');
        let new_section = i > 0 && sections[i].kind != sections[i - 1].kind;
        if new_line || new_section || sections[i].header_end.is_some() {
            current = Placement::default();
        }
        if let Some(p) = opening_label(terms.get(k), text, s) {
            current = p;
        }
        out.push(current);
    }
    out
}

/// The placement of a level that opens `sent` as a label (`C5-6:`).
fn opening_label(first: Option<&Term>, text: &str, sent: &Range<usize>) -> Option<Placement> {
    let t = first?;
    let TermKind::Level(m) = &t.kind else {
        return None;
    };
    let lead = text.get(sent.start..t.start)?;
    let labelled = lead.trim_matches([' ', ',', '-', '*']).is_empty()
        && text[t.end..].trim_start().starts_with(':')
        && !m.landmark;
    labelled.then_some(Placement {
        segments: m.segments,
        regions: m.regions,
        vertebrae: m.vertebrae,
    })
}

/// Levels named in a line-opening label (`C7-T1: ...`, `Cervicothoracic
/// junction: ...`) of the line the sentence starts on.
fn line_label(terms: &[Term], text: &str, sent: &Range<usize>) -> Placement {
    let bytes = text.as_bytes();
    let line_start = memchr::memrchr(b'\n', &bytes[..sent.start]).map_or(0, |p| p + 1);
    // A label's colon is among the line's first 49 bytes: look no further.
    let head = &bytes[line_start..bytes.len().min(line_start + 49)];
    let colon = match memchr::memchr2(b':', b'\n', head) {
        Some(p) if head[p] == b':' => line_start + p,
        _ => return Placement::default(),
    };
    let mut p = Placement::default();
    let lo = terms.partition_point(|o| o.start < line_start);
    for o in terms[lo..].iter().take_while(|o| o.start < colon) {
        if o.end <= colon {
            if let TermKind::Level(m) = &o.kind {
                if !m.landmark {
                    p.segments |= m.segments;
                    p.regions.extend(m.regions);
                    p.vertebrae |= m.vertebrae;
                }
            }
        }
    }
    p
}
