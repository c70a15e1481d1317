//! The decision table against the tabular list (DOMAIN.md, "When a more
//! specific code applies"): every reportable code is in the embedded
//! extract with its official description; the embedded extract is the
//! shared one; combination codes come alone.

use m53audit::{Auditor, Lexicons, Note};

fn codes(auditor: &Auditor, text: &str) -> Vec<String> {
    auditor
        .audit(&Note {
            id: "t".into(),
            text: text.into(),
            billed: vec![],
            setting: None,
            procedures: vec![],
        })
        .codes
}

#[test]
fn every_reportable_code_is_in_the_tabular() {
    let lex = Lexicons::builtin();
    let mut reportable: Vec<&str> = lex
        .table
        .iter()
        .map(|r| r.code.as_str())
        .filter(|c| *c != m53audit::lexicon::NO_CODE)
        .collect();
    for r in &lex.regions {
        reportable.push(&r.m53_code);
        reportable.extend(r.pain_code.as_deref());
    }
    assert!(reportable.len() > 30);
    for code in reportable {
        let entry = lex
            .tabular
            .get(code)
            .unwrap_or_else(|| panic!("{code} not in tabular.tsv"));
        assert_eq!(
            entry.billable,
            !code.ends_with('-'),
            "{code}: a billable code or a category written with `-`"
        );
        assert!(!entry.description.is_empty());
    }
    assert_eq!(
        lex.tabular.description("M53.83"),
        Some("Other specified dorsopathies, cervicothoracic region")
    );
}

/// The embedded extract is `../shared/icd10cm/icd10cm_spine.json`, code by
/// code (billable flag and description verbatim).
#[test]
fn embedded_tabular_matches_the_shared_extract() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/icd10cm/icd10cm_spine.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!("this test needs ../shared/icd10cm/icd10cm_spine.json beside the repository: {e}")
    });
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let lex = Lexicons::builtin();
    let codes = json["codes"].as_array().unwrap();
    assert!(codes.len() > 600);
    for c in codes {
        let code = c["code"].as_str().unwrap();
        let entry = lex
            .tabular
            .get(code)
            .unwrap_or_else(|| panic!("{code} missing from tabular.tsv"));
        assert_eq!(entry.description, c["desc"].as_str().unwrap(), "{code}");
        assert_eq!(entry.billable, c["billable"].as_bool().unwrap(), "{code}");
    }
}

#[test]
fn a_code_outside_the_tabular_is_refused_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let table = "code\twhen\twith\tunless\tsite\tdescription\n\
                 M53.2X3\tinstability\t-\t-\tsegment\tok\n\
                 M48.53\tcollapsed_vertebra\t-\t-\tc7_or_t1\tcategory without its dash\n";
    std::fs::write(dir.path().join("more_specific.tsv"), table).unwrap();
    let err = Lexicons::load(Some(dir.path())).unwrap_err().to_string();
    assert!(
        err.contains("more_specific.tsv:3") && err.contains("M48.53-"),
        "{err}"
    );
    let table = "code\twhen\twith\tunless\tsite\tdescription\n\
                 M53.99\tinstability\t-\t-\tsegment\tno such code\n";
    std::fs::write(dir.path().join("more_specific.tsv"), table).unwrap();
    let err = Lexicons::load(Some(dir.path())).unwrap_err().to_string();
    assert!(
        err.contains("more_specific.tsv:2") && err.contains("not in the ICD-10-CM tabular"),
        "{err}"
    );
}

/// DOMAIN.md: "Combination codes come alone": a radiculopathy or
/// myelopathy with a disc disorder or spondylosis gives the combination
/// code only; a row of another kind that applies is still reported.
#[test]
fn combination_codes_come_alone() {
    let auditor = Auditor::new(Lexicons::builtin());
    let neuro = [
        ("right C8 radiculopathy", 'r'),
        ("cervical myelopathy", 'm'),
    ];
    let with = [
        ("disc herniation", 'd'),
        ("disc degeneration", 'd'),
        ("disc calcification", 'd'),
        ("spondylosis", 's'),
        ("facet arthropathy", 's'),
    ];
    let alone = [
        "M50.23", "M50.33", "M50.83", "M47.813", "M54.13", "G99.2", "M48.03",
    ];
    for (n, nk) in neuro {
        for (w, wk) in with {
            let want = match (nk, wk) {
                ('r', 'd') => "M50.13",
                ('m', 'd') => "M50.03",
                ('r', _) => "M47.23",
                _ => "M47.13",
            };
            let text = format!("Assessment: {n} due to C7-T1 {w}.");
            let got = codes(&auditor, &text);
            assert_eq!(got, vec![want.to_string()], "{text}");
            assert!(got.iter().all(|c| !alone.contains(&c.as_str())), "{text}");
            // Another kind of row is still reported beside it.
            let text = format!("Assessment: {n} due to C7-T1 {w}. C7-T1 anterolisthesis.");
            let got = codes(&auditor, &text);
            assert_eq!(got, vec![want.to_string(), "M43.13".to_string()], "{text}");
        }
    }
}
