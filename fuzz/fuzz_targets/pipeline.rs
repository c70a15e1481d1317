//! The per-note pipeline on any text: it must not panic, every evidence
//! span must be an exact slice of the note, and the record must serialise.
#![no_main]
use libfuzzer_sys::fuzz_target;
use m53audit::{Auditor, Lexicons, Note};
use std::sync::OnceLock;

fn auditor() -> &'static Auditor {
    static A: OnceLock<Auditor> = OnceLock::new();
    A.get_or_init(|| Auditor::new(Lexicons::load(None).expect("built-in lexicons")))
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let note = Note {
        id: "fuzz".into(),
        text,
        ..Note::default()
    };
    let rec = auditor().audit(&note);
    for e in &rec.evidence {
        assert!(e.start <= e.end && e.end <= note.text.len());
        assert_eq!(note.text.get(e.start..e.end), Some(e.text.as_str()));
    }
    serde_json::to_string(&rec).expect("record serialises");
});
