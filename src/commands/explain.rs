//! `m53audit explain`: one note's decision rendered for a person: verdict,
//! codes and reason, the checklist, the gaps with their CDI queries, and the
//! note with each evidence span marked by its assertion (colours on a
//! terminal, `[text]{concept:assertion}` markers otherwise).

use crate::lexicon::Tabular;
use crate::record::{Auditor, Evidence, Note, Record};
use anyhow::{Context, Result};
use std::io::{Read, Write};
use std::path::Path;

/// Reads the note of `path` (text, or the first object of a JSON/JSON-lines
/// file or of JSON on stdin), decoded as `audit` decodes it.
pub fn read_note(path: &Path) -> Result<Note> {
    use crate::io::input::{open_text, parse_json_line, text_of_bytes, Format, InputOptions};
    let name = path.display().to_string();
    let (format, mut reader) = open_text(path)?;
    let mut raw = Vec::new();
    reader
        .read_to_end(&mut raw)
        .with_context(|| format!("{name}: cannot read"))?;
    let start = raw
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(raw.len());
    let json =
        format == Format::JsonLines || (path.as_os_str() == "-" && raw.get(start) == Some(&b'{'));
    let opts = InputOptions::default();
    let item = if json {
        let first = raw[start..].split(|&b| b == b'\n').next().unwrap_or(&[]);
        parse_json_line(&name, 1, first, &opts)
    } else {
        text_of_bytes(raw, &opts)
    };
    let mut note = item
        .note
        .map_err(|e| anyhow::anyhow!("{name}: {} ({})", e.error.message, e.error.kind))?;
    if !json {
        note.id = name;
    }
    Ok(note)
}

/// Runs `explain`.
pub fn run(auditor: &Auditor, path: &Path, color: bool) -> Result<i32> {
    let note = read_note(path)?;
    let rec = auditor.audit(&note);
    let mut out = std::io::stdout().lock();
    let tabular = &auditor.analyzer.lexicons.tabular;
    out.write_all(render(&rec, &note.text, tabular, color).as_bytes())?;
    out.flush()?;
    Ok(0)
}

/// Runs `explain --group ID`: the group's chart rendered as a note, after
/// the list of its notes (reading order, where each starts in the chart,
/// its date and source, its own verdict).
pub fn run_group(
    auditor: &Auditor,
    path: &Path,
    input: &crate::io::input::InputOptions,
    g: &crate::io::grouped::GroupOptions,
    id: &str,
    color: bool,
) -> Result<i32> {
    let paths = [path.to_path_buf()];
    let group = match crate::io::grouped::find_group(&paths, input, g, id)? {
        Ok(group) => group,
        Err(ids) => {
            let shown: Vec<&str> = ids.iter().take(20).map(String::as_str).collect();
            anyhow::bail!(
                "no {} `{id}` in {}; its {}s: {}",
                g.by.name(),
                path.display(),
                g.by.name(),
                if shown.is_empty() {
                    "none".to_string()
                } else {
                    shown.join(", ")
                }
            );
        }
    };
    let chart = crate::rollup::chart_of(auditor, &group);
    let rec = auditor.audit(&chart.note);
    let record = crate::rollup::group_record(auditor, &group, g.by, &chart, rec.clone());
    let mut s = format!(
        "{} {} ({} notes)\n",
        g.by.name(),
        group.id,
        chart.order.len()
    );
    for (k, p) in record.per_note.iter().enumerate() {
        s.push_str(&format!(
            "  {}. {}  at byte {} of the chart  {}{}  alone: {} {}\n",
            k + 1,
            p.id,
            chart.starts[k],
            p.date.as_deref().unwrap_or("undated"),
            p.source
                .as_deref()
                .map(|x| format!("  {x}"))
                .unwrap_or_default(),
            p.verdict.name(),
            p.codes.join(", ")
        ));
    }
    for d in &record.duplicates {
        s.push_str(&format!(
            "  (left out: {d}, the same text as a note above)\n"
        ));
    }
    s.push_str("The chart below is these notes joined in this order; @ offsets are bytes of the chart.\n\n");
    let tabular = &auditor.analyzer.lexicons.tabular;
    s.push_str(&render(&rec, &chart.note.text, tabular, color));
    let mut out = std::io::stdout().lock();
    out.write_all(s.as_bytes())?;
    out.flush()?;
    Ok(0)
}

struct Style {
    on: &'static str,
    off: &'static str,
}

const RESET: &str = "\x1b[0m";

fn style(e: &Evidence) -> Style {
    if e.discount.is_some() {
        // Struck through and dimmed: present in the text, not counted.
        return Style {
            on: "\x1b[2;9m",
            off: RESET,
        };
    }
    let on = match (e.assertion, e.category) {
        ("negated", _) => "\x1b[9;31m",
        ("uncertain", _) => "\x1b[4;33m",
        ("hypothetical" | "historical" | "family", _) => "\x1b[2;36m",
        (_, "region") => "\x1b[1;34m",
        (_, "pain") => "\x1b[35m",
        (_, "imaging" | "chronicity" | "care") => "\x1b[32m",
        _ => "\x1b[1;32m",
    };
    Style { on, off: RESET }
}

/// Renders the explanation as text; `tabular` gives the codes'
/// descriptions.
pub fn render(rec: &Record, text: &str, tabular: &Tabular, color: bool) -> String {
    let mut s = String::new();
    let b = |t: &str| {
        if color {
            format!("\x1b[1m{t}{RESET}")
        } else {
            t.to_string()
        }
    };
    s.push_str(&format!("{} {}\n", b("Note:"), rec.id));
    s.push_str(&format!(
        "{} {}  codes: {}  score: {}/100  setting: {}\n",
        b("Verdict:"),
        rec.verdict.name(),
        if rec.codes.is_empty() {
            "none".to_string()
        } else {
            rec.codes.join(", ")
        },
        rec.score,
        rec.setting.name()
    ));
    for c in &rec.codes {
        if let Some(d) = tabular.description(c) {
            s.push_str(&format!("  {c}  {d}\n"));
        }
    }
    s.push_str(&format!("{} {}\n", b("Why:"), rec.reason));
    if !rec.billed.is_empty() {
        let agree = match rec.billed_agrees {
            Some(true) => "agrees with the documentation".to_string(),
            Some(false) => format!(
                "DISAGREES: the documentation supports {}",
                if rec.codes.is_empty() {
                    "no code".to_string()
                } else {
                    rec.codes.join(", ")
                }
            ),
            None => "no spine code billed (outside this audit)".to_string(),
        };
        s.push_str(&format!(
            "{} {} — {}\n",
            b("Billed:"),
            rec.billed.join(", "),
            agree
        ));
    }
    s.push_str(&format!("\n{}\n", b("Checklist")));
    let c = &rec.checklist;
    for (name, el) in [
        ("region (C7-T1 named)", &c.region),
        ("pathology", &c.pathology),
        ("disc pathology excluded", &c.disc_excluded),
        ("radiculopathy/myelopathy excluded", &c.neuro_excluded),
        ("imaging with result", &c.imaging),
        ("chronicity", &c.chronicity),
        ("conservative care", &c.conservative_care),
    ] {
        let ev: Vec<String> = el
            .evidence
            .iter()
            .take(3)
            .filter_map(|&i| rec.evidence.get(i))
            .map(|e| format!("\"{}\" @{}", one_line(&e.text), e.start))
            .collect();
        s.push_str(&format!(
            "  {:<36} {:<8} {}\n",
            name,
            el.status,
            ev.join(", ")
        ));
    }
    if !rec.gaps.is_empty() {
        s.push_str(&format!("\n{}\n", b("Documentation gaps (CDI queries)")));
        for g in &rec.gaps {
            s.push_str(&format!(
                "  - {}: {}\n    Query: {}\n",
                g.element, g.reason, g.query
            ));
        }
    }
    s.push_str(&queries(&rec.queries, &b));
    s.push_str(&lines(&rec.lines, &b));
    for n in &rec.notes {
        s.push_str(&format!("\nNote for the coder: {n}\n"));
    }
    s.push_str(&discounted(rec, &b));
    s.push_str(&format!(
        "\n{}  {}\n\n",
        b("Note text"),
        if color {
            format!(
                "(legend: {}affirmed finding{RESET} {}level{RESET} {}negated{RESET} {}uncertain{RESET} {}historical/hypothetical/family{RESET})",
                "\x1b[1;32m", "\x1b[1;34m", "\x1b[9;31m", "\x1b[4;33m", "\x1b[2;36m"
            )
        } else {
            "(markers: [text]{concept:assertion})".to_string()
        }
    ));
    s.push_str(&highlight(text, &rec.evidence, color));
    if !text.ends_with('\n') {
        s.push('\n');
    }
    s
}

/// The provider queries: kind and format, why (for the CDI specialist),
/// the query as sent, its options and the indicators it quotes.
pub fn queries(queries: &[crate::query::Query], b: &dyn Fn(&str) -> String) -> String {
    if queries.is_empty() {
        return String::new();
    }
    let mut s = format!("\n{}\n", b("Provider queries"));
    for q in queries {
        s.push_str(&format!("  - {} ({}): {}\n", q.kind, q.format, q.reason));
        for line in q.plain_text().lines() {
            s.push_str(&format!("    {line}\n"));
        }
        let at: Vec<String> = q
            .indicators
            .iter()
            .map(|i| format!("@{}", i.start))
            .collect();
        s.push_str(&format!("    indicators at {}\n", at.join(", ")));
    }
    s
}

/// The claim lines: each with its result, the rule it applied and its
/// elements (status, what was found, where).
pub fn lines(lines: &[crate::lines::LineOut], b: &dyn Fn(&str) -> String) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let mut s = format!("\n{}\n", b("Claim lines"));
    for l in lines {
        s.push_str(&format!(
            "  {} {}  dx {}  {}  (rule {})\n    {}\n",
            l.cpt,
            l.family.as_deref().unwrap_or("(not in the policy)"),
            if l.dx.is_empty() {
                "none".to_string()
            } else {
                l.dx.join(", ")
            },
            l.result.name().to_ascii_uppercase(),
            l.rule.as_deref().unwrap_or("-"),
            l.reason
        ));
        for e in &l.elements {
            let ev: Vec<String> = e
                .evidence
                .iter()
                .take(3)
                .map(|x| format!("\"{}\" @{}", one_line(&x.text), x.start))
                .collect();
            s.push_str(&format!(
                "    {:<26} {:<8} {}{}\n",
                e.name,
                e.status,
                e.detail,
                if ev.is_empty() {
                    String::new()
                } else {
                    format!("  {}", ev.join(", "))
                }
            ));
        }
    }
    s
}

/// The spans that do not count (DOMAIN.md, "Reading a whole chart"), each
/// with its document and reason; and the export's documents when it has
/// more than one.
fn discounted(rec: &Record, b: &dyn Fn(&str) -> String) -> String {
    let mut s = String::new();
    if rec.documents.len() > 1 {
        s.push_str(&format!("\n{}\n", b("Documents in this text")));
        for d in &rec.documents {
            s.push_str(&format!(
                "  {}. {} (by {}, {}) @{}\n",
                d.index + 1,
                d.kind,
                d.role,
                d.time,
                d.start
            ));
        }
    }
    let spans: Vec<_> = rec
        .evidence
        .iter()
        .filter(|e| e.discount.is_some())
        .collect();
    if !spans.is_empty() {
        s.push_str(&format!("\n{}\n", b("Not counted")));
        for e in spans {
            let d = e.discount.as_ref().expect("filtered");
            s.push_str(&format!(
                "  \"{}\" @{} in document {} ({}): {}\n",
                one_line(&e.text),
                e.start,
                e.document + 1,
                rec.document_of(e).map_or("note", |d| d.kind),
                d.reason
            ));
        }
    }
    s
}

fn one_line(t: &str) -> String {
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The evidence spans that do not overlap an earlier, longer one (outermost first).
pub fn outermost(evidence: &[Evidence]) -> Vec<&Evidence> {
    let mut spans: Vec<&Evidence> = evidence.iter().collect();
    spans.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut out: Vec<&Evidence> = Vec::new();
    for e in spans {
        if out.last().is_some_and(|l| e.start < l.end) {
            continue;
        }
        out.push(e);
    }
    out
}

fn highlight(text: &str, evidence: &[Evidence], color: bool) -> String {
    let mut s = String::with_capacity(text.len() * 2);
    let mut pos = 0;
    for e in outermost(evidence) {
        if e.start < pos || e.end > text.len() {
            continue;
        }
        s.push_str(&text[pos..e.start]);
        let span = &text[e.start..e.end];
        if color {
            let st = style(e);
            s.push_str(st.on);
            s.push_str(span);
            s.push_str(st.off);
        } else {
            match &e.discount {
                Some(d) => s.push_str(&format!("[{span}]{{{}:not counted:{}}}", e.concept, d.kind)),
                None => s.push_str(&format!("[{span}]{{{}:{}}}", e.concept, e.assertion)),
            }
        }
        pos = e.end;
    }
    s.push_str(&text[pos..]);
    s
}
