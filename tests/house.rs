//! The shape of the code base: the stage folders import one way only.

use std::path::{Path, PathBuf};

/// The library's top-level modules in pipeline order: each may import only
/// the modules before it (and itself).
const LAYERS: &[&str] = &[
    "text", "spine", "lexicon", "find", "context", "analysis", "decide", "record", "io", "commands",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn src_files() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// The top-level module a file of `src/` belongs to (`None`: the crate root
/// and the binary).
fn module_of(rel: &str) -> Option<&str> {
    let first = rel.split('/').next()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib" && name != "main").then_some(name)
}

/// Every `crate::NAME` a source text names (in `use` lines and paths).
fn crate_refs(text: &str) -> Vec<String> {
    let mut refs = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '{')
            .collect();
        refs.push(name);
        rest = after;
    }
    refs
}

#[test]
fn stages_import_only_the_stages_before_them() {
    let mut wrong = Vec::new();
    for (rel, text) in src_files() {
        let Some(module) = module_of(&rel) else {
            continue;
        };
        let rank = LAYERS
            .iter()
            .position(|l| *l == module)
            .unwrap_or_else(|| panic!("src/{rel}: module `{module}` is not in LAYERS"));
        for name in crate_refs(&text) {
            match LAYERS.iter().position(|l| *l == name) {
                Some(r) if r <= rank => {}
                Some(_) => wrong.push(format!("src/{rel} ({module}) imports crate::{name}")),
                None => wrong.push(format!(
                    "src/{rel} names crate::{name}: name a stage module, not a re-export"
                )),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the pipeline's direction:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_layer_check_sees_an_upward_import() {
    // The check above must be able to fail: a lexicon file naming the
    // decision stage is caught.
    let refs = crate_refs("use crate::decide::ELEMENTS;\nlet x = crate::text::tokens(s);");
    assert_eq!(refs, ["decide", "text"]);
    assert!(
        LAYERS.iter().position(|l| *l == "decide") > LAYERS.iter().position(|l| *l == "lexicon")
    );
}
