//! Helpers the end-to-end test files share.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs `cmd` with `stdin` piped in, and collects its output.
#[allow(dead_code)] // not every test file pipes stdin
pub fn with_stdin(cmd: &mut Command, stdin: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

/// Runs m53audit with `args` in `dir`.
#[allow(dead_code)] // not every test file runs in a directory
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_m53audit"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// The JSON records of an output, one a line.
#[allow(dead_code)]
pub fn json_records(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
