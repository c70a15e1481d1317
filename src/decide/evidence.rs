//! What the note documents, sorted for the decision: which terms name
//! C7-T1, which findings are affirmed at C7-T1, which elsewhere or at no
//! level, and which pains.
//!
//! DOMAIN.md: "Each row pre-empts it when the condition is **affirmed,
//! current, about the patient, and at (or not placed away from) the
//! cervicothoracic level**." A finding with no level of its own counts at
//! C7-T1 when the note names C7-T1 and does not place its findings
//! elsewhere.

use crate::analysis::{Analysis, Analyzer, Term, TermKind};
use crate::context::assertion::Label;
use crate::find::levels::LevelKind;
use crate::lexicon::{ConceptCategory, Lexicons, SectionKind, Site};
use crate::spine::Region;
use crate::text::contains_word_ignore_ascii_case;

/// Bits of the C7 and T1 vertebrae in [`crate::analysis::Placement::vertebrae`].
pub(super) const C7: u32 = 1 << 7;
/// See [`C7`].
pub(super) const T1: u32 = 1 << 8;

/// The place an element is judged at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Audited {
    /// The cervicothoracic segment.
    C7T1,
    /// Another region (an `other_region` note's).
    Region(Region),
    /// Nowhere in particular (no region documented).
    Anywhere,
}

/// A pathology term with its concept.
#[derive(Debug, Clone, Copy)]
pub(super) struct Finding<'a> {
    /// Index into [`Analysis::terms`].
    pub i: usize,
    pub t: &'a Term,
    pub concept: &'a str,
    pub cat: ConceptCategory,
}

/// The note's terms, sorted for the verdict steps (indices into
/// [`Analysis::terms`]).
pub(super) struct Evidence<'a> {
    pub an: &'a Analyzer,
    pub a: &'a Analysis,
    pub lex: &'a Lexicons,
    /// Mentions naming C7-T1 (not only as a dermatome or myotome, a single
    /// vertebra or in a relative's history).
    pub ct_mentions: Vec<usize>,
    /// Every pathology term, whatever its assertion.
    pub pathology: Vec<Finding<'a>>,
    /// Unplaced affirmed findings count at C7-T1.
    unplaced_to_ct: bool,
    /// Affirmed pathology at C7-T1, reasons for the visit that the note
    /// negates there left out.
    pub at_ct: Vec<Finding<'a>>,
    /// Affirmed pathology placed at the C7 or T1 vertebra named alone (not
    /// at C7-T1): the rows whose site admits a vertebra read these.
    pub at_vertebra: Vec<Finding<'a>>,
    /// Affirmed dorsopathies placed at another level, diagnostic sections first.
    pub dors_away: Vec<usize>,
    /// Affirmed dorsopathies with no level, not counted at C7-T1.
    pub dors_unplaced: Vec<usize>,
    /// Affirmed pains, diagnostic sections first.
    pub pains: Vec<usize>,
    /// Affirmed findings other than dorsopathies placed at another level.
    pub structural_away: Vec<usize>,
}

impl<'a> Evidence<'a> {
    /// Sorts one analysed note's terms.
    pub fn gather(an: &'a Analyzer, a: &'a Analysis) -> Self {
        let mut ev = Evidence {
            an,
            a,
            lex: &an.lexicons,
            ct_mentions: ct_mentions(a),
            pathology: Vec::new(),
            unplaced_to_ct: false,
            at_ct: Vec::new(),
            at_vertebra: Vec::new(),
            dors_away: Vec::new(),
            dors_unplaced: Vec::new(),
            pains: Vec::new(),
            structural_away: Vec::new(),
        };
        let pathology: Vec<Finding<'a>> = ev
            .terms(|_, cat| cat.is_pathology())
            .map(|(i, t)| {
                let (concept, cat) = ev.concept(t).expect("a concept term");
                Finding { i, t, concept, cat }
            })
            .collect();
        ev.pathology = pathology;
        ev.unplaced_to_ct = ev.unplaced_count_at_ct();
        ev.at_ct = ev
            .pathology
            .iter()
            .filter(|f| {
                affirmed(f.t) && ev.at_ct(f.t) && !ev.reason_only(f.t, f.concept, Audited::C7T1)
            })
            .copied()
            .collect();
        ev.at_vertebra = ev
            .pathology
            .iter()
            .filter(|f| {
                affirmed(f.t)
                    && !ev.at_ct(f.t)
                    && f.t.placement.vertebrae & (C7 | T1) != 0
                    && !ev.reason_only(f.t, f.concept, Audited::C7T1)
            })
            .copied()
            .collect();
        let mut dors_away = ev.not_at_ct(true, true);
        ev.prefer_diagnostic(&mut dors_away);
        ev.dors_away = dors_away;
        ev.dors_unplaced = ev.not_at_ct(true, false);
        let mut pains: Vec<usize> = ev
            .terms(|_, cat| cat == ConceptCategory::Pain)
            .filter(|(_, t)| affirmed(t))
            .map(|(i, _)| i)
            .collect();
        ev.prefer_diagnostic(&mut pains);
        ev.pains = pains;
        ev.structural_away = ev.not_at_ct(false, true);
        ev
    }

    /// "A finding with no level of its own counts at C7-T1 when the note
    /// names C7-T1 and does not place its findings elsewhere."
    fn unplaced_count_at_ct(&self) -> bool {
        let placed_at_ct = self
            .pathology
            .iter()
            .any(|f| affirmed(f.t) && f.t.placement.at_c7_t1());
        let placed_away = self
            .pathology
            .iter()
            .any(|f| affirmed(f.t) && f.t.placement.is_placed() && !f.t.placement.at_c7_t1());
        !self.ct_mentions.is_empty() && (placed_at_ct || !placed_away)
    }

    /// Affirmed findings not at C7-T1: dorsopathies or other findings, with
    /// or without a level of their own.
    fn not_at_ct(&self, dorsopathy: bool, placed: bool) -> Vec<usize> {
        self.pathology
            .iter()
            .filter(|f| {
                (f.cat == ConceptCategory::Dorsopathy) == dorsopathy
                    && affirmed(f.t)
                    && f.t.placement.is_placed() == placed
                    && !self.at_ct(f.t)
            })
            .map(|f| f.i)
            .collect()
    }

    /// Is the concept `c` documented where `site` admits: at C7-T1, or (for
    /// a vertebra site) at the C7 or T1 vertebra named alone? The terms
    /// that show it.
    pub fn at_site<'s>(&'s self, c: &'s str, site: Site) -> impl Iterator<Item = usize> + 's {
        let bits = match site {
            Site::Segment => 0,
            Site::C7 => C7,
            Site::T1 => T1,
            Site::C7OrT1 => C7 | T1,
        };
        let at_ct = self.at_ct.iter().filter(move |f| f.concept == c);
        let at_vertebra = self
            .at_vertebra
            .iter()
            .filter(move |f| f.concept == c && f.t.placement.vertebrae & bits != 0);
        at_ct.chain(at_vertebra).map(|f| f.i)
    }

    /// Affirmed dorsopathies at C7-T1.
    pub fn dorsopathy_ct(&self) -> Vec<usize> {
        self.at_ct
            .iter()
            .filter(|f| f.cat == ConceptCategory::Dorsopathy)
            .map(|f| f.i)
            .collect()
    }

    /// Orders terms diagnostic sections (assessment, impression) first,
    /// then by position.
    pub fn prefer_diagnostic(&self, ts: &mut [usize]) {
        let a = self.a;
        ts.sort_by_key(|&i| (!self.section(&a.terms[i]).is_diagnostic(), a.terms[i].start));
    }

    /// The concept and category of a concept term.
    pub fn concept(&self, t: &Term) -> Option<(&'a str, ConceptCategory)> {
        match t.kind {
            TermKind::Concept(i) => {
                let c = &self.an.lexicons.concepts[i];
                Some((c.concept.as_str(), c.category))
            }
            TermKind::Level(_) => None,
        }
    }

    /// The section of a term's sentence.
    pub fn section(&self, t: &Term) -> SectionKind {
        self.a
            .sections
            .get(t.sentence)
            .map_or(SectionKind::None, |s| s.kind)
    }

    /// Is the term's sentence a section title?
    pub fn is_title(&self, t: &Term) -> bool {
        self.a.sections.get(t.sentence).is_some_and(|s| s.title)
    }

    /// Does the term count at C7-T1?
    pub fn at_ct(&self, t: &Term) -> bool {
        t.placement.at_c7_t1() || (!t.placement.is_placed() && self.unplaced_to_ct)
    }

    /// Does the term count at the audited place?
    pub fn at(&self, t: &Term, place: Audited) -> bool {
        match place {
            Audited::C7T1 => self.at_ct(t),
            Audited::Region(reg) => t.placement.regions.contains(reg) || !t.placement.is_placed(),
            Audited::Anywhere => true,
        }
    }

    /// The text of the term's sentence (normalised).
    pub fn sentence_text(&self, t: &Term) -> &'a str {
        let r = self.a.sentences.get(t.sentence).cloned().unwrap_or(0..0);
        &self.a.norm.flat[r]
    }

    /// Concept terms whose concept and category pass `pred`, with index.
    pub fn terms(
        &self,
        pred: impl Fn(&str, ConceptCategory) -> bool + 'a,
    ) -> impl Iterator<Item = (usize, &'a Term)> + 'a {
        let an = self.an;
        self.a
            .terms
            .iter()
            .enumerate()
            .filter(move |(_, t)| t.discount.is_none())
            .filter(move |(_, t)| match t.kind {
                TermKind::Concept(i) => {
                    let c = &an.lexicons.concepts[i];
                    pred(&c.concept, c.category)
                }
                TermKind::Level(_) => false,
            })
    }

    /// DOMAIN.md (README "The verdicts"): the reason for a visit or study is
    /// not a finding. A condition stated there ("INDICATION: C7-T1 disc
    /// herniation", a report's "HISTORY: known C7-T1 herniation") that the
    /// note negates elsewhere at the place being judged does not count.
    pub fn reason_only(&self, t: &Term, concept: &str, place: Audited) -> bool {
        self.is_reason(t)
            && self.pathology.iter().any(|o| {
                o.concept == concept
                    && o.t.label() == Label::Negated
                    && self.at(o.t, place)
                    && !self.is_reason(o.t)
            })
    }

    fn is_reason(&self, t: &Term) -> bool {
        matches!(
            self.section(t),
            SectionKind::Indication | SectionKind::ChiefComplaint | SectionKind::History
        )
    }

    /// The matched text of term `i`, lower-cased, for reasons.
    pub fn name_of(&self, i: usize) -> String {
        let t = &self.a.terms[i];
        self.a.norm.flat[t.start..t.end].to_ascii_lowercase()
    }

    /// The region other than C7-T1 a term is placed in (or a pain concept
    /// names).
    pub fn region_of_term(&self, i: usize) -> Option<Region> {
        let t = &self.a.terms[i];
        t.placement
            .regions
            .iter()
            .find(|r| *r != Region::Cervicothoracic)
            .or_else(|| self.concept(t).and_then(|(c, _)| region_of_pain(c)))
    }

    /// Is the term's sentence about the spine: a level, a spinal finding,
    /// pain or region word, or a spine-context word (`scorer_words.tsv`)?
    pub fn spinal_sentence(&self, t: &Term) -> bool {
        // Terms are sorted by start, so a sentence's terms are contiguous.
        let (a, lex) = (self.a, self.lex);
        let s = t.sentence;
        let lo = a.terms.partition_point(|o| o.sentence < s);
        let hi = a.terms.partition_point(|o| o.sentence <= s);
        a.terms[lo..hi].iter().any(|o| {
            o.sentence == s
                && o.discount.is_none()
                && match &o.kind {
                    TermKind::Level(m) => !m.landmark,
                    TermKind::Concept(i) => {
                        let cat = lex.concepts[*i].category;
                        cat.is_pathology()
                            || cat == ConceptCategory::Pain
                            || cat == ConceptCategory::Region
                    }
                }
        }) || {
            let st = self.sentence_text(t);
            lex.scorer_words
                .spine_context
                .iter()
                .any(|w| contains_word_ignore_ascii_case(st, w))
        }
    }
}

/// Is the term affirmed (current, about the patient, not negated,
/// uncertain or hypothetical)?
pub(super) fn affirmed(t: &Term) -> bool {
    t.label() == Label::Affirmed
}

/// C7-T1 named: level mentions covering C7-T1, not only as a dermatome or
/// myotome landmark, a single vertebra or in a relative's history.
fn ct_mentions(a: &Analysis) -> Vec<usize> {
    a.terms
        .iter()
        .enumerate()
        .filter(|(_, t)| t.discount.is_none())
        .filter(|(_, t)| match &t.kind {
            TermKind::Level(m) => {
                m.covers_c7_t1()
                    && !m.landmark
                    && m.kind != LevelKind::Single
                    && t.label() != Label::Family
            }
            _ => false,
        })
        .map(|(i, _)| i)
        .collect()
}

/// The region a pain concept names.
pub(super) fn region_of_pain(concept: &str) -> Option<Region> {
    match concept {
        "pain_cervical" => Some(Region::Cervical),
        "pain_thoracic" => Some(Region::Thoracic),
        "pain_lumbar" => Some(Region::Lumbar),
        _ => None,
    }
}
