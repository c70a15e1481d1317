//! The claim-line policy (`policy.tsv`: procedure families, the diagnoses
//! that fit them, the elements they require) and the words the elements
//! are read from (`line_cues.tsv`), validated at load.

use super::{invalid, ConceptEntry, LexiconError, Pattern, Table};

/// An element a family may require (the `requires` rows' `what`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ElementKind {
    /// The pain's duration reaches a threshold.
    PainDuration,
    /// A pain score (out of 10), at least a threshold when one is given.
    PainScale,
    /// A functional or disability measure.
    FunctionMeasure,
    /// Conservative care tried and failed.
    ConservativeCareFailed,
    /// No affirmed radiculopathy.
    NoRadiculopathy,
    /// No affirmed or suspected fracture, tumour or infection.
    NoRedFlags,
    /// The procedure was image guided, by an accepted modality.
    ImageGuidance,
    /// At most this many levels were treated.
    LevelsTreated,
    /// Diagnostic blocks with their relief.
    DiagnosticBlocks,
    /// A prior ablation's relief and how long it lasted.
    PriorAblationRelief,
    /// Radicular findings on history or exam.
    RadicularFindings,
    /// A nerve-root finding on imaging.
    ConcordantImaging,
    /// A plan of care.
    PlanOfCare,
    /// Measurable functional goals.
    FunctionalGoals,
    /// Treatment frequency and duration.
    FrequencyDuration,
    /// A subluxation by X-ray or by PART findings.
    Subluxation,
    /// Active treatment, not maintenance.
    ActiveTreatment,
    /// Somatic dysfunction named by region.
    SomaticDysfunction,
    /// TART findings.
    TartFindings,
    /// The number of regions treated matches the code.
    RegionsTreated,
    /// The reason for an imaging study.
    ImagingReason,
    /// Advanced imaging indicated: radiographs first, or radicular or red-flag findings.
    ImagingIndicated,
}

/// Every element, with its name in files and records.
pub const ELEMENT_NAMES: &[(ElementKind, &str)] = &[
    (ElementKind::PainDuration, "pain_duration"),
    (ElementKind::PainScale, "pain_scale"),
    (ElementKind::FunctionMeasure, "function_measure"),
    (
        ElementKind::ConservativeCareFailed,
        "conservative_care_failed",
    ),
    (ElementKind::NoRadiculopathy, "no_radiculopathy"),
    (ElementKind::NoRedFlags, "no_red_flags"),
    (ElementKind::ImageGuidance, "image_guidance"),
    (ElementKind::LevelsTreated, "levels_treated"),
    (ElementKind::DiagnosticBlocks, "diagnostic_blocks"),
    (ElementKind::PriorAblationRelief, "prior_ablation_relief"),
    (ElementKind::RadicularFindings, "radicular_findings"),
    (ElementKind::ConcordantImaging, "concordant_imaging"),
    (ElementKind::PlanOfCare, "plan_of_care"),
    (ElementKind::FunctionalGoals, "functional_goals"),
    (ElementKind::FrequencyDuration, "frequency_duration"),
    (ElementKind::Subluxation, "subluxation"),
    (ElementKind::ActiveTreatment, "active_treatment"),
    (ElementKind::SomaticDysfunction, "somatic_dysfunction"),
    (ElementKind::TartFindings, "tart_findings"),
    (ElementKind::RegionsTreated, "regions_treated"),
    (ElementKind::ImagingReason, "imaging_reason"),
    (ElementKind::ImagingIndicated, "imaging_indicated"),
];

impl ElementKind {
    /// Its name in files and records.
    pub fn name(self) -> &'static str {
        ELEMENT_NAMES
            .iter()
            .find(|(k, _)| *k == self)
            .map_or("", |(_, n)| n)
    }

    fn parse(s: &str) -> Option<Self> {
        ELEMENT_NAMES.iter().find(|(_, n)| *n == s).map(|(k, _)| *k)
    }
}

/// Image guidance modalities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Modality {
    /// Fluoroscopy (C-arm).
    Fluoroscopy,
    /// Computed tomography.
    Ct,
    /// Ultrasound.
    Ultrasound,
}

impl Modality {
    /// Its name in files and records.
    pub fn name(self) -> &'static str {
        match self {
            Modality::Fluoroscopy => "fluoroscopy",
            Modality::Ct => "ct",
            Modality::Ultrasound => "ultrasound",
        }
    }
}

/// A requirement's threshold (the `limit` column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Limit {
    /// None (`-`).
    None,
    /// A duration, in days.
    Days(u32),
    /// A number (a pain score, levels, PART findings).
    Number(u32),
    /// `N x P%`: this many blocks, each with at least this relief.
    Blocks {
        /// Blocks needed.
        count: u32,
        /// Relief each gave, percent.
        percent: u32,
    },
    /// `P% x D`: at least this relief for at least this long.
    Relief {
        /// Relief, percent.
        percent: u32,
        /// For at least this many days.
        days: u32,
    },
    /// Accepted guidance.
    Modalities(Vec<Modality>),
}

/// One element of a requirement, with its threshold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    /// The element.
    pub kind: ElementKind,
    /// Its threshold.
    pub limit: Limit,
}

/// A `requires` row: the elements any one of which meets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The alternatives (one, usually).
    pub any_of: Vec<Need>,
    /// Where it is written (`file:line`).
    pub rule: String,
    /// Its words.
    pub note: String,
}

/// How a fitting code is shown to be documented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentedBy {
    /// The auditor decides it (it must be among the record's codes).
    Auditor,
    /// Among the record's codes, or one of these concepts (names of
    /// `concepts.tsv`) affirmed and current.
    Concepts(Vec<String>),
    /// The claim's word; the family's elements check it.
    Claim,
}

/// Where a fitting code may stand on the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Anywhere.
    Any,
    /// First (the primary diagnosis).
    Primary,
    /// After a primary code.
    Secondary,
}

/// A `fits` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fit {
    /// Code patterns (a category ends in `-`), upper case without dots.
    pub codes: Vec<String>,
    /// How a code is documented.
    pub documented_by: DocumentedBy,
    /// Where it may stand.
    pub role: Role,
    /// Where it is written.
    pub rule: String,
    /// Its words.
    pub note: String,
}

impl Fit {
    /// Does `code` match one of the row's patterns?
    pub fn matches(&self, code: &str) -> bool {
        let key = code_key(code);
        self.codes.iter().any(|p| match p.strip_suffix('-') {
            Some(prefix) => key.starts_with(prefix),
            None => key == *p,
        })
    }
}

/// A CPT code of a family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cpt {
    /// The code.
    pub code: String,
    /// No diagnosis makes it fit.
    pub not_covered: bool,
    /// The body regions the code is for (osteopathic treatment).
    pub regions: Option<(u32, u32)>,
    /// The level the code is for (an add-on code for a second level: 2),
    /// so that many levels must be documented.
    pub level: Option<u32>,
    /// Where it is written.
    pub rule: String,
    /// Its words.
    pub note: String,
}

/// A procedure family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Family {
    /// Its name.
    pub name: String,
    /// Its label.
    pub label: String,
    /// Where it is declared.
    pub rule: String,
    /// Its CPT codes.
    pub cpts: Vec<Cpt>,
    /// The diagnoses that fit it.
    pub fits: Vec<Fit>,
    /// What it requires.
    pub requires: Vec<Requirement>,
}

/// The whole policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// The families, in file order.
    pub families: Vec<Family>,
}

impl Policy {
    /// The family and CPT row of a procedure code.
    pub fn find(&self, cpt: &str) -> Option<(&Family, &Cpt)> {
        let cpt = cpt.trim();
        self.families
            .iter()
            .find_map(|f| f.cpts.iter().find(|c| c.code == cpt).map(|c| (f, c)))
    }
}

/// A code as compared: upper case, no dots, trimmed.
pub fn code_key(code: &str) -> String {
    code.trim().to_ascii_uppercase().replace('.', "")
}

/// Parses `policy.tsv`.
pub fn parse_policy(
    file: &str,
    text: &str,
    concepts: &[ConceptEntry],
) -> Result<Policy, LexiconError> {
    let t = Table::parse(file, text, &["kind", "family", "what", "limit", "note"])?;
    let mut policy = Policy::default();
    for (line, f) in t.rows {
        let (kind, family, what, limit, note) = (
            f[0].trim(),
            f[1].trim(),
            f[2].trim(),
            f[3].trim(),
            f[4].trim(),
        );
        let rule = format!("{file}:{line}");
        if kind == "family" {
            if !is_name(family) {
                return Err(invalid(
                    file,
                    line,
                    format!("family `{family}` must be lower-case letters and underscores"),
                ));
            }
            if policy.families.iter().any(|x| x.name == family) {
                return Err(invalid(
                    file,
                    line,
                    format!("family `{family}` is declared twice"),
                ));
            }
            policy.families.push(Family {
                name: family.to_string(),
                label: note.to_string(),
                rule,
                cpts: Vec::new(),
                fits: Vec::new(),
                requires: Vec::new(),
            });
            continue;
        }
        if kind == "cpt" && policy.find(what).is_some() {
            return Err(invalid(
                file,
                line,
                format!("CPT {what} is in two rows (a code belongs to one family)"),
            ));
        }
        let Some(fam) = policy.families.iter_mut().find(|x| x.name == family) else {
            return Err(invalid(
                file,
                line,
                format!("family `{family}` is not declared by a `family` row above"),
            ));
        };
        let note = note.to_string();
        match kind {
            "cpt" => fam.cpts.push(parse_cpt(file, line, what, limit, rule, note)?),
            "fits" | "fits_primary" | "fits_secondary" => {
                let role = match kind {
                    "fits_primary" => Role::Primary,
                    "fits_secondary" => Role::Secondary,
                    _ => Role::Any,
                };
                let documented_by = parse_documented_by(file, line, limit, concepts)?;
                let codes = parse_codes(file, line, what)?;
                fam.fits.push(Fit { codes, documented_by, role, rule, note });
            }
            "requires" => fam.requires.push(parse_requirement(file, line, what, limit, rule, note)?),
            other => {
                return Err(invalid(file, line, format!("unknown kind `{other}` (expected family, cpt, fits, fits_primary, fits_secondary or requires)")))
            }
        }
    }
    if let Some(f) = policy
        .families
        .iter()
        .find(|f| f.cpts.is_empty() || f.fits.is_empty())
    {
        let line = f
            .rule
            .rsplit(':')
            .next()
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        return Err(invalid(
            file,
            line,
            format!(
                "family `{}` needs at least one cpt row and one fits row",
                f.name
            ),
        ));
    }
    Ok(policy)
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

fn parse_cpt(
    file: &str,
    line: usize,
    code: &str,
    limit: &str,
    rule: String,
    note: String,
) -> Result<Cpt, LexiconError> {
    let b = code.as_bytes();
    if b.len() != 5 || !b[..4].iter().all(u8::is_ascii_digit) || !b[4].is_ascii_alphanumeric() {
        return Err(invalid(
            file,
            line,
            format!("`{code}` is not a CPT code (five characters, four digits first)"),
        ));
    }
    let (mut not_covered, mut regions, mut level) = (false, None, None);
    match limit {
        "-" => {}
        "not_covered" => not_covered = true,
        l if l.starts_with("level=") => match l["level=".len()..].parse::<u32>() {
            Ok(n) if n >= 1 => level = Some(n),
            _ => {
                return Err(invalid(
                    file,
                    line,
                    format!("cpt limit `{l}` must be level=N (N at least 1)"),
                ))
            }
        },
        l => {
            let range = l.strip_prefix("regions=").and_then(|r| r.split_once('-'));
            let parsed = range.and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)));
            match parsed {
                Some((a, b)) if a <= b => regions = Some((a, b)),
                _ => {
                    return Err(invalid(
                        file,
                        line,
                        format!("cpt limit `{l}` must be -, not_covered, level=N or regions=A-B"),
                    ))
                }
            }
        }
    }
    Ok(Cpt {
        code: code.to_string(),
        not_covered,
        regions,
        level,
        rule,
        note,
    })
}

fn parse_codes(file: &str, line: usize, what: &str) -> Result<Vec<String>, LexiconError> {
    let mut out = Vec::new();
    for raw in what.split('|').map(str::trim) {
        let key = code_key(raw);
        let body = key.strip_suffix('-').unwrap_or(&key);
        let ok = body.len() >= 3
            && body.as_bytes()[0].is_ascii_uppercase()
            && body.as_bytes()[1].is_ascii_digit()
            && body.bytes().all(|b| b.is_ascii_alphanumeric());
        if !ok {
            return Err(invalid(
                file,
                line,
                format!("`{raw}` is not an ICD-10-CM code or a category ending in -"),
            ));
        }
        out.push(key);
    }
    Ok(out)
}

fn parse_documented_by(
    file: &str,
    line: usize,
    limit: &str,
    concepts: &[ConceptEntry],
) -> Result<DocumentedBy, LexiconError> {
    match limit {
        "-" => Ok(DocumentedBy::Auditor),
        "claim" => Ok(DocumentedBy::Claim),
        l => {
            let mut ids = Vec::new();
            for name in l.split('|').map(str::trim) {
                match concepts.iter().find(|c| c.concept == name) {
                    Some(c) => ids.push(c.concept.clone()),
                    None => return Err(invalid(file, line, format!("`{name}` is not a concept of concepts.tsv (a fits row's limit is -, claim or concept names)"))),
                }
            }
            Ok(DocumentedBy::Concepts(ids))
        }
    }
}

fn parse_requirement(
    file: &str,
    line: usize,
    what: &str,
    limit: &str,
    rule: String,
    note: String,
) -> Result<Requirement, LexiconError> {
    let kinds: Vec<&str> = what.split('|').map(str::trim).collect();
    // One element takes the whole limit (guidance lists use | too).
    let limits: Vec<&str> = if limit == "-" {
        vec!["-"; kinds.len()]
    } else if kinds.len() == 1 {
        vec![limit]
    } else {
        limit.split('|').map(str::trim).collect()
    };
    if limits.len() != kinds.len() {
        return Err(invalid(
            file,
            line,
            format!(
                "{} elements but {} limits (separate both with |, or give -)",
                kinds.len(),
                limits.len()
            ),
        ));
    }
    let mut any_of = Vec::new();
    for (k, l) in kinds.iter().zip(&limits) {
        let kind = ElementKind::parse(k).ok_or_else(|| {
            invalid(
                file,
                line,
                format!("unknown element `{k}` (see the file's header for the elements)"),
            )
        })?;
        let limit =
            parse_limit(kind, l).map_err(|m| invalid(file, line, format!("element `{k}`: {m}")))?;
        any_of.push(Need { kind, limit });
    }
    Ok(Requirement { any_of, rule, note })
}

/// The limit of `kind` from its text.
fn parse_limit(kind: ElementKind, s: &str) -> Result<Limit, String> {
    use ElementKind as E;
    let number = |s: &str| {
        s.trim()
            .parse::<u32>()
            .map_err(|_| format!("`{s}` is not a whole number"))
    };
    let percent = |s: &str| number(s.trim().trim_end_matches('%'));
    match (kind, s) {
        (E::PainDuration, "-") => Err("needs a duration (3 months)".into()),
        (E::PainDuration | E::ConservativeCareFailed, d) if d != "-" => {
            parse_days(d).map(Limit::Days)
        }
        (E::LevelsTreated | E::Subluxation, "-") => Err("needs a number".into()),
        (E::PainScale | E::LevelsTreated | E::Subluxation, n) if n != "-" => {
            let v = number(n)?;
            if kind == E::PainScale && v > 10 {
                return Err("a pain score is out of 10".into());
            }
            Ok(Limit::Number(v))
        }
        (E::DiagnosticBlocks, b) => {
            let (c, p) = b.split_once('x').ok_or("needs `N x P%` (2 x 80%)")?;
            Ok(Limit::Blocks {
                count: number(c)?,
                percent: percent(p)?,
            })
        }
        (E::PriorAblationRelief, r) => {
            let (p, d) = r
                .split_once('x')
                .ok_or("needs `P% x duration` (50% x 6 months)")?;
            Ok(Limit::Relief {
                percent: percent(p)?,
                days: parse_days(d)?,
            })
        }
        (E::ImageGuidance, "-") => Err("needs the accepted guidance (fluoroscopy|ct)".into()),
        (E::ImageGuidance, m) => m
            .split(['|', ',', ' ', '+'])
            .filter(|x| !x.is_empty())
            .map(|x| match x {
                "fluoroscopy" => Ok(Modality::Fluoroscopy),
                "ct" => Ok(Modality::Ct),
                "ultrasound" => Ok(Modality::Ultrasound),
                o => Err(format!(
                    "unknown guidance `{o}` (fluoroscopy, ct, ultrasound)"
                )),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Limit::Modalities),
        (_, "-") => Ok(Limit::None),
        (_, o) => Err(format!("takes no limit (found `{o}`; use -)")),
    }
}

/// Days in `N days|weeks|months|years` (a month is 30 days, a year 365).
fn parse_days(s: &str) -> Result<u32, String> {
    let mut parts = s.split_whitespace();
    let n: u32 = parts
        .next()
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("`{s}` must be a number and a unit (3 months)"))?;
    let unit = parts.next().unwrap_or("");
    let per = match unit.trim_end_matches('s') {
        "day" => 1,
        "week" => 7,
        "month" => 30,
        "year" => 365,
        _ => {
            return Err(format!(
                "`{s}`: the unit must be days, weeks, months or years"
            ))
        }
    };
    Ok(n * per)
}

/// What a line cue marks (the `cue` column of `line_cues.tsv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum Cue {
    Block,
    Ablation,
    Relief,
    GuidanceFluoroscopy,
    GuidanceCt,
    GuidanceUltrasound,
    CareFailed,
    FunctionMeasure,
    FunctionLimit,
    Strength,
    PainScore,
    PainWord,
    SymptomField,
    RedFlag,
    Radicular,
    RootImaging,
    Maintenance,
    FindingTenderness,
    FindingAsymmetry,
    FindingMotion,
    FindingTissue,
    Subluxation,
    SomaticDysfunction,
    Body(u8),
    PlanOfCare,
    Goal,
    Measurable,
    Frequency,
    ImagingReason,
}

/// The ten body regions of osteopathic treatment, as cue names.
pub const BODY_REGIONS: [&str; 10] = [
    "head",
    "cervical",
    "thoracic",
    "lumbar",
    "sacral",
    "pelvic",
    "lower_extremity",
    "upper_extremity",
    "rib",
    "abdomen",
];

const CUE_NAMES: &[(Cue, &str)] = &[
    (Cue::Block, "block"),
    (Cue::Ablation, "ablation"),
    (Cue::Relief, "relief"),
    (Cue::GuidanceFluoroscopy, "guidance_fluoroscopy"),
    (Cue::GuidanceCt, "guidance_ct"),
    (Cue::GuidanceUltrasound, "guidance_ultrasound"),
    (Cue::CareFailed, "care_failed"),
    (Cue::FunctionMeasure, "function_measure"),
    (Cue::FunctionLimit, "function_limit"),
    (Cue::Strength, "strength"),
    (Cue::PainScore, "pain_score"),
    (Cue::PainWord, "pain_word"),
    (Cue::SymptomField, "symptom_field"),
    (Cue::RedFlag, "red_flag"),
    (Cue::Radicular, "radicular"),
    (Cue::RootImaging, "root_imaging"),
    (Cue::Maintenance, "maintenance"),
    (Cue::FindingTenderness, "finding_tenderness"),
    (Cue::FindingAsymmetry, "finding_asymmetry"),
    (Cue::FindingMotion, "finding_motion"),
    (Cue::FindingTissue, "finding_tissue"),
    (Cue::Subluxation, "subluxation"),
    (Cue::SomaticDysfunction, "somatic_dysfunction"),
    (Cue::PlanOfCare, "plan_of_care"),
    (Cue::Goal, "goal"),
    (Cue::Measurable, "measurable"),
    (Cue::Frequency, "frequency"),
    (Cue::ImagingReason, "imaging_reason"),
];

impl Cue {
    fn parse(s: &str) -> Option<Cue> {
        if let Some(r) = s.strip_prefix("body_") {
            return BODY_REGIONS
                .iter()
                .position(|b| *b == r)
                .map(|i| Cue::Body(i as u8));
        }
        CUE_NAMES.iter().find(|(_, n)| *n == s).map(|(c, _)| *c)
    }
}

/// A row of `line_cues.tsv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CueEntry {
    /// What it marks.
    pub cue: Cue,
    /// The phrase or expression.
    pub pattern: Pattern,
    /// Anchor words of an expression.
    pub anchors: Vec<String>,
}

/// Parses `line_cues.tsv`.
pub fn parse_cues(file: &str, text: &str) -> Result<Vec<CueEntry>, LexiconError> {
    let t = Table::parse(file, text, &["cue", "pattern", "anchors"])?;
    let mut out: Vec<CueEntry> = Vec::new();
    for (line, f) in t.rows {
        let cue = Cue::parse(f[0].trim()).ok_or_else(|| {
            invalid(
                file,
                line,
                format!(
                    "unknown cue `{}` (see the file's header for the cues)",
                    f[0].trim()
                ),
            )
        })?;
        let pattern = Pattern::parse(f[1], file, line)?;
        if out.iter().any(|e| e.pattern == pattern) {
            return Err(invalid(file, line, format!("duplicate pattern `{}`", f[1])));
        }
        let anchors: Vec<String> = match f[2].trim() {
            "-" | "" => Vec::new(),
            a => a
                .split('|')
                .map(|w| w.trim().to_ascii_lowercase())
                .collect(),
        };
        if matches!(pattern, Pattern::Literal(_)) && !anchors.is_empty() {
            return Err(invalid(
                file,
                line,
                "anchors go with regular expressions only (use -)",
            ));
        }
        out.push(CueEntry {
            cue,
            pattern,
            anchors,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn concepts() -> Vec<ConceptEntry> {
        crate::lexicon::Lexicons::builtin().concepts
    }

    fn err(text: &str) -> String {
        let head = "kind\tfamily\twhat\tlimit\tnote\n";
        parse_policy("p.tsv", &format!("{head}{text}"), &concepts())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn the_builtin_policy_loads_with_every_family_of_domain_md() {
        let lex = crate::lexicon::Lexicons::builtin();
        let names: Vec<&str> = lex
            .policy
            .families
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        for f in [
            "facet_injection",
            "facet_ablation",
            "epidural_injection",
            "physical_therapy",
            "chiropractic_manipulation",
            "osteopathic_manipulation",
            "spine_imaging",
        ] {
            assert!(names.contains(&f), "{f}");
        }
        let (fam, cpt) = lex.policy.find("64492").unwrap();
        assert_eq!(
            (fam.name.as_str(), cpt.not_covered),
            ("facet_injection", true)
        );
        assert!(cpt.rule.starts_with("lexicons/policy.tsv:"));
        assert_eq!(lex.policy.find("98926").unwrap().1.regions, Some((3, 4)));
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let fam = "family\tf\t-\t-\tF\ncpt\tf\t64490\t-\t-\nfits\tf\tM53.83\t-\t-\n";
        assert!(
            err("cpt\tg\t64490\t-\t-\n").contains("p.tsv:2"),
            "{}",
            err("cpt\tg\t64490\t-\t-\n")
        );
        assert!(
            err(&format!("{fam}requires\tf\tpain_duratoin\t3 months\t-\n"))
                .contains("p.tsv:5: unknown element")
        );
        assert!(err(&format!(
            "{fam}requires\tf\tpain_duration\t3 fortnights\t-\n"
        ))
        .contains("p.tsv:5"));
        assert!(err(&format!("{fam}requires\tf\tpain_scale\t12\t-\n")).contains("out of 10"));
        assert!(err(&format!("{fam}fits\tf\tM53.83\tno_such_concept\t-\n")).contains("p.tsv:5"));
        assert!(err(&format!("{fam}fits\tf\t53.83\t-\t-\n")).contains("not an ICD-10-CM code"));
        assert!(err(&format!("{fam}cpt\tf\t6449\t-\t-\n")).contains("not a CPT code"));
        assert!(err(&format!("{fam}cpt\tf\t64490\t-\t-\n")).contains("two rows"));
        assert!(err(&format!(
            "{fam}requires\tf\tdiagnostic_blocks|prior_ablation_relief\t2 x 80%\t-\n"
        ))
        .contains("2 elements but 1 limits"));
        assert!(err("family\tf\t-\t-\tF\ncpt\tf\t64490\t-\t-\n")
            .contains("needs at least one cpt row and one fits row"));
    }

    #[test]
    fn limits_are_read() {
        assert_eq!(
            parse_limit(ElementKind::PainDuration, "3 months"),
            Ok(Limit::Days(90))
        );
        assert_eq!(
            parse_limit(ElementKind::DiagnosticBlocks, "2 x 80%"),
            Ok(Limit::Blocks {
                count: 2,
                percent: 80
            })
        );
        assert_eq!(
            parse_limit(ElementKind::PriorAblationRelief, "50% x 6 months"),
            Ok(Limit::Relief {
                percent: 50,
                days: 180
            })
        );
        assert_eq!(
            parse_limit(ElementKind::ImageGuidance, "fluoroscopy+ct"),
            Ok(Limit::Modalities(vec![Modality::Fluoroscopy, Modality::Ct]))
        );
        assert!(parse_limit(ElementKind::PlanOfCare, "3").is_err());
    }

    #[test]
    fn fit_rows_match_codes_and_categories() {
        let fit = Fit {
            codes: vec!["M5383".into(), "M501-".into()],
            documented_by: DocumentedBy::Auditor,
            role: Role::Any,
            rule: String::new(),
            note: String::new(),
        };
        assert!(
            fit.matches("m53.83")
                && fit.matches("M50.13")
                && !fit.matches("M50.23")
                && !fit.matches("M53.8")
        );
    }

    #[test]
    fn cues_load_and_bad_ones_are_refused() {
        assert!(!crate::lexicon::Lexicons::builtin().line_cues.is_empty());
        let e = parse_cues("c.tsv", "cue\tpattern\tanchors\nblok\tmbb\t-\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("c.tsv:2") && e.contains("unknown cue"), "{e}");
        assert_eq!(Cue::parse("body_rib"), Some(Cue::Body(8)));
    }
}
