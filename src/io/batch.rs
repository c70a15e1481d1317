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

use crate::io::decode::Decoding;
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
    /// Refuse to replace an existing output file.
    pub no_clobber: bool,
    /// What else decides the records (the care setting, the lexicons):
    /// part of the fingerprint a resumed run must match.
    pub decided_by: String,
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
    /// Exit status: 0 all notes audited, 1 some notes had errors, 2 the
    /// input held no notes at all.
    pub fn exit_code(&self) -> i32 {
        if self.summary.notes == 0 {
            2
        } else if self.summary.error_count() > 0 {
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
    /// The run's [`fingerprint`]; `--resume` refuses another.
    #[serde(default)]
    fingerprint: String,
}

/// What makes a run's output: the program version, each input (path,
/// size, modification time), the output format and the options that
/// change records. A resumed run must have the same.
fn fingerprint(opts: &RunOptions, sources: &[Source]) -> String {
    let mut fp = format!(
        "m53audit {}; format {:?}; only {:?}; {:?}; {}",
        env!("CARGO_PKG_VERSION"),
        opts.format,
        opts.only,
        opts.input,
        opts.decided_by
    );
    for s in sources {
        match s {
            Source::Stdin => fp.push_str("; stdin"),
            Source::File { path, .. } => {
                let meta = std::fs::metadata(path).ok();
                let size = meta.as_ref().map_or(0, |m| m.len());
                let mtime = meta
                    .and_then(|m| m.modified().ok())
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
                fp.push_str(&format!("; {} {size} {mtime}", path.display()));
            }
        }
    }
    fp
}

/// Refuses, before anything is written, what would lose data or fail at
/// the end: an output that is one of the inputs, an existing output with
/// `--no-clobber`, records and summary both on stdout, a summary path that
/// cannot be written, `--resume` of stdin.
pub(crate) fn check_paths(opts: &RunOptions, sources: &[Source]) -> Result<()> {
    let stdout = |p: &Option<PathBuf>| p.as_ref().is_some_and(|p| p.as_os_str() == "-");
    if stdout(&opts.output) && stdout(&opts.summary) {
        bail!("-o - and --summary - would mix records and the summary on stdout; send one of them to a file");
    }
    if let Some(out) = opts.output.as_ref().filter(|p| p.as_os_str() != "-") {
        if let Ok(out_real) = std::fs::canonicalize(out) {
            for s in sources {
                if let Source::File { path, .. } = s {
                    if std::fs::canonicalize(path).is_ok_and(|p| p == out_real) {
                        bail!(
                            "{}: the output is also an input; writing it would destroy the input",
                            out.display()
                        );
                    }
                }
            }
            if opts.no_clobber && !opts.resume && out_real.is_file() {
                bail!(
                    "{}: exists (--no-clobber); remove it or choose another -o",
                    out.display()
                );
            }
        }
    }
    if let Some(path) = opts.summary.as_ref().filter(|p| p.as_os_str() != "-") {
        check_writable(path)
            .with_context(|| format!("{}: cannot write the summary", path.display()))?;
    }
    if opts.resume && sources.contains(&Source::Stdin) {
        bail!("--resume cannot skip notes of stdin, which a rerun does not read again; give the input as files");
    }
    Ok(())
}

/// Can `path` be written (without changing it when it exists)?
fn check_writable(path: &Path) -> std::io::Result<()> {
    if path.exists() {
        OpenOptions::new().append(true).open(path).map(drop)
    } else {
        OpenOptions::new().write(true).create_new(true).open(path)?;
        std::fs::remove_file(path)
    }
}

pub(crate) fn partial_path(out: &Path) -> PathBuf {
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
    decoding: Option<Decoding>,
    text: Option<String>,
    /// The record's id, hashed (to find duplicates without keeping ids).
    id_hash: u64,
    /// The id, when `out` is not kept (JSON lines).
    id: Option<String>,
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
            // The report shows the decoded text, so its offsets stay in it;
            // JSON lines and CSV give offsets into the original bytes.
            let html = format == OutputFormat::Html;
            if let Some(how) = item.decoding {
                let mapped = item.offsets.is_some() && !html;
                rec.notes.push(how.note(mapped));
            }
            if let (Some(map), false) = (&item.offsets, html) {
                rec.map_offsets(|p| map.original(p));
            }
            let text = html.then_some(note.text);
            (Output::Audited(Box::new(rec)), text)
        }
        Err(mut e) => {
            e.m53audit = Some(auditor.trail.clone());
            (Output::Error(e), None)
        }
    };
    let id_hash = id_hash(out.id());
    let brief = Brief::of(&out);
    let (out, id) = if format == OutputFormat::Jsonl {
        // Serialise and drop the record here, on the worker thread,
        // keeping its id (moved, not copied) for the duplicate count.
        if only == Only::All || brief.is_flagged() {
            crate::io::jsonl::write_line(&out, jsonl);
        }
        (None, Some(out.into_id()))
    } else {
        (Some(out), None)
    };
    Done {
        brief,
        out,
        bytes: item.bytes,
        decoding: item.decoding,
        text,
        id_hash,
        id,
    }
}

/// The FxHash of a string (the same in every run): record ids for the
/// duplicate count, note texts for the roll-up's duplicates.
pub(crate) fn id_hash(id: &str) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = rustc_hash::FxBuildHasher.build_hasher();
    h.write(id.as_bytes());
    h.finish()
}

/// Runs an audit: opens the output (resuming where a progress file says),
/// streams the inputs through reader, workers and writer, then renames the
/// finished output and writes the summary.
pub fn run(auditor: &Auditor, opts: &RunOptions) -> Result<RunOutcome> {
    let inputs = expand(&opts.paths, &opts.input)?;
    let sources = inputs.sources;
    check_paths(opts, &sources)?;
    let fingerprint = fingerprint(opts, &sources);
    let start = Instant::now();
    let total_bytes = total_bytes(&sources);
    if opts.resume && opts.format == OutputFormat::Html {
        bail!("--resume does not work with --format html (the report is written whole); rerun without --resume");
    }
    let opened = open_output(opts, &fingerprint)?;
    let resumed = opened.skip > 0;
    let sink: Box<dyn Sink> = match opts.format {
        OutputFormat::Jsonl => Box::new(crate::io::output::JsonlSink::new(opened.writer)),
        OutputFormat::Csv => Box::new(CsvSink::new(opened.writer, !resumed)),
        OutputFormat::Html => Box::new(crate::io::report::HtmlSink::new(
            opened.writer,
            auditor.analyzer.lexicons.tabular.clone(),
        )),
    };
    let mut writer = Writer {
        opts,
        start,
        previous_seconds: opened.progress.summary.seconds,
        summary: opened.progress.summary.clone(),
        seen_ids: Default::default(),
        read_bytes: Default::default(),
        first_notes: opened.progress.summary.notes,
        fingerprint,
        bytes_out: opened.progress.bytes_out,
        items_done: opened.progress.items,
        progress_path: opened.file_output.as_ref().map(|o| progress_path(o)),
        sink,
        bar: progress_bar(opts, total_bytes),
    };
    writer.summary.set_skipped(&inputs.skipped);
    writer.summary.m53audit = crate::io::output::SummaryTrail::of(&auditor.trail);
    let items = Items::new(sources, opts.input.clone());
    writer.read_bytes = items.read_bytes();
    stream(auditor, opts, items, opened.skip, &mut writer)?;
    writer.sink.finish().context("writing the output failed")?;
    let Writer {
        mut summary,
        bar,
        sink,
        ..
    } = writer;
    drop(sink);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    summary.finish(opened.progress.summary.seconds + start.elapsed().as_secs_f64());
    if let Some(out) = &opened.file_output {
        std::fs::rename(partial_path(out), out)
            .with_context(|| format!("{}: cannot finish the output", out.display()))?;
        let _ = std::fs::remove_file(progress_path(out));
    }
    write_summary(opts, &summary)?;
    Ok(RunOutcome { summary })
}

/// Writes the summary where `--summary` says, and its line on stderr
/// unless quiet.
pub(crate) fn write_summary(opts: &RunOptions, summary: &Summary) -> Result<()> {
    if let Some(path) = &opts.summary {
        let text = serde_json::to_string_pretty(summary)? + "\n";
        if path.as_os_str() == "-" {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|_| out.flush())
                .context("cannot write the summary to stdout")?;
        } else {
            std::fs::write(path, text)
                .with_context(|| format!("{}: cannot write the summary", path.display()))?;
        }
    }
    if opts.summary_line {
        eprintln!("{}", summary.line());
    }
    Ok(())
}

/// The inputs' total size as stored (compressed or not) when every input
/// is a file (the progress bar's denominator); `None` with stdin.
fn total_bytes(sources: &[Source]) -> Option<u64> {
    let mut total = 0;
    for s in sources {
        match s {
            Source::File { path, .. } => {
                total += std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
            }
            Source::Stdin => return None,
        }
    }
    Some(total)
}

/// The opened output: where records go, what an earlier interrupted run
/// already wrote, and the file to rename when the run completes.
struct Opened {
    writer: Box<dyn Write>,
    progress: Progress,
    /// Input notes already written (to skip).
    skip: u64,
    /// The output file (written as `FILE.partial`), when not stdout or a device.
    file_output: Option<PathBuf>,
}

/// Opens stdout, a device or pipe (written directly: nothing to rename), or
/// `FILE.partial` (new, or reopened at the recorded length for `--resume`).
fn open_output(opts: &RunOptions, fingerprint: &str) -> Result<Opened> {
    // `-o -` is stdout.
    let output = opts.output.clone().filter(|o| o.as_os_str() != "-");
    let special = output
        .as_ref()
        .and_then(|o| std::fs::metadata(o).ok())
        .is_some_and(|m| !m.is_file());
    let file_output = if special { None } else { output.clone() };
    if opts.resume && file_output.is_none() {
        bail!("--resume needs an output file (-o FILE)");
    }
    let buffered =
        |w: Box<dyn Write>| -> Box<dyn Write> { Box::new(BufWriter::with_capacity(1 << 16, w)) };
    let mut opened = Opened {
        writer: Box::new(std::io::sink()),
        progress: Progress::default(),
        skip: 0,
        file_output: file_output.clone(),
    };
    opened.writer = match &file_output {
        None if special => {
            let o = output.as_ref().expect("special output");
            let f = OpenOptions::new()
                .write(true)
                .open(o)
                .with_context(|| format!("{}: cannot open", o.display()))?;
            buffered(Box::new(f))
        }
        None => buffered(Box::new(std::io::stdout().lock())),
        Some(out) if opts.resume && partial_path(out).exists() => {
            let partial = partial_path(out);
            if let Ok(bytes) = std::fs::read(progress_path(out)) {
                opened.progress = serde_json::from_slice(&bytes).with_context(|| {
                    format!("{}: corrupt progress file", progress_path(out).display())
                })?;
                if opened.progress.fingerprint != fingerprint {
                    bail!(
                        "{}: the interrupted run read other inputs or had other options (inputs, their sizes and times, format, --only, input options, setting, lexicons); rerun without --resume",
                        out.display()
                    );
                }
            }
            let mut f = OpenOptions::new()
                .read(true)
                .write(true)
                .open(&partial)
                .with_context(|| format!("{}: cannot reopen", partial.display()))?;
            f.set_len(opened.progress.bytes_out)?;
            f.seek(SeekFrom::End(0))?;
            opened.skip = opened.progress.items;
            buffered(Box::new(f))
        }
        Some(out) => {
            let partial = partial_path(out);
            if opts.resume && out.exists() {
                bail!(
                    "{}: already complete (no {} to resume)",
                    out.display(),
                    partial.display()
                );
            }
            let f = File::create(&partial)
                .with_context(|| format!("{}: cannot create", partial.display()))?;
            buffered(Box::new(f))
        }
    };
    Ok(opened)
}

/// A progress bar on stderr (by bytes when the total is known, else a
/// spinner), when asked for.
fn progress_bar(opts: &RunOptions, total_bytes: Option<u64>) -> Option<indicatif::ProgressBar> {
    if !opts.progress {
        return None;
    }
    let b = match total_bytes {
        Some(t) if t > 0 => indicatif::ProgressBar::new(t).with_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec} {msg} ETA {eta}",
            )
            .unwrap(),
        ),
        _ => indicatif::ProgressBar::new_spinner().with_style(
            indicatif::ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}").unwrap(),
        ),
    };
    b.set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(4));
    Some(b)
}

/// Reader, workers and writer joined by bounded channels. Chunks are
/// processed whole, each by one worker, several at once, and put back in
/// input order by the writer. A chunk may start only when the writer has
/// written all but `window - 1` of the chunks before it (one token per
/// chunk in flight), so a slow chunk cannot make the finished ones behind
/// it pile up in memory.
fn stream(
    auditor: &Auditor,
    opts: &RunOptions,
    mut items: Items,
    skip: u64,
    writer: &mut Writer,
) -> Result<()> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.max(1))
        .build()
        .context("cannot start the worker threads")?;
    let jobs = opts.jobs.max(1);
    let window = 2 * jobs + 2;
    let (token_tx, token_rx) = crossbeam_channel::bounded::<()>(window);
    for _ in 0..window {
        token_tx.send(()).expect("token channel has room");
    }
    let (chunk_tx, chunk_rx) = crossbeam_channel::bounded::<(u64, Vec<Raw>)>(jobs);
    let (done_tx, done_rx) = crossbeam_channel::bounded::<(u64, DoneChunk)>(window);
    let fatal = std::thread::scope(|scope| -> Result<Option<crate::io::input::InputError>> {
        let reader = scope.spawn(move || read_chunks(&mut items, skip, token_rx, chunk_tx));
        let work = scope.spawn(move || audit_chunks(auditor, opts, &pool, chunk_rx, done_tx));
        let written = writer.write_in_order(done_rx, &token_tx);
        work.join().expect("worker thread");
        let fatal = reader.join().expect("reader thread");
        written.context("writing the output failed")?;
        Ok(fatal)
    })?;
    match fatal {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// The reader: cuts the input into chunks of at most [`CHUNK_NOTES`] notes
/// or [`CHUNK_BYTES`] bytes, skipping the notes a resumed run already
/// wrote; each chunk waits for a token. Returns the error that stopped the
/// input, if any.
fn read_chunks(
    items: &mut Items,
    skip: u64,
    token_rx: crossbeam_channel::Receiver<()>,
    chunk_tx: crossbeam_channel::Sender<(u64, Vec<Raw>)>,
) -> Option<crate::io::input::InputError> {
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
}

/// The workers: each chunk audited whole by one pool thread, its JSON lines
/// formatted into one buffer.
fn audit_chunks(
    auditor: &Auditor,
    opts: &RunOptions,
    pool: &rayon::ThreadPool,
    chunk_rx: crossbeam_channel::Receiver<(u64, Vec<Raw>)>,
    done_tx: crossbeam_channel::Sender<(u64, DoneChunk)>,
) {
    let (input_opts, format, only) = (&opts.input, opts.format, opts.only);
    pool.in_place_scope_fifo(|tasks| {
        for (seq, chunk) in chunk_rx {
            let done_tx = done_tx.clone();
            tasks.spawn_fifo(move |_| {
                let input_bytes: usize = chunk.iter().map(Raw::input_bytes).sum();
                let mut jsonl = Vec::with_capacity(if format == OutputFormat::Jsonl {
                    // A record is about twice its input line (an oversize
                    // line counts its bytes but yields a short error
                    // record: no more than a few MB).
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
}

/// The writer's state: the sink, the counts so far, and where progress is
/// recorded for `--resume`.
struct Writer<'o> {
    opts: &'o RunOptions,
    start: Instant,
    /// Seconds an interrupted run had already spent.
    previous_seconds: f64,
    summary: Summary,
    /// Hashes of the ids written so far.
    seen_ids: rustc_hash::FxHashSet<u64>,
    /// Notes an interrupted run had already written.
    first_notes: u64,
    /// The run's fingerprint, kept in the progress file.
    fingerprint: String,
    /// Input bytes read so far, as stored (compressed or not).
    read_bytes: std::sync::Arc<std::sync::atomic::AtomicU64>,
    bytes_out: u64,
    items_done: u64,
    progress_path: Option<PathBuf>,
    sink: Box<dyn Sink>,
    bar: Option<indicatif::ProgressBar>,
}

impl Writer<'_> {
    /// Writes the chunks in input order as they arrive, giving a token back
    /// for each. After a write error the rest is drained, not written.
    fn write_in_order(
        &mut self,
        done_rx: crossbeam_channel::Receiver<(u64, DoneChunk)>,
        token_tx: &crossbeam_channel::Sender<()>,
    ) -> Result<()> {
        let mut write_err: Option<anyhow::Error> = None;
        let mut pending: std::collections::BTreeMap<u64, DoneChunk> = Default::default();
        let mut next = 0u64;
        for (seq, done) in done_rx {
            pending.insert(seq, done);
            while let Some(done) = pending.remove(&next) {
                next += 1;
                // The chunk is out of the window; the reader may start another.
                let _ = token_tx.send(());
                if write_err.is_none() {
                    write_err = self.write_chunk(&done).err();
                }
            }
        }
        write_err.map_or(Ok(()), Err)
    }

    /// Counts and writes one chunk, then records the progress. A chunk that
    /// was not written whole is not recorded as done (the run fails;
    /// `--resume` redoes it).
    fn write_chunk(&mut self, done: &DoneChunk) -> Result<()> {
        let opts = self.opts;
        let mut write_err: Option<anyhow::Error> = None;
        for d in &done.notes {
            self.summary.add(&d.brief, d.bytes, d.decoding);
            if !self.seen_ids.insert(d.id_hash) {
                let id = d.id.as_deref().or(d.out.as_ref().map(Output::id));
                self.summary.add_duplicate(id.unwrap_or_default());
            }
            self.items_done += 1;
            if opts.only == Only::Flagged && !d.brief.is_flagged() {
                continue;
            }
            if let Some(out) = &d.out {
                if let Err(e) = self.sink.write(out, d.text.as_deref()) {
                    write_err = Some(e.into());
                    break;
                }
            }
        }
        if write_err.is_none() && !done.jsonl.is_empty() {
            write_err = self.sink.write_raw(&done.jsonl).err().map(Into::into);
        }
        if let Some(b) = &self.bar {
            b.set_position(self.read_bytes.load(std::sync::atomic::Ordering::Relaxed));
            let seconds = self.start.elapsed().as_secs_f64().max(1e-3);
            b.set_message(format!(
                "{} notes, {:.0} notes/s, {} errors",
                self.summary.notes,
                (self.summary.notes - self.first_notes) as f64 / seconds,
                self.summary.error_count()
            ));
        }
        if let Some(e) = write_err {
            return Err(e);
        }
        self.record_progress(done.jsonl.len() as u64)
    }

    /// Flushes and writes the progress file (when the output is a file).
    fn record_progress(&mut self, written: u64) -> Result<()> {
        let Some(p) = &self.progress_path else {
            return Ok(());
        };
        self.sink.flush()?;
        self.bytes_out = if self.opts.format == OutputFormat::Jsonl {
            self.bytes_out + written
        } else {
            std::fs::metadata(partial_path(self.opts.output.as_ref().unwrap()))
                .map(|m| m.len())
                .unwrap_or(0)
        };
        let mut s = self.summary.clone();
        s.finish(self.previous_seconds + self.start.elapsed().as_secs_f64());
        write_progress(
            p,
            &Progress {
                items: self.items_done,
                bytes_out: self.bytes_out,
                summary: s,
                fingerprint: self.fingerprint.clone(),
            },
        )
    }
}
