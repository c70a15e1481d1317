//! Experiment (eighth session): the word-start walk against a 4-byte prefix filter, a bigram table and a word-level first-token lookup; asserts equal matches. Run: cargo run --release --example scanners -- NOTES.jsonl
use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::{dfa::DFA, Anchored, MatchKind, StartKind};
use m53audit::lexicon::Pattern;
use m53audit::*;
use std::time::Instant;

static WORD: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    t
};
static LOWER: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (b as u8).to_ascii_lowercase();
        b += 1;
    }
    t
};

#[inline(always)]
fn walk_on(
    ac: &DFA,
    mut sid: StateID,
    b: &[u8],
    mut j: usize,
    steps: &mut usize,
) -> Option<(StateID, usize)> {
    while j < b.len() {
        sid = ac.next_state(Anchored::Yes, sid, LOWER[b[j] as usize]);
        j += 1;
        *steps += 1;
        if ac.is_special(sid) {
            if ac.is_dead(sid) {
                return None;
            }
            return Some((sid, j));
        }
    }
    None
}

struct Filter {
    bits: Vec<u64>,
    lens: u8,
}
const FBITS: u32 = 16;
#[inline(always)]
fn fkey(v: u32, len: u32) -> usize {
    (((v as u64) | ((len as u64) << 32)).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - FBITS))
        as usize
}
impl Filter {
    fn new(lits: &[String]) -> Self {
        let mut bits = vec![0u64; 1 << (FBITS - 6)];
        let mut lens = 0u8;
        for l in lits {
            let b = l.as_bytes();
            let len = b.len().min(4);
            let mut v = 0u32;
            for (k, &c) in b[..len].iter().enumerate() {
                v |= (c as u32) << (8 * k);
            }
            lens |= 1 << (len - 1);
            let h = fkey(v, len as u32);
            bits[h >> 6] |= 1 << (h & 63);
        }
        Filter { bits, lens }
    }
    #[inline(always)]
    fn may(&self, b: &[u8], i: usize) -> bool {
        let n = b.len() - i;
        let mut v = 0u32;
        let k = n.min(4);
        for t in 0..k {
            v |= (LOWER[b[i + t] as usize] as u32) << (8 * t);
        }
        let mut hit = false;
        for len in 1..=k as u32 {
            if self.lens & (1 << (len - 1)) != 0 {
                let m = if len == 4 {
                    u32::MAX
                } else {
                    (1u32 << (8 * len)) - 1
                };
                let h = fkey(v & m, len);
                hit |= self.bits[h >> 6] & (1 << (h & 63)) != 0;
            }
        }
        hit
    }
}

struct Pair {
    bits: Vec<u64>,
}
impl Pair {
    fn new(lits: &[String]) -> Self {
        let mut bits = vec![0u64; 1 << 10];
        for l in lits {
            let b = l.as_bytes();
            let firsts = [b[0], b[0].to_ascii_uppercase()];
            let seconds: Vec<u8> = if b.len() == 1 {
                (0..=255).collect()
            } else {
                vec![b[1], b[1].to_ascii_uppercase()]
            };
            for &x in &firsts {
                for &y in &seconds {
                    let k = (x as usize) << 8 | y as usize;
                    bits[k >> 6] |= 1 << (k & 63);
                }
            }
            if b.len() == 1 {
                // at the end of the text
                for &x in &firsts {
                    let k = (x as usize) << 8;
                    bits[k >> 6] |= 1 << (k & 63);
                }
            }
        }
        Pair { bits }
    }
}

fn run_pair(
    ac: &DFA,
    exact: &rustc_hash::FxHashMap<StateID, u32>,
    pair: &Pair,
    b: &[u8],
    out: &mut Vec<(usize, usize, u32)>,
    stats: &mut [usize; 4],
) {
    let start_state = ac.start_state(Anchored::Yes).unwrap();
    let n = b.len();
    let mut i = 0;
    while i < n {
        let c = b[i];
        let d = if i + 1 < n { b[i + 1] } else { 0 };
        let k = (c as usize) << 8 | d as usize;
        stats[0] += 1;
        if pair.bits[k >> 6] & (1 << (k & 63)) != 0 {
            stats[1] += 1;
            let (mut sid, mut j) = (start_state, i);
            while let Some((next, k)) = walk_on(ac, sid, b, j, &mut stats[2]) {
                if let Some(&pattern) = exact.get(&next) {
                    out.push((i, k, pattern));
                }
                (sid, j) = (next, k);
            }
        }
        i += 1;
        if WORD[c as usize] {
            while i < n && WORD[b[i] as usize] {
                i += 1;
            }
        }
    }
}

fn run(
    ac: &DFA,
    exact: &rustc_hash::FxHashMap<StateID, u32>,
    first: &[bool; 256],
    filter: Option<&Filter>,
    b: &[u8],
    out: &mut Vec<(usize, usize, u32)>,
    stats: &mut [usize; 4],
) {
    let start_state = ac.start_state(Anchored::Yes).unwrap();
    let n = b.len();
    let mut i = 0;
    while i < n {
        let c = b[i];
        stats[0] += 1;
        if first[c as usize] && filter.map_or(true, |f| f.may(b, i)) {
            stats[1] += 1;
            let (mut sid, mut j) = (start_state, i);
            let before = out.len();
            while let Some((next, k)) = walk_on(ac, sid, b, j, &mut stats[2]) {
                if let Some(&pattern) = exact.get(&next) {
                    out.push((i, k, pattern));
                }
                (sid, j) = (next, k);
            }
            if out.len() > before {
                stats[3] += 1;
            }
        }
        i += 1;
        if WORD[c as usize] {
            while i < n && WORD[b[i] as usize] {
                i += 1;
            }
        }
    }
}

fn main() {
    let path = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let notes: Vec<String> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| {
            text::Normalized::new(v["text"].as_str().unwrap())
                .flat
                .to_string()
        })
        .collect();
    let bytes: usize = notes.iter().map(|n| n.len()).sum();
    let lex = Lexicons::builtin();
    let mut lits: Vec<String> = Vec::new();
    for c in &lex.concepts {
        match &c.pattern {
            Pattern::Literal(s) => lits.push(s.to_ascii_lowercase()),
            Pattern::Regex(_) => lits.extend(c.anchors.iter().map(|a| a.to_ascii_lowercase())),
        }
    }
    for r in &lex.rules {
        if let Pattern::Literal(s) = &r.pattern {
            lits.push(s.to_ascii_lowercase());
        }
    }
    lits.extend(region::probes());
    lits.sort();
    lits.dedup();
    lits.retain(|l| !l.is_empty());
    let mut first = Box::new([false; 256]);
    for l in &lits {
        let b = l.as_bytes()[0];
        first[b as usize] = true;
        first[b.to_ascii_uppercase() as usize] = true;
    }
    let short: Vec<&String> = lits.iter().filter(|l| l.len() < 4).collect();
    println!(
        "{} literals, {} short: {:?}",
        lits.len(),
        short.len(),
        short
    );
    let ac = aho_corasick::dfa::Builder::new()
        .match_kind(MatchKind::Standard)
        .start_kind(StartKind::Anchored)
        .prefilter(false)
        .build(&lits)
        .unwrap();
    let st = ac.start_state(Anchored::Yes).unwrap();
    let exact: rustc_hash::FxHashMap<StateID, u32> = lits
        .iter()
        .enumerate()
        .map(|(k, l)| {
            (
                l.bytes()
                    .fold(st, |s, b| ac.next_state(Anchored::Yes, s, b)),
                k as u32,
            )
        })
        .collect();
    let filter = Filter::new(&lits);
    let mb = bytes as f64 / 1e6;
    let mut outs = Vec::new();
    for (name, f) in [("plain", None), ("filtered", Some(&filter))] {
        let mut best = f64::MAX;
        let mut stats = [0usize; 4];
        let mut all = Vec::new();
        for _ in 0..5 {
            stats = [0; 4];
            all.clear();
            let mut out = Vec::new();
            let t = Instant::now();
            for n in &notes {
                out.clear();
                run(&ac, &exact, &first, f, n.as_bytes(), &mut out, &mut stats);
                all.push(out.len());
            }
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!(
            "{name:10} {:6.0} MB/s {:5.2} ns/B positions {} walks {} steps {} matching walks {}",
            mb / best,
            best * 1e9 / bytes as f64,
            stats[0],
            stats[1],
            stats[2],
            stats[3]
        );
        outs.push(all);
    }
    let pair = Pair::new(&lits);
    {
        let mut best = f64::MAX;
        let mut stats = [0usize; 4];
        let mut all = Vec::new();
        for _ in 0..5 {
            stats = [0; 4];
            all.clear();
            let mut out = Vec::new();
            let t = Instant::now();
            for n in &notes {
                out.clear();
                run_pair(&ac, &exact, &pair, n.as_bytes(), &mut out, &mut stats);
                all.push(out.len());
            }
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!(
            "{:10} {:6.0} MB/s {:5.2} ns/B positions {} walks {} steps {}",
            "pair",
            mb / best,
            best * 1e9 / bytes as f64,
            stats[0],
            stats[1],
            stats[2],
        );
        outs.push(all);
    }
    // word-level: compare with the plain walk, mid-word non-probe matches dropped
    let probe_set: std::collections::HashSet<u32> = {
        let ps = region::probes();
        lits.iter()
            .enumerate()
            .filter(|(_, l)| ps.contains(l))
            .map(|(k, _)| k as u32)
            .collect()
    };
    let toks = Tokens::new(&ac, &lits, &region::probes());
    let mut best = f64::MAX;
    for round in 0..5 {
        let mut out = Vec::new();
        let mut pr = Vec::new();
        let t = Instant::now();
        let mut tot = 0;
        for n in &notes {
            out.clear();
            pr.clear();
            run_word(&ac, &exact, &first, &toks, n.as_bytes(), &mut out, &mut pr);
            tot += out.len() + pr.len();
        }
        best = best.min(t.elapsed().as_secs_f64());
        if round == 0 {
            std::hint::black_box(tot);
            let mut stats = [0usize; 4];
            for n in &notes {
                let b = n.as_bytes();
                let mut old = Vec::new();
                run(&ac, &exact, &first, None, b, &mut old, &mut stats);
                let mut oldp: Vec<usize> = old
                    .iter()
                    .filter(|m| probe_set.contains(&m.2))
                    .map(|m| m.0)
                    .collect();
                oldp.dedup();
                let ends_word =
                    |e: usize| e == b.len() || !WORD[b[e] as usize] || !WORD[b[e - 1] as usize];
                old.retain(|m| {
                    ends_word(m.1)
                        || (probe_set.contains(&m.2)
                            && !b[m.0..m.1].iter().all(|c| WORD[*c as usize]))
                });
                let mut new = Vec::new();
                let mut newp = Vec::new();
                run_word(&ac, &exact, &first, &toks, b, &mut new, &mut newp);
                new.retain(|m| ends_word(m.1) || probe_set.contains(&m.2));
                // probes seen through the lookup also count
                for m in &new {
                    if probe_set.contains(&m.2) {
                        newp.push(m.0);
                    }
                }
                newp.sort();
                newp.dedup();
                assert_eq!(old, new);
                assert_eq!(oldp, newp);
            }
            println!("word-level output equal");
        }
    }
    println!(
        "{:10} {:6.0} MB/s {:5.2} ns/B",
        "word",
        mb / best,
        best * 1e9 / bytes as f64
    );
    assert_eq!(outs[0], outs[1]);
    assert_eq!(outs[0], outs[2]);
}

/// First tokens of the literals (their leading ASCII alphanumeric run,
/// lower-cased) with the anchored state after reading them.
pub struct Tokens {
    slots: Vec<(u64, u32, u32)>, // (key8, len, state+1) 0 = empty
    long: Vec<Vec<u8>>,          // token bytes by slot for len > 8
    mask: usize,
    pub mid: [Vec<Vec<u8>>; 256], // alnum probes by first byte
}

#[inline(always)]
fn key8(b: &[u8], i: usize, len: usize) -> u64 {
    let mut buf = [0u8; 8];
    let k = len.min(8);
    if i + 8 <= b.len() {
        buf.copy_from_slice(&b[i..i + 8]);
    } else {
        buf[..b.len() - i].copy_from_slice(&b[i..]);
    }
    let v = u64::from_le_bytes(buf) | 0x2020_2020_2020_2020;
    if k == 8 {
        v
    } else {
        v & ((1u64 << (8 * k)) - 1)
    }
}
#[inline(always)]
fn slot(v: u64, len: usize, mask: usize) -> usize {
    ((v ^ (len as u64)).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as usize & mask
}

impl Tokens {
    pub fn new(ac: &DFA, lits: &[String], probes: &[String]) -> Self {
        let start = ac.start_state(Anchored::Yes).unwrap();
        let mut toks: Vec<&[u8]> = lits
            .iter()
            .map(|l| {
                let b = l.as_bytes();
                let w = b.iter().take_while(|c| c.is_ascii_alphanumeric()).count();
                &b[..w]
            })
            .filter(|t| !t.is_empty())
            .collect();
        toks.sort();
        toks.dedup();
        let size = (toks.len() * 4).next_power_of_two();
        let mut slots = vec![(0u64, 0u32, 0u32); size];
        let mut long = vec![Vec::new(); size];
        for t in &toks {
            let sid = t
                .iter()
                .fold(start, |s, &c| ac.next_state(Anchored::Yes, s, c));
            assert!(!ac.is_dead(sid));
            let v = key8(t, 0, t.len());
            let mut s = slot(v, t.len(), size - 1);
            while slots[s].2 != 0 {
                s = (s + 1) & (size - 1);
            }
            slots[s] = (v, t.len() as u32, sid.as_u32() + 1);
            long[s] = t.to_vec();
        }
        let mut mid: [Vec<Vec<u8>>; 256] = std::array::from_fn(|_| Vec::new());
        for p in probes {
            let b = p.as_bytes();
            if b.iter().all(|c| c.is_ascii_alphanumeric()) {
                mid[b[0] as usize].push(b.to_vec());
            }
        }
        println!("{} first tokens, {} slots", toks.len(), size);
        Tokens {
            slots,
            long,
            mask: size - 1,
            mid,
        }
    }
    #[inline(always)]
    fn get(&self, b: &[u8], i: usize, e: usize) -> Option<StateID> {
        let len = e - i;
        let v = key8(b, i, len);
        let mut s = slot(v, len, self.mask);
        loop {
            let (k, l, st) = self.slots[s];
            if st == 0 {
                return None;
            }
            if k == v
                && l as usize == len
                && (len <= 8 || self.long[s].eq_ignore_ascii_case(&b[i..e]))
            {
                return Some(StateID::new((st - 1) as usize).unwrap());
            }
            s = (s + 1) & self.mask;
        }
    }
}

pub fn run_word(
    ac: &DFA,
    exact: &rustc_hash::FxHashMap<StateID, u32>,
    first: &[bool; 256],
    toks: &Tokens,
    b: &[u8],
    out: &mut Vec<(usize, usize, u32)>,
    probes: &mut Vec<usize>,
) {
    let start_state = ac.start_state(Anchored::Yes).unwrap();
    let n = b.len();
    let mut i = 0;
    while i < n {
        let c = b[i];
        if WORD[c as usize] {
            let mut e = i + 1;
            while e < n && WORD[b[e] as usize] {
                e += 1;
            }
            let lc = LOWER[c as usize];
            for p in &toks.mid[lc as usize] {
                if p.len() < e - i && b[i..i + p.len()].eq_ignore_ascii_case(p) {
                    probes.push(i);
                    break;
                }
            }
            if let Some(sid) = toks.get(b, i, e) {
                if let Some(&pattern) = exact.get(&sid) {
                    out.push((i, e, pattern));
                }
                let (mut sid, mut j) = (sid, e);
                let mut steps = 0;
                while let Some((next, k)) = walk_on(ac, sid, b, j, &mut steps) {
                    if let Some(&pattern) = exact.get(&next) {
                        out.push((i, k, pattern));
                    }
                    (sid, j) = (next, k);
                }
            }
            i = e;
        } else {
            if first[c as usize] {
                let (mut sid, mut j) = (start_state, i);
                let mut steps = 0;
                while let Some((next, k)) = walk_on(ac, sid, b, j, &mut steps) {
                    if let Some(&pattern) = exact.get(&next) {
                        out.push((i, k, pattern));
                    }
                    (sid, j) = (next, k);
                }
            }
            i += 1;
        }
    }
}
