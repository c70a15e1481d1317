//! The CSV and TSV reader: one note per row, columns chosen by name from a
//! header row. A quoted field that is never closed (it would swallow the
//! rest of the file into one note) is reported, not audited.

use super::{err_item, make_note, with_setting, FileProblem, InputError, InputOptions, Item};
use crate::io::decode::{utf16_offsets, Decoding};
use crate::io::sniff::{plausible_header, Format};
use crate::record::split_billed;
use crate::rollup::Keys;
use std::io::{self, Read};
use std::path::Path;

/// Follows the quoting of the bytes the CSV parser reads (RFC 4180, as the
/// parser reads it) to tell, at the end, whether a quoted field was left
/// open and at which byte it opened.
struct QuoteWatch<R> {
    inner: R,
    delimiter: u8,
    state: Field,
    /// Bytes read so far.
    at: u64,
    /// Byte where the last quoted field opened.
    opened: u64,
}

impl<R> QuoteWatch<R> {
    /// The byte where a quoted field still open after the bytes read so
    /// far opened.
    fn open_quote(&self) -> Option<u64> {
        (self.state == Field::Quoted).then_some(self.opened)
    }
}

/// Where the parser is: at a field's start, in an unquoted field, in a
/// quoted one, or just after a quote inside one (it closes the field or,
/// doubled, is a quote).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Start,
    Unquoted,
    Quoted,
    QuoteSeen,
}

impl Field {
    fn next(self, b: u8, delimiter: u8) -> Field {
        let separator = b == delimiter || b == b'\n' || b == b'\r';
        match (self, b) {
            (Field::Start, b'"') => Field::Quoted,
            (Field::Quoted, b'"') => Field::QuoteSeen,
            (Field::Quoted, _) => Field::Quoted,
            (Field::QuoteSeen, b'"') => Field::Quoted,
            (_, _) if separator => Field::Start,
            (_, _) => Field::Unquoted,
        }
    }
}

impl<R: Read> Read for QuoteWatch<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, &b) in buf[..n].iter().enumerate() {
            let next = self.state.next(b, self.delimiter);
            if self.state == Field::Start && next == Field::Quoted {
                self.opened = self.at + i as u64;
            }
            self.state = next;
        }
        self.at += n as u64;
        Ok(n)
    }
}

/// One note per row, columns chosen by name.
pub(super) struct CsvRows {
    reader: csv::Reader<QuoteWatch<Box<dyn io::BufRead + Send>>>,
    base: String,
    id_col: Option<usize>,
    text_col: usize,
    billed_col: Option<usize>,
    setting_col: Option<usize>,
    cpt_col: Option<usize>,
    /// Columns of the keys (group, claim, encounter, patient, date).
    key_cols: [Option<usize>; 5],
    row: usize,
    opts: InputOptions,
    done: bool,
    /// The row read ahead (to know whether it is the last).
    ahead: Option<Result<csv::ByteRecord, csv::Error>>,
    /// The file was UTF-16, transcoded to UTF-8 for the parser.
    utf16: Option<Decoding>,
}

impl CsvRows {
    /// Reads the header row and finds the columns; refuses a file without
    /// them, listing its columns only when the first row looks like names.
    pub(super) fn new(
        r: Box<dyn io::BufRead + Send>,
        format: Format,
        path: &Path,
        base: String,
        opts: InputOptions,
    ) -> Result<Self, InputError> {
        let delimiter = if format == Format::Tsv { b'\t' } else { b',' };
        let watch = QuoteWatch {
            inner: r,
            delimiter,
            state: Field::Start,
            at: 0,
            opened: 0,
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .from_reader(watch);
        let headers = reader
            .byte_headers()
            .map_err(|e| {
                let why = format!("cannot read the header row: {}", csv_error_kind(&e));
                InputError::file(path, FileProblem::Io(why))
            })?
            .clone();
        let names: Vec<String> = headers
            .iter()
            .map(|h| String::from_utf8_lossy(h).trim().to_string())
            .collect();
        let find = |n: &str| names.iter().position(|h| h.eq_ignore_ascii_case(n));
        let columns = if plausible_header(&names) {
            let list: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            format!("columns: {}", list.join(", "))
        } else {
            "no header row: the first row does not look like column names".to_string()
        };
        let missing = |column: &str, flag: &str| {
            let problem = FileProblem::Column {
                column: column.to_string(),
                columns: columns.clone(),
                flag: flag.to_string(),
            };
            InputError::file(path, problem)
        };
        let text_col =
            find(opts.text_name()).ok_or_else(|| missing(opts.text_name(), "text-column"))?;
        let id_col = match &opts.id_column {
            Some(n) => Some(find(n).ok_or_else(|| missing(n, "id-column"))?),
            None => find("id"),
        };
        let billed_col = match &opts.billed_column {
            Some(n) => Some(find(n).ok_or_else(|| missing(n, "billed-column"))?),
            None => find("billed"),
        };
        let group_col = match &opts.group_column {
            Some(n) => Some(find(n).ok_or_else(|| missing(n, "group-column"))?),
            None => find("group"),
        };
        let cpt_col = match &opts.cpt_column {
            Some(n) => Some(find(n).ok_or_else(|| missing(n, "cpt-column"))?),
            None => find("cpt"),
        };
        let key_cols = [
            group_col,
            find("claim"),
            find("encounter"),
            find("patient"),
            find("date"),
        ];
        Ok(CsvRows {
            key_cols,
            reader,
            base,
            id_col,
            text_col,
            billed_col,
            setting_col: find("setting"),
            cpt_col,
            row: 0,
            opts,
            done: false,
            ahead: None,
            utf16: None,
        })
    }

    /// Reads a file that was UTF-16: each note's offsets go back to its
    /// field's UTF-16 bytes.
    pub(super) fn utf16(mut self, utf16: Option<Decoding>) -> Self {
        self.utf16 = utf16;
        self
    }

    fn read(&mut self) -> Option<Result<csv::ByteRecord, csv::Error>> {
        let mut rec = csv::ByteRecord::new();
        match self.reader.read_byte_record(&mut rec) {
            Ok(false) => None,
            Ok(true) => Some(Ok(rec)),
            Err(e) => Some(Err(e)),
        }
    }

    /// The note of one row.
    fn row_item(&self, rec: &csv::ByteRecord) -> Item {
        let line = rec.position().map_or(0, |p| p.line());
        let size = rec.as_slice().len();
        let id = match self.id_col.and_then(|c| rec.get(c)) {
            Some(b) if !b.is_empty() => String::from_utf8_lossy(b).into_owned(),
            _ => format!("{}:{}", self.base, self.row),
        };
        let Some(text) = rec.get(self.text_col) else {
            return err_item(
                id,
                "invalid_csv",
                format!("row {} (line {line}) has no text column", self.row),
                size,
            );
        };
        if let Some(at) = self.unclosed_quote_in(rec) {
            return err_item(
                id,
                "invalid_csv",
                format!(
                    "row {} (line {line}): a quoted field opened at byte {at} is never closed; it runs to the end of the file, so the rows after it cannot be read",
                    self.row
                ),
                size,
            );
        }
        let billed = self
            .billed_col
            .and_then(|c| rec.get(c))
            .map(|b| split_billed(&String::from_utf8_lossy(b)))
            .unwrap_or_default();
        let setting = self
            .setting_col
            .and_then(|c| rec.get(c))
            .map(String::from_utf8_lossy);
        let mut item = make_note(id, text.to_vec(), billed, &self.opts, size);
        if let (Some(enc), Ok(note)) = (self.utf16, &item.note) {
            item.offsets = Some(utf16_offsets(&note.text));
            item.decoding = Some(enc);
        }
        let keys = self.keys_of(rec);
        if let (Some(cpts), Ok(note)) = (self.cpt_col.and_then(|c| rec.get(c)), &mut item.note) {
            note.procedures = super::lines_of_cpts(
                &String::from_utf8_lossy(cpts),
                &note.billed,
                keys.date.as_deref(),
            );
        }
        item.set_keys(keys);
        with_setting(item, setting.as_deref())
    }

    /// The row's group keys (empty cells are none).
    fn keys_of(&self, rec: &csv::ByteRecord) -> Keys {
        let cell = |c: Option<usize>| {
            let b = rec.get(c?)?;
            let s = String::from_utf8_lossy(b).trim().to_string();
            (!s.is_empty()).then_some(s)
        };
        let [group, claim, encounter, patient, date] = self.key_cols;
        Keys {
            group: cell(group),
            claim: cell(claim),
            encounter: cell(encounter),
            patient: cell(patient),
            date: cell(date),
            source: None,
        }
    }

    /// The byte where a quoted field that runs to the end of the input
    /// opened, when `rec` is the last row and holds it.
    fn unclosed_quote_in(&self, rec: &csv::ByteRecord) -> Option<u64> {
        if self.ahead.is_some() {
            return None;
        }
        let at = self.reader.get_ref().open_quote()?;
        let start = rec.position().map_or(0, |p| p.byte());
        (at >= start).then_some(at)
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
        let current = match self.ahead.take() {
            Some(r) => r,
            None => self.read()?,
        };
        self.row += 1;
        match current {
            Ok(rec) => {
                self.ahead = self.read();
                Some(self.row_item(&rec))
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    self.done = true;
                } else {
                    self.ahead = self.read();
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
