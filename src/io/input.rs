//! Reading notes: JSON lines, plain-text files, directories of them, CSV
//! exports, standard input, and gzip/zstd-compressed versions of each.
//!
//! Inputs stream: a file is read line by line (or row by row), never whole
//! into memory, and every note (or unreadable line, row or file) yields
//! exactly one item, in input order, so the output has one record per
//! input note.

use crate::decide::Setting;
use crate::record::{normalize_billed, ErrorInfo, ErrorRecord, Note};
use serde_json::Value;
use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// How to treat text that is not valid UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Utf8Policy {
    /// Replace invalid bytes with U+FFFD and audit the note (a coder note says so).
    #[default]
    Lossy,
    /// Refuse the note with an `invalid_utf8` error record.
    Error,
}

/// Options for reading inputs.
#[derive(Debug, Clone)]
pub struct InputOptions {
    /// CSV column holding the note id (default `id`; row number when absent).
    pub id_column: Option<String>,
    /// CSV column holding the note text (default `text`).
    pub text_column: Option<String>,
    /// CSV column holding billed codes (default `billed`, optional).
    pub billed_column: Option<String>,
    /// Notes larger than this many bytes become `oversize` error records.
    pub max_note_bytes: usize,
    /// Invalid UTF-8 handling.
    pub utf8: Utf8Policy,
}

impl Default for InputOptions {
    fn default() -> Self {
        InputOptions {
            id_column: None,
            text_column: None,
            billed_column: None,
            max_note_bytes: 8 << 20,
            utf8: Utf8Policy::Lossy,
        }
    }
}

/// One input item: a note to audit or the error record for it.
#[derive(Debug)]
pub struct Item {
    /// The note, or why it cannot be audited.
    pub note: Result<Note, ErrorRecord>,
    /// Bytes of input it took (for throughput figures).
    pub bytes: usize,
    /// Text was decoded lossily.
    pub lossy: bool,
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
            Raw::JsonLine { base, line, bytes } => parse_json_line(&base, line, &bytes, opts),
        }
    }
}

/// An error that stops the run (exit status 2): a missing input, a CSV
/// without the named column.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// A path given on the command line does not exist.
    #[error("{0}: no such file or directory")]
    Missing(String),
    /// A CSV file lacks a required column.
    #[error("{path}: no column `{column}` (columns: {columns}); choose one with --{flag}")]
    Column {
        /// The file.
        path: String,
        /// The missing column.
        column: String,
        /// The columns the file has.
        columns: String,
        /// The flag that names it.
        flag: String,
    },
    /// Reading failed before any note could be read.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// What failed.
        message: String,
    },
}

fn err_item(id: String, kind: &str, message: String, bytes: usize) -> Item {
    Item {
        note: Err(ErrorRecord {
            id,
            error: ErrorInfo {
                kind: kind.to_string(),
                message,
            },
        }),
        bytes,
        lossy: false,
    }
}

/// The kind of an input path, from its name (compression suffix removed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON lines.
    JsonLines,
    /// CSV with a header row.
    Csv,
    /// One note per file.
    Text,
}

/// Compression of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain.
    None,
    /// `.gz`.
    Gzip,
    /// `.zst`.
    Zstd,
}

/// Format and compression from a file name.
pub fn classify(path: &Path) -> (Format, Compression) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let (stem, comp) = if let Some(s) = name.strip_suffix(".gz") {
        (s.to_string(), Compression::Gzip)
    } else if let Some(s) = name.strip_suffix(".zst") {
        (s.to_string(), Compression::Zstd)
    } else {
        (name, Compression::None)
    };
    let format = if stem.ends_with(".jsonl") || stem.ends_with(".ndjson") || stem.ends_with(".json")
    {
        Format::JsonLines
    } else if stem.ends_with(".csv") {
        Format::Csv
    } else {
        Format::Text
    };
    (format, comp)
}

/// Opens a file, decompressing it as its name says.
pub fn open(path: &Path, comp: Compression) -> io::Result<Box<dyn Read + Send>> {
    let f = File::open(path)?;
    Ok(match comp {
        Compression::None => Box::new(f),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(BufReader::with_capacity(
            1 << 16,
            f,
        ))),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(f)?),
    })
}

/// Expands the command-line paths into the list of input sources, in order:
/// files as given, directories walked (in parallel) for `.txt`, `.jsonl`,
/// `.ndjson`, `.csv` files and their `.gz`/`.zst` versions, sorted by path.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<Source>, InputError> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(Source::Stdin);
            continue;
        }
        let meta =
            std::fs::metadata(p).map_err(|_| InputError::Missing(p.display().to_string()))?;
        if meta.is_dir() {
            let mut found = walk(p);
            found.sort();
            out.extend(found.into_iter().map(|f| {
                Source::File {
                    id_base: f
                        .strip_prefix(p)
                        .unwrap_or(&f)
                        .to_string_lossy()
                        .replace('\\', "/"),
                    path: f,
                }
            }));
        } else {
            out.push(Source::File {
                id_base: p.to_string_lossy().to_string(),
                path: p.clone(),
            });
        }
    }
    Ok(out)
}

fn walk(root: &Path) -> Vec<PathBuf> {
    use std::sync::Mutex;
    let found = Mutex::new(Vec::new());
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
                            let name = e.file_name().to_string_lossy().to_ascii_lowercase();
                            let base = name.trim_end_matches(".gz").trim_end_matches(".zst");
                            if [".txt", ".jsonl", ".ndjson", ".csv"]
                                .iter()
                                .any(|x| base.ends_with(x))
                            {
                                found.lock().unwrap().push(e.into_path());
                            }
                        }
                    }
                    Err(err) => {
                        // An unreadable directory entry: keep it so it yields an error record.
                        if let ignore::Error::WithPath { path, .. } = &err {
                            found.lock().unwrap().push(path.clone());
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
    /// JSON lines on standard input.
    Stdin,
    /// A file; `id_base` is the id of a text file (its path relative to the
    /// directory it was found in) and the prefix of line positions.
    File {
        /// Path to open.
        path: PathBuf,
        /// Id / position prefix.
        id_base: String,
    },
}

/// Streams the items of all sources, in order.
pub struct Items {
    sources: std::vec::IntoIter<Source>,
    current: Option<Box<dyn Iterator<Item = Raw> + Send>>,
    opts: InputOptions,
    /// A fatal error met while opening a source (CSV columns).
    pub fatal: Option<InputError>,
}

impl Items {
    /// Reads `sources` with `opts`.
    pub fn new(sources: Vec<Source>, opts: InputOptions) -> Self {
        Items {
            sources: sources.into_iter(),
            current: None,
            opts,
            fatal: None,
        }
    }

    fn open_source(&mut self, s: Source) -> Box<dyn Iterator<Item = Raw> + Send> {
        match s {
            Source::Stdin => Box::new(JsonLines::new(
                Box::new(BufReader::with_capacity(1 << 16, io::stdin())),
                "stdin".into(),
                self.opts.clone(),
            )),
            Source::File { path, id_base } => {
                let (format, comp) = classify(&path);
                let reader = match open(&path, comp) {
                    Ok(r) => r,
                    Err(e) => {
                        return Box::new(std::iter::once(Raw::Ready(err_item(
                            id_base,
                            "unreadable",
                            format!("cannot open file: {}", e.kind()),
                            0,
                        ))))
                    }
                };
                match format {
                    Format::JsonLines => Box::new(JsonLines::new(
                        Box::new(BufReader::with_capacity(1 << 16, reader)),
                        id_base,
                        self.opts.clone(),
                    )),
                    Format::Text => Box::new(std::iter::once(Raw::Ready(read_text(
                        reader, id_base, &self.opts,
                    )))),
                    Format::Csv => match CsvRows::new(reader, &path, id_base, self.opts.clone()) {
                        Ok(rows) => Box::new(rows.map(Raw::Ready)),
                        Err(e) => {
                            self.fatal = Some(e);
                            Box::new(std::iter::empty())
                        }
                    },
                }
            }
        }
    }
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

/// Decodes bytes to a note text under the UTF-8 policy and size limit.
fn make_note(
    id: String,
    bytes: Vec<u8>,
    billed: Vec<String>,
    opts: &InputOptions,
    size: usize,
) -> Item {
    if bytes.len() > opts.max_note_bytes {
        return err_item(
            id,
            "oversize",
            format!(
                "note is {} bytes, over the limit of {} (--max-note-bytes)",
                bytes.len(),
                opts.max_note_bytes
            ),
            size,
        );
    }
    let (text, lossy) = match String::from_utf8(bytes) {
        Ok(t) => (t, false),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            match opts.utf8 {
                Utf8Policy::Error => {
                    return err_item(
                        id,
                        "invalid_utf8",
                        format!("invalid UTF-8 at byte {at}"),
                        size,
                    )
                }
                Utf8Policy::Lossy => (String::from_utf8_lossy(e.as_bytes()).into_owned(), true),
            }
        }
    };
    finish_note(id, text, billed, size, lossy)
}

fn finish_note(id: String, text: String, billed: Vec<String>, size: usize, lossy: bool) -> Item {
    if text.trim().is_empty() {
        return err_item(id, "empty_text", "note text is empty".into(), size);
    }
    Item {
        note: Ok(Note {
            id,
            text,
            billed,
            setting: None,
        }),
        bytes: size,
        lossy,
    }
}

fn read_text(mut r: Box<dyn Read + Send>, id: String, opts: &InputOptions) -> Item {
    let mut buf = Vec::new();
    // `--max-note-bytes` may be as large as the type holds: no overflow.
    let limit = (opts.max_note_bytes as u64).saturating_add(1);
    match r.by_ref().take(limit).read_to_end(&mut buf) {
        Ok(n) => {
            if buf.len() > opts.max_note_bytes {
                // Drain the rest without keeping it, to report the size.
                let rest = io::copy(&mut r, &mut io::sink()).unwrap_or(0) as usize;
                return err_item(
                    id,
                    "oversize",
                    format!(
                        "note is {} bytes, over the limit of {} (--max-note-bytes)",
                        n + rest,
                        opts.max_note_bytes
                    ),
                    n + rest,
                );
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

/// Billed codes from a JSON value: an array of strings or a comma-separated string.
pub fn billed_from_json(v: Option<&Value>) -> Result<Vec<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(normalize_billed(s.split([',', ';']))),
        Some(Value::Array(a)) => {
            let mut out = Vec::new();
            for x in a {
                match x {
                    Value::String(s) => out.push(s.clone()),
                    _ => return Err("`billed` must hold strings".into()),
                }
            }
            Ok(normalize_billed(out))
        }
        Some(_) => Err("`billed` must be an array of codes or a comma-separated string".into()),
    }
}

/// JSON-lines reader: one note per non-blank line.
struct JsonLines {
    reader: Box<dyn BufRead + Send>,
    base: std::sync::Arc<str>,
    line: usize,
    opts: InputOptions,
    done: bool,
}

impl JsonLines {
    fn new(reader: Box<dyn BufRead + Send>, base: String, opts: InputOptions) -> Self {
        JsonLines {
            reader,
            base: base.into(),
            line: 0,
            opts,
            done: false,
        }
    }
}

impl Iterator for JsonLines {
    type Item = Raw;
    fn next(&mut self) -> Option<Raw> {
        let mut buf = Vec::new();
        loop {
            if self.done {
                return None;
            }
            buf.clear();
            // Cap the line length: a line over the note limit (plus JSON
            // overhead) is read through without being kept.
            let cap = self
                .opts
                .max_note_bytes
                .saturating_mul(2)
                .saturating_add(1 << 16);
            match read_line_capped(&mut self.reader, &mut buf, cap) {
                Ok((0, _)) => return None,
                Ok((_, false)) => {}
                Ok((n, true)) => {
                    self.line += 1;
                    return Some(Raw::Ready(err_item(
                        format!("{}:{}", self.base, self.line),
                        "oversize",
                        format!(
                            "line {} is {} bytes, over the limit (--max-note-bytes)",
                            self.line, n
                        ),
                        n,
                    )));
                }
                Err(e) => {
                    self.done = true;
                    self.line += 1;
                    return Some(Raw::Ready(err_item(
                        format!("{}:{}", self.base, self.line),
                        "unreadable",
                        format!(
                            "read failed at line {}: {} (truncated or corrupt input)",
                            self.line,
                            e.kind()
                        ),
                        0,
                    )));
                }
            };
            self.line += 1;
            if buf.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            return Some(Raw::JsonLine {
                base: self.base.clone(),
                line: self.line,
                bytes: std::mem::take(&mut buf),
            });
        }
    }
}

/// The usual shape of a JSON-lines note: string id (or none), string
/// text, billed codes as an array of strings (or none). Read straight into
/// these fields, borrowing from the line where no escape forces a copy;
/// every other shape (a numeric id, billed as one string, a wrong type, a
/// repeated key) takes the general path through a JSON value, which also
/// words the errors.
#[derive(serde::Deserialize)]
struct PlainLine<'a> {
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    text: Cow<'a, str>,
    #[serde(borrow, default)]
    billed: Option<Vec<Cow<'a, str>>>,
    #[serde(borrow, default)]
    setting: Option<Cow<'a, str>>,
}

/// Parses one JSON line into a note or an error record.
pub fn parse_json_line(base: &str, lineno: usize, buf: &[u8], opts: &InputOptions) -> Item {
    let n = buf.len();
    // (A derived struct would also take a JSON array: objects only.)
    let object = buf.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if let Some(line) = object
        .then(|| serde_json::from_slice::<PlainLine>(buf).ok())
        .flatten()
    {
        let id = line
            .id
            .map_or_else(|| format!("{}:{}", base, lineno), Cow::into_owned);
        let billed = normalize_billed(line.billed.unwrap_or_default());
        let item = note_item(id, line.text.into_owned(), billed, n, false, opts);
        return with_setting(item, line.setting.as_deref());
    }
    let pos = format!("{}:{}", base, lineno);
    let (value, lossy): (Value, bool) = match serde_json::from_slice(buf) {
        Ok(v) => (v, false),
        Err(e) if std::str::from_utf8(buf).is_err() => {
            if opts.utf8 == Utf8Policy::Error {
                return err_item(
                    pos,
                    "invalid_utf8",
                    format!("line {} is not valid UTF-8", lineno),
                    n,
                );
            }
            let fixed = String::from_utf8_lossy(buf);
            match serde_json::from_str(&fixed) {
                Ok(v) => (v, true),
                Err(_) => {
                    return err_item(
                        pos,
                        "invalid_json",
                        format!("line {}: {}", lineno, json_error(&e)),
                        n,
                    )
                }
            }
        }
        Err(e) => {
            return err_item(
                pos,
                "invalid_json",
                format!("line {}: {}", lineno, json_error(&e)),
                n,
            )
        }
    };
    let obj = match value.as_object() {
        Some(o) => o,
        None => {
            return err_item(
                pos,
                "invalid_json",
                format!("line {}: not a JSON object", lineno),
                n,
            )
        }
    };
    let id = match obj.get("id") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(x)) => x.to_string(),
        None | Some(Value::Null) => pos.clone(),
        Some(_) => {
            return err_item(
                pos,
                "invalid_record",
                format!("line {}: `id` must be a string or number", lineno),
                n,
            )
        }
    };
    let text = match obj.get("text") {
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => {
            return err_item(
                id,
                "missing_text",
                format!("line {}: no `text` field", lineno),
                n,
            )
        }
        Some(_) => {
            return err_item(
                id,
                "invalid_record",
                format!("line {}: `text` must be a string", lineno),
                n,
            )
        }
    };
    let billed = match billed_from_json(obj.get("billed")) {
        Ok(b) => b,
        Err(m) => return err_item(id, "invalid_record", format!("line {}: {m}", lineno), n),
    };
    let setting = match obj.get("setting") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => Some("not a string"),
    };
    with_setting(note_item(id, text, billed, n, lossy, opts), setting)
}

/// A note read from a JSON line of `n` bytes, or the error record of an
/// oversize or empty one.
fn note_item(
    id: String,
    text: String,
    billed: Vec<String>,
    n: usize,
    lossy: bool,
    opts: &InputOptions,
) -> Item {
    if text.len() > opts.max_note_bytes {
        return err_item(
            id,
            "oversize",
            format!(
                "note is {} bytes, over the limit of {} (--max-note-bytes)",
                text.len(),
                opts.max_note_bytes
            ),
            n,
        );
    }
    let mut item = finish_note(id, text, billed, n, lossy);
    item.lossy = lossy;
    item
}

/// A JSON error described by position and class only (never the input text).
fn json_error(e: &serde_json::Error) -> String {
    format!("{} at column {}", json_error_class(e), e.column())
}

/// The class of a JSON error in words.
pub fn json_error_class(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Io => "I/O error",
        serde_json::error::Category::Syntax => "JSON syntax error",
        serde_json::error::Category::Data => "unexpected JSON data",
        serde_json::error::Category::Eof => "unexpected end of JSON",
    }
}

/// Reads one line (through `\n`) into `buf`, keeping at most `cap` bytes.
/// Returns the bytes read and whether the line was longer than `cap`.
fn read_line_capped(
    r: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    cap: usize,
) -> io::Result<(usize, bool)> {
    let mut total = 0;
    let mut over = false;
    loop {
        let avail = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok((total, over));
        }
        let (chunk, found) = match memchr_nl(avail) {
            Some(i) => (&avail[..=i], true),
            None => (avail, false),
        };
        let len = chunk.len();
        if !over {
            if buf.len() + len > cap {
                over = true;
                buf.clear();
            } else {
                buf.extend_from_slice(chunk);
            }
        }
        total += len;
        r.consume(len);
        if found {
            return Ok((total, over));
        }
    }
}

fn memchr_nl(b: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', b)
}

/// CSV reader: one note per row, columns chosen by name.
struct CsvRows {
    reader: csv::Reader<Box<dyn Read + Send>>,
    base: String,
    id_col: Option<usize>,
    text_col: usize,
    billed_col: Option<usize>,
    setting_col: Option<usize>,
    row: usize,
    opts: InputOptions,
    done: bool,
}

impl CsvRows {
    fn new(
        r: Box<dyn Read + Send>,
        path: &Path,
        base: String,
        opts: InputOptions,
    ) -> Result<Self, InputError> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(r);
        let headers = reader
            .byte_headers()
            .map_err(|e| InputError::Io {
                path: path.display().to_string(),
                message: format!("cannot read the CSV header row: {}", csv_error_kind(&e)),
            })?
            .clone();
        let names: Vec<String> = headers
            .iter()
            .map(|h| String::from_utf8_lossy(h).trim().to_string())
            .collect();
        let find = |n: &str| names.iter().position(|h| h.eq_ignore_ascii_case(n));
        let columns = names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let missing = |column: &str, flag: &str| InputError::Column {
            path: path.display().to_string(),
            column: column.to_string(),
            columns: columns.clone(),
            flag: flag.to_string(),
        };
        let text_name = opts.text_column.clone().unwrap_or_else(|| "text".into());
        let text_col = find(&text_name).ok_or_else(|| missing(&text_name, "text-column"))?;
        let id_col = match &opts.id_column {
            Some(n) => Some(find(n).ok_or_else(|| missing(n, "id-column"))?),
            None => find("id"),
        };
        let billed_col = match &opts.billed_column {
            Some(n) => Some(find(n).ok_or_else(|| missing(n, "billed-column"))?),
            None => find("billed"),
        };
        Ok(CsvRows {
            reader,
            base,
            id_col,
            text_col,
            billed_col,
            setting_col: find("setting"),
            row: 0,
            opts,
            done: false,
        })
    }
}

fn csv_error_kind(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Io(io) => format!("I/O error ({})", io.kind()),
        csv::ErrorKind::Utf8 { .. } => "invalid UTF-8".into(),
        csv::ErrorKind::UnequalLengths { .. } => "row has a different number of fields".into(),
        _ => "malformed CSV".into(),
    }
}

impl Iterator for CsvRows {
    type Item = Item;
    fn next(&mut self) -> Option<Item> {
        if self.done {
            return None;
        }
        let mut rec = csv::ByteRecord::new();
        match self.reader.read_byte_record(&mut rec) {
            Ok(false) => None,
            Ok(true) => {
                self.row += 1;
                let line = rec.position().map_or(0, |p| p.line());
                let size = rec.as_slice().len();
                let id = match self.id_col.and_then(|c| rec.get(c)) {
                    Some(b) if !b.is_empty() => String::from_utf8_lossy(b).into_owned(),
                    _ => format!("{}:{}", self.base, self.row),
                };
                let text = match rec.get(self.text_col) {
                    Some(t) => t.to_vec(),
                    None => {
                        return Some(err_item(
                            id,
                            "invalid_csv",
                            format!("row {} (line {line}) has no text column", self.row),
                            size,
                        ))
                    }
                };
                let billed = self
                    .billed_col
                    .and_then(|c| rec.get(c))
                    .map(|b| normalize_billed(String::from_utf8_lossy(b).split([',', ';'])))
                    .unwrap_or_default();
                let setting = self
                    .setting_col
                    .and_then(|c| rec.get(c))
                    .map(String::from_utf8_lossy);
                let item = make_note(id, text, billed, &self.opts, size);
                Some(with_setting(item, setting.as_deref()))
            }
            Err(e) => {
                self.row += 1;
                let line = e.position().map_or(0, |p| p.line());
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    self.done = true;
                }
                Some(err_item(
                    format!("{}:{}", self.base, self.row),
                    "invalid_csv",
                    format!("row {} (line {line}): {}", self.row, csv_error_kind(&e)),
                    0,
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_compression_from_names() {
        assert_eq!(
            classify(Path::new("a/b.jsonl")),
            (Format::JsonLines, Compression::None)
        );
        assert_eq!(
            classify(Path::new("x.NDJSON.gz")),
            (Format::JsonLines, Compression::Gzip)
        );
        assert_eq!(
            classify(Path::new("export.csv.zst")),
            (Format::Csv, Compression::Zstd)
        );
        assert_eq!(
            classify(Path::new("note.txt")),
            (Format::Text, Compression::None)
        );
    }

    #[test]
    fn billed_codes_from_arrays_and_strings() {
        let v: Value = serde_json::json!(["m53.83", " M54.2 ", ""]);
        assert_eq!(billed_from_json(Some(&v)).unwrap(), vec!["M53.83", "M54.2"]);
        let v: Value = serde_json::json!("M53.83, M54.12;G99.2");
        assert_eq!(
            billed_from_json(Some(&v)).unwrap(),
            vec!["M53.83", "M54.12", "G99.2"]
        );
        assert!(billed_from_json(Some(&serde_json::json!(7))).is_err());
        assert!(billed_from_json(None).unwrap().is_empty());
    }

    #[test]
    fn long_lines_are_read_through_without_being_kept() {
        let data = format!("{}\nshort\n", "x".repeat(100));
        let mut r = io::BufReader::with_capacity(8, data.as_bytes());
        let mut buf = Vec::new();
        assert_eq!(read_line_capped(&mut r, &mut buf, 10).unwrap(), (101, true));
        assert!(buf.is_empty());
        buf.clear();
        assert_eq!(read_line_capped(&mut r, &mut buf, 10).unwrap(), (6, false));
        assert_eq!(buf, b"short\n");
    }

    #[test]
    fn json_lines_of_every_shape_read_the_same_fields() {
        let opts = InputOptions::default();
        let read = |line: &str| {
            let item = parse_json_line("f.jsonl", 4, line.as_bytes(), &opts);
            item.note
                .map(|n| (n.id, n.text, n.billed))
                .map_err(|e| (e.id, e.error.kind))
        };
        let note = |id: &str, text: &str, billed: &[&str]| {
            Ok((
                id.to_string(),
                text.to_string(),
                billed.iter().map(|b| b.to_string()).collect::<Vec<_>>(),
            ))
        };
        // The plain shape, with escapes, extra fields and null or absent keys.
        assert_eq!(
            read(
                r#"{"id":"a","text":"C7-T1 \"q\"\n\u00e9","billed":[" m53.83",""],"x":{"y":[1]}}"#
            ),
            note("a", "C7-T1 \"q\"\né", &["M53.83"])
        );
        assert_eq!(
            read(r#"{"text":"t","id":null,"billed":null}"#),
            note("f.jsonl:4", "t", &[])
        );
        assert_eq!(read(r#"{"text":"t"}"#), note("f.jsonl:4", "t", &[]));
        // Other shapes go the general way and read the same.
        assert_eq!(
            read(r#"{"id":17,"text":"t","billed":"m54.2; m53.83"}"#),
            note("17", "t", &["M54.2", "M53.83"])
        );
        assert_eq!(
            read(r#"{"id":"a","text":"old","text":"new"}"#),
            note("a", "new", &[])
        );
        assert_eq!(
            read(r#"{"id":"a","text":"  "}"#),
            Err(("a".into(), "empty_text".into()))
        );
        assert_eq!(
            read(r#"{"id":"a","text":null}"#),
            Err(("a".into(), "missing_text".into()))
        );
        assert_eq!(
            read(r#"{"id":"a","text":3}"#),
            Err(("a".into(), "invalid_record".into()))
        );
        assert_eq!(
            read(r#"{"id":"a","text":"t","billed":[3]}"#),
            Err(("a".into(), "invalid_record".into()))
        );
        assert_eq!(
            read(r#"{"id":[],"text":"t"}"#),
            Err(("f.jsonl:4".into(), "invalid_record".into()))
        );
        assert_eq!(
            read(r#"["a","t"]"#),
            Err(("f.jsonl:4".into(), "invalid_json".into()))
        );
        let big = format!(
            r#"{{"id":"b","text":"{}"}}"#,
            "x".repeat(opts.max_note_bytes + 1)
        );
        assert_eq!(read(&big), Err(("b".into(), "oversize".into())));
    }

    #[test]
    fn json_errors_never_quote_the_input() {
        let item = parse_json_line(
            "f",
            3,
            b"{\"id\":\"a\",\"text\":\"secret findings",
            &InputOptions::default(),
        );
        let e = item.note.unwrap_err();
        assert_eq!(e.error.kind, "invalid_json");
        assert!(e.error.message.starts_with("line 3:"));
        assert!(!e.error.message.contains("secret"));
    }
}
