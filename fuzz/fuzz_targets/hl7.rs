//! The HL7 v2 reader on any bytes: no panic, at least one item (a note or
//! the record saying there is none), every note not blank.
#![no_main]
use libfuzzer_sys::fuzz_target;
use m53audit::io::input::{read_all, InputFormat, InputOptions};

fuzz_target!(|data: &[u8]| {
    let opts = InputOptions {
        format: InputFormat::Hl7,
        max_note_bytes: 1 << 12,
        ..InputOptions::default()
    };
    let Ok(items) = read_all(data.to_vec(), "f.hl7", &opts) else {
        return;
    };
    assert!(!items.is_empty());
    for item in &items {
        if let Ok(n) = &item.note {
            assert!(!n.text.trim().is_empty());
        }
    }
});
