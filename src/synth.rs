//! A seeded generator of synthetic clinical notes, for benchmarks: a
//! realistic mix of note types (office visits, imaging reports, PT and
//! chiropractic notes, procedure notes, ED notes, long discharge summaries),
//! lengths, spinal levels (C7-T1 in its spellings and every other region),
//! findings, negations, uncertainty, family history, durations and care.
//! The same seed always gives the same notes (ChaCha8).

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const CT_LEVELS: &[&str] = &[
    "C7-T1",
    "C7\u{2013}T1",
    "C7/T1",
    "C7 T1",
    "c7-t1",
    "cervicothoracic junction",
    "C/T junction",
    "C7 to T1",
];
const OTHER_LEVELS: &[&str] = &[
    "C5-6", "C6-7", "C4-5", "T4-5", "T12-L1", "L4-5", "L5-S1", "C1-C2", "T1-T2",
];
const DORSOPATHY: &[&str] = &[
    "facet syndrome, non-degenerative",
    "interspinous ligament thickening",
    "supraspinous and interspinous ligamentous thickening",
    "other specified dorsopathy",
];
const SPECIFIC: &[&str] = &[
    "disc herniation",
    "disc protrusion",
    "degenerative disc disease",
    "central canal stenosis",
    "facet arthropathy",
    "spondylosis",
    "segmental instability",
    "radiculopathy",
    "myelopathy",
];
const NEGATED: &[&str] = &[
    "No disc herniation at {L}.",
    "No radiculopathy or myelopathy on exam.",
    "Negative for stenosis at {L}.",
    "{L} disc herniation is ruled out.",
    "Radiculopathy: none.",
    "Denies arm pain, numbness, tingling or weakness.",
    "No instability on flexion-extension views at {L}.",
];
const UNCERTAIN: &[&str] = &[
    "Possible small {L} disc protrusion.",
    "A tiny {L} protrusion cannot be ruled out.",
    "MRI ordered to rule out disc herniation.",
    "Return if radicular symptoms develop.",
];
const FAMILY: &[&str] = &[
    "Family history: mother with cervical myelopathy.",
    "Father had a {L} disc herniation requiring surgery.",
    "Family history of rheumatoid arthritis in a sister.",
];
const DURATION: &[&str] = &[
    "x 3 months",
    "for 2 years",
    "since 2023",
    "x 6 weeks",
    "for over a year",
    "10 months",
];
const CARE: &[&str] = &[
    "Completed 8 weeks of physical therapy.",
    "Takes naproxen 500 mg bid with partial relief.",
    "Prior chiropractic care x 6 visits.",
    "Two medial branch blocks gave 80% relief.",
    "Uses a home exercise program daily.",
];
const FILLER: &[&str] = &[
    "Vitals: BP 128/78, HR 72, RR 14, SpO2 98% on room air.",
    "Lungs clear to auscultation bilaterally; heart regular without murmur.",
    "Abdomen soft, nontender, no organomegaly.",
    "Labs: CBC and BMP within normal limits; creatinine 0.9.",
    "Medications reviewed and reconciled; allergies: NKDA.",
    "Social history: works as an accountant, never smoker, occasional alcohol.",
    "The patient was counseled on diet, exercise and sleep hygiene.",
    "Blood pressure well controlled on lisinopril 20 mg daily.",
    "Type 2 diabetes mellitus, A1c 6.8%, continue metformin.",
    "Follow-up with the primary care physician in 4 to 6 weeks.",
    "ECG: sinus rhythm, normal intervals, no acute ST changes.",
    "Chest radiograph: no acute cardiopulmonary process.",
    "Hospital course was uncomplicated; the patient ambulated independently.",
    "Discharge medications were reviewed with the patient and family.",
];

fn pick<'a>(rng: &mut ChaCha8Rng, xs: &'a [&'a str]) -> &'a str {
    xs.choose(rng).copied().unwrap_or("")
}

/// One synthetic note (id and text) from the generator's state.
pub fn note(rng: &mut ChaCha8Rng, i: u64) -> (String, String, Vec<String>) {
    let ct = rng.gen_bool(0.6);
    let level = if ct {
        pick(rng, CT_LEVELS)
    } else {
        pick(rng, OTHER_LEVELS)
    }
    .to_string();
    let kind = rng.gen_range(0..6);
    let mut s = String::new();
    let title = [
        "OFFICE VISIT",
        "MRI CERVICAL SPINE WITHOUT CONTRAST",
        "PHYSICAL THERAPY EVALUATION",
        "PROCEDURE NOTE",
        "EMERGENCY DEPARTMENT NOTE",
        "DISCHARGE SUMMARY",
    ][kind];
    s.push_str(title);
    s.push('\n');
    s.push_str(&format!(
        "HPI: {}-year-old with pain at the base of the neck {}. {}\n",
        rng.gen_range(25..80),
        pick(rng, DURATION),
        pick(rng, CARE)
    ));
    let filler = match kind {
        5 => rng.gen_range(8..40),
        4 => rng.gen_range(4..14),
        _ => rng.gen_range(0..6),
    };
    for _ in 0..filler {
        s.push_str(pick(rng, FILLER));
        s.push(if rng.gen_bool(0.3) { '\n' } else { ' ' });
    }
    if rng.gen_bool(0.4) {
        s.push_str(&pick(rng, FAMILY).replace("{L}", &level));
        s.push('\n');
    }
    s.push_str(&format!("Exam: tenderness at {level}; extension painful. "));
    s.push_str(&pick(rng, NEGATED).replace("{L}", &level));
    s.push('\n');
    if rng.gen_bool(0.3) {
        s.push_str(&pick(rng, UNCERTAIN).replace("{L}", &level));
        s.push('\n');
    }
    s.push_str(&format!("MRI {:02}/2026: ", rng.gen_range(1..13)));
    s.push_str(&pick(rng, NEGATED).replace("{L}", &level));
    s.push('\n');
    let diagnosis = if rng.gen_bool(0.55) {
        pick(rng, DORSOPATHY)
    } else {
        pick(rng, SPECIFIC)
    };
    s.push_str(&format!("Assessment: {level} {diagnosis}.\n"));
    s.push_str("Plan: continue home exercise program; follow up in 6 weeks.\n");
    let billed = match rng.gen_range(0..4) {
        0 => vec![],
        1 => vec!["M54.2".to_string()],
        _ => vec!["M53.83".to_string()],
    };
    (format!("synth-{i:09}"), s, billed)
}

/// Writes JSON-lines notes to `w` until at least `bytes` bytes are written;
/// returns (notes, bytes).
pub fn generate(seed: u64, bytes: u64, w: &mut impl std::io::Write) -> std::io::Result<(u64, u64)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut n, mut written) = (0u64, 0u64);
    let mut line = Vec::with_capacity(8192);
    while written < bytes {
        let (id, text, billed) = note(&mut rng, n);
        line.clear();
        serde_json::to_writer(
            &mut line,
            &serde_json::json!({"id": id, "text": text, "billed": billed}),
        )?;
        line.push(b'\n');
        w.write_all(&line)?;
        written += line.len() as u64;
        n += 1;
    }
    Ok((n, written))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_notes() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        generate(7, 50_000, &mut a).unwrap();
        generate(7, 50_000, &mut b).unwrap();
        assert_eq!(a, b);
        let mut c = Vec::new();
        generate(8, 50_000, &mut c).unwrap();
        assert_ne!(a, c);
    }
}
