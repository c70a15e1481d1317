//! The verdict, step by step in DOMAIN.md's order (first step that applies
//! wins): what is documented at C7-T1 first, a row of the decision table
//! (`more_specific`; a row without a code of its own, such as a neoplasm,
//! `insufficient`), a dorsopathy (`supported`), pain (`pain_only`); then a
//! dorsopathy at another region
//! (`other_region`) or with no level (`other_region` when the complaint
//! names a region, else `unspecified_region`), pain only (`pain_only`),
//! another spinal condition elsewhere (`other_region`), C7-T1 named with
//! nothing there (`insufficient`), nothing about the spine
//! (`not_relevant`).

use super::evidence::{region_of_pain, Audited, Evidence};
use super::{Status, Verdict};
use crate::lexicon::{TableRow, NO_CODE};
use crate::spine::Region;

/// What a verdict step decided.
#[derive(Debug, Clone)]
pub(super) struct Choice {
    pub verdict: Verdict,
    pub codes: Vec<String>,
    pub reason: String,
    /// Terms that decided it (sorted, no duplicates once chosen).
    pub deciding: Vec<usize>,
    /// The region element's status.
    pub region: Status,
    /// A dorsopathy or a condition of the table decided it (the pathology
    /// element is then present, with the deciding terms).
    pub pathology_named: bool,
}

impl Choice {
    fn new(verdict: Verdict, codes: Vec<String>, reason: String, deciding: Vec<usize>) -> Self {
        Choice {
            verdict,
            codes,
            reason,
            deciding,
            region: Status::Present,
            pathology_named: true,
        }
    }
    fn at(mut self, region: Status) -> Self {
        self.region = region;
        self
    }
    fn without_pathology(mut self) -> Self {
        self.pathology_named = false;
        self
    }
}

/// Runs the steps in order; the first that applies gives the verdict.
pub(super) fn choose(ev: &Evidence) -> Choice {
    let rows: Vec<&TableRow> = applying_rows(ev).collect();
    let mut choice = more_specific(ev, &rows)
        .or_else(|| preempted_without_code(ev, &rows))
        .or_else(|| supported(ev))
        .or_else(|| pain_at_ct(ev))
        .or_else(|| dorsopathy_elsewhere(ev))
        .or_else(|| dorsopathy_without_level(ev))
        .or_else(|| condition_elsewhere(ev))
        .or_else(|| pain_only(ev))
        .or_else(|| insufficient(ev))
        .unwrap_or_else(not_relevant);
    choice.deciding.sort_unstable();
    choice.deciding.dedup();
    choice
}

/// DOMAIN.md, "When a more specific code applies": "M53.83 is a residual
/// code. Each row pre-empts it when the condition is affirmed, current,
/// about the patient, and at (or not placed away from) the cervicothoracic
/// level." A row applies when one of its `when` concepts is at C7-T1, one of
/// its `with` concepts too (if it has any), and none of its `unless`
/// concepts; every row that applies is reported.
/// `rows`: the rows that apply ([`applying_rows`]).
fn more_specific(ev: &Evidence, rows: &[&TableRow]) -> Option<Choice> {
    let (mut codes, mut descriptions, mut deciding) = (Vec::new(), Vec::new(), Vec::new());
    for row in rows.iter().filter(|r| r.code != NO_CODE) {
        if !codes.contains(&row.code) {
            codes.push(row.code.clone());
            descriptions.push(row.description.clone());
        }
        deciding.extend(row_terms(ev, row));
    }
    if codes.is_empty() {
        return None;
    }
    let reason = format!(
        "{} is affirmed at the cervicothoracic level, which pre-empts M53.83 ({}).",
        capitalize(&descriptions.join("; ")),
        codes.join(", ")
    );
    Some(Choice::new(Verdict::MoreSpecific, codes, reason, deciding))
}

/// The rows of the decision table that apply: one of the `when` concepts
/// where the row's site admits, one of the `with` concepts too (if it has
/// any), none of the `unless` concepts.
fn applying_rows<'e>(ev: &'e Evidence) -> impl Iterator<Item = &'e TableRow> + 'e {
    // Most notes have nothing at C7-T1 or its vertebrae: no row to test.
    let anything = !ev.at_ct.is_empty() || !ev.at_vertebra.is_empty();
    ev.lex.table.iter().filter(move |row| {
        if !anything {
            return false;
        }
        let has = |c: &String| ev.at_site(c, row.site).next().is_some();
        row.when.iter().any(has)
            && (row.with.is_empty() || row.with.iter().any(has))
            && !row.unless.iter().any(has)
    })
}

/// The terms that show a row: its `when` and `with` concepts at its site.
fn row_terms<'e>(ev: &'e Evidence, row: &'e TableRow) -> impl Iterator<Item = usize> + 'e {
    row.when
        .iter()
        .chain(&row.with)
        .flat_map(move |c| ev.at_site(c, row.site))
}

/// DOMAIN.md: "a neoplasm of the C7 or T1 vertebra (the verdict is
/// `more_specific` only where a row above applies, e.g. G99.2 for cord
/// compression; otherwise `insufficient`: the neoplasm is coded from
/// Chapter 2, not here)": a row whose code is `none` pre-empts M53.83
/// without a code of its own.
fn preempted_without_code(ev: &Evidence, rows: &[&TableRow]) -> Option<Choice> {
    let row = rows.iter().find(|r| r.code == NO_CODE)?;
    let reason = format!(
        "{} is documented, which pre-empts M53.83 but is not coded from the dorsopathies.",
        capitalize(&row.description)
    );
    Some(Choice::new(
        Verdict::Insufficient,
        vec![],
        reason,
        row_terms(ev, row).collect(),
    ))
}

/// DOMAIN.md, "Verdicts": what is documented at C7-T1 decides first, pain
/// last of it: pain placed at C7-T1 is `pain_only` whatever is documented
/// at other regions.
fn pain_at_ct(ev: &Evidence) -> Option<Choice> {
    let &first = ev
        .pains
        .iter()
        .find(|&&i| ev.a.terms[i].placement.at_c7_t1())?;
    Some(pain_choice(ev, first))
}

/// DOMAIN.md, verdict `supported`: "elements 1-2 present, nothing in the
/// table above applies": an other specified dorsopathy affirmed at C7-T1.
fn supported(ev: &Evidence) -> Option<Choice> {
    let mut d = ev.dorsopathy_ct();
    if d.is_empty() {
        return None;
    }
    ev.prefer_diagnostic(&mut d);
    let code = ev
        .lex
        .region_code(Region::Cervicothoracic)
        .map_or("M53.83".into(), |r| r.m53_code.clone());
    let reason = format!(
        "An other specified dorsopathy ({}) is affirmed at C7-T1 and no more specific condition applies.",
        ev.name_of(d[0])
    );
    Some(Choice::new(Verdict::Supported, vec![code], reason, d))
}

/// DOMAIN.md, verdict `other_region`: "the other specified dorsopathy is
/// documented at a different region only" (its M53.8x sibling); "when that
/// place also has a more specific condition of its own (a C5-6 facet
/// syndrome with a C5-6 herniation) no M53.8x sibling applies and `codes`
/// is empty."
fn dorsopathy_elsewhere(ev: &Evidence) -> Option<Choice> {
    let &first = ev.dors_away.first()?;
    let region = ev.region_of_term(first).unwrap_or(Region::Unspecified);
    let label = ev
        .lex
        .region_code(region)
        .map_or("other", |r| r.label.as_str());
    let choice = match specific_at_same_place(ev, first, region) {
        Some(i) => Choice::new(
            Verdict::OtherRegion,
            vec![],
            format!(
                "The dorsopathy ({}) is documented at the {label} region, not at C7-T1; a more specific condition ({}) is documented there too, so no M53.8x code applies.",
                ev.name_of(first),
                ev.name_of(i)
            ),
            vec![first, i],
        ),
        None => Choice::new(
            Verdict::OtherRegion,
            ev.lex.region_code(region).map(|rc| rc.m53_code.clone()).into_iter().collect(),
            format!(
                "The dorsopathy ({}) is documented at the {label} region, not at C7-T1.",
                ev.name_of(first)
            ),
            vec![first],
        ),
    };
    Some(choice.at(Status::Other))
}

/// M53.8x is residual at every level: a condition of the decision table
/// affirmed at the same motion segment as the dorsopathy `first` (or, where
/// neither names a segment, in the same region) leaves no sibling code to
/// suggest. Another segment of the region does not: a disc bulge at C4-5
/// leaves a C6-7 dorsopathy its M53.82.
fn specific_at_same_place(ev: &Evidence, first: usize, region: Region) -> Option<usize> {
    let place = &ev.a.terms[first].placement;
    ev.structural_away.iter().copied().find(|&i| {
        let p = &ev.a.terms[i].placement;
        let same_place = if place.segments != 0 || p.segments != 0 {
            place.segments & p.segments != 0
        } else {
            p.regions == place.regions
        };
        same_place
            && ev.concept(&ev.a.terms[i]).is_some_and(|(c, _)| {
                ev.lex
                    .table
                    .iter()
                    .any(|row| row.when.iter().any(|w| w == c))
                    && !ev.reason_only(&ev.a.terms[i], c, Audited::Region(region))
            })
    })
}

/// DOMAIN.md, verdict `unspecified_region`: "a dorsopathy is documented
/// with no region" (M53.80). A region stated for the complaint elsewhere in
/// the note (a pain or finding placed at another region) gives the site
/// instead: `other_region` with that region's sibling.
fn dorsopathy_without_level(ev: &Evidence) -> Option<Choice> {
    let &first = ev.dors_unplaced.first()?;
    let elsewhere = ev
        .pains
        .iter()
        .chain(ev.structural_away.iter())
        .find_map(|&i| ev.region_of_term(i).map(|r| (i, r)));
    let lex = ev.lex;
    Some(match elsewhere {
        Some((i, region)) => Choice::new(
            Verdict::OtherRegion,
            lex.region_code(region).map(|rc| rc.m53_code.clone()).into_iter().collect(),
            format!(
                "The dorsopathy ({}) has no level of its own; the complaint is documented at the {} region.",
                ev.name_of(first),
                lex.region_code(region).map_or("other", |r| r.label.as_str())
            ),
            vec![first, i],
        )
        .at(Status::Other),
        None => Choice::new(
            Verdict::UnspecifiedRegion,
            vec![lex
                .region_code(Region::Unspecified)
                .map_or("M53.80".into(), |r| r.m53_code.clone())],
            format!(
                "A dorsopathy ({}) is documented without any spinal level or region.",
                ev.name_of(first)
            ),
            vec![first],
        )
        .at(Status::Absent),
    })
}

/// DOMAIN.md: "Pain alone is not a dorsopathy: when the only documented
/// problem at the region is pain, the verdict is `pain_only` with M54.2
/// (cervicalgia) or M54.6 (pain in thoracic spine)"; pain at another region
/// takes that region's pain code from `regions.tsv`.
fn pain_only(ev: &Evidence) -> Option<Choice> {
    ev.pains.first().map(|&first| pain_choice(ev, first))
}

/// The `pain_only` verdict for pain term `first`: its region's pain code.
fn pain_choice(ev: &Evidence, first: usize) -> Choice {
    let t = &ev.a.terms[first];
    let (concept, _) = ev.concept(t).expect("a pain concept");
    let code = match concept {
        "pain_cervical" => Some("M54.2".to_string()),
        "pain_thoracic" => Some("M54.6".to_string()),
        _ => t
            .placement
            .regions
            .iter()
            .next()
            .or_else(|| region_of_pain(concept))
            .and_then(|r| ev.lex.region_code(r))
            .and_then(|r| r.pain_code.clone()),
    };
    let reason = format!(
        "Only pain is documented ({}), with no affirmed structural diagnosis.",
        ev.name_of(first)
    );
    let region = if ev.pains.iter().any(|&i| ev.a.terms[i].placement.at_c7_t1()) {
        Status::Present
    } else {
        Status::Other
    };
    Choice::new(
        Verdict::PainOnly,
        code.into_iter().collect(),
        reason,
        vec![first],
    )
    .at(region)
    .without_pathology()
}

/// A spinal condition that is not an other specified dorsopathy, affirmed at
/// another region only: `other_region`, with no M53.8x code.
fn condition_elsewhere(ev: &Evidence) -> Option<Choice> {
    let &first = ev.structural_away.first()?;
    let reason = format!(
        "A spinal condition ({}) is documented at another region only; it is not an other specified dorsopathy.",
        ev.name_of(first)
    );
    Some(
        Choice::new(Verdict::OtherRegion, vec![], reason, vec![first])
            .at(Status::Other)
            .without_pathology(),
    )
}

/// DOMAIN.md, verdict `insufficient`: "the region is named but no distinct
/// pathology is".
fn insufficient(ev: &Evidence) -> Option<Choice> {
    if ev.ct_mentions.is_empty() {
        return None;
    }
    let reason =
        "C7-T1 is named, but no current pathology or pain diagnosis is documented there.".into();
    Some(
        Choice::new(
            Verdict::Insufficient,
            vec![],
            reason,
            ev.ct_mentions.clone(),
        )
        .without_pathology(),
    )
}

/// DOMAIN.md, verdict `not_relevant`: "nothing about the spine".
fn not_relevant() -> Choice {
    let reason = "Nothing affirmed about the patient's spine.".into();
    Choice::new(Verdict::NotRelevant, vec![], reason, vec![])
        .at(Status::Absent)
        .without_pathology()
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
