//! The ICD-10-CM tabular extract (`tabular.tsv`): every code the auditor
//! can report is checked against it at load (it exists; it is billable, or
//! a category reported on purpose with a trailing `-`), and reports show
//! its official description.

use super::{invalid, LexiconError, Table};

/// One code of the tabular list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TabularCode {
    /// The code, with its dot (`M53.83`, `S13.4`).
    pub code: String,
    /// Valid on a claim as it stands (not a category or subcategory).
    pub billable: bool,
    /// The official long description.
    pub description: String,
}

/// The codes of `tabular.tsv`, sorted by code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tabular {
    codes: Vec<TabularCode>,
}

impl Tabular {
    /// The entry of `code` (a trailing `-` names the category itself).
    pub fn get(&self, code: &str) -> Option<&TabularCode> {
        let code = code.strip_suffix('-').unwrap_or(code);
        self.codes
            .binary_search_by(|c| c.code.as_str().cmp(code))
            .ok()
            .map(|k| &self.codes[k])
    }

    /// The official description of `code`, if the extract has it.
    pub fn description(&self, code: &str) -> Option<&str> {
        self.get(code).map(|c| c.description.as_str())
    }

    /// Why `code` cannot be reported, if it cannot: not in the tabular, a
    /// category written without `-`, or a billable code written with one.
    pub fn check_reportable(&self, code: &str) -> Result<(), String> {
        let Some(c) = self.get(code) else {
            return Err(format!(
                "`{code}` is not in the ICD-10-CM tabular (tabular.tsv)"
            ));
        };
        match (c.billable, code.ends_with('-')) {
            (true, false) | (false, true) => Ok(()),
            (false, false) => Err(format!(
                "`{code}` is a category, not a billable code: write `{code}-` to report the category on purpose"
            )),
            (true, true) => Err(format!(
                "`{code}` is billable: report it without the trailing `-`"
            )),
        }
    }
}

/// Parses `tabular.tsv`.
pub(super) fn parse_tabular(file: &str, text: &str) -> Result<Tabular, LexiconError> {
    let t = Table::parse(file, text, &["code", "billable", "source", "description"])?;
    let mut codes = Vec::with_capacity(t.rows.len());
    for (line, f) in t.rows {
        let code = f[0].trim();
        if !super::is_code(code) {
            return Err(invalid(
                t.file,
                line,
                format!("`{code}` is not an ICD-10-CM code"),
            ));
        }
        let billable = match f[1].trim() {
            "yes" => true,
            "no" => false,
            other => {
                return Err(invalid(
                    t.file,
                    line,
                    format!("billable must be `yes` or `no`, found `{other}`"),
                ))
            }
        };
        if !matches!(f[2].trim(), "extract" | "tabular") {
            return Err(invalid(
                t.file,
                line,
                format!(
                    "source must be `extract` or `tabular`, found `{}`",
                    f[2].trim()
                ),
            ));
        }
        let description = f[3].trim();
        if description.is_empty() {
            return Err(invalid(t.file, line, "empty description"));
        }
        codes.push(TabularCode {
            code: code.to_string(),
            billable,
            description: description.to_string(),
        });
    }
    codes.sort_by(|a, b| a.code.cmp(&b.code));
    if let Some(w) = codes.windows(2).find(|w| w[0].code == w[1].code) {
        return Err(invalid(
            t.file,
            0,
            format!("duplicate code `{}`", w[0].code),
        ));
    }
    Ok(Tabular { codes })
}
