//! `m53gen`: writes a deterministic archive of synthetic notes (JSON lines)
//! for the end-to-end benchmark. See README "Benchmarks".

use clap::Parser;
use std::io::Write;

/// Writes seeded synthetic clinical notes as JSON lines.
#[derive(Debug, Parser)]
#[command(
    name = "m53gen",
    version,
    after_help = "Example:\n  m53gen --seed 53 --bytes 1000000000 -o bench-data/archive.jsonl"
)]
struct Args {
    /// Seed (the same seed gives the same archive).
    #[arg(long, default_value_t = 53)]
    seed: u64,
    /// Stop once at least this many bytes are written.
    #[arg(long, default_value_t = 1_000_000_000)]
    bytes: u64,
    /// Which notes: `realistic` (spinal findings inside full notes of real
    /// lengths, about 2.6 KB) or `dense` (the findings alone, about 0.8 KB:
    /// the stress case, and the archive of the earliest README figures).
    #[arg(long, value_enum, default_value_t = m53gen::Mix::Realistic)]
    mix: m53gen::Mix,
    /// Output file (stdout when absent).
    #[arg(short, long)]
    output: Option<std::path::PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    let mut w: Box<dyn Write> = match &a.output {
        Some(p) => {
            if let Some(dir) = p.parent() {
                std::fs::create_dir_all(dir)?;
            }
            Box::new(std::io::BufWriter::with_capacity(
                1 << 20,
                std::fs::File::create(p)?,
            ))
        }
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let (notes, bytes) = m53gen::generate(a.seed, a.bytes, a.mix, &mut w)?;
    w.flush()?;
    eprintln!(
        "m53gen: {notes} notes, {bytes} bytes (seed {}, {:?} mix)",
        a.seed, a.mix
    );
    Ok(())
}
