//! The JSON-lines reader on any bytes: no panic, and exactly one item for
//! each line that is not blank (a note or the error record saying why).
#![no_main]
use libfuzzer_sys::fuzz_target;
use m53audit::io::input::{read_all, InputFormat, InputOptions};

fuzz_target!(|data: &[u8]| {
    let opts = InputOptions {
        format: InputFormat::Jsonl,
        max_note_bytes: 1 << 12,
        ..InputOptions::default()
    };
    let Ok(items) = read_all(data.to_vec(), "f.jsonl", &opts) else {
        return; // refused whole (compressed with another method, binary): said so
    };
    // What the reader saw: the bytes after any gzip/zstd/UTF-16 layer are
    // not these, so count lines only for plain UTF-8-or-bytes input.
    let plain = !data.starts_with(&[0x1f, 0x8b])
        && !data.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
        && !data.starts_with(&[0xff, 0xfe])
        && !data.starts_with(&[0xfe, 0xff])
        && !data.contains(&0);
    if plain {
        let body = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
        let lines = body
            .split(|&b| b == b'\n')
            .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
            .count();
        assert_eq!(items.len(), lines);
    }
    for item in &items {
        if let Ok(n) = &item.note {
            assert!(n.text.len() <= opts.max_note_bytes && !n.text.trim().is_empty());
        }
    }
});
