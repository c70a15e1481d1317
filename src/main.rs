//! The `m53audit` command: parse the arguments, run, map the result to an
//! exit status (0 ok, 1 some notes had errors or a check failed, 2 the run
//! could not proceed). A closed output pipe is success.

use clap::Parser;

fn main() {
    let cli = m53audit::cli::Cli::parse();
    let code = match m53audit::cli::run(cli) {
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
