//! The chart-reading vocabulary: document headers (`documents.tsv`) and the
//! word lists that say which statements count (`chart_words.tsv`).

use super::{invalid, LexiconError, Table};

/// What a document inside an export is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocKind {
    /// The note itself, when no document header is found.
    Note,
    /// A patient questionnaire or intake form.
    Questionnaire,
    /// A nursing or MA triage note.
    Triage,
    /// The treating or examining provider's note.
    ProviderNote,
    /// A radiology or electrodiagnostic report.
    Radiology,
    /// An addendum or correction.
    Addendum,
    /// After-visit summary or patient instructions.
    AfterVisit,
    /// An order or referral.
    Order,
    /// A procedure note.
    Procedure,
    /// Records of other providers, quoted in review.
    Records,
    /// Text copied forward from an earlier note.
    Copied,
    /// Charge lines, superbills, claim diagnosis fields.
    Billing,
}

/// Who speaks in a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The patient (questionnaires, the claimant's history).
    Patient,
    /// Nursing or medical-assistant staff.
    Nurse,
    /// The treating or examining provider.
    Provider,
    /// A radiologist.
    Radiologist,
    /// A therapist.
    Therapist,
    /// Billing staff or a charge system.
    Billing,
}

/// A document's place in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Time {
    /// Today's document.
    Current,
    /// A preliminary read.
    Preliminary,
    /// A final read.
    Final,
    /// An addendum to an earlier document.
    Addendum,
    /// Copied forward from an earlier note.
    Copied,
    /// Earlier records quoted for review.
    Prior,
}

/// How far a header's document reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Until the next document header or a separator line.
    Document,
    /// As `Document`, and also ends at a blank line or a clinical section header.
    Block,
    /// Its own line only.
    Line,
}

macro_rules! named {
    ($t:ty { $($v:ident = $n:literal),* $(,)? }) => {
        impl $t {
            /// The snake-case name used in the lexicon file and in records.
            pub fn name(self) -> &'static str {
                match self { $(Self::$v => $n),* }
            }
            /// Parses a name.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($n => Some(Self::$v),)* _ => None }
            }
            /// Every name, for error messages.
            pub fn names() -> &'static [&'static str] {
                &[$($n),*]
            }
        }
    };
}

named!(DocKind {
    Note = "note",
    Questionnaire = "questionnaire",
    Triage = "triage",
    ProviderNote = "provider_note",
    Radiology = "radiology",
    Addendum = "addendum",
    AfterVisit = "after_visit",
    Order = "order",
    Procedure = "procedure",
    Records = "records",
    Copied = "copied",
    Billing = "billing",
});
named!(Role {
    Patient = "patient",
    Nurse = "nurse",
    Provider = "provider",
    Radiologist = "radiologist",
    Therapist = "therapist",
    Billing = "billing",
});
named!(Time {
    Current = "current",
    Preliminary = "preliminary",
    Final = "final",
    Addendum = "addendum",
    Copied = "copied",
    Prior = "prior",
});
named!(Scope {
    Document = "document",
    Block = "block",
    Line = "line",
});

/// One row of `documents.tsv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentHeader {
    /// The opening words, lower-case, normalised.
    pub header: String,
    /// The document's kind.
    pub kind: DocKind,
    /// Who speaks in it.
    pub role: Role,
    /// Its place in time.
    pub time: Time,
    /// How far it reaches.
    pub scope: Scope,
    /// Line in the file, for explanations.
    pub line: usize,
}

/// The word lists of `chart_words.tsv` (see the file for what each does).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChartWords {
    /// Labels that introduce claim data: a code field (`Dx:`, `ICD-10`).
    pub code_field: Vec<String>,
    /// Words that make what follows the patient's own account.
    pub patient_report: Vec<String>,
    /// Status words of a list row that make the row historical.
    pub status_historical: Vec<String>,
    /// Words in a line's label that mark copied-forward text.
    pub copied_marker: Vec<String>,
    /// Non-spinal structures that make a level or `cervicothoracic` a landmark.
    pub nonspinal: Vec<String>,
}

pub(super) fn parse_documents(file: &str, text: &str) -> Result<Vec<DocumentHeader>, LexiconError> {
    let t = Table::parse(file, text, &["header", "kind", "role", "time", "scope"])?;
    let mut out: Vec<DocumentHeader> = Vec::new();
    for (line, f) in t.rows {
        let header = crate::text::normalize_phrase(f[0].trim());
        if header.is_empty() {
            return Err(invalid(t.file, line, "empty header"));
        }
        if out.iter().any(|d| d.header == header) {
            return Err(invalid(
                t.file,
                line,
                format!("duplicate header `{}`", f[0]),
            ));
        }
        let bad = |what: &str, v: &str, names: &[&str]| {
            invalid(
                t.file,
                line,
                format!(
                    "unknown {what} `{v}` (expected one of {})",
                    names.join(", ")
                ),
            )
        };
        let kind =
            DocKind::parse(f[1].trim()).ok_or_else(|| bad("kind", f[1], DocKind::names()))?;
        let role = Role::parse(f[2].trim()).ok_or_else(|| bad("role", f[2], Role::names()))?;
        let time = Time::parse(f[3].trim()).ok_or_else(|| bad("time", f[3], Time::names()))?;
        let scope = Scope::parse(f[4].trim()).ok_or_else(|| bad("scope", f[4], Scope::names()))?;
        out.push(DocumentHeader {
            header,
            kind,
            role,
            time,
            scope,
            line,
        });
    }
    Ok(out)
}

pub(super) fn parse_chart_words(file: &str, text: &str) -> Result<ChartWords, LexiconError> {
    let mut w = ChartWords::default();
    super::parse_word_lists(
        file,
        text,
        "phrase",
        |s| crate::text::normalize_phrase(s.trim()),
        &mut [
            ("code_field", &mut w.code_field),
            ("patient_report", &mut w.patient_report),
            ("status_historical", &mut w.status_historical),
            ("copied_marker", &mut w.copied_marker),
            ("nonspinal", &mut w.nonspinal),
        ],
    )?;
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_rows_are_checked() {
        let ok =
            "header\tkind\trole\ttime\tscope\naddendum\taddendum\tprovider\taddendum\tdocument\n";
        assert_eq!(
            parse_documents("d.tsv", ok).unwrap()[0].kind,
            DocKind::Addendum
        );
        let bad =
            "header\tkind\trole\ttime\tscope\naddendum\taddendum\tdoctor\taddendum\tdocument\n";
        let err = parse_documents("d.tsv", bad).unwrap_err().to_string();
        assert!(
            err.contains("d.tsv:2") && err.contains("unknown role `doctor`"),
            "{err}"
        );
    }

    #[test]
    fn chart_word_lists_are_checked() {
        let err = parse_chart_words("w.tsv", "list\tphrase\ncodes\tdx\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("w.tsv:2") && err.contains("unknown list `codes`"),
            "{err}"
        );
        let w = parse_chart_words("w.tsv", "list\tphrase\ncode_field\tDx\n").unwrap();
        assert_eq!(w.code_field, ["dx"]);
    }
}
