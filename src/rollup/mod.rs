//! The roll-up of an encounter or a claim: the notes of one group audited
//! as one chart (DOMAIN.md's rules applied to the encounter's
//! documentation as a whole), with each note's own verdict beside it.
//!
//! The notes are joined in time order (by their dates when every note has
//! one, otherwise in input order), each after a separator line, into one
//! export: the chart reader then does what it does for any export. An MRI
//! report's C7-T1 finding and the clinic note's assessment count together;
//! an addendum or final read in a later note supersedes an earlier
//! statement; a more specific condition documented in any note pre-empts
//! M53.83; a separator line ends a document and its section, so no note
//! inherits the previous note's section. Evidence offsets are then given
//! back per note: `note` names the note, `start`/`end` are bytes of that
//! note's text.

use crate::decide::Setting;
use crate::decide::Verdict;
use crate::lines::{LineOut, LineSpan, ProcedureLine};
use crate::record::{Auditor, Checklist, DocumentRef, ErrorRecord, Evidence, Note, Record, Trail};
use serde::Serialize;

/// What joins a note to an encounter and a claim, and where it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keys {
    /// The group key `--group-column` names (or the JSON `group` field).
    pub group: Option<String>,
    /// The claim it belongs to, when the input says.
    pub claim: Option<String>,
    /// The encounter (visit) it documents.
    pub encounter: Option<String>,
    /// The patient.
    pub patient: Option<String>,
    /// Its date (ISO 8601, `YYYY-MM-DD` first).
    pub date: Option<String>,
    /// Where its text came from (`DocumentReference/d1 content[0] text/html`).
    pub source: Option<String>,
}

/// What notes are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum By {
    /// One record per note (no roll-up).
    Note,
    /// One record per encounter.
    Encounter,
    /// One record per claim.
    Claim,
}

impl By {
    /// Lower-case name, as in records.
    pub fn name(self) -> &'static str {
        match self {
            By::Note => "note",
            By::Encounter => "encounter",
            By::Claim => "claim",
        }
    }
}

/// One note of a group.
#[derive(Debug, Clone)]
pub struct GroupNote {
    /// The note.
    pub note: Note,
    /// Its keys.
    pub keys: Keys,
}

/// The notes of one encounter or claim.
#[derive(Debug, Clone, Default)]
pub struct Group {
    /// The group's id (the claim or encounter key).
    pub id: String,
    /// The claim, when known.
    pub claim: Option<String>,
    /// The encounter, when known (the first, when a claim has several).
    pub encounter: Option<String>,
    /// The patient, when known.
    pub patient: Option<String>,
    /// The codes billed on the claim (from any note of the group, or the
    /// claim resource).
    pub billed: Vec<String>,
    /// The notes, in input order.
    pub notes: Vec<GroupNote>,
    /// Notes left out as copies of another note of the group (the same
    /// text from two resources), by id.
    pub duplicates: Vec<String>,
    /// The claim's procedure lines (from its notes or the claim resource;
    /// a line given twice is kept once).
    pub procedures: Vec<ProcedureLine>,
}

/// An evidence span of a group record: the note it is in, and the span
/// with offsets into that note's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupEvidence {
    /// The note's id.
    pub note: String,
    /// Index of the note in the group record's `notes`.
    #[serde(skip)]
    pub note_index: usize,
    /// The span.
    #[serde(flatten)]
    pub evidence: Evidence,
}

/// A document of a group record, with the note it opens in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupDocument {
    /// The note's id.
    pub note: String,
    /// Index of the note in `notes`.
    #[serde(skip)]
    pub note_index: usize,
    /// The document (its `start` is a byte of the note's text).
    #[serde(flatten)]
    pub document: DocumentRef,
}

/// One note's own audit, beside the group's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PerNote {
    /// The note id.
    pub id: String,
    /// Its verdict read alone.
    pub verdict: Verdict,
    /// Its codes read alone.
    pub codes: Vec<String>,
    /// Its date, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Where its text came from, when the input says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// The audit of one encounter or claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupRecord {
    /// The group id (claim or encounter key).
    pub id: String,
    /// `claim` or `encounter`.
    pub by: &'static str,
    /// The claim.
    pub claim: Option<String>,
    /// The encounter.
    pub encounter: Option<String>,
    /// The patient.
    pub patient: Option<String>,
    /// The note ids, in the order they were read as one chart.
    pub notes: Vec<String>,
    /// The group's verdict.
    pub verdict: Verdict,
    /// Codes the group's documentation supports.
    pub codes: Vec<String>,
    /// 0-100 support for M53.83.
    pub score: u8,
    /// The care setting the group was read in.
    pub setting: Setting,
    /// Why, in one sentence.
    pub reason: String,
    /// Elements 1-5 (evidence entries index `evidence`).
    pub checklist: Checklist,
    /// Documentation gaps with CDI queries.
    pub gaps: Vec<crate::decide::Gap>,
    /// Compliant provider queries (indicators name their note).
    pub queries: Vec<crate::query::Query>,
    /// The claim's codes.
    pub billed: Vec<String>,
    /// Whether the billed spine codes agree with the documentation.
    pub billed_agrees: Option<bool>,
    /// Coder notes that do not change the verdict.
    pub coder_notes: Vec<String>,
    /// The spans that decided the verdict.
    pub deciding: Vec<GroupEvidence>,
    /// Each note read alone.
    pub per_note: Vec<PerNote>,
    /// Notes left out as copies of another note of the group.
    pub duplicates: Vec<String>,
    /// The documents evidence spans are in.
    pub documents: Vec<GroupDocument>,
    /// All evidence spans, by note and start.
    pub evidence: Vec<GroupEvidence>,
    /// The claim's procedure lines, each checked against the policy
    /// (evidence spans name their note; absent when the claim has none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<LineOut>,
    /// The audit trail.
    pub m53audit: Trail,
}

impl GroupRecord {
    /// Moves every offset through `to_original(note_index, offset)` (for
    /// notes whose text was decoded from other bytes).
    pub fn map_offsets(&mut self, to_original: impl Fn(usize, usize) -> usize) {
        for e in self.evidence.iter_mut().chain(self.deciding.iter_mut()) {
            e.evidence.start = to_original(e.note_index, e.evidence.start);
            e.evidence.end = to_original(e.note_index, e.evidence.end);
        }
        for d in &mut self.documents {
            d.document.start = to_original(d.note_index, d.document.start);
        }
        for q in &mut self.queries {
            for i in &mut q.indicators {
                i.start = to_original(i.note_index, i.start);
                i.end = to_original(i.note_index, i.end);
            }
        }
        for l in &mut self.lines {
            l.map_spans(&|s| LineSpan {
                start: to_original(s.note_index, s.start),
                end: to_original(s.note_index, s.end),
                ..s.clone()
            });
        }
    }
}

/// One output record of a grouped run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum GroupOutput {
    /// A group was audited.
    Group(Box<GroupRecord>),
    /// A note or group could not be (an unreadable note, a note joined to
    /// no claim, a claim without documentation).
    Error(ErrorRecord),
}

/// The line between two notes of a group: a separator line, which ends a
/// document and its section.
pub const SEPARATOR: &str = "\n\n==========\n\n";

/// The order the notes are read in: by date when every note has one
/// (stable, so notes of one date keep input order), else input order.
pub fn reading_order(notes: &[GroupNote]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..notes.len()).collect();
    if notes.iter().all(|n| n.keys.date.is_some()) {
        order.sort_by(|&a, &b| notes[a].keys.date.cmp(&notes[b].keys.date));
    }
    order
}

/// The setting of a group: inpatient when any note says so (the encounter
/// was a stay), outpatient when a note says so, else the auditor's.
pub fn group_setting(auditor: &Auditor, notes: &[GroupNote]) -> Setting {
    let said: Vec<Setting> = notes.iter().filter_map(|n| n.note.setting).collect();
    if said.contains(&Setting::Inpatient) {
        Setting::Inpatient
    } else if said.is_empty() {
        auditor.setting
    } else {
        Setting::Outpatient
    }
}

/// The joined chart of a group: one note whose text is the group's notes
/// in reading order, and where each starts in it.
#[derive(Debug, Clone)]
pub struct Chart {
    /// The chart (id: the group's; billed: the claim's; the group's setting).
    pub note: Note,
    /// The group's note indices, in reading order.
    pub order: Vec<usize>,
    /// Where each note (in reading order) starts in the chart's text.
    pub starts: Vec<usize>,
    /// Where each ends.
    pub ends: Vec<usize>,
}

/// Joins a group's notes into its chart.
pub fn chart_of(auditor: &Auditor, group: &Group) -> Chart {
    let notes = &group.notes;
    let order = reading_order(notes);
    let len: usize = order
        .iter()
        .map(|&i| notes[i].note.text.len() + SEPARATOR.len())
        .sum();
    let mut text = String::with_capacity(len);
    let mut starts = Vec::with_capacity(order.len());
    let mut ends = Vec::with_capacity(order.len());
    for (k, &i) in order.iter().enumerate() {
        if k > 0 {
            text.push_str(SEPARATOR);
        }
        starts.push(text.len());
        text.push_str(&notes[i].note.text);
        ends.push(text.len());
    }
    Chart {
        note: Note {
            id: group.id.clone(),
            text,
            billed: group.billed.clone(),
            setting: Some(group_setting(auditor, notes)),
            procedures: group.procedures.clone(),
        },
        order,
        starts,
        ends,
    }
}

/// The note (position in reading order) byte `at` of the joined text is
/// in, and the byte in that note.
fn locate(starts: &[usize], at: usize) -> (usize, usize) {
    let k = starts.partition_point(|&s| s <= at).saturating_sub(1);
    (k, at - starts[k])
}

/// The note a document opening at byte `at` of the chart belongs to, and
/// the byte in it: one opening in a separator belongs to the next note.
fn locate_document(chart: &Chart, at: usize) -> (usize, usize) {
    let (k, start) = locate(&chart.starts, at);
    if at >= chart.ends[k] && k + 1 < chart.starts.len() {
        (k + 1, 0)
    } else {
        (k, start)
    }
}

/// Audits a group: its notes as one chart, and each alone.
pub fn audit_group(auditor: &Auditor, group: &Group, by: By) -> GroupRecord {
    let chart = chart_of(auditor, group);
    let rec = auditor.audit(&chart.note);
    group_record(auditor, group, by, &chart, rec)
}

/// The group record of `rec`, the record of the group's `chart`: its
/// offsets given back per note, each note audited alone beside it.
pub fn group_record(
    auditor: &Auditor,
    group: &Group,
    by: By,
    joined: &Chart,
    rec: Record,
) -> GroupRecord {
    let order = &joined.order;
    let setting = rec.setting;
    let ids: Vec<String> = order
        .iter()
        .map(|&i| group.notes[i].note.id.clone())
        .collect();
    let place = |e: Evidence| {
        let (k, start) = locate(&joined.starts, e.start);
        GroupEvidence {
            note: ids[k].clone(),
            note_index: k,
            evidence: Evidence {
                start,
                end: e.end - joined.starts[k],
                ..e
            },
        }
    };
    let Record {
        verdict,
        codes,
        score,
        reason,
        checklist,
        gaps,
        mut queries,
        billed,
        billed_agrees,
        notes: coder_notes,
        documents,
        evidence,
        mut lines,
        m53audit,
        ..
    } = rec;
    for i in queries.iter_mut().flat_map(|q| q.indicators.iter_mut()) {
        let (k, start) = locate(&joined.starts, i.start);
        i.note = Some(ids[k].clone());
        i.note_index = k;
        i.end -= joined.starts[k];
        i.start = start;
    }
    for l in &mut lines {
        l.map_spans(&|s| {
            let (k, start) = locate(&joined.starts, s.start);
            LineSpan {
                note: Some(ids[k].clone()),
                note_index: k,
                start,
                end: s.end - joined.starts[k],
                text: s.text.clone(),
            }
        });
    }
    let evidence: Vec<GroupEvidence> = evidence.into_iter().map(place).collect();
    let deciding = evidence
        .iter()
        .filter(|e| e.evidence.decisive)
        .cloned()
        .collect();
    let documents = documents
        .into_iter()
        .map(|d| {
            let (k, start) = locate_document(joined, d.start);
            GroupDocument {
                note: ids[k].clone(),
                note_index: k,
                document: DocumentRef { start, ..d },
            }
        })
        .collect();
    GroupRecord {
        id: group.id.clone(),
        by: by.name(),
        claim: group.claim.clone(),
        encounter: group.encounter.clone(),
        patient: group.patient.clone(),
        verdict,
        codes,
        score,
        setting,
        reason,
        checklist,
        gaps,
        queries,
        billed,
        billed_agrees,
        coder_notes,
        deciding,
        per_note: per_note(auditor, group, order),
        duplicates: group.duplicates.clone(),
        documents,
        evidence,
        lines,
        notes: ids,
        m53audit,
    }
}

/// Each note of the group audited alone, in reading order.
fn per_note(auditor: &Auditor, group: &Group, order: &[usize]) -> Vec<PerNote> {
    order
        .iter()
        .map(|&i| {
            let n = &group.notes[i];
            let (_, d) = auditor.analyze_in(&n.note.text, auditor.setting_of(&n.note));
            PerNote {
                id: n.note.id.clone(),
                verdict: d.verdict,
                codes: d.codes,
                date: n.keys.date.clone(),
                source: n.keys.source.clone(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::Lexicons;

    fn note(id: &str, text: &str, date: Option<&str>) -> GroupNote {
        GroupNote {
            note: Note {
                id: id.into(),
                text: text.into(),
                ..Note::default()
            },
            keys: Keys {
                date: date.map(str::to_string),
                ..Keys::default()
            },
        }
    }

    #[test]
    fn offsets_are_into_each_note() {
        let auditor = Auditor::new(Lexicons::builtin());
        let g = Group {
            id: "e1".into(),
            notes: vec![
                note("clinic", "Assessment: neck pain for 6 months.", None),
                note("mri", "MRI: facet arthropathy at C7-T1.", None),
            ],
            ..Group::default()
        };
        let r = audit_group(&auditor, &g, By::Encounter);
        assert_eq!(r.notes, ["clinic", "mri"]);
        let texts = [&g.notes[0].note.text, &g.notes[1].note.text];
        assert!(!r.evidence.is_empty());
        for e in &r.evidence {
            let t = texts[e.note_index];
            assert_eq!(&t[e.evidence.start..e.evidence.end], e.evidence.text);
        }
        assert!(r.evidence.iter().any(|e| e.note == "mri"));
    }

    #[test]
    fn dated_notes_are_read_in_date_order() {
        let notes = vec![
            note("b", "x", Some("2026-03-02")),
            note("a", "y", Some("2026-03-01")),
        ];
        assert_eq!(reading_order(&notes), [1, 0]);
        let mixed = vec![note("b", "x", Some("2026-03-02")), note("a", "y", None)];
        assert_eq!(reading_order(&mixed), [0, 1]);
    }

    #[test]
    fn a_document_opening_in_a_separator_is_the_next_notes() {
        let auditor = Auditor::new(Lexicons::builtin());
        let g = Group {
            id: "g".into(),
            notes: vec![note("a", "one", None), note("b", "two", None)],
            ..Group::default()
        };
        let chart = chart_of(&auditor, &g);
        assert_eq!(chart.ends, [3, 3 + SEPARATOR.len() + 3]);
        assert_eq!(locate_document(&chart, 1), (0, 1));
        assert_eq!(locate_document(&chart, 5), (1, 0));
        assert_eq!(locate_document(&chart, chart.starts[1] + 1), (1, 1));
    }

    #[test]
    fn locate_finds_the_note() {
        assert_eq!(locate(&[0, 10, 20], 0), (0, 0));
        assert_eq!(locate(&[0, 10, 20], 15), (1, 5));
        assert_eq!(locate(&[0, 10, 20], 25), (2, 5));
    }
}
