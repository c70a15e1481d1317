//! Notes in and records out: the readers ([`input`]), the batch runner
//! ([`batch`]), and the sinks ([`jsonl`] and [`output`] for JSON lines and
//! CSV, [`report`] for the HTML review report); [`fhir`] and [`hl7`] read
//! Bulk FHIR and HL7 v2 exports, [`markup`] their HTML and RTF
//! attachments, and [`grouped`] runs the roll-up of `--by claim`.

pub mod batch;
pub mod decode;
pub mod fhir;
pub mod grouped;
pub mod hl7;
pub mod input;
pub mod jsonl;
pub mod markup;
pub mod output;
pub mod report;
pub mod sniff;
