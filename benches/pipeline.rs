//! Criterion benchmark of the per-note pipeline (audit + JSON record), with
//! throughput in bytes, on seeded synthetic corpora (`m53gen`, both
//! mixes) and, when present, on real MTSamples transcriptions; and of each
//! stage of the pipeline on its own (group `stages`, the realistic synthetic
//! corpus that the end-to-end archive is made of), to show where the time
//! goes, beside the yardstick of the throughput target (one aho-corasick
//! pass over the same text).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use m53audit::{Auditor, Lexicons, Note, Output};
use std::hint::black_box;

/// The allocator of the `m53audit` binary, so that the figures match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn corpus_synthetic(mix: m53gen::Mix) -> Vec<Note> {
    let mut buf = Vec::new();
    m53gen::generate(53, 4_000_000, mix, &mut buf).unwrap();
    String::from_utf8(buf)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            Note {
                id: v["id"].as_str().unwrap().into(),
                text: v["text"].as_str().unwrap().into(),
                billed: vec![],
                setting: None,
                procedures: Vec::new(),
            }
        })
        .collect()
}

fn corpus_mtsamples() -> Option<Vec<Note>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/corpora/mtsamples/mtsamples.csv"
    );
    let mut rdr = csv::Reader::from_path(path).ok()?;
    let notes: Vec<Note> = rdr
        .deserialize::<std::collections::HashMap<String, String>>()
        .filter_map(Result::ok)
        .enumerate()
        .filter_map(|(i, r)| {
            r.get("transcription")
                .filter(|t| !t.trim().is_empty())
                .map(|t| Note {
                    id: i.to_string(),
                    text: t.clone(),
                    billed: vec![],
                    setting: None,
                    procedures: Vec::new(),
                })
        })
        .take(1500)
        .collect();
    Some(notes)
}

fn bench(c: &mut Criterion) {
    let auditor = Auditor::new(Lexicons::builtin());
    use m53gen::Mix;
    let mut corpora = vec![
        ("synthetic realistic", corpus_synthetic(Mix::Realistic)),
        ("synthetic dense", corpus_synthetic(Mix::Dense)),
    ];
    if let Some(m) = corpus_mtsamples() {
        corpora.push(("mtsamples", m));
    }
    let mut g = c.benchmark_group("pipeline");
    g.sample_size(10);
    for (name, notes) in &corpora {
        let bytes: usize = notes.iter().map(|n| n.text.len()).sum();
        g.throughput(Throughput::Bytes(bytes as u64));
        g.bench_function(*name, |b| {
            let mut line = Vec::new();
            b.iter(|| {
                for n in notes {
                    let rec = auditor.audit(n);
                    m53audit::io::output::to_json_line(&Output::Audited(Box::new(rec)), &mut line);
                }
            })
        });
    }
    g.finish();
}

fn stages(c: &mut Criterion) {
    use m53audit::find::{levels, matcher::MultiMatcher};
    use m53audit::{decide, text::sentence, text::Normalized};
    let lex = Lexicons::builtin();
    let auditor = Auditor::new(lex.clone());
    let notes = corpus_synthetic(m53gen::Mix::Realistic);
    let bytes: usize = notes.iter().map(|n| n.text.len()).sum();
    let norms: Vec<Normalized> = notes.iter().map(|n| Normalized::new(&n.text)).collect();
    let probes = levels::probes();
    // As the analyzer builds it: concepts, triggers and level probes.
    let matchers = MultiMatcher::with_probes(
        vec![
            lex.concepts
                .iter()
                .map(|c| (&c.pattern, &c.anchors[..]))
                .collect(),
            lex.rules.iter().map(|r| (&r.pattern, &[][..])).collect(),
        ],
        &probes,
    );
    // The same without the lexicon regexes (only their anchor words stay
    // out too): the automaton walk alone, so that the regex windows' share
    // of the stage above is the difference.
    let is_literal =
        |p: &m53audit::lexicon::Pattern| matches!(p, m53audit::lexicon::Pattern::Literal(_));
    let literal_only = MultiMatcher::with_probes(
        vec![
            lex.concepts
                .iter()
                .filter(|c| is_literal(&c.pattern))
                .map(|c| (&c.pattern, &c.anchors[..]))
                .collect(),
            lex.rules
                .iter()
                .filter(|r| is_literal(&r.pattern))
                .map(|r| (&r.pattern, &[][..]))
                .collect(),
        ],
        &probes,
    );
    let found: Vec<Vec<usize>> = norms
        .iter()
        .map(|n| matchers.find_all(&n.flat).probes)
        .collect();
    let lines: Vec<Vec<u8>> = notes
        .iter()
        .map(|n| {
            serde_json::to_vec(&serde_json::json!({"id": n.id, "text": n.text, "billed": n.billed}))
                .unwrap()
        })
        .collect();
    let analyses: Vec<_> = notes
        .iter()
        .map(|n| auditor.analyzer.analyze(&n.text))
        .collect();
    let decisions: Vec<_> = analyses
        .iter()
        .map(|a| decide::decide(&auditor.analyzer, a))
        .collect();
    let records: Vec<Output> = notes
        .iter()
        .zip(&analyses)
        .zip(&decisions)
        .map(|((n, a), d)| Output::Audited(Box::new(auditor.record(n, a, d))))
        .collect();
    let mut g = c.benchmark_group("stages");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("read JSON line", |b| {
        let opts = m53audit::io::input::InputOptions::default();
        b.iter(|| {
            lines.iter().enumerate().for_each(|(i, l)| {
                drop(black_box(m53audit::io::input::parse_json_line(
                    "b", i, l, &opts,
                )))
            })
        })
    });
    g.bench_function("normalize", |b| {
        b.iter(|| {
            notes
                .iter()
                .for_each(|n| drop(black_box(Normalized::new(&n.text))))
        })
    });
    g.bench_function("sentences", |b| {
        b.iter(|| {
            norms
                .iter()
                .for_each(|n| drop(black_box(sentence::split(&n.text, &lex.abbreviations))))
        })
    });
    // The yardstick of the throughput target: one aho-corasick DFA
    // pass over the same text with the lexicons' literal phrases (concepts
    // and ConText triggers, about 500), ASCII case ignored, counting every
    // match. What the rest of the pipeline may cost follows from it.
    let phrases: Vec<&str> = lex
        .concepts
        .iter()
        .map(|c| &c.pattern)
        .chain(lex.rules.iter().map(|r| &r.pattern))
        .filter_map(|p| match p {
            m53audit::lexicon::Pattern::Literal(s) => Some(s.as_str()),
            m53audit::lexicon::Pattern::Regex(_) => None,
        })
        .collect();
    let reference = aho_corasick::AhoCorasick::builder()
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .ascii_case_insensitive(true)
        .build(&phrases)
        .expect("lexicon phrases build");
    g.bench_function("yardstick: one aho-corasick DFA pass", |b| {
        b.iter(|| {
            black_box(
                norms
                    .iter()
                    .map(|n| reference.find_iter(n.flat.as_str()).count())
                    .sum::<usize>(),
            )
        })
    });
    g.bench_function("concepts+triggers+level probes", |b| {
        b.iter(|| {
            norms
                .iter()
                .for_each(|n| drop(black_box(matchers.find_all(&n.flat))))
        })
    });
    g.bench_function("concepts+triggers+level probes, literals only", |b| {
        b.iter(|| {
            norms
                .iter()
                .for_each(|n| drop(black_box(literal_only.find_all(&n.flat))))
        })
    });
    g.bench_function("levels (at the probes)", |b| {
        b.iter(|| {
            norms
                .iter()
                .zip(&found)
                .for_each(|(n, p)| drop(black_box(levels::find_levels_at(&n.flat, p))))
        })
    });
    g.bench_function("analyze (all of the above + assertion, placement)", |b| {
        b.iter(|| {
            notes
                .iter()
                .for_each(|n| drop(black_box(auditor.analyzer.analyze(&n.text))))
        })
    });
    g.bench_function("decide", |b| {
        b.iter(|| {
            analyses
                .iter()
                .for_each(|a| drop(black_box(decide::decide(&auditor.analyzer, a))))
        })
    });
    g.bench_function("record", |b| {
        b.iter(|| {
            for ((n, a), d) in notes.iter().zip(&analyses).zip(&decisions) {
                drop(black_box(auditor.record(n, a, d)));
            }
        })
    });
    g.bench_function("json", |b| {
        let mut line = Vec::new();
        b.iter(|| {
            for r in &records {
                m53audit::io::output::to_json_line(r, &mut line);
                black_box(&line);
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench, stages);
criterion_main!(benches);
