//! A note's bytes to text, keeping the way back: UTF-8 is taken as it is;
//! bytes that are not UTF-8 are read as Windows-1252 (the encoding of most
//! such exports; valid UTF-8 runs around them stay UTF-8) or replaced, as
//! `--invalid-utf8` says; UTF-16 (by its byte-order mark, or by the zero
//! bytes of its ASCII) is decoded. Whenever the text is not the input's own
//! bytes, an [`OffsetMap`] turns text offsets back into byte offsets of the
//! original, so evidence offsets stay exact.

/// How to treat bytes that are not valid UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Utf8Policy {
    /// Read each such byte as Windows-1252 and audit the note (a coder note says so).
    #[default]
    #[value(name = "windows-1252")]
    Windows1252,
    /// Replace each invalid sequence with U+FFFD and audit the note (a coder note says so).
    #[value(alias = "lossy")]
    Replace,
    /// Refuse the note with an `invalid_utf8` error record.
    Error,
}

/// How a text was decoded, when it was not valid UTF-8 as it stood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoding {
    /// Invalid bytes read as Windows-1252.
    Windows1252,
    /// Invalid sequences replaced by U+FFFD.
    Replaced,
    /// UTF-16, little-endian.
    Utf16Le,
    /// UTF-16, big-endian.
    Utf16Be,
}

impl Decoding {
    /// The coder note a record of such a text carries.
    pub fn note(self, offsets_mapped: bool) -> String {
        let what = match self {
            Decoding::Windows1252 => {
                "The note was not valid UTF-8; its bytes outside UTF-8 were read as Windows-1252"
            }
            Decoding::Replaced => {
                "The note was not valid UTF-8; invalid bytes were replaced before auditing"
            }
            Decoding::Utf16Le => "The note was UTF-16 (little-endian) and was decoded",
            Decoding::Utf16Be => "The note was UTF-16 (big-endian) and was decoded",
        };
        if offsets_mapped {
            format!("{what}; evidence offsets are bytes of the original.")
        } else {
            format!("{what}.")
        }
    }
}

/// Text offsets back to original byte offsets: anchors `(text, original)`,
/// sorted; text byte `i` comes from original byte `o + (i - t)` for the
/// last anchor `(t, o)` with `t <= i`. One anchor where the two stop running
/// in step (after each character whose widths differ).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetMap {
    anchors: Vec<(usize, usize)>,
}

impl OffsetMap {
    /// The map of anchors `(text offset, original offset)`, in order, the
    /// first `(0, o)`.
    pub fn from_anchors(anchors: Vec<(usize, usize)>) -> Self {
        debug_assert!(anchors.first().is_some_and(|a| a.0 == 0));
        OffsetMap { anchors }
    }

    /// The original byte offset of text offset `pos` (a character boundary).
    pub fn original(&self, pos: usize) -> usize {
        let i = self.anchors.partition_point(|&(t, _)| t <= pos);
        let (t, o) = self.anchors[i.saturating_sub(1)];
        o + (pos - t)
    }
}

/// A decoded text and, when it is not the input's bytes, how it was
/// decoded and the map back.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The text.
    pub text: String,
    /// `None` when the bytes were valid UTF-8 (the text is the bytes).
    pub how: Option<(Decoding, OffsetMap)>,
}

/// Why bytes were not decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invalid {
    /// First byte that is not UTF-8.
    pub at: usize,
}

/// The byte-order marks and what they announce.
pub fn utf16_bom(head: &[u8]) -> Option<Decoding> {
    match head {
        [0xFF, 0xFE, ..] => Some(Decoding::Utf16Le),
        [0xFE, 0xFF, ..] => Some(Decoding::Utf16Be),
        _ => None,
    }
}

/// UTF-16 without a byte-order mark, told by its ASCII: in a text of
/// mostly ASCII letters every other byte is zero. Needs 16 bytes or more.
pub fn utf16_without_bom(head: &[u8]) -> Option<Decoding> {
    let n = head.len().min(4096) & !1;
    if n < 16 {
        return None;
    }
    let zeros = |parity: usize| {
        head[..n]
            .iter()
            .skip(parity)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd, half) = (zeros(0), zeros(1), n / 2);
    if odd * 10 >= half * 7 && even * 20 <= half {
        Some(Decoding::Utf16Le)
    } else if even * 10 >= half * 7 && odd * 20 <= half {
        Some(Decoding::Utf16Be)
    } else {
        None
    }
}

/// Decodes a note's bytes: UTF-16 when it says so (or looks it), UTF-8 as
/// it is, otherwise under `policy`.
pub fn decode(bytes: Vec<u8>, policy: Utf8Policy) -> Result<Decoded, Invalid> {
    if let Some(enc) = utf16_bom(&bytes) {
        return Ok(decode_utf16(&bytes[2..], 2, enc));
    }
    // (ASCII in UTF-16 is valid UTF-8, zeros and all: look first.)
    let head = &bytes[..bytes.len().min(4096)];
    if memchr::memchr(0, head).is_some() {
        if let Some(enc) = utf16_without_bom(head) {
            return Ok(decode_utf16(&bytes, 0, enc));
        }
    }
    let bytes = match String::from_utf8(bytes) {
        Ok(text) => return Ok(Decoded { text, how: None }),
        Err(e) => e.into_bytes(),
    };
    let how = match policy {
        Utf8Policy::Windows1252 => Decoding::Windows1252,
        Utf8Policy::Replace => Decoding::Replaced,
        Utf8Policy::Error => {
            let at = std::str::from_utf8(&bytes)
                .err()
                .map_or(0, |e| e.valid_up_to());
            return Err(Invalid { at });
        }
    };
    Ok(decode_invalid_utf8(&bytes, how))
}

/// Text from bytes that are not all UTF-8: valid runs kept, each invalid
/// byte read as Windows-1252 (or each invalid sequence replaced).
pub fn decode_invalid_utf8(bytes: &[u8], how: Decoding) -> Decoded {
    let mut text = String::with_capacity(bytes.len() + bytes.len() / 4);
    let mut anchors = vec![(0, 0)];
    let mut orig = 0;
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        orig += chunk.valid().len();
        let bad = chunk.invalid();
        if bad.is_empty() {
            continue;
        }
        if how == Decoding::Replaced {
            text.push('\u{FFFD}');
            orig += bad.len();
            anchors.push((text.len(), orig));
            continue;
        }
        for &b in bad {
            text.push(windows_1252(b));
            orig += 1;
            anchors.push((text.len(), orig));
        }
    }
    Decoded {
        text,
        how: Some((how, OffsetMap { anchors })),
    }
}

/// A byte of Windows-1252 (the five bytes it leaves undefined read as the
/// C1 controls of the same number, as browsers do).
pub fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '\u{20AC}', '\u{81}', '\u{201A}', '\u{192}', '\u{201E}', '\u{2026}', '\u{2020}',
        '\u{2021}', '\u{2C6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8D}', '\u{17D}',
        '\u{8F}', '\u{90}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}',
        '\u{2014}', '\u{2DC}', '\u{2122}', '\u{161}', '\u{203A}', '\u{153}', '\u{9D}', '\u{17E}',
        '\u{178}',
    ];
    match b {
        0x80..=0x9F => HIGH[(b - 0x80) as usize],
        _ => char::from(b),
    }
}

/// The map from a text to the bytes of its UTF-16 encoding (a field of a
/// UTF-16 file, read as UTF-8 by the parser).
pub fn utf16_offsets(text: &str) -> OffsetMap {
    let mut anchors = vec![(0, 0)];
    let mut orig = 0;
    for (i, ch) in text.char_indices() {
        orig += 2 * ch.len_utf16();
        anchors.push((i + ch.len_utf8(), orig));
    }
    OffsetMap { anchors }
}

/// UTF-16 text starting `skip` bytes into the original (after a
/// byte-order mark); unpaired surrogates and an odd last byte become U+FFFD.
fn decode_utf16(bytes: &[u8], skip: usize, enc: Decoding) -> Decoded {
    let unit = |c: &[u8]| match enc {
        Decoding::Utf16Be => u16::from_be_bytes([c[0], c[1]]),
        _ => u16::from_le_bytes([c[0], c[1]]),
    };
    let units = bytes.chunks_exact(2).map(unit);
    let mut text = String::with_capacity(bytes.len() / 2 + 8);
    let mut anchors = vec![(0, skip)];
    let mut orig = skip;
    for c in char::decode_utf16(units) {
        let (ch, width) = match c {
            Ok(ch) => (ch, 2 * ch.len_utf16()),
            Err(_) => ('\u{FFFD}', 2),
        };
        text.push(ch);
        orig += width;
        anchors.push((text.len(), orig));
    }
    if bytes.len() % 2 == 1 {
        text.push('\u{FFFD}');
        anchors.push((text.len(), orig + 1));
    }
    Decoded {
        text,
        how: Some((enc, OffsetMap { anchors })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_en_dash_is_a_dash_and_offsets_are_the_original_bytes() {
        let bytes = b"Assessment: C7\x96T1 facet syndrome.".to_vec();
        let d = decode(bytes.clone(), Utf8Policy::Windows1252).unwrap();
        assert_eq!(d.text, "Assessment: C7\u{2013}T1 facet syndrome.");
        let (how, map) = d.how.unwrap();
        assert_eq!(how, Decoding::Windows1252);
        let t1 = d.text.find("T1").unwrap();
        assert_eq!(&bytes[map.original(t1)..map.original(t1 + 2)], b"T1");
        assert_eq!(map.original(d.text.len()), bytes.len());
    }

    #[test]
    fn valid_utf8_runs_stay_utf8_beside_a_stray_byte() {
        let d = decode(
            "C7\u{2013}T1 caf\u{e9} ".bytes().chain([0xE9]).collect(),
            Utf8Policy::Windows1252,
        )
        .unwrap();
        assert_eq!(d.text, "C7\u{2013}T1 caf\u{e9} \u{e9}");
    }

    #[test]
    fn replacement_maps_offsets_past_the_replaced_bytes() {
        let bytes = b"a\xff\xfeb C7-T1".to_vec();
        let d = decode(bytes.clone(), Utf8Policy::Replace).unwrap();
        let (_, map) = d.how.unwrap();
        let at = d.text.find("C7").unwrap();
        assert_eq!(&bytes[map.original(at)..map.original(at + 5)], b"C7-T1");
    }

    #[test]
    fn utf16_with_and_without_a_bom() {
        let s = "Assessment: C7\u{2013}T1 facet syndrome \u{1F600}.";
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(s.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let d = decode(le.clone(), Utf8Policy::Windows1252).unwrap();
        assert_eq!(d.text, s);
        let (how, map) = d.how.unwrap();
        assert_eq!(how, Decoding::Utf16Le);
        let at = s.find("T1").unwrap();
        assert_eq!(map.original(at), 2 + 2 * s[..at].encode_utf16().count());
        assert_eq!(map.original(s.len()), le.len());
        let be: Vec<u8> = s.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let d = decode(be, Utf8Policy::Windows1252).unwrap();
        assert_eq!((d.text.as_str(), d.how.unwrap().0), (s, Decoding::Utf16Be));
    }

    #[test]
    fn the_error_policy_names_the_first_bad_byte() {
        assert_eq!(
            decode(b"ok \x96".to_vec(), Utf8Policy::Error)
                .unwrap_err()
                .at,
            3
        );
        assert!(decode(b"ok".to_vec(), Utf8Policy::Error)
            .unwrap()
            .how
            .is_none());
    }
}
