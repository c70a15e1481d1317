//! `m53audit._native`: the Python face of the m53audit library. Every
//! decision is the Rust library's (`m53audit::Auditor`); this crate only
//! moves notes in and records out: records as the CLI's JSON lines, and
//! Arrow record batches with typed columns (the text column read in place,
//! through the Arrow C data interface, without a copy).

use arrow::array::{
    Array, ArrayRef, BooleanBuilder, Int32Builder, Int64Builder, LargeStringArray, ListBuilder,
    StringArray, StringBuilder, StringViewArray, StructBuilder,
};
use arrow::datatypes::{DataType, Field, Fields, Schema};
use arrow::pyarrow::{FromPyArrow, ToPyArrow};
use arrow::record_batch::RecordBatch;
use m53audit::decide::Setting;
use m53audit::record::ErrorRecord;
use m53audit::{Auditor as Inner, Lexicons, Note, Output, Record};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use rayon::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;

/// An auditor: the lexicons compiled once, shared by every call and thread.
#[pyclass(frozen, module = "m53audit._native")]
struct Auditor {
    inner: Arc<Inner>,
}

/// A note as read from Python, or why it cannot be audited.
type NoteIn = Result<Note, ErrorRecord>;

fn error(id: String, kind: &str, message: &str) -> ErrorRecord {
    ErrorRecord::new(id, kind, message.to_string())
}

/// The note of `text` (or the error record of an empty one), as the CLI reads it.
fn note(id: Option<String>, text: &str, billed: Vec<String>, pos: usize) -> NoteIn {
    let id = id.unwrap_or_else(|| pos.to_string());
    if text.trim().is_empty() {
        return Err(error(id, "empty_text", "note text is empty"));
    }
    Ok(Note {
        id,
        text: text.to_string(),
        billed: m53audit::record::normalize_billed(
            billed
                .iter()
                .flat_map(|b| m53audit::record::split_billed(b)),
        ),
        setting: None,
        procedures: Vec::new(),
    })
}

impl Auditor {
    fn output(&self, n: NoteIn) -> Output {
        match n {
            Ok(note) => Output::Audited(Box::new(self.inner.audit(&note))),
            Err(mut e) => {
                e.m53audit = Some(self.inner.trail.clone());
                Output::Error(e)
            }
        }
    }

    /// The record as the CLI writes it (one JSON line, no newline).
    fn json(&self, n: NoteIn) -> String {
        let mut buf = Vec::new();
        m53audit::io::jsonl::write_line(&self.output(n), &mut buf);
        buf.pop();
        String::from_utf8(buf).expect("records are UTF-8")
    }
}

/// Billed codes from a Python value: None, a string ("M53.83, M54.2") or
/// a list of strings.
fn billed_of(v: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<String>> {
    match v {
        None => Ok(Vec::new()),
        Some(v) if v.is_none() => Ok(Vec::new()),
        Some(v) => {
            if let Ok(s) = v.cast::<PyString>() {
                return Ok(vec![s.to_str()?.to_string()]);
            }
            v.extract::<Vec<String>>()
                .map_err(|_| PyTypeError::new_err("billed must be a string or a list of strings"))
        }
    }
}

/// An id from a Python value (a string, or a number as written).
fn id_of(v: Option<&Bound<'_, PyAny>>) -> PyResult<Option<String>> {
    match v {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => Ok(Some(v.str()?.to_str()?.to_string())),
    }
}

#[pymethods]
impl Auditor {
    /// Auditor(lexicons=None, setting="outpatient")
    ///
    /// `lexicons`: a directory whose lexicon files replace the built-in ones
    /// (as the CLI's --lexicons); `setting`: "outpatient" or "inpatient".
    #[new]
    #[pyo3(signature = (lexicons=None, setting="outpatient"))]
    fn new(lexicons: Option<PathBuf>, setting: &str) -> PyResult<Self> {
        let setting = Setting::parse(setting).ok_or_else(|| {
            PyValueError::new_err("setting must be \"outpatient\" or \"inpatient\"")
        })?;
        let lex = Lexicons::load(lexicons.as_deref())
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(Auditor {
            inner: Arc::new(Inner::new(lex).with_setting(setting)),
        })
    }

    /// The record of one note as a JSON string (the CLI's JSON line).
    #[pyo3(signature = (text, id=None, billed=None))]
    fn audit_json(
        &self,
        py: Python<'_>,
        text: &str,
        id: Option<&Bound<'_, PyAny>>,
        billed: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let n = note(id_of(id)?, text, billed_of(billed)?, 0);
        Ok(py.detach(|| self.json(n)))
    }

    /// The records of many notes as JSON strings, in order, on every core
    /// (the GIL released). Each item is a text or a mapping with `text`
    /// and optional `id` and `billed`.
    fn audit_many_json(&self, py: Python<'_>, notes: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
        let mut read: Vec<NoteIn> = Vec::new();
        for (i, item) in notes.try_iter()?.enumerate() {
            let item = item?;
            read.push(if let Ok(s) = item.cast::<PyString>() {
                note(None, s.to_str()?, Vec::new(), i)
            } else if let Ok(d) = item.cast::<PyDict>() {
                let text = d.get_item("text")?;
                let id = id_of(d.get_item("id")?.as_ref())?;
                let billed = billed_of(d.get_item("billed")?.as_ref())?;
                match text {
                    Some(t) if !t.is_none() => {
                        let t = t
                            .cast_into::<PyString>()
                            .map_err(|_| PyTypeError::new_err("`text` must be a str"))?;
                        note(id, t.to_str()?, billed, i)
                    }
                    _ => Err(error(
                        id.unwrap_or_else(|| i.to_string()),
                        "missing_text",
                        "no `text`",
                    )),
                }
            } else {
                return Err(PyTypeError::new_err(
                    "each note must be a str or a dict with `text` (and `id`, `billed`)",
                ));
            });
        }
        Ok(py.detach(|| read.into_par_iter().map(|n| self.json(n)).collect()))
    }

    /// Audits a pyarrow.RecordBatch with a `text` column (string,
    /// large_string or string_view; read in place) and optional `id` and
    /// `billed` (string) columns; returns a RecordBatch with one row per
    /// input row: id, verdict, codes, score, billed_agrees, gaps, evidence,
    /// error (the kind, for a row that could not be audited).
    fn audit_arrow<'py>(
        &self,
        py: Python<'py>,
        batch: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let batch = RecordBatch::from_pyarrow_bound(batch)?;
        let out = py.detach(|| audit_batch(&self.inner, &batch))?;
        out.to_pyarrow(py)
    }

    /// The m53audit version and the digest of the lexicons in force.
    #[getter]
    fn trail<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("version", self.inner.trail.version)?;
        d.set_item("lexicons", self.inner.trail.lexicons.to_string())?;
        Ok(d)
    }
}

/// A string column of a batch, whatever its string type, read in place.
enum Texts<'a> {
    Utf8(&'a StringArray),
    Large(&'a LargeStringArray),
    View(&'a StringViewArray),
}

impl Texts<'_> {
    fn of<'a>(batch: &'a RecordBatch, name: &str) -> PyResult<Option<Texts<'a>>> {
        let Some(col) = batch.column_by_name(name) else {
            return Ok(None);
        };
        let any = col.as_any();
        if let Some(a) = any.downcast_ref::<StringArray>() {
            return Ok(Some(Texts::Utf8(a)));
        }
        if let Some(a) = any.downcast_ref::<LargeStringArray>() {
            return Ok(Some(Texts::Large(a)));
        }
        if let Some(a) = any.downcast_ref::<StringViewArray>() {
            return Ok(Some(Texts::View(a)));
        }
        Err(PyTypeError::new_err(format!(
            "column `{name}` must be a string column, not {}",
            col.data_type()
        )))
    }

    fn get(&self, i: usize) -> Option<&str> {
        match self {
            Texts::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Texts::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Texts::View(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }
}

/// The schema of `audit_arrow`'s result (also `m53audit.spark.SCHEMA`).
fn out_schema() -> Schema {
    Schema::new(vec![
        Field::new("id", DataType::Utf8, true),
        Field::new("verdict", DataType::Utf8, true),
        Field::new("codes", list(DataType::Utf8), true),
        Field::new("score", DataType::Int32, true),
        Field::new("billed_agrees", DataType::Boolean, true),
        Field::new("gaps", list(DataType::Utf8), true),
        Field::new("evidence", list(DataType::Struct(evidence_fields())), true),
        Field::new("error", DataType::Utf8, true),
    ])
}

fn list(item: DataType) -> DataType {
    DataType::List(Arc::new(Field::new("element", item, true)))
}

fn evidence_fields() -> Fields {
    Fields::from(vec![
        Field::new("start", DataType::Int64, true),
        Field::new("end", DataType::Int64, true),
        Field::new("concept", DataType::Utf8, true),
        Field::new("assertion", DataType::Utf8, true),
        Field::new("section", DataType::Utf8, true),
        Field::new("decisive", DataType::Boolean, true),
    ])
}

/// Audits every row of `batch` on every core and builds the result batch.
fn audit_batch(auditor: &Inner, batch: &RecordBatch) -> PyResult<RecordBatch> {
    let texts = Texts::of(batch, "text")?
        .ok_or_else(|| PyValueError::new_err("the batch has no `text` column"))?;
    let ids = Texts::of(batch, "id")?;
    let billed = Texts::of(batch, "billed")?;
    let outputs: Vec<Output> = (0..batch.num_rows())
        .into_par_iter()
        .map(|i| {
            let id = ids.as_ref().and_then(|c| c.get(i)).map(str::to_string);
            let b = billed.as_ref().and_then(|c| c.get(i)).map(str::to_string);
            let n = match texts.get(i) {
                Some(t) => note(id, t, b.into_iter().collect(), i),
                None => Err(error(
                    id.unwrap_or_else(|| i.to_string()),
                    "missing_text",
                    "text is null",
                )),
            };
            match n {
                Ok(note) => Output::Audited(Box::new(auditor.audit(&note))),
                Err(e) => Output::Error(e),
            }
        })
        .collect();
    build(&outputs).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// The columns of the records.
fn build(outputs: &[Output]) -> Result<RecordBatch, arrow::error::ArrowError> {
    let mut id = StringBuilder::new();
    let mut verdict = StringBuilder::new();
    let mut codes = ListBuilder::new(StringBuilder::new()).with_field(Field::new(
        "element",
        DataType::Utf8,
        true,
    ));
    let mut score = Int32Builder::new();
    let mut agrees = BooleanBuilder::new();
    let mut gaps = ListBuilder::new(StringBuilder::new()).with_field(Field::new(
        "element",
        DataType::Utf8,
        true,
    ));
    let mut evidence = ListBuilder::new(StructBuilder::from_fields(evidence_fields(), 0))
        .with_field(Field::new(
            "element",
            DataType::Struct(evidence_fields()),
            true,
        ));
    let mut err = StringBuilder::new();
    for o in outputs {
        match o {
            Output::Audited(r) => {
                id.append_value(&r.id);
                verdict.append_value(r.verdict.name());
                for c in &r.codes {
                    codes.values().append_value(c);
                }
                codes.append(true);
                score.append_value(i32::from(r.score));
                agrees.append_option(r.billed_agrees);
                for g in &r.gaps {
                    gaps.values().append_value(&g.element);
                }
                gaps.append(true);
                append_evidence(evidence.values(), r);
                evidence.append(true);
                err.append_null();
            }
            Output::Error(e) => {
                id.append_value(&e.id);
                verdict.append_null();
                codes.append(false);
                score.append_null();
                agrees.append_null();
                gaps.append(false);
                evidence.append(false);
                err.append_value(&e.error.kind);
            }
        }
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(verdict.finish()),
        Arc::new(codes.finish()),
        Arc::new(score.finish()),
        Arc::new(agrees.finish()),
        Arc::new(gaps.finish()),
        Arc::new(evidence.finish()),
        Arc::new(err.finish()),
    ];
    RecordBatch::try_new(Arc::new(out_schema()), columns)
}

fn append_evidence(s: &mut StructBuilder, r: &Record) {
    for e in &r.evidence {
        s.field_builder::<Int64Builder>(0)
            .expect("start")
            .append_value(e.start as i64);
        s.field_builder::<Int64Builder>(1)
            .expect("end")
            .append_value(e.end as i64);
        s.field_builder::<StringBuilder>(2)
            .expect("concept")
            .append_value(&*e.concept);
        s.field_builder::<StringBuilder>(3)
            .expect("assertion")
            .append_value(e.assertion);
        s.field_builder::<StringBuilder>(4)
            .expect("section")
            .append_value(e.section);
        s.field_builder::<BooleanBuilder>(5)
            .expect("decisive")
            .append_value(e.decisive);
        s.append(true);
    }
}

/// The schema of `audit_arrow`'s result, as a pyarrow.Schema.
#[pyfunction]
fn schema(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    out_schema().to_pyarrow(py)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Auditor>()?;
    m.add_function(wrap_pyfunction!(schema, m)?)?;
    Ok(())
}
