//! Documentation gaps: DOMAIN.md "1–2 are required; 3–5 strengthen the
//! claim, and each missing one is a documentation gap the report names (a
//! CDI query can then be sent)". The queries are data (`gaps.tsv`).

use super::{Element, Gap, Status, Verdict};
use crate::lexicon::Lexicons;

/// For a supported note, the strengthening elements (3-5) not documented,
/// by checklist index.
const STRENGTHENING: [(usize, &str, &str); 5] = [
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

/// The gaps of one decision: for `supported`, every strengthening element
/// not present; for `unspecified_region`, the region; for `insufficient`
/// and `pain_only` at C7-T1, the pathology.
pub(super) fn gaps(lex: &Lexicons, verdict: Verdict, checklist: &[Element]) -> Vec<Gap> {
    let gap = |element: &str, reason: &str| Gap {
        element: element.to_string(),
        reason: reason.to_string(),
        query: lex.gap_query(element).unwrap_or_default().to_string(),
    };
    match verdict {
        Verdict::Supported => STRENGTHENING
            .iter()
            .filter(|(k, ..)| checklist[*k].status != Status::Present)
            .map(|(_, element, reason)| gap(element, reason))
            .collect(),
        Verdict::UnspecifiedRegion => vec![gap(
            "region",
            "The dorsopathy is documented without a spinal level or region.",
        )],
        Verdict::Insufficient => vec![gap(
            "pathology",
            "C7-T1 is named but no current pathology (or pain diagnosis) is documented there.",
        )],
        // Pain elsewhere (low back pain) is no gap of a C7-T1 audit.
        Verdict::PainOnly if checklist[0].status == Status::Present => vec![gap(
            "pathology",
            "Only pain is documented at C7-T1; no structural diagnosis is named.",
        )],
        _ => vec![],
    }
}
