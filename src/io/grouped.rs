//! `m53audit audit --by claim|encounter`: the roll-up run. Reads every
//! input whole (a group's notes may be anywhere in it), joins notes to
//! groups, audits each group as one chart on every core, and writes one
//! record per group and one error record per note that could not be read
//! or joined, in input order of first appearance.
//!
//! Joins (README, "Claims and encounters"):
//! - `--by encounter`: the note's `--group-column` value, else its
//!   encounter (JSON `encounter`, CSV column `encounter`, FHIR
//!   `context.encounter` / `encounter`, HL7 PV1-19).
//! - `--by claim`: the note's `--group-column` value, else its `claim`;
//!   FHIR notes join the Claims and EOBs that name their encounter, else
//!   those of their patient whose billable period is within
//!   `--window-days` of the note's date.
//! - A note that joins nothing is an `unjoined_note` error record; a claim
//!   no note joins is a `no_documentation` error record.

use crate::io::batch::{check_paths, partial_path, RunOptions, RunOutcome};
use crate::io::decode::OffsetMap;
use crate::io::fhir::Claim;
use crate::io::input::{expand, InputOptions, Item, Items};
use crate::io::output::{disagreement_pair, spreadsheet_safe, OutputFormat, Summary, SummaryTrail};
use crate::record::{Auditor, ErrorRecord};
use crate::rollup::{audit_group, reading_order, By, Group, GroupNote, GroupOutput, GroupRecord};
use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::io::Write;
use std::time::Instant;

/// How notes are grouped.
#[derive(Debug, Clone)]
pub struct GroupOptions {
    /// Encounter or claim.
    pub by: By,
    /// Days around a claim's billable period a FHIR note's date may be to
    /// join it by patient.
    pub window_days: u32,
}

/// A group being built: the group, and its notes' offset maps.
struct Building {
    group: Group,
    maps: Vec<Option<OffsetMap>>,
    /// Its notes by text hash (duplicates are audited once).
    seen: FxHashMap<u64, Vec<usize>>,
}

/// What the output holds, in order.
enum Slot {
    Group(usize),
    Error(ErrorRecord),
}

/// Runs a grouped audit.
pub fn run(auditor: &Auditor, opts: &RunOptions, g: &GroupOptions) -> Result<RunOutcome> {
    if opts.resume {
        bail!(
            "--resume does not work with --by {} (groups are read whole); rerun without --resume",
            g.by.name()
        );
    }
    if opts.format == OutputFormat::Html {
        bail!(
            "--format html shows notes, not groups; use --format jsonl or csv with --by {}",
            g.by.name()
        );
    }
    let start = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .build()?;
    let read = read_groups(&opts.paths, &opts.input, g, &pool, |sources| {
        check_paths(opts, sources)
    })?;
    let mut summary = Summary::default();
    summary.set_skipped(&read.skipped);
    summary.m53audit = SummaryTrail::of(&auditor.trail);
    summary.notes = read.notes;
    summary.bytes = read.bytes;
    let (mut slots, groups) = (read.slots, read.groups);
    let records: Vec<GroupRecord> = pool.install(|| {
        groups
            .par_iter()
            .map(|b| {
                let mut r = audit_group(auditor, &b.group, g.by);
                let order = reading_order(&b.group.notes);
                r.map_offsets(|k, off| b.maps[order[k]].as_ref().map_or(off, |m| m.original(off)));
                r
            })
            .collect()
    });
    for s in &mut slots {
        if let Slot::Error(e) = s {
            e.m53audit = Some(auditor.trail.clone());
        }
    }
    summary.audited = groups.iter().map(|b| b.group.notes.len() as u64).sum();
    write_all(opts, &slots, records, &mut summary)?;
    summary.finish(start.elapsed().as_secs_f64());
    crate::io::batch::write_summary(opts, &summary)?;
    Ok(RunOutcome { summary })
}

/// The inputs read and grouped.
struct ReadGroups {
    slots: Vec<Slot>,
    groups: Vec<Building>,
    notes: u64,
    bytes: u64,
    skipped: Vec<String>,
}

/// Reads every input (JSON lines parsed on the pool) and groups the notes;
/// `check` sees the sources before anything is read.
fn read_groups(
    paths: &[std::path::PathBuf],
    input: &InputOptions,
    g: &GroupOptions,
    pool: &rayon::ThreadPool,
    check: impl FnOnce(&[crate::io::input::Source]) -> Result<()>,
) -> Result<ReadGroups> {
    let inputs = expand(paths, input)?;
    check(&inputs.sources)?;
    let mut items = Items::new(inputs.sources, input.clone());
    let raws: Vec<_> = items.by_ref().collect();
    if let Some(e) = items.fatal.take() {
        return Err(e.into());
    }
    let notes: Vec<Item> =
        pool.install(|| raws.into_par_iter().map(|r| r.resolve(input)).collect());
    let export = std::mem::take(&mut *items.fhir.lock().unwrap_or_else(|p| p.into_inner()));
    let (count, bytes) = (
        notes.len() as u64,
        notes.iter().map(|n| n.bytes as u64).sum(),
    );
    let notes = with_settings(notes, &export.settings);
    let (slots, groups) = build_groups(notes, merge_claims(export.claims), g);
    Ok(ReadGroups {
        slots,
        groups,
        notes: count,
        bytes,
        skipped: inputs.skipped,
    })
}

/// The group `id` of the inputs (for `explain`), or the ids there are.
pub fn find_group(
    paths: &[std::path::PathBuf],
    input: &InputOptions,
    g: &GroupOptions,
    id: &str,
) -> Result<std::result::Result<Group, Vec<String>>> {
    let pool = rayon::ThreadPoolBuilder::new().build()?;
    let read = read_groups(paths, input, g, &pool, |_| Ok(()))?;
    let mut ids = Vec::new();
    for b in read.groups {
        if b.group.id == id {
            return Ok(Ok(b.group));
        }
        ids.push(b.group.id);
    }
    Ok(Err(ids))
}

/// Notes whose FHIR encounter names the care setting get it (unless the
/// note names its own).
fn with_settings(mut notes: Vec<Item>, settings: &[(String, crate::decide::Setting)]) -> Vec<Item> {
    if settings.is_empty() {
        return notes;
    }
    let by_encounter: FxHashMap<&str, crate::decide::Setting> =
        settings.iter().map(|(e, s)| (e.as_str(), *s)).collect();
    for item in &mut notes {
        let setting = item
            .keys()
            .encounter
            .as_deref()
            .and_then(|e| by_encounter.get(e));
        if let (Ok(note), Some(s)) = (&mut item.note, setting) {
            note.setting.get_or_insert(*s);
        }
    }
    notes
}

/// Claims with the EOBs that adjudicate them folded in (codes and
/// encounters joined); an EOB whose Claim is not in the export stands for
/// its claim.
fn merge_claims(claims: Vec<Claim>) -> Vec<Claim> {
    let mut out: Vec<Claim> = Vec::new();
    let mut eobs = Vec::new();
    for c in claims {
        if c.claim_ref.is_some() {
            eobs.push(c);
        } else {
            out.push(c);
        }
    }
    for e in eobs {
        match out.iter_mut().find(|c| Some(&c.id) == e.claim_ref.as_ref()) {
            Some(c) => {
                for code in e.codes {
                    if !c.codes.contains(&code) {
                        c.codes.push(code);
                    }
                }
                for enc in e.encounters {
                    if !c.encounters.contains(&enc) {
                        c.encounters.push(enc);
                    }
                }
                if c.procedures.is_empty() {
                    c.procedures = e.procedures;
                }
            }
            None => out.push(e),
        }
    }
    out
}

/// The groups and the output slots, in input order of first appearance
/// (claims of the export first, in their order).
fn build_groups(
    notes: Vec<Item>,
    claims: Vec<Claim>,
    g: &GroupOptions,
) -> (Vec<Slot>, Vec<Building>) {
    let mut slots = Vec::new();
    let mut groups: Vec<Building> = Vec::new();
    let mut index: FxHashMap<String, usize> = FxHashMap::default();
    let claim_mode = g.by == By::Claim;
    if claim_mode {
        for c in &claims {
            index.insert(c.id.clone(), groups.len());
            slots.push(Slot::Group(groups.len()));
            groups.push(building(c.id.clone(), Some(c), g.by));
        }
    }
    for item in notes {
        let keys = item.keys().clone();
        let note = match item.note {
            Ok(n) => n,
            Err(e) => {
                slots.push(Slot::Error(e));
                continue;
            }
        };
        let targets = targets(&keys, &claims, g);
        if targets.is_empty() {
            slots.push(Slot::Error(unjoined(&note.id, g)));
            continue;
        }
        for key in targets {
            let k = *index.entry(key.clone()).or_insert_with(|| {
                slots.push(Slot::Group(groups.len()));
                groups.push(building(key.clone(), None, g.by));
                groups.len() - 1
            });
            add_note(&mut groups[k], &note, &keys, item.offsets.clone());
        }
    }
    if !claim_mode {
        for b in &mut groups {
            claim_codes(&mut b.group, &claims);
        }
    }
    // A claim no note joined has no documentation.
    let mut kept = Vec::new();
    let mut out_slots = Vec::new();
    let mut groups_iter: Vec<Option<Building>> = groups.into_iter().map(Some).collect();
    for s in slots {
        match s {
            Slot::Group(k) => {
                let b = groups_iter[k].take().expect("each group once");
                if b.group.notes.is_empty() {
                    out_slots.push(Slot::Error(no_documentation(&b.group, g)));
                } else {
                    out_slots.push(Slot::Group(kept.len()));
                    kept.push(b);
                }
            }
            e => out_slots.push(e),
        }
    }
    (out_slots, kept)
}

/// The group keys a note joins.
fn targets(keys: &crate::rollup::Keys, claims: &[Claim], g: &GroupOptions) -> Vec<String> {
    let own = match g.by {
        By::Claim => keys.group.clone().or_else(|| keys.claim.clone()),
        _ => keys.group.clone().or_else(|| keys.encounter.clone()),
    };
    if let Some(k) = own {
        return vec![k];
    }
    let joined = joined_claims(keys, claims, g.window_days);
    match g.by {
        By::Claim => joined.iter().map(|c| c.id.clone()).collect(),
        _ => joined
            .iter()
            .filter(|c| c.encounters.len() == 1)
            .map(|c| c.encounters[0].clone())
            .take(1)
            .collect(),
    }
}

/// The claims a FHIR note joins: those naming its encounter, else those of
/// its patient whose billable period is within `window` days of its date.
fn joined_claims<'a>(
    keys: &crate::rollup::Keys,
    claims: &'a [Claim],
    window: u32,
) -> Vec<&'a Claim> {
    if let Some(e) = &keys.encounter {
        let by_encounter: Vec<&Claim> =
            claims.iter().filter(|c| c.encounters.contains(e)).collect();
        if !by_encounter.is_empty() {
            return by_encounter;
        }
    }
    let (Some(patient), Some(date)) = (&keys.patient, keys.date.as_deref().and_then(day_number))
    else {
        return Vec::new();
    };
    claims
        .iter()
        .filter(|c| c.patient.as_ref() == Some(patient))
        .filter(|c| {
            let start = c.start.as_deref().and_then(day_number);
            let end = c.end.as_deref().and_then(day_number).or(start);
            match (start, end) {
                (Some(s), Some(e)) => {
                    date + i64::from(window) >= s && date <= e + i64::from(window)
                }
                _ => false,
            }
        })
        .collect()
}

pub use crate::lines::read::day_number;

/// An encounter's group gets the codes of the claims that name it.
fn claim_codes(group: &mut Group, claims: &[Claim]) {
    let id = group.id.clone();
    for c in claims.iter().filter(|c| c.encounters.contains(&id)) {
        group.claim.get_or_insert_with(|| c.id.clone());
        for code in &c.codes {
            if !group.billed.contains(code) {
                group.billed.push(code.clone());
            }
        }
        add_lines(group, &c.procedures);
    }
}

/// Adds claim lines to a group, each once.
fn add_lines(group: &mut Group, lines: &[crate::lines::ProcedureLine]) {
    for l in lines {
        if !group.procedures.contains(l) {
            group.procedures.push(l.clone());
        }
    }
}

fn building(id: String, claim: Option<&Claim>, by: By) -> Building {
    let mut group = Group {
        id: id.clone(),
        ..Group::default()
    };
    match by {
        By::Claim => group.claim = Some(id),
        _ => group.encounter = Some(id),
    }
    if let Some(c) = claim {
        group.patient = c.patient.clone();
        group.encounter = c.encounters.first().cloned();
        group.billed = c.codes.clone();
        group.procedures = c.procedures.clone();
    }
    Building {
        group,
        maps: Vec::new(),
        seen: FxHashMap::default(),
    }
}

/// Adds a note to its group: its keys fill what the group lacks, its
/// billed codes join the claim's; a copy of a note already in the group
/// (the same text) is listed as a duplicate instead.
fn add_note(
    b: &mut Building,
    note: &crate::record::Note,
    keys: &crate::rollup::Keys,
    map: Option<OffsetMap>,
) {
    let h = crate::io::batch::id_hash(&note.text);
    let same = |k: &usize| b.group.notes[*k].note.text == note.text;
    if b.seen.get(&h).is_some_and(|ks| ks.iter().any(same)) {
        b.group.duplicates.push(note.id.clone());
        return;
    }
    let g = &mut b.group;
    if g.patient.is_none() {
        g.patient = keys.patient.clone();
    }
    if g.encounter.is_none() {
        g.encounter = keys.encounter.clone();
    }
    if g.claim.is_none() {
        g.claim = keys.claim.clone();
    }
    add_lines(g, &note.procedures);
    for c in &note.billed {
        if !g.billed.contains(c) {
            g.billed.push(c.clone());
        }
    }
    b.seen.entry(h).or_default().push(g.notes.len());
    g.notes.push(GroupNote {
        note: note.clone(),
        keys: keys.clone(),
    });
    b.maps.push(map);
}

fn unjoined(id: &str, g: &GroupOptions) -> ErrorRecord {
    let how = match g.by {
        By::Claim => format!("no claim key (--group-column or `claim`), and no claim names its encounter or its patient within {} days", g.window_days),
        _ => "no encounter key (--group-column or `encounter`), and no claim gives one".to_string(),
    };
    error(
        id,
        "unjoined_note",
        format!("the note joins no {}: {how}", g.by.name()),
    )
}

fn no_documentation(group: &Group, g: &GroupOptions) -> ErrorRecord {
    error(
        &group.id,
        "no_documentation",
        format!(
            "no note of the input joins this {} (by encounter, or by patient within {} days)",
            g.by.name(),
            g.window_days
        ),
    )
}

fn error(id: &str, kind: &str, message: String) -> ErrorRecord {
    ErrorRecord::new(id.to_string(), kind, message)
}

/// Writes the records in slot order and counts them.
fn write_all(
    opts: &RunOptions,
    slots: &[Slot],
    records: Vec<GroupRecord>,
    summary: &mut Summary,
) -> Result<()> {
    let named = opts.output.as_ref().filter(|o| o.as_os_str() != "-");
    // A device or pipe (`-o /dev/null`) is written as it is; a file goes to
    // FILE.partial, renamed when complete.
    let device = named.filter(|o| std::fs::metadata(o).is_ok_and(|m| !m.is_file()));
    let file = named.filter(|_| device.is_none());
    let mut out: Box<dyn Write> = match (file, device) {
        (_, Some(d)) => Box::new(std::io::BufWriter::new(
            std::fs::OpenOptions::new()
                .write(true)
                .open(d)
                .with_context(|| format!("{}: cannot open", d.display()))?,
        )),
        (Some(o), None) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(partial_path(o))
                .with_context(|| format!("{}: cannot create", o.display()))?,
        )),
        (None, None) => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut records: Vec<Option<GroupRecord>> = records.into_iter().map(Some).collect();
    let mut csv = (opts.format == OutputFormat::Csv).then(|| csv::Writer::from_writer(Vec::new()));
    if let Some(w) = &mut csv {
        w.write_record(CSV_HEADER)?;
    }
    for s in slots {
        let rec = match s {
            Slot::Group(k) => {
                GroupOutput::Group(Box::new(records[*k].take().expect("each record once")))
            }
            Slot::Error(e) => GroupOutput::Error(e.clone()),
        };
        count(summary, &rec);
        if opts.only == crate::io::batch::Only::Flagged && !flagged(&rec) {
            continue;
        }
        match &mut csv {
            Some(w) => w.write_record(csv_row(&rec))?,
            None => {
                serde_json::to_writer(&mut out, &rec)?;
                out.write_all(b"\n")?;
            }
        }
    }
    if let Some(w) = csv {
        out.write_all(
            &w.into_inner()
                .map_err(|e| anyhow::anyhow!("{}", e.error()))?,
        )?;
    }
    out.flush().context("writing the output failed")?;
    drop(out);
    if let Some(o) = file {
        std::fs::rename(partial_path(o), o)
            .with_context(|| format!("{}: cannot finish the output", o.display()))?;
    }
    Ok(())
}

fn flagged(r: &GroupOutput) -> bool {
    matches!(r, GroupOutput::Group(g) if g.billed_agrees == Some(false) || g.lines.iter().any(|l| crate::io::output::line_flagged(l.result.name())))
}

fn count(summary: &mut Summary, r: &GroupOutput) {
    match r {
        GroupOutput::Group(g) => {
            summary.groups += 1;
            summary.add_lines(&crate::io::output::line_briefs(&g.lines));
            *summary
                .verdicts
                .entry(g.verdict.name().to_string())
                .or_default() += 1;
            if g.billed_agrees == Some(false) {
                summary.billed_disagreements += 1;
                let pair = disagreement_pair(&g.billed, &g.codes);
                *summary.disagreement_pairs.entry(pair).or_default() += 1;
            }
        }
        GroupOutput::Error(e) => *summary.errors.entry(e.error.kind.clone()).or_default() += 1,
    }
}

const CSV_HEADER: [&str; 16] = [
    "id",
    "by",
    "claim",
    "encounter",
    "patient",
    "notes",
    "verdict",
    "codes",
    "score",
    "billed",
    "billed_agrees",
    "gaps",
    "error_kind",
    "error_message",
    "lines",
    "queries",
];

fn csv_row(r: &GroupOutput) -> Vec<String> {
    let safe = |s: &str| spreadsheet_safe(s).into_owned();
    match r {
        GroupOutput::Group(g) => {
            let opt = |o: &Option<String>| safe(o.as_deref().unwrap_or(""));
            vec![
                safe(&g.id),
                g.by.to_string(),
                opt(&g.claim),
                opt(&g.encounter),
                opt(&g.patient),
                safe(&g.notes.join(";")),
                g.verdict.name().to_string(),
                g.codes.join(";"),
                g.score.to_string(),
                safe(&g.billed.join(";")),
                g.billed_agrees.map_or(String::new(), |b| b.to_string()),
                g.gaps
                    .iter()
                    .map(|x| x.element.as_str())
                    .collect::<Vec<_>>()
                    .join(";"),
                String::new(),
                String::new(),
                crate::io::output::lines_cell(&g.lines),
                crate::io::output::queries_cell(&g.queries),
            ]
        }
        GroupOutput::Error(e) => {
            let mut row = vec![String::new(); CSV_HEADER.len()];
            row[0] = safe(&e.id);
            row[12] = e.error.kind.clone();
            row[13] = e.error.message.clone();
            row
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers() {
        assert_eq!(day_number("1970-01-01"), Some(0));
        assert_eq!(
            day_number("2026-03-01").unwrap() - day_number("2026-02-28").unwrap(),
            1
        );
        assert_eq!(
            day_number("2024-03-01").unwrap() - day_number("2024-02-28").unwrap(),
            2
        );
        assert_eq!(day_number("2026-13-01"), None);
        assert_eq!(day_number("soon"), None);
    }
}
