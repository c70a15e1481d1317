//! Command-line interface: argument definitions and the command runners.
//! `main.rs` only calls [`run`] and maps its result to an exit status.

use crate::decide::Setting;
use crate::io::batch::{self, Only, RunOptions};
use crate::io::input::{InputFormat, InputOptions, Utf8Policy};
use crate::io::output::OutputFormat;
use crate::lexicon::Lexicons;
use crate::record::Auditor;
use crate::rollup::By;
use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;

/// Audits clinical notes for ICD-10-CM M53.83 (other specified dorsopathies,
/// cervicothoracic region): is the code supported, or does a more specific
/// code apply?
#[derive(Debug, Parser)]
#[command(name = "m53audit", version, about, long_about = None, after_help = "\
Examples:
  m53audit audit corpora/sample                 audit every note under a directory
  m53audit audit notes.jsonl -o out.jsonl       JSON lines in, JSON lines out
  m53audit explain corpora/sample/ct-facet-supported.txt
  m53audit eval ../shared/corpora/gold-dev.jsonl
  m53audit assert --negex ../shared/corpora/negex/rsAnnotations-1-120-random.txt")]
pub struct Cli {
    /// Directory of lexicon files that replace the built-in ones (any file
    /// missing there is taken from the built-in set). See lexicons/README.md.
    #[arg(long, global = true, value_name = "DIR")]
    pub lexicons: Option<PathBuf>,
    /// The claim-line coverage policy: procedure families, the diagnoses
    /// that fit them and the elements they require (default: the built-in
    /// lexicons/policy.tsv; payers differ, so replace it with your own of
    /// the same columns). Used for notes billed with procedure lines.
    #[arg(long, global = true, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// The care setting of notes whose input does not name one (a `setting`
    /// field or column overrides it per note). Outpatient (Guidelines
    /// IV.H, also the rule when the setting is not known): uncertain
    /// diagnoses are not coded. Inpatient (II.H): a condition still
    /// uncertain in the final or discharge diagnoses counts as established.
    #[arg(long, global = true, value_enum, default_value_t = SettingArg::Outpatient)]
    pub setting: SettingArg,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// `--setting` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SettingArg {
    /// Outpatient or professional claims.
    Outpatient,
    /// An inpatient stay.
    Inpatient,
}

impl From<SettingArg> for Setting {
    fn from(s: SettingArg) -> Setting {
        match s {
            SettingArg::Outpatient => Setting::Outpatient,
            SettingArg::Inpatient => Setting::Inpatient,
        }
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit notes and write one record per note (verdict or error).
    #[command(after_help = "\
Inputs: .jsonl/.ndjson files of {\"id\", \"text\", \"billed\"} objects (billed: array or
comma-separated string; optional), .txt files (one note each; id = path), CSV
exports with a header row, directories (walked for all of these), '-' for JSON
lines on stdin; Bulk FHIR NDJSON (DocumentReference, DiagnosticReport, Claim,
ExplanationOfBenefit, Encounter) and HL7 v2 (.hl7) exports. Any file may be
gzip (.gz) or zstd (.zst) compressed. With --by claim or --by encounter, the
notes of each claim or encounter are read as one chart: one record per group.

Exit status: 0 every note audited, 1 some notes gave error records, 2 the run
could not proceed.

Examples:
  m53audit audit corpora/sample
  m53audit audit archive.jsonl.zst -o out.jsonl --summary summary.json -j 8
  m53audit audit export.csv.gz --text-column transcription --format csv -o out.csv
  m53audit audit claims.jsonl --only flagged -o flagged.jsonl
  m53audit audit big.jsonl -o out.jsonl --resume      continue a killed run
  m53audit audit --by claim corpora/sample/claims     FHIR and HL7 claims
  m53audit audit --by encounter --group-column visit export.csv")]
    Audit(AuditArgs),
    /// Explain the decision for one note, for a person: verdict, checklist,
    /// gaps and the note with its evidence highlighted.
    #[command(after_help = "\
FILE is a plain-text note, a .json/.jsonl file (its first note), or '-' for
standard input. Colours on a terminal, [text]{concept:assertion} markers when
piped (or with --plain).

With --group ID, FILE is an export (or a directory) and ID a claim or
encounter of `audit --by`: its notes are shown, then their chart explained.

Examples:
  m53audit explain corpora/sample/ct-facet-supported.txt
  m53audit explain corpora/sample/claims --group Claim/c2")]
    Explain(ExplainArgs),
    /// Measure verdict, code and checklist accuracy on a gold-labelled file.
    #[command(after_help = "\
GOLD is JSON lines in the format of shared/corpora/gold-dev.jsonl:
{\"id\", \"text\", \"billed\", \"expect\": {\"verdict\", \"codes\", \"elements\"}}.

Example:
  m53audit eval ../shared/corpora/gold-dev.jsonl --min-accuracy 0.9")]
    Eval(EvalArgs),
    /// Run the assertion engine alone: is a target negated, uncertain,
    /// historical, hypothetical or about family, and which rule says so?
    #[command(after_help = "\
Input: JSON lines {\"id\", \"text\", \"target\"} or {\"id\", \"text\", \"start\", \"end\"}
(byte offsets of the target). Output: one line per input with the flags and the
triggers (text, offsets, category, rule file:line) that decided them.

With --negex FILE, reads the NegEx annotated test set (tab-separated, latin-1)
and prints negation precision/recall/F1 and accuracy, temporality and
experiencer accuracy.

Examples:
  echo '{\"id\":\"1\",\"text\":\"No disc herniation.\",\"target\":\"disc herniation\"}' | m53audit assert
  m53audit assert --negex ../shared/corpora/negex/rsAnnotations-1-120-random.txt")]
    Assert(AssertArgs),
}

/// `audit` arguments.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Input files or directories ('-' for JSON lines on stdin).
    #[arg(value_name = "PATH", default_value = "-")]
    pub paths: Vec<PathBuf>,
    /// Write to FILE instead of stdout ('-': stdout); written as
    /// FILE.partial and renamed when complete. An input is never an output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Jsonl)]
    pub format: OutputFormat,
    /// Also write a JSON summary (counts per verdict, disagreements, errors,
    /// skipped files, duplicate ids, throughput) to FILE ('-': stdout).
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// Keep all notes, or only those whose billed codes disagree with the documentation.
    #[arg(long, value_enum, default_value_t = Only::All)]
    pub only: Only,
    /// Worker threads (default: all cores).
    #[arg(short = 'j', long, value_name = "N")]
    pub jobs: Option<usize>,
    /// No progress bar and no summary line on stderr (errors still go there).
    #[arg(short, long)]
    pub quiet: bool,
    /// Continue an interrupted run into the same -o FILE without redoing
    /// notes; refused when the inputs (paths, sizes, times), the format or
    /// the options differ from the interrupted run's.
    #[arg(long)]
    pub resume: bool,
    /// Refuse to replace an existing -o FILE (by default it is replaced
    /// when the run completes; until then the old file stays whole).
    #[arg(long)]
    pub no_clobber: bool,
    /// Format of every input: by default the file name's extension says
    /// (.jsonl/.ndjson/.json, .csv, .tsv, .txt, each also .gz/.zst), else the
    /// content (JSON lines, or CSV/TSV with a header row); `text` reads
    /// each file, or stdin, as one note. Compression is always told from
    /// the content.
    #[arg(long, value_enum, default_value_t = InputFormat::Auto)]
    pub input_format: InputFormat,
    /// CSV/TSV column or JSON field with the note id (default: `id`, else the position).
    #[arg(long, value_name = "NAME")]
    pub id_column: Option<String>,
    /// CSV/TSV column or JSON field with the note text (default: `text`).
    #[arg(long, value_name = "NAME")]
    pub text_column: Option<String>,
    /// CSV/TSV column or JSON field with billed codes, separated by commas,
    /// semicolons or spaces (default: `billed`, if present).
    #[arg(long, value_name = "NAME")]
    pub billed_column: Option<String>,
    /// CSV/TSV column or JSON field with CPT codes billed with the note,
    /// separated as billed codes are; each is a claim line linked to all
    /// the billed codes (default: `cpt`, if present). JSON lines may give
    /// `procedures` instead, with pointers: README, "Claim lines".
    #[arg(long, value_name = "NAME")]
    pub cpt_column: Option<String>,
    /// One record per note, or per encounter or claim: the notes of a
    /// group are read as one chart (README, "Claims and encounters").
    #[arg(long, value_enum, default_value_t = By::Note)]
    pub by: By,
    /// CSV/TSV column or JSON field with the group key of --by (default:
    /// `group`, else `claim` or `encounter` by --by).
    #[arg(long, value_name = "NAME")]
    pub group_column: Option<String>,
    /// --by with FHIR: a note whose encounter no claim names joins its
    /// patient's claims whose billable period is within DAYS of the note's
    /// date.
    #[arg(long, value_name = "DAYS", default_value_t = 3)]
    pub window_days: u32,
    /// Notes larger than this become `oversize` error records.
    #[arg(long, value_name = "BYTES", default_value_t = 8 << 20)]
    pub max_note_bytes: usize,
    /// Bytes that are not UTF-8: read them as Windows-1252 (the usual export
    /// encoding), replace them with U+FFFD, or refuse the note; the record
    /// says so, and evidence offsets stay bytes of the original.
    #[arg(long, value_enum, default_value_t = Utf8Policy::Windows1252)]
    pub invalid_utf8: Utf8Policy,
}

/// `explain` arguments.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The note ('-' for stdin); with --group, the export (files or a
    /// directory) the group is in.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Plain markers instead of colours, even on a terminal.
    #[arg(long)]
    pub plain: bool,
    /// Explain the group of this id (a claim or encounter of `audit --by`):
    /// its notes read as one chart, each note's own verdict beside it.
    #[arg(long, value_name = "ID")]
    pub group: Option<String>,
    /// What --group names.
    #[arg(long, value_enum, default_value_t = By::Claim)]
    pub by: By,
    /// As for `audit --window-days`.
    #[arg(long, value_name = "DAYS", default_value_t = 3)]
    pub window_days: u32,
    /// As for `audit --group-column`.
    #[arg(long, value_name = "NAME")]
    pub group_column: Option<String>,
}

/// `eval` arguments.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Gold-labelled JSON lines.
    #[arg(value_name = "GOLD")]
    pub gold: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Exit with status 1 when verdict accuracy is below X (0-1).
    #[arg(long, value_name = "X")]
    pub min_accuracy: Option<f64>,
    /// Exit with status 1 when more than N notes that do not support M53.83
    /// are called `supported` (the error that clears a claim a payer denies).
    #[arg(long, value_name = "N")]
    pub max_false_supported: Option<usize>,
}

/// `assert` arguments.
#[derive(Debug, Args)]
pub struct AssertArgs {
    /// JSON lines of targets ('-' or omitted: stdin).
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Evaluate on the NegEx annotated test set instead.
    #[arg(long, value_name = "FILE", conflicts_with = "file")]
    pub negex: Option<PathBuf>,
    /// With --negex: print the figures as JSON.
    #[arg(long)]
    pub json: bool,
    /// With --negex: exit 1 when negation F1 is below X.
    #[arg(long, value_name = "X")]
    pub min_f1: Option<f64>,
}

fn auditor(
    lexicons: &Option<PathBuf>,
    policy: &Option<PathBuf>,
    setting: SettingArg,
) -> Result<Auditor> {
    let lex = Lexicons::load_with_policy(lexicons.as_deref(), policy.as_deref())
        .context("the lexicons did not load")?;
    Ok(Auditor::new(lex).with_setting(setting.into()))
}

/// Most worker threads per core: more only costs memory and start-up (a
/// huge `-j` would start hundreds of thousands of threads).
const JOBS_PER_CORE: usize = 4;

/// `-j` bounded by [`JOBS_PER_CORE`] times the cores, with a warning when
/// it is lowered (the output does not depend on the thread count).
fn clamp_jobs(jobs: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let most = cores * JOBS_PER_CORE;
    if jobs > most {
        eprintln!(
            "m53audit: -j {jobs} is more than {JOBS_PER_CORE} threads for each of the {cores} cores; using {most}"
        );
        return most;
    }
    jobs
}

/// Runs the parsed command; returns the exit status.
pub fn run(cli: Cli) -> Result<i32> {
    let (lexicons, policy, setting) = (cli.lexicons, cli.policy, cli.setting);
    match cli.command {
        Command::Audit(a) => {
            let auditor = auditor(&lexicons, &policy, setting)?;
            let interactive = std::io::stderr().is_terminal();
            let jobs = a
                .jobs
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            if jobs == 0 {
                anyhow::bail!("-j must be at least 1");
            }
            let jobs = clamp_jobs(jobs);
            if a.paths.iter().any(|p| p.as_os_str() == "-") && std::io::stdin().is_terminal() {
                anyhow::bail!(
                    "no input: give files or directories to audit, or pipe JSON lines to stdin (see m53audit audit --help)"
                );
            }
            let opts = RunOptions {
                paths: a.paths,
                output: a.output,
                format: a.format,
                summary: a.summary,
                only: a.only,
                jobs,
                progress: interactive && !a.quiet,
                summary_line: !a.quiet,
                resume: a.resume,
                no_clobber: a.no_clobber,
                decided_by: format!("setting {:?}; lexicons {}", setting, auditor.trail.lexicons),
                input: InputOptions {
                    format: a.input_format,
                    id_column: a.id_column,
                    text_column: a.text_column,
                    billed_column: a.billed_column,
                    group_column: a.group_column,
                    cpt_column: a.cpt_column,
                    max_note_bytes: a.max_note_bytes,
                    utf8: a.invalid_utf8,
                },
            };
            let outcome = match a.by {
                By::Note => batch::run(&auditor, &opts)?,
                by => crate::io::grouped::run(
                    &auditor,
                    &opts,
                    &crate::io::grouped::GroupOptions {
                        by,
                        window_days: a.window_days,
                    },
                )?,
            };
            if outcome.summary.notes == 0 {
                eprintln!("m53audit: the input holds no notes");
            }
            Ok(outcome.exit_code())
        }
        Command::Explain(e) => {
            let auditor = auditor(&lexicons, &policy, setting)?;
            let color = !e.plain && std::io::stdout().is_terminal();
            match &e.group {
                None => crate::commands::explain::run(&auditor, &e.file, color),
                Some(id) => {
                    if e.by == By::Note {
                        anyhow::bail!("--group names a claim or an encounter: give --by claim or --by encounter");
                    }
                    let input = InputOptions {
                        group_column: e.group_column.clone(),
                        ..InputOptions::default()
                    };
                    let g = crate::io::grouped::GroupOptions {
                        by: e.by,
                        window_days: e.window_days,
                    };
                    crate::commands::explain::run_group(&auditor, &e.file, &input, &g, id, color)
                }
            }
        }
        Command::Eval(e) => {
            let auditor = auditor(&lexicons, &policy, setting)?;
            crate::commands::eval::run(
                &auditor,
                &e.gold,
                e.json,
                e.min_accuracy,
                e.max_false_supported,
            )
        }
        Command::Assert(a) => {
            let auditor = auditor(&lexicons, &policy, setting)?;
            match a.negex {
                Some(path) => {
                    crate::commands::negex::run_benchmark(&auditor, &path, a.json, a.min_f1)
                }
                None => crate::commands::negex::run_assert(&auditor, a.file.as_deref()),
            }
        }
    }
}
