//! The level grammar on any normalised text: no panic, every mention
//! inside the text, on character boundaries, with a start before its end.
#![no_main]
use libfuzzer_sys::fuzz_target;
use m53audit::find::levels::find_levels;
use m53audit::text::Normalized;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let norm = Normalized::new(&text);
    let flat = &norm.flat;
    for m in find_levels(flat) {
        assert!(m.start < m.end && m.end <= flat.len());
        assert!(flat.is_char_boundary(m.start) && flat.is_char_boundary(m.end));
    }
});
