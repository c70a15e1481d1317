//! The checklist of DOMAIN.md's five elements ("What the chart must show
//! for M53.83"), judged at the place the verdict speaks of: C7-T1, the
//! other region of an `other_region` note, or anywhere.

use super::evidence::{affirmed, Audited, Evidence};
use super::verdict::Choice;
use super::{Element, Status, Verdict};
use crate::analysis::Term;
use crate::context::assertion::Label;
use crate::lexicon::{ConceptCategory, SectionKind};
use crate::spine::Region;
use crate::text::{contains_word_ignore_ascii_case, starts_with_ignore_ascii_case};

/// The elements in [`crate::lexicon::ELEMENTS`] order.
pub(super) fn build(ev: &Evidence, choice: &Choice) -> Vec<Element> {
    let audited = audited_place(ev, choice);
    let relevant = choice.verdict != Verdict::NotRelevant;
    vec![
        region(ev, choice),
        pathology(ev, choice, audited),
        exclusion(ev, audited, &is_disc_exclusion_concept, &|c| {
            c.starts_with("disc_")
        }),
        exclusion(ev, audited, &is_neuro, &is_neuro),
        imaging(ev, relevant),
        chronicity(ev, relevant),
        care(ev, relevant),
    ]
}

/// Where the elements are judged: C7-T1 when the region is present, the
/// deciding term's region when it is another, else anywhere.
fn audited_place(ev: &Evidence, choice: &Choice) -> Audited {
    match choice.region {
        Status::Present => Audited::C7T1,
        Status::Other => choice
            .deciding
            .first()
            .and_then(|&i| ev.region_of_term(i))
            .map_or(Audited::Anywhere, Audited::Region),
        _ => Audited::Anywhere,
    }
}

/// Element 1: "Region named explicitly: cervicothoracic junction or C7-T1"
/// (`other` when the verdict is about another region).
fn region(ev: &Evidence, choice: &Choice) -> Element {
    let terms = match choice.region {
        Status::Present => ev.ct_mentions.clone(),
        Status::Other => choice.deciding.clone(),
        _ => vec![],
    };
    Element::new(choice.region, terms)
}

/// Element 2: "A distinct structural pathology at that segment, named by
/// the provider". When the verdict names none, a pathology that is there
/// but negated, uncertain or historical makes the element `negated`.
fn pathology(ev: &Evidence, choice: &Choice, audited: Audited) -> Element {
    if choice.pathology_named {
        return Element::new(Status::Present, choice.deciding.clone());
    }
    let denied: Vec<usize> = ev
        .pathology
        .iter()
        .filter(|f| !affirmed(f.t) && f.t.label() != Label::Family && ev.at(f.t, audited))
        .map(|f| f.i)
        .collect();
    if denied.is_empty() {
        Element::new(Status::Absent, vec![])
    } else {
        Element::new(Status::Negated, denied)
    }
}

fn is_disc_exclusion_concept(c: &str) -> bool {
    matches!(c, "disc_herniation" | "disc_degeneration")
}

/// The neurological conditions of element 3's second half.
pub(super) fn is_neuro(c: &str) -> bool {
    matches!(c, "radiculopathy" | "myelopathy")
}

/// Element 3: "Exclusion of disc pathology: MRI or exam rules out
/// herniation, degeneration, radiculopathy at this level". DOMAIN.md: "A
/// negated one is exactly the exclusion statement of element 3." A negation
/// that names only the cervical or thoracic spine, no level ("no cervical
/// radiculopathy"), rules the finding out at C7-T1 too; an affirmed (or,
/// outside the reason for the visit, uncertain) finding at the place
/// contradicts the exclusion.
fn exclusion(
    ev: &Evidence,
    audited: Audited,
    is_target: &dyn Fn(&str) -> bool,
    blocks: &dyn Fn(&str) -> bool,
) -> Element {
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
    let negated: Vec<usize> = ev
        .terms(|_, _| true)
        .filter(|(_, t)| {
            let (c, _) = ev.concept(t).expect("a concept term");
            is_target(c)
                && t.label() == Label::Negated
                && (ev.at(t, audited) || !t.placement.is_placed() || broadly_at_ct(t))
        })
        .map(|(i, _)| i)
        .collect();
    let blocking: Vec<usize> = ev
        .terms(|_, _| true)
        .filter(|(_, t)| {
            let (c, _) = ev.concept(t).expect("a concept term");
            let counts = match t.label() {
                Label::Affirmed => true,
                Label::Uncertain => !matches!(
                    ev.section(t),
                    SectionKind::Indication | SectionKind::ChiefComplaint
                ),
                _ => false,
            };
            blocks(c) && counts && ev.at(t, audited) && !ev.reason_only(t, c, audited)
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
}

/// Element 4: "Imaging support: study type, date, findings": a study of the
/// spine with its result, not one only planned.
fn imaging(ev: &Evidence, relevant: bool) -> Element {
    let imaging: Vec<usize> = ev
        .terms(|_, cat| cat == ConceptCategory::Imaging)
        .filter(|(_, t)| {
            matches!(t.label(), Label::Affirmed | Label::Historical)
                && ev.section(t) != SectionKind::Plan
                && ev.spinal_sentence(t)
        })
        .map(|(i, _)| i)
        .collect();
    present_if(relevant, imaging)
}

/// Element 5, first half: "Chronicity: symptom duration" of the spinal
/// symptoms (a duration after a procedure, "2 weeks s/p", is not one).
fn chronicity(ev: &Evidence, relevant: bool) -> Element {
    let words = &ev.lex.scorer_words;
    let neuro_affirmed = ev
        .pathology
        .iter()
        .any(|f| is_neuro(f.concept) && affirmed(f.t));
    let has_word =
        |st: &str, list: &[String]| list.iter().any(|w| contains_word_ignore_ascii_case(st, w));
    let chronic: Vec<usize> = ev
        .terms(|_, cat| cat == ConceptCategory::Chronicity)
        .filter(|(_, t)| {
            if !matches!(t.label(), Label::Affirmed | Label::Historical) {
                return false;
            }
            let (c, _) = ev.concept(t).expect("a concept term");
            let after = ev.a.norm.flat[t.end..].trim_start();
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
            let st = ev.sentence_text(t);
            ev.spinal_sentence(t)
                || has_word(st, &words.symptom_site)
                || (neuro_affirmed && has_word(st, &words.neuro_symptom))
        })
        .map(|(i, _)| i)
        .collect();
    present_if(relevant, chronic)
}

/// Element 5, second half: "prior physical therapy, injections,
/// medications": conservative care already tried or ongoing (in the plan
/// only when it continues or resumes); care the note denies makes the
/// element `negated`.
fn care(ev: &Evidence, relevant: bool) -> Element {
    let mut denied = Vec::new();
    let care: Vec<usize> = ev
        .terms(|_, cat| cat == ConceptCategory::Care)
        .filter(|(i, t)| {
            let sec = ev.section(t);
            if ev.is_title(t) || !counts_for_care(sec) {
                return false;
            }
            match t.label() {
                Label::Affirmed | Label::Historical => {}
                Label::Negated => {
                    denied.push(*i);
                    return false;
                }
                _ => return false,
            }
            if sec.is_plan() {
                let st = ev.sentence_text(t);
                return ev
                    .lex
                    .scorer_words
                    .ongoing_care
                    .iter()
                    .any(|w| contains_word_ignore_ascii_case(st, w));
            }
            true
        })
        .map(|(i, _)| i)
        .collect();
    if relevant && !care.is_empty() {
        Element::new(Status::Present, care)
    } else if relevant && !denied.is_empty() {
        Element::new(Status::Negated, denied)
    } else {
        Element::new(Status::Absent, vec![])
    }
}

/// Sections whose care terms are not care tried for this condition (a
/// medication list, a procedure note's own procedure, allergies, family
/// and social history).
fn counts_for_care(sec: SectionKind) -> bool {
    !matches!(
        sec,
        SectionKind::Medications
            | SectionKind::Procedure
            | SectionKind::Allergies
            | SectionKind::FamilyHistory
            | SectionKind::SocialHistory
    )
}

fn present_if(relevant: bool, terms: Vec<usize>) -> Element {
    if relevant && !terms.is_empty() {
        Element::new(Status::Present, terms)
    } else {
        Element::new(Status::Absent, vec![])
    }
}
