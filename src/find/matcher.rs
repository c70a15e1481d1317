//! Multi-pattern phrase matching: one aho-corasick automaton (ASCII case
//! folded) for the literal phrases and anchor words of one or more lexicons,
//! plus their regular expressions, over the normalised text; each lexicon's
//! matches are leftmost-longest and kept only at word boundaries.

use crate::lexicon::pattern::asciify;
use crate::lexicon::Pattern;
use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::{dfa::DFA, Anchored, MatchKind, StartKind};

/// A match of lexicon entry `id` at `start..end` of the searched text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Start byte.
    pub start: usize,
    /// End byte.
    pub end: usize,
    /// Index of the lexicon entry that matched.
    pub id: usize,
}

/// Compiled matcher for a list of patterns; build once, share across threads.
///
/// A thin view of a [`MultiMatcher`] with one lexicon.
#[derive(Debug, Clone)]
pub struct PhraseMatcher {
    inner: MultiMatcher,
}

impl PhraseMatcher {
    /// Compiles `patterns` (each with its anchor words, empty for none);
    /// entry `i` of the list is reported as id `i`.
    pub fn new<'a>(patterns: impl IntoIterator<Item = (&'a Pattern, &'a [String])>) -> Self {
        PhraseMatcher {
            inner: MultiMatcher::new(vec![patterns.into_iter().collect()]),
        }
    }

    /// All non-overlapping matches in `text`, by start; where matches
    /// overlap the longer one wins.
    pub fn find(&self, text: &str) -> Vec<Hit> {
        self.inner.find(text).pop().unwrap_or_default()
    }
}

/// Several lexicons' matchers compiled together so that one aho-corasick
/// pass over the text finds the literal phrases and anchor words of all of
/// them (each extra pass over a note costs as much as the pass itself).
/// Each lexicon keeps its own leftmost-longest semantics: the result is the
/// same as matching each lexicon on its own.
#[derive(Debug, Clone)]
pub struct MultiMatcher {
    /// Every distinct literal, anchor word and probe, ASCII lower-cased
    /// (half the automaton of ASCII case folding), as an anchored automaton
    /// walked from each position where a match may start (see
    /// [`MultiMatcher::find_all`]); every pattern that matches there is
    /// reported, so that no lexicon's match hides another's.
    ac: Option<DFA>,
    /// The bytes that may start a walk.
    starts: StartBytes,
    /// The pattern that a live state of the anchored walk spells out
    /// entirely, keyed by state: a match state also holds the patterns that
    /// are suffixes of what was walked, and those started elsewhere.
    exact: rustc_hash::FxHashMap<StateID, u32>,
    /// Who each automaton pattern belongs to.
    owners: Vec<Vec<Owner>>,
    /// The regular expressions of each lexicon.
    sets: Vec<RegexParts>,
}

/// Matches of a [`MultiMatcher`] pass: each lexicon's hits, and where the
/// probe literals occur.
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// Hits of list `k` at index `k` (as [`MultiMatcher::find`] returns them).
    pub lists: Vec<Vec<Hit>>,
    /// Start of every occurrence of a probe literal where a match may start
    /// (not after an ASCII letter or digit, or on a byte that is neither),
    /// in text order, without duplicates; no overlap rule applies.
    pub probes: Vec<usize>,
}

/// One use of an automaton pattern: lexicon `set`, as entry `entry`'s
/// literal or (`entry == ANCHOR`) as an anchor word whose regular
/// expressions' longest match is `reach` characters.
#[derive(Debug, Clone, Copy)]
struct Owner {
    set: u32,
    entry: u32,
    reach: u32,
}

const ANCHOR: u32 = u32::MAX;
/// `Owner::set` of a probe literal.
const PROBE: u32 = u32::MAX;

#[derive(Debug, Clone)]
struct RegexParts {
    /// Regexes without anchors, as one multi-pattern automaton over the
    /// whole text.
    full: Option<(regex_automata::meta::Regex, Vec<usize>)>,
    /// Regexes with anchors, run only in windows around anchor words.
    near: Option<(regex_automata::meta::Regex, Vec<usize>)>,
}

/// Most walk matches whose buffer a thread keeps between notes.
const KEPT_MATCHES: usize = 1 << 14;

/// How many times a repetition without an upper bound (`+`, `*`, `{n,}`)
/// is counted when [`reach`] bounds a regular expression's matches: enough
/// for the white space of the normalised text (one character a run), for
/// numbers and for the rest of a word.
const UNBOUNDED_REPEATS: u32 = 8;

/// The longest match of the lexicon regular expression `pattern`, in
/// characters, a repetition without an upper bound counted
/// [`UNBOUNDED_REPEATS`] times: a match that contains an anchor word lies
/// within this many characters of it, so that the expression need only be
/// run there.
fn reach(pattern: &str) -> usize {
    let hir = regex_syntax::parse(&format!("(?i){}", asciify(pattern))).expect("validated at load");
    hir_reach(&hir)
}

fn hir_reach(hir: &regex_syntax::hir::Hir) -> usize {
    use regex_syntax::hir::{Class, HirKind};
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => 0,
        HirKind::Literal(l) => String::from_utf8_lossy(&l.0).chars().count(),
        HirKind::Class(Class::Unicode(c)) => usize::from(c.maximum_len().is_some()),
        HirKind::Class(Class::Bytes(c)) => usize::from(c.maximum_len().is_some()),
        HirKind::Repetition(r) => {
            let times = r.max.unwrap_or(r.min.max(UNBOUNDED_REPEATS));
            hir_reach(&r.sub).saturating_mul(times as usize)
        }
        HirKind::Capture(c) => hir_reach(&c.sub),
        HirKind::Concat(parts) => parts.iter().map(hir_reach).fold(0, usize::saturating_add),
        HirKind::Alternation(parts) => parts.iter().map(hir_reach).max().unwrap_or(0),
    }
}

fn multi(regexes: &[(String, usize)]) -> Option<(regex_automata::meta::Regex, Vec<usize>)> {
    if regexes.is_empty() {
        return None;
    }
    let pats: Vec<String> = regexes
        .iter()
        .map(|(r, _)| format!("(?i){}", asciify(r)))
        .collect();
    let ids: Vec<usize> = regexes.iter().map(|(_, i)| *i).collect();
    Some((
        regex_automata::meta::Regex::new_many(&pats).expect("validated at load"),
        ids,
    ))
}

/// Keeps the leftmost-longest non-overlapping spans of `spans` (ties: the
/// lowest id), as an aho-corasick leftmost-longest search would report
/// them, then drops those not at word boundaries. One pass: `spans` come
/// in start order, as the automaton walk reports them.
fn leftmost_longest(text: &str, spans: &mut Vec<Hit>) {
    debug_assert!(
        spans.windows(2).all(|w| w[0].start <= w[1].start),
        "spans in start order"
    );
    // Per start the longest (lowest id on ties), unless an earlier kept
    // span covers that start.
    let (mut kept, mut next, mut k) = (0, 0, 0);
    while k < spans.len() {
        let mut best = spans[k];
        k += 1;
        while k < spans.len() && spans[k].start == best.start {
            let h = spans[k];
            if h.end > best.end || (h.end == best.end && h.id < best.id) {
                best = h;
            }
            k += 1;
        }
        if best.start >= next {
            next = best.end;
            spans[kept] = best;
            kept += 1;
        }
    }
    spans.truncate(kept);
    spans.retain(|h| crate::text::at_word_boundaries(text, h.start, h.end));
}

impl MultiMatcher {
    /// Compiles one matcher per list; `find` returns the hits of list `k`
    /// at index `k`, with entry ids as positions in that list.
    pub fn new(lists: Vec<Vec<(&Pattern, &[String])>>) -> Self {
        Self::with_probes(lists, &[] as &[&str])
    }

    /// As [`MultiMatcher::new`], plus `probes`: literals (ASCII case
    /// ignored) whose every occurrence [`MultiMatcher::find_all`] reports,
    /// so that another scanner can look only there instead of making its
    /// own pass over the text.
    pub fn with_probes(lists: Vec<Vec<(&Pattern, &[String])>>, probes: &[impl AsRef<str>]) -> Self {
        let mut literals: Vec<String> = Vec::new();
        let mut owners: Vec<Vec<Owner>> = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = Default::default();
        let mut add = |word: &str, owner: Owner| {
            let key = word.to_ascii_lowercase();
            let k = *index.entry(key.clone()).or_insert_with(|| {
                literals.push(key);
                owners.push(Vec::new());
                literals.len() - 1
            });
            let list = &mut owners[k];
            // An anchor word once per lexicon, with the longest reach of
            // the expressions that name it.
            match list
                .iter_mut()
                .find(|o| o.set == owner.set && o.entry == ANCHOR && owner.entry == ANCHOR)
            {
                Some(o) => o.reach = o.reach.max(owner.reach),
                None => list.push(owner),
            }
        };
        let mut sets = Vec::new();
        for (set, patterns) in lists.into_iter().enumerate() {
            let mut full = Vec::new();
            let mut near = Vec::new();
            for (i, (p, anchors)) in patterns.into_iter().enumerate() {
                match p {
                    Pattern::Literal(s) => add(
                        s,
                        Owner {
                            set: set as u32,
                            entry: i as u32,
                            reach: 0,
                        },
                    ),
                    Pattern::Regex(r) if anchors.is_empty() => full.push((r.clone(), i)),
                    Pattern::Regex(r) => {
                        near.push((r.clone(), i));
                        let reach = u32::try_from(reach(r)).unwrap_or(u32::MAX);
                        for a in anchors {
                            add(
                                a,
                                Owner {
                                    set: set as u32,
                                    entry: ANCHOR,
                                    reach,
                                },
                            );
                        }
                    }
                }
            }
            sets.push(RegexParts {
                full: multi(&full),
                near: multi(&near),
            });
        }
        for probe in probes {
            add(
                probe.as_ref(),
                Owner {
                    set: PROBE,
                    entry: 0,
                    reach: 0,
                },
            );
        }
        let mut first = Box::new([false; 256]);
        for l in &literals {
            if let Some(&b) = l.as_bytes().first() {
                first[b as usize] = true;
                first[b.to_ascii_uppercase() as usize] = true;
            }
        }
        let ac = (!literals.is_empty()).then(|| {
            aho_corasick::dfa::Builder::new()
                .match_kind(MatchKind::Standard)
                .start_kind(StartKind::Anchored)
                .prefilter(false)
                .build(&literals)
                .expect("lexicon automaton builds")
        });
        let exact = ac
            .as_ref()
            .map_or_else(Default::default, |ac| exact_states(ac, &literals));
        MultiMatcher {
            ac,
            exact,
            starts: StartBytes::new(first),
            owners,
            sets,
        }
    }

    /// The matches of each list in `text`: non-overlapping, by start; where
    /// matches overlap the longer one wins.
    pub fn find(&self, text: &str) -> Vec<Vec<Hit>> {
        self.find_all(text).lists
    }

    /// The matches of each list and the probe occurrences in `text`.
    pub fn find_all(&self, text: &str) -> Found {
        let n = self.sets.len();
        let mut lits: Vec<Vec<Hit>> = vec![Vec::new(); n];
        let mut anchors: Vec<Vec<Hit>> = vec![Vec::new(); n];
        let mut probes: Vec<usize> = Vec::new();
        if let Some(ac) = &self.ac {
            // The walk's matches go to a buffer kept per thread, so that a
            // note's pass does not grow a new one from empty; a huge note's
            // buffer is not kept (memory stays bounded by the usual note).
            thread_local! {
                static MATCHES: std::cell::RefCell<Vec<(usize, usize, u32)>> =
                    const { std::cell::RefCell::new(Vec::new()) };
            }
            MATCHES.with_borrow_mut(|matches| {
                matches.clear();
                start_matches(ac, &self.exact, &self.starts, text.as_bytes(), matches);
                self.distribute(matches, &mut lits, &mut anchors, &mut probes);
                if matches.capacity() > KEPT_MATCHES {
                    *matches = Vec::new();
                }
            });
        }
        let lists = lits
            .iter_mut()
            .zip(anchors.iter_mut())
            .zip(&self.sets)
            .map(|((hits, anchors), parts)| {
                leftmost_longest(text, hits);
                // Every anchor word counts (no overlap rule: each opens its
                // own window), at word boundaries.
                anchors.retain(|h| crate::text::at_word_boundaries(text, h.start, h.end));
                parts.add_regex_hits(text, anchors, std::mem::take(hits))
            })
            .collect();
        Found { lists, probes }
    }

    /// Hands each walk match to the lists that own its pattern: a literal
    /// entry's hits, a lexicon's anchor words, or the probe starts.
    fn distribute(
        &self,
        matches: &[(usize, usize, u32)],
        lits: &mut [Vec<Hit>],
        anchors: &mut [Vec<Hit>],
        probes: &mut Vec<usize>,
    ) {
        for &(start, end, pattern) in matches {
            for o in &self.owners[pattern as usize] {
                if o.set == PROBE {
                    if probes.last() != Some(&start) {
                        probes.push(start);
                    }
                    continue;
                }
                let (to, id) = if o.entry == ANCHOR {
                    (&mut anchors[o.set as usize], o.reach as usize)
                } else {
                    (&mut lits[o.set as usize], o.entry as usize)
                };
                to.push(Hit { start, end, id });
            }
        }
    }
}

/// Appends `(start, end, pattern)` for every match of the anchored
/// automaton `ac` (lower-cased literals) from a position where a match may
/// start: a byte that begins a pattern (`first`) and does not continue an
/// ASCII word (it or the byte before it is not an ASCII letter or digit). A
/// match that begins inside a word never counts (see
/// [`crate::text::at_word_boundaries`]), and looking nowhere else means it
/// cannot hide one that does. Matches come by start, then by end.
///
/// Where the processor has AVX2 and every pattern begins with an ASCII
/// byte, the start positions come from [`start_matches_avx2`], 64 bytes at a
/// time without a branch per byte; otherwise from the scalar loop
/// ([`start_matches_scalar`]). Both give the same matches (tested).
fn start_matches(
    ac: &DFA,
    exact: &rustc_hash::FxHashMap<StateID, u32>,
    starts: &StartBytes,
    b: &[u8],
    out: &mut Vec<(usize, usize, u32)>,
) {
    #[cfg(target_arch = "x86_64")]
    if let Some(tables) = &starts.nibbles {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor supports AVX2, checked just above.
            unsafe { start_matches_avx2(ac, exact, tables, b, out) };
            return;
        }
    }
    start_matches_scalar(ac, exact, &starts.first, b, out);
}

/// Which bytes may start a walk, as a table and (when all are ASCII) as
/// nibble tables for the vectorised scan.
#[derive(Debug, Clone)]
struct StartBytes {
    /// `first[b]`: some pattern starts with the byte `b`.
    first: Box<[bool; 256]>,
    /// The same set and the ASCII letters and digits, for
    /// [`start_matches_avx2`]; `None` if a pattern starts with a non-ASCII
    /// byte (the nibble tables hold ASCII sets only).
    nibbles: Option<NibbleTables>,
}

/// Two sets of ASCII bytes as lookup tables by low nibble: bit `h` of
/// `first[l]` is set when the byte `h << 4 | l` begins a pattern, of
/// `word[l]` when it is an ASCII letter or digit (the high nibble `h` of
/// an ASCII byte is below 8, so a bit per high nibble fits in a byte).
#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
struct NibbleTables {
    first: [u8; 16],
    word: [u8; 16],
}

impl StartBytes {
    fn new(first: Box<[bool; 256]>) -> Self {
        let ascii = first[128..].iter().all(|&f| !f);
        let nibbles = ascii.then(|| {
            let mut t = NibbleTables {
                first: [0; 16],
                word: [0; 16],
            };
            for b in 0..128usize {
                let (h, l) = (b >> 4, b & 15);
                if first[b] {
                    t.first[l] |= 1 << h;
                }
                if WORD[b] {
                    t.word[l] |= 1 << h;
                }
            }
            t
        });
        StartBytes { first, nibbles }
    }
}

/// [`start_matches`] with the start positions found 64 bytes at a time:
/// per block, a bit mask of the bytes that begin a pattern and one of the
/// ASCII letters and digits (by nibble table lookups), combined into the
/// positions where a walk starts; then a walk from each set bit.
///
/// # Safety
/// The processor must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn start_matches_avx2(
    ac: &DFA,
    exact: &rustc_hash::FxHashMap<StateID, u32>,
    tables: &NibbleTables,
    b: &[u8],
    out: &mut Vec<(usize, usize, u32)>,
) {
    let Ok(start_state) = ac.start_state(Anchored::Yes) else {
        return;
    };
    let v = Vectors::new(tables);
    let n = b.len();
    let mut tail = [0u8; 64];
    let mut word_before = 0u64;
    let mut base = 0;
    while base < n {
        let block = if base + 64 <= n {
            b.as_ptr().add(base)
        } else {
            // The last bytes, padded with zeros (neither set).
            tail[..n - base].copy_from_slice(&b[base..]);
            tail.as_ptr()
        };
        let (f0, w0) = block_masks(block, v);
        let (f1, w1) = block_masks(block.add(32), v);
        let (first, word) = (f0 as u64 | (f1 as u64) << 32, w0 as u64 | (w1 as u64) << 32);
        let mut starts = first & !(word & (word << 1 | word_before));
        word_before = word >> 63;
        while starts != 0 {
            let i = base + starts.trailing_zeros() as usize;
            starts &= starts - 1;
            walk_from(ac, exact, start_state, b, i, out);
        }
        base += 64;
    }
}

/// The [`NibbleTables`] in vector registers (each table twice, once per
/// 128-bit lane), and the table of high nibbles' bits.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
struct Vectors {
    first: std::arch::x86_64::__m256i,
    word: std::arch::x86_64::__m256i,
    high_bit: std::arch::x86_64::__m256i,
}

#[cfg(target_arch = "x86_64")]
impl Vectors {
    /// # Safety
    /// The processor must support AVX2.
    #[target_feature(enable = "avx2")]
    unsafe fn new(tables: &NibbleTables) -> Self {
        use std::arch::x86_64::*;
        let load = |t: &[u8; 16]| {
            let mut x = [0u8; 32];
            x[..16].copy_from_slice(t);
            x[16..].copy_from_slice(t);
            x
        };
        let (first, word) = (load(&tables.first), load(&tables.word));
        let high_bit = load(&[1, 2, 4, 8, 16, 32, 64, 128, 0, 0, 0, 0, 0, 0, 0, 0]);
        Vectors {
            first: _mm256_loadu_si256(first.as_ptr().cast()),
            word: _mm256_loadu_si256(word.as_ptr().cast()),
            high_bit: _mm256_loadu_si256(high_bit.as_ptr().cast()),
        }
    }
}

/// Bit masks (begins a pattern, ASCII letter or digit) of the 32 bytes at
/// `p`: bit `k` for the byte `p + k`.
///
/// # Safety
/// The processor must support AVX2, and `p..p + 32` must be readable.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn block_masks(p: *const u8, v: Vectors) -> (u32, u32) {
    use std::arch::x86_64::*;
    let nibble = _mm256_set1_epi8(0x0f);
    let bytes = _mm256_loadu_si256(p.cast());
    let lo = _mm256_and_si256(bytes, nibble);
    let hi = _mm256_shuffle_epi8(
        v.high_bit,
        _mm256_and_si256(_mm256_srli_epi16(bytes, 4), nibble),
    );
    let first = _mm256_and_si256(_mm256_shuffle_epi8(v.first, lo), hi);
    let word = _mm256_and_si256(_mm256_shuffle_epi8(v.word, lo), hi);
    let zero = _mm256_setzero_si256();
    (
        !(_mm256_movemask_epi8(_mm256_cmpeq_epi8(first, zero)) as u32),
        !(_mm256_movemask_epi8(_mm256_cmpeq_epi8(word, zero)) as u32),
    )
}

/// [`start_matches`] one byte at a time.
///
/// A loop of its own that only collects: the scan's few values stay in
/// registers (with the callers' buffers in scope they were kept on the
/// stack). Walks from word starts rather than one unanchored pass: most
/// walks die within a byte or two, and skipping a word's bytes does not
/// wait on the automaton's previous step, so the processor overlaps them
/// (an unanchored pass took fewer instructions but ran slower).
#[inline(never)]
fn start_matches_scalar(
    ac: &DFA,
    exact: &rustc_hash::FxHashMap<StateID, u32>,
    first: &[bool; 256],
    b: &[u8],
    out: &mut Vec<(usize, usize, u32)>,
) {
    let Ok(start_state) = ac.start_state(Anchored::Yes) else {
        return;
    };
    let n = b.len();
    let mut i = 0;
    while i < n {
        let c = b[i];
        if first[c as usize] {
            walk_from(ac, exact, start_state, b, i, out);
        }
        // The next position where a match may start: the next byte if this
        // one is not a letter or digit, else the end of this word.
        i += 1;
        if WORD[c as usize] {
            while i < n && WORD[b[i] as usize] {
                i += 1;
            }
        }
    }
}

/// Appends the matches of the anchored walk from `b[i..]`.
#[inline(always)]
fn walk_from(
    ac: &DFA,
    exact: &rustc_hash::FxHashMap<StateID, u32>,
    start_state: StateID,
    b: &[u8],
    i: usize,
    out: &mut Vec<(usize, usize, u32)>,
) {
    let (mut sid, mut j) = (start_state, i);
    while let Some((next, k)) = walk_on(ac, sid, b, j) {
        if let Some(&pattern) = exact.get(&next) {
            out.push((i, k, pattern));
        }
        (sid, j) = (next, k);
    }
}

/// Walks the anchored automaton on from state `sid` at `b[j..]` to the next
/// match state; that state and the position after it.
#[inline(always)]
fn walk_on(ac: &DFA, mut sid: StateID, b: &[u8], mut j: usize) -> Option<(StateID, usize)> {
    while j < b.len() {
        sid = ac.next_state(Anchored::Yes, sid, LOWER[b[j] as usize]);
        j += 1;
        if ac.is_special(sid) {
            if ac.is_dead(sid) {
                return None;
            }
            return Some((sid, j));
        }
    }
    None
}

/// For each literal (an automaton pattern, by index), the state that the
/// anchored walk reaches after reading it: the walk from a start reaches a
/// state only by spelling out one prefix, so a match state reports exactly
/// the pattern equal to that prefix, if any, and none of the shorter
/// patterns that end there but start later.
fn exact_states(ac: &DFA, literals: &[String]) -> rustc_hash::FxHashMap<StateID, u32> {
    let Ok(start) = ac.start_state(Anchored::Yes) else {
        return Default::default();
    };
    literals
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(k, l)| {
            let sid = l
                .bytes()
                .fold(start, |sid, b| ac.next_state(Anchored::Yes, sid, b));
            debug_assert!(ac.is_match(sid), "literal {k} ends in a match state");
            (sid, k as u32)
        })
        .collect()
}

/// `WORD[b]`: `b` is an ASCII letter or digit.
static WORD: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    t
};

/// `LOWER[b]`: `b` ASCII lower-cased.
static LOWER: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (b as u8).to_ascii_lowercase();
        b += 1;
    }
    t
};

impl RegexParts {
    /// Adds the regex matches to the literal `hits` (leftmost-longest,
    /// word-bounded) and resolves overlaps: the longer match wins.
    fn add_regex_hits(&self, text: &str, anchors: &[Hit], mut hits: Vec<Hit>) -> Vec<Hit> {
        let literal_count = hits.len();
        let push = |m: regex_automata::Match, ids: &[usize], hits: &mut Vec<Hit>| {
            if m.start() < m.end() && crate::text::at_word_boundaries(text, m.start(), m.end()) {
                hits.push(Hit {
                    start: m.start(),
                    end: m.end(),
                    id: ids[m.pattern().as_usize()],
                });
            }
        };
        if let Some((re, ids)) = &self.full {
            for m in re.find_iter(text) {
                push(m, ids, &mut hits);
            }
        }
        if let Some((re, ids)) = &self.near {
            // The window of an anchor word reaches as far as the longest
            // match of its expressions (`Hit::id` of an anchor, in
            // characters); merge the windows, then search each once.
            // In ASCII text (most notes) a character is a byte.
            let ascii = !anchors.is_empty() && text.is_ascii();
            let mut spans: Vec<(usize, usize)> = anchors
                .iter()
                .map(|m| {
                    let (lo, hi) = if ascii {
                        (
                            m.end.saturating_sub(m.id),
                            m.start.saturating_add(m.id).min(text.len()),
                        )
                    } else {
                        (
                            chars_before(text, m.end, m.id),
                            chars_after(text, m.start, m.id),
                        )
                    };
                    (lo.min(m.start), hi.max(m.end))
                })
                .collect();
            spans.sort_unstable();
            // Merge in place: a span that starts inside the one kept before
            // it widens that one.
            spans.dedup_by(|next, kept| {
                let overlaps = next.0 <= kept.1;
                if overlaps {
                    kept.1 = kept.1.max(next.1);
                }
                overlaps
            });
            // The merged spans are disjoint, and their ends are character
            // boundaries: every byte of ASCII text is one, and the stepping
            // above moves over whole characters.
            for (lo, hi) in spans {
                debug_assert!(text.is_char_boundary(lo) && text.is_char_boundary(hi));
                let input = regex_automata::Input::new(text).span(lo..hi);
                for m in re.find_iter(input) {
                    push(m, ids, &mut hits);
                }
            }
        }
        if hits.len() == literal_count {
            return hits;
        }
        hits.sort_by(|a, b| {
            a.start
                .cmp(&b.start)
                .then(b.end.cmp(&a.end))
                .then(a.id.cmp(&b.id))
        });
        let mut out: Vec<Hit> = Vec::with_capacity(hits.len());
        for h in hits {
            match out.last() {
                Some(last) if h.start < last.end => {
                    // Overlap: keep the longer (the earlier one on ties).
                    if h.end - h.start > last.end - last.start {
                        // Replace only if it does not overlap the one before.
                        let prev_end = if out.len() >= 2 {
                            out[out.len() - 2].end
                        } else {
                            0
                        };
                        if h.start >= prev_end {
                            out.pop();
                            out.push(h);
                        }
                    }
                }
                _ => out.push(h),
            }
        }
        out
    }
}

/// The byte offset `n` characters before `at` in `text` (or 0).
fn chars_before(text: &str, at: usize, n: usize) -> usize {
    let b = text.as_bytes();
    let (mut i, mut k) = (at, 0);
    while i > 0 && k < n {
        i -= 1;
        // A byte that is not a UTF-8 continuation byte starts a character.
        if (b[i] as i8) >= -0x40 {
            k += 1;
        }
    }
    i
}

/// The byte offset `n` characters after `at` in `text` (or its end).
fn chars_after(text: &str, at: usize, n: usize) -> usize {
    let b = text.as_bytes();
    let (mut i, mut k) = (at, 0);
    while i < b.len() && k < n {
        i += 1;
        while i < b.len() && (b[i] as i8) < -0x40 {
            i += 1;
        }
        k += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Pattern {
        Pattern::Literal(s.to_string())
    }

    fn plain(ps: &[Pattern]) -> PhraseMatcher {
        PhraseMatcher::new(ps.iter().map(|p| (p, &[][..])))
    }

    #[test]
    fn probes_are_every_word_start_occurrence_in_start_order() {
        let m =
            MultiMatcher::with_probes(vec![vec![(&lit("neck"), &[][..])]], &["c7", "ct", "c7-t"]);
        let text = "Neck: C7-T1, fact, xc7 CT (ct";
        let found = m.find_all(text);
        // Overlapping (`c7` and `c7-t` at 6) once; not inside words.
        assert_eq!(found.probes, vec![6, 23, 27]);
        assert_eq!(found.lists, m.find(text));
        assert_eq!(found.lists[0].len(), 1);
    }

    /// `leftmost_longest` as it was written first: sort by start, longest
    /// first, lowest id; keep what does not overlap the span kept before.
    fn leftmost_longest_by_sorting(text: &str, spans: &mut Vec<Hit>) {
        spans.sort_unstable_by(|a, b| {
            a.start
                .cmp(&b.start)
                .then(b.end.cmp(&a.end))
                .then(a.id.cmp(&b.id))
        });
        let mut next = 0;
        spans.retain(|h| {
            let keep = h.start >= next;
            if keep {
                next = h.end;
            }
            keep
        });
        spans.retain(|h| crate::text::at_word_boundaries(text, h.start, h.end));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn one_pass_selection_is_the_sorted_selection(
            raw in proptest::collection::vec((0usize..40, 1usize..8, 0usize..4), 0..30),
        ) {
            let text = "ab cd, ef gh ij-kl mn op qr st uv wx yz 01 23";
            let mut spans: Vec<Hit> = raw
                .iter()
                .map(|&(start, len, id)| Hit { start, end: (start + len).min(text.len()), id })
                .collect();
            // As the automaton walk reports them: by start, then by end.
            spans.sort_by_key(|h| (h.start, h.end));
            let mut expected = spans.clone();
            leftmost_longest_by_sorting(text, &mut expected);
            leftmost_longest(text, &mut spans);
            proptest::prop_assert_eq!(spans, expected);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]
        #[test]
        fn the_walk_finds_what_trying_every_word_start_finds(
            words in proptest::collection::vec(
                (
                    proptest::sample::select(&[
                        "no", "NO", "not", "pain", "Pain", "neck", "c7", "C7", "t1", "x",
                        "stenosis", "foraminal", "neuroforaminal", "n", "-",
                    ][..]),
                    proptest::sample::select(&[" ", ", ", "-", "", "\n", "."][..]),
                ),
                0..30,
            )
        ) {
            let literals = [
                "no", "no pain", "pain", "neck pain", "c7-t1", "c7", "stenosis",
                "foraminal stenosis", "-t", "t1", "n", "not", "x-", ", n",
            ];
            let text: String = words.iter().map(|(w, sep)| format!("{w}{sep}")).collect();
            let pats: Vec<Pattern> = literals.iter().map(|l| lit(l)).collect();
            // Every literal at every position where a word does not
            // continue, then the same selection as the matcher's.
            let lower = text.to_ascii_lowercase();
            let b = text.as_bytes();
            let mut expected: Vec<Hit> = Vec::new();
            for start in 0..text.len() {
                let continues_word = start > 0
                    && b[start - 1].is_ascii_alphanumeric()
                    && b[start].is_ascii_alphanumeric();
                if continues_word {
                    continue;
                }
                for (id, l) in literals.iter().enumerate() {
                    if lower[start..].starts_with(l) {
                        expected.push(Hit { start, end: start + l.len(), id });
                    }
                }
            }
            leftmost_longest_by_sorting(&text, &mut expected);
            proptest::prop_assert_eq!(plain(&pats).find(&text), expected);
        }
    }

    /// Both scans' matches of `text`, scalar first.
    fn both_scans(m: &MultiMatcher, text: &[u8]) -> [Vec<(usize, usize, u32)>; 2] {
        let ac = m.ac.as_ref().expect("literals");
        let mut scalar = Vec::new();
        start_matches_scalar(ac, &m.exact, &m.starts.first, text, &mut scalar);
        let mut chosen = Vec::new();
        start_matches(ac, &m.exact, &m.starts, text, &mut chosen);
        [scalar, chosen]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// The scan this processor uses (the vectorised one where AVX2 is
        /// there) finds what the byte-at-a-time scan finds, on any bytes and
        /// across its 64-byte blocks.
        #[test]
        fn the_vector_scan_finds_what_the_scalar_scan_finds(
            text in proptest::collection::vec(
                proptest::sample::select(&b"aAcCtTnN17 -;.,\n\x00\x7f\x80\xc3\xa9zZ_"[..]),
                0..300,
            )
        ) {
            let m = MultiMatcher::with_probes(
                vec![vec![
                    (&lit("c7"), &[][..]),
                    (&lit("n"), &[][..]),
                    (&lit("ta"), &[][..]),
                    (&lit("-t"), &[][..]),
                    (&lit("; a"), &[][..]),
                    (&lit("a a"), &[][..]),
                ]],
                &["t1", "c 7"],
            );
            let [scalar, chosen] = both_scans(&m, &text);
            proptest::prop_assert_eq!(scalar, chosen);
        }
    }

    #[test]
    fn a_pattern_starting_with_a_non_ascii_byte_uses_the_scalar_scan() {
        let m = plain(&[lit("\u{e9}t\u{e9}"), lit("neck")]);
        assert!(m.inner.starts.nibbles.is_none());
        let hits = m.find("neck \u{c9}t\u{e9}, \u{e9}t\u{e9}");
        assert_eq!(hits.len(), 2, "{hits:?}");
        let ascii = plain(&[lit("neck")]);
        assert!(ascii.inner.starts.nibbles.is_some());
        let text = "a neck at byte 2, and neck again past the first 64-byte block: neck";
        let [scalar, chosen] = both_scans(&ascii.inner, text.as_bytes());
        assert_eq!(scalar.len(), 3);
        assert_eq!(scalar, chosen);
    }

    #[test]
    fn longest_wins_and_boundaries_hold() {
        let m = plain(&[lit("no"), lit("no change in"), lit("herniation")]);
        let hits = m.find("No change in herniation; nope, no HERNIATION");
        let ids: Vec<usize> = hits.iter().map(|h| h.id).collect();
        assert_eq!(ids, vec![1, 2, 0, 2]);
    }

    #[test]
    fn a_phrase_inside_a_word_hides_nothing() {
        // "foraminal stenosis" occurs from inside "neuroforaminal": it is
        // no match, and must not take the place of "stenosis".
        let m = plain(&[lit("foraminal stenosis"), lit("stenosis"), lit("no pain")]);
        let text = "Neuroforaminal stenosis; piano pain, foraminal stenosis";
        let spans: Vec<&str> = m.find(text).iter().map(|h| &text[h.start..h.end]).collect();
        assert_eq!(spans, ["stenosis", "foraminal stenosis"]);
    }

    #[test]
    fn lists_compiled_together_keep_their_own_matches() {
        let a = [lit("no"), lit("disc herniation"), lit("herniation")];
        let b = [lit("No change in"), lit("no"), lit("change")];
        let together = MultiMatcher::new(vec![
            a.iter().map(|p| (p, &[][..])).collect(),
            b.iter().map(|p| (p, &[][..])).collect(),
        ]);
        let text = "No change in disc herniation; no herniation, nochange";
        let found = together.find(text);
        // Each list matches as if it were alone: a longer phrase of one list
        // does not hide a shorter one of the other.
        assert_eq!(found[0], plain(&a).find(text));
        assert_eq!(found[1], plain(&b).find(text));
        let spans =
            |hits: &[Hit]| -> Vec<&str> { hits.iter().map(|h| &text[h.start..h.end]).collect() };
        assert_eq!(
            spans(&found[0]),
            ["No", "disc herniation", "no", "herniation"]
        );
        assert_eq!(spans(&found[1]), ["No change in", "no"]);
    }

    #[test]
    fn regexes_merge_with_literals() {
        let m = plain(&[
            lit("thickening"),
            Pattern::Regex(r"\bthickening of the \w+ ligament\b".to_string()),
        ]);
        let hits = m.find("thickening of the interspinous ligament");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].id, 1);
    }

    #[test]
    fn reach_counts_characters_and_unbounded_repeats_eight_times() {
        assert_eq!(reach(r"\bct\b"), 2);
        assert_eq!(reach(r"\d+"), 8);
        assert_eq!(reach(r"[^.;]{0,40}"), 40);
        assert_eq!(reach("\u{e9}t\u{e9}"), 3);
        assert_eq!(reach(r"x{2,5}"), 5);
        assert_eq!(reach(r"(?:a|bcd)e?"), 4);
        assert_eq!(reach(r"[0-9]{1,2}/(?:19|20)[0-9]{2}"), 7);
    }

    #[test]
    fn windows_step_over_whole_characters() {
        let text = "a\u{e9}b\u{1F600}c";
        // a é b 😀 c at bytes 0, 1, 3, 4, 8.
        assert_eq!(chars_before(text, text.len(), 2), 4);
        assert_eq!(chars_before(text, text.len(), 3), 3);
        assert_eq!(chars_before(text, 3, 9), 0);
        assert_eq!(chars_after(text, 0, 2), 3);
        assert_eq!(chars_after(text, 3, 2), 8);
        assert_eq!(chars_after(text, 3, 9), text.len());
    }

    #[test]
    fn a_window_reaches_as_far_as_the_longest_match() {
        // The match runs 60 bytes past its anchor word, and no other anchor
        // word is near (a fixed window of 48 bytes after it missed it).
        let pats = [Pattern::Regex(
            r"\bdjd\s+(?:of|involving)\s+(?:the\s+)?(?:[a-z]+\s+){0,8}spine\b".to_string(),
        )];
        let anchors = ["djd".to_string()];
        let m = PhraseMatcher::new(pats.iter().map(|p| (p, &anchors[..])));
        let phrase = "DJD involving the lower and the upper parts of the thoracic spine";
        // ASCII text, and text with two-byte characters around the phrase.
        for filler in ["x ", "\u{e9} "] {
            let text = format!("{}{phrase}. {}", filler.repeat(100), filler.repeat(100));
            let hits = m.find(&text);
            assert_eq!(hits.len(), 1);
            assert_eq!(&text[hits[0].start..hits[0].end], phrase);
        }
    }

    #[test]
    fn anchored_regexes_run_near_their_anchors_only() {
        let pats = [Pattern::Regex(r"\b\d+ (?:days?|months?)\b".to_string())];
        let anchors = ["months".to_string(), "days".to_string()];
        let m = PhraseMatcher::new(pats.iter().map(|p| (p, &anchors[..])));
        let text = format!(
            "{} pain for 3 months and {} 2 days",
            "x ".repeat(200),
            "y ".repeat(100)
        );
        let hits = m.find(&text);
        assert_eq!(hits.len(), 2);
        assert_eq!(&text[hits[0].start..hits[0].end], "3 months");
        assert_eq!(&text[hits[1].start..hits[1].end], "2 days");
    }
}
