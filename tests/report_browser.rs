//! The HTML review report in a real browser (headless Chromium, `--dump-dom`):
//! counts, a filter applied through the page's own URL state, a note opened
//! with its highlighted spans, and hostile notes that must execute nothing.
//! Skipped when Chromium is absent, except under CI (`CI` set), where its
//! absence is a failure: `.ci/run` installs Debian's `chromium`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn chromium() -> Option<PathBuf> {
    for c in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(out) = Command::new("which").arg(c).output() {
            if out.status.success() {
                return Some(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
            }
        }
    }
    None
}

/// Loads `url` headless and returns (DOM, browser log).
fn dump_dom(browser: &Path, url: &str) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=15000",
            "--allow-file-access-from-files",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("chromium runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes the HTML report of `notes` to `report`; the audit must exit `code`.
fn write_report(report: &Path, notes: &[serde_json::Value], code: i32) {
    let input: String = notes.iter().map(|n| n.to_string() + "\n").collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_m53audit"))
        .args(["audit", "-", "--format", "html", "-q", "-o"])
        .arg(report)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(code));
}

/// The browser, or `None` (the test's browser part skipped) where none is
/// installed; CI must have one.
fn browser_or_skip() -> Option<PathBuf> {
    let b = chromium();
    if b.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium for this test"
        );
        eprintln!("chromium not installed; skipping");
    }
    b
}

const HOSTILE_ID: &str = "<img src=x onerror=\"document.title='PWNED-ID'\">";

fn build_report(dir: &Path) -> PathBuf {
    let report = dir.join("report.html");
    let notes = [
        serde_json::json!({"id": "ok-1", "billed": ["M53.83"], "text": "Assessment: C7-T1 facet syndrome, non-degenerative. No radiculopathy. MRI 01/2026: no disc herniation at C7-T1."}),
        serde_json::json!({"id": "ok-2", "billed": ["M53.83"], "text": "Assessment: Neck pain (cervicalgia). No structural diagnosis."}),
        serde_json::json!({"id": "ok-3", "billed": [], "text": "REFERRAL ORDER: Dx: M53.83 Other specified dorsopathies, cervicothoracic region.\nImpression: C7\u{2013}T1 disc protrusion. Possible annular tear."}),
        serde_json::json!({"id": HOSTILE_ID, "billed": ["M53.83"], "text": "</script><script>document.title='PWNED-SCRIPT'</script> \" </textarea><img src=x onerror=\"document.title='PWNED-IMG'\"> Assessment: C7-T1 ligamentous thickening."}),
        serde_json::json!({"id": "bad-utf8"}),
    ];
    // One note is an error record: exit 1.
    write_report(&report, &notes, 1);
    report
}

fn count_attr(dom: &str, needle: &str) -> usize {
    dom.matches(needle).count()
}

#[test]
fn report_works_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let report = build_report(dir.path());
    let html = std::fs::read_to_string(&report).unwrap();
    // Self-contained: no external resources of any kind.
    for bad in ["src=\"http", "href=\"http", "<link", "@import", "url(http"] {
        assert!(
            !html.contains(bad),
            "report refers to an external resource: {bad}"
        );
    }
    assert!(html.contains("CONTAINS PROTECTED HEALTH INFORMATION"));
    assert!(
        !html.contains("PWNED-SCRIPT'</script>"),
        "note text must not appear as markup"
    );

    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium for this test"
        );
        eprintln!("chromium not installed; skipping the browser part");
        return;
    };
    let url = format!("file://{}", report.display());

    // The worklist: counts per verdict and every row.
    let (dom, log) = dump_dom(&browser, &url);
    assert!(
        dom.contains("data-ready=\"1\""),
        "page did not finish rendering:\n{log}"
    );
    assert!(
        dom.contains("<title>m53audit review report</title>"),
        "a hostile note changed the title"
    );
    let title = dom
        .split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .unwrap_or("");
    assert!(
        !title.contains("PWNED"),
        "a hostile note executed: title {title}"
    );
    assert!(
        dom.contains("data-verdict=\"supported\" data-count=\"2\""),
        "counts: {dom}"
    );
    assert!(dom.contains("data-verdict=\"error\" data-count=\"1\""));
    assert!(dom.contains("data-verdict=\"disagree\" data-count=\"1\""));
    assert_eq!(count_attr(&dom, "<tr data-idx="), 5);
    assert!(!dom.contains("<img"), "the hostile id became an element");
    assert!(
        dom.contains("&lt;img src=x onerror="),
        "the hostile id is shown as text"
    );
    for line in log.lines() {
        assert!(
            !(line.contains("CONSOLE") && (line.contains("Error") || line.contains("Uncaught"))),
            "console error: {line}"
        );
    }

    // A filter, applied through the page's URL state.
    let (dom, _) = dump_dom(&browser, &format!("{url}#verdict=supported"));
    assert!(
        dom.contains("data-count=\"2\">2 of 5 notes"),
        "filtered count: {dom}"
    );
    assert_eq!(count_attr(&dom, "<tr data-idx="), 2);
    assert_eq!(
        count_attr(&dom, "<span class=\"v v-supported\">supported</span></td>"),
        2
    );
    let (dom, _) = dump_dom(&browser, &format!("{url}#disagree=1"));
    assert_eq!(count_attr(&dom, "<tr data-idx="), 1);
    assert!(dom.contains("<td>ok-2</td>"));

    // A note: highlighted spans by category and assertion.
    let (dom, log) = dump_dom(&browser, &format!("{url}#note=ok-1"));
    assert!(
        dom.contains("data-note-ready=\"ok-1\""),
        "note did not open:\n{log}"
    );
    assert!(
        dom.contains("data-assertion=\"negated\" data-category=\"neuro\""),
        "{dom}"
    );
    assert!(
        dom.contains("class=\"ev cat-dorsopathy as-affirmed decisive\""),
        "{dom}"
    );
    assert!(
        dom.contains("data-element=\"pathology\">present</td>")
            || dom.contains("data-element=\"pathology\"")
    );
    assert!(dom.contains("<mark"));
    // Each code with its official description (the tabular extract).
    assert!(
        dom.contains("M53.83 Other specified dorsopathies, cervicothoracic region</p>"),
        "{dom}"
    );

    // A chart-reading discount: the code description in the referral is
    // struck through, its document and reason on hover.
    let (dom, log) = dump_dom(&browser, &format!("{url}#note=ok-3"));
    assert!(
        dom.contains("data-note-ready=\"ok-3\""),
        "note did not open:\n{log}"
    );
    let mark = dom
        .split("<mark ")
        .find(|m| m.contains(">Other specified dorsopathies</mark>"))
        .unwrap_or_else(|| panic!("no mark for the code description:\n{dom}"));
    assert!(
        mark.contains(" discounted\"") || mark.contains(" discounted "),
        "{mark}"
    );
    assert!(
        mark.contains("document 2 order")
            && mark.contains("does not count: a code in an order or billing field"),
        "{mark}"
    );

    // The hostile note opened: its text is text.
    let hostile_hash = HOSTILE_ID
        .replace('%', "%25")
        .replace(' ', "%20")
        .replace('"', "%22")
        .replace('#', "%23")
        .replace('<', "%3C")
        .replace('>', "%3E")
        .replace('\'', "%27")
        .replace('=', "%3D")
        .replace('&', "%26");
    let (dom, _) = dump_dom(&browser, &format!("{url}#note={hostile_hash}"));
    assert!(
        dom.contains("data-note-ready="),
        "hostile note did not open"
    );
    assert!(
        !dom.contains("PWNED-SCRIPT'</script>") && !dom.contains("<img"),
        "hostile markup became elements"
    );
    assert!(dom.contains("&lt;/script&gt;&lt;script&gt;document.title='PWNED-SCRIPT'"));
    assert!(dom.contains("<title>m53audit review report</title>"));
}

#[test]
fn gold_dev_report_opens_without_console_errors() {
    let gold = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/gold-dev.jsonl");
    if !gold.exists() {
        assert!(
            std::env::var_os("M53AUDIT_WITHOUT_SHARED").is_some(),
            "{} is missing: this test needs ../shared beside the repository (set M53AUDIT_WITHOUT_SHARED=1 to skip it knowingly)",
            gold.display()
        );
        eprintln!("M53AUDIT_WITHOUT_SHARED: skipping a test that needs gold-dev.jsonl");
        return;
    }
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium for this test"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("gold.html");
    let st = Command::new(env!("CARGO_BIN_EXE_m53audit"))
        .args(["audit", "-q", "--format", "html", "-o"])
        .arg(&report)
        .arg(&gold)
        .status()
        .unwrap();
    assert!(st.success());
    let url = format!("file://{}", report.display());
    let (dom, log) = dump_dom(&browser, &url);
    assert!(dom.contains("data-ready=\"1\""));
    assert_eq!(count_attr(&dom, "<tr data-idx="), 70);
    assert!(dom.contains("data-verdict=\"more_specific\" data-count=\"21\""));
    let (dom, log2) = dump_dom(&browser, &format!("{url}#note=dev-036"));
    assert!(dom.contains("data-note-ready=\"dev-036\""));
    for line in log.lines().chain(log2.lines()) {
        assert!(
            !(line.contains("CONSOLE") && (line.contains("Error") || line.contains("Uncaught"))),
            "console error: {line}"
        );
    }
}

/// The claim-line view: the worklist's line column and filter, and each
/// line of a note with its result, reason and the elements not met.
#[test]
fn report_shows_claim_lines_and_filters_on_them() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("lines.html");
    let text = "HPI: Neck pain at C7-T1 for 4 months, 7/10, despite physical therapy. NDI 30%.\nAssessment: C7-T1 facet syndrome, non-degenerative.\nProcedure: C7-T1 medial branch block.";
    let notes = [
        serde_json::json!({"id": "l-incomplete", "billed": ["M53.83"], "text": text, "procedures": [{"cpt": "64490"}]}),
        serde_json::json!({"id": "l-esi", "billed": ["M53.83"], "text": text, "procedures": [{"cpt": "62321"}]}),
        serde_json::json!({"id": "l-none", "billed": ["M53.83"], "text": text}),
    ];
    write_report(&report, &notes, 0);
    let Some(browser) = browser_or_skip() else {
        return;
    };
    let url = format!("file://{}", report.display());
    let (dom, log) = dump_dom(&browser, &url);
    assert!(dom.contains("data-ready=\"1\""), "{log}");
    assert!(
        dom.contains("data-verdict=\"lines\" data-count=\"2\""),
        "{dom}"
    );
    assert!(
        dom.contains("<td class=\"line-incomplete\">incomplete</td>"),
        "{dom}"
    );
    assert!(
        dom.contains("<td class=\"line-does_not_fit\">does_not_fit</td>"),
        "{dom}"
    );
    let (dom, _) = dump_dom(&browser, &format!("{url}#lines=1"));
    assert_eq!(count_attr(&dom, "<tr data-idx="), 2, "{dom}");
    assert!(!dom.contains("<td>l-none</td>"));
    let (dom, log) = dump_dom(&browser, &format!("{url}#note=l-incomplete"));
    assert!(dom.contains("data-note-ready=\"l-incomplete\""), "{log}");
    assert!(
        dom.contains("data-cpt=\"64490\" data-result=\"incomplete\""),
        "{dom}"
    );
    assert!(
        dom.contains("data-element=\"image_guidance\" data-status=\"missing\""),
        "{dom}"
    );
    assert!(
        dom.contains("data-element=\"pain_duration\" data-status=\"met\""),
        "{dom}"
    );
    assert!(dom.contains("<q>4 months</q>"), "{dom}");
    let (dom, _) = dump_dom(&browser, &format!("{url}#note=l-esi"));
    assert!(
        dom.contains("data-cpt=\"62321\" data-result=\"does_not_fit\""),
        "{dom}"
    );
}

/// The CDI reviewer's day: the worklist opens on the work (a billed-code
/// disagreement first, then a note with a query, the complete note last),
/// codes carry their descriptions and the rows their reasons; a checklist
/// status in words links to its evidence; a billed-code disagreement is
/// stated as a finding; a query quotes its indicators, highlighted in the
/// note, and its copy button copies the whole query as plain text.
#[test]
fn report_opens_on_the_work_and_its_queries_copy_whole() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("cdi.html");
    let notes = [
        serde_json::json!({"id": "complete", "billed": ["M53.83"], "text": "HPI: Neck pain at C7-T1 for 6 months despite physical therapy.\nExam: C7-T1 facet tenderness. No radicular symptoms.\nImaging: MRI 01/2026: no disc herniation at C7-T1.\nAssessment: C7-T1 facet syndrome, non-degenerative. No radiculopathy or myelopathy."}),
        serde_json::json!({"id": "neuro", "text": "Exam: numbness in the small finger, positive Spurling's on the left.\nAssessment: C7-T1 facet syndrome, non-degenerative, neck pain for 4 months."}),
        serde_json::json!({"id": "disagree", "billed": ["M53.83"], "text": "Imaging: MRI: C7-T1 disc herniation.\nAssessment: C7-T1 disc herniation."}),
    ];
    write_report(&report, &notes, 0);
    let Some(browser) = browser_or_skip() else {
        return;
    };
    let url = format!("file://{}", report.display());
    let (dom, log) = dump_dom(&browser, &url);
    assert!(dom.contains("data-ready=\"1\""), "{log}");
    let order: Vec<&str> = dom
        .split("<tr data-idx=")
        .skip(1)
        .filter_map(|r| r.split("<td>").nth(1)?.split("</td>").next())
        .collect();
    assert_eq!(order, ["disagree", "neuro", "complete"], "{dom}");
    assert!(dom.contains("<div class=\"desc\">M50.23 Other cervical disc displacement, cervicothoracic region</div>"), "{dom}");
    assert!(
        dom.contains("<td class=\"reason\">Disc herniation"),
        "{dom}"
    );
    // The order by column, and back to the work, through the URL.
    let (dom, _) = dump_dom(&browser, &format!("{url}#sort=0&dir=1"));
    assert!(dom.find("<td>complete</td>") < dom.find("<td>disagree</td>"));

    // A checklist status in words, linked to its evidence.
    let (dom, log) = dump_dom(&browser, &format!("{url}#note=neuro&el=pathology&copy=0"));
    assert!(dom.contains("data-note-ready=\"neuro\""), "{log}");
    assert!(
        dom.contains("data-element=\"neuro_excluded\" data-status=\"absent\">not documented</td>"),
        "{dom}"
    );
    let target = dom
        .split("data-element=\"pathology\"")
        .nth(1)
        .and_then(|t| t.split("data-target=\"").nth(1))
        .and_then(|t| t.split('"').next())
        .unwrap_or_else(|| panic!("no evidence link for pathology: {dom}"));
    assert!(dom.contains(&format!("data-focused=\"{target}\"")), "{dom}");
    assert!(
        dom.contains(&format!("id=\"{target}\">facet syndrome</mark>")),
        "{dom}"
    );
    assert!(
        dom.contains("class=\"ev cat-dorsopathy as-affirmed decisive focused\""),
        "{dom}"
    );
    // The query: its indicators highlighted, the whole query copied.
    assert!(
        dom.contains("data-kind=\"neuro_suggested\" data-format=\"multiple_choice\""),
        "{dom}"
    );
    assert!(dom.contains("data-query=\"0\">numbness</mark>"), "{dom}");
    let copied = dom
        .split("data-copied=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap_or_else(|| panic!("nothing copied: {dom}"));
    assert!(
        copied.starts_with("The record documents &amp;quot;numbness&amp;quot;")
            || copied.starts_with("The record documents &quot;numbness&quot;"),
        "{copied}"
    );
    assert!(
        copied.contains("[ ] radiculopathy (please specify the level)")
            && copied.contains("[ ] clinically undetermined"),
        "{copied}"
    );
    assert!(dom.contains("data-copied-query=\"0\""));

    // A billed-code disagreement is stated as a finding in the note view.
    let (dom, _) = dump_dom(&browser, &format!("{url}#note=disagree"));
    assert!(
        dom.contains(
            "<p id=\"note-finding\">Finding: billed M53.83; the documentation supports M50.23"
        ),
        "{dom}"
    );
    assert!(dom.contains("data-element=\"disc_excluded\" data-status=\"negated\"><button class=\"to-evidence\" type=\"button\" data-target="), "{dom}");
    assert!(
        dom.contains(">contradicted by \u{201c}disc herniation\u{201d}</button>"),
        "{dom}"
    );
    // The complete note has no query.
    let (dom, _) = dump_dom(&browser, &format!("{url}#note=complete"));
    assert!(
        dom.contains("none: the documentation does not leave the code open"),
        "{dom}"
    );
}
