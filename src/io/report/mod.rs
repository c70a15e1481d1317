//! The CDI review report (`audit --format html`): one self-contained HTML
//! file with a worklist of notes and a note view with the evidence
//! highlighted, the checklist and the CDI queries.
//!
//! Safe by construction: every value reaches the page as JSON data (with
//! `<`, `>` and `&` escaped) that the page's script puts into the DOM with
//! `textContent`, never as markup; a Content-Security-Policy forbids any
//! network request. The note details (texts and evidence) are written as
//! they stream in, gzip-compressed and base64-encoded, and decompressed by
//! the browser's own `DecompressionStream`, which keeps a 10,000-note report
//! small; the worklist is plain JSON so it renders at once.

use crate::io::output::Sink;
use crate::lexicon::Tabular;
use crate::record::Output;
use base64::engine::general_purpose::STANDARD;
use base64::write::EncoderWriter;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{self, Write};

const STYLE: &str = include_str!("report.css");
const SCRIPT: &str = include_str!("report.js");

type Details<W> = GzEncoder<EncoderWriter<'static, base64::engine::GeneralPurpose, W>>;

/// Writes the HTML review report.
pub struct HtmlSink<W: Write> {
    out: Option<W>,
    details: Option<Details<W>>,
    rows: Vec<Value>,
    queries: BTreeMap<String, String>,
    count: usize,
    /// The tabular list, for the codes' descriptions.
    tabular: Tabular,
}

impl<W: Write> HtmlSink<W> {
    /// Writes to `w`; `tabular` gives the codes' official descriptions.
    pub fn new(w: W, tabular: Tabular) -> Self {
        HtmlSink {
            out: Some(w),
            details: None,
            rows: Vec::new(),
            queries: BTreeMap::new(),
            count: 0,
            tabular,
        }
    }

    fn details(&mut self) -> io::Result<&mut Details<W>> {
        if self.details.is_none() {
            let mut w = self.out.take().expect("output");
            w.write_all(HEAD_1.as_bytes())?;
            w.write_all(STYLE.as_bytes())?;
            w.write_all(HEAD_2.as_bytes())?;
            let b64 = EncoderWriter::new(w, &STANDARD);
            self.details = Some(GzEncoder::new(b64, Compression::new(6)));
        }
        Ok(self.details.as_mut().expect("details"))
    }
}

/// JSON for inside a `<script>` element: no `<`, `>` or `&` left to close it.
pub fn script_json(v: &Value) -> String {
    serde_json::to_string(v)
        .expect("JSON")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// UTF-16 offsets (what JavaScript strings count) of sorted byte offsets.
fn utf16_offsets(text: &str, mut offsets: Vec<usize>) -> BTreeMap<usize, usize> {
    offsets.sort_unstable();
    offsets.dedup();
    let mut out = BTreeMap::new();
    let mut u16pos = 0;
    let mut it = offsets.into_iter().peekable();
    for (b, c) in text.char_indices() {
        while let Some(&o) = it.peek() {
            if o <= b {
                out.insert(o, u16pos);
                it.next();
            } else {
                break;
            }
        }
        u16pos += c.len_utf16();
    }
    for o in it {
        out.insert(o, u16pos);
    }
    out
}

/// The worklist's line column: the worst result of the note's claim lines
/// (`does_not_fit`, then `incomplete`, `fits`, `not_reviewed`), or empty.
fn worst_line(lines: &[crate::lines::LineOut]) -> &'static str {
    use crate::lines::LineResult as R;
    let rank = |r: R| match r {
        R::DoesNotFit => 0,
        R::Incomplete => 1,
        R::Fits => 2,
        R::NotReviewed => 3,
    };
    lines
        .iter()
        .map(|l| l.result)
        .min_by_key(|r| rank(*r))
        .map_or("", R::name)
}

/// A query for the note view: kind, format, reason, text, options, the
/// indicators as UTF-16 ranges of the note with their place, and the whole
/// query as the plain text its copy button copies.
fn query_detail(q: &crate::query::Query, text: &str) -> Value {
    let offs = utf16_offsets(
        text,
        q.indicators.iter().flat_map(|i| [i.start, i.end]).collect(),
    );
    let ind: Vec<Value> = q
        .indicators
        .iter()
        .map(|i| json!([offs[&i.start], offs[&i.end], i.text, i.section, i.document]))
        .collect();
    json!([
        q.kind,
        q.format,
        q.reason,
        q.text,
        q.options,
        ind,
        q.plain_text()
    ])
}

/// A claim line for the note view: code, family, result, reason, rule and
/// each element with its status, what was found and the quoted evidence.
fn line_detail(l: &crate::lines::LineOut) -> Value {
    let elements: Vec<Value> = l
        .elements
        .iter()
        .map(|e| {
            json!([
                e.name,
                e.status,
                e.detail,
                e.evidence
                    .iter()
                    .map(|s| s.text.as_str())
                    .collect::<Vec<_>>()
            ])
        })
        .collect();
    json!([l.cpt, l.family, l.result.name(), l.reason, l.rule, elements])
}

impl<W: Write> Sink for HtmlSink<W> {
    fn write(&mut self, out: &Output, text: Option<&str>) -> io::Result<()> {
        let idx = self.count;
        self.count += 1;
        let detail = match out {
            Output::Audited(r) => {
                let text = text.unwrap_or("");
                let offs = utf16_offsets(
                    text,
                    r.evidence.iter().flat_map(|e| [e.start, e.end]).collect(),
                );
                let ev: Vec<Value> = r
                    .evidence
                    .iter()
                    .map(|e| {
                        json!([
                            offs[&e.start],
                            offs[&e.end],
                            e.category,
                            e.assertion,
                            e.concept,
                            e.decisive,
                            e.section,
                            r.document_of(e).map_or(String::new(), |d| format!(
                                "{} {}",
                                d.index + 1,
                                d.kind
                            )),
                            e.discount.as_ref().map(|d| d.reason.as_str())
                        ])
                    })
                    .collect();
                let c = &r.checklist;
                let cl: Vec<Value> = [
                    &c.region,
                    &c.pathology,
                    &c.disc_excluded,
                    &c.neuro_excluded,
                    &c.imaging,
                    &c.chronicity,
                    &c.conservative_care,
                ]
                .iter()
                .map(|e| json!([e.status, e.evidence]))
                .collect();
                for g in &r.gaps {
                    self.queries
                        .entry(g.element.clone())
                        .or_insert_with(|| g.query.clone());
                }
                self.rows.push(json!([
                    r.id,
                    r.verdict.name(),
                    r.codes.join(", "),
                    r.billed.join(", "),
                    r.billed_agrees,
                    r.score,
                    r.gaps.len(),
                    worst_line(&r.lines),
                    r.reason,
                    r.queries.len(),
                    r.codes
                        .iter()
                        .map(|c| format!("{c} {}", self.tabular.description(c).unwrap_or("")))
                        .collect::<Vec<_>>()
                        .join("; "),
                ]));
                let codes: Vec<Value> = r
                    .codes
                    .iter()
                    .map(|c| json!([c, self.tabular.description(c)]))
                    .collect();
                json!({
                    "reason": r.reason, "text": text, "ev": ev, "cl": cl, "codes": codes,
                    "gaps": r.gaps.iter().map(|g| json!([g.element, g.reason])).collect::<Vec<_>>(),
                    "notes": r.notes,
                    "lines": r.lines.iter().map(line_detail).collect::<Vec<_>>(),
                    "queries": r.queries.iter().map(|q| query_detail(q, text)).collect::<Vec<_>>(),
                })
            }
            Output::Error(e) => {
                self.rows.push(json!([
                    e.id,
                    "error",
                    "",
                    "",
                    null,
                    null,
                    0,
                    "",
                    format!("{}: {}", e.error.kind, e.error.message),
                    0,
                    ""
                ]));
                json!({"error": format!("{}: {}", e.error.kind, e.error.message)})
            }
        };
        let d = self.details()?;
        if idx > 0 {
            d.write_all(b",")?;
        } else {
            d.write_all(b"[")?;
        }
        serde_json::to_writer(&mut *d, &detail)?;
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        if self.details.is_none() {
            self.details()?;
            self.details.as_mut().expect("details").write_all(b"[")?;
        }
        let mut d = self.details.take().expect("details");
        d.write_all(b"]")?;
        let mut b64 = d.finish()?;
        let mut w = b64.finish()?;
        let data = json!({"rows": self.rows, "queries": self.queries});
        w.write_all(b"</script>\n<script type=\"application/json\" id=\"worklist-data\">")?;
        w.write_all(script_json(&data).as_bytes())?;
        w.write_all(b"</script>\n<script>")?;
        w.write_all(SCRIPT.as_bytes())?;
        w.write_all(b"</script>\n</body>\n</html>\n")?;
        w.flush()?;
        self.out = Some(w);
        Ok(())
    }
}

const HEAD_1: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src data: blob:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>m53audit review report</title>
<style>
"#;

const HEAD_2: &str = r#"</style>
</head>
<body>
<div class="phi" role="alert">CONTAINS PROTECTED HEALTH INFORMATION &mdash; for authorised clinical documentation review only. Do not forward, print or store outside approved systems.</div>
<header>
<h1>M53.83 documentation review</h1>
<div id="counts" aria-live="polite"></div>
</header>
<main>
<section id="list">
<div id="controls">
<label>Verdict <select id="f-verdict"><option value="all">all</option></select></label>
<label><input type="checkbox" id="f-disagree"> billed code disagrees</label>
<label><input type="checkbox" id="f-lines"> claim line does not fit / incomplete</label>
<label><input type="checkbox" id="f-queries"> has a provider query</label>
<label>Id <input type="search" id="f-id" placeholder="filter by id"></label>
<span id="shown"></span>
</div>
<table id="worklist">
<thead><tr>
<th data-key="0" scope="col">id</th><th data-key="1" scope="col">verdict</th><th data-key="2" scope="col">codes</th>
<th data-key="3" scope="col">billed</th><th data-key="4" scope="col">agrees?</th><th data-key="5" scope="col">score</th><th data-key="6" scope="col">gaps</th><th data-key="7" scope="col">lines</th><th data-key="9" scope="col">queries</th><th data-key="8" scope="col">reason</th>
</tr></thead>
<tbody id="rows"></tbody>
</table>
<div id="pager"><button id="prev" type="button">&larr; previous</button> <span id="page"></span> <button id="next" type="button">next &rarr;</button></div>
</section>
<section id="note" hidden>
<button id="back" type="button">&larr; back to the worklist</button>
<h2 id="note-id"></h2>
<p id="note-verdict"></p>
<p id="note-finding" hidden></p>
<p id="note-reason"></p>
<p id="note-codes"></p>
<div id="note-cols">
<div>
<h3>Checklist</h3>
<table id="checklist"><tbody></tbody></table>
<h3>Provider queries</h3>
<div id="queries"></div>
<h3>Documentation gaps</h3>
<ul id="gaps"></ul>
<div id="coder-notes"></div>
<div id="claim-lines" hidden>
<h3>Claim lines</h3>
<div id="lines"></div>
</div>
</div>
<div>
<h3>Note</h3>
<div id="legend"></div>
<pre id="note-text"></pre>
</div>
</div>
</section>
</main>
<script type="text/plain" id="details">"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_the_script() {
        let v = json!({"t": "</script><img src=x onerror=alert(1)>&"});
        let s = script_json(&v);
        assert!(!s.contains('<') && !s.contains('>') && !s.contains('&'));
        let back: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn utf16_offsets_count_code_units() {
        let t = "a\u{2013}b\u{1F600}c";
        let m = utf16_offsets(t, vec![0, 1, 4, 5, 9, 10]);
        assert_eq!(m[&0], 0);
        assert_eq!(m[&4], 2);
        assert_eq!(m[&5], 3);
        assert_eq!(m[&9], 5);
        assert_eq!(m[&10], 6);
    }
}
