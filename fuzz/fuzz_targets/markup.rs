//! HTML and RTF to text on any input: no panic, and the offset map sends
//! every character boundary of the text to a byte of the source, in order.
#![no_main]
use libfuzzer_sys::fuzz_target;
use m53audit::io::markup::{html_to_text, rtf_to_text};

fuzz_target!(|data: &[u8]| {
    let mut plains = vec![(rtf_to_text(data), data.len())];
    if let Ok(s) = std::str::from_utf8(data) {
        plains.push((html_to_text(s), s.len()));
    }
    for (p, len) in plains {
        let mut last = 0;
        for (i, _) in p.text.char_indices() {
            let o = p.offsets.original(i);
            assert!(o <= len && o >= last, "offset {o} of {i} (source {len}, last {last})");
            last = o;
        }
    }
});
