//! `m53audit assert`: the assertion engine on its own, and its evaluation on
//! the NegEx annotated test set (Chapman et al.; tab-separated, latin-1:
//! line number, condition, sentence, negation, temporality, experiencer).

use crate::analysis::SpanAssertion;
use crate::lexicon::RuleCategory;
use crate::record::Auditor;
use crate::text::{normalize_phrase, Normalized};
use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::Path;

/// A trigger that decided an assertion.
#[derive(Debug, Clone, Serialize)]
pub struct TriggerOut {
    /// The trigger as written in the text (or the section header for a section default).
    pub text: String,
    /// Start byte in the original text.
    pub start: usize,
    /// End byte in the original text.
    pub end: usize,
    /// ConText category.
    pub category: String,
    /// The rule: `file:line (literal)` or `section:<kind>`.
    pub rule: String,
}

/// The output line of `assert`.
#[derive(Debug, Clone, Serialize)]
pub struct AssertOut {
    /// Input id.
    pub id: String,
    /// Negated.
    pub negated: bool,
    /// Uncertain.
    pub uncertain: bool,
    /// Historical.
    pub historical: bool,
    /// Hypothetical.
    pub hypothetical: bool,
    /// About family / someone else.
    pub family: bool,
    /// The triggers that applied.
    pub triggers: Vec<TriggerOut>,
}

/// Finds `target` in `text` (case-insensitive, spacing and dashes
/// normalised): its normalised offsets.
pub fn find_target(norm: &Normalized, target: &str) -> Option<(usize, usize)> {
    let t = normalize_phrase(target);
    if t.is_empty() {
        return None;
    }
    let hay = norm.flat.to_ascii_lowercase();
    let bytes = hay.as_bytes();
    let mut from = 0;
    let mut first = None;
    while let Some(p) = hay[from..].find(&t) {
        let s = from + p;
        let e = s + t.len();
        let word_ok = (s == 0 || !bytes[s - 1].is_ascii_alphanumeric())
            && (e == bytes.len() || !bytes[e].is_ascii_alphanumeric());
        // A header ("ALLERGIES: ... no known allergies") is not the target
        // when the phrase occurs again.
        let header = hay[e..].starts_with(':');
        if word_ok && !header {
            return Some((s, e));
        }
        first.get_or_insert((s, e));
        from = s + 1;
        while !hay.is_char_boundary(from) {
            from += 1;
        }
    }
    first
}

fn explain(auditor: &Auditor, id: String, original: &str, sa: &SpanAssertion) -> AssertOut {
    let rules = &auditor.analyzer.context.rules;
    let mut triggers: Vec<TriggerOut> = sa
        .assertion
        .triggers
        .iter()
        .map(|&k| {
            let t = sa.triggers[k];
            let r = &rules[t.rule];
            let (s, e) = sa.norm.original_range(t.start, t.end);
            TriggerOut {
                text: original[s..e].to_string(),
                start: s,
                end: e,
                category: r.category.name().to_string(),
                rule: format!("{} ({})", r.origin, r.literal),
            }
        })
        .collect();
    if let Some(sec) = sa.assertion.section_default {
        triggers.push(TriggerOut {
            text: String::new(),
            start: 0,
            end: 0,
            category: match sec {
                crate::lexicon::SectionKind::FamilyHistory => RuleCategory::Family.name(),
                _ => RuleCategory::Historical.name(),
            }
            .to_string(),
            rule: format!("section:{}", sec.name()),
        });
    }
    let a = &sa.assertion;
    AssertOut {
        id,
        negated: a.negated,
        uncertain: a.uncertain,
        historical: a.historical,
        hypothetical: a.hypothetical,
        family: a.family,
        triggers,
    }
}

/// Asserts one JSON-lines input object; `Err` is the error message.
pub fn assert_value(auditor: &Auditor, v: &Value, lineno: usize) -> Result<AssertOut, String> {
    let obj = v.as_object().ok_or("not a JSON object")?;
    let id = match obj.get("id") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => format!("line {lineno}"),
    };
    let text = obj
        .get("text")
        .and_then(Value::as_str)
        .ok_or("no string `text` field")?;
    let norm = Normalized::new(text);
    let (s, e) = match (
        obj.get("start").and_then(Value::as_u64),
        obj.get("end").and_then(Value::as_u64),
    ) {
        (Some(s), Some(e)) => {
            let (s, e) = (s as usize, e as usize);
            if s >= e || e > text.len() || !text.is_char_boundary(s) || !text.is_char_boundary(e) {
                return Err(format!(
                    "start/end {s}..{e} is not a valid span of the text ({} bytes)",
                    text.len()
                ));
            }
            (norm.normalized_offset(s), norm.normalized_offset(e))
        }
        _ => {
            let target = obj
                .get("target")
                .and_then(Value::as_str)
                .ok_or("needs `target`, or `start` and `end`")?;
            find_target(&norm, target).ok_or("the target does not occur in the text")?
        }
    };
    let sa = auditor.analyzer.assert_norm_span(norm, s, e);
    Ok(explain(auditor, id, text, &sa))
}

/// Runs `assert` over JSON lines (a file, or stdin).
pub fn run_assert(auditor: &Auditor, file: Option<&Path>) -> Result<i32> {
    let reader: Box<dyn BufRead> = match file {
        Some(p) if p.as_os_str() != "-" => Box::new(std::io::BufReader::new(
            std::fs::File::open(p).with_context(|| format!("{}: cannot open", p.display()))?,
        )),
        _ => Box::new(std::io::BufReader::new(std::io::stdin())),
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut errors = 0;
    for (i, line) in reader.split(b'\n').enumerate() {
        let line = line.context("read failed")?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let res = serde_json::from_slice::<Value>(&line)
            .map_err(|e| format!("JSON syntax error at column {}", e.column()))
            .and_then(|v| assert_value(auditor, &v, i + 1));
        match res {
            Ok(a) => serde_json::to_writer(&mut out, &a)?,
            Err(msg) => {
                errors += 1;
                serde_json::to_writer(
                    &mut out,
                    &serde_json::json!({"id": format!("line {}", i + 1), "error": {"kind": "invalid_input", "message": format!("line {}: {msg}", i + 1)}}),
                )?
            }
        }
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(if errors > 0 { 1 } else { 0 })
}

/// One row of the NegEx test set.
#[derive(Debug, Clone)]
pub struct NegexRow {
    /// Condition (the target).
    pub condition: String,
    /// Sentence.
    pub sentence: String,
    /// Gold: negated.
    pub negated: bool,
    /// Gold temporality (lower case: recent, historical, hypothetical, not particular).
    pub temporality: String,
    /// Gold experiencer is someone other than the patient.
    pub other: bool,
}

/// Reads the NegEx annotated test set.
pub fn read_negex(path: &Path) -> Result<Vec<NegexRow>> {
    let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let (text, _, _) = encoding_rs::WINDOWS_1252.decode(&bytes);
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if i == 0 || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 6 {
            anyhow::bail!(
                "{}:{}: expected 6 tab-separated columns, found {}",
                path.display(),
                i + 1,
                f.len()
            );
        }
        rows.push(NegexRow {
            condition: f[1].trim().to_string(),
            sentence: f[2].to_string(),
            negated: f[3].trim().eq_ignore_ascii_case("negated"),
            temporality: f[4].trim().to_ascii_lowercase(),
            other: f[5].trim().eq_ignore_ascii_case("other"),
        });
    }
    Ok(rows)
}

/// NegEx benchmark figures.
#[derive(Debug, Clone, Serialize)]
pub struct NegexReport {
    /// Sentences.
    pub sentences: usize,
    /// Sentences whose condition was not found verbatim (scored as affirmed).
    pub targets_not_found: usize,
    /// Negation precision.
    pub precision: f64,
    /// Negation recall.
    pub recall: f64,
    /// Negation F1.
    pub f1: f64,
    /// Negation accuracy.
    pub accuracy: f64,
    /// Temporality accuracy, historical vs not historical.
    pub temporality_accuracy: f64,
    /// Experiencer accuracy, patient vs other.
    pub experiencer_accuracy: f64,
    /// Counts of (gold -> predicted) temporality pairs that disagree.
    pub temporality_errors: BTreeMap<String, usize>,
    /// Counts of (gold -> predicted) experiencer pairs that disagree.
    pub experiencer_errors: BTreeMap<String, usize>,
    /// True positives, false positives, false negatives of negation.
    pub confusion: [usize; 3],
}

/// Runs the benchmark over rows.
pub fn evaluate_negex(auditor: &Auditor, rows: &[NegexRow]) -> NegexReport {
    use rayon::prelude::*;
    let preds: Vec<Option<crate::context::assertion::Assertion>> = rows
        .par_iter()
        .map(|r| {
            let norm = Normalized::new(&r.sentence);
            find_target(&norm, &r.condition)
                .map(|(s, e)| auditor.analyzer.assert_norm_span(norm, s, e).assertion)
        })
        .collect();
    let (mut tp, mut fp, mut fn_, mut tn) = (0, 0, 0, 0);
    let (mut temp_ok, mut exp_ok, mut missing) = (0, 0, 0);
    let mut temporality_errors = BTreeMap::new();
    let mut experiencer_errors = BTreeMap::new();
    for (r, p) in rows.iter().zip(&preds) {
        let a = p.clone().unwrap_or_default();
        if p.is_none() {
            missing += 1;
        }
        match (r.negated, a.negated) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (true, false) => fn_ += 1,
            (false, false) => tn += 1,
        }
        let gold_hist = r.temporality == "historical";
        let pred_t = if a.historical && !a.hypothetical {
            "historical"
        } else if a.hypothetical {
            "hypothetical"
        } else {
            "recent"
        };
        if gold_hist == (pred_t == "historical") {
            temp_ok += 1;
        } else {
            *temporality_errors
                .entry(format!("{} -> {}", r.temporality, pred_t))
                .or_default() += 1;
        }
        if r.other == a.family {
            exp_ok += 1;
        } else {
            let g = if r.other { "other" } else { "patient" };
            let pr = if a.family { "other" } else { "patient" };
            *experiencer_errors
                .entry(format!("{g} -> {pr}"))
                .or_default() += 1;
        }
    }
    let n = rows.len().max(1) as f64;
    let precision = if tp + fp == 0 {
        0.0
    } else {
        tp as f64 / (tp + fp) as f64
    };
    let recall = if tp + fn_ == 0 {
        0.0
    } else {
        tp as f64 / (tp + fn_) as f64
    };
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    NegexReport {
        sentences: rows.len(),
        targets_not_found: missing,
        precision,
        recall,
        f1,
        accuracy: (tp + tn) as f64 / n,
        temporality_accuracy: temp_ok as f64 / n,
        experiencer_accuracy: exp_ok as f64 / n,
        temporality_errors,
        experiencer_errors,
        confusion: [tp, fp, fn_],
    }
}

/// Runs `assert --negex`.
pub fn run_benchmark(
    auditor: &Auditor,
    path: &Path,
    json: bool,
    min_f1: Option<f64>,
) -> Result<i32> {
    let rows = read_negex(path)?;
    let r = evaluate_negex(auditor, &rows);
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&r)?)?;
    } else {
        writeln!(
            out,
            "NegEx test set: {} sentences ({} targets not found verbatim)",
            r.sentences, r.targets_not_found
        )?;
        writeln!(
            out,
            "negation:    precision {:.3}  recall {:.3}  F1 {:.3}  accuracy {:.3}  (tp {}, fp {}, fn {})",
            r.precision, r.recall, r.f1, r.accuracy, r.confusion[0], r.confusion[1], r.confusion[2]
        )?;
        writeln!(
            out,
            "temporality: accuracy {:.3} (historical vs not)",
            r.temporality_accuracy
        )?;
        for (k, v) in &r.temporality_errors {
            writeln!(out, "    {k}: {v}")?;
        }
        writeln!(out, "experiencer: accuracy {:.3}", r.experiencer_accuracy)?;
        for (k, v) in &r.experiencer_errors {
            writeln!(out, "    {k}: {v}")?;
        }
    }
    if let Some(min) = min_f1 {
        if r.f1 < min {
            eprintln!(
                "m53audit: negation F1 {:.3} is below the floor {:.3}",
                r.f1, min
            );
            return Ok(1);
        }
    }
    Ok(0)
}
