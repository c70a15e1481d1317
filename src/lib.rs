//! m53audit: audits free-text clinical notes for ICD-10-CM M53.83 (other
//! specified dorsopathies, cervicothoracic region) and the more specific
//! codes that pre-empt it.
//!
//! The pipeline, one folder per stage, data flowing one way (a module
//! imports only the modules listed before it; `tests/layers.rs` checks it):
//!
//! 1. [`text`]: the note normalised (with an offset map back to the
//!    original bytes) and split into sentences;
//! 2. [`spine`] and [`lexicon`]: the anatomy and the clinical vocabulary as
//!    data (embedded, overridable, validated at load);
//! 3. [`find`]: concepts, ConText triggers and level expressions, found in
//!    one pass;
//! 4. [`context`]: the section of each sentence and the ConText assertion of
//!    each term;
//! 5. [`analysis`]: the note's terms, placed at levels and asserted;
//! 6. [`decide`]: DOMAIN.md's decision procedure (verdict, codes,
//!    checklist, score, gaps);
//! 7. [`lines`]: the claim's procedure lines checked against the coverage
//!    policy (does a documented diagnosis fit, are the required elements
//!    documented);
//! 8. [`query`]: compliant provider queries, raised where the
//!    documentation leaves the code open, quoting the note's indicators;
//! 9. [`record`]: the output record of one note ([`Auditor`] runs 1-9);
//! 10. [`rollup`]: the notes of one encounter or claim audited as one
//!     chart;
//! 11. [`io`]: readers, the batch runner, and the sinks (JSONL, CSV, HTML);
//! 12. [`commands`]: the command line (`audit`, `explain`, `eval`, `assert`).
#![warn(missing_docs)]

pub mod analysis;
pub mod commands;
pub mod context;
pub mod decide;
pub mod find;
pub mod io;
pub mod lexicon;
pub mod lines;
pub mod query;
pub mod record;
pub mod rollup;
pub mod spine;
pub mod text;

pub use decide::Verdict;
pub use lexicon::Lexicons;
pub use record::{Auditor, Note, Output, Record};
