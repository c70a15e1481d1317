//! The decision procedure of DOMAIN.md: from the analysis of a note to one
//! of seven verdicts, the codes, the element checklist, a support score and
//! the documentation gaps.
//!
//! Order (first match wins): a row of the more-specific table
//! (`more_specific.tsv`) affirmed at C7-T1 → `more_specific`; an M53.8-type
//! dorsopathy affirmed at C7-T1 → `supported`; a dorsopathy at another
//! region only → `other_region` (with its M53.8x sibling, unless a row's
//! condition is affirmed at the same segment); a dorsopathy with no region →
//! `unspecified_region`; pain only → `pain_only`; C7-T1 named with nothing
//! affirmed there → `insufficient`; otherwise `not_relevant`. Only affirmed
//! findings (current, about the patient, not negated, uncertain or
//! hypothetical) count; a finding with no level of its own counts at C7-T1
//! when the note names C7-T1 and does not place its findings elsewhere.

use crate::analysis::{Analysis, Analyzer, Term, TermKind};
use crate::context::assertion::Label;
use crate::find::levels::LevelKind;
use crate::lexicon::{ConceptCategory, SectionKind};
use crate::spine::Region;
use crate::text::{contains_word_ignore_ascii_case, starts_with_ignore_ascii_case};
use serde::Serialize;

pub use crate::lexicon::ELEMENTS;

/// Weight of each element in the 0-100 support score for M53.83.
const WEIGHTS: [u32; 7] = [25, 25, 10, 10, 10, 10, 10];

/// Highest score a note can get when its verdict is not `supported`.
const UNSUPPORTED_CAP: u32 = 40;

/// The seven verdicts.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Elements 1-2 present, nothing more specific applies: M53.83.
    Supported,
    /// A row of the more-specific table applies.
    MoreSpecific,
    /// The dorsopathy is documented at another region only.
    OtherRegion,
    /// A dorsopathy is documented with no region: M53.80.
    UnspecifiedRegion,
    /// Only pain, no structural diagnosis: M54.2 / M54.6.
    PainOnly,
    /// The region is named but no distinct pathology is.
    Insufficient,
    /// Nothing about the spine.
    NotRelevant,
}

impl Verdict {
    /// Every verdict, in DOMAIN.md order.
    pub const ALL: [Verdict; 7] = [
        Verdict::Supported,
        Verdict::MoreSpecific,
        Verdict::OtherRegion,
        Verdict::UnspecifiedRegion,
        Verdict::PainOnly,
        Verdict::Insufficient,
        Verdict::NotRelevant,
    ];

    /// Snake-case name.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Supported => "supported",
            Verdict::MoreSpecific => "more_specific",
            Verdict::OtherRegion => "other_region",
            Verdict::UnspecifiedRegion => "unspecified_region",
            Verdict::PainOnly => "pain_only",
            Verdict::Insufficient => "insufficient",
            Verdict::NotRelevant => "not_relevant",
        }
    }

    /// Parses a snake-case name.
    pub fn parse(s: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.name() == s)
    }
}

/// State of a checklist element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Documented.
    Present,
    /// Not documented.
    Absent,
    /// Contradicted: the pathology is negated/uncertain/historical, or the
    /// exclusion is contradicted by an affirmed finding, or care is denied.
    Negated,
    /// (Region only) a region other than C7-T1.
    Other,
}

/// One checklist element: its status and the terms that show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// Status.
    pub status: Status,
    /// Indices into [`Analysis::terms`].
    pub terms: Vec<usize>,
}

impl Element {
    fn new(status: Status, terms: Vec<usize>) -> Self {
        Element { status, terms }
    }
}

/// A documentation gap and the query to send the provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Gap {
    /// The element that is missing.
    pub element: String,
    /// What is missing, in one sentence.
    pub reason: String,
    /// The CDI query text.
    pub query: String,
}

/// The decision for one note.
#[derive(Debug, Clone)]
pub struct Decision {
    /// The verdict.
    pub verdict: Verdict,
    /// Codes the documentation supports.
    pub codes: Vec<String>,
    /// 0-100 support for M53.83.
    pub score: u8,
    /// Elements in [`ELEMENTS`] order.
    pub checklist: Vec<Element>,
    /// Documentation gaps.
    pub gaps: Vec<Gap>,
    /// The reason for the verdict, in one sentence.
    pub reason: String,
    /// Terms that decided the verdict (indices into [`Analysis::terms`]).
    pub deciding: Vec<usize>,
    /// Notes for the coder that do not change the verdict.
    pub notes: Vec<String>,
}

/// The region an element is judged at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Audited {
    C7T1,
    Region(Region),
    Anywhere,
}

struct Ctx<'a> {
    an: &'a Analyzer,
    a: &'a Analysis,
    /// Unplaced affirmed findings count at C7-T1.
    unplaced_to_ct: bool,
}

impl<'a> Ctx<'a> {
    fn concept(&self, t: &Term) -> Option<(&'a str, ConceptCategory)> {
        match t.kind {
            TermKind::Concept(i) => {
                let c = &self.an.lexicons.concepts[i];
                Some((c.concept.as_str(), c.category))
            }
            TermKind::Level(_) => None,
        }
    }
    fn section(&self, t: &Term) -> SectionKind {
        self.a
            .sections
            .get(t.sentence)
            .map_or(SectionKind::None, |s| s.kind)
    }
    fn is_title(&self, t: &Term) -> bool {
        self.a.sections.get(t.sentence).is_some_and(|s| s.title)
    }
    fn at_ct(&self, t: &Term) -> bool {
        t.placement.at_c7_t1() || (!t.placement.is_placed() && self.unplaced_to_ct)
    }
    fn at(&self, t: &Term, r: Audited) -> bool {
        match r {
            Audited::C7T1 => self.at_ct(t),
            Audited::Region(reg) => t.placement.regions.contains(reg) || !t.placement.is_placed(),
            Audited::Anywhere => true,
        }
    }
    fn sentence_text(&self, t: &Term) -> &'a str {
        let r = self.a.sentences.get(t.sentence).cloned().unwrap_or(0..0);
        &self.a.norm.flat[r]
    }
    /// Terms of a category, with index.
    fn terms(
        &self,
        pred: impl Fn(&str, ConceptCategory) -> bool + 'a,
    ) -> impl Iterator<Item = (usize, &'a Term)> + 'a {
        let an = self.an;
        self.a
            .terms
            .iter()
            .enumerate()
            .filter(move |(_, t)| match t.kind {
                TermKind::Concept(i) => {
                    let c = &an.lexicons.concepts[i];
                    pred(&c.concept, c.category)
                }
                TermKind::Level(_) => false,
            })
    }
}

fn region_of_pain(concept: &str) -> Option<Region> {
    match concept {
        "pain_cervical" => Some(Region::Cervical),
        "pain_thoracic" => Some(Region::Thoracic),
        "pain_lumbar" => Some(Region::Lumbar),
        _ => None,
    }
}

fn is_disc_exclusion_concept(c: &str) -> bool {
    matches!(c, "disc_herniation" | "disc_degeneration")
}

fn is_neuro(c: &str) -> bool {
    matches!(c, "radiculopathy" | "myelopathy")
}

/// Decides one analysed note.
pub fn decide(an: &Analyzer, a: &Analysis) -> Decision {
    let mut ctx = Ctx {
        an,
        a,
        unplaced_to_ct: false,
    };
    let lex = &an.lexicons;
    // C7-T1 named (not only as a dermatome/myotome, single vertebra or in a
    // relative's history).
    let ct_mentions: Vec<usize> = a
        .terms
        .iter()
        .enumerate()
        .filter(|(_, t)| match &t.kind {
            TermKind::Level(m) => {
                m.covers_c7_t1()
                    && !m.landmark
                    && m.kind != LevelKind::Single
                    && t.label() != Label::Family
            }
            _ => false,
        })
        .map(|(i, _)| i)
        .collect();
    let ct_named = !ct_mentions.is_empty();
    let affirmed = |t: &Term| t.label() == Label::Affirmed;
    let pathology: Vec<(usize, &Term, &str, ConceptCategory)> = ctx
        .terms(|_, cat| cat.is_pathology())
        .map(|(i, t)| {
            let (c, cat) = ctx.concept(t).unwrap();
            (i, t, c, cat)
        })
        .collect();
    let placed_at_ct = pathology
        .iter()
        .any(|(_, t, _, _)| affirmed(t) && t.placement.at_c7_t1());
    let placed_away = pathology
        .iter()
        .any(|(_, t, _, _)| affirmed(t) && t.placement.is_placed() && !t.placement.at_c7_t1());
    ctx.unplaced_to_ct = ct_named && (placed_at_ct || !placed_away);

    // The reason for a study or visit is not a finding: a condition stated
    // there ("INDICATION: C7-T1 disc herniation", a report's "HISTORY:
    // known C7-T1 herniation") that the note negates elsewhere at the place
    // being judged (`here`: "No herniation") does not count.
    let is_reason = |t: &Term| {
        matches!(
            ctx.section(t),
            SectionKind::Indication | SectionKind::ChiefComplaint | SectionKind::History
        )
    };
    let reason_only = |t: &Term, c: &str, here: &dyn Fn(&Term) -> bool| {
        is_reason(t)
            && pathology.iter().any(|(_, o, oc, _)| {
                *oc == c && o.label() == Label::Negated && here(o) && !is_reason(o)
            })
    };
    let at_ct: Vec<(usize, &str, ConceptCategory)> = pathology
        .iter()
        .filter(|(_, t, c, _)| affirmed(t) && ctx.at_ct(t) && !reason_only(t, c, &|o| ctx.at_ct(o)))
        .map(|(i, _, c, cat)| (*i, *c, *cat))
        .collect();
    let has = |c: &str| at_ct.iter().any(|(_, x, _)| *x == c);

    let mut codes: Vec<String> = Vec::new();
    let mut deciding: Vec<usize> = Vec::new();
    let mut reasons: Vec<String> = Vec::new();
    for row in &lex.table {
        let when = row.when.iter().any(|c| has(c));
        let with = row.with.is_empty() || row.with.iter().any(|c| has(c));
        let unless = row.unless.iter().any(|c| has(c));
        if when && with && !unless {
            if !codes.contains(&row.code) {
                codes.push(row.code.clone());
                reasons.push(row.description.clone());
            }
            for (i, c, _) in &at_ct {
                if row.when.iter().any(|w| w == c) || row.with.iter().any(|w| w == c) {
                    deciding.push(*i);
                }
            }
        }
    }
    let prefer_diagnostic = |ts: &mut Vec<usize>| {
        ts.sort_by_key(|&i| (!ctx.section(&a.terms[i]).is_diagnostic(), a.terms[i].start));
    };
    let dorsopathy_ct: Vec<usize> = at_ct
        .iter()
        .filter(|(_, _, cat)| *cat == ConceptCategory::Dorsopathy)
        .map(|(i, _, _)| *i)
        .collect();
    // Affirmed findings not at C7-T1: dorsopathies or other findings, with
    // or without a level of their own.
    let not_at_ct = |dorsopathy: bool, placed: bool| -> Vec<usize> {
        pathology
            .iter()
            .filter(|(_, t, _, cat)| {
                (*cat == ConceptCategory::Dorsopathy) == dorsopathy
                    && affirmed(t)
                    && t.placement.is_placed() == placed
                    && !ctx.at_ct(t)
            })
            .map(|(i, ..)| *i)
            .collect()
    };
    let mut dors_away = not_at_ct(true, true);
    prefer_diagnostic(&mut dors_away);
    let dors_unplaced = not_at_ct(true, false);
    let mut pains: Vec<usize> = ctx
        .terms(|_, cat| cat == ConceptCategory::Pain)
        .filter(|(_, t)| affirmed(t))
        .map(|(i, _)| i)
        .collect();
    prefer_diagnostic(&mut pains);
    let structural_away = not_at_ct(false, true);

    let name_of =
        |i: usize| -> String { a.norm.flat[a.terms[i].start..a.terms[i].end].to_ascii_lowercase() };
    let region_of_term = |i: usize| -> Option<Region> {
        let t = &a.terms[i];
        t.placement
            .regions
            .iter()
            .find(|r| *r != Region::Cervicothoracic)
            .or_else(|| ctx.concept(t).and_then(|(c, _)| region_of_pain(c)))
    };

    let verdict;
    let reason;
    let mut region_status;
    if !codes.is_empty() {
        verdict = Verdict::MoreSpecific;
        reason = format!(
            "{} is affirmed at the cervicothoracic level, which pre-empts M53.83 ({}).",
            capitalize(&reasons.join("; ")),
            codes.join(", ")
        );
        region_status = Status::Present;
    } else if !dorsopathy_ct.is_empty() {
        verdict = Verdict::Supported;
        codes.push(
            lex.region_code(Region::Cervicothoracic)
                .map_or("M53.83".into(), |r| r.m53_code.clone()),
        );
        let mut d = dorsopathy_ct.clone();
        prefer_diagnostic(&mut d);
        reason = format!(
            "An other specified dorsopathy ({}) is affirmed at C7-T1 and no more specific condition applies.",
            name_of(d[0])
        );
        deciding.extend(d);
        region_status = Status::Present;
    } else if let Some(&first) = dors_away.first() {
        verdict = Verdict::OtherRegion;
        let region = region_of_term(first).unwrap_or(Region::Unspecified);
        let label = lex
            .region_code(region)
            .map_or("other", |r| r.label.as_str());
        // M53.8x is residual at every level: a condition of the decision
        // table affirmed at the same motion segment (or, where neither
        // names a segment, in the same region) leaves no sibling code to
        // suggest. Another segment of the region does not: a disc bulge at
        // C4-5 leaves a C6-7 dorsopathy its M53.82.
        let place = &a.terms[first].placement;
        let specific = structural_away.iter().copied().find(|&i| {
            let p = &a.terms[i].placement;
            let same_place = if place.segments != 0 || p.segments != 0 {
                place.segments & p.segments != 0
            } else {
                p.regions == place.regions
            };
            same_place
                && ctx.concept(&a.terms[i]).is_some_and(|(c, _)| {
                    lex.table.iter().any(|row| row.when.iter().any(|w| w == c))
                        && !reason_only(&a.terms[i], c, &|o| ctx.at(o, Audited::Region(region)))
                })
        });
        match specific {
            Some(i) => {
                reason = format!(
                    "The dorsopathy ({}) is documented at the {label} region, not at C7-T1; a more specific condition ({}) is documented there too, so no M53.8x code applies.",
                    name_of(first),
                    name_of(i)
                );
                deciding.extend([first, i]);
            }
            None => {
                codes.extend(lex.region_code(region).map(|rc| rc.m53_code.clone()));
                reason = format!(
                    "The dorsopathy ({}) is documented at the {label} region, not at C7-T1.",
                    name_of(first)
                );
                deciding.push(first);
            }
        }
        region_status = Status::Other;
    } else if let Some(&first) = dors_unplaced.first() {
        // A region stated for the complaint elsewhere in the note gives the site.
        let elsewhere = pains
            .iter()
            .chain(structural_away.iter())
            .find_map(|&i| region_of_term(i).map(|r| (i, r)));
        match elsewhere {
            Some((i, region)) => {
                verdict = Verdict::OtherRegion;
                if let Some(rc) = lex.region_code(region) {
                    codes.push(rc.m53_code.clone());
                }
                reason = format!(
                    "The dorsopathy ({}) has no level of its own; the complaint is documented at the {} region.",
                    name_of(first),
                    lex.region_code(region).map_or("other", |r| r.label.as_str())
                );
                deciding.extend([first, i]);
                region_status = Status::Other;
            }
            None => {
                verdict = Verdict::UnspecifiedRegion;
                codes.push(
                    lex.region_code(Region::Unspecified)
                        .map_or("M53.80".into(), |r| r.m53_code.clone()),
                );
                reason = format!(
                    "A dorsopathy ({}) is documented without any spinal level or region.",
                    name_of(first)
                );
                deciding.push(first);
                region_status = Status::Absent;
            }
        }
    } else if let Some(&first) = pains.first() {
        verdict = Verdict::PainOnly;
        let t = &a.terms[first];
        let (concept, _) = ctx.concept(t).unwrap();
        let code = match concept {
            "pain_cervical" => Some("M54.2".to_string()),
            "pain_thoracic" => Some("M54.6".to_string()),
            _ => {
                let region = t
                    .placement
                    .regions
                    .iter()
                    .next()
                    .or_else(|| region_of_pain(concept));
                region
                    .and_then(|r| lex.region_code(r))
                    .and_then(|r| r.pain_code.clone())
            }
        };
        codes.extend(code);
        reason = format!(
            "Only pain is documented ({}), with no affirmed structural diagnosis.",
            name_of(first)
        );
        deciding.push(first);
        region_status = if pains.iter().any(|&i| a.terms[i].placement.at_c7_t1()) {
            Status::Present
        } else {
            Status::Other
        };
    } else if let Some(&first) = structural_away.first() {
        verdict = Verdict::OtherRegion;
        reason = format!(
            "A spinal condition ({}) is documented at another region only; it is not an other specified dorsopathy.",
            name_of(first)
        );
        deciding.push(first);
        region_status = Status::Other;
    } else if ct_named {
        verdict = Verdict::Insufficient;
        reason = "C7-T1 is named, but no current pathology or pain diagnosis is documented there."
            .into();
        deciding.extend(ct_mentions.iter().copied());
        region_status = Status::Present;
    } else {
        verdict = Verdict::NotRelevant;
        reason = "Nothing affirmed about the patient's spine.".into();
        region_status = Status::Absent;
    }
    if verdict == Verdict::NotRelevant && ct_named {
        region_status = Status::Present;
    }
    deciding.sort_unstable();
    deciding.dedup();

    let audited = match region_status {
        Status::Present => Audited::C7T1,
        Status::Other => deciding
            .first()
            .and_then(|&i| region_of_term(i))
            .map_or(Audited::Anywhere, Audited::Region),
        _ => Audited::Anywhere,
    };
    let relevant = verdict != Verdict::NotRelevant;

    // Element 2: pathology.
    let pathology_el = match verdict {
        Verdict::Supported
        | Verdict::MoreSpecific
        | Verdict::OtherRegion
        | Verdict::UnspecifiedRegion
            if !(verdict == Verdict::OtherRegion
                && dors_away.is_empty()
                && dors_unplaced.is_empty()) =>
        {
            Element::new(Status::Present, deciding.clone())
        }
        _ => {
            let denied: Vec<usize> = pathology
                .iter()
                .filter(|(_, t, _, _)| {
                    !affirmed(t) && t.label() != Label::Family && ctx.at(t, audited)
                })
                .map(|(i, ..)| *i)
                .collect();
            if denied.is_empty() {
                Element::new(Status::Absent, vec![])
            } else {
                Element::new(Status::Negated, denied)
            }
        }
    };

    // Elements 3-4: exclusions. A negation that names only the cervical or
    // thoracic spine, no level ("no cervical radiculopathy"), rules the
    // finding out at C7-T1 too.
    let broadly_at_ct = |t: &Term| {
        audited == Audited::C7T1
            && t.placement.segments == 0
            && t.placement.regions.iter().all(|r| {
                matches!(
                    r,
                    Region::Cervical | Region::Cervicothoracic | Region::Thoracic
                )
            })
    };
    let exclusion = |is_target: &dyn Fn(&str) -> bool, blocks: &dyn Fn(&str) -> bool| -> Element {
        let negated: Vec<usize> = ctx
            .terms(|_, _| true)
            .filter(|(_, t)| {
                let (c, _) = ctx.concept(t).unwrap();
                is_target(c)
                    && t.label() == Label::Negated
                    && (ctx.at(t, audited) || !t.placement.is_placed() || broadly_at_ct(t))
            })
            .map(|(i, _)| i)
            .collect();
        let blocking: Vec<usize> = ctx
            .terms(|_, _| true)
            .filter(|(_, t)| {
                let (c, _) = ctx.concept(t).unwrap();
                let sec = ctx.section(t);
                let counts = match t.label() {
                    Label::Affirmed => true,
                    Label::Uncertain => {
                        !matches!(sec, SectionKind::Indication | SectionKind::ChiefComplaint)
                    }
                    _ => false,
                };
                blocks(c)
                    && counts
                    && ctx.at(t, audited)
                    && !reason_only(t, c, &|o| ctx.at(o, audited))
            })
            .map(|(i, _)| i)
            .collect();
        if !blocking.is_empty() {
            Element::new(Status::Negated, blocking)
        } else if !negated.is_empty() {
            Element::new(Status::Present, negated)
        } else {
            Element::new(Status::Absent, vec![])
        }
    };
    let disc_el = exclusion(&is_disc_exclusion_concept, &|c| c.starts_with("disc_"));
    let neuro_el = exclusion(&is_neuro, &is_neuro);

    // Element 4: imaging with a result, of the spine.
    let words = &lex.scorer_words;
    let spinal_sentence = |t: &Term| -> bool {
        // Terms are sorted by start, so a sentence's terms are contiguous.
        let s = t.sentence;
        let lo = a.terms.partition_point(|o| o.sentence < s);
        let hi = a.terms.partition_point(|o| o.sentence <= s);
        a.terms[lo..hi].iter().any(|o| {
            o.sentence == s
                && match &o.kind {
                    TermKind::Level(m) => !m.landmark,
                    TermKind::Concept(i) => {
                        let cat = lex.concepts[*i].category;
                        cat.is_pathology()
                            || cat == ConceptCategory::Pain
                            || cat == ConceptCategory::Region
                    }
                }
        }) || {
            let st = ctx.sentence_text(t);
            words
                .spine_context
                .iter()
                .any(|w| contains_word_ignore_ascii_case(st, w))
        }
    };
    let imaging: Vec<usize> = ctx
        .terms(|_, cat| cat == ConceptCategory::Imaging)
        .filter(|(_, t)| {
            matches!(t.label(), Label::Affirmed | Label::Historical)
                && ctx.section(t) != SectionKind::Plan
                && spinal_sentence(t)
        })
        .map(|(i, _)| i)
        .collect();
    let imaging_el = if relevant && !imaging.is_empty() {
        Element::new(Status::Present, imaging)
    } else {
        Element::new(Status::Absent, vec![])
    };

    // Element 5a: chronicity of the spinal symptoms.
    let neuro_affirmed = pathology
        .iter()
        .any(|(_, t, c, _)| is_neuro(c) && affirmed(t));
    let chronic: Vec<usize> = ctx
        .terms(|_, cat| cat == ConceptCategory::Chronicity)
        .filter(|(_, t)| {
            if !matches!(t.label(), Label::Affirmed | Label::Historical) {
                return false;
            }
            let (c, _) = ctx.concept(t).unwrap();
            let after = a.norm.flat[t.end..].trim_start();
            if words
                .dates_procedure
                .iter()
                .any(|w| starts_with_ignore_ascii_case(after, w))
            {
                return false;
            }
            if c == "onset" {
                return true;
            }
            let st = ctx.sentence_text(t);
            spinal_sentence(t)
                || words
                    .symptom_site
                    .iter()
                    .any(|w| contains_word_ignore_ascii_case(st, w))
                || (neuro_affirmed
                    && words
                        .neuro_symptom
                        .iter()
                        .any(|w| contains_word_ignore_ascii_case(st, w)))
        })
        .map(|(i, _)| i)
        .collect();
    let chronic_el = if relevant && !chronic.is_empty() {
        Element::new(Status::Present, chronic)
    } else {
        Element::new(Status::Absent, vec![])
    };

    // Element 5b: conservative care already tried or ongoing.
    let mut care_denied = Vec::new();
    let care: Vec<usize> = ctx
        .terms(|_, cat| cat == ConceptCategory::Care)
        .filter(|(i, t)| {
            let sec = ctx.section(t);
            if ctx.is_title(t)
                || matches!(
                    sec,
                    SectionKind::Medications
                        | SectionKind::Procedure
                        | SectionKind::Allergies
                        | SectionKind::FamilyHistory
                        | SectionKind::SocialHistory
                )
            {
                return false;
            }
            match t.label() {
                Label::Affirmed | Label::Historical => {}
                Label::Negated => {
                    care_denied.push(*i);
                    return false;
                }
                _ => return false,
            }
            if sec.is_plan() {
                let st = ctx.sentence_text(t);
                return words
                    .ongoing_care
                    .iter()
                    .any(|w| contains_word_ignore_ascii_case(st, w));
            }
            true
        })
        .map(|(i, _)| i)
        .collect();
    let care_el = if relevant && !care.is_empty() {
        Element::new(Status::Present, care)
    } else if relevant && !care_denied.is_empty() {
        Element::new(Status::Negated, care_denied)
    } else {
        Element::new(Status::Absent, vec![])
    };

    let region_terms: Vec<usize> = match region_status {
        Status::Present => ct_mentions.clone(),
        Status::Other => deciding.clone(),
        _ => vec![],
    };
    let checklist = vec![
        Element::new(region_status, region_terms),
        pathology_el,
        disc_el,
        neuro_el,
        imaging_el,
        chronic_el,
        care_el,
    ];

    // Score: support for M53.83.
    let mut score: u32 = 0;
    for (k, el) in checklist.iter().enumerate() {
        let counts = match k {
            0 => el.status == Status::Present,
            1 => !dorsopathy_ct.is_empty(),
            _ => el.status == Status::Present,
        };
        if counts {
            score += WEIGHTS[k];
        }
    }
    if verdict != Verdict::Supported {
        score = score.min(UNSUPPORTED_CAP);
    }

    // Gaps.
    let mut gaps = Vec::new();
    let mut gap = |el: &str, why: String| {
        gaps.push(Gap {
            element: el.to_string(),
            reason: why,
            query: lex.gap_query(el).unwrap_or_default().to_string(),
        });
    };
    match verdict {
        Verdict::Supported => {
            let why = [
                (
                    2,
                    "disc_excluded",
                    "No exclusion of disc pathology at C7-T1 is documented.",
                ),
                (
                    3,
                    "neuro_excluded",
                    "No exclusion of radiculopathy or myelopathy at C7-T1 is documented.",
                ),
                (
                    4,
                    "imaging",
                    "No spine imaging with its result is documented.",
                ),
                (
                    5,
                    "chronicity",
                    "No duration or onset of the spinal symptoms is documented.",
                ),
                (
                    6,
                    "conservative_care",
                    "No conservative care already tried is documented.",
                ),
            ];
            for (k, el, w) in why {
                if checklist[k].status != Status::Present {
                    gap(el, w.to_string());
                }
            }
        }
        Verdict::UnspecifiedRegion => gap(
            "region",
            "The dorsopathy is documented without a spinal level or region.".into(),
        ),
        Verdict::Insufficient => gap(
            "pathology",
            "C7-T1 is named but no current pathology (or pain diagnosis) is documented there."
                .into(),
        ),
        Verdict::PainOnly => gap(
            "pathology",
            "Only pain is documented; no structural diagnosis is named.".into(),
        ),
        _ => {}
    }

    let mut notes = Vec::new();
    if pathology
        .iter()
        .any(|(_, t, c, _)| *c == "segmental_dysfunction" && affirmed(t))
    {
        notes.push(
            "Segmental/somatic dysfunction is documented: M99.0- may also apply (it has no cervicothoracic site)."
                .to_string(),
        );
    }

    Decision {
        verdict,
        codes,
        score: score as u8,
        checklist,
        gaps,
        reason,
        deciding,
        notes,
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
