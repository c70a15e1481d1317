//! Which statements of a chart count (DOMAIN.md, "Reading a whole chart"):
//! each term gets its document and, where the chart says it does not
//! count, a discount with the reason. Findings that a higher authority
//! states otherwise are overruled: the provider's assessment over the rest
//! of the chart, an addendum or final read over what came before it, a
//! later provider note over an earlier one.

use super::{Analysis, Term, TermKind};
use crate::context::assertion::Label;
use crate::context::document::{Document, Documents};
use crate::context::statement::{Reading, Scan, StatementReader, Target};
use crate::lexicon::{ConceptCategory, DocKind, Lexicons, Role, Time};

/// Why a term does not count as a statement of the chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discount {
    /// An option of a template that is not selected.
    Unselected,
    /// An empty template field (`***`, `{Blank ...}`, `____`).
    Placeholder,
    /// A code or its description in an order, referral or billing field.
    CodeData,
    /// The patient's own account, or a triage reason, where the provider
    /// assesses the patient.
    Reported,
    /// A level or region word describing a non-spinal structure.
    NonSpinal,
    /// A preliminary read that a final read replaces.
    Preliminary,
    /// Stated otherwise by a higher authority: the byte where that
    /// statement starts (the provider's assessment, an addendum, a final
    /// read, a later provider note).
    Overruled(usize),
}

impl Discount {
    /// Short machine name, for records.
    pub fn name(self) -> &'static str {
        match self {
            Discount::Unselected => "unselected_option",
            Discount::Placeholder => "empty_field",
            Discount::CodeData => "code_not_documentation",
            Discount::Reported => "patient_reported",
            Discount::NonSpinal => "not_spinal",
            Discount::Preliminary => "superseded_preliminary",
            Discount::Overruled(_) => "overruled",
        }
    }

    /// The reason in words, for reports.
    pub fn reason(self) -> &'static str {
        match self {
            Discount::Unselected => "an unselected template option says nothing",
            Discount::Placeholder => "an unexpanded template field says nothing",
            Discount::CodeData => {
                "a code in an order or billing field is claim data, not documentation"
            }
            Discount::Reported => "the patient's own account; the provider's assessment decides",
            Discount::NonSpinal => "describes a structure other than the spine",
            Discount::Preliminary => "preliminary read superseded by the final report",
            Discount::Overruled(_) => {
                "stated otherwise by the provider's assessment or a later signed statement"
            }
        }
    }
}

/// Reads the chart around each term: its document, template and code
/// fields, patient reports, list status, look-alikes, then authority.
pub(super) fn read_chart(
    lex: &Lexicons,
    reader: &StatementReader,
    scan: &Scan,
    docs: &Documents,
    a: &mut Analysis,
) {
    // Plain prose in documents that all speak with the provider's current
    // voice: every term is read as ConText read it (no reading, no
    // discount); only its document is set.
    if scan.is_plain() && docs.docs.iter().all(is_neutral) {
        set_documents(docs, a);
        overrule(lex, docs, a);
        return;
    }
    let provider_assesses = a.terms.iter().any(|t| provider_assessment(docs, a, t));
    let last_final = docs.last_start(Time::Final);
    for k in 0..a.terms.len() {
        let (cat, is_place) = category(lex, &a.terms[k]);
        let t = &a.terms[k];
        let doc = docs.at(t.start).clone();
        let sentence_start = a.sentences.get(t.sentence).map_or(0, |r| r.start);
        let diagnostic = in_diagnostic_section(a, t);
        // Dates, durations and qualifiers are read with the finding they
        // belong to; only findings, pains, care, imaging and places are read.
        let read_finding = cat.is_some_and(|c| {
            c.is_pathology()
                || matches!(
                    c,
                    ConceptCategory::Pain | ConceptCategory::Care | ConceptCategory::Imaging
                )
        });
        let reading = (read_finding || is_place).then(|| {
            reader.read(
                &a.norm.text,
                scan,
                Target {
                    start: t.start,
                    end: t.end,
                    sentence_start,
                    is_place,
                    diagnostic,
                },
            )
        });
        let pathology = cat.is_some_and(|c| c.is_pathology());
        let t = &mut a.terms[k];
        t.document = doc.index;
        t.discount = match reading.flatten() {
            Some(Reading::Unselected) => Some(Discount::Unselected),
            Some(Reading::Placeholder) => Some(Discount::Placeholder),
            Some(Reading::CodeData) => Some(Discount::CodeData),
            Some(Reading::NonSpinal) => Some(Discount::NonSpinal),
            Some(Reading::Reported) if pathology && provider_assesses => Some(Discount::Reported),
            Some(Reading::SelectedNo) => {
                t.assertion.negated = true;
                t.assertion.chart = Some("template: no");
                None
            }
            Some(Reading::StatusHistorical) => {
                t.assertion.historical = true;
                t.assertion.chart = Some("list status");
                None
            }
            _ => None,
        };
        if t.discount.is_some() {
            continue;
        }
        t.discount = match (doc.role, doc.time) {
            (Role::Billing, _) => Some(Discount::CodeData),
            (Role::Patient | Role::Nurse, _) if pathology && provider_assesses => {
                Some(Discount::Reported)
            }
            (_, Time::Preliminary) if last_final.is_some_and(|f| f > doc.start) => {
                Some(Discount::Preliminary)
            }
            _ => None,
        };
        if matches!(doc.time, Time::Copied | Time::Prior) && !t.assertion.historical {
            t.assertion.historical = true;
            t.assertion.chart = Some(if doc.kind == DocKind::Copied {
                "copied text"
            } else {
                "prior records"
            });
        }
    }
    overrule(lex, docs, a);
}

/// A document whose statements count as written: not billing, patient or
/// nurse, not preliminary, copied or prior.
fn is_neutral(d: &Document) -> bool {
    !matches!(d.role, Role::Billing | Role::Patient | Role::Nurse)
        && !matches!(d.time, Time::Preliminary | Time::Copied | Time::Prior)
}

/// Sets each term's document, in one walk over the terms and the
/// document spans (both in text order).
fn set_documents(docs: &Documents, a: &mut Analysis) {
    let mut spans = docs.spans.iter().peekable();
    for t in a.terms.iter_mut() {
        while spans.next_if(|(r, _)| r.end <= t.start).is_some() {}
        t.document = spans.peek().map_or(0, |(_, d)| docs.docs[*d].index);
    }
}

/// Is the term in a diagnostic section (assessment, impression, diagnosis)?
fn in_diagnostic_section(a: &Analysis, t: &Term) -> bool {
    a.sections
        .get(t.sentence)
        .is_some_and(|s| s.kind.is_diagnostic())
}

/// Is the term a provider's assessment: a diagnostic section of a
/// provider's, radiologist's or therapist's document?
fn provider_assessment(docs: &Documents, a: &Analysis, t: &Term) -> bool {
    is_provider(docs.at(t.start).role) && in_diagnostic_section(a, t)
}

fn is_provider(r: Role) -> bool {
    matches!(r, Role::Provider | Role::Radiologist | Role::Therapist)
}

/// The concept category of a term, and whether it names a place (a level
/// or a region word).
fn category(lex: &Lexicons, t: &Term) -> (Option<ConceptCategory>, bool) {
    match t.kind {
        TermKind::Concept(i) => {
            let c = lex.concepts[i].category;
            (Some(c), c == ConceptCategory::Region)
        }
        TermKind::Level(_) => (None, true),
    }
}

/// How much a statement weighs: (a diagnostic section of a provider's
/// document, the byte its document starts at, an addendum or final read).
/// A negation outranks an affirmation when it is in the assessment and the
/// affirmation is not, or when it is in a later addendum, final read or
/// provider assessment.
fn outranks(docs: &Documents, a: &Analysis, neg: &Term, aff: &Term) -> bool {
    let diag = |t: &Term| provider_assessment(docs, a, t);
    let (dn, da) = (docs.at(neg.start), docs.at(aff.start));
    let later_doc = dn.index != da.index && dn.start > da.start;
    let corrects = matches!(dn.time, Time::Addendum | Time::Final) || dn.kind == DocKind::Addendum;
    (diag(neg) && !diag(aff)) || (later_doc && (corrects || diag(neg)))
}

/// The most negations of one concept an affirmation is compared with.
const CANDIDATES: usize = 64;

/// Marks affirmed findings that a weightier statement negates at the same
/// place (or at no level) as overruled.
fn overrule(lex: &Lexicons, docs: &Documents, a: &mut Analysis) {
    let concept = |t: &Term| match t.kind {
        TermKind::Concept(i) if lex.concepts[i].category.is_pathology() => {
            Some(lex.concepts[i].concept.as_str())
        }
        _ => None,
    };
    // In one document only a negation in the provider's assessment can
    // outrank anything (see `outranks`).
    let one_document = docs.docs.len() == 1;
    let may_outrank = |t: &Term| !one_document || in_diagnostic_section(a, t);
    // Negations by concept (the last CANDIDATES of each).
    let mut negations: rustc_hash::FxHashMap<&str, Vec<usize>> = Default::default();
    for (k, t) in a.terms.iter().enumerate() {
        if !matches!(t.kind, TermKind::Concept(_)) || t.label() != Label::Negated || !may_outrank(t)
        {
            continue;
        }
        if let (Some(c), Label::Negated, None) = (concept(t), t.label(), t.discount) {
            let v = negations.entry(c).or_default();
            if v.len() == CANDIDATES {
                v.remove(0);
            }
            v.push(k);
        }
    }
    if negations.is_empty() {
        return;
    }
    let mut overruled = Vec::new();
    for (k, t) in a.terms.iter().enumerate() {
        let Some(c) = concept(t) else { continue };
        if t.label() != Label::Affirmed || t.discount.is_some() {
            continue;
        }
        let by = negations.get(&c).and_then(|ns| {
            ns.iter().copied().find(|&n| {
                let o = &a.terms[n];
                same_place(o, t) && outranks(docs, a, o, t)
            })
        });
        if let Some(n) = by {
            overruled.push((k, a.terms[n].start));
        }
    }
    for (k, by) in overruled {
        a.terms[k].discount = Some(Discount::Overruled(by));
    }
}

/// The negation speaks of the affirmation's place: it names no level, or
/// a level the affirmation is also placed at.
fn same_place(neg: &Term, aff: &Term) -> bool {
    let (n, f) = (&neg.placement, &aff.placement);
    !n.is_placed()
        || (!f.is_placed() && n.at_c7_t1())
        || (f.is_placed()
            && (n.segments & f.segments != 0 || n.regions.iter().any(|r| f.regions.contains(r))))
}
