//! The CSV reader on any bytes: no panic, refusals as errors, every note
//! within the size limit (on its bytes as stored) and not blank.
#![no_main]
use libfuzzer_sys::fuzz_target;
use m53audit::io::input::{read_all, InputFormat, InputOptions};

fuzz_target!(|data: &[u8]| {
    for format in [InputFormat::Csv, InputFormat::Tsv] {
        let opts = InputOptions {
            format,
            max_note_bytes: 1 << 12,
            ..InputOptions::default()
        };
        if let Ok(items) = read_all(data.to_vec(), "f.csv", &opts) {
            for item in &items {
                if let Ok(n) = &item.note {
                    // The limit is on the field's bytes; read as Windows-1252 a byte
                    // may become up to three bytes of UTF-8.
                    assert!(n.text.len() <= 3 * opts.max_note_bytes && !n.text.trim().is_empty());
                }
            }
        }
    }
});
