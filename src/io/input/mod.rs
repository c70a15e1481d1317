//! Reading notes: JSON lines, CSV and TSV exports, plain-text files,
//! directories of them, standard input, and gzip/zstd-compressed versions
//! of each.
//!
//! The format comes from `--input-format`, else the file name, else the
//! content ([`crate::io::sniff`]); compression always from the content.
//! Inputs stream: a file is read line by line (or row by row), never whole
//! into memory, and every note (or unreadable line, row or file) yields
//! exactly one item, in input order, so the output has one record per
//! input note. A file named on the command line that cannot be read as
//! notes stops the run before it starts; one found in a directory gives an
//! error record and the run goes on.

mod csv;
mod jsonl;

pub use self::jsonl::{billed_from_json, json_error_class, parse_json_line};
pub use crate::io::decode::Utf8Policy;
pub use crate::io::sniff::{Format, InputFormat};

use crate::decide::Setting;
use crate::io::decode::{decode, Decoding, OffsetMap};
use crate::io::sniff::{format_of_name, open_stream, Opened, Refusal};
use crate::record::{ErrorRecord, Note};
use crate::rollup::Keys;
use std::fs::File;
use std::io::{self, BufRead, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Options for reading inputs.
#[derive(Debug, Clone)]
pub struct InputOptions {
    /// The format of every input, or `auto`.
    pub format: InputFormat,
    /// CSV column or JSON field holding the note id (default `id`; the
    /// position when absent).
    pub id_column: Option<String>,
    /// CSV column or JSON field holding the note text (default `text`).
    pub text_column: Option<String>,
    /// CSV column or JSON field holding billed codes (default `billed`, optional).
    pub billed_column: Option<String>,
    /// CSV column or JSON field holding the group key of `--by` (default
    /// `group`, optional).
    pub group_column: Option<String>,
    /// CSV column or JSON field holding CPT codes billed with the note
    /// (default `cpt`, optional): each a claim line linked to every billed
    /// code.
    pub cpt_column: Option<String>,
    /// Notes larger than this many bytes become `oversize` error records.
    pub max_note_bytes: usize,
    /// Text that is not UTF-8.
    pub utf8: Utf8Policy,
}

impl Default for InputOptions {
    fn default() -> Self {
        InputOptions {
            format: InputFormat::Auto,
            id_column: None,
            text_column: None,
            billed_column: None,
            group_column: None,
            cpt_column: None,
            max_note_bytes: 8 << 20,
            utf8: Utf8Policy::default(),
        }
    }
}

impl InputOptions {
    /// The id field or column name.
    pub fn id_name(&self) -> &str {
        self.id_column.as_deref().unwrap_or("id")
    }
    /// The text field or column name.
    pub fn text_name(&self) -> &str {
        self.text_column.as_deref().unwrap_or("text")
    }
    /// The group-key field or column name.
    pub fn group_name(&self) -> &str {
        self.group_column.as_deref().unwrap_or("group")
    }
    /// The billed-codes field or column name.
    pub fn billed_name(&self) -> &str {
        self.billed_column.as_deref().unwrap_or("billed")
    }
    /// The CPT-codes field or column name.
    pub fn cpt_name(&self) -> &str {
        self.cpt_column.as_deref().unwrap_or("cpt")
    }
}

/// Claim lines from CPT codes given without pointers (a `cpt` column):
/// each linked to every billed code, on the note's date.
pub fn lines_of_cpts(
    cpts: &str,
    billed: &[String],
    date: Option<&str>,
) -> Vec<crate::lines::ProcedureLine> {
    crate::record::split_billed(cpts)
        .into_iter()
        .map(|cpt| crate::lines::ProcedureLine {
            cpt,
            dx: billed.to_vec(),
            units: None,
            date: date.map(str::to_string),
        })
        .collect()
}

/// One input item: a note to audit or the error record for it.
#[derive(Debug)]
pub struct Item {
    /// The note, or why it cannot be audited.
    pub note: Result<Note, ErrorRecord>,
    /// Bytes of input it took (for throughput figures).
    pub bytes: usize,
    /// How its text was decoded, when it was not UTF-8 as it stood.
    pub decoding: Option<Decoding>,
    /// The map from text offsets to the original bytes, when they differ
    /// (text files and CSV fields; a JSON string is its UTF-8 text).
    pub offsets: Option<OffsetMap>,
    /// What joins it to an encounter and a claim (for `--by`), when the
    /// input says (boxed: most notes have none).
    keys: Option<Box<Keys>>,
}

/// The keys of a note whose input gives none.
static NO_KEYS: Keys = Keys {
    group: None,
    claim: None,
    encounter: None,
    patient: None,
    date: None,
    source: None,
};

impl Item {
    /// What joins it to an encounter and a claim.
    pub fn keys(&self) -> &Keys {
        self.keys.as_deref().unwrap_or(&NO_KEYS)
    }

    /// Sets its keys (kept only when one is given).
    pub fn set_keys(&mut self, keys: Keys) {
        self.keys = (keys != NO_KEYS).then(|| Box::new(keys));
    }
}

/// An input item as read: either ready, or a JSON line still to parse (the
/// parse runs on the worker threads, not the reader).
#[derive(Debug)]
pub enum Raw {
    /// Already a note or an error.
    Ready(Item),
    /// A JSON line: source name, line number, bytes.
    JsonLine {
        /// Source name (file path or `stdin`).
        base: std::sync::Arc<str>,
        /// 1-based line number.
        line: usize,
        /// The line.
        bytes: Vec<u8>,
        /// The file was UTF-16, transcoded.
        utf16: Option<Decoding>,
    },
}

impl Raw {
    /// Size of the note in the input (its item's bytes, or its JSON line).
    pub fn input_bytes(&self) -> usize {
        match self {
            Raw::Ready(i) => i.bytes,
            Raw::JsonLine { bytes, .. } => bytes.len(),
        }
    }

    /// Parses a pending JSON line into its item.
    pub fn resolve(self, opts: &InputOptions) -> Item {
        match self {
            Raw::Ready(item) => item,
            Raw::JsonLine {
                base,
                line,
                bytes,
                utf16,
            } => {
                let mut item = parse_json_line(&base, line, &bytes, opts);
                if item.note.is_ok() && utf16.is_some() {
                    item.decoding = utf16;
                }
                item
            }
        }
    }
}

/// An error that stops the run (exit status 2): a missing input, an input
/// that cannot be read as notes, a CSV without the named column.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// A path given on the command line does not exist.
    #[error("{0}: no such file or directory")]
    Missing(String),
    /// A file that cannot be read as notes, and why.
    #[error("{path}: {problem}")]
    File {
        /// The file.
        path: String,
        /// Why (never quoting its content).
        problem: FileProblem,
    },
}

/// Why a file cannot be read as notes.
#[derive(Debug, thiserror::Error)]
pub enum FileProblem {
    /// A CSV file lacks a required column.
    #[error("no column `{column}` ({columns}); choose one with --{flag}")]
    Column {
        /// The missing column.
        column: String,
        /// The columns the file has, or why they are not listed.
        columns: String,
        /// The flag that names it.
        flag: String,
    },
    /// The input is not notes m53audit reads.
    #[error(transparent)]
    Refused(Refusal),
    /// Reading failed before any note could be read.
    #[error("{0}")]
    Io(String),
}

impl InputError {
    /// The error of `path`.
    pub fn file(path: &Path, problem: FileProblem) -> Self {
        InputError::File {
            path: path.display().to_string(),
            problem,
        }
    }
}

impl FileProblem {
    /// The kind of the error record that stands for a file found in a
    /// directory when this stops it.
    fn kind(&self) -> &'static str {
        match self {
            FileProblem::Column { .. } => "invalid_csv",
            FileProblem::Refused(_) => "unsupported_input",
            FileProblem::Io(_) => "unreadable",
        }
    }
}

pub(crate) fn err_item(id: String, kind: &str, message: String, bytes: usize) -> Item {
    Item {
        note: Err(ErrorRecord::new(id, kind, message)),
        bytes,
        decoding: None,
        offsets: None,
        keys: None,
    }
}

/// The inputs a run reads, and the files its directory walks passed over.
#[derive(Debug, Default)]
pub struct Inputs {
    /// The sources, in order.
    pub sources: Vec<Source>,
    /// Files in the directories that are not notes by their name, by path.
    pub skipped: Vec<String>,
}

/// Expands the command-line paths into the sources, in order: files as
/// given (each checked now, so that one that cannot be read as notes stops
/// the run before it starts), directories walked (in parallel) for
/// `.txt`, `.jsonl`, `.ndjson`, `.json`, `.csv`, `.tsv` files and their
/// `.gz`/`.zst` versions, sorted by path. A file's id is its path relative
/// to the directory given, or its name when given itself, so ids do not
/// depend on the working directory.
pub fn expand(paths: &[PathBuf], opts: &InputOptions) -> Result<Inputs, InputError> {
    let mut out = Inputs::default();
    for p in paths {
        if p.as_os_str() == "-" {
            out.sources.push(Source::Stdin);
            continue;
        }
        let meta =
            std::fs::metadata(p).map_err(|_| InputError::Missing(p.display().to_string()))?;
        if meta.is_dir() {
            let (mut found, mut skipped) = walk(p);
            found.sort();
            skipped.sort();
            out.skipped.extend(skipped.iter().map(|f| relative(p, f)));
            out.sources.extend(found.into_iter().map(|f| Source::File {
                id_base: relative(p, &f),
                path: f,
                given: false,
            }));
        } else {
            // A pipe (`<(zcat …)`) is read once: checked as it is read.
            if meta.is_file() {
                check_file(p, opts)?;
            }
            let name = p.file_name().map_or_else(
                || p.to_string_lossy().into_owned(),
                |n| n.to_string_lossy().into_owned(),
            );
            out.sources.push(Source::File {
                id_base: name,
                path: p.clone(),
                given: true,
            });
        }
    }
    Ok(out)
}

fn relative(root: &Path, f: &Path) -> String {
    f.strip_prefix(root)
        .unwrap_or(f)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Checks that a file named on the command line can be read as notes (and
/// a CSV has its columns), reading only its head.
fn check_file(path: &Path, opts: &InputOptions) -> Result<(), InputError> {
    let file = File::open(path).map_err(|e| {
        InputError::file(path, FileProblem::Io(format!("cannot open: {}", e.kind())))
    })?;
    let opened = open_input(Box::new(file), path, opts)?;
    if matches!(opened.format, Format::Csv | Format::Tsv) {
        csv::CsvRows::new(
            opened.reader,
            opened.format,
            path,
            String::new(),
            opts.clone(),
        )?;
    }
    Ok(())
}

/// Opens an input as [`open_stream`] does, for `path` (its name, for the
/// format and for messages).
fn open_input(
    raw: Box<dyn Read + Send>,
    path: &Path,
    opts: &InputOptions,
) -> Result<Opened, InputError> {
    let named = if path.as_os_str() == "-" {
        None
    } else {
        format_of_name(path)
    };
    match open_stream(raw, opts.format.forced(), named) {
        Ok(Ok(o)) => Ok(o),
        Ok(Err(refusal)) => Err(InputError::file(path, FileProblem::Refused(refusal))),
        Err(e) => Err(InputError::file(
            path,
            FileProblem::Io(format!(
                "cannot read: {} (truncated or corrupt input)",
                e.kind()
            )),
        )),
    }
}

/// The note files under `root`, and the files it passes over.
fn walk(root: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    use std::sync::Mutex;
    let found = Mutex::new((Vec::new(), Vec::new()));
    ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .hidden(true)
        .follow_links(true)
        .build_parallel()
        .run(|| {
            Box::new(|entry| {
                match entry {
                    Ok(e) => {
                        if e.file_type().is_some_and(|t| t.is_file()) {
                            let mut f = found.lock().unwrap();
                            if format_of_name(e.path()).is_some() {
                                f.0.push(e.into_path());
                            } else {
                                f.1.push(e.into_path());
                            }
                        }
                    }
                    Err(err) => {
                        // An unreadable directory entry: keep it so it yields an error record.
                        if let ignore::Error::WithPath { path, .. } = &err {
                            found.lock().unwrap().0.push(path.clone());
                        }
                    }
                }
                ignore::WalkState::Continue
            })
        });
    found.into_inner().unwrap()
}

/// One input source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Standard input (JSON lines, CSV or TSV by its content, or one note
    /// with `--input-format text`).
    Stdin,
    /// A file.
    File {
        /// Path to open.
        path: PathBuf,
        /// The id of a text file, and the prefix of positions (`name:line`).
        id_base: String,
        /// Named on the command line (else found in a directory).
        given: bool,
    },
}

/// Streams the items of all sources, in order.
pub struct Items {
    sources: std::vec::IntoIter<Source>,
    current: Option<Box<dyn Iterator<Item = Raw> + Send>>,
    opts: InputOptions,
    read: Arc<AtomicU64>,
    /// A fatal error met while opening a source (standard input that is
    /// not notes; a file named on the command line that changed since it
    /// was checked).
    pub fatal: Option<InputError>,
    /// The claims and encounter settings of the FHIR exports read so far
    /// (their notes are items; these are for the roll-up).
    pub fhir: Arc<std::sync::Mutex<crate::io::fhir::Export>>,
}

impl Items {
    /// Reads `sources` with `opts`.
    pub fn new(sources: Vec<Source>, opts: InputOptions) -> Self {
        Items {
            sources: sources.into_iter(),
            current: None,
            opts,
            read: Arc::default(),
            fatal: None,
            fhir: Arc::default(),
        }
    }

    /// Bytes of input read so far, as stored (compressed bytes of a
    /// compressed file): the progress bar's position.
    pub fn read_bytes(&self) -> Arc<AtomicU64> {
        self.read.clone()
    }

    fn open_source(&mut self, s: Source) -> Box<dyn Iterator<Item = Raw> + Send> {
        let (raw, path, id_base, given): (Box<dyn Read + Send>, PathBuf, String, bool) = match s {
            Source::Stdin => (Box::new(io::stdin()), "-".into(), "stdin".into(), true),
            Source::File {
                path,
                id_base,
                given,
            } => match File::open(&path) {
                Ok(f) => {
                    let counted = Counted {
                        inner: f,
                        read: self.read.clone(),
                    };
                    (Box::new(counted), path, id_base, given)
                }
                Err(e) => {
                    return once(err_item(
                        id_base,
                        "unreadable",
                        format!("cannot open file: {}", e.kind()),
                        0,
                    ))
                }
            },
        };
        let shown = if path.as_os_str() == "-" {
            Path::new("stdin")
        } else {
            &path
        };
        let opened = match open_input(raw, &path, &self.opts) {
            Ok(o) => o,
            Err(e) => return self.stop_source(e, id_base, given),
        };
        match opened.format {
            Format::JsonLines => Box::new(
                jsonl::JsonLines::new(opened.reader, id_base, self.opts.clone())
                    .utf16(opened.utf16),
            ),
            Format::Text => once(read_text(opened.reader, id_base, &self.opts)),
            Format::Fhir | Format::Hl7 => {
                let items = read_export(opened, &id_base, &self.opts, &self.fhir);
                Box::new(items.into_iter().map(Raw::Ready))
            }
            Format::Csv | Format::Tsv => {
                match csv::CsvRows::new(
                    opened.reader,
                    opened.format,
                    shown,
                    id_base.clone(),
                    self.opts.clone(),
                ) {
                    Ok(rows) => Box::new(rows.utf16(opened.utf16).map(Raw::Ready)),
                    Err(e) => self.stop_source(e, id_base, given),
                }
            }
        }
    }

    /// A source that cannot be read: it stops the run when it was named on
    /// the command line (or is stdin), else it is one error record (its
    /// message the reason alone: the id names the file).
    fn stop_source(
        &mut self,
        e: InputError,
        id_base: String,
        given: bool,
    ) -> Box<dyn Iterator<Item = Raw> + Send> {
        match e {
            InputError::File { problem, .. } if !given => {
                once(err_item(id_base, problem.kind(), problem.to_string(), 0))
            }
            e => {
                self.fatal = Some(e);
                Box::new(std::iter::empty())
            }
        }
    }
}

/// A reader that adds the bytes it reads to a shared count.
struct Counted<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

fn once(item: Item) -> Box<dyn Iterator<Item = Raw> + Send> {
    Box::new(std::iter::once(Raw::Ready(item)))
}

impl Iterator for Items {
    type Item = Raw;
    fn next(&mut self) -> Option<Raw> {
        loop {
            if self.fatal.is_some() {
                return None;
            }
            if let Some(cur) = self.current.as_mut() {
                if let Some(it) = cur.next() {
                    return Some(it);
                }
                self.current = None;
            }
            let s = self.sources.next()?;
            self.current = Some(self.open_source(s));
        }
    }
}

/// The note of `item` in the care setting named by its input (`setting`
/// field or column), or the error record of a value that names none.
fn with_setting(mut item: Item, setting: Option<&str>) -> Item {
    let Some(value) = setting.filter(|v| !v.trim().is_empty()) else {
        return item;
    };
    let Ok(note) = &mut item.note else {
        return item;
    };
    match Setting::parse(value) {
        Some(s) => note.setting = Some(s),
        None => {
            let id = note.id.clone();
            return err_item(
                id,
                "invalid_record",
                "`setting` must be `outpatient` or `inpatient`".into(),
                item.bytes,
            );
        }
    }
    item
}

pub(crate) fn oversize(id: String, len: usize, opts: &InputOptions, size: usize) -> Item {
    err_item(
        id,
        "oversize",
        format!(
            "note is {len} bytes, over the limit of {} (--max-note-bytes)",
            opts.max_note_bytes
        ),
        size,
    )
}

/// Decodes a note's bytes (a text file, a CSV field) under the UTF-8
/// policy and size limit, keeping the map back to the bytes.
pub(crate) fn make_note(
    id: String,
    bytes: Vec<u8>,
    billed: Vec<String>,
    opts: &InputOptions,
    size: usize,
) -> Item {
    if bytes.len() > opts.max_note_bytes {
        return oversize(id, bytes.len(), opts, size);
    }
    match decode(bytes, opts.utf8) {
        Err(bad) => err_item(
            id,
            "invalid_utf8",
            format!("invalid UTF-8 at byte {}", bad.at),
            size,
        ),
        Ok(d) => {
            let mut item = finish_note(id, d.text, billed, size);
            if let Some((how, map)) = d.how {
                item.decoding = Some(how);
                item.offsets = Some(map);
            }
            item
        }
    }
}

fn finish_note(id: String, text: String, billed: Vec<String>, size: usize) -> Item {
    if text.trim().is_empty() {
        return err_item(id, "empty_text", "note text is empty".into(), size);
    }
    Item {
        note: Ok(Note {
            id,
            text,
            billed,
            setting: None,
            procedures: Vec::new(),
        }),
        bytes: size,
        decoding: None,
        offsets: None,
        keys: None,
    }
}

/// A whole input as one note (a `.txt` file, or stdin with
/// `--input-format text`).
fn read_text(mut r: Box<dyn BufRead + Send>, id: String, opts: &InputOptions) -> Item {
    let mut buf = Vec::new();
    // `--max-note-bytes` may be as large as the type holds: no overflow.
    let limit = (opts.max_note_bytes as u64).saturating_add(1);
    match r.by_ref().take(limit).read_to_end(&mut buf) {
        Ok(n) => {
            if buf.len() > opts.max_note_bytes {
                // Drain the rest without keeping it, to report the size.
                let rest = io::copy(&mut r, &mut io::sink()).unwrap_or(0) as usize;
                return oversize(id, n + rest, opts, n + rest);
            }
            make_note(id, buf, Vec::new(), opts, n)
        }
        Err(e) => err_item(
            id,
            "unreadable",
            format!("read failed: {}", e.kind()),
            buf.len(),
        ),
    }
}

/// Opens a file for a one-off read (`explain`): decompressed as its magic
/// bytes say, refused when it is not text.
pub fn open_text(path: &Path) -> Result<(Format, Box<dyn BufRead + Send>), InputError> {
    let raw: Box<dyn Read + Send> = if path.as_os_str() == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(path).map_err(|e| {
            InputError::file(path, FileProblem::Io(format!("cannot open: {}", e.kind())))
        })?)
    };
    let forced =
        (path.as_os_str() == "-" || format_of_name(path).is_none()).then_some(InputFormat::Text);
    let opts = InputOptions {
        format: forced.unwrap_or_default(),
        ..InputOptions::default()
    };
    let o = open_input(raw, path, &opts)?;
    Ok((o.format, o.reader))
}

/// The notes of a FHIR or HL7 export, read whole; a FHIR export's claims
/// and encounter settings go to `side`.
fn read_export(
    mut opened: Opened,
    base: &str,
    opts: &InputOptions,
    side: &std::sync::Mutex<crate::io::fhir::Export>,
) -> Vec<Item> {
    if opened.format == Format::Hl7 {
        let mut bytes = Vec::new();
        if let Err(e) = opened.reader.read_to_end(&mut bytes) {
            let msg = format!("read failed: {}", e.kind());
            return vec![err_item(base.to_string(), "unreadable", msg, bytes.len())];
        }
        return crate::io::hl7::read(&bytes, base, opts);
    }
    let mut export = crate::io::fhir::Export::default();
    crate::io::fhir::read(&mut opened.reader, base, opts, &mut export);
    let notes = std::mem::take(&mut export.notes);
    let mut side = side.lock().unwrap_or_else(|p| p.into_inner());
    side.claims.append(&mut export.claims);
    side.settings.append(&mut export.settings);
    notes
}

/// Decodes a whole note the way a text file is read (for `explain`).
pub fn text_of_bytes(bytes: Vec<u8>, opts: &InputOptions) -> Item {
    let n = bytes.len();
    make_note(String::new(), bytes, Vec::new(), opts, n)
}

/// Reads all items of one in-memory input (for tests and fuzzing): `name`
/// gives the format as a file name would, unless `opts.format` does.
pub fn read_all(bytes: Vec<u8>, name: &str, opts: &InputOptions) -> Result<Vec<Item>, InputError> {
    let path = Path::new(name);
    let opened = open_input(Box::new(io::Cursor::new(bytes)), path, opts)?;
    let rows: Vec<Raw> = match opened.format {
        Format::JsonLines => jsonl::JsonLines::new(opened.reader, name.into(), opts.clone())
            .utf16(opened.utf16)
            .collect(),
        Format::Text => vec![Raw::Ready(read_text(opened.reader, name.into(), opts))],
        Format::Fhir | Format::Hl7 => read_export(opened, name, opts, &Default::default())
            .into_iter()
            .map(Raw::Ready)
            .collect(),
        Format::Csv | Format::Tsv => csv::CsvRows::new(
            opened.reader,
            opened.format,
            path,
            name.into(),
            opts.clone(),
        )?
        .utf16(opened.utf16)
        .map(Raw::Ready)
        .collect(),
    };
    Ok(rows.into_iter().map(|r| r.resolve(opts)).collect())
}

#[cfg(test)]
mod tests;

#[cfg(test)]
pub(crate) use self::jsonl::read_line_capped;
