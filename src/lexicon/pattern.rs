//! Lexicon patterns: a literal phrase (normalised as note text is) or a
//! regular expression (`re:`), and how a regular expression is compiled.

use super::{invalid, LexiconError};
use regex::Regex;

/// A pattern from a lexicon: a literal phrase or a regular expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    /// Literal phrase, matched case-insensitively at word boundaries.
    Literal(String),
    /// Regular expression (`re:` prefix in the file), case-insensitive by default.
    Regex(String),
}

impl Pattern {
    pub(crate) fn parse(raw: &str, file: &str, line: usize) -> Result<Pattern, LexiconError> {
        if let Some(re) = raw.strip_prefix("re:") {
            compile_regex(re)
                .map_err(|e| invalid(file, line, format!("invalid regular expression: {e}")))?;
            Ok(Pattern::Regex(re.to_string()))
        } else {
            let lit = raw.trim();
            if lit.is_empty() {
                return Err(invalid(file, line, "empty pattern"));
            }
            Ok(Pattern::Literal(crate::text::normalize_phrase(lit)))
        }
    }
}

impl Pattern {
    pub(crate) fn key(self) -> String {
        match self {
            Pattern::Literal(s) => s,
            Pattern::Regex(s) => format!("re:{s}"),
        }
    }
}

/// Compiles a lexicon regular expression: case-insensitive, with `\b`,
/// `\d` and `\w` in their ASCII forms so that the lazy DFA can run it on
/// any text (Unicode word boundaries force a much slower engine).
pub fn compile_regex(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&format!("(?i){}", asciify(pattern)))
}

/// Rewrites `\b`, `\d`, `\w` to their ASCII forms (outside classes).
pub fn asciify(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('b') if !in_class => out.push_str("(?-u:\\b)"),
                Some('d') => out.push_str(if in_class { "0-9" } else { "[0-9]" }),
                Some('w') => out.push_str(if in_class {
                    "0-9A-Za-z_"
                } else {
                    "[0-9A-Za-z_]"
                }),
                Some(o) => {
                    out.push('\\');
                    out.push(o);
                }
                None => out.push('\\'),
            }
            continue;
        }
        if c == '[' && !in_class {
            in_class = true;
        } else if c == ']' && in_class {
            in_class = false;
        }
        out.push(c);
    }
    out
}
