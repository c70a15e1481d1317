//! Region grammar: spinal level expressions and the ICD-10-CM region each
//! one belongs to.
//!
//! Levels are read as motion segments (occiput-C1 ... L5-S1, sacrum). A
//! segment (`C7-T1`, `C6-7`, `C7/T1`, `C7 T1`, `C 7 - T 1`, `C7 to T1`) maps
//! to one region; a range (`C5-T1`, `C2-3 through C6-7`) to every segment it
//! covers; junction words (`cervicothoracic`, `C/T junction`, `CT junction`)
//! to their segment. A single vertebra or nerve root (`C7`, `T1`) is not a
//! segment: it gives a region only (the C8 root exits at C7-T1). MRI
//! sequences (`T1-weighted`, `T2 signal`), tumour stages (`T1 N0`) and
//! dermatomes/myotomes are not levels.

use crate::spine::{
    regions_of_segments, segments_between, vertebra_index, Region, RegionSet, C7_T1,
};
use crate::text::bytes_start_with_ignore_ascii_case;
use regex::Regex;
use std::sync::OnceLock;

/// How a level was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LevelKind {
    /// One motion segment (`C7-T1`, `C6-7`).
    Segment,
    /// Several segments (`C5-T1`, `C2-3 through C6-7`).
    Range,
    /// A junction or region word naming one segment (`cervicothoracic`).
    Junction,
    /// A single vertebra or nerve root (`C7`, `T1`, `C8`).
    Single,
}

/// A level expression found in the normalised text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelMention {
    /// Start byte in the normalised text.
    pub start: usize,
    /// End byte in the normalised text.
    pub end: usize,
    /// How it was written.
    pub kind: LevelKind,
    /// Motion segments covered (bit `i` = segment `i`); empty for singles
    /// other than the C8 root.
    pub segments: u32,
    /// Regions covered.
    pub regions: RegionSet,
    /// A single vertebra named alone (bit `v` = vertebra index `v`, C1 = 1,
    /// C7 = 7, T1 = 8); empty for segments, ranges, junctions and roots.
    pub vertebrae: u32,
    /// Used only as a dermatome/myotome or exam landmark: names no site.
    pub landmark: bool,
}

impl LevelMention {
    /// Does the mention cover the cervicothoracic segment?
    pub fn covers_c7_t1(&self) -> bool {
        self.segments & (1 << C7_T1) != 0
    }
}

struct Grammar {
    /// Junction words; run anchored at the word starts where they may begin.
    junction: regex_automata::meta::Regex,
    sequence_after: Regex,
    sequence_before: Regex,
    landmark_after: Regex,
    landmark_before: Regex,
}

fn grammar() -> &'static Grammar {
    static G: OnceLock<Grammar> = OnceLock::new();
    G.get_or_init(|| Grammar {
        junction: regex_automata::meta::Regex::new(&format!(
            "(?i){}",
            crate::lexicon::pattern::asciify(
                r"\b(?:(cervico ?-? ?thoracic|cervical ?[-/] ?thoracic junction|cervical thoracic junction|ctj)|(lower cervical/upper thoracic)|(c ?[/-] ?t junction)|(ct junction)|(thoraco ?-? ?lumbar)|(lumbo ?-? ?sacral)|(c7 ?- ?t1 junction))",
            )
        ))
        .unwrap(),
        sequence_after: crate::lexicon::pattern::compile_regex(
            r"^(?: ?-? ?(?:weighted|w|wi|flair|stir|signal|hyperintens\w*|hypointens\w*|images?|sequences?|fs|fat|post|pre|lesions?|cord signal|mapping|relaxation|n[0-3x]|m[01x]|and t2|, ?t2|/t2|/flair|and stir|, ?stir)\b)",
        )
        .unwrap(),
        sequence_before: crate::lexicon::pattern::compile_regex(
            r"(?:sagittal|axial|coronal|3d|contrast|enhanced|on|fse|tse|gre|dixon)[ ,]*(?:t[12][ ,]*(?:and )?)?$",
        )
        .unwrap(),
        landmark_before: crate::lexicon::pattern::compile_regex(
            r"(?:\b(?:below|above|beneath|inferior to|superior to|caudal to|cranial to|adjacent to)(?: the)? |\b(?:dermatomes?|myotomes?|dermatomal|myotomal)(?: [ctls] ?\d{1,2} ?- ?[ctls]? ?\d{1,2} (?:and|to|,) ?)? )$",
        )
        .unwrap(),
        landmark_after: crate::lexicon::pattern::compile_regex(
            r"^ ?(?:and [ctls] ?\d{1,2} )?(?:myotomes?|dermatomes?|dermatomal|myotomal|medial branch(?:es)?)\b",
        )
        .unwrap(),
    })
}

/// Finds every level expression in `flat` (normalised text, line breaks as
/// spaces), in text order.
pub fn find_levels(flat: &str) -> Vec<LevelMention> {
    levels_from(flat, next_vertebra)
}

/// Literals (ASCII case ignored) that every vertebra token and junction
/// expression starts with: a letter C, T, L or S and a digit, or the
/// letter, a space and a digit; `occ`; the openings of the junction
/// expressions. A multi-pattern pass that already reads the note can find
/// them on the way ([`crate::find::matcher::MultiMatcher::with_probes`]); then
/// [`find_levels_at`] looks only there instead of at every byte.
pub fn probes() -> Vec<String> {
    let mut out = Vec::new();
    for letter in ['c', 't', 'l', 's'] {
        for digit in '0'..='9' {
            out.push(format!("{letter}{digit}"));
            out.push(format!("{letter} {digit}"));
        }
    }
    for w in [
        "occ", "cervic", "ct", "c/", "c-", "c /", "c -", "lower", "lumbo", "thoraco",
    ] {
        out.push(w.to_string());
    }
    out
}

/// [`find_levels`], looking only at `probes`: the sorted starts of the
/// occurrences of the [`probes`] literals in `flat` that begin a word (at
/// least those: tokens start nowhere else). Same result, without a pass
/// over every byte.
pub fn find_levels_at(flat: &str, probes: &[usize]) -> Vec<LevelMention> {
    levels_from(flat, |b, from, junctions| {
        next_vertebra_at(b, from, junctions, probes)
    })
}

/// The level grammar over the vertebra tokens `next` finds (see
/// [`next_vertebra`]): each token is a segment or range with the vertebra
/// after it ([`pair_mention`]), or else a single vertebra or root
/// ([`single_mention`]); then the junction words ([`junction_mentions`]).
fn levels_from(
    flat: &str,
    mut next: impl FnMut(&[u8], usize, &mut Vec<usize>) -> Option<(usize, usize)>,
) -> Vec<LevelMention> {
    let g = grammar();
    let mut out = Vec::new();
    let mut pos = 0;
    let mut junctions = Vec::new();
    while let Some((start, end)) = next(flat.as_bytes(), pos, &mut junctions) {
        let token = Token::read(&flat[start..end]);
        let mention = token
            .v1
            .and_then(|v1| pair_mention(flat, &token, v1, start, end))
            .or_else(|| single_mention(g, flat, &token, start, end));
        let end = mention.as_ref().map_or(end, |m| m.end.max(end));
        if let Some(mut m) = mention {
            m.landmark = is_landmark(g, flat, m.start, m.end);
            out.push(m);
        }
        pos = end.max(start + 1);
        while !flat.is_char_boundary(pos) {
            pos += 1;
        }
    }
    junction_mentions(g, flat, junctions, &mut out);
    out.sort_by_key(|m| (m.start, m.end));
    out
}

/// A vertebra token: "occiput"/"occ", or a letter, an optional space and
/// digits.
struct Token<'a> {
    /// The vertebra index ([`vertebra_index`]).
    v1: Option<u8>,
    /// The C8 root (it exits at C7-T1).
    root: bool,
    /// The level letter, upper-cased (none for the occiput).
    letter: Option<u8>,
    /// The digits as written.
    digits: &'a str,
}

impl<'a> Token<'a> {
    fn read(matched: &'a str) -> Self {
        let text = matched.as_bytes();
        if text.len() >= 3 && text[..3].eq_ignore_ascii_case(b"occ") {
            return Token {
                v1: Some(0),
                root: false,
                letter: None,
                digits: "",
            };
        }
        let digits = matched[1..].trim_start();
        let letter = text[0];
        let n: u8 = digits.parse().unwrap_or(0);
        Token {
            v1: vertebra_index(letter, n),
            root: letter.eq_ignore_ascii_case(&b'c') && n == 8,
            letter: Some(letter.to_ascii_uppercase()),
            digits,
        }
    }
}

/// A segment or range: vertebra `v1` and a higher second vertebra after it
/// ("C7-T1", "C6-7", "C7 and T1", "C5-T1"), an adjacent pair extended by a
/// range after it ("C2-3 through C6-7"). "and" and a bare space join only
/// adjacent vertebrae across a region border (C7 and T1), or any adjacent
/// pair for a space ("C7 T1").
fn pair_mention(
    flat: &str,
    token: &Token,
    v1: u8,
    start: usize,
    end: usize,
) -> Option<LevelMention> {
    let c2 = second(&flat.as_bytes()[end..])?;
    let v2 = match c2.letter {
        Some(l) => vertebra_index(l, c2.number),
        None => token.letter.and_then(|l| vertebra_index(l, c2.number)),
    };
    let v2 = v2.filter(|v2| *v2 > v1)?;
    let adjacent = v2 == v1 + 1 || (v1 >= 25 && v2 >= 25);
    let ok = match c2.sep {
        Sep::And => adjacent && Region::of_vertebra(v1) != Region::of_vertebra(v2),
        Sep::Space => adjacent && c2.letter.is_some(),
        Sep::Other => true,
    };
    if !ok {
        return None;
    }
    let mut end = end + c2.len;
    let mut segments = segments_between(v1, v2);
    let mut kind = if adjacent {
        LevelKind::Segment
    } else {
        LevelKind::Range
    };
    if adjacent {
        if let Some(r) = segment_range(&flat.as_bytes()[end..]) {
            let (l3, n3, n4) = (r.first.0, r.first.1, r.second.1);
            let l4 = r.second.0.unwrap_or(l3);
            if let (Some(a), Some(b)) = (vertebra_index(l3, n3), vertebra_index(l4, n4)) {
                if b > a && a >= v1 {
                    segments |= segments_between(v1, b);
                    kind = LevelKind::Range;
                    end += r.len;
                }
            }
        }
    }
    Some(LevelMention {
        start,
        end,
        kind,
        segments,
        regions: regions_of_segments(segments),
        vertebrae: 0,
        landmark: false,
    })
}

/// A single vertebra or root: a region only (the C8 root: the C7-T1
/// segment); "T1"/"T2" in an MRI sequence ("T1 and T2 weighted") is none.
fn single_mention(
    g: &Grammar,
    flat: &str,
    token: &Token,
    start: usize,
    end: usize,
) -> Option<LevelMention> {
    let (segments, regions, vertebrae) = match (token.v1, token.root) {
        (_, true) => (1u32 << C7_T1, RegionSet::one(Region::Cervicothoracic), 0),
        (Some(v), false) => (0, RegionSet::one(Region::of_vertebra(v)), 1u32 << v),
        (None, false) => (0, RegionSet::EMPTY, 0),
    };
    let is_t12 = token.letter == Some(b'T') && matches!(token.digits, "1" | "2");
    let sequence = is_t12
        && (g.sequence_after.is_match(&flat[end..])
            || g.sequence_before.is_match(
                &flat[crate::text::floor_char_boundary(flat, start.saturating_sub(24))..start],
            ));
    if regions.is_empty() || sequence {
        return None;
    }
    Some(LevelMention {
        start,
        end,
        kind: LevelKind::Single,
        segments,
        regions,
        vertebrae,
        landmark: false,
    })
}

/// Junction expressions ("cervicothoracic", "C/T junction", "thoracolumbar
/// junction") start at a word start that the vertebra scan has already
/// seen (`junctions`); the expression runs anchored there.
fn junction_mentions(g: &Grammar, flat: &str, junctions: Vec<usize>, out: &mut Vec<LevelMention>) {
    let mut last_end = 0;
    let mut caps = g.junction.create_captures();
    for i in junctions {
        if i < last_end {
            continue;
        }
        let input = regex_automata::Input::new(flat)
            .span(i..flat.len())
            .anchored(regex_automata::Anchored::Yes);
        g.junction.search_captures(&input, &mut caps);
        let Some(m) = caps.get_match() else { continue };
        last_end = m.end();
        let seg = if caps.get_group(5).is_some() {
            19
        } else if caps.get_group(6).is_some() {
            24
        } else {
            C7_T1
        };
        // "C7-T1 junction" is already a segment mention.
        if caps.get_group(7).is_some() {
            continue;
        }
        out.push(LevelMention {
            start: m.start(),
            end: m.end(),
            kind: LevelKind::Junction,
            segments: 1 << seg,
            regions: RegionSet::one(Region::of_segment(seg)),
            vertebrae: 0,
            landmark: is_landmark(g, flat, m.start(), m.end()),
        });
    }
}

/// Is `b` an ASCII word byte (`[0-9A-Za-z_]`, what `\b` of the grammar sees)?
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Byte classes: 0 not a word byte, 1 a word byte, 2 a letter that may
/// start a vertebra token or a junction expression.
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = if matches!(b.to_ascii_lowercase(), b'c' | b't' | b'l' | b's' | b'o') {
            2
        } else if b.is_ascii_alphanumeric() || b == b'_' {
            1
        } else {
            0
        };
        c += 1;
    }
    t
};

/// The next vertebra token at or after `from`: `occiput`/`occ`, or one of
/// the letters C, T, L, S, an optional space and one or two digits, as a
/// whole word (`\b(?:(occiput|occ)\b|([ctls]) ?(\d{1,2})\b)`, written out
/// by hand: a byte scan for [`find_levels`] on its own; the analyzer looks
/// only at the probes, [`next_vertebra_at`]). Word starts on the way where
/// a junction expression may begin are added to `junctions`.
fn next_vertebra(b: &[u8], from: usize, junctions: &mut Vec<usize>) -> Option<(usize, usize)> {
    let mut i = from;
    let mut after_word = i > 0 && is_word_byte(b[i - 1]);
    while i < b.len() {
        let class = CLASS[b[i] as usize];
        let candidate = class == 2 && !after_word;
        after_word = class != 0;
        if candidate {
            if let Some(end) = vertebra_at(b, i, junctions) {
                return Some((i, end));
            }
        }
        i += 1;
    }
    None
}

/// As [`next_vertebra`], looking only at `probes` (sorted starts of
/// [`probes()`] occurrences at word starts): every position where a token
/// or a junction expression can start begins with a probe.
fn next_vertebra_at(
    b: &[u8],
    from: usize,
    junctions: &mut Vec<usize>,
    probes: &[usize],
) -> Option<(usize, usize)> {
    let first = probes.partition_point(|&p| p < from);
    for &i in &probes[first..] {
        let word_start = i == 0 || !is_word_byte(b[i - 1]);
        if word_start && CLASS[b[i] as usize] == 2 {
            if let Some(end) = vertebra_at(b, i, junctions) {
                return Some((i, end));
            }
        }
    }
    None
}

/// How a second vertebra is joined to the first ([`second`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sep {
    /// "and": joins only adjacent vertebrae across a region border.
    And,
    /// A bare space or nothing ("C7 T1", "C7T1"): adjacent vertebrae only.
    Space,
    /// A dash, slash, "to", "through" or "thru".
    Other,
}

/// What [`second`] reads after a first vertebra.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Second {
    sep: Sep,
    /// The second vertebra's letter, as written; none for "C5-6".
    letter: Option<u8>,
    number: u8,
    /// Bytes read.
    len: usize,
}

/// Reads what may follow a first vertebra to make a segment or range (ASCII
/// case ignored): a separator (` - `, ` / `, with or without the spaces,
/// ` to `, ` through `, ` thru `, ` and `), a letter C/T/L/S, an optional
/// space and one or two digits ("-T1", " to T 1"); or a dash or slash and
/// the digits alone ("-6"); or a space or nothing, a letter and the digits
/// (" T1", "T1" glued to the first as in "C7T1"). The digits end at a word
/// boundary. In the order tried, the first that fits wins (a test holds it
/// to a regular expression).
fn second(rest: &[u8]) -> Option<Second> {
    let dash_or_slash = dash_or_slash(rest, b"-/");
    let word_sep = || {
        [
            (&b" to "[..], Sep::Other),
            (b" through ", Sep::Other),
            (b" thru ", Sep::Other),
            (b" and ", Sep::And),
        ]
        .into_iter()
        .find(|(w, _)| bytes_start_with_ignore_ascii_case(rest, w))
        .map(|(w, sep)| (w.len(), sep))
    };
    if let Some((k, sep)) = dash_or_slash.map(|k| (k, Sep::Other)).or_else(word_sep) {
        if let Some((letter, number, len)) = letter_number(rest, k) {
            return Some(Second {
                sep,
                letter: Some(letter),
                number,
                len,
            });
        }
    }
    if let Some(k) = dash_or_slash {
        if let Some((number, len)) = number_at(rest, k) {
            return Some(Second {
                sep: Sep::Other,
                letter: None,
                number,
                len,
            });
        }
    }
    let glued_or_spaced = usize::from(rest.first() == Some(&b' '));
    let (letter, number, len) = letter_number(rest, glued_or_spaced)?;
    Some(Second {
        sep: Sep::Space,
        letter: Some(letter),
        number,
        len,
    })
}

/// What [`segment_range`] reads: a segment's two vertebrae (letter and
/// number; the second letter may be left out) and the bytes read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SegmentRange {
    first: (u8, u8),
    second: (Option<u8>, u8),
    len: usize,
}

/// Reads a second segment after a segment, to make a range ("C5-6 to
/// C7-T1"): ` - ` (spaces optional), ` to `, ` through ` or ` thru `; a
/// letter, an optional space, one or two digits; a dash or slash (spaces
/// around it optional); an optional letter (and space); one or two digits
/// and a word boundary. A test holds it to the regular expression it
/// replaced.
fn segment_range(rest: &[u8]) -> Option<SegmentRange> {
    let k = dash_or_slash(rest, b"-").or_else(|| {
        [&b" to "[..], b" through ", b" thru "]
            .into_iter()
            .find(|w| bytes_start_with_ignore_ascii_case(rest, w))
            .map(<[u8]>::len)
    })?;
    let (l3, k) = letter_at(rest, k)?;
    // One or two digits (no word boundary needed), then what joins the
    // second vertebra.
    let digits = digits_at(rest, k)?.min(2);
    if digits == 0 {
        return None;
    }
    let n3 = parse_digits(&rest[k..k + digits]);
    let k = dash_or_slash(&rest[k + digits..], b"-/")? + k + digits;
    let (l4, n4, len) = match letter_number(rest, k) {
        Some((l, n, end)) => (Some(l), n, end),
        None => {
            let (n, end) = number_at(rest, k)?;
            (None, n, end)
        }
    };
    Some(SegmentRange {
        first: (l3, n3),
        second: (l4, n4),
        len,
    })
}

/// Length of a separator of one of `marks` with an optional space on
/// either side (` - `, `-`, ` /`) at the start of `rest`.
fn dash_or_slash(rest: &[u8], marks: &[u8]) -> Option<usize> {
    let k = usize::from(rest.first() == Some(&b' '));
    if !marks.contains(rest.get(k)?) {
        return None;
    }
    Some(k + 1 + usize::from(rest.get(k + 1) == Some(&b' ')))
}

/// A letter C/T/L/S at `k`, an optional space, one or two digits and a word
/// boundary: the letter, the number and the end.
fn letter_number(rest: &[u8], k: usize) -> Option<(u8, u8, usize)> {
    let (letter, after) = letter_at(rest, k)?;
    let (number, end) = number_at(rest, after)?;
    Some((letter, number, end))
}

/// A letter C/T/L/S at `k`: the letter, and where its number may start
/// (after one optional space).
fn letter_at(rest: &[u8], k: usize) -> Option<(u8, usize)> {
    let letter = *rest.get(k).filter(|c| is_level_letter(**c))?;
    Some((letter, k + 1 + usize::from(rest.get(k + 1) == Some(&b' '))))
}

/// One or two digits at `k` followed by a word boundary: the number and
/// the end.
fn number_at(rest: &[u8], k: usize) -> Option<(u8, usize)> {
    let digits = digits_at(rest, k)?;
    if digits == 0 || digits > 2 || rest.get(k + digits).is_some_and(|&c| is_word_byte(c)) {
        return None;
    }
    Some((parse_digits(&rest[k..k + digits]), k + digits))
}

/// How many ASCII digits start at `k` (counting up to three: one or two
/// make a vertebra number); none if `k` is past the end.
fn digits_at(rest: &[u8], k: usize) -> Option<usize> {
    Some(
        rest.get(k..)?
            .iter()
            .take(3)
            .take_while(|c| c.is_ascii_digit())
            .count(),
    )
}

fn parse_digits(d: &[u8]) -> u8 {
    d.iter().fold(0, |n, c| n * 10 + (c - b'0'))
}

fn is_level_letter(c: u8) -> bool {
    matches!(c.to_ascii_lowercase(), b'c' | b't' | b'l' | b's')
}

/// A closer look at a word start `i` with one of the letters `c t l s o`:
/// notes it in `junctions` if a junction expression may start there, and
/// returns the end of the vertebra token starting there, if one does.
fn vertebra_at(b: &[u8], i: usize, junctions: &mut Vec<usize>) -> Option<usize> {
    let boundary_after = |i: usize| b.get(i).map_or(true, |&c| !is_word_byte(c));
    // One or two digits ending the word, or glued to a second vertebra
    // ("C7T1", "L5S1": [`second`] reads it).
    let digits = |k: usize| {
        number_at(b, k).map(|(_, end)| end).or_else(|| {
            let d = digits_at(b, k)?;
            ((1..=2).contains(&d) && letter_number(b, k + d).is_some()).then_some(k + d)
        })
    };
    if may_start_junction(&b[i..]) {
        junctions.push(i);
    }
    if b[i].eq_ignore_ascii_case(&b'o') {
        let word = |w: &[u8]| {
            bytes_start_with_ignore_ascii_case(&b[i..], w) && boundary_after(i + w.len())
        };
        if word(b"occiput") {
            Some(i + 7)
        } else if word(b"occ") {
            Some(i + 3)
        } else {
            None
        }
    } else if b.get(i + 1) == Some(&b' ') {
        digits(i + 2).or_else(|| digits(i + 1))
    } else {
        digits(i + 1)
    }
}

/// Can a junction expression start at the start of `rest` (a word start)?
/// Every alternative of the junction grammar begins with one of these; the
/// `C7-T1 junction` alternative is left out (it only stops the segment being
/// read twice, and no other alternative can start inside it).
fn may_start_junction(rest: &[u8]) -> bool {
    let starts = |w: &[u8]| bytes_start_with_ignore_ascii_case(rest, w);
    match rest[0].to_ascii_lowercase() {
        b'c' => {
            starts(b"cervic")
                || starts(b"ct")
                || matches!(rest.get(1), Some(b'/' | b'-'))
                || (rest.get(1) == Some(&b' ') && matches!(rest.get(2), Some(b'/' | b'-')))
        }
        b'l' => starts(b"lower") || starts(b"lumbo"),
        b't' => starts(b"thoraco"),
        _ => false,
    }
}

/// A level used only as a landmark: a dermatome/myotome/medial branch, or
/// a reference point ("just below the C7-T1 level").
fn is_landmark(g: &Grammar, flat: &str, start: usize, end: usize) -> bool {
    let from = crate::text::floor_char_boundary(flat, start.saturating_sub(24));
    g.landmark_after.is_match(&flat[end..]) || g.landmark_before.is_match(&flat[from..start])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The regular expression [`second`] replaced (with the glued second
    /// vertebra added), read as [`second`] reads.
    fn second_by_regex(rest: &str) -> Option<Second> {
        let re = crate::lexicon::pattern::compile_regex(
            r"^(?:( ?- ?| ?/ ?| to | through | thru | and )([ctls]) ?(\d{1,2})\b|( ?- ?| ?/ ?)(\d{1,2})\b| ?([ctls]) ?(\d{1,2})\b)",
        )
        .unwrap();
        let c = re.captures(rest)?;
        let (sep, letter, n) = if let Some(l) = c.get(2) {
            (&c[1], Some(l.as_str().as_bytes()[0]), &c[3])
        } else if let Some(n) = c.get(5) {
            (&c[4], None, n.as_str())
        } else {
            (" ", Some(c[6].as_bytes()[0]), &c[7])
        };
        let sep = match sep.trim().to_ascii_lowercase().as_str() {
            "and" => Sep::And,
            "" => Sep::Space,
            _ => Sep::Other,
        };
        Some(Second {
            sep,
            letter,
            number: n.parse().unwrap(),
            len: c[0].len(),
        })
    }

    /// The regular expression [`segment_range`] replaced.
    fn segment_range_by_regex(rest: &str) -> Option<SegmentRange> {
        let re = crate::lexicon::pattern::compile_regex(
            r"^(?: ?- ?| to | through | thru )([ctls]) ?(\d{1,2}) ?[-/] ?(?:([ctls]) ?)?(\d{1,2})\b",
        )
        .unwrap();
        let c = re.captures(rest)?;
        Some(SegmentRange {
            first: (c[1].as_bytes()[0], c[2].parse().unwrap()),
            second: (
                c.get(3).map(|l| l.as_str().as_bytes()[0]),
                c[4].parse().unwrap(),
            ),
            len: c[0].len(),
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        #[test]
        fn level_joins_read_as_their_regexes(
            rest in r"( |-|/| - | / |- | -| to | TO | through | thru | and | And |x|)(c|T|l|s|x|)( |)(1|7|12|123|x|)( |-|/| - | / |x|)(c|T|l|s|x|)( |)(1|7|12|123|x|)(_|x| |\.|é|-|)"
        ) {
            proptest::prop_assert_eq!(second(rest.as_bytes()), second_by_regex(&rest));
            proptest::prop_assert_eq!(segment_range(rest.as_bytes()), segment_range_by_regex(&rest));
        }
    }

    #[test]
    fn level_joins_on_examples() {
        for rest in [
            "-T1",
            " - t 1 pain",
            " to T1",
            " THROUGH L2,",
            " and T1",
            "-6",
            " / 7",
            " T1",
            " to 5",
            "-T123",
            "-T1_",
            " - C5-6",
            " to C5 - C6.",
            " thru c5/ 6",
            "-C5-C67",
            "andT1",
            " - ",
            "",
        ] {
            assert_eq!(second(rest.as_bytes()), second_by_regex(rest), "{rest:?}");
            assert_eq!(
                segment_range(rest.as_bytes()),
                segment_range_by_regex(rest),
                "{rest:?}"
            );
        }
        assert_eq!(
            second(b" to T 1 x"),
            Some(Second {
                sep: Sep::Other,
                letter: Some(b'T'),
                number: 1,
                len: 7
            })
        );
    }

    fn levels(s: &str) -> Vec<(String, LevelKind, Vec<Region>)> {
        let n = crate::text::Normalized::new(s);
        find_levels(&n.flat)
            .into_iter()
            .map(|m| {
                (
                    n.flat[m.start..m.end].to_string(),
                    m.kind,
                    m.regions.iter().collect(),
                )
            })
            .collect()
    }

    fn ct(s: &str) -> bool {
        let n = crate::text::Normalized::new(s);
        find_levels(&n.flat)
            .iter()
            .any(|m| m.covers_c7_t1() && !m.landmark)
    }

    #[test]
    fn every_spelling_of_c7_t1_is_the_cervicothoracic_segment() {
        for s in [
            "C7-T1",
            "C7\u{2013}T1",
            "C7\u{2014}T1",
            "C7/T1",
            "C7 T1",
            "C7 to T1",
            "c7-t1",
            "C 7 - T 1",
            "C7-\nT1",
            "cervicothoracic",
            "cervico-thoracic",
            "C/T junction",
            "CT junction",
            "lower cervical/upper thoracic junction",
            "C7 and T1 vertebrae",
            "C7T1",
            "c7t1 facet",
            "C7\u{2013}T1 level",
            "cervical-thoracic junction",
            "CTJ",
            "C-T junction",
            "cervicothoracic junction",
        ] {
            let l = levels(s);
            assert!(!l.is_empty(), "{s}: nothing found");
            assert_eq!(l[0].2, vec![Region::Cervicothoracic], "{s}: {l:?}");
            assert_ne!(l[0].1, LevelKind::Single, "{s}");
        }
    }

    #[test]
    fn other_segments_map_to_their_regions() {
        let cases = [
            ("C1-C2", Region::OccipitoAtlantoAxial),
            ("C6-7", Region::Cervical),
            ("C5/6", Region::Cervical),
            ("T1-T2", Region::Thoracic),
            ("T4-5", Region::Thoracic),
            ("T12-L1", Region::Thoracolumbar),
            ("thoracolumbar junction", Region::Thoracolumbar),
            ("L4-5", Region::Lumbar),
            ("L5-S1", Region::Lumbosacral),
            ("L5S1", Region::Lumbosacral),
            ("C5C6", Region::Cervical),
        ];
        for (s, r) in cases {
            assert_eq!(levels(s)[0].2, vec![r], "{s}");
        }
    }

    #[test]
    fn glued_vertebrae_make_a_segment_only_when_adjacent() {
        let l = levels("C6C7 and c7t1");
        assert_eq!(l[0].1, LevelKind::Segment);
        assert_eq!((l[1].0.as_str(), l[1].1), ("c7t1", LevelKind::Segment));
        // Not adjacent: the first vertebra alone.
        let l = levels("C5C7");
        assert_eq!((l[0].0.as_str(), l[0].1), ("C5", LevelKind::Single));
        // MRI sequences and staging are no vertebrae.
        assert!(levels("T1W and T2STIR images, T1b1").is_empty());
    }

    #[test]
    fn lists_and_ranges() {
        let l = levels("C5-6, C6-7 and C7-T1");
        assert_eq!(l.len(), 3);
        assert_eq!(l[2].2, vec![Region::Cervicothoracic]);
        let l = levels("spondylosis C5-T1");
        assert_eq!(l[0].1, LevelKind::Range);
        assert_eq!(l[0].2, vec![Region::Cervical, Region::Cervicothoracic]);
        let l = levels("C2-3 through C6-7: no disc herniation");
        assert_eq!(l[0].1, LevelKind::Range);
        assert_eq!(l[0].2, vec![Region::Cervical]);
        assert!(ct("C5 through T1"));
        assert!(ct("C6\u{2013}T3"));
        assert!(!ct("from T1 through T12"));
    }

    #[test]
    fn junction_scan_finds_what_the_grammar_finds_anywhere() {
        // The scan runs the junction grammar only at word starts it picks;
        // it must find exactly what a search of the whole text finds.
        let g = grammar();
        let phrases = [
            "cervicothoracic",
            "Cervico-thoracic",
            "cervico - thoracic",
            "cervical-thoracic junction",
            "cervical / thoracic junction",
            "cervical thoracic junction",
            "CTJ",
            "lower cervical/upper thoracic",
            "C/T junction",
            "c / t junction",
            "C-T junction",
            "c -t junction",
            "CT junction",
            "thoracolumbar",
            "thoraco-lumbar",
            "Lumbosacral",
            "lumbo - sacral",
            "C7-T1 junction",
            "c7 - t1 junction",
            "ct scan",
            "cervical spine",
            "lower back",
            "thoracic",
            "lumbar",
            "c/o",
            "ctx",
        ];
        for (k, p) in phrases.iter().enumerate() {
            for text in [
                p.to_string(),
                format!("Pain at the {p}."),
                format!("x{p} and {p}y"),
                format!("{p}{p} ({p}) {}", phrases[(k + 1) % phrases.len()]),
            ] {
                let scanned: Vec<(usize, usize)> = find_levels(&text)
                    .into_iter()
                    .filter(|m| m.kind == LevelKind::Junction)
                    .map(|m| (m.start, m.end))
                    .collect();
                let searched: Vec<(usize, usize)> = g
                    .junction
                    .captures_iter(text.as_str())
                    .filter(|c| c.get_group(7).is_none())
                    .filter_map(|c| c.get_match())
                    .map(|m| (m.start(), m.end()))
                    .collect();
                assert_eq!(scanned, searched, "{text}");
            }
        }
    }

    #[test]
    fn probes_find_what_the_byte_scan_finds() {
        use rand::SeedableRng;
        let m = crate::find::matcher::MultiMatcher::with_probes(vec![], &probes());
        let mut texts: Vec<String> = [
            "C7-T1, c 7, T12 L1, s1; l5-s1 C123 xc7 c7x C7_ t1. (T1) occ-C1 Occiput OCC occipital",
            "T 1 T  1 c 12 c 123 c77 s 0 o1 occ1 ct1 tt1 -l4 /c5 é c6 c\u{2013}7 C7 through T2",
            "Cervico-thoracic, c / t junction, CTJ, lower cervical/upper thoracic, Lumbo-sacral",
            "thoraco-lumbar; C-T junction; c -t junction; C7 - T1 junction; the clear lower back",
            "",
            "c",
            "occ",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        texts.extend((0..300).map(|i| {
            let mix = [m53gen::Mix::Dense, m53gen::Mix::Realistic][i as usize % 2];
            m53gen::note(&mut rng, i, mix).1
        }));
        for text in &texts {
            let n = crate::text::Normalized::new(text);
            let found = m.find_all(&n.flat);
            assert_eq!(
                find_levels_at(&n.flat, &found.probes),
                find_levels(&n.flat),
                "{text}"
            );
        }
    }

    #[test]
    fn vertebra_scan_finds_what_the_token_regex_finds() {
        // A vertebra glued to a second ("C7T1") ends before it.
        let re = crate::lexicon::pattern::compile_regex(
            r"\b(?:(occiput|occ)\b|([ctls]) ?(\d{1,2})\b|[ctls] ?(\d{1,2})[ctls] ?\d{1,2}\b)",
        )
        .unwrap();
        let texts = [
            "C7-T1, c 7, T12 L1, s1; l5-s1 C123 xc7 c7x C7_ t1. (T1) occ-C1 Occiput OCC occipital",
            "T 1 T  1 c 12 c 123 c77 s 0 o1 occ1 ct1 tt1 -l4 /c5 é c6 c\u{2013}7",
            "C7T1 l5s1. c 7t 1 C7T1x C7T12 c123t1 T1W T2STIR T1b1 c7t1_",
            "",
            "c",
            "occ",
            "t 1",
        ];
        for text in texts {
            let b = text.as_bytes();
            let mut scanned = Vec::new();
            let mut pos = 0;
            while let Some((s, e)) = next_vertebra(b, pos, &mut Vec::new()) {
                scanned.push((s, e));
                pos = e.max(s + 1);
            }
            let searched: Vec<(usize, usize)> = re
                .captures_iter(text)
                .map(|c| {
                    let m = c.get(0).unwrap();
                    (m.start(), c.get(4).map_or(m.end(), |d| d.end()))
                })
                .collect();
            assert_eq!(scanned, searched, "{text}");
        }
    }

    #[test]
    fn look_alikes_are_not_the_junction() {
        for s in [
            "CT chest",
            "CT-guided injection",
            "CT cervical spine",
            "Sagittal T1-weighted images",
            "T1 hypointense lesions",
            "T1DM",
            "clinical T1b1 N0 M0",
            "C7 spinous process",
            "T1 vertebral body",
            "C7 nerve root",
            "C7",
            "T1",
            "post-contrast T1",
            "C7-1",
            "normal needle examination of C5 through T1 myotomes",
            "pain just below the cervicothoracic junction",
            "facet syndrome one level above C7-T1",
        ] {
            assert!(!ct(s), "{s} read as the junction: {:?}", levels(s));
        }
        assert!(
            levels("Sagittal T1, T2 and STIR").is_empty(),
            "{:?}",
            levels("Sagittal T1, T2 and STIR")
        );
        assert!(levels("T1-weighted").is_empty());
        assert!(levels("T2 cord signal change").is_empty());
    }

    #[test]
    fn singles_give_a_region_and_c8_is_the_junction_root() {
        assert_eq!(levels("C6 radiculopathy")[0].2, vec![Region::Cervical]);
        assert_eq!(levels("T4 compression")[0].2, vec![Region::Thoracic]);
        let l = levels("left C8 radiculopathy");
        assert_eq!(l[0].2, vec![Region::Cervicothoracic]);
        assert_eq!(l[0].1, LevelKind::Single);
    }
}
