//! Notes in and records out: the readers ([`input`]), the batch runner
//! ([`batch`]), and the sinks ([`jsonl`] and [`output`] for JSON lines and
//! CSV, [`report`] for the HTML review report).

pub mod batch;
pub mod decode;
pub mod input;
pub mod jsonl;
pub mod output;
pub mod report;
pub mod sniff;
