//! The care setting (DOMAIN.md, "Care setting"): uncertain diagnoses follow
//! it. Outpatient (Guidelines IV.H, the default, and the rule when the
//! setting is not known): "probable", "suspected", "possible" are not
//! coded. Inpatient (II.H, III.C): a condition still documented as
//! uncertain at the time of discharge (final or discharge diagnoses) is
//! coded as if it were established.

use crate::analysis::Analysis;
use crate::lexicon::SectionKind;

/// Where the care was given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Setting {
    /// Outpatient or professional claims (the default).
    #[default]
    Outpatient,
    /// An inpatient stay.
    Inpatient,
}

impl Setting {
    /// Lower-case name, as in records and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Setting::Outpatient => "outpatient",
            Setting::Inpatient => "inpatient",
        }
    }

    /// Parses `outpatient` or `inpatient` (any case).
    pub fn parse(s: &str) -> Option<Setting> {
        match s.trim().to_ascii_lowercase().as_str() {
            "outpatient" => Some(Setting::Outpatient),
            "inpatient" => Some(Setting::Inpatient),
            _ => None,
        }
    }
}

/// The trigger an inpatient discharge diagnosis shows.
pub const DISCHARGE_TRIGGER: &str = "inpatient: uncertain at discharge";

/// Applies the setting's rule to the note's assertions: for an inpatient
/// stay, a term that is only uncertain (not negated, hypothetical,
/// historical or about someone else) in the final or discharge diagnoses
/// counts as established.
pub fn apply(setting: Setting, a: &mut Analysis) {
    if setting != Setting::Inpatient {
        return;
    }
    for t in a.terms.iter_mut() {
        let discharge = a
            .sections
            .get(t.sentence)
            .is_some_and(|s| s.kind == SectionKind::DischargeDiagnosis);
        let x = &t.assertion;
        let only_uncertain =
            x.uncertain && !(x.negated || x.hypothetical || x.historical || x.family);
        if discharge && only_uncertain {
            t.assertion.uncertain = false;
            t.assertion.chart = Some(DISCHARGE_TRIGGER);
        }
    }
}
