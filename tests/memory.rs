//! A long-running process (a Python session, a service) builds and drops
//! auditors many times, with lexicons of its own: memory must stay flat.
//! Live heap bytes are counted by a global allocator of this test binary
//! (one test in the file, so nothing else allocates meanwhile).

use m53audit::{Auditor, Lexicons, Note};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Builds an auditor whose concept names and rule literals are new strings
/// (suffix `i`), audits a note with it and drops both.
fn build_audit_drop(base: &Lexicons, i: usize) -> usize {
    let mut lex = base.clone();
    for c in &mut lex.concepts {
        c.concept = format!("{}_{i}", c.concept);
    }
    let auditor = Auditor::new(lex);
    let note = Note {
        id: format!("n{i}"),
        text: "Assessment: C7-T1 facet syndrome, no radiculopathy. MRI shows no disc herniation."
            .into(),
        billed: vec!["M53.83".into()],
        setting: None,
        procedures: vec![],
    };
    let rec = auditor.audit(&note);
    rec.evidence.len()
}

#[test]
fn building_and_dropping_auditors_keeps_memory_flat() {
    let base = Lexicons::builtin();
    // Warm-up: one-time statics (the level grammar) are built here.
    assert!(build_audit_drop(&base, 0) > 0);
    let before = LIVE.load(Ordering::Relaxed);
    for i in 1..=40 {
        build_audit_drop(&base, i);
    }
    let grown = LIVE.load(Ordering::Relaxed) - before;
    // Names that outlive their auditor would keep over a kilobyte per
    // auditor (interned for the program's life, they kept 49 KB here).
    assert!(
        grown < 16 * 1024,
        "live heap grew by {grown} bytes over 40 auditors"
    );
}
