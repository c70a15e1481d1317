//! Text layer: normalisation with a byte-offset map back to the original,
//! word tokenisation and word-boundary helpers, and sentence splitting
//! ([`sentence`]).
//!
//! Matching runs on a normalised copy of the note: en/em dashes and minus
//! signs become `-`, smart quotes become ASCII quotes, non-breaking and other
//! Unicode spaces become a space, invisible characters (soft hyphen, zero-
//! width joiners) are dropped, CRLF and CR become `\n`, and every run of
//! white space collapses to one character (`\n` if the run held a line break,
//! otherwise a space), so that a phrase wrapped over two lines still matches.
//! Case is kept (matchers fold ASCII case themselves). Every byte of the
//! normalised text maps back to the byte of the original it came from, so
//! evidence offsets are exact in the original.

pub mod sentence;

use unicode_segmentation::UnicodeSegmentation;

/// A note's normalised text and the map back to the original.
#[derive(Debug, Clone)]
pub struct Normalized {
    /// Normalised text, line breaks kept (`\n`).
    pub text: String,
    /// The same text with line breaks as spaces (same length and offsets),
    /// for matching phrases that wrap over lines.
    pub flat: String,
    /// Offset map as anchors `(normalised, original)`, sorted: normalised
    /// byte `i` comes from original byte `o + (i - n)` for the last anchor
    /// `(n, o)` with `n <= i`. An anchor is needed only where the two texts
    /// stop running in step (a collapsed white-space run, a replaced
    /// character), so the map stays small.
    anchors: Vec<(u32, u32)>,
    /// Length of the original text.
    original_len: usize,
}

fn replacement(c: char) -> Option<char> {
    Some(match c {
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
        | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => '-',
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' => '"',
        '\u{2044}' | '\u{2215}' => '/',
        _ => return None,
    })
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{FEFF}' || c == '\u{200B}'
}

/// Skips whole 16-byte chunks of the fast path's text from `i`: printable
/// ASCII where every space is followed by a printable non-space byte (the
/// byte-at-a-time loop after it would copy them unchanged). Each chunk is
/// checked without an early exit so that the check vectorises (it was the
/// largest cost of normalising).
#[inline]
fn plain_run_chunks(bytes: &[u8], mut i: usize) -> usize {
    let printable = |c: u8| (c > b' ') & (c < 0x7f);
    while let Some(chunk) = bytes.get(i..i + 17) {
        let chunk: &[u8; 17] = chunk.try_into().expect("17 bytes");
        let mut ok = true;
        for k in 0..16 {
            let c = chunk[k];
            ok &= printable(c) | ((c == b' ') & printable(chunk[k + 1]));
        }
        if !ok {
            break;
        }
        i += 16;
    }
    i
}

impl Normalized {
    /// Normalises `original` (see the module documentation).
    pub fn new(original: &str) -> Self {
        let bytes = original.as_bytes();
        let mut out: Vec<u8> = Vec::with_capacity(original.len());
        let mut anchors: Vec<(u32, u32)> = vec![(0, 0)];
        // Records that normalised byte `n` comes from original byte `o`.
        fn anchor(anchors: &mut Vec<(u32, u32)>, n: usize, o: usize) {
            let last = anchors.last_mut().expect("first anchor");
            let (ln, lo) = *last;
            if ln as usize == n {
                // Nothing was written since: the new origin replaces it.
                last.1 = o as u32;
            } else if lo as usize + (n - ln as usize) != o {
                anchors.push((n as u32, o as u32));
            }
        }
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            // Fast path: a run of printable ASCII with single spaces between
            // words is copied as is (it needs no anchor).
            if b > b' ' && b < 0x7f {
                let start = i;
                i = plain_run_chunks(bytes, i);
                while i < bytes.len() {
                    let c = bytes[i];
                    if c > b' ' && c < 0x7f {
                        i += 1;
                    } else if c == b' ' && bytes.get(i + 1).is_some_and(|&n| n > b' ' && n < 0x7f) {
                        i += 2;
                    } else {
                        break;
                    }
                }
                out.extend_from_slice(&bytes[start..i]);
                continue;
            }
            let c = original[i..].chars().next().expect("char boundary");
            if is_invisible(c) {
                i += c.len_utf8();
                anchor(&mut anchors, out.len(), i);
                continue;
            }
            if is_space(c) {
                anchor(&mut anchors, out.len(), i);
                let mut newline = false;
                for d in original[i..].chars() {
                    if !is_space(d) {
                        break;
                    }
                    newline |= matches!(d, '\n' | '\r' | '\u{2028}' | '\u{2029}');
                    i += d.len_utf8();
                }
                out.push(if newline { b'\n' } else { b' ' });
                anchor(&mut anchors, out.len(), i);
                continue;
            }
            anchor(&mut anchors, out.len(), i);
            match replacement(c) {
                Some(r) => {
                    out.push(r as u8);
                    i += c.len_utf8();
                    anchor(&mut anchors, out.len(), i);
                }
                None => {
                    out.extend_from_slice(&bytes[i..i + c.len_utf8()]);
                    i += c.len_utf8();
                }
            }
        }
        let text = String::from_utf8(out).expect("normalisation keeps UTF-8");
        let mut flat = text.clone().into_bytes();
        for b in flat.iter_mut() {
            // Branch-free so that the loop vectorises.
            *b = if *b == b'\n' { b' ' } else { *b };
        }
        let flat = String::from_utf8(flat).expect("a newline swapped for a space keeps UTF-8");
        Normalized {
            text,
            flat,
            anchors,
            original_len: original.len(),
        }
    }

    /// The original offset of normalised offset `n` (`n <= text.len()`).
    fn original_offset(&self, n: usize) -> usize {
        if n >= self.text.len() {
            return self.original_len;
        }
        let k = self.anchors.partition_point(|&(an, _)| an as usize <= n) - 1;
        let (an, ao) = self.anchors[k];
        ao as usize + (n - an as usize)
    }

    /// The normalised offset of original byte offset `orig` (the first
    /// normalised byte that comes from at or after it).
    pub fn normalized_offset(&self, orig: usize) -> usize {
        let (mut lo, mut hi) = (0, self.text.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.original_offset(mid) < orig {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The original byte range of the normalised range `start..end`. A
    /// range from 0 starts at the note's first byte, even when dropped
    /// invisible characters lead it (so the whole maps to the whole).
    pub fn original_range(&self, start: usize, end: usize) -> (usize, usize) {
        let s = if start == 0 {
            0
        } else {
            self.original_offset(start)
        };
        (s, self.original_offset(end))
    }
}

/// The first char boundary of `text` at or after `pos` (for look-behind windows).
pub fn floor_char_boundary(text: &str, pos: usize) -> usize {
    let mut p = pos.min(text.len());
    while !text.is_char_boundary(p) {
        p += 1;
    }
    p
}

/// Characters that print as nothing and are dropped: the soft hyphen of
/// word-processor exports ("fac\u{AD}et", "C7\u{AD}-T1"), the zero-width
/// joiners and the word joiner.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{AD}' | '\u{200C}' | '\u{200D}' | '\u{2060}')
}

/// `s` ASCII lower-cased in `buf` (a stack buffer: no allocation in the
/// per-note hot path), or `None` if it does not fit.
pub fn ascii_lowercase_in<'b>(s: &str, buf: &'b mut [u8]) -> Option<&'b str> {
    let lower = buf.get_mut(..s.len())?;
    lower.copy_from_slice(s.as_bytes());
    lower.make_ascii_lowercase();
    Some(std::str::from_utf8(lower).expect("ASCII lower-casing keeps UTF-8"))
}

/// Does `hay` contain `needle` as a whole word or phrase (at word
/// boundaries), ignoring ASCII case? `current` is not found in `recurrent`.
pub fn contains_word_ignore_ascii_case(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let Some(&first) = n.first() else {
        return false;
    };
    if n.len() > h.len() {
        return false;
    }
    // Candidates are the positions of the first byte in either case (memchr
    // skips the rest); the needle's first byte starts a character, so every
    // candidate is a character boundary.
    let (lower, upper) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    let last_start = h.len() - n.len();
    let mut from = 0;
    while let Some(p) = memchr::memchr2(lower, upper, &h[from..=last_start]) {
        let i = from + p;
        if h[i..i + n.len()].eq_ignore_ascii_case(n) && at_word_boundaries(hay, i, i + n.len()) {
            return true;
        }
        from = i + 1;
        if from > last_start {
            break;
        }
    }
    false
}

/// Does `hay` start with `needle`, ignoring ASCII case?
pub fn starts_with_ignore_ascii_case(hay: &str, needle: &str) -> bool {
    bytes_start_with_ignore_ascii_case(hay.as_bytes(), needle.as_bytes())
}

/// [`starts_with_ignore_ascii_case`] on bytes.
pub fn bytes_start_with_ignore_ascii_case(hay: &[u8], needle: &[u8]) -> bool {
    hay.len() >= needle.len() && hay[..needle.len()].eq_ignore_ascii_case(needle)
}

/// Normalises a lexicon phrase the way note text is normalised, and lowercases it.
pub fn normalize_phrase(s: &str) -> String {
    Normalized::new(s.trim()).flat.to_ascii_lowercase()
}

/// Is the character a word character (letters and digits, any script)?
#[inline]
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Does the match `start..end` in `text` start and end at word boundaries?
pub fn at_word_boundaries(text: &str, start: usize, end: usize) -> bool {
    // ASCII around both ends (nearly always): decide from the bytes.
    let b = text.as_bytes();
    let byte = |i: usize| b.get(i).copied().unwrap_or(b' ');
    let (before, first) = (if start == 0 { b' ' } else { byte(start - 1) }, byte(start));
    let (last, after) = (if end == 0 { b' ' } else { byte(end - 1) }, byte(end));
    if (before | first | last | after) < 0x80 && start < end {
        let word = |c: u8| c.is_ascii_alphanumeric();
        return (!word(before) || !word(first)) && (!word(after) || !word(last));
    }
    at_word_boundaries_by_char(text, start, end)
}

/// [`at_word_boundaries`] decoding the characters around the match (any
/// script's letters and digits are word characters).
fn at_word_boundaries_by_char(text: &str, start: usize, end: usize) -> bool {
    let before_ok = text[..start]
        .chars()
        .next_back()
        .map_or(true, |c| !is_word_char(c));
    let first = text[start..].chars().next();
    let last = text[..end].chars().next_back();
    let after_ok = text[end..]
        .chars()
        .next()
        .map_or(true, |c| !is_word_char(c));
    // A pattern that starts or ends with punctuation (";", "s/p") need not
    // sit at a word boundary on that side.
    (before_ok || first.map_or(true, |c| !is_word_char(c)))
        && (after_ok || last.map_or(true, |c| !is_word_char(c)))
}

/// Word tokens of `text` (UAX-29 word boundaries) with their byte offsets;
/// punctuation and white space are left out.
pub fn tokens(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_word_bound_indices()
        .filter(|(_, w)| w.chars().any(is_word_char))
}

/// Does `text` hold fewer than `limit` words? Stops counting at `limit`, so
/// it costs the length of the first `limit` words, not of the whole text.
pub fn fewer_words_than(text: &str, limit: usize) -> bool {
    if text.is_ascii() {
        ascii_word_count(text, limit) < limit
    } else {
        tokens(text).take(limit).count() < limit
    }
}

/// Number of word tokens in `text`.
pub fn word_count(text: &str) -> usize {
    if text.is_ascii() {
        ascii_word_count(text, usize::MAX)
    } else {
        tokens(text).count()
    }
}

/// Word count of ASCII `text`, stopping at `limit`.
fn ascii_word_count(text: &str, limit: usize) -> usize {
    // The UAX-29 rules that apply to ASCII text (a property test checks it
    // against `tokens`).
    {
        let b = text.as_bytes();
        let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
        let mut n = 0;
        let mut i = 0;
        while i < b.len() {
            if !word(b[i]) {
                i += 1;
                continue;
            }
            let mut has_alnum = false;
            while i < b.len() {
                let c = b[i];
                if word(c) {
                    has_alnum |= c != b'_';
                    i += 1;
                    continue;
                }
                // UAX-29 WB6/7 and WB11/12: a mid-word separator between two
                // letters (. ' :) or two digits (. ' , ;) does not break.
                let (p, q) = (b[i - 1], b.get(i + 1).copied().unwrap_or(b' '));
                let letters = p.is_ascii_alphabetic() && q.is_ascii_alphabetic();
                let digits = p.is_ascii_digit() && q.is_ascii_digit();
                let joins = match c {
                    b'.' | b'\'' => letters || digits,
                    b':' => letters,
                    b',' | b';' => digits,
                    _ => false,
                };
                if joins {
                    i += 1;
                } else {
                    break;
                }
            }
            if has_alnum {
                n += 1;
                if n >= limit {
                    return n;
                }
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_only() {
        assert!(contains_word_ignore_ascii_case("Low BACK pain", "back"));
        assert!(contains_word_ignore_ascii_case("c-spine films", "spine"));
        assert!(!contains_word_ignore_ascii_case(
            "negative feedback",
            "back"
        ));
        assert!(!contains_word_ignore_ascii_case(
            "recurrent pain",
            "current"
        ));
        assert!(contains_word_ignore_ascii_case(
            "status post fusion",
            "status post"
        ));
        assert!(!contains_word_ignore_ascii_case("anything", ""));
    }

    proptest::proptest! {
        /// The ASCII shortcut decides word boundaries as decoding does.
        #[test]
        fn word_boundaries_shortcut_agrees_with_decoding(
            text in "[a-c0-9 _;/é-]{0,10}",
            a in 0usize..12,
            b in 0usize..12,
        ) {
            let bounds: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
            let (s, e) = (bounds[a % bounds.len()], bounds[b % bounds.len()]);
            let (s, e) = (s.min(e), s.max(e));
            proptest::prop_assert_eq!(
                at_word_boundaries(&text, s, e),
                at_word_boundaries_by_char(&text, s, e)
            );
        }

        /// The memchr search finds exactly what trying every position finds.
        #[test]
        fn word_search_agrees_with_trying_every_position(
            hay in "([a-cA-C]{1,3}|[ ./é-]){0,12}",
            needle in "[a-c]{1,3}( [a-c]{1,2})?|é[a-c]",
        ) {
            let naive = hay.as_bytes().windows(needle.len()).enumerate().any(|(i, w)| {
                w.eq_ignore_ascii_case(needle.as_bytes())
                    && at_word_boundaries(&hay, i, i + needle.len())
            });
            proptest::prop_assert_eq!(contains_word_ignore_ascii_case(&hay, &needle), naive);
        }
    }

    /// The original text behind normalised bytes `start..end`.
    fn original<'a>(orig: &'a str, n: &Normalized, start: usize, end: usize) -> &'a str {
        let (a, b) = n.original_range(start, end);
        &orig[a..b]
    }

    /// The original text behind the first occurrence of `normalised`.
    fn original_of<'a>(orig: &'a str, n: &Normalized, normalised: &str) -> &'a str {
        let s = n.text.find(normalised).unwrap();
        original(orig, n, s, s + normalised.len())
    }

    #[test]
    fn dashes_spaces_and_quotes_normalise_with_exact_offsets() {
        let orig = "C7\u{2013}T1 and C7\u{2014}T1,\u{00A0}\u{201C}no\u{201D}\r\nend";
        let n = Normalized::new(orig);
        assert_eq!(n.text, "C7-T1 and C7-T1, \"no\"\nend");
        assert_eq!(original_of(orig, &n, "end"), "end");
        assert_eq!(original(orig, &n, 0, 5), "C7\u{2013}T1");
    }

    #[test]
    fn invisible_characters_are_dropped_with_exact_offsets() {
        let orig = "\u{AD}fac\u{AD}et at C7\u{AD}-\u{200D}T1 end";
        let n = Normalized::new(orig);
        assert_eq!(n.text, "facet at C7-T1 end");
        assert_eq!(original_of(orig, &n, "C7-T1"), "C7\u{AD}-\u{200D}T1");
        // From 0 the range starts at the note's first byte.
        assert_eq!(original(orig, &n, 0, 5), "\u{AD}fac\u{AD}et");
        assert_eq!(original(orig, &n, 1, 5), "ac\u{AD}et");
        assert_eq!(original_of(orig, &n, "end"), "end");
    }

    #[test]
    fn wrapped_lines_collapse() {
        let n = Normalized::new("disc\n    herniation at C7-\n  T1");
        assert_eq!(n.text, "disc\nherniation at C7-\nT1");
        assert_eq!(n.flat, "disc herniation at C7- T1");
    }

    #[test]
    fn word_boundaries() {
        assert!(at_word_boundaries("no pain", 0, 2));
        assert!(!at_word_boundaries("nope", 0, 2));
        assert!(!at_word_boundaries("piano", 3, 5));
        assert!(at_word_boundaries("x; y", 1, 2));
    }

    #[test]
    fn word_count_matches_tokens_for_ascii() {
        for s in [
            "no disc herniation, stenosis, or cord signal",
            "  a b  c ",
            "gait 5.0 don't C7-T1",
            "",
        ] {
            assert_eq!(word_count(s), tokens(s).count(), "{s:?}");
        }
    }
}
