//! Criterion benchmark of Bulk FHIR input: an NDJSON export of synthetic
//! encounters (per encounter a clinic note as a base64 `text/plain`
//! DocumentReference, an MRI report as a base64 `text/html`
//! DiagnosticReport, and a Claim) read into notes (`read`), and read,
//! joined and audited by claim (`by_claim`, one thread), with throughput in
//! bytes of NDJSON.

use base64::Engine;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use m53audit::io::input::{read_all, InputOptions};
use m53audit::rollup::{audit_group, By, Group, GroupNote};
use m53audit::{Auditor, Lexicons};
use std::hint::black_box;

/// The allocator of the `m53audit` binary, so that the figures match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// An export of about `bytes` bytes of NDJSON.
fn export(bytes: u64) -> Vec<u8> {
    let mut notes = Vec::new();
    m53gen::generate(53, bytes / 2, m53gen::Mix::Realistic, &mut notes).unwrap();
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let mut out = String::new();
    for (i, line) in String::from_utf8(notes).unwrap().lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let text = v["text"].as_str().unwrap();
        let html = format!(
            "<html><body><p><b>MRI CERVICAL SPINE</b></p><p>Findings: facet joint effusion at C7&ndash;T1. No disc herniation.</p><p>Encounter {i}.</p></body></html>"
        );
        let lines = [
            serde_json::json!({"resourceType": "DocumentReference", "id": format!("d{i}"),
                "subject": {"reference": format!("Patient/p{i}")}, "date": "2026-03-02",
                "context": {"encounter": [{"reference": format!("Encounter/e{i}")}]},
                "content": [{"attachment": {"contentType": "text/plain", "data": b64(text)}}]}),
            serde_json::json!({"resourceType": "DiagnosticReport", "id": format!("r{i}"),
                "subject": {"reference": format!("Patient/p{i}")}, "effectiveDateTime": "2026-02-20",
                "encounter": {"reference": format!("Encounter/e{i}")},
                "presentedForm": [{"contentType": "text/html", "data": b64(&html)}]}),
            serde_json::json!({"resourceType": "Claim", "id": format!("c{i}"),
                "patient": {"reference": format!("Patient/p{i}")},
                "billablePeriod": {"start": "2026-03-02"},
                "diagnosis": [{"sequence": 1, "diagnosisCodeableConcept": {"coding": [{"code": "M53.83"}]}}],
                "item": [{"sequence": 1, "encounter": [{"reference": format!("Encounter/e{i}")}]}]}),
        ];
        for l in lines {
            out.push_str(&l.to_string());
            out.push('\n');
        }
    }
    out.into_bytes()
}

/// The export's notes grouped by encounter (as `--by encounter` joins them).
fn groups(bytes: &[u8]) -> Vec<Group> {
    let items = read_all(bytes.to_vec(), "export.ndjson", &InputOptions::default()).unwrap();
    let mut groups: Vec<Group> = Vec::new();
    for item in items {
        let key = item.keys().encounter.clone().unwrap_or_default();
        let keys = item.keys().clone();
        let Ok(note) = item.note else { continue };
        match groups.last_mut().filter(|g| g.id == key) {
            Some(g) => g.notes.push(GroupNote { note, keys }),
            None => groups.push(Group {
                id: key,
                notes: vec![GroupNote { note, keys }],
                ..Group::default()
            }),
        }
    }
    groups
}

fn bench(c: &mut Criterion) {
    let data = export(2_000_000);
    let auditor = Auditor::new(Lexicons::builtin());
    let mut g = c.benchmark_group("fhir");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(10);
    g.bench_function("read", |b| {
        b.iter(|| {
            let items = read_all(
                black_box(data.clone()),
                "export.ndjson",
                &InputOptions::default(),
            );
            black_box(items.unwrap().len())
        })
    });
    g.bench_function("by_encounter", |b| {
        b.iter(|| {
            let n: usize = groups(black_box(&data))
                .iter()
                .map(|grp| audit_group(&auditor, grp, By::Encounter).evidence.len())
                .sum();
            black_box(n)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
