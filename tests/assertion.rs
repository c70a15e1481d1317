//! The assertion classes other engines' test suites exercise
//! (`tests/assertion/classes.tsv`, sentences written for this project):
//! every row, counter-examples included, gets its expected label through
//! the same path as `m53audit assert`.

use m53audit::commands::negex::{assert_value, AssertOut};
use m53audit::{Auditor, Lexicons};

struct Case {
    line: usize,
    class: String,
    text: String,
    target: String,
    expect: String,
}

fn cases() -> Vec<Case> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/assertion/classes.tsv");
    let text = std::fs::read_to_string(path).expect("tests/assertion/classes.tsv");
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.starts_with("class\t") && !l.trim().is_empty())
        .map(|(i, l)| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 4, "classes.tsv:{}: four columns", i + 1);
            Case {
                line: i + 1,
                class: f[0].to_string(),
                text: f[1].strip_prefix("counter: ").unwrap_or(f[1]).to_string(),
                target: f[2].to_string(),
                expect: f[3].to_string(),
            }
        })
        .collect()
}

/// The label as the record names it (the same precedence as
/// `Assertion::label`).
fn label(o: &AssertOut) -> &'static str {
    if o.family {
        "family"
    } else if o.negated {
        "negated"
    } else if o.uncertain {
        "uncertain"
    } else if o.hypothetical {
        "hypothetical"
    } else if o.historical {
        "historical"
    } else {
        "affirmed"
    }
}

#[test]
fn every_class_gets_its_label_and_counter_examples_keep_theirs() {
    let auditor = Auditor::new(Lexicons::builtin());
    let cases = cases();
    assert!(cases.len() >= 40, "the case file is read");
    let mut wrong = Vec::new();
    for c in &cases {
        let v = serde_json::json!({"id": c.line.to_string(), "text": c.text, "target": c.target});
        let out = assert_value(&auditor, &v, c.line).expect("target in its sentence");
        if label(&out) != c.expect {
            wrong.push(format!(
                "classes.tsv:{} [{}] {:?} / {:?}: {} (expected {})",
                c.line,
                c.class,
                c.text,
                c.target,
                label(&out),
                c.expect
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_clause_final_no_negates_but_a_no_that_goes_on_does_not() {
    let auditor = Auditor::new(Lexicons::builtin());
    let run = |text: &str, target: &str| {
        let v = serde_json::json!({"id": "x", "text": text, "target": target});
        label(&assert_value(&auditor, &v, 1).unwrap())
    };
    assert_eq!(run("Radiculopathy: no.", "Radiculopathy"), "negated");
    assert_eq!(run("Fever: no, chills: no.", "Fever"), "negated");
    assert_eq!(
        run("Radiculopathy: negative; myelopathy: no.", "myelopathy"),
        "negated"
    );
    assert_eq!(run("Pain: no radiation.", "Pain"), "affirmed");
}
