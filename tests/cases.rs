//! Data-driven cases: `tests/cases/*.toml`, one `[[case]]` per named note
//! with the expected verdict, codes and (optionally) checklist elements,
//! gaps and billed agreement, and, for a note billed with procedure lines
//! (`[[case.procedures]]`), each line's result and elements
//! (`[[case.lines]]`). Set `M53_CASE=substring` to run only the cases whose
//! name contains it.

use m53audit::{Auditor, Lexicons, Note};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    case: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    text: String,
    verdict: String,
    codes: Vec<String>,
    #[serde(default)]
    billed: Vec<String>,
    billed_agrees: Option<bool>,
    #[serde(default)]
    elements: BTreeMap<String, toml::Value>,
    /// Matched text of a span -> the discount it must carry (`none`: it
    /// must count).
    #[serde(default)]
    discounts: BTreeMap<String, String>,
    /// Matched text of a span -> the kind of document it must be in.
    #[serde(default)]
    documents: BTreeMap<String, String>,
    /// The care setting (`outpatient` when absent, as on the command line).
    setting: Option<String>,
    /// Claim lines billed with the note.
    #[serde(default)]
    procedures: Vec<Procedure>,
    /// What each line must give, in order.
    #[serde(default)]
    lines: Vec<LineWant>,
    /// The kinds of the provider queries raised, in order (`[]`: none).
    queries: Option<Vec<String>>,
}

/// The compliant-query rules every query of every case must keep:
/// indicators are exact slices of the note; no code or payment word; a
/// multiple-choice query ends with the two fixed options and every other
/// option rests on a quoted indicator; open and yes/no queries offer none.
fn check_queries(rec: &m53audit::Record, text: &str, want: Option<&Vec<String>>) -> Vec<String> {
    use m53audit::lexicon::queries::{leads_with_codes_or_money, FIXED_OPTIONS};
    let mut errs = Vec::new();
    let kinds: Vec<&str> = rec.queries.iter().map(|q| q.kind).collect();
    if let Some(w) = want {
        if kinds != *w {
            errs.push(format!("queries: want {w:?}, got {kinds:?}"));
        }
    }
    for q in &rec.queries {
        for i in &q.indicators {
            if text.get(i.start..i.end) != Some(i.text.as_str()) {
                errs.push(format!(
                    "{}: indicator {}..{} is not its text",
                    q.kind, i.start, i.end
                ));
            }
        }
        for t in std::iter::once(&q.text).chain(&q.options) {
            if let Some(bad) = leads_with_codes_or_money(t) {
                errs.push(format!("{}: names {bad}", q.kind));
            }
        }
        let fixed = |o: &String| FIXED_OPTIONS.contains(&o.as_str());
        match q.format {
            "multiple_choice" => {
                if !q.options.ends_with(&FIXED_OPTIONS.map(String::from)) {
                    errs.push(format!("{}: options must end with the fixed two", q.kind));
                }
                for (o, on) in q.options.iter().zip(&q.option_indicators) {
                    if !fixed(o) && (on.is_empty() || on.iter().any(|&k| k >= q.indicators.len())) {
                        errs.push(format!(
                            "{}: option `{o}` rests on no quoted indicator",
                            q.kind
                        ));
                    }
                }
            }
            _ if !q.options.is_empty() => {
                errs.push(format!("{}: a {} query offers options", q.kind, q.format))
            }
            _ => {}
        }
    }
    errs
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Procedure {
    cpt: String,
    /// Linked diagnoses (the billed codes when absent).
    dx: Option<Vec<String>>,
    units: Option<u32>,
    date: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LineWant {
    cpt: String,
    result: String,
    family: Option<String>,
    /// Element -> status (`met`, `missing`, `not_met`).
    #[serde(default)]
    elements: BTreeMap<String, String>,
    /// Element -> texts its evidence must include.
    #[serde(default)]
    evidence: BTreeMap<String, Vec<String>>,
    /// Words the reason must contain.
    reason: Option<String>,
}

/// Checks the record's claim lines against the case's, line by line.
fn check_lines(rec: &m53audit::Record, text: &str, want: &[LineWant]) -> Vec<String> {
    let mut errs = Vec::new();
    if rec.lines.len() != want.len() {
        errs.push(format!(
            "lines: want {}, got {}",
            want.len(),
            rec.lines.len()
        ));
        return errs;
    }
    for (got, w) in rec.lines.iter().zip(want) {
        let at = format!("line {}", w.cpt);
        if got.cpt != w.cpt || got.result.name() != w.result {
            errs.push(format!(
                "{at}: want {} {}, got {} {} ({})",
                w.cpt,
                w.result,
                got.cpt,
                got.result.name(),
                got.reason
            ));
        }
        if w.family.is_some() && got.family != w.family {
            errs.push(format!(
                "{at}: family want {:?}, got {:?}",
                w.family, got.family
            ));
        }
        if let Some(r) = &w.reason {
            if !got.reason.contains(r.as_str()) {
                errs.push(format!("{at}: reason lacks `{r}`: {}", got.reason));
            }
        }
        for (name, status) in &w.elements {
            match got.elements.iter().find(|e| e.name == name) {
                Some(e) if e.status == status => {}
                Some(e) => errs.push(format!(
                    "{at}: {name} want {status}, got {} ({})",
                    e.status, e.detail
                )),
                None => errs.push(format!("{at}: no element {name}")),
            }
        }
        for (name, texts) in &w.evidence {
            let spans: Vec<&str> = got
                .elements
                .iter()
                .filter(|e| e.name == name)
                .flat_map(|e| e.evidence.iter().map(|s| s.text.as_str()))
                .collect();
            for t in texts {
                if !spans.contains(&t.as_str()) {
                    errs.push(format!("{at}: {name} evidence lacks `{t}` (has {spans:?})"));
                }
            }
        }
        for e in &got.elements {
            for s in &e.evidence {
                if text.get(s.start..s.end) != Some(s.text.as_str()) {
                    errs.push(format!(
                        "{at}: {} span {}..{} is not its text",
                        e.name, s.start, s.end
                    ));
                }
            }
        }
    }
    errs
}

/// The discount of the first evidence span whose text is `text`.
fn check_discount(rec: &m53audit::Record, text: &str, want: &str) -> Result<(), String> {
    let span = rec
        .evidence
        .iter()
        .find(|e| e.text == text)
        .ok_or_else(|| format!("no evidence span `{text}`"))?;
    let got = span.discount.as_ref().map_or("none", |d| d.kind);
    if got == want {
        Ok(())
    } else {
        Err(format!("discount of `{text}`: want {want}, got {got}"))
    }
}

/// The document kind of the first evidence span whose text is `text`.
fn check_document(rec: &m53audit::Record, text: &str, want: &str) -> Result<(), String> {
    let span = rec
        .evidence
        .iter()
        .find(|e| e.text == text)
        .ok_or_else(|| format!("no evidence span `{text}`"))?;
    let got = rec.document_of(span).map_or("none", |d| d.kind);
    if got == want {
        Ok(())
    } else {
        Err(format!("document of `{text}`: want {want}, got {got}"))
    }
}

fn element_matches(rec: &m53audit::Record, name: &str, want: &toml::Value) -> Result<(), String> {
    let c = &rec.checklist;
    let status = |s: &str| s.to_string();
    let got = match name {
        "region" => status(c.region.status),
        "pathology" => status(c.pathology.status),
        "disc_excluded" => status(c.disc_excluded.status),
        "neuro_excluded" => status(c.neuro_excluded.status),
        "imaging" => status(c.imaging.status),
        "chronicity" => status(c.chronicity.status),
        "conservative_care" => status(c.conservative_care.status),
        "gaps" => {
            let got: Vec<String> = rec.gaps.iter().map(|g| g.element.clone()).collect();
            let want: Vec<String> = want
                .as_array()
                .ok_or("gaps must be an array")?
                .iter()
                .map(|v| v.as_str().unwrap_or_default().to_string())
                .collect();
            return if got == want {
                Ok(())
            } else {
                Err(format!("gaps: want {want:?}, got {got:?}"))
            };
        }
        other => return Err(format!("unknown element `{other}`")),
    };
    let ok = match want {
        toml::Value::Boolean(b) => (got == "present") == *b,
        toml::Value::String(s) if s == "absent" => got == "absent" || got == "negated",
        toml::Value::String(s) => got == *s,
        _ => return Err(format!("{name}: expected a boolean or a string")),
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{name}: want {want}, got {got}"))
    }
}

#[test]
fn named_cases() {
    let auditor = Auditor::new(Lexicons::builtin());
    let filter = std::env::var("M53_CASE").unwrap_or_default();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    let mut failures = Vec::new();
    let mut run = 0;
    for path in paths
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
    {
        let text = std::fs::read_to_string(path).unwrap();
        let file: File =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for case in file.case {
            if !case.name.contains(&filter) {
                continue;
            }
            run += 1;
            let rec = auditor.audit(&Note {
                id: case.name.clone(),
                text: case.text.clone(),
                billed: m53audit::record::normalize_billed(&case.billed),
                setting: case.setting.as_deref().map(|s| {
                    m53audit::decide::Setting::parse(s)
                        .unwrap_or_else(|| panic!("{}: unknown setting {s}", case.name))
                }),
                procedures: case
                    .procedures
                    .iter()
                    .map(|p| m53audit::lines::ProcedureLine {
                        cpt: p.cpt.clone(),
                        dx: m53audit::record::normalize_billed(
                            p.dx.as_ref().unwrap_or(&case.billed),
                        ),
                        units: p.units,
                        date: p.date.clone(),
                    })
                    .collect(),
            });
            let mut errs = check_lines(&rec, &case.text, &case.lines);
            errs.extend(check_queries(&rec, &case.text, case.queries.as_ref()));
            if rec.verdict.name() != case.verdict {
                errs.push(format!(
                    "verdict: want {}, got {} ({})",
                    case.verdict,
                    rec.verdict.name(),
                    rec.reason
                ));
            }
            if rec.codes != case.codes {
                errs.push(format!("codes: want {:?}, got {:?}", case.codes, rec.codes));
            }
            if let Some(b) = case.billed_agrees {
                if rec.billed_agrees != Some(b) {
                    errs.push(format!(
                        "billed_agrees: want {b}, got {:?}",
                        rec.billed_agrees
                    ));
                }
            }
            for (name, want) in &case.elements {
                if let Err(e) = element_matches(&rec, name, want) {
                    errs.push(e);
                }
            }
            for (text, want) in &case.discounts {
                if let Err(e) = check_discount(&rec, text, want) {
                    errs.push(e);
                }
            }
            for (text, want) in &case.documents {
                if let Err(e) = check_document(&rec, text, want) {
                    errs.push(e);
                }
            }
            if !errs.is_empty() {
                failures.push(format!(
                    "{} [{}]: {}",
                    case.name,
                    path.file_name().unwrap().to_string_lossy(),
                    errs.join("; ")
                ));
            }
        }
    }
    assert!(run > 0 || !filter.is_empty(), "no cases found");
    assert!(
        failures.is_empty(),
        "{} of {run} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
