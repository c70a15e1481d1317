//! The command line: argument parsing and dispatch ([`cli`]), and the
//! commands that are more than a batch run: [`explain`], [`eval`] and the
//! assertion engine's NegEx scoring ([`negex`]).

pub mod cli;
pub mod eval;
pub mod explain;
pub mod negex;
