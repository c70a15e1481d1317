//! Property tests: for arbitrary Unicode input the auditor never panics,
//! every evidence span is a valid, exact byte range of the original text,
//! and the output is the same whatever the input's surroundings.

use m53audit::{Auditor, Lexicons, Note};
use proptest::prelude::*;
use std::sync::OnceLock;

fn auditor() -> &'static Auditor {
    static A: OnceLock<Auditor> = OnceLock::new();
    A.get_or_init(|| Auditor::new(Lexicons::builtin()))
}

/// Pieces of clinical text mixed with arbitrary Unicode, so that matches
/// (and their offsets) actually occur next to multi-byte characters.
fn note_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("C7-T1".to_string()),
        Just("C7\u{2013}T1".to_string()),
        Just("C 7 \u{2014} T 1".to_string()),
        Just("cervico\u{2011}thoracic junction".to_string()),
        Just(" facet syndrome".to_string()),
        Just(" no disc herniation".to_string()),
        Just(" cannot be ruled out".to_string()),
        Just("\r\n".to_string()),
        Just("\u{00A0}".to_string()),
        Just("\u{00AD}".to_string()),
        Just("C7\u{00AD}-\u{200D}T1".to_string()),
        Just(". ".to_string()),
        Just("Assessment:".to_string()),
        Just(" x 3 months".to_string()),
        Just("\u{201C}radiculopathy\u{201D}".to_string()),
        Just("T1-weighted".to_string()),
        "\\PC{0,12}",
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(384))]

    #[test]
    fn evidence_offsets_are_exact(text in note_text()) {
        let rec = auditor().audit(&Note { id: "p".into(), text: text.clone(), billed: vec![], setting: None, procedures: vec![] });
        for e in &rec.evidence {
            prop_assert!(e.start <= e.end && e.end <= text.len());
            prop_assert!(text.is_char_boundary(e.start) && text.is_char_boundary(e.end));
            prop_assert_eq!(&text[e.start..e.end], e.text.as_str());
        }
        for el in [&rec.checklist.region, &rec.checklist.pathology, &rec.checklist.imaging] {
            for &i in &el.evidence {
                prop_assert!(i < rec.evidence.len());
            }
        }
    }

    #[test]
    fn normalisation_maps_every_byte_back(text in note_text()) {
        let n = m53audit::text::Normalized::new(&text);
        prop_assert_eq!(n.text.len(), n.flat.len());
        let (a, b) = n.original_range(0, n.text.len());
        prop_assert_eq!((a, b), (0, text.len()));
        let mut last = 0;
        for i in 0..=n.text.len() {
            if n.text.is_char_boundary(i) {
                let (s, _) = n.original_range(i, i);
                prop_assert!(s >= last && text.is_char_boundary(s));
                last = s;
            }
        }
    }

    /// The chunked fast path copies plain runs exactly as the rule says:
    /// a white-space run becomes one space, or one line break if it holds
    /// one, and each byte still maps back to its own.
    #[test]
    fn normalisation_collapses_white_space_runs(
        text in "([a-zA-Z0-9.,:;/()-]{1,30}( {1,3}|\n|\t|\r\n| \n |\u{2013}|\u{00A0}|é)?){0,12}",
    ) {
        let n = m53audit::text::Normalized::new(&text);
        let mut expected = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if c.is_whitespace() {
                let mut newline = c == '\n' || c == '\r';
                while let Some(&d) = chars.peek().filter(|d| d.is_whitespace()) {
                    newline |= d == '\n' || d == '\r';
                    chars.next();
                }
                expected.push(if newline { '\n' } else { ' ' });
            } else if c == '\u{2013}' {
                expected.push('-');
            } else {
                expected.push(c);
            }
        }
        prop_assert_eq!(&n.text, &expected);
        for (i, c) in n.text.char_indices() {
            if c.is_ascii_graphic() && c != '-' {
                let (a, b) = n.original_range(i, i + 1);
                prop_assert_eq!(&text[a..b], &n.text[i..i + 1]);
            }
        }
    }

    #[test]
    fn ascii_word_count_agrees_with_uax29(s in "[ -~]{0,80}") {
        prop_assert_eq!(m53audit::text::word_count(&s), m53audit::text::tokens(&s).count());
    }

    #[test]
    fn audit_is_deterministic(text in note_text()) {
        let a = auditor().audit(&Note { id: "d".into(), text: text.clone(), billed: vec![], setting: None, procedures: vec![] });
        let b = auditor().audit(&Note { id: "d".into(), text, billed: vec![], setting: None, procedures: vec![] });
        prop_assert_eq!(a, b);
    }
}
