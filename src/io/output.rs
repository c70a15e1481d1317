//! Output formats (sinks) and the run summary.
//!
//! A sink receives records in input order and writes them: `jsonl` (the full
//! record, one JSON object per line), `csv` (one spreadsheet row per note),
//! `html` (the CDI review report). The summary counts verdicts, billed-code
//! disagreements and errors for `--summary`.

use crate::io::decode::Decoding;
use crate::record::Output;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Output format of `audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// One JSON object per note (the full record).
    Jsonl,
    /// One CSV row per note: id, verdict, codes, score, billed, billed_agrees, gaps, error.
    Csv,
    /// A self-contained HTML review report (worklist + note view).
    Html,
}

/// Receives records in order.
pub trait Sink {
    /// Writes one record.
    fn write(&mut self, out: &Output, text: Option<&str>) -> io::Result<()>;
    /// Writes an already formatted record (JSON lines formatted by the workers).
    fn write_raw(&mut self, _bytes: &[u8]) -> io::Result<()> {
        Err(io::Error::other(
            "this format takes records, not preformatted lines",
        ))
    }
    /// Pushes buffered output to the file (called after each chunk).
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
    /// Finishes the output (footers); called once at the end.
    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// JSON lines sink.
pub struct JsonlSink<W: Write> {
    w: W,
    buf: Vec<u8>,
}

impl<W: Write> JsonlSink<W> {
    /// Writes to `w`.
    pub fn new(w: W) -> Self {
        JsonlSink {
            w,
            buf: Vec::with_capacity(1 << 14),
        }
    }
}

/// Serialises one record as a JSON line (with the trailing newline).
pub fn to_json_line(out: &Output, buf: &mut Vec<u8>) {
    buf.clear();
    crate::io::jsonl::write_line(out, buf);
}

impl<W: Write> Sink for JsonlSink<W> {
    fn write(&mut self, out: &Output, _text: Option<&str>) -> io::Result<()> {
        to_json_line(out, &mut self.buf);
        self.w.write_all(&self.buf)
    }
    fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.w.write_all(bytes)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
    fn finish(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

/// CSV sink: one row per note.
pub struct CsvSink<W: Write> {
    w: csv::Writer<W>,
    header: bool,
}

/// The CSV columns.
pub const CSV_HEADER: [&str; 10] = [
    "id",
    "verdict",
    "codes",
    "score",
    "billed",
    "billed_agrees",
    "gaps",
    "error",
    "lines",
    "queries",
];

/// The CSV cell of a record's provider queries: each `kind: text` with its
/// options on lines of their own; queries apart by a blank line.
pub fn queries_cell(queries: &[crate::query::Query]) -> String {
    queries
        .iter()
        .map(|q| format!("{}: {}", q.kind, q.plain_text()))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The CSV cell of a record's claim lines: `CPT:result` for each line,
/// `;`-separated, with the elements not met after the result
/// (`64490:incomplete(image_guidance)`).
pub fn lines_cell(lines: &[crate::lines::LineOut]) -> String {
    let cell: Vec<String> = lines
        .iter()
        .map(|l| {
            let open: Vec<&str> = l
                .elements
                .iter()
                .filter(|e| e.status != "met")
                .map(|e| e.name)
                .collect();
            if open.is_empty() {
                format!("{}:{}", l.cpt, l.result.name())
            } else {
                format!("{}:{}({})", l.cpt, l.result.name(), open.join(","))
            }
        })
        .collect();
    cell.join(";")
}

impl<W: Write> CsvSink<W> {
    /// Writes to `w`; `header` says whether to write the header row first.
    pub fn new(w: W, header: bool) -> Self {
        CsvSink {
            w: csv::Writer::from_writer(w),
            header,
        }
    }
}

/// A CSV cell a spreadsheet will not run as a formula: one that starts
/// with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`
/// (OWASP's advice for CSV injection). Ids and billed codes come from the
/// input, so they may start that way.
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

impl<W: Write> CsvSink<W> {
    fn write_row<const N: usize>(&mut self, cells: [&str; N]) -> io::Result<()> {
        self.w
            .write_record(cells.map(spreadsheet_safe).iter().map(|c| c.as_bytes()))?;
        Ok(())
    }
}

impl<W: Write> Sink for CsvSink<W> {
    fn write(&mut self, out: &Output, _text: Option<&str>) -> io::Result<()> {
        if self.header {
            self.w.write_record(CSV_HEADER)?;
            self.header = false;
        }
        match out {
            Output::Audited(r) => {
                let agrees = match r.billed_agrees {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "",
                };
                let gaps: Vec<&str> = r.gaps.iter().map(|g| g.element.as_str()).collect();
                self.write_row([
                    r.id.as_str(),
                    r.verdict.name(),
                    &r.codes.join(";"),
                    &r.score.to_string(),
                    &r.billed.join(";"),
                    agrees,
                    &gaps.join(";"),
                    "",
                    &lines_cell(&r.lines),
                    &queries_cell(&r.queries),
                ])?;
            }
            Output::Error(e) => {
                self.write_row([
                    e.id.as_str(),
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    &format!("{}: {}", e.error.kind, e.error.message),
                    "",
                    "",
                ])?;
            }
        }
        Ok(())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
    fn finish(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

/// What the summary needs of a record: small, so the full record can be
/// dropped on the worker thread that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Brief {
    /// An audited note.
    Audited {
        /// Verdict name.
        verdict: &'static str,
        /// Billed spine codes disagree: `billed -> documented` pair.
        disagreement: Option<String>,
        /// Its claim lines: family (`none` outside the policy) and result.
        lines: Vec<(String, &'static str)>,
    },
    /// An error record of this kind.
    Error(String),
}

impl Brief {
    /// The brief of a record.
    pub fn of(out: &Output) -> Brief {
        match out {
            Output::Audited(r) => Brief::Audited {
                verdict: r.verdict.name(),
                disagreement: (r.billed_agrees == Some(false))
                    .then(|| disagreement_pair(&r.billed, &r.codes)),
                lines: line_briefs(&r.lines),
            },
            Output::Error(e) => Brief::Error(e.error.kind.clone()),
        }
    }

    /// Billed spine codes disagree with the documentation, or a claim
    /// line does not fit or is incomplete.
    pub fn is_flagged(&self) -> bool {
        match self {
            Brief::Audited {
                disagreement,
                lines,
                ..
            } => disagreement.is_some() || lines.iter().any(|(_, r)| line_flagged(r)),
            Brief::Error(_) => false,
        }
    }
}

/// The family and result of each claim line, as the summary counts them.
pub fn line_briefs(lines: &[crate::lines::LineOut]) -> Vec<(String, &'static str)> {
    lines
        .iter()
        .map(|l| {
            (
                l.family.clone().unwrap_or_else(|| "none".into()),
                l.result.name(),
            )
        })
        .collect()
}

/// Is a line result one an auditor acts on (`does_not_fit`, `incomplete`)?
pub fn line_flagged(result: &str) -> bool {
    matches!(result, "does_not_fit" | "incomplete")
}

/// A disagreement as the summary counts it: `billed -> documented` (codes
/// `+`-joined, `none` when nothing is documented).
pub fn disagreement_pair(billed: &[String], documented: &[String]) -> String {
    let documented = if documented.is_empty() {
        "none".to_string()
    } else {
        documented.join("+")
    };
    format!("{} -> {documented}", billed.join("+"))
}

/// Counts for `--summary`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Summary {
    /// Input notes (records produced, errors included).
    pub notes: u64,
    /// Groups audited (`--by claim` or `encounter`; 0 for notes).
    pub groups: u64,
    /// Notes audited.
    pub audited: u64,
    /// Input bytes read.
    pub bytes: u64,
    /// Wall-clock seconds (of this run and any it resumed).
    pub seconds: f64,
    /// Notes per second.
    pub notes_per_second: f64,
    /// Megabytes (10^6 bytes) of input per second.
    pub mb_per_second: f64,
    /// Notes per verdict.
    pub verdicts: BTreeMap<String, u64>,
    /// Notes whose billed spine codes disagree with the documentation.
    pub billed_disagreements: u64,
    /// Disagreements by `billed -> documented` code pair.
    pub disagreement_pairs: BTreeMap<String, u64>,
    /// Claim lines by family and result (`none`: a code outside the policy).
    pub lines: BTreeMap<String, BTreeMap<String, u64>>,
    /// Error records by kind.
    pub errors: BTreeMap<String, u64>,
    /// Notes that were not valid UTF-8 (read as Windows-1252, or replaced).
    pub lossy_utf8: u64,
    /// Notes decoded from UTF-16.
    pub utf16: u64,
    /// Files the directory walks passed over (not notes by their name).
    pub skipped_files: u64,
    /// Their paths, relative to the directory given (the first
    /// [`Summary::MAX_LISTED`]).
    pub skipped_paths: Vec<String>,
    /// Records whose id an earlier record of the run already had.
    pub duplicate_ids: u64,
    /// The first [`Summary::MAX_LISTED`] such ids.
    pub duplicate_id_examples: Vec<String>,
    /// The audit trail every record carries (version, lexicon digest).
    pub m53audit: SummaryTrail,
}

/// The audit trail in the summary (owned, so a progress file can hold it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SummaryTrail {
    /// m53audit's version.
    pub version: String,
    /// The lexicon digest.
    pub lexicons: String,
}

impl SummaryTrail {
    /// The summary's copy of a record trail.
    pub fn of(t: &crate::record::Trail) -> Self {
        SummaryTrail {
            version: t.version.to_string(),
            lexicons: t.lexicons.to_string(),
        }
    }
}

impl Summary {
    /// Most paths or ids the summary lists (it counts them all).
    pub const MAX_LISTED: usize = 100;

    /// Counts one record (`decoding`: how its text was decoded, if it was).
    pub fn add(&mut self, brief: &Brief, bytes: usize, decoding: Option<Decoding>) {
        self.notes += 1;
        self.bytes += bytes as u64;
        match decoding {
            None => {}
            Some(Decoding::Utf16Le | Decoding::Utf16Be) => self.utf16 += 1,
            Some(Decoding::Windows1252 | Decoding::Replaced) => self.lossy_utf8 += 1,
        }
        match brief {
            Brief::Audited {
                verdict,
                disagreement,
                lines,
            } => {
                self.audited += 1;
                self.add_lines(lines);
                count(&mut self.verdicts, verdict);
                if let Some(pair) = disagreement {
                    self.billed_disagreements += 1;
                    count(&mut self.disagreement_pairs, pair);
                }
            }
            Brief::Error(kind) => count(&mut self.errors, kind),
        }
    }

    /// Counts claim lines (family, result).
    pub fn add_lines(&mut self, lines: &[(String, &'static str)]) {
        for (family, result) in lines {
            let by_result = match self.lines.get_mut(family) {
                Some(m) => m,
                None => self.lines.entry(family.clone()).or_default(),
            };
            count(by_result, result);
        }
    }

    /// Counts a record whose id was seen before.
    pub fn add_duplicate(&mut self, id: &str) {
        self.duplicate_ids += 1;
        if self.duplicate_id_examples.len() < Self::MAX_LISTED {
            self.duplicate_id_examples.push(id.to_string());
        }
    }

    /// Records the files a walk passed over.
    pub fn set_skipped(&mut self, paths: &[String]) {
        self.skipped_files = paths.len() as u64;
        self.skipped_paths = paths.iter().take(Self::MAX_LISTED).cloned().collect();
    }

    /// Sets the timing figures.
    pub fn finish(&mut self, seconds: f64) {
        self.seconds = seconds;
        if seconds > 0.0 {
            self.notes_per_second = self.notes as f64 / seconds;
            self.mb_per_second = self.bytes as f64 / 1e6 / seconds;
        }
    }

    /// Number of error records.
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    /// One line for stderr.
    pub fn line(&self) -> String {
        let verdicts: Vec<String> = self
            .verdicts
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let groups = if self.groups > 0 {
            format!(" in {} groups", self.groups)
        } else {
            String::new()
        };
        let mut lines = std::collections::BTreeMap::<&str, u64>::new();
        for (result, n) in self.lines.values().flatten() {
            *lines.entry(result).or_default() += n;
        }
        let lines = if lines.is_empty() {
            String::new()
        } else {
            let l: Vec<String> = lines.iter().map(|(k, v)| format!("{k} {v}")).collect();
            format!("; claim lines: {}", l.join(", "))
        };
        format!(
            "m53audit: {} notes ({} audited{groups}, {} errors) in {:.1}s, {:.0} notes/s, {:.1} MB/s; {}; {} billed-code disagreements{lines}",
            self.notes,
            self.audited,
            self.error_count(),
            self.seconds,
            self.notes_per_second,
            self.mb_per_second,
            if verdicts.is_empty() { "no verdicts".to_string() } else { verdicts.join(", ") },
            self.billed_disagreements
        )
    }
}
/// Adds one to `key`'s count, allocating the key only the first time (the
/// summary counts every note of the archive on the writer thread).
fn count(counts: &mut BTreeMap<String, u64>, key: &str) {
    match counts.get_mut(key) {
        Some(n) => *n += 1,
        None => {
            counts.insert(key.to_string(), 1);
        }
    }
}
