//! Lexicons and rules as data: loading, validation and the built-in defaults.
//!
//! Every file under `lexicons/` is a tab-separated table with one documented
//! schema (see the comment block at the top of each file). The files are
//! embedded in the binary as the default, so the tool runs anywhere; a
//! directory given with `--lexicons DIR` replaces any file it contains.
//! Loading validates every row and reports errors with the file and line.

pub mod chart;
pub mod pattern;
pub mod policy;
pub mod queries;
pub mod tabular;

pub use chart::{ChartWords, DocKind, DocumentHeader, Role, Scope, Time};

pub use pattern::Pattern;
use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
pub use tabular::{Tabular, TabularCode};

/// The checklist elements of DOMAIN.md, in report order: the names
/// `gaps.tsv` rows and output records use.
pub const ELEMENTS: [&str; 7] = [
    "region",
    "pathology",
    "disc_excluded",
    "neuro_excluded",
    "imaging",
    "chronicity",
    "conservative_care",
];

/// Where a lexicon row came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// File name (built-in files are shown as `lexicons/NAME`).
    pub file: String,
    /// 1-based line number.
    pub line: usize,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A lexicon file that could not be read or did not validate.
#[derive(Debug, thiserror::Error)]
pub enum LexiconError {
    /// The file exists but could not be read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file.
        file: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `--lexicons` names a directory that is not there, or that holds
    /// none of the lexicon files (a mistyped path would otherwise run on
    /// the built-in lexicons without a word).
    #[error("{dir}: {problem}; it must hold one or more of: {known}")]
    Directory {
        /// The directory given.
        dir: String,
        /// What is wrong.
        problem: &'static str,
        /// The lexicon file names.
        known: String,
    },
    /// A row (or the header) is invalid.
    #[error("{origin}: {message}")]
    Invalid {
        /// File and line of the offending row.
        origin: Origin,
        /// What is wrong, in words.
        message: String,
    },
}

/// Refuses a lexicon directory that is missing or holds no lexicon file.
fn check_directory(dir: &Path) -> Result<(), LexiconError> {
    let known = || {
        BUILTIN
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let problem = if !dir.is_dir() {
        "no such directory"
    } else if !BUILTIN.iter().any(|(n, _)| dir.join(n).exists()) {
        "holds no lexicon file"
    } else {
        return Ok(());
    };
    Err(LexiconError::Directory {
        dir: dir.display().to_string(),
        problem,
        known: known(),
    })
}

pub(crate) fn invalid(file: &str, line: usize, message: impl Into<String>) -> LexiconError {
    LexiconError::Invalid {
        origin: Origin {
            file: file.to_string(),
            line,
        },
        message: message.into(),
    }
}

/// Category of a clinical concept (the `category` column of `concepts.tsv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConceptCategory {
    /// Disc disorders (herniation, degeneration, other).
    Disc,
    /// Radiculopathy and myelopathy.
    Neuro,
    /// Stenosis, spondylosis, facet arthropathy, instability.
    Structural,
    /// M53.8-type dorsopathies (facet syndrome, ligamentous thickening ...).
    Dorsopathy,
    /// Spinal pain terms.
    Pain,
    /// Imaging studies.
    Imaging,
    /// Imaging details: study dates and gradings (Kellgren-Lawrence,
    /// Pfirrmann); evidence for the reviewer, not a study by themselves.
    ImagingDetail,
    /// Conservative care.
    Care,
    /// Region words (cervical, thoracic ...).
    Region,
    /// Phrases matched only so that they win over shorter ones.
    Qualifier,
    /// Symptom durations and onsets.
    Chronicity,
}

impl ConceptCategory {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "disc" => Self::Disc,
            "neuro" => Self::Neuro,
            "structural" => Self::Structural,
            "dorsopathy" => Self::Dorsopathy,
            "pain" => Self::Pain,
            "imaging" => Self::Imaging,
            "imaging_detail" => Self::ImagingDetail,
            "care" => Self::Care,
            "region" => Self::Region,
            "qualifier" => Self::Qualifier,
            "chronicity" => Self::Chronicity,
            _ => return None,
        })
    }

    /// Is this a finding that can pre-empt M53.83 or support it?
    pub fn is_pathology(self) -> bool {
        matches!(
            self,
            Self::Disc | Self::Neuro | Self::Structural | Self::Dorsopathy
        )
    }
}

/// One row of `concepts.tsv`.
#[derive(Debug, Clone)]
pub struct ConceptEntry {
    /// Concept name.
    pub concept: String,
    /// Concept category.
    pub category: ConceptCategory,
    /// What to match.
    pub pattern: Pattern,
    /// Words one of which every match of a regular expression contains
    /// (empty: run the expression over the whole text).
    pub anchors: Vec<String>,
    /// Where the row is.
    pub origin: Origin,
}

/// ConText assertion category (medspaCy names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleCategory {
    /// The finding is absent.
    Negated,
    /// The finding is possible, suspected or to be ruled out.
    Possible,
    /// The finding is conditional or planned.
    Hypothetical,
    /// The finding is in the past.
    Historical,
    /// The finding is about someone other than the patient.
    Family,
    /// Looks like a trigger but is not (blocks shorter triggers).
    Pseudo,
    /// Ends the scope of every trigger.
    Terminate,
}

impl RuleCategory {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "NEGATED_EXISTENCE" => Self::Negated,
            "POSSIBLE_EXISTENCE" => Self::Possible,
            "HYPOTHETICAL" => Self::Hypothetical,
            "HISTORICAL" => Self::Historical,
            "FAMILY" => Self::Family,
            "PSEUDO" => Self::Pseudo,
            "TERMINATE" => Self::Terminate,
            _ => return None,
        })
    }

    /// The medspaCy name of the category.
    pub fn name(self) -> &'static str {
        match self {
            Self::Negated => "NEGATED_EXISTENCE",
            Self::Possible => "POSSIBLE_EXISTENCE",
            Self::Hypothetical => "HYPOTHETICAL",
            Self::Historical => "HISTORICAL",
            Self::Family => "FAMILY",
            Self::Pseudo => "PSEUDO",
            Self::Terminate => "TERMINATE",
        }
    }
}

/// Which way a trigger reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Modifies what follows the trigger.
    Forward,
    /// Modifies what precedes the trigger.
    Backward,
    /// Both ways.
    Bidirectional,
    /// Ends scopes.
    Terminate,
    /// Modifies nothing.
    Pseudo,
}

impl Direction {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "FORWARD" => Self::Forward,
            "BACKWARD" => Self::Backward,
            "BIDIRECTIONAL" => Self::Bidirectional,
            "TERMINATE" => Self::Terminate,
            "PSEUDO" => Self::Pseudo,
            _ => return None,
        })
    }
}

/// One row of `context_rules.tsv`.
#[derive(Debug, Clone)]
pub struct ContextRule {
    /// Trigger phrase.
    pub pattern: Pattern,
    /// The literal as written in the file (shown in explanations).
    pub literal: String,
    /// Assertion category.
    pub category: RuleCategory,
    /// Reach.
    pub direction: Direction,
    /// Scope in words.
    pub max_scope: usize,
    /// Where the row is.
    pub origin: Origin,
}

/// Kinds of note sections (the `section` column of `sections.tsv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionKind {
    #[allow(missing_docs)]
    None,
    #[allow(missing_docs)]
    ChiefComplaint,
    #[allow(missing_docs)]
    Hpi,
    #[allow(missing_docs)]
    History,
    #[allow(missing_docs)]
    PastHistory,
    #[allow(missing_docs)]
    FamilyHistory,
    #[allow(missing_docs)]
    SocialHistory,
    #[allow(missing_docs)]
    Ros,
    #[allow(missing_docs)]
    Exam,
    #[allow(missing_docs)]
    Imaging,
    #[allow(missing_docs)]
    Impression,
    #[allow(missing_docs)]
    Assessment,
    #[allow(missing_docs)]
    Plan,
    #[allow(missing_docs)]
    AssessmentPlan,
    #[allow(missing_docs)]
    Diagnosis,
    /// Final or discharge diagnoses (Guidelines II.H: what is still
    /// uncertain here is coded as established for an inpatient stay).
    DischargeDiagnosis,
    #[allow(missing_docs)]
    Addendum,
    #[allow(missing_docs)]
    Indication,
    #[allow(missing_docs)]
    Medications,
    #[allow(missing_docs)]
    Allergies,
    #[allow(missing_docs)]
    Procedure,
    #[allow(missing_docs)]
    Other,
}

impl SectionKind {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "chief_complaint" => Self::ChiefComplaint,
            "hpi" => Self::Hpi,
            "history" => Self::History,
            "past_history" => Self::PastHistory,
            "family_history" => Self::FamilyHistory,
            "social_history" => Self::SocialHistory,
            "ros" => Self::Ros,
            "exam" => Self::Exam,
            "imaging" => Self::Imaging,
            "impression" => Self::Impression,
            "assessment" => Self::Assessment,
            "plan" => Self::Plan,
            "assessment_plan" => Self::AssessmentPlan,
            "diagnosis" => Self::Diagnosis,
            "discharge_diagnosis" => Self::DischargeDiagnosis,
            "addendum" => Self::Addendum,
            "indication" => Self::Indication,
            "medications" => Self::Medications,
            "allergies" => Self::Allergies,
            "procedure" => Self::Procedure,
            "other" => Self::Other,
            _ => return None,
        })
    }

    /// Snake-case name as used in output records.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::ChiefComplaint => "chief_complaint",
            Self::Hpi => "hpi",
            Self::History => "history",
            Self::PastHistory => "past_history",
            Self::FamilyHistory => "family_history",
            Self::SocialHistory => "social_history",
            Self::Ros => "ros",
            Self::Exam => "exam",
            Self::Imaging => "imaging",
            Self::Impression => "impression",
            Self::Assessment => "assessment",
            Self::Plan => "plan",
            Self::AssessmentPlan => "assessment_plan",
            Self::Diagnosis => "diagnosis",
            Self::DischargeDiagnosis => "discharge_diagnosis",
            Self::Addendum => "addendum",
            Self::Indication => "indication",
            Self::Medications => "medications",
            Self::Allergies => "allergies",
            Self::Procedure => "procedure",
            Self::Other => "other",
        }
    }

    /// How a section default shows as the trigger of an assertion.
    pub fn default_trigger(self) -> &'static str {
        match self {
            Self::PastHistory => "section:past_history",
            Self::FamilyHistory => "section:family_history",
            _ => "section",
        }
    }

    /// Sections where the provider states the diagnosis.
    pub fn is_diagnostic(self) -> bool {
        matches!(
            self,
            Self::Assessment
                | Self::AssessmentPlan
                | Self::Impression
                | Self::Diagnosis
                | Self::DischargeDiagnosis
        )
    }

    /// Sections that describe what is planned rather than what was done.
    pub fn is_plan(self) -> bool {
        matches!(self, Self::Plan | Self::AssessmentPlan)
    }
}

/// One row of `sections.tsv`.
#[derive(Debug, Clone)]
pub struct SectionHeader {
    /// Header text, normalised.
    pub header: String,
    /// Section kind.
    pub kind: SectionKind,
}

/// One row of `regions.tsv`.
#[derive(Debug, Clone)]
pub struct RegionCode {
    /// The region.
    pub region: crate::spine::Region,
    /// M53.8x code for the region.
    pub m53_code: String,
    /// Pain-only code for the region, if any.
    pub pain_code: Option<String>,
    /// Human-readable label.
    pub label: String,
}

/// Where a row's condition must be documented (`more_specific.tsv`'s
/// `site` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Site {
    /// The C7-T1 segment or the cervicothoracic region (or no level, where
    /// unplaced findings count at C7-T1).
    Segment,
    /// As `Segment`, or the C7 vertebra named alone.
    C7,
    /// As `Segment`, or the T1 vertebra named alone.
    T1,
    /// As `Segment`, or either vertebra named alone.
    C7OrT1,
}

impl Site {
    fn parse(s: &str) -> Option<Site> {
        Some(match s {
            "segment" => Site::Segment,
            "c7" => Site::C7,
            "t1" => Site::T1,
            "c7_or_t1" => Site::C7OrT1,
            _ => return None,
        })
    }
}

/// The code of a row that pre-empts M53.83 without a code of this chapter.
pub const NO_CODE: &str = "none";

/// One row of `more_specific.tsv`.
#[derive(Debug, Clone)]
pub struct TableRow {
    /// Code reported instead of M53.83.
    pub code: String,
    /// Any of these concepts triggers the row.
    pub when: Vec<String>,
    /// One of these must also be present (empty: no requirement).
    pub with: Vec<String>,
    /// None of these may be present.
    pub unless: Vec<String>,
    /// Where the condition must be documented.
    pub site: Site,
    /// Condition in words.
    pub description: String,
    /// Where the row is.
    pub origin: Origin,
}

/// One row of `gaps.tsv`.
#[derive(Debug, Clone)]
pub struct GapQuery {
    /// Element name.
    pub gap: String,
    /// The CDI query text.
    pub query: String,
}

/// All lexicons, validated.
#[derive(Debug, Clone)]
pub struct Lexicons {
    /// `concepts.tsv`.
    pub concepts: Vec<ConceptEntry>,
    /// `context_rules.tsv`.
    pub rules: Vec<ContextRule>,
    /// `sections.tsv`.
    pub sections: Vec<SectionHeader>,
    /// `abbreviations.txt` (looked up at full stops).
    pub abbreviations: crate::text::sentence::Abbreviations,
    /// `regions.tsv`.
    pub regions: Vec<RegionCode>,
    /// `more_specific.tsv`.
    pub table: Vec<TableRow>,
    /// `tabular.tsv`: the codes the auditor can report, with descriptions.
    pub tabular: Tabular,
    /// `gaps.tsv`.
    pub gaps: Vec<GapQuery>,
    /// `scorer_words.tsv`.
    pub scorer_words: ScorerWords,
    /// `documents.tsv`.
    pub documents: Vec<DocumentHeader>,
    /// `chart_words.tsv`.
    pub chart_words: ChartWords,
    /// `policy.tsv` (or `--policy`): the claim-line policy.
    pub policy: policy::Policy,
    /// `line_cues.tsv`: the words claim-line elements are read from.
    pub line_cues: Vec<policy::CueEntry>,
    /// `queries.tsv`: the provider query templates.
    pub queries: Vec<queries::QueryTemplate>,
    /// SHA-256 of the lexicon files in force (each file's name and
    /// contents, in [`BUILTIN`] order), as `sha256:` and hex digits: the
    /// audit trail names the vocabulary a record was decided with.
    pub digest: String,
}

/// The word lists of `scorer_words.tsv` (see the file for what each does).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScorerWords {
    /// The sentence is about the spine.
    pub spine_context: Vec<String>,
    /// A duration in a sentence naming one of these is a spinal symptom duration.
    pub symptom_site: Vec<String>,
    /// Neurological symptoms that date a radiculopathy/myelopathy.
    pub neuro_symptom: Vec<String>,
    /// Words after a duration that make it the time since a procedure.
    pub dates_procedure: Vec<String>,
    /// Words that make planned care count as care tried.
    pub ongoing_care: Vec<String>,
}

/// The lexicon files, by name, with their built-in contents.
pub const BUILTIN: &[(&str, &str)] = &[
    ("concepts.tsv", include_str!("../../lexicons/concepts.tsv")),
    (
        "context_rules.tsv",
        include_str!("../../lexicons/context_rules.tsv"),
    ),
    ("sections.tsv", include_str!("../../lexicons/sections.tsv")),
    (
        "abbreviations.txt",
        include_str!("../../lexicons/abbreviations.txt"),
    ),
    ("regions.tsv", include_str!("../../lexicons/regions.tsv")),
    (
        "more_specific.tsv",
        include_str!("../../lexicons/more_specific.tsv"),
    ),
    ("gaps.tsv", include_str!("../../lexicons/gaps.tsv")),
    (
        "scorer_words.tsv",
        include_str!("../../lexicons/scorer_words.tsv"),
    ),
    (
        "documents.tsv",
        include_str!("../../lexicons/documents.tsv"),
    ),
    (
        "chart_words.tsv",
        include_str!("../../lexicons/chart_words.tsv"),
    ),
    ("tabular.tsv", include_str!("../../lexicons/tabular.tsv")),
    ("policy.tsv", include_str!("../../lexicons/policy.tsv")),
    (
        "line_cues.tsv",
        include_str!("../../lexicons/line_cues.tsv"),
    ),
    ("queries.tsv", include_str!("../../lexicons/queries.tsv")),
];

/// A table file split into rows: (line number, fields).
pub(crate) struct Table<'a> {
    pub(crate) file: &'a str,
    pub(crate) rows: Vec<(usize, Vec<&'a str>)>,
}

impl<'a> Table<'a> {
    /// Splits `text` into rows, skipping blank and `#` lines, and checks that
    /// the first row is exactly `header`.
    pub(crate) fn parse(
        file: &'a str,
        text: &'a str,
        header: &[&str],
    ) -> Result<Self, LexiconError> {
        let mut rows = Vec::new();
        let mut seen_header = false;
        for (i, line) in text.lines().enumerate() {
            let lineno = i + 1;
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            if !seen_header {
                if fields != header {
                    return Err(invalid(
                        file,
                        lineno,
                        format!(
                            "header must be exactly `{}` (tab-separated), found `{}`",
                            header.join("<TAB>"),
                            fields.join("<TAB>")
                        ),
                    ));
                }
                seen_header = true;
                continue;
            }
            if fields.len() != header.len() {
                return Err(invalid(
                    file,
                    lineno,
                    format!(
                        "expected {} tab-separated columns ({}), found {}",
                        header.len(),
                        header.join(", "),
                        fields.len()
                    ),
                ));
            }
            rows.push((lineno, fields));
        }
        if !seen_header {
            return Err(invalid(file, 1, "missing header row"));
        }
        Ok(Table { file, rows })
    }
}

/// The digest of the lexicon texts: each file's built-in name (not its
/// path: the same contents give the same digest wherever they were read
/// from), a zero byte, its contents, a zero byte.
fn digest(texts: &[(String, String)]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for ((name, _), (_, text)) in BUILTIN.iter().zip(texts) {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
        h.update([0]);
    }
    let mut out = String::from("sha256:");
    for b in h.finalize() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

fn split_concepts(s: &str) -> Vec<String> {
    if s.trim() == "-" {
        return Vec::new();
    }
    s.split('|').map(|c| c.trim().to_string()).collect()
}

impl Lexicons {
    /// The lexicons compiled into the binary.
    pub fn builtin() -> Self {
        Self::load(None).expect("built-in lexicons are valid (checked by tests)")
    }

    /// Loads the lexicons, taking each file from `dir` when it exists there
    /// and from the built-in copy otherwise.
    pub fn load(dir: Option<&Path>) -> Result<Self, LexiconError> {
        Self::load_with_policy(dir, None)
    }

    /// Loads the lexicons as [`Lexicons::load`] does, with the claim-line
    /// policy read from `policy` when given (`--policy FILE`: payers differ).
    pub fn load_with_policy(
        dir: Option<&Path>,
        policy: Option<&Path>,
    ) -> Result<Self, LexiconError> {
        if let Some(d) = dir {
            check_directory(d)?;
        }
        let mut texts: Vec<(String, String)> = Vec::new();
        for (name, builtin) in BUILTIN {
            let path: Option<PathBuf> = match policy {
                Some(p) if *name == "policy.tsv" => Some(p.to_path_buf()),
                _ => dir.map(|d| d.join(name)).filter(|p| p.exists()),
            };
            match path {
                Some(p) => {
                    let text = std::fs::read_to_string(&p).map_err(|e| LexiconError::Io {
                        file: p.display().to_string(),
                        source: e,
                    })?;
                    texts.push((p.display().to_string(), text));
                }
                None => texts.push((format!("lexicons/{name}"), builtin.to_string())),
            }
        }
        let digest = digest(&texts);
        let get = |i: usize| (&texts[i].0[..], &texts[i].1[..]);
        let (f, t) = get(0);
        let concepts = parse_concepts(f, t)?;
        let (f, t) = get(1);
        let rules = parse_rules(f, t)?;
        let (f, t) = get(2);
        let sections = parse_sections(f, t)?;
        let (_, t) = get(3);
        let abbreviations = t
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| l.to_ascii_lowercase())
            .collect();
        let (f, t) = get(10);
        let tabular = tabular::parse_tabular(f, t)?;
        let (f, t) = get(4);
        let regions = parse_regions(f, t, &tabular)?;
        let (f, t) = get(5);
        let table = parse_table(f, t, &concepts, &tabular)?;
        let (f, t) = get(6);
        let gaps = parse_gaps(f, t)?;
        let (f, t) = get(7);
        let scorer_words = parse_scorer_words(f, t)?;
        let (f, t) = get(8);
        let documents = chart::parse_documents(f, t)?;
        let (f, t) = get(9);
        let chart_words = chart::parse_chart_words(f, t)?;
        let (f, t) = get(11);
        let policy = policy::parse_policy(f, t, &concepts)?;
        let (f, t) = get(12);
        let line_cues = policy::parse_cues(f, t)?;
        let (f, t) = get(13);
        let queries = queries::parse_queries(f, t)?;
        Ok(Lexicons {
            queries,
            policy,
            line_cues,
            digest,
            documents,
            chart_words,
            concepts,
            rules,
            sections,
            abbreviations,
            regions,
            table,
            tabular,
            gaps,
            scorer_words,
        })
    }

    /// The M53.8x code, pain code and label of a region.
    pub fn region_code(&self, region: crate::spine::Region) -> Option<&RegionCode> {
        self.regions.iter().find(|r| r.region == region)
    }

    /// The CDI query for a gap.
    pub fn gap_query(&self, gap: &str) -> Option<&str> {
        self.gaps
            .iter()
            .find(|g| g.gap == gap)
            .map(|g| g.query.as_str())
    }
}

fn parse_concepts(file: &str, text: &str) -> Result<Vec<ConceptEntry>, LexiconError> {
    let t = Table::parse(file, text, &["concept", "category", "pattern", "anchors"])?;
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for (line, f) in t.rows {
        let concept = f[0].trim();
        if concept.is_empty() || !concept.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            return Err(invalid(
                t.file,
                line,
                format!("concept `{concept}` must be lower-case letters and underscores"),
            ));
        }
        let category = ConceptCategory::parse(f[1].trim()).ok_or_else(|| {
            invalid(
                t.file,
                line,
                format!(
                    "unknown category `{}` (expected disc, neuro, structural, dorsopathy, pain, imaging, imaging_detail, care, chronicity, region or qualifier)",
                    f[1]
                ),
            )
        })?;
        if category == ConceptCategory::Region
            && crate::spine::Region::from_concept(concept).is_none()
        {
            return Err(invalid(
                t.file,
                line,
                format!(
                    "region concept `{concept}` must be region_<name of a region in regions.tsv>"
                ),
            ));
        }
        let pattern = Pattern::parse(f[2], t.file, line)?;
        if !seen.insert(pattern.clone().key()) {
            return Err(invalid(
                t.file,
                line,
                format!(
                    "duplicate pattern `{}` (each pattern may name one concept)",
                    f[2]
                ),
            ));
        }
        let anchors: Vec<String> = match f[3].trim() {
            "-" | "" => Vec::new(),
            a => a
                .split('|')
                .map(|w| w.trim().to_ascii_lowercase())
                .collect(),
        };
        if !anchors.is_empty() {
            if matches!(pattern, Pattern::Literal(_)) {
                return Err(invalid(
                    t.file,
                    line,
                    "anchors go with regular expressions only (use -)",
                ));
            }
            if let Some(bad) = anchors.iter().find(|w| {
                w.is_empty()
                    || !w
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '-' || c == ' ')
            }) {
                return Err(invalid(
                    t.file,
                    line,
                    format!("anchor `{bad}` must be a word"),
                ));
            }
        }
        out.push(ConceptEntry {
            concept: concept.to_string(),
            category,
            pattern,
            anchors,
            origin: Origin {
                file: t.file.to_string(),
                line,
            },
        });
    }
    Ok(out)
}

fn parse_rules(file: &str, text: &str) -> Result<Vec<ContextRule>, LexiconError> {
    let t = Table::parse(
        file,
        text,
        &["literal", "category", "direction", "max_scope"],
    )?;
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for (line, f) in t.rows {
        let category = RuleCategory::parse(f[1].trim()).ok_or_else(|| {
            invalid(t.file, line, format!("unknown category `{}` (expected NEGATED_EXISTENCE, POSSIBLE_EXISTENCE, HYPOTHETICAL, HISTORICAL, FAMILY, PSEUDO or TERMINATE)", f[1]))
        })?;
        let direction = Direction::parse(f[2].trim()).ok_or_else(|| {
            invalid(t.file, line, format!("unknown direction `{}` (expected FORWARD, BACKWARD, BIDIRECTIONAL, TERMINATE or PSEUDO)", f[2]))
        })?;
        let consistent = match category {
            RuleCategory::Pseudo => direction == Direction::Pseudo,
            RuleCategory::Terminate => direction == Direction::Terminate,
            _ => !matches!(direction, Direction::Pseudo | Direction::Terminate),
        };
        if !consistent {
            return Err(invalid(
                t.file,
                line,
                format!("category {} does not go with direction {}", f[1], f[2]),
            ));
        }
        let max_scope = match f[3].trim() {
            "-" | "" => match direction {
                Direction::Backward => 6,
                _ => 10,
            },
            s => s
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=50).contains(n))
                .ok_or_else(|| {
                    invalid(
                        t.file,
                        line,
                        format!("max_scope `{s}` must be a whole number from 1 to 50, or -"),
                    )
                })?,
        };
        let pattern = Pattern::parse(f[0], t.file, line)?;
        if !seen.insert(pattern.clone().key()) {
            return Err(invalid(
                t.file,
                line,
                format!("duplicate trigger `{}`", f[0]),
            ));
        }
        out.push(ContextRule {
            literal: f[0].trim().to_string(),
            pattern,
            category,
            direction,
            max_scope,
            origin: Origin {
                file: t.file.to_string(),
                line,
            },
        });
    }
    Ok(out)
}

fn parse_sections(file: &str, text: &str) -> Result<Vec<SectionHeader>, LexiconError> {
    let t = Table::parse(file, text, &["header", "section"])?;
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for (line, f) in t.rows {
        let kind = SectionKind::parse(f[1].trim())
            .ok_or_else(|| invalid(t.file, line, format!("unknown section `{}`", f[1])))?;
        let header = crate::text::normalize_phrase(f[0].trim()).to_ascii_lowercase();
        if header.is_empty() {
            return Err(invalid(t.file, line, "empty header"));
        }
        if !seen.insert(header.clone()) {
            return Err(invalid(
                t.file,
                line,
                format!("duplicate header `{}`", f[0]),
            ));
        }
        out.push(SectionHeader { header, kind });
    }
    Ok(out)
}

fn parse_regions(
    file: &str,
    text: &str,
    tabular: &Tabular,
) -> Result<Vec<RegionCode>, LexiconError> {
    let t = Table::parse(file, text, &["region", "m53_code", "pain_code", "label"])?;
    let mut out: Vec<RegionCode> = Vec::new();
    for (line, f) in t.rows {
        let region = crate::spine::Region::parse(f[0].trim())
            .ok_or_else(|| invalid(t.file, line, format!("unknown region `{}`", f[0])))?;
        if out.iter().any(|r| r.region == region) {
            return Err(invalid(
                t.file,
                line,
                format!("duplicate region `{}`", f[0]),
            ));
        }
        let code = f[1].trim();
        if !is_code(code) {
            return Err(invalid(
                t.file,
                line,
                format!("`{code}` is not an ICD-10-CM code"),
            ));
        }
        tabular
            .check_reportable(code)
            .map_err(|m| invalid(t.file, line, m))?;
        let pain = f[2].trim();
        if pain != "-" {
            tabular
                .check_reportable(pain)
                .map_err(|m| invalid(t.file, line, m))?;
        }
        let pain_code = if pain == "-" {
            None
        } else if is_code(pain) {
            Some(pain.to_string())
        } else {
            return Err(invalid(
                t.file,
                line,
                format!("`{pain}` is not an ICD-10-CM code or -"),
            ));
        };
        out.push(RegionCode {
            region,
            m53_code: code.to_string(),
            pain_code,
            label: f[3].trim().to_string(),
        });
    }
    for r in crate::spine::Region::ALL {
        if !out.iter().any(|c| c.region == r) {
            return Err(invalid(
                t.file,
                1,
                format!("region `{}` has no row", r.name()),
            ));
        }
    }
    Ok(out)
}

/// Is `s` shaped like an ICD-10-CM code (letter, two digits, optional dot part)?
pub fn is_code(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 3
        && b[0].is_ascii_uppercase()
        && b[1].is_ascii_digit()
        && b[2].is_ascii_alphanumeric()
        && (b.len() == 3
            || (b[3] == b'.'
                && b.len() > 4
                && b[4..]
                    .iter()
                    .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())))
}

fn parse_table(
    file: &str,
    text: &str,
    concepts: &[ConceptEntry],
    tabular: &Tabular,
) -> Result<Vec<TableRow>, LexiconError> {
    let t = Table::parse(
        file,
        text,
        &["code", "when", "with", "unless", "site", "description"],
    )?;
    let known: HashSet<&str> = concepts.iter().map(|c| c.concept.as_str()).collect();
    let mut out = Vec::new();
    for (line, f) in t.rows {
        let code = f[0].trim();
        if code != NO_CODE {
            if !is_code(code.strip_suffix('-').unwrap_or(code)) {
                return Err(invalid(
                    t.file,
                    line,
                    format!("`{code}` is not an ICD-10-CM code or `{NO_CODE}`"),
                ));
            }
            tabular
                .check_reportable(code)
                .map_err(|m| invalid(t.file, line, m))?;
        }
        let site = Site::parse(f[4].trim()).ok_or_else(|| {
            invalid(
                t.file,
                line,
                format!(
                    "site must be segment, c7, t1 or c7_or_t1, found `{}`",
                    f[4].trim()
                ),
            )
        })?;
        let when = split_concepts(f[1]);
        if when.is_empty() {
            return Err(invalid(t.file, line, "`when` needs at least one concept"));
        }
        let with = split_concepts(f[2]);
        let unless = split_concepts(f[3]);
        for c in when.iter().chain(&with).chain(&unless) {
            if !known.contains(c.as_str()) {
                return Err(invalid(
                    t.file,
                    line,
                    format!("unknown concept `{c}` (not in concepts.tsv)"),
                ));
            }
        }
        out.push(TableRow {
            code: code.to_string(),
            when,
            with,
            unless,
            site,
            description: f[5].trim().to_string(),
            origin: Origin {
                file: t.file.to_string(),
                line,
            },
        });
    }
    Ok(out)
}

fn parse_gaps(file: &str, text: &str) -> Result<Vec<GapQuery>, LexiconError> {
    let t = Table::parse(file, text, &["gap", "query"])?;
    let mut out = Vec::new();
    for (line, f) in t.rows {
        let gap = f[0].trim();
        if !ELEMENTS.contains(&gap) {
            return Err(invalid(
                t.file,
                line,
                format!(
                    "unknown gap `{gap}` (expected one of {})",
                    ELEMENTS.join(", ")
                ),
            ));
        }
        out.push(GapQuery {
            gap: gap.to_string(),
            query: f[1].trim().to_string(),
        });
    }
    for e in ELEMENTS {
        if !out.iter().any(|g| g.gap == *e) {
            return Err(invalid(t.file, 1, format!("gap `{e}` has no query")));
        }
    }
    Ok(out)
}

fn parse_scorer_words(file: &str, text: &str) -> Result<ScorerWords, LexiconError> {
    let mut w = ScorerWords::default();
    parse_word_lists(
        file,
        text,
        "word",
        |s| s.trim().to_ascii_lowercase(),
        &mut [
            ("spine_context", &mut w.spine_context),
            ("symptom_site", &mut w.symptom_site),
            ("neuro_symptom", &mut w.neuro_symptom),
            ("dates_procedure", &mut w.dates_procedure),
            ("ongoing_care", &mut w.ongoing_care),
        ],
    )?;
    Ok(w)
}

/// A `list<TAB>COLUMN` table of named word lists: each row's value, made by
/// `clean`, goes to its list; an unknown list, an empty value and a
/// duplicate in one list are errors naming the file and line.
pub(crate) fn parse_word_lists(
    file: &str,
    text: &str,
    column: &str,
    clean: impl Fn(&str) -> String,
    lists: &mut [(&str, &mut Vec<String>)],
) -> Result<(), LexiconError> {
    let t = Table::parse(file, text, &["list", column])?;
    for (line, f) in t.rows {
        let value = clean(f[1]);
        let name = f[0].trim();
        let Some((_, list)) = lists.iter_mut().find(|(n, _)| *n == name) else {
            let names: Vec<&str> = lists.iter().map(|(n, _)| *n).collect();
            return Err(invalid(
                t.file,
                line,
                format!(
                    "unknown list `{name}` (expected one of {})",
                    names.join(", ")
                ),
            ));
        };
        if value.is_empty() {
            return Err(invalid(t.file, line, format!("empty {column}")));
        }
        if list.contains(&value) {
            return Err(invalid(
                t.file,
                line,
                format!("`{value}` is already in list `{name}`"),
            ));
        }
        list.push(value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_lexicons_validate() {
        let lex = Lexicons::load(None).unwrap();
        assert!(lex.concepts.len() > 100);
        assert!(lex.rules.iter().any(|r| r.literal == "cannot be ruled out"));
        // DOMAIN.md's twelve rows, M48.03 twice: alone, and as the
        // underlying disease of a myelopathy coded G99.2.
        assert_eq!(lex.table.len(), 30);
        assert_eq!(lex.table.iter().filter(|r| r.code == "M48.03").count(), 2);
    }

    #[test]
    fn errors_name_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("context_rules.tsv"),
            "# c\nliteral\tcategory\tdirection\tmax_scope\nno\tNEGATED\tFORWARD\t-\n",
        )
        .unwrap();
        let err = Lexicons::load(Some(dir.path())).unwrap_err().to_string();
        assert!(err.contains("context_rules.tsv:3"), "{err}");
        assert!(err.contains("unknown category `NEGATED`"), "{err}");
    }

    #[test]
    fn bad_header_and_columns_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("sections.tsv"), "header\tkind\n").unwrap();
        let err = Lexicons::load(Some(dir.path())).unwrap_err().to_string();
        assert!(
            err.contains("sections.tsv:1") && err.contains("header must be"),
            "{err}"
        );
        std::fs::write(dir.path().join("sections.tsv"), "header\tsection\nhpi\n").unwrap();
        let err = Lexicons::load(Some(dir.path())).unwrap_err().to_string();
        assert!(
            err.contains("sections.tsv:2") && err.contains("expected 2"),
            "{err}"
        );
    }

    #[test]
    fn table_rejects_unknown_concepts_and_bad_regex() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("more_specific.tsv"),
            "code\twhen\twith\tunless\tsite\tdescription\nM50.23\tdisk_herniation\t-\t-\tsegment\tx\n",
        )
        .unwrap();
        let err = Lexicons::load(Some(dir.path())).unwrap_err().to_string();
        assert!(
            err.contains("more_specific.tsv:2") && err.contains("disk_herniation"),
            "{err}"
        );
        std::fs::remove_file(dir.path().join("more_specific.tsv")).unwrap();
        std::fs::write(
            dir.path().join("concepts.tsv"),
            "concept\tcategory\tpattern\tanchors\nstenosis\tstructural\tre:(unclosed\t-\n",
        )
        .unwrap();
        let err = Lexicons::load(Some(dir.path())).unwrap_err().to_string();
        assert!(
            err.contains("concepts.tsv:2") && err.contains("regular expression"),
            "{err}"
        );
    }

    #[test]
    fn scorer_words_are_checked() {
        let lex = Lexicons::builtin();
        assert!(lex
            .scorer_words
            .ongoing_care
            .contains(&"continue".to_string()));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scorer_words.tsv");
        std::fs::write(&path, "list\tword\nongoing\tcontinue\n").unwrap();
        let err = Lexicons::load(Some(dir.path())).unwrap_err().to_string();
        assert!(
            err.contains("scorer_words.tsv:2") && err.contains("unknown list `ongoing`"),
            "{err}"
        );
        std::fs::write(
            &path,
            "list\tword\n# x\nsymptom_site\tneck\nsymptom_site\tNeck\n",
        )
        .unwrap();
        let err = Lexicons::load(Some(dir.path())).unwrap_err().to_string();
        assert!(
            err.contains("scorer_words.tsv:4") && err.contains("already"),
            "{err}"
        );
        // A coder's own list replaces the built-in one.
        std::fs::write(&path, "list\tword\nongoing_care\tkeep up\n").unwrap();
        let lex = Lexicons::load(Some(dir.path())).unwrap();
        assert_eq!(lex.scorer_words.ongoing_care, ["keep up"]);
        assert!(lex.scorer_words.spine_context.is_empty());
    }

    #[test]
    fn code_shapes() {
        for c in ["M53.83", "M53.2X3", "G99.2", "M47.813", "M54.50"] {
            assert!(is_code(c), "{c}");
        }
        for c in ["m53.83", "M5", "M53.", "53.83"] {
            assert!(!is_code(c), "{c}");
        }
    }
}
