//! `m53audit eval`: accuracy on a gold-labelled file (format of
//! `shared/corpora/gold-dev.jsonl`): verdict accuracy, precision/recall/F1
//! per verdict, the confusion matrix, exact code agreement, checklist
//! element accuracy, billed-code agreement accuracy and the misses.

use crate::decide::Verdict;
use crate::record::{billed_agrees, Auditor, Note, Record};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::Path;

/// One gold record.
#[derive(Debug, Clone, Deserialize)]
pub struct GoldRecord {
    /// Note id.
    pub id: String,
    /// Note text.
    pub text: String,
    /// Billed codes.
    #[serde(default)]
    pub billed: Vec<String>,
    /// The expected decision.
    pub expect: Expect,
}

/// The expected decision of a gold record.
#[derive(Debug, Clone, Deserialize)]
pub struct Expect {
    /// Verdict.
    pub verdict: Verdict,
    /// Codes.
    pub codes: Vec<String>,
    /// Element checklist: region present/other/absent, pathology
    /// present/absent, the rest booleans.
    #[serde(default)]
    pub elements: BTreeMap<String, serde_json::Value>,
}

/// A miss: a note whose verdict or codes differ.
#[derive(Debug, Clone, Serialize)]
pub struct Miss {
    /// Note id.
    pub id: String,
    /// Expected verdict and codes.
    pub expected: String,
    /// What the auditor said.
    pub got: String,
    /// The evidence the auditor's verdict rests on (concept, assertion, text, offsets).
    pub deciding: Vec<String>,
}

/// Per-verdict precision, recall, F1.
#[derive(Debug, Clone, Serialize)]
pub struct Prf {
    /// Gold notes with this verdict.
    pub support: usize,
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
}

/// The evaluation report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Notes evaluated.
    pub notes: usize,
    /// Verdict accuracy.
    pub verdict_accuracy: f64,
    /// Per verdict.
    pub per_verdict: BTreeMap<String, Prf>,
    /// `confusion[expected][got]`.
    pub confusion: BTreeMap<String, BTreeMap<String, usize>>,
    /// Notes whose codes equal the expected codes exactly (as sets).
    pub code_exact_agreement: f64,
    /// The same on the `more_specific` notes.
    pub code_exact_agreement_more_specific: f64,
    /// Accuracy per checklist element.
    pub element_accuracy: BTreeMap<String, f64>,
    /// Accuracy of billed_agrees on notes billed with a spine code.
    pub billed_agreement_accuracy: f64,
    /// Notes billed with a spine code.
    pub billed_notes: usize,
    /// Verdict or code misses.
    pub misses: Vec<Miss>,
}

/// Reads gold records.
pub fn read_gold(path: &Path) -> Result<Vec<GoldRecord>> {
    let f =
        std::fs::File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line.with_context(|| format!("{}:{}: cannot read", path.display(), i + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let r: GoldRecord = serde_json::from_str(&line).map_err(|e| {
            anyhow::anyhow!(
                "{}:{}: not a gold record (column {}: {})",
                path.display(),
                i + 1,
                e.column(),
                crate::io::input::json_error_class(&e)
            )
        })?;
        out.push(r);
    }
    Ok(out)
}

fn sorted(v: &[String]) -> Vec<String> {
    let mut v: Vec<String> = v.iter().map(|c| c.trim().to_ascii_uppercase()).collect();
    v.sort();
    v.dedup();
    v
}

/// The auditor's value of a gold element, in the gold's terms.
fn element_value(rec: &Record, name: &str) -> serde_json::Value {
    let c = &rec.checklist;
    let st = |s: &str| s == "present";
    match name {
        "region" => serde_json::Value::from(match c.region.status {
            "present" => "present",
            "other" => "other",
            _ => "absent",
        }),
        "pathology" => serde_json::Value::from(if st(c.pathology.status) {
            "present"
        } else {
            "absent"
        }),
        "disc_excluded" => st(c.disc_excluded.status).into(),
        "neuro_excluded" => st(c.neuro_excluded.status).into(),
        "imaging" => st(c.imaging.status).into(),
        "chronicity" => st(c.chronicity.status).into(),
        "conservative_care" => st(c.conservative_care.status).into(),
        _ => serde_json::Value::Null,
    }
}

/// Evaluates the auditor on gold records.
pub fn evaluate(auditor: &Auditor, gold: &[GoldRecord]) -> Report {
    use rayon::prelude::*;
    let recs: Vec<Record> = gold
        .par_iter()
        .map(|g| {
            auditor.audit(&Note {
                id: g.id.clone(),
                text: g.text.clone(),
                billed: crate::record::normalize_billed(&g.billed),
                setting: None,
                procedures: Vec::new(),
            })
        })
        .collect();
    let mut confusion: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut correct = 0;
    let mut codes_ok = 0;
    let (mut ms_total, mut ms_ok) = (0, 0);
    let mut el_ok: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let (mut billed_n, mut billed_ok) = (0, 0);
    let mut misses = Vec::new();
    for (g, r) in gold.iter().zip(&recs) {
        let exp = g.expect.verdict;
        *confusion
            .entry(exp.name().into())
            .or_default()
            .entry(r.verdict.name().into())
            .or_default() += 1;
        let v_ok = exp == r.verdict;
        let c_ok = sorted(&g.expect.codes) == sorted(&r.codes);
        correct += v_ok as usize;
        codes_ok += c_ok as usize;
        if exp == Verdict::MoreSpecific {
            ms_total += 1;
            ms_ok += c_ok as usize;
        }
        for (name, want) in &g.expect.elements {
            let e = el_ok.entry(name.clone()).or_default();
            e.1 += 1;
            if element_value(r, name) == *want {
                e.0 += 1;
            }
        }
        let billed = crate::record::normalize_billed(&g.billed);
        if let Some(want) = billed_agrees(&billed, &g.expect.codes) {
            billed_n += 1;
            billed_ok += (r.billed_agrees == Some(want)) as usize;
        }
        if !v_ok || !c_ok {
            misses.push(Miss {
                id: g.id.clone(),
                expected: format!("{} {:?}", exp.name(), g.expect.codes),
                got: format!("{} {:?}", r.verdict.name(), r.codes),
                deciding: r
                    .evidence
                    .iter()
                    .filter(|e| e.decisive)
                    .map(|e| {
                        format!(
                            "{} ({}) \"{}\" @{}-{}",
                            e.concept, e.assertion, e.text, e.start, e.end
                        )
                    })
                    .collect(),
            });
        }
    }
    let n = gold.len();
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let mut per_verdict = BTreeMap::new();
    for v in Verdict::ALL {
        let name = v.name();
        let tp = confusion
            .get(name)
            .and_then(|m| m.get(name))
            .copied()
            .unwrap_or(0);
        let support: usize = confusion.get(name).map_or(0, |m| m.values().sum());
        let predicted: usize = confusion
            .values()
            .map(|m| m.get(name).copied().unwrap_or(0))
            .sum();
        let p = ratio(tp, predicted);
        let rc = ratio(tp, support);
        let f1 = if p + rc == 0.0 {
            0.0
        } else {
            2.0 * p * rc / (p + rc)
        };
        per_verdict.insert(
            name.to_string(),
            Prf {
                support,
                precision: p,
                recall: rc,
                f1,
            },
        );
    }
    Report {
        notes: n,
        verdict_accuracy: ratio(correct, n),
        per_verdict,
        confusion,
        code_exact_agreement: ratio(codes_ok, n),
        code_exact_agreement_more_specific: ratio(ms_ok, ms_total),
        element_accuracy: el_ok
            .into_iter()
            .map(|(k, (a, b))| (k, ratio(a, b)))
            .collect(),
        billed_agreement_accuracy: ratio(billed_ok, billed_n),
        billed_notes: billed_n,
        misses,
    }
}

/// Renders the report for a person.
pub fn render(r: &Report) -> String {
    let mut s = String::new();
    s.push_str(&format!("notes: {}\n", r.notes));
    s.push_str(&format!("verdict accuracy: {:.3}\n", r.verdict_accuracy));
    s.push_str(&format!(
        "false supported: {} (notes that do not support M53.83 called supported)\n",
        false_supported(r)
    ));
    s.push_str(&format!(
        "exact code agreement: {:.3} (more_specific notes: {:.3})\n",
        r.code_exact_agreement, r.code_exact_agreement_more_specific
    ));
    s.push_str(&format!(
        "billed-code agreement accuracy: {:.3} ({} notes billed with a spine code)\n\n",
        r.billed_agreement_accuracy, r.billed_notes
    ));
    s.push_str(&format!(
        "{:<20} {:>7} {:>9} {:>7} {:>7}\n",
        "verdict", "support", "precision", "recall", "f1"
    ));
    for (k, p) in &r.per_verdict {
        s.push_str(&format!(
            "{:<20} {:>7} {:>9.3} {:>7.3} {:>7.3}\n",
            k, p.support, p.precision, p.recall, p.f1
        ));
    }
    s.push_str("\nconfusion (rows expected, columns got):\n");
    let names: Vec<&str> = Verdict::ALL.iter().map(|v| v.name()).collect();
    let short = |n: &str| {
        n.split('_')
            .map(|w| &w[..w.len().min(4)])
            .collect::<Vec<_>>()
            .join("_")
    };
    s.push_str(&format!("{:<20}", ""));
    for n in &names {
        s.push_str(&format!(" {:>9}", short(n)));
    }
    s.push('\n');
    for e in &names {
        s.push_str(&format!("{e:<20}"));
        for g in &names {
            let c = r
                .confusion
                .get(*e)
                .and_then(|m| m.get(*g))
                .copied()
                .unwrap_or(0);
            s.push_str(&format!(" {c:>9}"));
        }
        s.push('\n');
    }
    s.push_str("\nchecklist element accuracy:\n");
    for (k, v) in &r.element_accuracy {
        s.push_str(&format!("  {k:<20} {v:.3}\n"));
    }
    if r.misses.is_empty() {
        s.push_str("\nmisses: none\n");
    } else {
        s.push_str(&format!("\nmisses ({}):\n", r.misses.len()));
        for m in &r.misses {
            s.push_str(&format!(
                "  {}: expected {}, got {}\n",
                m.id, m.expected, m.got
            ));
            for d in m.deciding.iter().take(4) {
                s.push_str(&format!("      {d}\n"));
            }
        }
    }
    s
}

/// Notes called `supported` whose gold verdict is another.
pub fn false_supported(report: &Report) -> usize {
    report
        .confusion
        .iter()
        .filter(|(expected, _)| expected.as_str() != "supported")
        .filter_map(|(_, got)| got.get("supported"))
        .sum()
}

/// Runs `eval`; exits 1 below the accuracy floor or above the allowed
/// number of false `supported` verdicts.
pub fn run(
    auditor: &Auditor,
    path: &Path,
    json: bool,
    min_accuracy: Option<f64>,
    max_false_supported: Option<usize>,
) -> Result<i32> {
    let gold = read_gold(path)?;
    if gold.is_empty() {
        anyhow::bail!("{}: no gold records", path.display());
    }
    let report = evaluate(auditor, &gold);
    if json {
        writeln!(
            std::io::stdout().lock(),
            "{}",
            serde_json::to_string_pretty(&report)?
        )?;
    } else {
        write!(std::io::stdout().lock(), "{}", render(&report))?;
    }
    if let Some(min) = min_accuracy {
        if report.verdict_accuracy < min {
            eprintln!(
                "m53audit: verdict accuracy {:.3} is below the floor {:.3}",
                report.verdict_accuracy, min
            );
            return Ok(1);
        }
    }
    if let Some(max) = max_false_supported {
        let n = false_supported(&report);
        if n > max {
            eprintln!("m53audit: {n} notes falsely called supported (at most {max} allowed)");
            return Ok(1);
        }
    }
    Ok(0)
}
