//! The provider query templates (`queries.tsv`): for each reason a query
//! is raised, its format, its option templates and its wording, validated
//! at load against the compliant-query rules that can be checked in text
//! (no code, no payment words; yes/no only where a diagnosis is already
//! documented).

use super::{invalid, LexiconError, Table};

/// Why a query is raised (DOMAIN.md, and issue 20's reasons).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueryKind {
    /// A dorsopathy without a level or region.
    RegionMissing,
    /// The same condition at more than one level.
    RegionConflict,
    /// Pain only, with indicators of a structural condition.
    PathologyUnspecified,
    /// An uncertain diagnosis in an outpatient note.
    UncertainDiagnosis,
    /// Radicular signs, and no neurological diagnosis made or excluded.
    NeuroSuggested,
    /// Two documents (an addendum and its original, a preliminary and a
    /// final read) that conflict.
    DocumentConflict,
    /// A diagnosis in a referral, an order or the patient's own account
    /// that the provider has not restated.
    UnconfirmedDiagnosis,
}

const KINDS: &[(QueryKind, &str)] = &[
    (QueryKind::RegionMissing, "region_missing"),
    (QueryKind::RegionConflict, "region_conflict"),
    (QueryKind::PathologyUnspecified, "pathology_unspecified"),
    (QueryKind::UncertainDiagnosis, "uncertain_diagnosis"),
    (QueryKind::NeuroSuggested, "neuro_suggested"),
    (QueryKind::DocumentConflict, "document_conflict"),
    (QueryKind::UnconfirmedDiagnosis, "unconfirmed_diagnosis"),
];

impl QueryKind {
    /// Its name in files and records.
    pub fn name(self) -> &'static str {
        KINDS
            .iter()
            .find(|(k, _)| *k == self)
            .map_or("", |(_, n)| n)
    }
}

/// How the provider answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// In their own words.
    Open,
    /// One of the options (backed by indicators) or the two fixed ones.
    Choice,
    /// Yes or no (or clinically undetermined): only to confirm a diagnosis
    /// already documented.
    YesNo,
}

impl Format {
    /// Its name in files and records.
    pub fn name(self) -> &'static str {
        match self {
            Format::Open => "open",
            Format::Choice => "multiple_choice",
            Format::YesNo => "yes_no",
        }
    }
}

/// An indicator a query must quote (the `needs` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// The condition in question.
    Condition,
    /// Its level.
    Level,
    /// The pain documented.
    Pain,
    /// An exam or imaging finding at the level.
    Finding,
    /// A radicular sign on history or exam.
    RadicularSign,
    /// Each conflicting statement.
    Statement,
}

const NEEDS: &[(Need, &str)] = &[
    (Need::Condition, "condition"),
    (Need::Level, "level"),
    (Need::Pain, "pain"),
    (Need::Finding, "finding"),
    (Need::RadicularSign, "radicular_sign"),
    (Need::Statement, "statement"),
];

/// One row of `queries.tsv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryTemplate {
    /// Why it is raised.
    pub kind: QueryKind,
    /// How it is answered.
    pub format: Format,
    /// The indicators it must quote to be raised.
    pub needs: Vec<Need>,
    /// Option templates (choice only).
    pub options: Vec<String>,
    /// The question.
    pub text: String,
}

/// The two options every multiple-choice query ends with.
pub const FIXED_OPTIONS: [&str; 2] = ["other (please specify)", "clinically undetermined"];

/// Words a compliant query never uses.
const FORBIDDEN: &[&str] = &[
    "payment",
    "reimburse",
    "drg",
    "quality measure",
    "revenue",
    "denial",
    "icd-10",
    "billing",
];

/// Does `text` name an ICD-10-CM-shaped code or a payment word?
pub fn leads_with_codes_or_money(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    if let Some(w) = FORBIDDEN.iter().find(|w| lower.contains(*w)) {
        return Some(format!("`{w}`"));
    }
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
        .map(|w| w.trim_end_matches('.'))
        .find(|w| looks_like_code(w))
        .map(|w| format!("the code `{w}`"))
}

/// Has `w` the shape of an ICD-10-CM code (`M53.83`, `M5383`, `S13.4XXA`),
/// not of a spinal level (`T12`, `C7`)?
fn looks_like_code(w: &str) -> bool {
    let b = w.as_bytes();
    if b.len() < 3 || !b[0].is_ascii_uppercase() || !b[1].is_ascii_digit() {
        return false;
    }
    let (head, tail) = w.split_once('.').unwrap_or((w, ""));
    let alnum = |s: &str| {
        s.bytes()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
    };
    let dotted =
        head.len() == 3 && !tail.is_empty() && tail.len() <= 4 && alnum(head) && alnum(tail);
    let run = tail.is_empty() && (4..=7).contains(&head.len()) && alnum(head);
    dotted || run
}

/// Parses `queries.tsv`.
pub fn parse_queries(file: &str, text: &str) -> Result<Vec<QueryTemplate>, LexiconError> {
    let t = Table::parse(file, text, &["kind", "format", "needs", "options", "text"])?;
    let mut out: Vec<QueryTemplate> = Vec::new();
    for (line, f) in t.rows {
        let name = f[0].trim();
        let kind = KINDS
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(k, _)| *k)
            .ok_or_else(|| invalid(file, line, format!("unknown query kind `{name}`")))?;
        if out.iter().any(|q| q.kind == kind) {
            return Err(invalid(
                file,
                line,
                format!("query kind `{name}` has two rows"),
            ));
        }
        let format = match f[1].trim() {
            "open" => Format::Open,
            "choice" => Format::Choice,
            "yes_no" => Format::YesNo,
            o => {
                return Err(invalid(
                    file,
                    line,
                    format!("format `{o}` must be open, choice or yes_no"),
                ))
            }
        };
        let confirms = matches!(
            kind,
            QueryKind::UnconfirmedDiagnosis | QueryKind::DocumentConflict
        );
        if format == Format::YesNo && !confirms {
            return Err(invalid(file, line, "yes_no is only for confirming a diagnosis already documented (unconfirmed_diagnosis, document_conflict)"));
        }
        let mut needs = Vec::new();
        for n in f[2]
            .split('|')
            .map(str::trim)
            .filter(|n| !n.is_empty() && *n != "-")
        {
            let need = NEEDS.iter().find(|(_, x)| *x == n).map(|(k, _)| *k).ok_or_else(|| {
                invalid(file, line, format!("unknown indicator `{n}` in needs (condition, level, pain, finding, radicular_sign, statement)"))
            })?;
            needs.push(need);
        }
        if needs.is_empty() {
            return Err(invalid(
                file,
                line,
                "a query must need at least one indicator: it quotes the record",
            ));
        }
        let options: Vec<String> = match f[3].trim() {
            "-" | "" => Vec::new(),
            o => o.split('|').map(|x| x.trim().to_string()).collect(),
        };
        if (format == Format::Choice) == options.is_empty() {
            return Err(invalid(
                file,
                line,
                "a choice query needs options; open and yes_no take -",
            ));
        }
        let backed = |o: &str| {
            ["{region}", "{condition}", "{statement}"]
                .iter()
                .any(|p| o.contains(p))
                || kind == QueryKind::NeuroSuggested
        };
        if let Some(o) = options.iter().find(|o| !backed(o)) {
            return Err(invalid(file, line, format!("option `{o}` is backed by no indicator ({{region}}, {{condition}} or {{statement}})")));
        }
        let text = f[4].trim().to_string();
        if !text.contains("{indicators}") {
            return Err(invalid(
                file,
                line,
                "the text must quote the record's indicators ({indicators})",
            ));
        }
        for t in std::iter::once(&text).chain(&options) {
            if let Some(bad) = leads_with_codes_or_money(t) {
                return Err(invalid(file, line, format!("a query may not name {bad}")));
            }
        }
        out.push(QueryTemplate {
            kind,
            format,
            needs,
            options,
            text,
        });
    }
    if let Some((_, missing)) = KINDS
        .iter()
        .find(|(k, _)| !out.iter().any(|q| q.kind == *k))
    {
        return Err(invalid(
            file,
            1,
            format!("no row for query kind `{missing}`"),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(row: &str) -> String {
        let builtin = include_str!("../../lexicons/queries.tsv");
        let kind = row.split('\t').next().unwrap();
        let kept: String = builtin
            .lines()
            .filter(|l| !l.starts_with(&format!("{kind}\t")))
            .map(|l| format!("{l}\n"))
            .collect();
        parse_queries("q.tsv", &format!("{kept}{row}\n"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn the_builtin_templates_load_and_bad_ones_are_refused() {
        let q = parse_queries("q.tsv", include_str!("../../lexicons/queries.tsv")).unwrap();
        assert_eq!(q.len(), KINDS.len());
        assert!(
            err("region_missing\topen\tcondition\t-\tPlease document {indicators} as M53.83.")
                .contains("the code `M53.83`")
        );
        assert!(err(
            "region_missing\topen\tcondition\t-\tDocumenting {indicators} improves reimbursement."
        )
        .contains("reimburse"));
        assert!(
            err("region_missing\tyes_no\tcondition\t-\tIs {indicators} at C7-T1?")
                .contains("yes_no is only")
        );
        assert!(
            err("region_conflict\tchoice\tcondition\tfacet syndrome\t{indicators}?")
                .contains("backed by no indicator")
        );
        assert!(
            err("region_missing\topen\tcondition\t-\tPlease document the level.")
                .contains("{indicators}")
        );
        assert!(err("region_missing\tcheckbox\tcondition\t-\t{indicators}").contains("format"));
        assert!(
            err("region_missing\topen\tlevl\t-\t{indicators}").contains("unknown indicator `levl`")
        );
        assert!(err("region_missing\topen\t-\t-\t{indicators}").contains("at least one indicator"));
    }

    #[test]
    fn codes_and_money_are_seen() {
        assert!(leads_with_codes_or_money("the C7-T1 level, 7/10, 6 months").is_none());
        assert!(leads_with_codes_or_money("code M50.13 applies").is_some());
        assert!(leads_with_codes_or_money("for the DRG").is_some());
    }
}
