//! The JSON-lines reader: one note per non-blank line, parsed on the
//! worker threads. The fast path reads the usual shape straight into its
//! fields; every other shape goes through a JSON value.

use super::{err_item, finish_note, oversize, with_setting, InputOptions, Item, Raw};
use crate::io::decode::{decode_invalid_utf8, Decoding, Utf8Policy};
use crate::record::split_billed;
use crate::rollup::Keys;
use serde_json::Value;
use std::borrow::Cow;
use std::io::{self, BufRead};

/// Billed codes from a JSON value: an array of strings or one string, codes
/// separated by commas, semicolons or white space.
pub fn billed_from_json(v: Option<&Value>) -> Result<Vec<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(split_billed(s)),
        Some(Value::Array(a)) => {
            let mut out = Vec::new();
            for x in a {
                match x {
                    Value::String(s) => out.extend(split_billed(s)),
                    _ => return Err("`billed` must hold strings".into()),
                }
            }
            Ok(out)
        }
        Some(_) => Err("`billed` must be an array of codes or a comma-separated string".into()),
    }
}

/// JSON-lines reader: one note per non-blank line.
pub(super) struct JsonLines {
    reader: Box<dyn BufRead + Send>,
    base: std::sync::Arc<str>,
    line: usize,
    opts: InputOptions,
    done: bool,
    utf16: Option<Decoding>,
}

impl JsonLines {
    pub(super) fn new(reader: Box<dyn BufRead + Send>, base: String, opts: InputOptions) -> Self {
        JsonLines {
            reader,
            base: base.into(),
            line: 0,
            opts,
            done: false,
            utf16: None,
        }
    }

    /// Marks its notes as read from a UTF-16 file (transcoded).
    pub(super) fn utf16(mut self, utf16: Option<Decoding>) -> Self {
        self.utf16 = utf16;
        self
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
                utf16: self.utf16,
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
    #[serde(borrow, default)]
    group: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    claim: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    encounter: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    patient: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    date: Option<Cow<'a, str>>,
    #[serde(default)]
    procedures: Option<Value>,
    #[serde(default)]
    cpt: Option<Value>,
}

/// Parses one JSON line into a note or an error record. Field names are
/// `id`, `text`, `billed` and `setting`, or those `--id-column`,
/// `--text-column` and `--billed-column` give.
pub fn parse_json_line(base: &str, lineno: usize, buf: &[u8], opts: &InputOptions) -> Item {
    let n = buf.len();
    // (A derived struct would also take a JSON array: objects only.)
    let object = buf.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let default_names = opts.id_column.is_none()
        && opts.text_column.is_none()
        && opts.billed_column.is_none()
        && opts.group_column.is_none()
        && opts.cpt_column.is_none();
    if let Some(line) = (object && default_names)
        .then(|| serde_json::from_slice::<PlainLine>(buf).ok())
        .flatten()
    {
        let id = line
            .id
            .map_or_else(|| format!("{}:{}", base, lineno), Cow::into_owned);
        let mut billed = Vec::new();
        for b in line.billed.unwrap_or_default() {
            billed.extend(split_billed(&b));
        }
        let item = note_item(id, line.text.into_owned(), billed, n, opts);
        let key = |k: Option<Cow<str>>| k.map(Cow::into_owned).filter(|s| !s.trim().is_empty());
        let keys = Keys {
            group: key(line.group),
            claim: key(line.claim),
            encounter: key(line.encounter),
            patient: key(line.patient),
            date: key(line.date),
            source: None,
        };
        let procedures = (line.procedures.as_ref(), line.cpt.as_ref());
        let item = with_procedures(item, procedures, keys, lineno, n);
        return with_setting(item, line.setting.as_deref());
    }
    let pos = format!("{}:{}", base, lineno);
    let (value, decoding) = match parse_value(buf, opts) {
        Ok(v) => v,
        Err((kind, message)) => return err_item(pos, kind, format!("line {lineno}: {message}"), n),
    };
    let Some(obj) = value.as_object() else {
        return err_item(
            pos,
            "invalid_json",
            format!("line {lineno}: not a JSON object"),
            n,
        );
    };
    let mut item = fields_item(obj, pos, lineno, n, opts);
    if item.note.is_ok() {
        item.decoding = decoding;
    }
    item
}

/// The JSON value of a line; a line that is not UTF-8 is decoded under the
/// policy first. Errors are a kind and a message without the input.
fn parse_value(
    buf: &[u8],
    opts: &InputOptions,
) -> Result<(Value, Option<Decoding>), (&'static str, String)> {
    let e = match serde_json::from_slice(buf) {
        Ok(v) => return Ok((v, None)),
        Err(e) => e,
    };
    if std::str::from_utf8(buf).is_ok() {
        return Err(("invalid_json", json_error(&e)));
    }
    let how = match opts.utf8 {
        Utf8Policy::Error => return Err(("invalid_utf8", "not valid UTF-8".into())),
        Utf8Policy::Windows1252 => Decoding::Windows1252,
        Utf8Policy::Replace => Decoding::Replaced,
    };
    let fixed = decode_invalid_utf8(buf, how).text;
    serde_json::from_str(&fixed)
        .map(|v| (v, Some(how)))
        .map_err(|_| ("invalid_json", json_error(&e)))
}

/// The note (or error) of a JSON object's fields. An id keeps its text as
/// written, a number too.
fn fields_item(
    obj: &serde_json::Map<String, Value>,
    pos: String,
    lineno: usize,
    n: usize,
    opts: &InputOptions,
) -> Item {
    let (id_name, text_name, billed_name) = (opts.id_name(), opts.text_name(), opts.billed_name());
    let id = match obj.get(id_name) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(x)) => x.to_string(),
        None | Some(Value::Null) => pos.clone(),
        Some(_) => {
            return err_item(
                pos,
                "invalid_record",
                format!("line {lineno}: `{id_name}` must be a string or number"),
                n,
            )
        }
    };
    let text = match obj.get(text_name) {
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => {
            return err_item(
                id,
                "missing_text",
                format!("line {lineno}: no `{text_name}` field"),
                n,
            )
        }
        Some(_) => {
            return err_item(
                id,
                "invalid_record",
                format!("line {lineno}: `{text_name}` must be a string"),
                n,
            )
        }
    };
    let billed = match billed_from_json(obj.get(billed_name)) {
        Ok(b) => b,
        Err(m) => return err_item(id, "invalid_record", format!("line {lineno}: {m}"), n),
    };
    let setting = match obj.get("setting") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => Some("not a string"),
    };
    let item = note_item(id, text, billed, n, opts);
    let keys = keys_of(obj, opts);
    let procedures = (obj.get("procedures"), obj.get(opts.cpt_name()));
    let item = with_procedures(item, procedures, keys, lineno, n);
    with_setting(item, setting)
}

/// The item with its claim lines (`procedures` and `cpt` fields) and its
/// keys, or the `invalid_record` error record of malformed lines.
fn with_procedures(
    mut item: Item,
    (procedures, cpt): (Option<&Value>, Option<&Value>),
    keys: Keys,
    lineno: usize,
    n: usize,
) -> Item {
    if let Err(m) = set_procedures(&mut item, procedures, cpt, keys.date.as_deref()) {
        return err_item(
            item_id(&item),
            "invalid_record",
            format!("line {lineno}: {m}"),
            n,
        );
    }
    item.set_keys(keys);
    item
}

/// The id of an item (a note's, or an error record's).
fn item_id(item: &Item) -> String {
    match &item.note {
        Ok(n) => n.id.clone(),
        Err(e) => e.id.clone(),
    }
}

/// Sets a note's claim lines from its `procedures` field (objects with
/// `cpt`, `dx`, `units`, `date`) and its `cpt` field (codes without
/// pointers, linked to every billed code). A line without `dx` is linked
/// to every billed code; one without `date` takes the note's.
fn set_procedures(
    item: &mut Item,
    procedures: Option<&Value>,
    cpt: Option<&Value>,
    date: Option<&str>,
) -> Result<(), String> {
    let Ok(note) = &mut item.note else {
        return Ok(());
    };
    let mut lines = procedures_from_json(procedures, &note.billed, date)?;
    match cpt {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => lines.extend(super::lines_of_cpts(s, &note.billed, date)),
        Some(Value::Number(x)) => {
            lines.extend(super::lines_of_cpts(&x.to_string(), &note.billed, date))
        }
        Some(Value::Array(xs)) => {
            for x in xs {
                match x {
                    Value::String(s) => lines.extend(super::lines_of_cpts(s, &note.billed, date)),
                    Value::Number(x) => {
                        lines.extend(super::lines_of_cpts(&x.to_string(), &note.billed, date))
                    }
                    _ => return Err("`cpt` must hold strings or numbers".into()),
                }
            }
        }
        Some(_) => return Err("`cpt` must be a string, a number or an array of them".into()),
    }
    note.procedures = lines;
    Ok(())
}

/// The claim lines of a `procedures` field.
pub fn procedures_from_json(
    v: Option<&Value>,
    billed: &[String],
    date: Option<&str>,
) -> Result<Vec<crate::lines::ProcedureLine>, String> {
    let items = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err("`procedures` must be an array of objects".into()),
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Some(obj) = item.as_object() else {
            return Err(format!("`procedures[{i}]` must be an object"));
        };
        let cpt = match obj.get("cpt") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_ascii_uppercase(),
            Some(Value::Number(x)) => x.to_string(),
            _ => {
                return Err(format!(
                    "`procedures[{i}].cpt` must be a non-empty string or a number"
                ))
            }
        };
        let dx = match obj.get("dx") {
            None | Some(Value::Null) => billed.to_vec(),
            v => billed_from_json(v).map_err(|_| {
                format!(
                    "`procedures[{i}].dx` must be an array of codes or a comma-separated string"
                )
            })?,
        };
        let units = match obj.get("units") {
            None | Some(Value::Null) => None,
            Some(Value::Number(x)) => Some(
                x.as_u64()
                    .and_then(|u| u32::try_from(u).ok())
                    .ok_or_else(|| format!("`procedures[{i}].units` must be a whole number"))?,
            ),
            Some(_) => return Err(format!("`procedures[{i}].units` must be a whole number")),
        };
        let line_date = match obj.get("date") {
            None | Some(Value::Null) => date.map(str::to_string),
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(format!("`procedures[{i}].date` must be a string")),
        };
        out.push(crate::lines::ProcedureLine {
            cpt,
            dx,
            units,
            date: line_date,
        });
    }
    Ok(out)
}

/// The group keys of a JSON object (strings or numbers as written).
fn keys_of(obj: &serde_json::Map<String, Value>, opts: &InputOptions) -> Keys {
    let key = |name: &str| match obj.get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(Value::Number(x)) => Some(x.to_string()),
        _ => None,
    };
    Keys {
        group: key(opts.group_name()),
        claim: key("claim"),
        encounter: key("encounter"),
        patient: key("patient"),
        date: key("date"),
        source: None,
    }
}

/// A note read from a JSON line of `n` bytes, or the error record of an
/// oversize or empty one.
fn note_item(id: String, text: String, billed: Vec<String>, n: usize, opts: &InputOptions) -> Item {
    if text.len() > opts.max_note_bytes {
        return oversize(id, text.len(), opts, n);
    }
    finish_note(id, text, billed, n)
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
pub(crate) fn read_line_capped(
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
