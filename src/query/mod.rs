//! Compliant provider queries (AHIMA/ACDIS, "Guidelines for Achieving a
//! Compliant Query Practice", 2022): a query is raised only where the
//! documentation is conflicting, incomplete, ambiguous or imprecise in a
//! way that changes the code; it quotes the record's own indicators with
//! their place (section, document); it is open-ended, multiple choice with
//! options backed by a quoted indicator plus "other (please specify)" and
//! "clinically undetermined", or yes/no to confirm a diagnosis already
//! documented. The wording and option sets are data (`queries.tsv`).

use crate::analysis::{Analysis, Analyzer, Discount, Term, TermKind};
use crate::context::assertion::Label;
use crate::decide::{Decision, Setting, Status, Verdict};
use crate::lexicon::policy::Cue;
use crate::lexicon::queries::{Format, Need, QueryKind, QueryTemplate, FIXED_OPTIONS};
use crate::lexicon::ConceptCategory as Cat;
use crate::lines::read::LineReader;
use serde::Serialize;
use std::collections::HashSet;

/// A clinical indicator a query quotes: the exact bytes of the note and
/// where they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Indicator {
    /// The note it is in (group records only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The note's index in the group record's `notes` (group records only).
    #[serde(skip)]
    pub note_index: usize,
    /// The note's text of the span.
    pub text: String,
    /// Start byte in the original note.
    pub start: usize,
    /// End byte.
    pub end: usize,
    /// Its section.
    pub section: &'static str,
    /// The kind of document it is in (`note` when the text has no document headers).
    pub document: &'static str,
}

/// A provider query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Query {
    /// Why it is raised (`region_missing` ...).
    pub kind: &'static str,
    /// `open`, `multiple_choice` or `yes_no`.
    pub format: &'static str,
    /// Why it is raised, for the CDI specialist (not sent).
    pub reason: String,
    /// The question as sent to the provider.
    pub text: String,
    /// The record's indicators it quotes.
    pub indicators: Vec<Indicator>,
    /// The answers offered (multiple choice only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// For each option, the indicators (indices into `indicators`) it rests
    /// on; empty for the two fixed options.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub option_indicators: Vec<Vec<usize>>,
}

impl Query {
    /// The whole query as plain text (question, options), as it is copied.
    pub fn plain_text(&self) -> String {
        let mut s = self.text.clone();
        for o in &self.options {
            s.push_str("\n[ ] ");
            s.push_str(o);
        }
        s
    }
}

/// What a raised query quotes: term indices or other spans (normalised
/// offsets), the condition's span, option texts built from indicators.
struct Raised {
    kind: QueryKind,
    reason: String,
    spans: Vec<(usize, usize)>,
    condition: Option<(usize, usize)>,
    /// Options built from indicators ({region}, {statement}), each with
    /// the spans it rests on.
    options: Vec<(String, Vec<(usize, usize)>)>,
    /// The kinds of indicator it quotes (a template's `needs` must be among them).
    provides: Vec<Need>,
}

/// The spans a query may quote at most.
const MAX_INDICATORS: usize = 5;

/// Categories whose conditions decide the code.
fn decides_code(c: Cat) -> bool {
    matches!(
        c,
        Cat::Disc | Cat::Neuro | Cat::Structural | Cat::Dorsopathy
    )
}

/// Raises a note's queries. `original` maps a normalised range to the
/// original note's range and text.
pub fn raise(
    an: &Analyzer,
    reader: &LineReader,
    a: &Analysis,
    d: &Decision,
    setting: Setting,
    original: &impl Fn(usize, usize) -> (usize, usize, String),
) -> Vec<crate::query::Query> {
    let mut raised = Vec::new();
    // By concept name: a concept has a lexicon row per phrase.
    let (mut affirmed, mut addressed) = (HashSet::new(), HashSet::new());
    for t in &a.terms {
        if let TermKind::Concept(k) = t.kind {
            let e = &an.lexicons.concepts[k];
            if t.discount.is_none() && decides_code(e.category) {
                if t.label() == Label::Affirmed {
                    affirmed.insert(e.concept.as_str());
                }
                addressed.insert(e.concept.as_str());
            }
        }
    }
    let ctx = Ctx {
        an,
        a,
        affirmed,
        addressed,
    };
    raised.extend(region_missing(&ctx, d));
    raised.extend(region_conflict(&ctx, d));
    raised.extend(pathology_unspecified(&ctx, reader, d));
    if setting == Setting::Outpatient {
        raised.extend(uncertain_diagnosis(&ctx, d));
    }
    raised.extend(neuro_suggested(&ctx, reader, d));
    raised.extend(document_conflict(&ctx));
    raised.extend(unconfirmed_diagnosis(&ctx));
    raised
        .into_iter()
        .filter_map(|r| render(&ctx, r, original))
        .collect()
}

struct Ctx<'a> {
    an: &'a Analyzer,
    a: &'a Analysis,
    /// Concepts affirmed and counted (code-deciding categories), by name.
    affirmed: HashSet<&'a str>,
    /// Concepts the counted documentation states at all (affirmed, denied,
    /// uncertain ...).
    addressed: HashSet<&'a str>,
}

impl Ctx<'_> {
    fn category(&self, t: &Term) -> Option<Cat> {
        match t.kind {
            TermKind::Concept(c) => Some(self.an.lexicons.concepts[c].category),
            TermKind::Level(_) => None,
        }
    }
    /// The concept name of a term.
    fn concept(&self, t: &Term) -> Option<&str> {
        match t.kind {
            TermKind::Concept(c) => Some(self.an.lexicons.concepts[c].concept.as_str()),
            TermKind::Level(_) => None,
        }
    }
    fn section(&self, si: usize) -> &'static str {
        self.a.sections.get(si).map_or("none", |s| s.kind.name())
    }
    /// Affirmed, counted terms of code-deciding categories.
    fn affirmed_conditions(&self) -> impl Iterator<Item = &Term> {
        self.a.terms.iter().filter(|t| {
            t.label() == Label::Affirmed
                && t.discount.is_none()
                && self.category(t).is_some_and(decides_code)
        })
    }
    fn is_affirmed(&self, concept: &str) -> bool {
        self.affirmed.contains(concept)
    }
    /// The level terms of sentence `si`.
    fn level_in(&self, si: usize) -> Option<&Term> {
        self.a
            .terms
            .iter()
            .find(|t| t.sentence == si && matches!(t.kind, TermKind::Level(_)))
    }
}

fn span(t: &Term) -> (usize, usize) {
    (t.start, t.end)
}

/// A dorsopathy documented without a level or region: the code's site
/// digit cannot be chosen.
fn region_missing(c: &Ctx, d: &Decision) -> Option<Raised> {
    // Only a spinal note: a level, a region word or spinal pain somewhere
    // (an ankle ligament is no question of spinal levels).
    let spinal = c.a.terms.iter().any(|t| match t.kind {
        TermKind::Level(_) => true,
        TermKind::Concept(k) => {
            matches!(c.an.lexicons.concepts[k].category, Cat::Region | Cat::Pain)
                && c.an.lexicons.concepts[k].concept != "pain_lumbar"
        }
    });
    let spinal = spinal || {
        let lower = c.a.norm.flat.to_ascii_lowercase();
        c.an.lexicons
            .scorer_words
            .spine_context
            .iter()
            .any(|w| lower.contains(w.as_str()))
    };
    if d.verdict != Verdict::UnspecifiedRegion || !spinal {
        return None;
    }
    let spans: Vec<(usize, usize)> = d.deciding.iter().map(|&i| span(&c.a.terms[i])).collect();
    (!spans.is_empty()).then(|| Raised {
        kind: QueryKind::RegionMissing,
        provides: vec![Need::Condition],
        reason: "A condition is documented without a spinal level or region, which the code's site depends on.".into(),
        condition: spans.first().copied(),
        spans,
        options: Vec::new(),
    })
}

/// The same condition placed at C7-T1 and at another region.
fn region_conflict(c: &Ctx, d: &Decision) -> Option<Raised> {
    if !matches!(
        d.verdict,
        Verdict::Supported | Verdict::MoreSpecific | Verdict::OtherRegion
    ) {
        return None;
    }
    // The assessment places the condition at one region and another part
    // of the record at another: a multi-level report alone (C2-3 and
    // C7-T1 both described) is no conflict, nor an assessment naming both.
    let placed: Vec<&Term> = c
        .affirmed_conditions()
        .filter(|t| t.placement.is_placed())
        .collect();
    let assessing = |t: &Term| ASSESSING.contains(&c.section(t.sentence));
    let (at_ct, other) = placed
        .iter()
        .filter(|t| t.placement.at_c7_t1())
        .find_map(|ct| {
            let k = c.concept(ct);
            let same: Vec<&&Term> = placed.iter().filter(|t| c.concept(t) == k).collect();
            let assessed_ct = same.iter().any(|t| assessing(t) && t.placement.at_c7_t1());
            let assessed_other = same.iter().any(|t| assessing(t) && !t.placement.at_c7_t1());
            let other = same.iter().find(|t| !t.placement.at_c7_t1())?;
            let other_ct = same
                .iter()
                .find(|t| t.placement.at_c7_t1() && !assessing(t));
            match (assessed_ct, assessed_other) {
                (true, false) if !assessing(other) => Some((*ct, **other)),
                (false, true) => other_ct.map(|t| (**t, **other)),
                _ => None,
            }
        })?;
    let at_ct = &at_ct;
    let option = |t: &Term| {
        let region = t
            .placement
            .regions
            .iter()
            .next()
            .map_or("unspecified", |r| r.name())
            .replace('_', " ");
        match c.level_in(t.sentence) {
            Some(l) => (region, Some(span(l))),
            None => (region, None),
        }
    };
    let (mut spans, mut options) = (Vec::new(), Vec::new());
    for t in [*at_ct, other] {
        let (region, level) = option(t);
        spans.push(span(t));
        if let Some(l) = level {
            spans.push(l);
            options.push((
                format!("{region} ({})", c.a.norm.flat[l.0..l.1].trim()),
                vec![span(t), l],
            ));
        } else {
            options.push((region, vec![span(t)]));
        }
    }
    spans.sort_unstable();
    spans.dedup();
    Some(Raised {
        kind: QueryKind::RegionConflict,
        provides: if options.iter().all(|(_, on)| on.len() > 1) {
            vec![Need::Condition, Need::Level]
        } else {
            vec![Need::Condition]
        },
        reason: "The same condition is placed at C7-T1 and at another region; the level decides the code.".into(),
        condition: Some(span(at_ct)),
        spans,
        options,
    })
}

/// Pain at C7-T1 named only as pain, while the exam or imaging finds
/// something at the level (tenderness, restricted motion, spasm,
/// asymmetry: the PART/TART findings of `line_cues.tsv`).
fn pathology_unspecified(c: &Ctx, reader: &LineReader, d: &Decision) -> Option<Raised> {
    if d.verdict != Verdict::PainOnly {
        return None;
    }
    let pain = d
        .deciding
        .iter()
        .map(|&i| &c.a.terms[i])
        .find(|t| t.placement.at_c7_t1())?;
    let findings = crate::lines::read::FINDINGS;
    if !findings.iter().any(|k| reader.may_hold(*k, &c.a.norm.flat)) {
        return None;
    }
    let reading = reader.read_cues(c.an, c.a, None, Some(&findings));
    let mut structural = Vec::new();
    let mut last = usize::MAX;
    for f in reading
        .cues
        .iter()
        .filter(|h| findings.contains(&h.what.0) && h.what.1 == Label::Affirmed)
    {
        if std::mem::replace(&mut last, f.sentence) == f.sentence {
            continue;
        }
        let level = c.level_in(f.sentence).filter(|l| l.placement.at_c7_t1());
        if let (Some(l), "exam" | "imaging" | "none") = (level, c.section(f.sentence)) {
            structural.extend([span(l), (f.start, f.end)]);
        }
    }
    if structural.is_empty() {
        return None;
    }
    let mut spans = vec![span(pain)];
    spans.extend(structural);
    spans.dedup();
    Some(Raised {
        kind: QueryKind::PathologyUnspecified,
        provides: vec![Need::Pain, Need::Finding],
        reason: "Only pain is documented at C7-T1, while the exam or imaging finds something at the level; a condition named there changes the code.".into(),
        condition: Some(span(pain)),
        spans,
        options: Vec::new(),
    })
}

const ASSESSING: &[&str] = &[
    "assessment",
    "impression",
    "assessment_plan",
    "diagnosis",
    "discharge_diagnosis",
];

/// An uncertain diagnosis at C7-T1 in an outpatient note's assessment: not
/// coded unless confirmed (Guidelines IV.H).
fn uncertain_diagnosis(c: &Ctx, d: &Decision) -> Option<Raised> {
    // An unplaced uncertain condition concerns C7-T1 only in a note that
    // names the level.
    let names_ct = d
        .checklist
        .first()
        .is_some_and(|e| e.status == Status::Present);
    let t = c.a.terms.iter().find(|t| {
        t.label() == Label::Uncertain
            && t.discount.is_none()
            && c.category(t).is_some_and(decides_code)
            && (t.placement.at_c7_t1() || (!t.placement.is_placed() && names_ct))
            && ASSESSING.contains(&c.section(t.sentence))
            && c.concept(t).is_some_and(|k| !c.is_affirmed(k))
    })?;
    let mut spans = vec![span(t)];
    if let Some(l) = c.level_in(t.sentence) {
        spans.push(span(l));
    }
    spans.sort_unstable();
    Some(Raised {
        kind: QueryKind::UncertainDiagnosis,
        provides: vec![Need::Condition],
        reason: "An uncertain diagnosis in an outpatient note is not coded; confirmed or ruled out, it changes the code.".into(),
        condition: Some(span(t)),
        spans,
        options: Vec::new(),
    })
}

/// Radicular signs on history or exam, and no radiculopathy or myelopathy
/// diagnosed or excluded, in a note that supports M53.83.
fn neuro_suggested(c: &Ctx, reader: &LineReader, d: &Decision) -> Option<Raised> {
    let neuro = d.checklist.get(3)?;
    if d.verdict != Verdict::Supported || neuro.status != Status::Absent {
        return None;
    }
    if !reader.may_hold(Cue::Radicular, &c.a.norm.flat) {
        return None;
    }
    let reading = reader.read_cues(c.an, c.a, None, Some(&[Cue::Radicular]));
    let spans: Vec<(usize, usize)> = reading
        .cues_of(Cue::Radicular, &[Label::Affirmed])
        .map(|h| (h.start, h.end))
        .collect();
    (!spans.is_empty()).then(|| Raised {
        kind: QueryKind::NeuroSuggested,
        provides: vec![Need::RadicularSign],
        reason: "Radicular signs are documented but no radiculopathy or myelopathy is diagnosed or excluded; a neurological component changes the code.".into(),
        condition: None,
        spans,
        options: Vec::new(),
    })
}

/// A statement overruled by a later or more authoritative document (an
/// addendum, a final read): the two conflict.
fn document_conflict(c: &Ctx) -> Option<Raised> {
    let t = c.a.terms.iter().find(|t| {
        matches!(
            t.discount,
            Some(Discount::Overruled(_) | Discount::Preliminary)
        ) && c.category(t).is_some_and(decides_code)
    })?;
    let other = match t.discount {
        Some(Discount::Overruled(by)) => c.a.terms.iter().find(|x| x.start == by),
        _ => {
            c.a.terms
                .iter()
                .find(|x| x.discount.is_none() && c.concept(x) == c.concept(t))
        }
    }?;
    let statement = |x: &Term| {
        let doc = c.a.documents.at(x.start).kind.name();
        format!(
            "\"{}\" ({}, {})",
            c.a.norm.flat[x.start..x.end].trim(),
            x.label().name(),
            doc
        )
    };
    Some(Raised {
        kind: QueryKind::DocumentConflict,
        provides: vec![Need::Statement, Need::Condition],
        reason: "Two documents of the record state the condition differently; the one that stands decides the code.".into(),
        condition: Some(span(t)),
        spans: vec![span(t), span(other)],
        options: vec![(statement(t), vec![span(t)]), (statement(other), vec![span(other)])],
    })
}

/// A condition documented only in a referral, an order, prior records or
/// the patient's own account, which the provider has not restated.
fn unconfirmed_diagnosis(c: &Ctx) -> Option<Raised> {
    let t = c.a.terms.iter().find(|t| {
        matches!(t.discount, Some(Discount::CodeData | Discount::Reported))
            && t.label() == Label::Affirmed
            // A charge line is no documentation to put to the provider.
            && c.a.documents.at(t.start).kind.name() != "billing"
            && c.category(t).is_some_and(decides_code)
            // The provider has not addressed it: one who denies it has.
            && c.concept(t).is_some_and(|k| !c.addressed.contains(k))
    })?;
    Some(Raised {
        kind: QueryKind::UnconfirmedDiagnosis,
        provides: vec![Need::Condition],
        reason: "A condition stated outside the provider's assessment (a referral, an order, the patient's account) counts only once the provider documents it.".into(),
        condition: Some(span(t)),
        spans: vec![span(t)],
        options: Vec::new(),
    })
}

/// The query of a raised reason, its text and options from its template;
/// none when its template has no row (a replaced file may drop one).
fn render(
    c: &Ctx,
    r: Raised,
    original: &impl Fn(usize, usize) -> (usize, usize, String),
) -> Option<Query> {
    let tpl: &QueryTemplate = c.an.lexicons.queries.iter().find(|q| q.kind == r.kind)?;
    // A template may need more than the reason quotes (a level for every
    // region): then the query is not raised.
    if !tpl.needs.iter().all(|n| r.provides.contains(n)) {
        return None;
    }
    let indicators: Vec<Indicator> = r
        .spans
        .iter()
        .take(MAX_INDICATORS)
        .map(|&(s, e)| {
            let (start, end, text) = original(s, e);
            let si = crate::lines::read::sentence_of(&c.a.sentences, s);
            Indicator {
                note: None,
                note_index: 0,
                text,
                start,
                end,
                section: c.section(si),
                document: c.a.documents.at(s).kind.name(),
            }
        })
        .collect();
    let quoted: Vec<String> = indicators
        .iter()
        .map(|i| {
            format!(
                "\"{}\" ({}, {})",
                one_line(&i.text),
                i.section.replace('_', " "),
                i.document.replace('_', " ")
            )
        })
        .collect();
    let condition = r
        .condition
        .map(|(s, e)| one_line(&original(s, e).2))
        .unwrap_or_default();
    let fill = |t: &str| {
        t.replace("{indicators}", &quoted.join("; "))
            .replace("{condition}", &condition)
    };
    let index_of = |sp: &(usize, usize)| r.spans.iter().take(MAX_INDICATORS).position(|x| x == sp);
    let (mut options, mut backing) = (Vec::new(), Vec::new());
    if tpl.format == Format::Choice {
        for o in &tpl.options {
            if o.contains("{region}") || o.contains("{statement}") {
                for (x, on) in &r.options {
                    options.push(o.replace("{region}", x).replace("{statement}", x));
                    backing.push(on.iter().filter_map(index_of).collect::<Vec<_>>());
                }
            } else if o.contains("{condition}") {
                options.push(fill(o));
                backing.push(r.condition.iter().filter_map(index_of).collect());
            } else {
                options.push(fill(o));
                backing.push((0..indicators.len()).collect());
            }
        }
        // An option whose indicators were not quoted is not offered.
        let kept: Vec<(String, Vec<usize>)> = options
            .into_iter()
            .zip(backing)
            .filter(|(_, b)| !b.is_empty())
            .collect();
        (options, backing) = kept.into_iter().unzip();
        options.extend(FIXED_OPTIONS.iter().map(|s| s.to_string()));
        backing.extend(FIXED_OPTIONS.iter().map(|_| Vec::new()));
    }
    Some(Query {
        kind: r.kind.name(),
        format: tpl.format.name(),
        reason: r.reason,
        text: fill(&tpl.text),
        indicators,
        options,
        option_indicators: backing,
    })
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
