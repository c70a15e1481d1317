//! The output record of one note, and how the auditor builds it.
//!
//! One JSON object per note (JSON lines). A verdict record:
//!
//! ```json
//! {"id": "n1", "verdict": "supported", "codes": ["M53.83"], "score": 85,
//!  "reason": "...", "checklist": {"region": {"status": "present", "evidence": [0]}, ...},
//!  "gaps": [{"element": "imaging", "reason": "...", "query": "..."}],
//!  "billed": ["M53.83"], "billed_agrees": true, "notes": [],
//!  "evidence": [{"start": 10, "end": 15, "text": "C7-T1", "concept": "level",
//!                "category": "region", "assertion": "affirmed", "section": "assessment",
//!                "region": "cervicothoracic"}]}
//! ```
//!
//! `start`/`end` are byte offsets into the original note text and `text` is
//! exactly that slice. Checklist `evidence` entries index the `evidence`
//! array. A note that could not be audited gives an error record instead:
//! `{"id": "n2", "error": {"kind": "invalid_json", "message": "..."}}`.

use crate::analysis::{Analysis, Analyzer, TermKind};
use crate::context::assertion::Label;
use crate::decide::{decide, Decision, Gap, Setting, Status, Verdict};
use crate::find::levels::LevelKind;
use crate::lexicon::Lexicons;
use crate::lines::read::LineReader;
use crate::lines::{LineOut, LineSpan, ProcedureLine};
use serde::Serialize;
use std::borrow::Cow;
use std::sync::Arc;

/// A note to audit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Note {
    /// Identifier (from the input, or the file path).
    pub id: String,
    /// The note text.
    pub text: String,
    /// Codes billed on the claim (may be empty).
    pub billed: Vec<String>,
    /// The care setting of this note, when the input names it (otherwise
    /// the auditor's, `--setting`).
    pub setting: Option<Setting>,
    /// The claim's procedure lines billed with it (may be empty).
    pub procedures: Vec<ProcedureLine>,
}

/// One checklist element in the output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ElementOut {
    /// present / absent / negated / other.
    pub status: &'static str,
    /// Indices into the record's `evidence`.
    pub evidence: Vec<usize>,
}

/// The element checklist (DOMAIN.md elements 1-5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checklist {
    /// Element 1: the region is named (present = C7-T1, other = another region).
    pub region: ElementOut,
    /// Element 2: a distinct pathology is affirmed.
    pub pathology: ElementOut,
    /// Element 3a: disc pathology is excluded.
    pub disc_excluded: ElementOut,
    /// Element 3b: radiculopathy/myelopathy is excluded.
    pub neuro_excluded: ElementOut,
    /// Element 4: spine imaging with its result.
    pub imaging: ElementOut,
    /// Element 5a: symptom duration.
    pub chronicity: ElementOut,
    /// Element 5b: conservative care tried.
    pub conservative_care: ElementOut,
}

/// A name in a record: a word of the program's own, or a lexicon string
/// the [`Analyzer`] owns and shares with its records (so that dropping an
/// auditor frees its lexicons' strings; nothing is leaked per auditor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Name {
    /// A built-in word (`level`, `section:past_history`).
    Static(&'static str),
    /// A lexicon string (a concept name, a ConText rule literal).
    Shared(Arc<str>),
}

impl std::ops::Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            Name::Static(s) => s,
            Name::Shared(s) => s,
        }
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
}

impl Serialize for Name {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self)
    }
}

/// A span of the note that the decision rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// Start byte in the original text.
    pub start: usize,
    /// End byte in the original text.
    pub end: usize,
    /// The original text of the span.
    pub text: String,
    /// Concept name (`level` for level expressions).
    pub concept: Name,
    /// Concept category (`region` for levels).
    pub category: &'static str,
    /// affirmed / negated / uncertain / hypothetical / historical / family.
    pub assertion: &'static str,
    /// Section of the note.
    pub section: &'static str,
    /// Region(s) the span is stated at, `+`-joined, if any (borrowed when
    /// one: no allocation per evidence span).
    pub region: Option<Cow<'static, str>>,
    /// The ConText trigger behind a non-affirmed assertion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger: Option<Name>,
    /// The span decided the verdict.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub decisive: bool,
    /// The document of the export it is in (its `index` in the record's
    /// `documents`).
    pub document: usize,
    /// Why the span does not count, if it does not (DOMAIN.md, "Reading a
    /// whole chart"): a machine name and the reason in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount: Option<DiscountOut>,
}

/// A document of the export that evidence spans are in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DocumentRef {
    /// Position in the export (0 = first).
    pub index: usize,
    /// Byte where it starts in the original text.
    pub start: usize,
    /// questionnaire, triage, provider_note, radiology, addendum ... (`note`
    /// when the text has no document headers).
    pub kind: &'static str,
    /// Who speaks in it.
    pub role: &'static str,
    /// current, preliminary, final, addendum, copied, prior.
    pub time: &'static str,
}

/// A discounted span's reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiscountOut {
    /// Machine name (`overruled`, `code_not_documentation` ...).
    pub kind: &'static str,
    /// The reason in words.
    pub reason: String,
}

/// The audit of one note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    /// Note id.
    pub id: String,
    /// One of the seven verdicts.
    pub verdict: Verdict,
    /// Codes the documentation supports.
    pub codes: Vec<String>,
    /// 0-100 support for M53.83.
    pub score: u8,
    /// The care setting the uncertain diagnoses were read for.
    pub setting: Setting,
    /// Why, in one sentence.
    pub reason: String,
    /// Elements 1-5.
    pub checklist: Checklist,
    /// Documentation gaps with CDI queries.
    pub gaps: Vec<Gap>,
    /// Compliant provider queries: raised only where the documentation
    /// leaves the code open, each quoting the note's indicators.
    pub queries: Vec<crate::query::Query>,
    /// Billed codes from the input.
    pub billed: Vec<String>,
    /// Whether the billed spine codes agree with the documentation (null when
    /// no spine code was billed).
    pub billed_agrees: Option<bool>,
    /// Coder notes that do not change the verdict.
    pub notes: Vec<String>,
    /// The documents of the export that evidence spans are in, by index.
    pub documents: Vec<DocumentRef>,
    /// Evidence spans, by start.
    pub evidence: Vec<Evidence>,
    /// The claim lines billed with the note, each checked against the
    /// policy (absent when the note has none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<LineOut>,
    /// The audit trail: which program and vocabulary decided it.
    pub m53audit: Trail,
}

/// The audit trail of a record: the program version and the digest of the
/// lexicons in force. The same input, version and lexicons give
/// byte-identical records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trail {
    /// m53audit's version.
    pub version: &'static str,
    /// [`Lexicons::digest`] of the lexicons in force.
    pub lexicons: Name,
}

impl Trail {
    /// The trail of records decided with `lexicons` by this build.
    pub fn of(lexicons: &Lexicons) -> Self {
        Trail {
            version: env!("CARGO_PKG_VERSION"),
            lexicons: Name::Shared(lexicons.digest.as_str().into()),
        }
    }
}

impl Record {
    /// Moves every byte offset of the record (evidence spans, document
    /// starts) through `to_original`: for a note whose text was decoded,
    /// offsets into the text become offsets into the original bytes.
    pub fn map_offsets(&mut self, to_original: impl Fn(usize) -> usize) {
        for e in &mut self.evidence {
            e.start = to_original(e.start);
            e.end = to_original(e.end);
        }
        for d in &mut self.documents {
            d.start = to_original(d.start);
        }
        for q in &mut self.queries {
            for i in &mut q.indicators {
                i.start = to_original(i.start);
                i.end = to_original(i.end);
            }
        }
        for l in &mut self.lines {
            l.map_spans(&|s| LineSpan {
                start: to_original(s.start),
                end: to_original(s.end),
                ..s.clone()
            });
        }
    }

    /// The document an evidence span is in.
    pub fn document_of(&self, e: &Evidence) -> Option<&DocumentRef> {
        self.documents.iter().find(|d| d.index == e.document)
    }
}

/// Why a note could not be audited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorInfo {
    /// Machine-readable kind (invalid_json, invalid_utf8, empty_text, oversize, unreadable ...).
    pub kind: String,
    /// What went wrong; never contains note text.
    pub message: String,
}

/// The record of a note that could not be audited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorRecord {
    /// Note id (or a position such as `file.jsonl:12` when none could be read).
    pub id: String,
    /// The error.
    pub error: ErrorInfo,
    /// The audit trail (set by the runner that wrote the record).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub m53audit: Option<Trail>,
}

impl ErrorRecord {
    /// The error record of note `id` (no trail: the runner sets it).
    pub fn new(id: String, kind: &str, message: String) -> Self {
        ErrorRecord {
            id,
            error: ErrorInfo {
                kind: kind.to_string(),
                message,
            },
            m53audit: None,
        }
    }
}

/// One output line: a verdict or an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Output {
    /// The note was audited.
    Audited(Box<Record>),
    /// It could not be.
    Error(ErrorRecord),
}

impl Output {
    /// The note id.
    pub fn id(&self) -> &str {
        match self {
            Output::Audited(r) => &r.id,
            Output::Error(e) => &e.id,
        }
    }

    /// The note id, the rest of the record dropped.
    pub fn into_id(self) -> String {
        match self {
            Output::Audited(r) => r.id,
            Output::Error(e) => e.id,
        }
    }
}

/// Is `code` in this auditor's scope (spine codes whose agreement it can judge)?
pub fn is_spine_code(code: &str) -> bool {
    let c = code.trim().to_ascii_uppercase();
    c.starts_with("M4") || c.starts_with("M5") || c.starts_with("M99") || c == "G99.2"
}

fn code_key(code: &str) -> String {
    code.trim().to_ascii_uppercase().replace('.', "")
}

/// Normalises billed codes: trimmed, upper case, empty ones dropped.
pub fn normalize_billed<I: IntoIterator<Item = S>, S: AsRef<str>>(codes: I) -> Vec<String> {
    codes
        .into_iter()
        .map(|c| c.as_ref().trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty())
        .collect()
}

/// Billed codes from one string: separated by commas, semicolons or white
/// space, normalised.
pub fn split_billed(s: &str) -> Vec<String> {
    normalize_billed(s.split(|c: char| c == ',' || c == ';' || c.is_whitespace()))
}

/// Has `code` the shape of an ICD-10-CM code: a letter (not U), a digit, a
/// letter or digit, then up to four letters or digits after an optional
/// dot (`M53.83`, `M5383`, `S13.4XXA`)?
pub fn is_icd10cm_shape(code: &str) -> bool {
    let b = code.as_bytes();
    let alnum = |c: &u8| c.is_ascii_digit() || c.is_ascii_uppercase();
    if b.len() < 3
        || !b[0].is_ascii_uppercase()
        || b[0] == b'U'
        || !b[1].is_ascii_digit()
        || !alnum(&b[2])
    {
        return false;
    }
    let rest = b[3..].strip_prefix(b".").unwrap_or(&b[3..]);
    rest.len() <= 4 && rest.iter().all(alnum) && !(b.len() == 4 && b[3] == b'.')
}

/// Do the billed spine codes agree with the documented codes? `None` when no
/// spine code was billed. A billed code without the shape of an ICD-10-CM
/// code takes no part (the record's notes name it).
pub fn billed_agrees(billed: &[String], documented: &[String]) -> Option<bool> {
    let spine: Vec<&String> = billed
        .iter()
        .filter(|c| is_icd10cm_shape(c) && is_spine_code(c))
        .collect();
    if spine.is_empty() {
        return None;
    }
    let doc: Vec<String> = documented.iter().map(|c| code_key(c)).collect();
    Some(!doc.is_empty() && spine.iter().all(|c| doc.contains(&code_key(c))))
}

/// The whole auditor: lexicons compiled into matchers; build once and share
/// across threads.
#[derive(Debug, Clone)]
pub struct Auditor {
    /// The analysis pipeline.
    pub analyzer: Analyzer,
    /// The care setting of notes that do not name theirs.
    pub setting: Setting,
    /// The trail every record carries.
    pub trail: Trail,
    /// The claim-line reader (the cues of `line_cues.tsv`), compiled on
    /// first use and shared by the auditor's clones.
    lines: Arc<std::sync::OnceLock<LineReader>>,
}

impl Auditor {
    /// Builds the auditor from lexicons.
    pub fn new(lexicons: Lexicons) -> Self {
        Auditor {
            trail: Trail::of(&lexicons),
            lines: Arc::default(),
            analyzer: Analyzer::new(lexicons),
            setting: Setting::default(),
        }
    }

    /// The auditor for notes of `setting` (those that do not name theirs).
    pub fn with_setting(mut self, setting: Setting) -> Self {
        self.setting = setting;
        self
    }

    /// Analyses and decides one text in the auditor's setting.
    pub fn analyze(&self, text: &str) -> (Analysis, Decision) {
        self.analyze_in(text, self.setting)
    }

    /// Analyses and decides one text in `setting`.
    pub fn analyze_in(&self, text: &str, setting: Setting) -> (Analysis, Decision) {
        let mut a = self.analyzer.analyze(text);
        crate::decide::setting::apply(setting, &mut a);
        let d = decide(&self.analyzer, &a);
        (a, d)
    }

    /// The setting a note is read in: its own, else the auditor's.
    pub fn setting_of(&self, note: &Note) -> Setting {
        note.setting.unwrap_or(self.setting)
    }

    /// Audits one note into its output record.
    pub fn audit(&self, note: &Note) -> Record {
        let (a, d) = self.analyze_in(&note.text, self.setting_of(note));
        self.record(note, &a, &d)
    }

    /// Builds the record from an analysis and decision.
    pub fn record(&self, note: &Note, a: &Analysis, d: &Decision) -> Record {
        let lex = &self.analyzer.lexicons;
        let mut evidence = Vec::with_capacity(a.terms.len());
        for (i, t) in a.terms.iter().enumerate() {
            let (start, end) = a.norm.original_range(t.start, t.end);
            let (concept, category): (Name, &'static str) = match &t.kind {
                TermKind::Concept(c) => {
                    let e = &lex.concepts[*c];
                    (
                        Name::Shared(self.analyzer.concept_name(*c).clone()),
                        category_name(e.category),
                    )
                }
                TermKind::Level(m) => (
                    Name::Static(match m.kind {
                        LevelKind::Segment => "level",
                        LevelKind::Range => "level_range",
                        LevelKind::Junction => "junction",
                        LevelKind::Single => "vertebra",
                    }),
                    "region",
                ),
            };
            let region = match t.placement.regions.iter().count() {
                0 => None,
                1 => t
                    .placement
                    .regions
                    .iter()
                    .next()
                    .map(|r| Cow::Borrowed(r.name())),
                _ => Some(Cow::Owned(
                    t.placement
                        .regions
                        .iter()
                        .map(|r| r.name())
                        .collect::<Vec<_>>()
                        .join("+"),
                )),
            };
            let section = match a.sections.get(t.sentence) {
                Some(s) if s.title => "title",
                Some(s) => s.kind.name(),
                None => "none",
            };
            let label = t.label();
            let trigger: Option<Name> = if label == Label::Affirmed {
                None
            } else {
                t.assertion
                    .triggers
                    .iter()
                    .map(|&k| Name::Shared(self.analyzer.rule_literal(a.triggers[k].rule).clone()))
                    .next()
                    .or_else(|| t.assertion.chart.map(Name::Static))
                    .or_else(|| {
                        t.assertion
                            .section_default
                            .map(|s| Name::Static(s.default_trigger()))
                    })
            };
            let discount = t.discount.map(|k| DiscountOut {
                kind: k.name(),
                reason: match k {
                    crate::analysis::Discount::Overruled(by) => format!(
                        "{} (at byte {})",
                        k.reason(),
                        a.norm.original_range(by, by).0
                    ),
                    _ => k.reason().to_string(),
                },
            });
            evidence.push(Evidence {
                start,
                end,
                text: note.text[start..end].to_string(),
                concept,
                category,
                assertion: label.name(),
                section,
                region,
                trigger,
                decisive: d.deciding.binary_search(&i).is_ok(),
                document: t.document,
                discount,
            });
        }
        let el = |k: usize| ElementOut {
            status: status_name(d.checklist[k].status),
            evidence: d.checklist[k].terms.clone(),
        };
        let billed = note.billed.clone();
        let mut notes = d.notes.clone();
        for bad in billed.iter().filter(|c| !is_icd10cm_shape(c)) {
            notes.push(format!(
                "Billed code `{bad}` does not have the shape of an ICD-10-CM code; it takes no part in the agreement check."
            ));
        }
        Record {
            id: note.id.clone(),
            verdict: d.verdict,
            codes: d.codes.clone(),
            score: d.score,
            setting: self.setting_of(note),
            reason: d.reason.clone(),
            checklist: Checklist {
                region: el(0),
                pathology: el(1),
                disc_excluded: el(2),
                neuro_excluded: el(3),
                imaging: el(4),
                chronicity: el(5),
                conservative_care: el(6),
            },
            gaps: d.gaps.clone(),
            queries: self.queries_of(note, a, d),
            billed_agrees: billed_agrees(&billed, &d.codes),
            billed,
            notes,
            documents: documents_of(a, &evidence),
            evidence,
            lines: self.lines_of(note, a, d),
            m53audit: self.trail.clone(),
        }
    }
}

impl Auditor {
    /// The claim-line and query cue reader, compiled on first use.
    pub fn line_reader(&self) -> &LineReader {
        self.lines
            .get_or_init(|| LineReader::new(&self.analyzer.lexicons.line_cues))
    }

    /// The note's provider queries, with indicator offsets into its text.
    pub fn queries_of(&self, note: &Note, a: &Analysis, d: &Decision) -> Vec<crate::query::Query> {
        let original = |s: usize, e: usize| {
            let (start, end) = a.norm.original_range(s, e);
            (start, end, note.text[start..end].to_string())
        };
        crate::query::raise(
            &self.analyzer,
            self.line_reader(),
            a,
            d,
            self.setting_of(note),
            &original,
        )
    }

    /// The note's claim lines checked against the policy, with evidence
    /// offsets into the note's text.
    pub fn lines_of(&self, note: &Note, a: &Analysis, d: &Decision) -> Vec<LineOut> {
        if note.procedures.is_empty() {
            return Vec::new();
        }
        let span = |s: usize, e: usize| {
            let (start, end) = a.norm.original_range(s, e);
            LineSpan {
                note: None,
                note_index: 0,
                start,
                end,
                text: note.text[start..end].to_string(),
            }
        };
        crate::lines::check(
            self.line_reader(),
            &self.analyzer,
            a,
            &d.codes,
            &note.procedures,
            &span,
        )
    }
}

/// The documents the evidence spans are in, by index.
fn documents_of(a: &Analysis, evidence: &[Evidence]) -> Vec<DocumentRef> {
    let mut used: Vec<usize> = evidence.iter().map(|e| e.document).collect();
    used.sort_unstable();
    used.dedup();
    used.into_iter()
        .filter_map(|i| a.documents.docs.get(i))
        .map(|d| DocumentRef {
            index: d.index,
            start: a.norm.original_range(d.start, d.start).0,
            kind: d.kind.name(),
            role: d.role.name(),
            time: d.time.name(),
        })
        .collect()
}

fn status_name(s: Status) -> &'static str {
    match s {
        Status::Present => "present",
        Status::Absent => "absent",
        Status::Negated => "negated",
        Status::Other => "other",
    }
}

/// Snake-case name of a concept category.
pub fn category_name(c: crate::lexicon::ConceptCategory) -> &'static str {
    use crate::lexicon::ConceptCategory as C;
    match c {
        C::Disc => "disc",
        C::Neuro => "neuro",
        C::Structural => "structural",
        C::Dorsopathy => "dorsopathy",
        C::Pain => "pain",
        C::Imaging => "imaging",
        C::ImagingDetail => "imaging_detail",
        C::Care => "care",
        C::Region => "region",
        C::Qualifier => "qualifier",
        C::Chronicity => "chronicity",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn billed_agreement() {
        let doc = vec!["M53.83".to_string()];
        assert_eq!(
            billed_agrees(&normalize_billed(["m53.83"]), &doc),
            Some(true)
        );
        assert_eq!(
            billed_agrees(&normalize_billed(["M54.12"]), &doc),
            Some(false)
        );
        assert_eq!(billed_agrees(&normalize_billed(["J13"]), &doc), None);
        assert_eq!(billed_agrees(&[], &doc), None);
        assert_eq!(
            billed_agrees(&normalize_billed(["M53.83"]), &[]),
            Some(false)
        );
        assert_eq!(
            billed_agrees(&normalize_billed(["M5383"]), &doc),
            Some(true)
        );
        assert_eq!(billed_agrees(&normalize_billed(["M53.83.9"]), &doc), None);
    }

    #[test]
    fn icd10cm_shapes_and_splitting() {
        for ok in ["M53.83", "M5383", "S13.4XXA", "G99.2", "M48.8X3", "Z87.39"] {
            assert!(is_icd10cm_shape(ok), "{ok}");
        }
        for bad in [
            "",
            "M5",
            "M53.",
            "53.83",
            "U07.1",
            "M53.83.1",
            "M53.83XXXX",
            "m53.83",
            "M5?.8",
        ] {
            assert!(!is_icd10cm_shape(bad), "{bad}");
        }
        assert_eq!(
            split_billed("m53.83, M54.2;G99.2  M47.813\tx"),
            ["M53.83", "M54.2", "G99.2", "M47.813", "X"]
        );
    }
}
