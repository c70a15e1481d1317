//! A seeded generator of synthetic clinical notes, for benchmarks: a
//! realistic mix of note types (office visits, imaging reports, PT
//! evaluations, procedure notes, ED notes, long discharge summaries),
//! lengths, spinal levels (C7-T1 in its spellings and every other region),
//! findings, negations, uncertainty, family history, durations and care.
//! The same seed always gives the same notes (ChaCha8).
//!
//! Two mixes ([`Mix`]): `realistic` notes carry their spinal content inside
//! the sections a real note has (history, medications, review of systems
//! with its negations, examination, per-level imaging findings, plan), at
//! the lengths of real transcriptions (median about 2.6 KB: MTSamples'
//! median is 2.7 KB, the reference spine notes about 2.9 KB); `dense`
//! notes are the spinal content alone (about 0.8 KB, nearly every sentence a
//! finding), the stress case and the archive of the first benchmark figures.

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

/// Which kind of notes [`generate`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Mix {
    /// Spinal content within the sections and at the lengths of real notes.
    #[default]
    Realistic,
    /// Spinal content alone: short notes, nearly every sentence a finding.
    Dense,
}

/// One synthetic note (id, text, billed codes) of `mix` from the
/// generator's state.
pub fn note(rng: &mut ChaCha8Rng, i: u64, mix: Mix) -> (String, String, Vec<String>) {
    let core = Core::draw(rng);
    let text = match mix {
        Mix::Dense => core.dense(),
        Mix::Realistic => core.realistic(rng),
    };
    (format!("synth-{i:09}"), text, core.billed)
}

const TITLES: [&str; 6] = [
    "OFFICE VISIT",
    "MRI CERVICAL SPINE WITHOUT CONTRAST",
    "PHYSICAL THERAPY EVALUATION",
    "PROCEDURE NOTE",
    "EMERGENCY DEPARTMENT NOTE",
    "DISCHARGE SUMMARY",
];
const IMAGING_REPORT: usize = 1;
const PROCEDURE: usize = 3;
const EMERGENCY: usize = 4;
const DISCHARGE: usize = 5;

/// The spinal content of one note, drawn the same way for both mixes (the
/// same seed gives the same findings in either).
struct Core {
    /// Index into [`TITLES`].
    kind: usize,
    /// "{age}-year-old with pain ... {duration}. {care}"
    hpi: String,
    /// General sentences and the separator after each (dense mix only).
    filler: Vec<(&'static str, char)>,
    family: Option<String>,
    /// Tenderness at the level and a negated finding.
    exam: String,
    uncertain: Option<String>,
    /// "MRI mm/2026: " and a negated finding.
    mri: String,
    /// "{level} {diagnosis}."
    assessment: String,
    billed: Vec<String>,
}

impl Core {
    fn draw(rng: &mut ChaCha8Rng) -> Core {
        let ct = rng.gen_bool(0.6);
        let level = if ct {
            pick(rng, CT_LEVELS)
        } else {
            pick(rng, OTHER_LEVELS)
        }
        .to_string();
        let kind = rng.gen_range(0..6);
        let hpi = format!(
            "{}-year-old with pain at the base of the neck {}. {}",
            rng.gen_range(25..80),
            pick(rng, DURATION),
            pick(rng, CARE)
        );
        let filler = match kind {
            5 => rng.gen_range(8..40),
            4 => rng.gen_range(4..14),
            _ => rng.gen_range(0..6),
        };
        let filler = (0..filler)
            .map(|_| {
                let f = pick(rng, FILLER);
                (f, if rng.gen_bool(0.3) { '\n' } else { ' ' })
            })
            .collect();
        let family = rng
            .gen_bool(0.4)
            .then(|| pick(rng, FAMILY).replace("{L}", &level));
        let exam = format!(
            "tenderness at {level}; extension painful. {}",
            pick(rng, NEGATED).replace("{L}", &level)
        );
        let uncertain = rng
            .gen_bool(0.3)
            .then(|| pick(rng, UNCERTAIN).replace("{L}", &level));
        let mri = format!(
            "MRI {:02}/2026: {}",
            rng.gen_range(1..13),
            pick(rng, NEGATED).replace("{L}", &level)
        );
        let diagnosis = if rng.gen_bool(0.55) {
            pick(rng, DORSOPATHY)
        } else {
            pick(rng, SPECIFIC)
        };
        let assessment = format!("{level} {diagnosis}.");
        let billed = match rng.gen_range(0..4) {
            0 => vec![],
            1 => vec!["M54.2".to_string()],
            _ => vec!["M53.83".to_string()],
        };
        Core {
            kind,
            hpi,
            filler,
            family,
            exam,
            uncertain,
            mri,
            assessment,
            billed,
        }
    }

    /// The dense note: the spinal content line by line, with a few general
    /// sentences.
    fn dense(&self) -> String {
        let mut s = String::new();
        s.push_str(TITLES[self.kind]);
        s.push_str("\nHPI: ");
        s.push_str(&self.hpi);
        s.push('\n');
        for (f, sep) in &self.filler {
            s.push_str(f);
            s.push(*sep);
        }
        if let Some(f) = &self.family {
            s.push_str(f);
            s.push('\n');
        }
        s.push_str("Exam: ");
        s.push_str(&self.exam);
        s.push('\n');
        if let Some(u) = &self.uncertain {
            s.push_str(u);
            s.push('\n');
        }
        s.push_str(&self.mri);
        s.push_str("\nAssessment: ");
        s.push_str(&self.assessment);
        s.push_str("\nPlan: continue home exercise program; follow up in 6 weeks.\n");
        s
    }

    /// The realistic note: the same spinal content inside the sections of a
    /// real note of its type (an imaging report reads level by level), with
    /// history, medications, review of systems and examination around it.
    fn realistic(&self, rng: &mut ChaCha8Rng) -> String {
        let mut s = String::with_capacity(4096);
        s.push_str(TITLES[self.kind]);
        s.push('\n');
        if self.kind == IMAGING_REPORT {
            section(&mut s, "CLINICAL HISTORY", &self.hpi);
            section(
                &mut s,
                "TECHNIQUE",
                "Sagittal T1, T2 and STIR and axial T2 and gradient echo images of the \
                 cervical spine were obtained without contrast.",
            );
            section(&mut s, "COMPARISON", "None available.");
            let mut f = String::from(
                "Alignment is maintained. Vertebral body heights are preserved. The marrow \
                 signal is unremarkable. The cervical cord is normal in caliber and signal.",
            );
            for l in MRI_LEVELS {
                f.push('\n');
                f.push_str(l);
                f.push_str(": ");
                f.push_str(pick(rng, MRI_LEVEL_FINDING));
            }
            f.push('\n');
            f.push_str(&self.mri);
            section(&mut s, "FINDINGS", &f);
            section(&mut s, "IMPRESSION", &self.assessment);
            if let Some(u) = &self.uncertain {
                s.push_str(u);
                s.push('\n');
            }
            return s;
        }
        section(&mut s, "CHIEF COMPLAINT", "Neck and upper back pain.");
        let hpi = [self.hpi.clone()]
            .into_iter()
            .chain(some(rng, HPI_MORE, 2, 6))
            .collect::<Vec<_>>()
            .join(" ");
        section(&mut s, "HISTORY OF PRESENT ILLNESS", &hpi);
        section(
            &mut s,
            "PAST MEDICAL HISTORY",
            &listed(rng, PMH, 1, 5, ", "),
        );
        section(
            &mut s,
            "PAST SURGICAL HISTORY",
            &listed(rng, PSH, 0, 3, ", "),
        );
        let meds: Vec<String> = some(rng, MEDS, 1, 7)
            .iter()
            .enumerate()
            .map(|(k, m)| format!("{}. {m}.", k + 1))
            .collect();
        section(&mut s, "MEDICATIONS", &meds.join(" "));
        section(&mut s, "ALLERGIES", pick(rng, ALLERGIES));
        section(&mut s, "SOCIAL HISTORY", &listed(rng, SOCIAL, 1, 3, " "));
        let family = match &self.family {
            Some(f) => f.clone(),
            None => pick(rng, FAMILY_OTHER).to_string(),
        };
        section(&mut s, "FAMILY HISTORY", &family);
        if self.kind != PROCEDURE {
            section(&mut s, "REVIEW OF SYSTEMS", &listed(rng, ROS, 5, 12, " "));
        }
        let mut e = format!(
            "VITAL SIGNS: Blood pressure {}/{}, pulse {}, respirations 16, temperature 98.{} F. ",
            rng.gen_range(108..150),
            rng.gen_range(62..92),
            rng.gen_range(58..98),
            rng.gen_range(0..9)
        );
        e.push_str(&listed(rng, EXAM, 3, 8, " "));
        e.push_str("\nSPINE: Tenderness at ");
        e.push_str(self.exam.trim_start_matches("tenderness at "));
        for x in some(rng, SPINE_EXAM, 2, 6) {
            e.push(' ');
            e.push_str(&x);
        }
        section(&mut s, "PHYSICAL EXAMINATION", &e);
        section(&mut s, "IMAGING", &self.mri);
        if self.kind == EMERGENCY {
            section(&mut s, "ED COURSE", &listed(rng, ED_COURSE, 2, 5, " "));
        }
        if self.kind == DISCHARGE {
            section(&mut s, "LABS", &listed(rng, LABS, 2, 6, " "));
            // A longer stay reads as several paragraphs of course.
            for _ in 0..rng.gen_range(1..=3) {
                section(&mut s, "HOSPITAL COURSE", &listed(rng, COURSE, 4, 9, " "));
            }
            section(
                &mut s,
                "DISCHARGE MEDICATIONS",
                &listed(rng, MEDS, 3, 9, "; "),
            );
            section(
                &mut s,
                "CONDITION AT DISCHARGE",
                "Stable. Tolerating a regular diet, ambulating independently, pain controlled on oral medication.",
            );
        }
        section(&mut s, "ASSESSMENT", &self.assessment);
        if let Some(u) = &self.uncertain {
            s.push_str(u);
            s.push('\n');
        }
        let plan = ["Continue home exercise program; follow up in 6 weeks.".to_string()]
            .into_iter()
            .chain(some(rng, PLAN_MORE, 1, 4))
            .collect::<Vec<_>>()
            .join(" ");
        section(&mut s, "PLAN", &plan);
        s
    }
}

/// Appends "HEADER: body" and a line break.
fn section(s: &mut String, header: &str, body: &str) {
    s.push_str(header);
    s.push_str(": ");
    s.push_str(body);
    s.push('\n');
}

/// [`some`] joined by `sep`.
fn listed(rng: &mut ChaCha8Rng, xs: &[&str], lo: usize, hi: usize, sep: &str) -> String {
    some(rng, xs, lo, hi).join(sep)
}

/// `lo..=hi` distinct entries of `xs`, in random order.
fn some(rng: &mut ChaCha8Rng, xs: &[&str], lo: usize, hi: usize) -> Vec<String> {
    let n = rng.gen_range(lo..=hi).min(xs.len());
    let mut v = xs.to_vec();
    for k in 0..n {
        let j = rng.gen_range(k..v.len());
        v.swap(k, j);
    }
    v[..n].iter().map(|x| x.to_string()).collect()
}

const PMH: &[&str] = &[
    "hypertension",
    "type 2 diabetes mellitus",
    "hyperlipidemia",
    "gastroesophageal reflux disease",
    "hypothyroidism",
    "osteoarthritis of both knees",
    "asthma",
    "depression",
    "obstructive sleep apnea on CPAP",
    "migraine headaches",
    "chronic kidney disease stage 2",
    "paroxysmal atrial fibrillation",
    "anxiety",
    "obesity",
];
const PSH: &[&str] = &[
    "appendectomy",
    "laparoscopic cholecystectomy",
    "right knee arthroscopy",
    "cesarean section",
    "tonsillectomy as a child",
    "left carpal tunnel release",
    "inguinal hernia repair",
    "hysterectomy",
];
const MEDS: &[&str] = &[
    "lisinopril 20 mg daily",
    "metformin 1000 mg twice daily",
    "atorvastatin 40 mg at bedtime",
    "omeprazole 20 mg daily",
    "levothyroxine 75 mcg daily",
    "ibuprofen 600 mg every 8 hours as needed",
    "cyclobenzaprine 10 mg at bedtime as needed",
    "gabapentin 300 mg three times daily",
    "sertraline 50 mg daily",
    "acetaminophen 500 mg two tablets as needed",
    "albuterol inhaler two puffs as needed",
    "aspirin 81 mg daily",
    "amlodipine 5 mg daily",
    "meloxicam 15 mg daily",
];
const ALLERGIES: &[&str] = &[
    "No known drug allergies.",
    "Penicillin, which causes a rash.",
    "Sulfa drugs (hives).",
    "Codeine causes nausea.",
];
const SOCIAL: &[&str] = &[
    "The patient works as an office manager and spends most of the day at a computer.",
    "Married with two children; lives in a two-story house.",
    "Never smoker. Drinks alcohol socially, about two drinks a week.",
    "Former smoker, quit 10 years ago with a 15 pack-year history.",
    "Works in construction with frequent overhead lifting.",
    "Denies illicit drug use.",
    "Exercises by walking three times a week.",
    "Retired teacher who gardens and plays golf.",
];
const FAMILY_OTHER: &[&str] = &[
    "Mother with hypertension and type 2 diabetes.",
    "Father died of a myocardial infarction at age 68.",
    "Sister with breast cancer diagnosed at 52.",
    "Noncontributory.",
];
const ROS: &[&str] = &[
    "Constitutional: Denies fever, chills, night sweats or unintentional weight loss.",
    "Eyes: No blurred or double vision.",
    "ENT: No hearing loss, sore throat or difficulty swallowing.",
    "Cardiovascular: Denies chest pain, palpitations or leg swelling.",
    "Respiratory: No cough, wheezing or shortness of breath.",
    "Gastrointestinal: Denies nausea, vomiting, diarrhea, constipation or melena.",
    "Genitourinary: No dysuria, hematuria or urinary incontinence.",
    "Musculoskeletal: As in the history of present illness.",
    "Neurological: Denies headache, dizziness, syncope or seizures.",
    "Psychiatric: Mood is stable; denies suicidal ideation.",
    "Skin: No rashes or new lesions.",
    "Hematologic: No easy bruising or bleeding.",
    "Endocrine: No heat or cold intolerance, polyuria or polydipsia.",
];
const EXAM: &[&str] = &[
    "GENERAL: Well-developed, well-nourished, in no acute distress.",
    "HEENT: Normocephalic, atraumatic. Pupils equal, round and reactive to light.",
    "LUNGS: Clear to auscultation bilaterally without wheezes, rales or rhonchi.",
    "HEART: Regular rate and rhythm. No murmurs, rubs or gallops.",
    "ABDOMEN: Soft, nontender, nondistended. Normal bowel sounds.",
    "EXTREMITIES: No clubbing, cyanosis or edema. Distal pulses 2+ and symmetric.",
    "SKIN: Warm and dry without rash.",
    "PSYCHIATRIC: Alert and oriented x3 with appropriate mood and affect.",
];
const SPINE_EXAM: &[&str] = &[
    "Cervical range of motion is limited in extension and rotation to the right.",
    "Spurling test is negative bilaterally.",
    "Strength is 5/5 in the deltoids, biceps, triceps, wrist extensors and grip bilaterally.",
    "Reflexes are 2+ and symmetric at the biceps, triceps and brachioradialis.",
    "Sensation is intact to light touch in the upper extremities.",
    "Hoffmann sign is negative bilaterally. Gait is normal.",
    "Paraspinal muscle spasm is palpable bilaterally.",
    "Shoulder range of motion is full without impingement signs.",
];
const HPI_MORE: &[&str] = &[
    "The pain is worse with prolonged sitting at the computer and better with rest and heat.",
    "Pain is rated 5/10 at rest and 7/10 with activity.",
    "Sleep is disturbed two to three nights a week because of the pain.",
    "The patient has continued to work full time with some modifications.",
    "There was no specific injury, fall or motor vehicle accident.",
    "No bowel or bladder changes.",
    "Looking down to read and carrying groceries aggravate the symptoms.",
    "The patient describes the pain as a deep ache with occasional sharp episodes.",
];
const PLAN_MORE: &[&str] = &[
    "Continue ibuprofen with food as needed, not to exceed the prescribed dose.",
    "Ergonomic changes at the workstation were discussed in detail.",
    "Return precautions were reviewed, including new weakness, numbness or loss of bladder control.",
    "A home stretching program was demonstrated and handouts were given.",
    "Questions were answered and the patient agrees with the plan.",
    "Work note provided for light duty for two weeks.",
];
const COURSE: &[&str] = &[
    "The patient was admitted to the medical floor and started on intravenous fluids.",
    "Blood cultures remained negative and antibiotics were narrowed on hospital day 2.",
    "Physical therapy evaluated the patient and recommended discharge home with outpatient follow-up.",
    "Blood glucose was managed with a sliding scale and basal insulin.",
    "Pain was controlled with scheduled acetaminophen and as-needed oxycodone, later stopped.",
    "Renal function returned to baseline with hydration.",
    "The patient tolerated a regular diet and ambulated in the hallway without assistance.",
    "Telemetry showed no arrhythmia.",
    "Case management arranged home health services.",
];
const LABS: &[&str] = &[
    "White blood cell count 7.2, hemoglobin 13.1, platelets 245.",
    "Sodium 138, potassium 4.1, chloride 102, bicarbonate 25, BUN 14, creatinine 0.9.",
    "Glucose 132; hemoglobin A1c 7.1%.",
    "TSH 2.3. Lipid panel with LDL 96.",
    "Urinalysis negative for leukocyte esterase and nitrites.",
    "Troponin negative times two.",
];
const ED_COURSE: &[&str] = &[
    "The patient was given ketorolac 15 mg intramuscularly with improvement in pain.",
    "Reassessed after one hour and was comfortable, ambulating without difficulty.",
    "Discussed the findings and the plan with the patient, who verbalized understanding.",
    "No imaging was indicated in the emergency department by clinical decision rules.",
    "Vital signs remained stable throughout the stay.",
];
const MRI_LEVELS: &[&str] = &["C2-3", "C3-4", "C4-5", "C5-6", "C6-7", "C7-T1", "T1-2"];
const MRI_LEVEL_FINDING: &[&str] = &[
    "No disc bulge, canal stenosis or foraminal narrowing.",
    "Minimal disc bulge without canal or foraminal stenosis.",
    "The disc and facets are unremarkable; the foramina are patent.",
    "Normal disc height and signal. No stenosis.",
    "No disc protrusion. The neural foramina are widely patent.",
];

/// Writes JSON-lines notes of `mix` to `w` until at least `bytes` bytes are
/// written; returns (notes, bytes).
pub fn generate(
    seed: u64,
    bytes: u64,
    mix: Mix,
    w: &mut impl std::io::Write,
) -> std::io::Result<(u64, u64)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut n, mut written) = (0u64, 0u64);
    let mut line = Vec::with_capacity(8192);
    while written < bytes {
        let (id, text, billed) = note(&mut rng, n, mix);
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

    fn fnv1a(bytes: &[u8]) -> u64 {
        bytes.iter().fold(0xcbf29ce484222325, |h, &b| {
            (h ^ b as u64).wrapping_mul(0x100000001b3)
        })
    }

    #[test]
    fn same_seed_same_notes() {
        for mix in [Mix::Realistic, Mix::Dense] {
            let mut a = Vec::new();
            let mut b = Vec::new();
            generate(7, 50_000, mix, &mut a).unwrap();
            generate(7, 50_000, mix, &mut b).unwrap();
            assert_eq!(a, b);
            let mut c = Vec::new();
            generate(8, 50_000, mix, &mut c).unwrap();
            assert_ne!(a, c);
        }
    }

    /// See `the_dense_mix_is_the_archive_of_the_first_figures`.
    const DENSE_53_200K: u64 = 0xc287_7056_ee58_b297;

    #[test]
    fn the_dense_mix_is_the_archive_of_the_first_figures() {
        // FNV-1a of `m53gen --seed 53 --bytes 200000` before the realistic
        // mix existed: the dense mix must reproduce the earlier archive.
        let mut out = Vec::new();
        generate(53, 200_000, Mix::Dense, &mut out).unwrap();
        assert_eq!(fnv1a(&out), DENSE_53_200K);
    }

    #[test]
    fn realistic_notes_have_real_lengths_and_the_same_findings() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut twin = ChaCha8Rng::seed_from_u64(11);
        let mut lens = Vec::new();
        for i in 0..400 {
            let (_, text, billed) = note(&mut rng, i, Mix::Realistic);
            let core = Core::draw(&mut twin);
            let _ = core.realistic(&mut twin);
            assert_eq!(billed, core.billed);
            assert!(text.contains(&core.assessment), "{i}");
            assert!(text.contains(&core.mri), "{i}");
            if core.kind == IMAGING_REPORT {
                assert!(
                    text.contains("\nC5-6: "),
                    "{i}: an imaging report reads by level"
                );
            } else {
                assert!(text.contains("REVIEW OF SYSTEMS") || core.kind == PROCEDURE);
            }
            lens.push(text.len());
        }
        lens.sort_unstable();
        let (p10, median, p90) = (lens[40], lens[200], lens[360]);
        // MTSamples: p10 988, median 2,659, p90 5,527 bytes.
        assert!((1_800..=3_500).contains(&median), "median {median}");
        assert!(p10 >= 900 && p90 <= 6_000, "p10 {p10}, p90 {p90}");
    }
}
