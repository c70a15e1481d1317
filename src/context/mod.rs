//! Where a term stands: the section of each sentence ([`section`]) and the
//! ConText assertion of each term ([`assertion`]: affirmed, negated,
//! uncertain, hypothetical, historical, about someone else).

pub mod assertion;
pub mod document;
pub mod section;
pub mod statement;
