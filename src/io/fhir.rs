//! Bulk FHIR (R4) NDJSON: one resource per line, as `$export` writes it.
//!
//! Notes come from `DocumentReference.content[].attachment` and
//! `DiagnosticReport.presentedForm[]` (base64 `data`; `text/plain`,
//! `text/html` and `text/rtf` read as their text, offsets kept into the
//! decoded attachment); claims from `Claim` and `ExplanationOfBenefit`
//! (`diagnosis[].diagnosisCodeableConcept` ICD-10-CM codes,
//! `item[].encounter`, `patient`, `billablePeriod`); the care setting from
//! `Encounter.class`. A `Bundle` line is read entry by entry. Other
//! resources (Patient, Practitioner ...) hold no notes and are passed over.

use super::input::{err_item, make_note, InputOptions, Item};
use super::markup::{html_to_text, rtf_to_text};
use crate::decide::Setting;
use crate::rollup::Keys;
use base64::Engine;
use serde_json::Value;
use std::io::BufRead;

/// A claim (or explanation of benefit) of the export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claim {
    /// `Claim/{id}` or `ExplanationOfBenefit/{id}`.
    pub id: String,
    /// The Claim an EOB adjudicates (`ExplanationOfBenefit.claim`).
    pub claim_ref: Option<String>,
    /// `Patient/{id}`.
    pub patient: Option<String>,
    /// The encounters its items name (`Encounter/{id}`).
    pub encounters: Vec<String>,
    /// Its ICD-10-CM diagnosis codes, in sequence order.
    pub codes: Vec<String>,
    /// `billablePeriod.start` (date part).
    pub start: Option<String>,
    /// `billablePeriod.end` (date part; the start when absent).
    pub end: Option<String>,
    /// Its procedure lines (`item[].productOrService` CPT/HCPCS codes, each
    /// linked to the diagnoses its `diagnosisSequence` points at, or to
    /// all of them when it points at none).
    pub procedures: Vec<crate::lines::ProcedureLine>,
}

/// What an export holds: notes (or their error records) with their keys,
/// claims, and the care setting of encounters.
#[derive(Debug, Default)]
pub struct Export {
    /// Notes and error records, in input order.
    pub notes: Vec<Item>,
    /// Claims and EOBs, in input order.
    pub claims: Vec<Claim>,
    /// `Encounter/{id}` and its setting, from `Encounter.class`.
    pub settings: Vec<(String, Setting)>,
}

/// Does this head of a file look like FHIR NDJSON (a first object with a
/// `resourceType`)?
pub fn is_fhir(head: &[u8]) -> bool {
    let line = head.split(|&b| b == b'\n').next().unwrap_or(head);
    memchr::memmem::find(line, b"\"resourceType\"").is_some()
}

/// Reads an NDJSON export into `out`; `base` names the file in positions.
pub fn read(reader: &mut dyn BufRead, base: &str, opts: &InputOptions, out: &mut Export) {
    let mut line = Vec::new();
    let mut n = 0;
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                let msg = format!("read failed after line {n}: {}", e.kind());
                out.notes
                    .push(err_item(format!("{base}:{}", n + 1), "unreadable", msg, 0));
                break;
            }
        }
        n += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let pos = format!("{base}:{n}");
        match serde_json::from_slice::<Value>(&line) {
            Ok(v) => resource(&v, &pos, line.len(), opts, out),
            Err(e) => out.notes.push(err_item(
                pos,
                "invalid_fhir",
                format!(
                    "line {n}: {} at column {}",
                    super::input::json_error_class(&e),
                    e.column()
                ),
                line.len(),
            )),
        }
    }
}

/// One resource (a Bundle's entries each).
fn resource(v: &Value, pos: &str, size: usize, opts: &InputOptions, out: &mut Export) {
    let kind = v.get("resourceType").and_then(Value::as_str);
    match kind {
        Some("DocumentReference") => document_reference(v, pos, size, opts, out),
        Some("DiagnosticReport") => diagnostic_report(v, pos, size, opts, out),
        Some(k @ ("Claim" | "ExplanationOfBenefit")) => out.claims.push(claim(v, k)),
        Some("Encounter") => {
            if let (Some(id), Some(s)) = (v.get("id").and_then(Value::as_str), class_setting(v)) {
                out.settings.push((format!("Encounter/{id}"), s));
            }
        }
        Some("Bundle") => {
            for e in v
                .get("entry")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(r) = e.get("resource") {
                    resource(r, pos, 0, opts, out);
                }
            }
        }
        Some(_) => {}
        None => out.notes.push(err_item(
            pos.to_string(),
            "invalid_fhir",
            "not a FHIR resource (no `resourceType`)".into(),
            size,
        )),
    }
}

/// A document type (`DocumentReference.type`, `DiagnosticReport.code`) in
/// words: its first coding's system name, code and display
/// (`LOINC 18748-4 Diagnostic imaging study`), or its text.
fn type_of(v: Option<&Value>) -> Option<String> {
    let v = v?;
    let coding = v
        .get("coding")
        .and_then(Value::as_array)
        .and_then(|c| c.first());
    let text = v.get("text").and_then(Value::as_str);
    let Some(c) = coding else {
        return text.map(str::to_string);
    };
    let system = match c.get("system").and_then(Value::as_str) {
        Some(s) if s.contains("loinc") => "LOINC ",
        _ => "",
    };
    let code = c.get("code").and_then(Value::as_str).unwrap_or("");
    let display = c
        .get("display")
        .and_then(Value::as_str)
        .or(text)
        .unwrap_or("");
    let s = format!("{system}{code} {display}").trim().to_string();
    (!s.is_empty()).then_some(s)
}

/// A reference's text (`Encounter/e1`), from a Reference object.
fn reference(v: Option<&Value>) -> Option<String> {
    let r = v?.get("reference")?.as_str()?;
    // Absolute or versioned references keep their `Type/id` part.
    let r = r.split("/_history/").next().unwrap_or(r);
    let parts: Vec<&str> = r.rsplitn(3, '/').collect();
    Some(match parts.as_slice() {
        [id, ty, ..] => format!("{ty}/{id}"),
        _ => r.to_string(),
    })
}

/// The date part (`YYYY-MM-DD`) of a FHIR date or dateTime.
fn date(v: Option<&Value>) -> Option<String> {
    let s = v?.as_str()?;
    Some(s.get(..10).unwrap_or(s).to_string())
}

fn id_of(v: &Value, kind: &str, pos: &str) -> String {
    match v.get("id").and_then(Value::as_str) {
        Some(id) => format!("{kind}/{id}"),
        None => format!("{pos} {kind}"),
    }
}

fn document_reference(v: &Value, pos: &str, size: usize, opts: &InputOptions, out: &mut Export) {
    let id = id_of(v, "DocumentReference", pos);
    let context = v.get("context");
    let encounter = context
        .and_then(|c| c.get("encounter"))
        .and_then(|e| e.as_array().and_then(|a| a.first()).or(Some(e)))
        .and_then(|e| reference(Some(e)));
    let keys = Keys {
        encounter,
        source: type_of(v.get("type")),
        patient: reference(v.get("subject")),
        date: date(v.get("date")).or_else(|| {
            date(
                context
                    .and_then(|c| c.get("period"))
                    .and_then(|p| p.get("start")),
            )
        }),
        ..Keys::default()
    };
    let attachments: Vec<&Value> = v
        .get("content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("attachment"))
        .collect();
    attachments_to_notes(&id, "content", &attachments, keys, size, opts, out);
}

fn diagnostic_report(v: &Value, pos: &str, size: usize, opts: &InputOptions, out: &mut Export) {
    let id = id_of(v, "DiagnosticReport", pos);
    let keys = Keys {
        encounter: reference(v.get("encounter")),
        source: type_of(v.get("code")),
        patient: reference(v.get("subject")),
        date: date(v.get("effectiveDateTime"))
            .or_else(|| date(v.get("effectivePeriod").and_then(|p| p.get("start"))))
            .or_else(|| date(v.get("issued"))),
        ..Keys::default()
    };
    let forms: Vec<&Value> = v
        .get("presentedForm")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    attachments_to_notes(&id, "presentedForm", &forms, keys, size, opts, out);
}

/// One note per attachment (the id gains `#k` when there are several).
fn attachments_to_notes(
    id: &str,
    field: &str,
    attachments: &[&Value],
    keys: Keys,
    size: usize,
    opts: &InputOptions,
    out: &mut Export,
) {
    if attachments.is_empty() {
        let mut item = err_item(
            id.to_string(),
            "unsupported_attachment",
            format!("no `{field}` attachment holds text"),
            size,
        );
        item.set_keys(keys);
        out.notes.push(item);
        return;
    }
    for (k, a) in attachments.iter().enumerate() {
        let note_id = if attachments.len() == 1 {
            id.to_string()
        } else {
            format!("{id}#{k}")
        };
        let mut item = attachment(a, note_id, size / attachments.len(), opts);
        let ty = a.get("contentType").and_then(Value::as_str).unwrap_or("");
        let kind = keys
            .source
            .as_deref()
            .map(|t| format!(" ({t})"))
            .unwrap_or_default();
        item.set_keys(Keys {
            source: Some(
                format!("{id} {field}[{k}] {ty}{kind}")
                    .trim_end()
                    .to_string(),
            ),
            ..keys.clone()
        });
        out.notes.push(item);
    }
}

/// The note of one attachment: its base64 data decoded and read as its
/// content type says.
fn attachment(a: &Value, id: String, size: usize, opts: &InputOptions) -> Item {
    let ty = a
        .get("contentType")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase();
    let Some(data) = a.get("data").and_then(Value::as_str) else {
        let why = if a.get("url").is_some() {
            "the attachment has only a `url` (m53audit does not fetch it)"
        } else {
            "the attachment has no `data`"
        };
        return err_item(id, "unsupported_attachment", why.into(), size);
    };
    // Line-wrapped base64 is cleaned; the usual unbroken data is not copied.
    let cleaned: std::borrow::Cow<str> = if data.bytes().any(|b| b.is_ascii_whitespace()) {
        data.chars().filter(|c| !c.is_ascii_whitespace()).collect()
    } else {
        data.into()
    };
    let bytes = match base64::engine::general_purpose::STANDARD.decode(cleaned.as_bytes()) {
        Ok(b) => b,
        Err(_) => {
            return err_item(
                id,
                "invalid_fhir",
                "attachment `data` is not valid base64".into(),
                size,
            )
        }
    };
    if bytes.len() > opts.max_note_bytes {
        return super::input::oversize(id, bytes.len(), opts, size);
    }
    let mime = ty.split(';').next().unwrap_or("").trim().to_string();
    let kind = match mime.as_str() {
        "" if bytes.starts_with(b"{\\rtf") => "rtf",
        "text/rtf" | "application/rtf" => "rtf",
        "text/html" | "application/xhtml+xml" => "html",
        "text/plain" | "" => "plain",
        _ => {
            return err_item(
                id,
                "unsupported_attachment",
                format!("content type `{mime}` is not text m53audit reads (text/plain, text/html, text/rtf)"),
                size,
            )
        }
    };
    markup_note(kind, id, bytes, size, opts)
}

/// A note from decoded attachment bytes: plain text decoded as text files
/// are; HTML and RTF read as their text, with offsets into the bytes.
fn markup_note(kind: &str, id: String, bytes: Vec<u8>, size: usize, opts: &InputOptions) -> Item {
    if kind == "plain" {
        return make_note(id, bytes, Vec::new(), opts, size);
    }
    let plain = if kind == "rtf" {
        rtf_to_text(&bytes)
    } else {
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let b = e.into_bytes();
                let d = crate::io::decode::decode_invalid_utf8(
                    &b,
                    crate::io::decode::Decoding::Windows1252,
                );
                d.text
            }
        };
        html_to_text(&text)
    };
    let mut item = make_note(id, plain.text.into_bytes(), Vec::new(), opts, size);
    if item.note.is_ok() {
        item.offsets = Some(plain.offsets);
    }
    item
}

/// A Claim or ExplanationOfBenefit.
fn claim(v: &Value, kind: &str) -> Claim {
    let mut codes = Vec::new();
    let mut dx: Vec<(u64, &Value)> = v
        .get("diagnosis")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|d| {
            (
                d.get("sequence")
                    .and_then(Value::as_u64)
                    .unwrap_or(u64::MAX),
                d,
            )
        })
        .collect();
    dx.sort_by_key(|(s, _)| *s);
    let mut by_sequence: Vec<(u64, Vec<String>)> = Vec::new();
    for (seq, d) in dx {
        let codings = d
            .get("diagnosisCodeableConcept")
            .and_then(|c| c.get("coding"))
            .and_then(Value::as_array);
        let mut these = Vec::new();
        for c in codings.into_iter().flatten() {
            let icd = c
                .get("system")
                .and_then(Value::as_str)
                .map(|s| s.contains("icd-10"))
                .unwrap_or(true);
            if let (true, Some(code)) = (icd, c.get("code").and_then(Value::as_str)) {
                these.extend(crate::record::split_billed(code));
            }
        }
        codes.extend(these.iter().cloned());
        by_sequence.push((seq, these));
    }
    let mut encounters = Vec::new();
    for item in v
        .get("item")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for e in item
            .get("encounter")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(r) = reference(Some(e)) {
                if !encounters.contains(&r) {
                    encounters.push(r);
                }
            }
        }
    }
    let period = v.get("billablePeriod");
    let start = date(period.and_then(|p| p.get("start")));
    let procedures = item_lines(v, &codes, &by_sequence, start.as_deref());
    Claim {
        procedures,
        id: id_of(v, kind, "?"),
        claim_ref: reference(v.get("claim")),
        patient: reference(v.get("patient")),
        encounters,
        codes,
        end: date(period.and_then(|p| p.get("end"))).or_else(|| start.clone()),
        start,
    }
}

/// The procedure lines of a claim's items: the CPT or HCPCS code of
/// `productOrService`, the diagnoses of `diagnosisSequence` (all the
/// claim's when it has none), `quantity.value`, and `servicedDate` (or
/// `servicedPeriod.start`, else the billable period's start).
fn item_lines(
    v: &Value,
    codes: &[String],
    by_sequence: &[(u64, Vec<String>)],
    start: Option<&str>,
) -> Vec<crate::lines::ProcedureLine> {
    let mut out = Vec::new();
    for item in v
        .get("item")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let codings = item
            .get("productOrService")
            .and_then(|p| p.get("coding"))
            .and_then(Value::as_array);
        let procedure = codings.into_iter().flatten().find_map(|c| {
            let system = c.get("system").and_then(Value::as_str).unwrap_or("");
            let code = c.get("code").and_then(Value::as_str)?.trim();
            let named =
                system.contains("cpt") || system.contains("ama-assn") || system.contains("hcpcs");
            (named || (system.is_empty() && code.len() == 5)).then(|| code.to_ascii_uppercase())
        });
        let Some(cpt) = procedure else {
            continue;
        };
        let pointers: Vec<u64> = item
            .get("diagnosisSequence")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_u64)
            .collect();
        let dx = if pointers.is_empty() {
            codes.to_vec()
        } else {
            pointers
                .iter()
                .filter_map(|p| by_sequence.iter().find(|(s, _)| s == p))
                .flat_map(|(_, c)| c.iter().cloned())
                .collect()
        };
        let units = item
            .get("quantity")
            .and_then(|q| q.get("value"))
            .and_then(Value::as_f64)
            .filter(|u| *u >= 0.0 && u.fract() == 0.0 && *u <= u32::MAX as f64)
            .map(|u| u as u32);
        let served = date(item.get("servicedDate"))
            .or_else(|| date(item.get("servicedPeriod").and_then(|p| p.get("start"))));
        out.push(crate::lines::ProcedureLine {
            cpt,
            dx,
            units,
            date: served.or_else(|| start.map(str::to_string)),
        });
    }
    out
}

/// The setting of an Encounter's `class` (v3 ActCode): inpatient for
/// IMP, ACUTE and NONAC; outpatient for the others.
fn class_setting(v: &Value) -> Option<Setting> {
    let class = v.get("class")?;
    let code = class
        .get("code")
        .or_else(|| {
            class
                .as_array()?
                .first()?
                .get("coding")?
                .get(0)?
                .get("code")
        })?
        .as_str()?;
    Some(match code {
        "IMP" | "ACUTE" | "NONAC" => Setting::Inpatient,
        _ => Setting::Outpatient,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_line_is_read_entry_by_entry() {
        let doc = serde_json::json!({"resourceType": "DocumentReference", "id": "d1",
            "context": {"encounter": [{"reference": "Encounter/e1"}]},
            "content": [{"attachment": {"contentType": "text/plain", "data": "TmVjayBwYWlu"}}]});
        let claim = serde_json::json!({"resourceType": "Claim", "id": "c1",
            "item": [{"encounter": [{"reference": "Encounter/e1"}]}]});
        let line = serde_json::json!({"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": doc}, {"resource": claim}]});
        let mut out = Export::default();
        read(
            &mut format!("{line}\n").as_bytes(),
            "b.ndjson",
            &InputOptions::default(),
            &mut out,
        );
        let note = out.notes[0].note.as_ref().unwrap();
        assert_eq!(
            (note.id.as_str(), note.text.as_str()),
            ("DocumentReference/d1", "Neck pain")
        );
        assert_eq!(
            out.notes[0].keys().encounter.as_deref(),
            Some("Encounter/e1")
        );
        assert_eq!(out.claims[0].encounters, ["Encounter/e1"]);
    }

    #[test]
    fn references_keep_type_and_id() {
        let r = |s: &str| reference(Some(&serde_json::json!({ "reference": s })));
        assert_eq!(r("Encounter/e1").as_deref(), Some("Encounter/e1"));
        assert_eq!(
            r("https://x.org/fhir/Encounter/e1/_history/2").as_deref(),
            Some("Encounter/e1")
        );
    }
}
