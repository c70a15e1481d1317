//! Claim lines (DOMAIN.md, "Procedures billed with M53.83"): for each
//! procedure billed with the note, does a diagnosis the documentation
//! supports fit the procedure's family, and are the elements the coverage
//! policy requires documented? One result per line: `fits`, `incomplete`
//! (it fits; elements missing), `does_not_fit`, or `not_reviewed` (a CPT
//! code the policy has no family for). The policy is data
//! (`policy.tsv`, `--policy`); every result names the row it applied.

pub mod elements;
pub mod read;

use crate::analysis::{Analysis, Analyzer, TermKind};
use crate::context::assertion::Label;
use crate::lexicon::policy::{code_key, Cpt, DocumentedBy, ElementKind, Family, Fit, Policy, Role};
use elements::{ElementReading, Status};
use read::{LineReader, Reading};
use serde::Serialize;
use std::collections::HashMap;

/// A procedure line of the claim, as the input gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcedureLine {
    /// The CPT (or HCPCS) code.
    pub cpt: String,
    /// The diagnoses it is linked to, in pointer order (the first is the
    /// primary); all the billed codes when the input gives no pointer.
    pub dx: Vec<String>,
    /// Units billed.
    pub units: Option<u32>,
    /// Date of service (`YYYY-MM-DD`).
    pub date: Option<String>,
}

/// A line's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineResult {
    /// A documented diagnosis fits and every element is documented.
    Fits,
    /// It fits; elements are missing or short of their thresholds.
    Incomplete,
    /// No documented diagnosis fits the procedure.
    DoesNotFit,
    /// The policy has no family for the code.
    NotReviewed,
}

impl LineResult {
    /// Its name in records.
    pub fn name(self) -> &'static str {
        match self {
            LineResult::Fits => "fits",
            LineResult::Incomplete => "incomplete",
            LineResult::DoesNotFit => "does_not_fit",
            LineResult::NotReviewed => "not_reviewed",
        }
    }
}

/// A span of evidence for an element: byte offsets into the original note
/// (and, in a group record, the note it is in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineSpan {
    /// The note it is in (group records only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The note's index in the group record's `notes` (group records only).
    #[serde(skip)]
    pub note_index: usize,
    /// Start byte.
    pub start: usize,
    /// End byte.
    pub end: usize,
    /// The text of the span.
    pub text: String,
}

/// One element of a line's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineElement {
    /// The element (`pain_duration` ...).
    pub name: &'static str,
    /// `met`, `missing` or `not_met`.
    pub status: &'static str,
    /// The policy row that requires it (`file:line`).
    pub rule: String,
    /// What was found, in words.
    pub detail: String,
    /// The spans it rests on.
    pub evidence: Vec<LineSpan>,
}

/// The result of one claim line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineOut {
    /// The CPT code.
    pub cpt: String,
    /// Its family in the policy.
    pub family: Option<String>,
    /// The linked diagnoses.
    pub dx: Vec<String>,
    /// Units billed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub units: Option<u32>,
    /// Date of service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The result.
    pub result: LineResult,
    /// The linked diagnosis that fits, when one does.
    pub diagnosis: Option<String>,
    /// The policy row the result rests on (the family's, or the row that
    /// made it not fit), as `file:line`.
    pub rule: Option<String>,
    /// The required elements, each read from the note.
    pub elements: Vec<LineElement>,
    /// Why, in one sentence.
    pub reason: String,
}

impl LineOut {
    /// Moves every evidence offset through `f` (start, end) -> (note,
    /// start, end, text).
    pub fn map_spans(&mut self, f: &impl Fn(&LineSpan) -> LineSpan) {
        for e in &mut self.elements {
            for s in &mut e.evidence {
                *s = f(s);
            }
        }
    }
}

/// Element readings of one note, by element, the line's region range and
/// the limit (lines of one family read each element once).
type ElementCache = HashMap<(ElementKind, Option<(u32, u32)>, Option<u32>, String), ElementReading>;

/// What the fit check knows of the documentation: the auditor's codes and
/// the concepts affirmed.
struct Documented<'a> {
    codes: &'a [String],
    concepts: std::collections::HashSet<&'a str>,
}

impl Documented<'_> {
    fn supports(&self, code: &str, by: &DocumentedBy) -> bool {
        let key = code_key(code);
        let coded = self.codes.iter().any(|c| {
            let c = code_key(c);
            match c.strip_suffix('-') {
                Some(prefix) => key.starts_with(prefix),
                None => c == key,
            }
        });
        coded
            || match by {
                DocumentedBy::Auditor => false,
                DocumentedBy::Claim => true,
                DocumentedBy::Concepts(names) => {
                    names.iter().any(|n| self.concepts.contains(n.as_str()))
                }
            }
    }
}

/// Checks every line of a note against the policy. `span` turns a
/// normalised-text range into an evidence span of the original text.
pub fn check(
    reader: &LineReader,
    an: &Analyzer,
    a: &Analysis,
    codes: &[String],
    lines: &[ProcedureLine],
    span: &impl Fn(usize, usize) -> LineSpan,
) -> Vec<LineOut> {
    let policy: &Policy = &an.lexicons.policy;
    let today = lines
        .iter()
        .filter_map(|l| l.date.as_deref().and_then(read::day_number))
        .max();
    let reading = reader.read(an, a, today);
    // By name: a concept has a lexicon row per phrase.
    let mut concepts = std::collections::HashSet::new();
    for t in a
        .terms
        .iter()
        .filter(|t| t.label() == Label::Affirmed && t.discount.is_none())
    {
        if let TermKind::Concept(c) = t.kind {
            concepts.insert(an.lexicons.concepts[c].concept.as_str());
        }
    }
    let documented = Documented { codes, concepts };
    let mut cache: ElementCache = HashMap::new();
    lines
        .iter()
        .map(|line| match policy.find(&line.cpt) {
            None => not_reviewed(line),
            Some((fam, cpt)) => check_line(line, fam, cpt, &documented, &reading, &mut cache, span),
        })
        .collect()
}

fn base(
    line: &ProcedureLine,
    family: Option<&Family>,
    result: LineResult,
    reason: String,
) -> LineOut {
    LineOut {
        cpt: line.cpt.clone(),
        family: family.map(|f| f.name.clone()),
        dx: line.dx.clone(),
        units: line.units,
        date: line.date.clone(),
        result,
        diagnosis: None,
        rule: family.map(|f| f.rule.clone()),
        elements: Vec::new(),
        reason,
    }
}

fn not_reviewed(line: &ProcedureLine) -> LineOut {
    base(
        line,
        None,
        LineResult::NotReviewed,
        format!(
            "CPT {} is in no family of the policy; the line is not reviewed.",
            line.cpt
        ),
    )
}

/// One line: the fit, then (when it fits) each requirement.
fn check_line(
    line: &ProcedureLine,
    fam: &Family,
    cpt: &Cpt,
    documented: &Documented,
    reading: &Reading,
    cache: &mut ElementCache,
    span: &impl Fn(usize, usize) -> LineSpan,
) -> LineOut {
    let diagnosis = match fitting_code(line, fam, cpt, documented) {
        Ok(code) => code,
        Err((rule, reason)) => {
            let mut out = base(line, Some(fam), LineResult::DoesNotFit, reason);
            out.rule = Some(rule);
            return out;
        }
    };
    let mut out = base(line, Some(fam), LineResult::Fits, String::new());
    let (mut short, mut gaps) = (Vec::new(), Vec::new());
    for req in &fam.requires {
        let readings: Vec<(ElementKind, ElementReading)> = req
            .any_of
            .iter()
            .map(|need| {
                let key = (
                    need.kind,
                    cpt.regions,
                    cpt.level,
                    format!("{:?}", need.limit),
                );
                let r = cache
                    .entry(key)
                    .or_insert_with(|| elements::read(need.kind, &need.limit, reading, cpt));
                (need.kind, r.clone())
            })
            .collect();
        let shown: Vec<&(ElementKind, ElementReading)> =
            match readings.iter().find(|(_, r)| r.status == Status::Met) {
                Some(m) => vec![m],
                None => readings.iter().collect(),
            };
        if shown[0].1.status != Status::Met {
            let names: Vec<&str> = shown.iter().map(|(k, _)| k.name()).collect();
            let words = format!(
                "{} ({})",
                names.join(" or "),
                shown
                    .iter()
                    .map(|(_, r)| r.detail.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            );
            if shown.iter().any(|(_, r)| r.status == Status::NotMet) {
                short.push(words)
            } else {
                gaps.push(words)
            }
        }
        for (kind, r) in shown {
            out.elements.push(LineElement {
                name: kind.name(),
                status: r.status.name(),
                rule: req.rule.clone(),
                detail: r.detail.clone(),
                evidence: r.spans.iter().map(|&(s, e)| span(s, e)).collect(),
            });
        }
    }
    let what = format!("{} ({})", line.cpt, fam.label);
    out.reason = if short.is_empty() && gaps.is_empty() {
        format!("{what} fits {diagnosis} and every element the policy requires is documented.")
    } else {
        out.result = LineResult::Incomplete;
        let mut parts = Vec::new();
        if !gaps.is_empty() {
            parts.push(format!("missing: {}", gaps.join(", ")));
        }
        if !short.is_empty() {
            parts.push(format!("not met: {}", short.join(", ")));
        }
        format!("{what} fits {diagnosis}, but {}.", parts.join("; "))
    };
    out.diagnosis = Some(diagnosis);
    out
}

/// The linked code that fits the family and is documented, or the rule
/// and reason it does not fit.
fn fitting_code(
    line: &ProcedureLine,
    fam: &Family,
    cpt: &Cpt,
    doc: &Documented,
) -> Result<String, (String, String)> {
    let what = format!("{} ({})", line.cpt, fam.label);
    if cpt.not_covered {
        return Err((
            cpt.rule.clone(),
            format!("{what}: {}; no diagnosis makes it fit.", cpt.note),
        ));
    }
    let Some(first) = line.dx.first() else {
        return Err((
            fam.rule.clone(),
            format!("{what} is linked to no diagnosis."),
        ));
    };
    let row = |code: &str, roles: &[Role]| {
        fam.fits
            .iter()
            .find(|f| roles.contains(&f.role) && f.matches(code))
    };
    let primary_rows: Vec<&Fit> = fam
        .fits
        .iter()
        .filter(|f| f.role == Role::Primary)
        .collect();
    if !primary_rows.is_empty() {
        return match row(first, &[Role::Primary]) {
            Some(f) if doc.supports(first, &f.documented_by) => Ok(first.clone()),
            Some(f) => Err((f.rule.clone(), format!("{what}: the documentation does not support the primary diagnosis {first}."))),
            None => Err((primary_rows[0].rule.clone(), format!("{what} needs {} as the primary diagnosis; the line's first diagnosis is {first}.", primary_rows[0].note))),
        };
    }
    let mut undocumented = None;
    for code in &line.dx {
        match row(code, &[Role::Any]) {
            Some(f) if doc.supports(code, &f.documented_by) => return Ok(code.clone()),
            Some(f) => {
                undocumented.get_or_insert((f.rule.clone(), code.clone()));
            }
            None => {}
        }
    }
    let hint = unlinked_fit(fam, doc, &line.dx)
        .map(|c| {
            format!(" The documentation supports {c}, which fits, but the line does not link it.")
        })
        .unwrap_or_default();
    Err(match undocumented {
        Some((rule, code)) => (
            rule,
            format!("{what}: the documentation does not support {code}.{hint}"),
        ),
        None => {
            let needs: Vec<&str> = fam
                .fits
                .iter()
                .filter(|f| f.role != Role::Secondary)
                .map(|f| f.note.as_str())
                .collect();
            (
                fam.fits[0].rule.clone(),
                format!(
                    "{what}: none of {} fits it; it needs {}.{hint}",
                    line.dx.join(", "),
                    needs.join(" or ")
                ),
            )
        }
    })
}

/// A documented code (of the auditor's) that would fit but is not linked.
fn unlinked_fit<'a>(fam: &Family, doc: &Documented<'a>, linked: &[String]) -> Option<&'a str> {
    doc.codes
        .iter()
        .find(|c| {
            !linked.iter().any(|l| code_key(l) == code_key(c))
                && fam
                    .fits
                    .iter()
                    .any(|f| f.role != Role::Secondary && f.matches(c))
        })
        .map(String::as_str)
}
