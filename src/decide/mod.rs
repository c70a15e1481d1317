//! The decision procedure of DOMAIN.md: from the analysis of a note to one
//! of seven verdicts, the codes, the element checklist, a support score and
//! the documentation gaps. Read it beside DOMAIN.md, step by step:
//!
//! 1. [`evidence`]: what is documented, and what of it at C7-T1;
//! 2. [`verdict`]: the verdict order (the decision table, supported, other
//!    region, unspecified region, pain only, insufficient, not relevant);
//! 3. [`checklist`]: elements 1-5 at the place the verdict speaks of;
//! 4. the support score ([`score`]), the gaps ([`gaps`]) and the coder's
//!    notes.
//!
//! Only affirmed findings (current, about the patient, not negated,
//! uncertain or hypothetical) count.

mod checklist;
mod evidence;
mod gaps;
pub mod setting;
mod verdict;

use crate::analysis::{Analysis, Analyzer};
use evidence::{affirmed, Evidence};
use serde::Serialize;

pub use crate::lexicon::ELEMENTS;
pub use setting::Setting;

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

/// Decides one analysed note.
pub fn decide(an: &Analyzer, a: &Analysis) -> Decision {
    let ev = Evidence::gather(an, a);
    let choice = verdict::choose(&ev);
    let checklist = checklist::build(&ev, &choice);
    let score = score(&ev, choice.verdict, &checklist);
    let gaps = gaps::gaps(ev.lex, choice.verdict, &checklist);
    Decision {
        verdict: choice.verdict,
        codes: choice.codes,
        score,
        checklist,
        gaps,
        reason: choice.reason,
        deciding: choice.deciding,
        notes: coder_notes(&ev),
    }
}

/// The 0-100 support for M53.83: each element present adds its weight
/// ([`WEIGHTS`]; the pathology only when it is a dorsopathy at C7-T1); a
/// note whose verdict is not `supported` gets at most [`UNSUPPORTED_CAP`].
fn score(ev: &Evidence, verdict: Verdict, checklist: &[Element]) -> u8 {
    let dorsopathy_at_ct = !ev.dorsopathy_ct().is_empty();
    let mut score: u32 = 0;
    for (k, el) in checklist.iter().enumerate() {
        let counts = if k == 1 {
            dorsopathy_at_ct
        } else {
            el.status == Status::Present
        };
        if counts {
            score += WEIGHTS[k];
        }
    }
    if verdict != Verdict::Supported {
        score = score.min(UNSUPPORTED_CAP);
    }
    score as u8
}

/// DOMAIN.md: "Where segmental dysfunction is documented as *somatic*
/// dysfunction treated with osteopathic or chiropractic manipulation,
/// M99.0- may also apply; M99.0- has no cervicothoracic code, so this is
/// reported as a note for the coder and does not change the verdict."
fn coder_notes(ev: &Evidence) -> Vec<String> {
    let segmental = ev
        .pathology
        .iter()
        .any(|f| f.concept == "segmental_dysfunction" && affirmed(f.t));
    if segmental {
        vec!["Segmental/somatic dysfunction is documented: M99.0- may also apply (it has no cervicothoracic site).".to_string()]
    } else {
        vec![]
    }
}
