//! The elements a coverage policy requires, each read from the note by a
//! general reader (DOMAIN.md, "Procedures billed with M53.83"): a status
//! (`met`, `missing`, `not_met`), the spans it rests on and, where there
//! is a value, the value in words.

use super::read::{in_sentence, CueHit, Found, Reading};
use crate::context::assertion::Label;
use crate::lexicon::policy::{Cpt, Cue, ElementKind, Limit, Modality, BODY_REGIONS};
use crate::lexicon::ConceptCategory as Cat;

/// Current statements about the patient.
const NOW: &[Label] = &[Label::Affirmed];
/// Statements of something done (now or before).
const DONE: &[Label] = &[Label::Affirmed, Label::Historical];
/// Anything but a negation or another person (a plan, a goal).
const STATED: &[Label] = &[
    Label::Affirmed,
    Label::Historical,
    Label::Hypothetical,
    Label::Uncertain,
];
/// Affirmed or suspected.
const SUSPECTED: &[Label] = &[Label::Affirmed, Label::Uncertain];

/// An element's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Documented, and meeting its threshold.
    Met,
    /// Not documented.
    Missing,
    /// Documented, but short of its threshold (or contradicted).
    NotMet,
}

impl Status {
    /// Its name in records.
    pub fn name(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::Missing => "missing",
            Status::NotMet => "not_met",
        }
    }
}

/// One element as read: status, spans (normalised offsets), value in words.
#[derive(Debug, Clone, PartialEq)]
pub struct ElementReading {
    /// The status.
    pub status: Status,
    /// The spans it rests on.
    pub spans: Vec<(usize, usize)>,
    /// What was found, in words.
    pub detail: String,
}

fn met(spans: Vec<(usize, usize)>, detail: impl Into<String>) -> ElementReading {
    ElementReading {
        status: Status::Met,
        spans,
        detail: detail.into(),
    }
}
fn missing(detail: impl Into<String>) -> ElementReading {
    ElementReading {
        status: Status::Missing,
        spans: Vec::new(),
        detail: detail.into(),
    }
}
fn not_met(spans: Vec<(usize, usize)>, detail: impl Into<String>) -> ElementReading {
    ElementReading {
        status: Status::NotMet,
        spans,
        detail: detail.into(),
    }
}
fn span<T>(f: &Found<T>) -> (usize, usize) {
    (f.start, f.end)
}

/// Reads one element against its limit; `cpt` is the line's CPT row.
pub fn read(kind: ElementKind, limit: &Limit, r: &Reading, cpt: &Cpt) -> ElementReading {
    use ElementKind as E;
    match kind {
        E::PainDuration => pain_duration(r, limit),
        E::PainScale => pain_scale(r, limit),
        E::FunctionMeasure => function_measure(r),
        E::ConservativeCareFailed => care_failed(r, limit),
        E::NoRadiculopathy => no_radiculopathy(r),
        E::NoRedFlags => no_red_flags(r),
        E::ImageGuidance => image_guidance(r, limit),
        E::LevelsTreated => levels_treated(r, limit, cpt),
        E::DiagnosticBlocks => diagnostic_blocks(r, limit),
        E::PriorAblationRelief => prior_ablation(r, limit),
        E::RadicularFindings => radicular_findings(r),
        E::ConcordantImaging => concordant_imaging(r),
        E::PlanOfCare => any_cue(r, Cue::PlanOfCare, STATED, "a plan of care"),
        E::FunctionalGoals => functional_goals(r),
        E::FrequencyDuration => frequency_duration(r),
        E::Subluxation => subluxation(r, limit),
        E::ActiveTreatment => active_treatment(r),
        E::SomaticDysfunction => any_cue(r, Cue::SomaticDysfunction, NOW, "somatic dysfunction"),
        E::TartFindings => tart_findings(r),
        E::RegionsTreated => regions_treated(r, cpt),
        E::ImagingReason => any_cue(r, Cue::ImagingReason, STATED, "the reason for the study"),
        E::ImagingIndicated => imaging_indicated(r),
    }
}

/// Which way a number looks for what it measures.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Look {
    /// The nearest candidate either side (a score beside its scale).
    Nearest,
    /// The one before it, else after (`neck pain for 6 months`).
    Back,
    /// The one after it, else before (`6 weeks of physical therapy`).
    Ahead,
}

/// The candidate (start, end, is_owner; sorted by start) a number at `at`
/// measures, looking as `look` says: is it an owner's? Ties go to the
/// owner. Only the neighbours of `at` are looked at.
fn owned_by(
    at: (usize, usize),
    candidates: &[(usize, usize, bool)],
    look: Look,
) -> Option<(usize, usize)> {
    let dist = |c: &(usize, usize, bool)| {
        if c.1 <= at.0 {
            at.0 - c.1
        } else {
            c.0.saturating_sub(at.1)
        }
    };
    let i = candidates.partition_point(|c| c.0 < at.0);
    let near = &candidates[i.saturating_sub(3)..(i + 3).min(candidates.len())];
    let nearest = |side: &dyn Fn(&(usize, usize, bool)) -> bool| {
        near.iter()
            .filter(|c| side(c))
            .min_by_key(|c| (dist(c), !c.2))
    };
    let before = |c: &(usize, usize, bool)| c.1 <= at.0;
    let after = |c: &(usize, usize, bool)| c.0 >= at.1;
    let best = match look {
        Look::Nearest => nearest(&|_| true),
        Look::Back => nearest(&before).or_else(|| nearest(&after)),
        Look::Ahead => nearest(&after).or_else(|| nearest(&before)),
    }?;
    best.2.then_some((best.0, best.1))
}

/// Candidates for who a number in sentence `si` is about, sorted: pain
/// words (the owners) and the other things a number may measure (`others`,
/// and care and imaging terms when `other_care`).
fn candidates(
    r: &Reading,
    si: usize,
    others: &[Cue],
    other_care: bool,
) -> Vec<(usize, usize, bool)> {
    const ANY: &[Label] = &[
        Label::Affirmed,
        Label::Negated,
        Label::Uncertain,
        Label::Hypothetical,
        Label::Historical,
        Label::Family,
    ];
    // Pain now is an owner; pain denied, past or someone else's is a
    // subject too, but not one that counts.
    let mut out: Vec<(usize, usize, bool)> = r
        .in_sentence(si, &[Cue::PainWord, Cue::PainScore, Cue::Radicular], ANY)
        .map(|c| (c.start, c.end, c.what.1 == Label::Affirmed))
        .collect();
    // A field label is the symptom's when it opens its sentence ("Duration:
    // 6 months"), not when it follows another subject ("PT duration:").
    let opens = r.analysis.sentences.get(si).map_or(0, |x| x.start);
    out.extend(r.in_sentence(si, &[Cue::SymptomField], ANY).map(|c| {
        let near = c.start - opens <= LOOK_BACK;
        let opening = near && !r.text(opens, c.start).chars().any(char::is_alphanumeric);
        (c.start, c.end, opening)
    }));
    // Low back pain is pain, but not the pain a neck or thoracic
    // procedure is for.
    out.extend(
        r.labelled_terms_in(si, |cat| cat == Cat::Pain)
            .map(|(s, e, label, name)| (s, e, label == Label::Affirmed && name != "pain_lumbar")),
    );
    out.extend(
        r.in_sentence(si, others, STATED)
            .map(|c| (c.start, c.end, false)),
    );
    if other_care {
        out.extend(
            r.terms_in(si, |cat, _| matches!(cat, Cat::Care | Cat::Imaging), STATED)
                .map(|t| (t.0, t.1, false)),
        );
    }
    out.sort_unstable();
    out
}

/// The items of `items` (sorted by sentence) that belong to pain, each
/// with the pain span it belongs to; the candidates of a sentence are
/// gathered once.
fn owned_by_pain<'a, T>(
    r: &Reading,
    items: &'a [Found<T>],
    others: &[Cue],
    other_care: bool,
    look: impl Fn(&Found<T>) -> Look,
) -> Vec<(&'a Found<T>, (usize, usize))> {
    let mut out = Vec::new();
    let mut cache: (usize, Vec<(usize, usize, bool)>) = (usize::MAX, Vec::new());
    for d in items {
        if cache.0 != d.sentence {
            cache = (d.sentence, candidates(r, d.sentence, others, other_care));
        }
        if let Some(p) = owned_by(span(d), &cache.1, look(d)) {
            out.push((d, p));
        }
    }
    out
}

/// Words for a duration in days.
pub fn days_words(d: f64) -> String {
    if d >= 365.0 && (d / 365.0).fract() == 0.0 {
        format!("{} year(s)", d / 365.0)
    } else if d >= 30.0 {
        format!("{:.0} month(s)", (d / 30.0).floor())
    } else if d >= 7.0 {
        format!("{:.0} week(s)", (d / 7.0).floor())
    } else if d >= 1.0 {
        format!("{d:.0} day(s)")
    } else {
        format!("{:.0} hour(s)", d * 24.0)
    }
}

/// The pain's duration: a duration whose nearest subject in its sentence
/// is the pain (not the care, the relief or a block); the longest counts.
fn pain_duration(r: &Reading, limit: &Limit) -> ElementReading {
    let need = match limit {
        Limit::Days(d) => *d as f64,
        _ => 0.0,
    };
    let others = [
        Cue::Relief,
        Cue::Block,
        Cue::Ablation,
        Cue::Goal,
        Cue::Frequency,
        Cue::PlanOfCare,
        Cue::Strength,
    ];
    let flat = &r.analysis.norm.flat;
    // "6 weeks of physical therapy", "a 3-month history of neck pain"
    // measure what follows; "neck pain for 6 months" what comes before.
    let look = |d: &Found<super::read::Days>| {
        let after = flat[d.end..].trim_start();
        let ahead = ["of ", "history of ", "hx of "].iter().any(|w| {
            after
                .get(..w.len())
                .is_some_and(|a| a.eq_ignore_ascii_case(w))
        });
        if ahead {
            Look::Ahead
        } else {
            Look::Back
        }
    };
    let pains = owned_by_pain(r, &r.durations, &others, true, look);
    let Some((d, p)) = pains
        .iter()
        .max_by(|a, b| a.0.what.0.total_cmp(&b.0.what.0))
    else {
        return missing("no duration of the pain is stated");
    };
    let words = days_words(d.what.0);
    if d.what.0 >= need {
        met(vec![*p, span(*d)], format!("pain for {words}"))
    } else {
        not_met(
            vec![*p, span(*d)],
            format!("pain for {words}, short of {}", days_words(need)),
        )
    }
}

/// A pain score: an `x/10` or scale number whose nearest subject is pain
/// (not strength or effort); the highest counts against the threshold.
fn pain_scale(r: &Reading, limit: &Limit) -> ElementReading {
    let need = match limit {
        Limit::Number(n) => *n as f64,
        _ => 0.0,
    };
    let pain: Vec<&Found<f64>> =
        owned_by_pain(r, &r.scores, &[Cue::Strength], false, |_| Look::Nearest)
            .into_iter()
            .map(|p| p.0)
            .collect();
    let Some(best) = pain.iter().max_by(|a, b| a.what.total_cmp(&b.what)) else {
        return missing("no pain score is documented");
    };
    let words = format!("pain {}/10", best.what);
    if best.what >= need {
        met(vec![span(*best)], words)
    } else {
        not_met(vec![span(*best)], format!("{words}, under {need}/10"))
    }
}

/// The spans of affirmed (`labels`) cues of one kind: met when any.
fn any_cue(r: &Reading, cue: Cue, labels: &[Label], what: &str) -> ElementReading {
    let spans: Vec<(usize, usize)> = r.cues_of(cue, labels).map(span).collect();
    if spans.is_empty() {
        missing(format!("{what} is not documented"))
    } else {
        met(spans, format!("{what} is documented"))
    }
}

fn function_measure(r: &Reading) -> ElementReading {
    let spans: Vec<(usize, usize)> = r
        .cues
        .iter()
        .filter(|c| {
            matches!(c.what.0, Cue::FunctionMeasure | Cue::FunctionLimit)
                && c.what.1 == Label::Affirmed
        })
        .map(span)
        .collect();
    if spans.is_empty() {
        missing("no functional or disability measure is documented")
    } else {
        met(spans, "a functional measure or limitation is documented")
    }
}

/// Conservative care (physical therapy, medication, chiropractic,
/// conservative management) and its failure stated in one sentence.
fn care_failed(r: &Reading, limit: &Limit) -> ElementReading {
    // "No relief from physical therapy" negates the therapy in ConText's
    // reading; with a failure cue it is care tried and failed.
    const TRIED: &[Label] = &[Label::Affirmed, Label::Historical, Label::Negated];
    let care: Vec<(usize, usize, usize)> = r
        .terms(
            |cat, name| cat == Cat::Care && name != "care_injection",
            TRIED,
        )
        .collect();
    let has_care = |si: usize| care.binary_search_by_key(&si, |c| c.2).is_ok();
    let mut last = usize::MAX;
    for &(s, e, si) in &care {
        if std::mem::replace(&mut last, si) == si {
            continue; // one look for the failure per sentence
        }
        // The failure in the sentence, or in the next when that one names
        // no care of its own ("PT and NSAIDs. Neither helped.").
        let next = (si + 1 < r.analysis.sentences.len() && !has_care(si + 1)).then_some(si + 1);
        let failed = r
            .in_sentence(si, &[Cue::CareFailed], STATED)
            .next()
            .or_else(|| next.and_then(|n| r.in_sentence(n, &[Cue::CareFailed], STATED).next()));
        if let Some(f) = failed {
            return care_failure(r, limit, (s, e), span(f), si);
        }
    }
    match care
        .iter()
        .find(|c| r.term_label(c.0, c.1) != Some(Label::Negated))
    {
        None => missing("no conservative care is documented"),
        Some(&(s, e, _)) => ElementReading {
            status: Status::Missing,
            spans: vec![(s, e)],
            detail: "conservative care is documented, but not that it failed".into(),
        },
    }
}

/// Care that failed, against the policy's duration when it has one.
fn care_failure(
    r: &Reading,
    limit: &Limit,
    care: (usize, usize),
    failure: (usize, usize),
    si: usize,
) -> ElementReading {
    let mut spans = vec![care, failure];
    let durations = in_sentence(&r.durations, si);
    let longest = durations.iter().map(|d| d.what.0).reduce(f64::max);
    if let (Limit::Days(need), Some(d)) = (limit, longest) {
        if d < *need as f64 {
            let words = format!(
                "{} of care, short of {}",
                days_words(d),
                days_words(*need as f64)
            );
            return not_met(spans, words);
        }
    }
    if let Some(d) = durations.first() {
        spans.push(span(d));
    }
    met(
        spans,
        format!("{} tried without relief", r.text(care.0, care.1)),
    )
}

fn no_radiculopathy(r: &Reading) -> ElementReading {
    let radic = |labels| {
        r.terms(|_, n| n == "radiculopathy", labels)
            .map(|t| (t.0, t.1))
            .collect::<Vec<_>>()
    };
    let found = radic(SUSPECTED);
    if !found.is_empty() {
        return not_met(found, "a radiculopathy is documented");
    }
    met(radic(&[Label::Negated]), "no radiculopathy is documented")
}

const RED_FLAG_CONCEPTS: &[&str] = &[
    "injury_fracture",
    "neoplasm",
    "vertebral_osteomyelitis",
    "disc_infection",
    "discitis",
    "fatigue_fracture",
    "collapsed_vertebra",
];

fn no_red_flags(r: &Reading) -> ElementReading {
    let mut found: Vec<(usize, usize)> = r
        .terms(|_, n| RED_FLAG_CONCEPTS.contains(&n), SUSPECTED)
        .map(|t| (t.0, t.1))
        .collect();
    found.extend(r.cues_of(Cue::RedFlag, SUSPECTED).map(span));
    if !found.is_empty() {
        found.sort_unstable();
        return not_met(
            found,
            "a fracture, tumour, infection or red flag is documented or suspected",
        );
    }
    let mut negated: Vec<(usize, usize)> = r
        .cues_of(Cue::RedFlag, &[Label::Negated])
        .map(span)
        .collect();
    negated.extend(
        r.terms(|_, n| RED_FLAG_CONCEPTS.contains(&n), &[Label::Negated])
            .map(|t| (t.0, t.1)),
    );
    negated.sort_unstable();
    met(negated, "no other cause is suspected")
}

fn image_guidance(r: &Reading, limit: &Limit) -> ElementReading {
    let accepted: &[Modality] = match limit {
        Limit::Modalities(m) => m,
        _ => &[],
    };
    let modality = |c: &CueHit| match c.what.0 {
        Cue::GuidanceFluoroscopy => Some(Modality::Fluoroscopy),
        Cue::GuidanceCt => Some(Modality::Ct),
        Cue::GuidanceUltrasound => Some(Modality::Ultrasound),
        _ => None,
    };
    let found: Vec<(&CueHit, Modality)> = r
        .cues
        .iter()
        .filter(|c| c.what.1 == Label::Affirmed)
        .filter_map(|c| modality(c).map(|m| (c, m)))
        .collect();
    let ok: Vec<(usize, usize)> = found
        .iter()
        .filter(|(_, m)| accepted.contains(m))
        .map(|(c, _)| span(*c))
        .collect();
    if !ok.is_empty() {
        return met(ok, "image guided");
    }
    match found.first() {
        Some((c, m)) => not_met(
            vec![span(*c)],
            format!("{} guidance is not accepted by this policy", m.name()),
        ),
        None => missing("image guidance is not documented"),
    }
}

/// The sentences that state the procedure done: an affirmed block,
/// ablation or injection.
fn procedure_sentences(r: &Reading) -> Vec<usize> {
    let mut out: Vec<usize> = r
        .cues
        .iter()
        .filter(|c| matches!(c.what.0, Cue::Block | Cue::Ablation) && c.what.1 == Label::Affirmed)
        .map(|c| c.sentence)
        .collect();
    out.extend(r.terms(|_, n| n == "care_injection", NOW).map(|t| t.2));
    out.sort_unstable();
    out.dedup();
    out
}

fn levels_treated(r: &Reading, limit: &Limit, cpt: &Cpt) -> ElementReading {
    let most = match limit {
        Limit::Number(n) => *n,
        _ => u32::MAX,
    };
    let (mut segments, mut vertebrae, mut spans) = (0u32, 0u32, Vec::new());
    for si in procedure_sentences(r) {
        let (s, v) = r.levels_in(si);
        if s | v != 0 {
            segments |= s;
            vertebrae |= v;
            spans.push((r.analysis.sentences[si].start, r.analysis.sentences[si].end));
        }
    }
    let n = if segments != 0 {
        segments.count_ones()
    } else {
        vertebrae.count_ones()
    };
    match n {
        0 => missing("the level treated is not documented"),
        n if cpt.level.is_some_and(|l| n < l) => not_met(
            spans,
            format!(
                "{n} level(s) documented; {} is for level {}",
                cpt.code,
                cpt.level.unwrap_or(0)
            ),
        ),
        n if n <= most => met(spans, format!("{n} level(s) treated")),
        n => not_met(spans, format!("{n} levels treated, more than {most}")),
    }
}

/// One diagnostic block's result: its relief, an ordinal when it has one.
struct Block {
    percent: f64,
    ordinal: Option<u32>,
    span: (usize, usize),
    sentence: usize,
}

/// How far before a block or a percentage its count or ordinal is looked for.
const LOOK_BACK: usize = 48;

/// The char boundary at or before `i`.
fn floor(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

const ORDINALS: &[(&str, u32)] = &[
    ("#1", 1),
    ("#2", 2),
    ("#3", 3),
    ("first", 1),
    ("second", 2),
    ("third", 3),
    ("1st", 1),
    ("2nd", 2),
    ("3rd", 3),
    ("initial", 1),
    ("confirmatory", 2),
    ("repeat", 2),
];
const COUNTS: &[(&str, u32)] = &[
    ("two", 2),
    ("2", 2),
    ("both", 2),
    ("three", 3),
    ("3", 3),
    ("x2", 2),
    ("x 2", 2),
];

/// The diagnostic blocks documented: each relief percentage in a sentence
/// that states a block done (now or before) and names relief; the
/// percentage's ordinal (#2, second) when the text gives one.
fn blocks(r: &Reading) -> (Vec<Block>, u32) {
    let mut out = Vec::new();
    let mut stated_count = 0;
    let flat = &r.analysis.norm.flat;
    let mut last = usize::MAX;
    for b in r
        .cues
        .iter()
        .filter(|c| c.what.0 == Cue::Block && DONE.contains(&c.what.1))
    {
        if b.sentence == last
            || r.in_sentence(b.sentence, &[Cue::Relief], STATED)
                .next()
                .is_none()
        {
            continue;
        }
        last = b.sentence;
        let sent = &r.analysis.sentences[b.sentence];
        let lower = flat[floor(flat, sent.start.max(b.start.saturating_sub(LOOK_BACK)))..b.start]
            .to_ascii_lowercase();
        if let Some((_, n)) = COUNTS
            .iter()
            .find(|(w, _)| lower.trim_end().rsplit(' ').take(3).any(|x| x == *w))
        {
            stated_count = stated_count.max(*n);
        }
        for p in in_sentence(&r.percents, b.sentence) {
            let before = flat
                [floor(flat, sent.start.max(p.start.saturating_sub(LOOK_BACK)))..p.start]
                .to_ascii_lowercase();
            let ordinal = ORDINALS
                .iter()
                .filter_map(|(w, n)| before.rfind(w).map(|at| (at, *n)))
                .max()
                .map(|(_, n)| n);
            out.push(Block {
                percent: p.what,
                ordinal,
                span: span(p),
                sentence: b.sentence,
            });
        }
    }
    (out, stated_count)
}

fn diagnostic_blocks(r: &Reading, limit: &Limit) -> ElementReading {
    let (count, percent) = match limit {
        Limit::Blocks { count, percent } => (*count, *percent as f64),
        _ => (1, 0.0),
    };
    let (found, stated) = blocks(r);
    if found.is_empty() {
        return missing("no diagnostic block result (percent relief) is documented");
    }
    let good: Vec<&Block> = found.iter().filter(|b| b.percent >= percent).collect();
    let mut ordinals: Vec<u32> = good.iter().filter_map(|b| b.ordinal).collect();
    ordinals.sort_unstable();
    ordinals.dedup();
    let unlabelled_per_sentence = good.iter().filter(|b| b.ordinal.is_none()).fold(
        std::collections::BTreeMap::new(),
        |mut m, b| {
            *m.entry(b.sentence).or_insert(0u32) += 1;
            m
        },
    );
    let mut n =
        (ordinals.len() as u32).max(unlabelled_per_sentence.values().copied().max().unwrap_or(0));
    if !good.is_empty() && stated > n && found.iter().all(|b| b.percent >= percent) {
        n = stated; // "two MBBs, each with 90% relief"
    }
    let spans: Vec<(usize, usize)> = found.iter().map(|b| b.span).collect();
    if n >= count && count > 1 && !same_level(r, &good) {
        return not_met(
            spans,
            "the blocks with enough relief were at different levels",
        );
    }
    if n >= count {
        met(
            spans,
            format!("{n} diagnostic block(s) with at least {percent}% relief"),
        )
    } else {
        not_met(spans, format!("{n} diagnostic block(s) with at least {percent}% relief documented; {count} needed"))
    }
}

/// Were the blocks at one level? True unless two of their sentences name
/// levels with no segment in common (a block without a level is not
/// counted against it).
fn same_level(r: &Reading, blocks: &[&Block]) -> bool {
    let mut sentences: Vec<usize> = blocks.iter().map(|b| b.sentence).collect();
    sentences.dedup();
    let levels: Vec<u32> = sentences
        .iter()
        .map(|&si| r.levels_in(si).0)
        .filter(|s| *s != 0)
        .collect();
    levels.len() < 2 || levels.iter().fold(u32::MAX, |a, s| a & s) != 0
}

/// A prior ablation's relief: a percentage and a duration in a sentence
/// stating an ablation done before.
fn prior_ablation(r: &Reading, limit: &Limit) -> ElementReading {
    let (percent, days) = match limit {
        Limit::Relief { percent, days } => (*percent as f64, *days as f64),
        _ => (0.0, 0.0),
    };
    // (percent, days, spans) of the best prior ablation.
    type Best = (f64, f64, Vec<(usize, usize)>);
    let mut best: Option<Best> = None;
    let mut last = usize::MAX;
    for a in r
        .cues
        .iter()
        .filter(|c| c.what.0 == Cue::Ablation && DONE.contains(&c.what.1))
    {
        if std::mem::replace(&mut last, a.sentence) == a.sentence {
            continue;
        }
        let p = in_sentence(&r.percents, a.sentence)
            .iter()
            .map(|p| (p.what, span(p)))
            .max_by(|x, y| x.0.total_cmp(&y.0));
        let d = in_sentence(&r.durations, a.sentence)
            .iter()
            .map(|d| (d.what.0, span(d)))
            .max_by(|x, y| x.0.total_cmp(&y.0));
        if let (Some(p), Some(d)) = (p, d) {
            if best.as_ref().map_or(true, |b| p.0 >= b.0 && d.0 >= b.1) {
                best = Some((p.0, d.0, vec![span(a), p.1, d.1]));
            }
        }
    }
    match best {
        None => missing("no prior ablation with its relief and duration is documented"),
        Some((p, d, spans)) if p >= percent && d >= days => met(
            spans,
            format!("a prior ablation gave {p}% relief for {}", days_words(d)),
        ),
        Some((p, d, spans)) => not_met(
            spans,
            format!(
                "a prior ablation gave {p}% relief for {}; {percent}% for {} needed",
                days_words(d),
                days_words(days)
            ),
        ),
    }
}

fn radicular_findings(r: &Reading) -> ElementReading {
    let mut spans: Vec<(usize, usize)> = r.cues_of(Cue::Radicular, NOW).map(span).collect();
    spans.extend(
        r.terms(|_, n| n == "radiculopathy", NOW)
            .map(|t| (t.0, t.1)),
    );
    spans.sort_unstable();
    if spans.is_empty() {
        missing("no radicular finding on history or exam is documented")
    } else {
        met(spans, "radicular findings are documented")
    }
}

fn concordant_imaging(r: &Reading) -> ElementReading {
    let mut spans: Vec<(usize, usize)> = r.cues_of(Cue::RootImaging, NOW).map(span).collect();
    let imaging = imaging_sentences(r);
    let in_imaging = |si: usize| {
        imaging[si]
            || r.analysis
                .sections
                .get(si)
                .is_some_and(|s| s.kind == crate::lexicon::SectionKind::Imaging)
    };
    spans.extend(
        r.terms(|_, n| matches!(n, "disc_herniation" | "stenosis"), NOW)
            .filter(|t| in_imaging(t.2))
            .map(|t| (t.0, t.1)),
    );
    spans.sort_unstable();
    if spans.is_empty() {
        missing("no imaging finding at a nerve root is documented")
    } else {
        met(spans, "imaging shows a nerve-root finding")
    }
}

/// Which sentences name an imaging study.
fn imaging_sentences(r: &Reading) -> Vec<bool> {
    let mut out = vec![false; r.analysis.sentences.len() + 1];
    for t in r.terms(|cat, _| cat == Cat::Imaging, STATED) {
        out[t.2] = true;
    }
    out
}

fn functional_goals(r: &Reading) -> ElementReading {
    let goals: Vec<&CueHit> = r.cues_of(Cue::Goal, STATED).collect();
    if goals.is_empty() {
        return missing("no treatment goals are documented");
    }
    let mut last = usize::MAX;
    for g in &goals {
        if std::mem::replace(&mut last, g.sentence) == g.sentence {
            continue;
        }
        let measurable = r
            .in_sentence(g.sentence, &[Cue::Measurable, Cue::FunctionLimit], STATED)
            .next()
            .map(span)
            .or_else(|| {
                let sent = &r.analysis.sentences[g.sentence];
                r.text(sent.start, sent.end)
                    .bytes()
                    .any(|b| b.is_ascii_digit())
                    .then_some((sent.start, sent.end))
            });
        if let Some(m) = measurable {
            return met(vec![span(*g), m], "measurable functional goals");
        }
    }
    not_met(
        goals.iter().map(|g| span(*g)).collect(),
        "goals are stated but none is measurable",
    )
}

fn frequency_duration(r: &Reading) -> ElementReading {
    let freq: Vec<&CueHit> = r.cues_of(Cue::Frequency, STATED).collect();
    let Some(f) = freq.first() else {
        return missing("the frequency and duration of treatment are not documented");
    };
    let near = |si: usize| si + 1 >= f.sentence && si <= f.sentence + 1;
    match r
        .durations
        .iter()
        .find(|d| near(d.sentence) && d.what.0 >= 7.0)
    {
        Some(d) => met(
            vec![span(*f), span(d)],
            format!("{} for {}", r.text(f.start, f.end), days_words(d.what.0)),
        ),
        None => not_met(
            vec![span(*f)],
            "a frequency is documented, but not for how long",
        ),
    }
}

const FINDINGS: [(Cue, &str); 4] = [
    (Cue::FindingTenderness, "pain or tenderness"),
    (Cue::FindingAsymmetry, "asymmetry"),
    (Cue::FindingMotion, "range-of-motion change"),
    (Cue::FindingTissue, "tissue change"),
];

/// The distinct PART/TART findings affirmed, with a span of each.
fn findings(r: &Reading, pain_counts: bool) -> Vec<(&'static str, (usize, usize))> {
    let mut out = Vec::new();
    for (cue, name) in FINDINGS {
        let first = r.cues_of(cue, NOW).next().map(span).or_else(|| {
            (pain_counts && cue == Cue::FindingTenderness)
                .then(|| r.cues_of(Cue::PainWord, NOW).next().map(span))
                .flatten()
        });
        if let Some(s) = first {
            out.push((name, s));
        }
    }
    out
}

/// A subluxation by X-ray (named in an imaging statement) or by PART
/// findings (at least the limit, of four).
fn subluxation(r: &Reading, limit: &Limit) -> ElementReading {
    let need = match limit {
        Limit::Number(n) => *n as usize,
        _ => 2,
    };
    let imaging = imaging_sentences(r);
    if let Some(x) = r
        .cues_of(Cue::Subluxation, NOW)
        .find(|c| imaging[c.sentence])
    {
        return met(vec![span(x)], "a subluxation on imaging");
    }
    let part = findings(r, true);
    let names: Vec<&str> = part.iter().map(|p| p.0).collect();
    let spans = part.iter().map(|p| p.1).collect();
    match part.len() {
        0 => missing("no subluxation by X-ray and no PART findings are documented"),
        n if n >= need => met(spans, format!("PART: {}", names.join(", "))),
        _ => not_met(
            spans,
            format!("PART: {} ({need} of 4 needed)", names.join(", ")),
        ),
    }
}

fn active_treatment(r: &Reading) -> ElementReading {
    let m: Vec<(usize, usize)> = r.cues_of(Cue::Maintenance, NOW).map(span).collect();
    if m.is_empty() {
        met(Vec::new(), "no maintenance care is documented")
    } else {
        not_met(m, "the care is documented as maintenance")
    }
}

fn tart_findings(r: &Reading) -> ElementReading {
    let f = findings(r, false);
    if f.is_empty() {
        return missing("no TART findings are documented");
    }
    let names: Vec<&str> = f.iter().map(|x| x.0).collect();
    met(
        f.iter().map(|x| x.1).collect(),
        format!("TART: {}", names.join(", ")),
    )
}

/// The body regions named in statements of somatic dysfunction or of
/// TART findings, against the range the code is for.
fn regions_treated(r: &Reading, cpt: &Cpt) -> ElementReading {
    let kinds = [
        Cue::SomaticDysfunction,
        Cue::FindingTenderness,
        Cue::FindingAsymmetry,
        Cue::FindingMotion,
        Cue::FindingTissue,
    ];
    let mut sentences: Vec<usize> = r
        .cues
        .iter()
        .filter(|c| kinds.contains(&c.what.0) && c.what.1 == Label::Affirmed)
        .map(|c| c.sentence)
        .collect();
    sentences.dedup();
    let mut seen = [false; BODY_REGIONS.len()];
    let mut spans = Vec::new();
    for c in r
        .cues
        .iter()
        .filter(|c| sentences.binary_search(&c.sentence).is_ok())
    {
        if let Cue::Body(i) = c.what.0 {
            if !seen[i as usize] {
                seen[i as usize] = true;
                spans.push(span(c));
            }
        }
    }
    let n = seen.iter().filter(|s| **s).count() as u32;
    match cpt.regions {
        _ if n == 0 => missing("no body region of somatic dysfunction is documented"),
        Some((lo, hi)) if n < lo || n > hi => not_met(
            spans,
            format!("{n} region(s) documented; {} is for {lo}-{hi}", cpt.code),
        ),
        _ => met(spans, format!("{n} region(s) documented")),
    }
}

/// Advanced imaging is indicated by radiographs done first, or by
/// radicular, myelopathic or red-flag findings.
fn imaging_indicated(r: &Reading) -> ElementReading {
    if let Some(x) = r.terms(|_, n| n == "imaging_radiograph", DONE).next() {
        return met(vec![(x.0, x.1)], "radiographs were done first");
    }
    let mut spans: Vec<(usize, usize)> = r
        .terms(
            |_, n| matches!(n, "radiculopathy" | "myelopathy") || RED_FLAG_CONCEPTS.contains(&n),
            SUSPECTED,
        )
        .map(|t| (t.0, t.1))
        .collect();
    spans.extend(
        r.cues
            .iter()
            .filter(|c| {
                matches!(c.what.0, Cue::Radicular | Cue::RedFlag) && SUSPECTED.contains(&c.what.1)
            })
            .map(span),
    );
    spans.sort_unstable();
    if spans.is_empty() {
        missing("no prior radiographs and no radicular or red-flag findings are documented")
    } else {
        met(spans, "radicular or red-flag findings are documented")
    }
}
