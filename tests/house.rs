//! The shape of the code base: the stage folders import one way only, and
//! no function grows past a length a reader can hold beside the DOMAIN.md
//! rule it implements.

use std::path::{Path, PathBuf};

/// The library's top-level modules in pipeline order: each may import only
/// the modules before it (and itself).
const LAYERS: &[&str] = &[
    "text", "spine", "lexicon", "find", "context", "analysis", "decide", "lines", "query",
    "record", "rollup", "io", "commands",
];

/// The longest function allowed in `src/`, in lines.
const MAX_FN_LINES: usize = 150;

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

/// Skips a string, char literal or comment starting at `i`; returns the
/// index after it, or `None` when `i` starts none of them.
fn skip_literal(b: &[u8], i: usize) -> Option<usize> {
    let at = |k: usize| b.get(k).copied().unwrap_or(0);
    match at(i) {
        b'/' if at(i + 1) == b'/' => Some(
            b[i..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |n| i + n),
        ),
        b'r' if at(i + 1) == b'"'
            || (at(i + 1) == b'#' && !at(i.wrapping_sub(1)).is_ascii_alphanumeric()) =>
        {
            let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
            if at(i + 1 + hashes) != b'"' {
                return None;
            }
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat(b'#').take(hashes))
                .collect();
            let body = i + 2 + hashes;
            Some(
                b[body..]
                    .windows(close.len())
                    .position(|w| w == close)
                    .map_or(b.len(), |n| body + n + close.len()),
            )
        }
        b'"' => {
            let mut k = i + 1;
            while k < b.len() && b[k] != b'"' {
                k += if b[k] == b'\\' { 2 } else { 1 };
            }
            Some(k + 1)
        }
        b'\'' if at(i + 1) == b'\\' => {
            Some(i + 2 + b[i + 2..].iter().position(|&c| c == b'\'')? + 1)
        }
        b'\'' if at(i + 2) == b'\'' => Some(i + 3),
        _ => None,
    }
}

/// `(name, first line, lines)` of every `fn` with a body in a source text.
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let b = text.as_bytes();
    let line_of = |i: usize| b[..i].iter().filter(|&&c| c == b'\n').count() + 1;
    let mut out = Vec::new();
    let mut open: Vec<Option<(String, usize)>> = Vec::new();
    let mut pending: Option<(String, usize)> = None;
    let mut i = 0;
    while i < b.len() {
        if let Some(next) = skip_literal(b, i) {
            i = next;
            continue;
        }
        let word_start = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        if word_start && b[i..].starts_with(b"fn ") {
            let name: String = text[i + 3..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            pending = Some((name, line_of(i)));
        }
        match b[i] {
            b'{' => open.push(pending.take()),
            b'}' => {
                if let Some(Some((name, first))) = open.pop() {
                    out.push((name, first, line_of(i) - first + 1));
                }
            }
            b';' => pending = None,
            _ => {}
        }
        i += 1;
    }
    out
}

#[test]
fn function_lengths_are_measured_right() {
    let text = "fn a() {\n    let s = \"}\";\n    let c = '}';\n}\nfn b<'x>(v: &'x str) -> usize {\n    // }\n    v.len()\n}\ntrait T { fn c(&self); }\n";
    assert_eq!(
        functions(text),
        [("a".to_string(), 1, 4), ("b".to_string(), 5, 4)]
    );
}

#[test]
fn no_function_is_longer_than_a_reader_can_follow() {
    let mut long = Vec::new();
    for (rel, text) in src_files() {
        for (name, first, lines) in functions(&text) {
            if lines > MAX_FN_LINES {
                long.push(format!("src/{rel}:{first} fn {name}: {lines} lines"));
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions over {MAX_FN_LINES} lines:\n{}",
        long.join("\n")
    );
}
