//! The `m53audit` command: parse the arguments, run, map the result to an
//! exit status (0 ok, 1 some notes had errors or a check failed, 2 the run
//! could not proceed). A closed output pipe is success.

use clap::Parser;

/// mimalloc: the per-note pipeline allocates many small, short-lived
/// buffers on every worker thread; glibc malloc spent over a tenth of the
/// run in them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = m53audit::commands::cli::Cli::parse();
    let code = match m53audit::commands::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                0
            } else {
                eprintln!("m53audit: {e:#}");
                2
            }
        }
    };
    std::process::exit(code);
}
