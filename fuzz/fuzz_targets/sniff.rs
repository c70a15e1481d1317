//! Format detection and decoding on any bytes: no panic; a text note's
//! offset map stays inside the original bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use m53audit::io::decode::{decode, Utf8Policy};
use m53audit::io::input::{read_all, InputOptions};

fuzz_target!(|data: &[u8]| {
    let _ = read_all(data.to_vec(), "f", &InputOptions::default());
    for policy in [Utf8Policy::Windows1252, Utf8Policy::Replace] {
        let d = decode(data.to_vec(), policy).expect("only the error policy refuses");
        if let Some((_, map)) = &d.how {
            let mut last = 0;
            for (i, _) in d.text.char_indices().chain([(d.text.len(), ' ')]) {
                let o = map.original(i);
                assert!(o >= last && o <= data.len());
                last = o;
            }
        }
    }
});
