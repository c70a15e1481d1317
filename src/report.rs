//! HTML review report (placeholder until the report lands).

use crate::output::Sink;
use crate::record::Output;
use std::io::{self, Write};

/// Writes the HTML review report.
pub struct HtmlSink<W: Write> {
    _w: W,
}

impl<W: Write> HtmlSink<W> {
    /// Writes to `w`.
    pub fn new(w: W) -> Self {
        HtmlSink { _w: w }
    }
}

impl<W: Write> Sink for HtmlSink<W> {
    fn write(&mut self, _out: &Output, _text: Option<&str>) -> io::Result<()> {
        Err(io::Error::other("the HTML report is not available yet"))
    }
}
