//! Worst-case inputs for the per-note pipeline, each at 10 KB, 100 KB and
//! 1 MB: the cost per byte must stay flat (within 2x from 10 KB to 1 MB)
//! whatever the content. `benches/worst_case.sh` runs the group and prints
//! the ratio of each pattern's per-byte cost at 1 MB to its cost at 10 KB.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use m53audit::{Auditor, Lexicons, Note};
use std::hint::black_box;

/// The allocator of the `m53audit` binary, so that the figures match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Each pattern: a name and the unit repeated to the size.
const PATTERNS: &[(&str, &str)] = &[
    // Many negation cues in one sentence (once n^2.5).
    ("dense_negation", "no C7-T1 "),
    // A long pertinent-negatives list, one item a line.
    ("negatives_list", "- denies radiculopathy at C7-T1\n"),
    // Thousands of level expressions.
    ("levels", "C7-T1, C6-C7 and T1-T2; "),
    // One unbroken line with no space or sentence end.
    ("unbroken_line", "C7T1facetsyndromexx"),
    // Checkboxes and template answers.
    ("checkboxes", "[x] C7-T1 facet pain [ ] radiculopathy: no\n"),
    // Section and document headers over and over.
    (
        "headers",
        "ASSESSMENT:\nC7-T1 facet syndrome.\nADDENDUM:\nno radiculopathy.\n",
    ),
    // Uncertainty and scope terminators alternating.
    (
        "triggers",
        "possible C7-T1 disc herniation but no myelopathy, ruled out; ",
    ),
    // Claim-line cues and numbers in one sentence, read for eight lines.
    (
        "claim_lines",
        "neck pain for 3 months, MBB #1 80% relief x 5 h, VAS 7/10, PT and NSAIDs, goal able to 2x/week for 6 weeks, C5-6 block under fluoroscopy, tender, somatic dysfunction cervical rib, ",
    ),
];

/// The claim lines billed with the `claim_lines` pattern (none for the others).
fn procedures(name: &str) -> Vec<m53audit::lines::ProcedureLine> {
    if name != "claim_lines" {
        return Vec::new();
    }
    [
        "64490", "64491", "64633", "62321", "97110", "98940", "98926", "72141",
    ]
    .iter()
    .map(|c| m53audit::lines::ProcedureLine {
        cpt: c.to_string(),
        dx: vec!["M99.01".into(), "M53.83".into()],
        ..Default::default()
    })
    .collect()
}

fn text_of(unit: &str, size: usize) -> String {
    let mut s = String::with_capacity(size + unit.len());
    while s.len() < size {
        s.push_str(unit);
    }
    s
}

fn worst_case(c: &mut Criterion) {
    let auditor = Auditor::new(Lexicons::builtin());
    let mut g = c.benchmark_group("worst_case");
    g.sample_size(10);
    for (name, unit) in PATTERNS {
        for size in [10_000usize, 100_000, 1_000_000] {
            let note = Note {
                id: "w".into(),
                text: text_of(unit, size),
                procedures: procedures(name),
                ..Note::default()
            };
            g.throughput(Throughput::Bytes(note.text.len() as u64));
            g.bench_with_input(BenchmarkId::new(*name, size), &note, |b, n| {
                b.iter(|| black_box(auditor.audit(n)))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, worst_case);
criterion_main!(benches);
