//! m53audit: audits free-text clinical notes for ICD-10-CM M53.83 (other
//! specified dorsopathies, cervicothoracic region) and the more specific
//! codes that pre-empt it.
//!
//! The pipeline, one module per stage, data flowing one way:
//! note → [`text`] (normalised text + offset map) → [`sentence`] and
//! [`section`] → [`matcher`] (concepts and ConText triggers in one pass),
//! [`region`] (levels) and [`assertion`] (ConText) → [`analysis`] (placed,
//! asserted terms) → [`scorer`] (verdict, checklist, gaps) → [`record`]
//! (output record) → [`jsonl`] / [`output`] (formats); [`batch`] runs it
//! over archives. Lexicons and rules are data ([`lexicon`]), embedded and
//! overridable.
#![warn(missing_docs)]

pub mod analysis;
pub mod assertion;
pub mod batch;
pub mod cli;
pub mod eval;
pub mod explain;
pub mod input;
pub mod jsonl;
pub mod lexicon;
pub mod matcher;
pub mod negex;
pub mod output;
pub mod record;
pub mod region;
pub mod report;
pub mod scorer;
pub mod section;
pub mod sentence;
pub mod synth;
pub mod text;

pub use lexicon::Lexicons;
pub use record::{Auditor, Note, Output, Record};
pub use scorer::Verdict;
