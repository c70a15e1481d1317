//! The batch runner behind `m53audit audit`: reads inputs as they stream,
//! audits them on every core, and writes one record per input note in input
//! order, with bounded memory.
//!
//! Three stages joined by bounded channels: a reader thread cuts the input
//! into chunks (at most [`CHUNK_NOTES`] notes or [`CHUNK_BYTES`] bytes); the
//! worker pool (`-j N`) parses and audits whole chunks, several at once; the
//! writer puts them back in input order and writes the records. At most
//! `2N + 2` chunks are in flight (the reader waits for the writer), so peak
//! memory does not grow with the archive. Output to a file
//! goes to `FILE.partial` and is renamed when complete; a progress file
//! beside it (`FILE.partial.progress`) records how many input notes are
//! written, so `--resume` can continue an interrupted run.

use crate::io::input::{expand, InputOptions, Item, Items, Raw, Source};
use crate::io::output::{Brief, CsvSink, OutputFormat, Sink, Summary};
use crate::record::{Auditor, Output};
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Most notes in one chunk.
pub const CHUNK_NOTES: usize = 256;
/// Most input bytes in one chunk.
pub const CHUNK_BYTES: usize = 1 << 20;

/// What to keep in the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Only {
    /// Every note.
    All,
    /// Notes whose billed spine codes disagree with the documentation.
    Flagged,
}

/// Options of one audit run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Inputs (files, directories, `-`).
    pub paths: Vec<PathBuf>,
    /// Output file (stdout when `None`).
    pub output: Option<PathBuf>,
    /// Output format.
    pub format: OutputFormat,
    /// Where to write the JSON summary.
    pub summary: Option<PathBuf>,
    /// Which records to keep.
    pub only: Only,
    /// Worker threads.
    pub jobs: usize,
    /// Show a progress bar (stderr is a terminal and not --quiet).
    pub progress: bool,
    /// Print the one-line summary on stderr.
    pub summary_line: bool,
    /// Continue an interrupted run.
    pub resume: bool,
    /// Input reading options.
    pub input: InputOptions,
}

/// How the run ended.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The counts.
    pub summary: Summary,
}

impl RunOutcome {
    /// Exit status: 0 all notes audited, 1 some notes had errors.
    pub fn exit_code(&self) -> i32 {
        if self.summary.error_count() > 0 {
            1
        } else {
            0
        }
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Progress {
    items: u64,
    bytes_out: u64,
    summary: Summary,
}

fn partial_path(out: &Path) -> PathBuf {
    let mut s = out.as_os_str().to_owned();
    s.push(".partial");
    PathBuf::from(s)
}

fn progress_path(out: &Path) -> PathBuf {
    let mut s = out.as_os_str().to_owned();
    s.push(".partial.progress");
    PathBuf::from(s)
}

fn write_progress(path: &Path, p: &Progress) -> Result<()> {
    let tmp = path.with_extension("progress.tmp");
    std::fs::write(&tmp, serde_json::to_vec(p)?)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// A processed note: its brief, its record (kept only for formats that
/// need it; JSON lines are already in the chunk's [`DoneChunk::jsonl`]),
/// its size.
struct Done {
    brief: Brief,
    out: Option<Output>,
    bytes: usize,
    lossy: bool,
    text: Option<String>,
}

/// A processed chunk: its notes, and for JSON-lines output the lines of
/// the notes to write, formatted by the worker into one buffer (the writer
/// writes it in one call: no copy per note, no buffer per note to free on
/// another thread).
struct DoneChunk {
    notes: Vec<Done>,
    jsonl: Vec<u8>,
}

/// Audits one note; for JSON-lines output its line is appended to `jsonl`
/// (when `only` keeps it).
fn process(
    auditor: &Auditor,
    raw: Raw,
    opts: &InputOptions,
    format: OutputFormat,
    only: Only,
    jsonl: &mut Vec<u8>,
) -> Done {
    let item: Item = raw.resolve(opts);
    let (out, text) = match item.note {
        Ok(note) => {
            let mut rec = auditor.audit(&note);
            if item.lossy {
                rec.notes.push(
                    "The note was not valid UTF-8; invalid bytes were replaced before auditing."
                        .into(),
                );
            }
            let text = (format == OutputFormat::Html).then_some(note.text);
            (Output::Audited(Box::new(rec)), text)
        }
        Err(e) => (Output::Error(e), None),
    };
    let brief = Brief::of(&out);
    let out = if format == OutputFormat::Jsonl {
        // Serialise and drop the record here, on the worker thread.
        if only == Only::All || brief.is_flagged() {
            crate::io::jsonl::write_line(&out, jsonl);
        }
        None
    } else {
        Some(out)
    };
    Done {
        brief,
        out,
        bytes: item.bytes,
        lossy: item.lossy,
        text,
    }
}

/// Runs an audit.
pub fn run(auditor: &Auditor, opts: &RunOptions) -> Result<RunOutcome> {
    let sources = expand(&opts.paths)?;
    let start = Instant::now();
    let total_bytes: Option<u64> = if sources.iter().all(|s| matches!(s, Source::File { path, .. } if crate::io::input::classify(path).1 == crate::io::input::Compression::None)) {
        Some(
            sources
                .iter()
                .map(|s| match s {
                    Source::File { path, .. } => std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
                    Source::Stdin => 0,
                })
                .sum(),
        )
    } else {
        None
    };
    if opts.resume && opts.format == OutputFormat::Html {
        bail!("--resume does not work with --format html (the report is written whole); rerun without --resume");
    }

    // Output to a device or pipe (`-o /dev/null`, a FIFO) is written
    // directly: there is nothing to rename.
    let special = opts
        .output
        .as_ref()
        .and_then(|o| std::fs::metadata(o).ok())
        .is_some_and(|m| !m.is_file());
    let file_output = if special { None } else { opts.output.clone() };
    if opts.resume && file_output.is_none() {
        bail!("--resume needs an output file (-o FILE)");
    }
    // Open the output.
    let mut progress = Progress::default();
    let mut skip: u64 = 0;
    let writer: Box<dyn Write> = match &file_output {
        None if special => {
            let o = opts.output.as_ref().expect("special output");
            let f = OpenOptions::new()
                .write(true)
                .open(o)
                .with_context(|| format!("{}: cannot open", o.display()))?;
            Box::new(BufWriter::with_capacity(1 << 16, f))
        }
        None => Box::new(BufWriter::with_capacity(1 << 16, std::io::stdout().lock())),
        Some(out) => {
            let partial = partial_path(out);
            let prog = progress_path(out);
            if opts.resume && partial.exists() {
                if let Ok(bytes) = std::fs::read(&prog) {
                    progress = serde_json::from_slice(&bytes)
                        .with_context(|| format!("{}: corrupt progress file", prog.display()))?;
                }
                let mut f = OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(&partial)
                    .with_context(|| format!("{}: cannot reopen", partial.display()))?;
                f.set_len(progress.bytes_out)?;
                f.seek(SeekFrom::End(0))?;
                skip = progress.items;
                Box::new(BufWriter::with_capacity(1 << 16, f))
            } else {
                if opts.resume && out.exists() {
                    bail!(
                        "{}: already complete (no {} to resume)",
                        out.display(),
                        partial.display()
                    );
                }
                let f = File::create(&partial)
                    .with_context(|| format!("{}: cannot create", partial.display()))?;
                Box::new(BufWriter::with_capacity(1 << 16, f))
            }
        }
    };
    let resumed = skip > 0;
    let mut summary = progress.summary.clone();
    let previous_seconds = summary.seconds;
    let mut bytes_out = progress.bytes_out;
    let mut items_done = progress.items;

    let mut sink: Box<dyn Sink> = match opts.format {
        OutputFormat::Jsonl => Box::new(crate::io::output::JsonlSink::new(writer)),
        OutputFormat::Csv => Box::new(CsvSink::new(writer, !resumed)),
        OutputFormat::Html => Box::new(crate::io::report::HtmlSink::new(writer)),
    };

    let bar = if opts.progress {
        let b = match total_bytes {
            Some(t) if t > 0 => indicatif::ProgressBar::new(t).with_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec} {msg} ETA {eta}",
                )
                .unwrap(),
            ),
            _ => indicatif::ProgressBar::new_spinner().with_style(
                indicatif::ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bytes} {binary_bytes_per_sec} {msg}").unwrap(),
            ),
        };
        b.set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(4));
        Some(b)
    } else {
        None
    };

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.max(1))
        .build()
        .context("cannot start the worker threads")?;

    let mut items = Items::new(sources, opts.input.clone());
    // Chunks are processed whole, each by one worker, several at once, and
    // put back in input order by the writer. A chunk may start only when
    // the writer has written all but `window - 1` of the chunks before it
    // (one token per chunk in flight), so a slow chunk cannot make the
    // finished ones behind it pile up in memory.
    let jobs = opts.jobs.max(1);
    let window = 2 * jobs + 2;
    let (token_tx, token_rx) = crossbeam_channel::bounded::<()>(window);
    for _ in 0..window {
        token_tx.send(()).expect("token channel has room");
    }
    let (chunk_tx, chunk_rx) = crossbeam_channel::bounded::<(u64, Vec<Raw>)>(jobs);
    let (done_tx, done_rx) = crossbeam_channel::bounded::<(u64, DoneChunk)>(window);
    let fatal = std::thread::scope(|scope| -> Result<Option<crate::io::input::InputError>> {
        // Reader.
        let reader = scope.spawn(move || {
            let mut skipped = 0u64;
            let mut chunk = Vec::with_capacity(CHUNK_NOTES);
            let mut chunk_bytes = 0;
            let mut seq = 0u64;
            let mut send = |chunk: Vec<Raw>| -> bool {
                let sent = token_rx.recv().is_ok() && chunk_tx.send((seq, chunk)).is_ok();
                seq += 1;
                sent
            };
            for raw in items.by_ref() {
                if skipped < skip {
                    skipped += 1;
                    continue;
                }
                chunk_bytes += raw.input_bytes();
                chunk.push(raw);
                if chunk.len() >= CHUNK_NOTES || chunk_bytes >= CHUNK_BYTES {
                    if !send(std::mem::take(&mut chunk)) {
                        return items.fatal.take();
                    }
                    chunk_bytes = 0;
                }
            }
            if !chunk.is_empty() {
                send(chunk);
            }
            items.fatal.take()
        });
        // Workers.
        let input_opts = opts.input.clone();
        let format = opts.format;
        let only = opts.only;
        let work = scope.spawn(move || {
            pool.in_place_scope_fifo(|tasks| {
                for (seq, chunk) in chunk_rx {
                    let done_tx = done_tx.clone();
                    let input_opts = &input_opts;
                    tasks.spawn_fifo(move |_| {
                        let input_bytes: usize = chunk.iter().map(Raw::input_bytes).sum();
                        let mut jsonl = Vec::with_capacity(if format == OutputFormat::Jsonl {
                            // A record is about twice its input line (an
                            // oversize line counts its bytes but yields a
                            // short error record: no more than a few MB).
                            (2 * input_bytes).min(4 * CHUNK_BYTES) + 1024
                        } else {
                            0
                        });
                        let notes: Vec<Done> = chunk
                            .into_iter()
                            .map(|raw| process(auditor, raw, input_opts, format, only, &mut jsonl))
                            .collect();
                        let _ = done_tx.send((seq, DoneChunk { notes, jsonl }));
                    });
                }
            });
        });
        // Writer (this thread).
        let prog_path = file_output.as_ref().map(|o| progress_path(o));
        let mut write_err: Option<anyhow::Error> = None;
        let mut pending: std::collections::BTreeMap<u64, DoneChunk> = Default::default();
        let mut next = 0u64;
        let in_order = done_rx.into_iter().flat_map(|(seq, done)| {
            pending.insert(seq, done);
            let mut ready = Vec::new();
            while let Some(d) = pending.remove(&next) {
                ready.push(d);
                next += 1;
            }
            ready
        });
        for done in in_order {
            // The chunk is out of the window; the reader may start another.
            let _ = token_tx.send(());
            if write_err.is_some() {
                continue;
            }
            let written = done.jsonl.len() as u64;
            for d in &done.notes {
                summary.add(&d.brief, d.bytes, d.lossy);
                items_done += 1;
                if opts.only == Only::Flagged && !d.brief.is_flagged() {
                    continue;
                }
                if let Some(out) = &d.out {
                    if let Err(e) = sink.write(out, d.text.as_deref()) {
                        write_err = Some(e.into());
                        break;
                    }
                }
            }
            if write_err.is_none() && !done.jsonl.is_empty() {
                if let Err(e) = sink.write_raw(&done.jsonl) {
                    write_err = Some(e.into());
                }
            }
            if let Some(b) = &bar {
                b.inc(done.notes.iter().map(|d| d.bytes as u64).sum());
                b.set_message(format!("{} notes", summary.notes));
            }
            // A chunk that was not written whole is not recorded as done
            // (the run fails; --resume redoes it).
            if write_err.is_some() {
                continue;
            }
            if let Some(p) = &prog_path {
                if let Err(e) = sink.flush() {
                    write_err = Some(e.into());
                    continue;
                }
                bytes_out = if opts.format == OutputFormat::Jsonl {
                    bytes_out + written
                } else {
                    std::fs::metadata(partial_path(opts.output.as_ref().unwrap()))
                        .map(|m| m.len())
                        .unwrap_or(0)
                };
                let mut s = summary.clone();
                s.finish(previous_seconds + start.elapsed().as_secs_f64());
                if let Err(e) = write_progress(
                    p,
                    &Progress {
                        items: items_done,
                        bytes_out,
                        summary: s,
                    },
                ) {
                    write_err = Some(e);
                }
            }
        }
        work.join().expect("worker thread");
        let fatal = reader.join().expect("reader thread");
        if let Some(e) = write_err {
            return Err(e.context("writing the output failed"));
        }
        Ok(fatal)
    })?;
    if let Some(e) = fatal {
        return Err(e.into());
    }
    sink.finish().context("writing the output failed")?;
    drop(sink);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    summary.finish(previous_seconds + start.elapsed().as_secs_f64());
    if let Some(out) = &file_output {
        std::fs::rename(partial_path(out), out)
            .with_context(|| format!("{}: cannot finish the output", out.display()))?;
        let _ = std::fs::remove_file(progress_path(out));
    }
    if let Some(path) = &opts.summary {
        std::fs::write(path, serde_json::to_string_pretty(&summary)? + "\n")
            .with_context(|| format!("{}: cannot write the summary", path.display()))?;
    }
    if opts.summary_line {
        eprintln!("{}", summary.line());
    }
    Ok(RunOutcome { summary })
}
