//! Finding terms: the lexicons' phrases and regexes, ConText triggers and
//! level probes in one automaton pass ([`matcher`]), and the level grammar
//! run at the probes ([`levels`]).

pub mod levels;
pub mod matcher;
