//! Criterion benchmark of the per-note pipeline (audit + JSON record), with
//! throughput in bytes, on a seeded synthetic corpus (`m53audit::synth`) and,
//! when present, on real MTSamples transcriptions.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use m53audit::{Auditor, Lexicons, Note, Output};

fn corpus_synthetic() -> Vec<Note> {
    let mut buf = Vec::new();
    m53audit::synth::generate(53, 4_000_000, &mut buf).unwrap();
    String::from_utf8(buf)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            Note {
                id: v["id"].as_str().unwrap().into(),
                text: v["text"].as_str().unwrap().into(),
                billed: vec![],
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
                })
        })
        .take(1500)
        .collect();
    Some(notes)
}

fn bench(c: &mut Criterion) {
    let auditor = Auditor::new(Lexicons::builtin());
    let mut corpora = vec![("synthetic", corpus_synthetic())];
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
                    m53audit::output::to_json_line(&Output::Audited(Box::new(rec)), &mut line);
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
