//! ConText-style assertion: is a finding affirmed, negated, uncertain,
//! hypothetical, historical, or about someone else?
//!
//! Triggers come from `context_rules.tsv`. A forward trigger modifies the
//! targets that follow it, a backward one those before it, within
//! `max_scope` words; every scope ends at the sentence end and at a
//! terminator (`but`, `however`, `;` ...). Pseudo-triggers (`no change in`,
//! `not only`) win over the shorter trigger inside them (leftmost-longest
//! matching) and modify nothing. Lists distribute: in "no herniation,
//! stenosis, or cord signal change" every target is within the scope of
//! `no`. Section defaults add to the triggers: findings in a past-history
//! section are historical, in a family-history section about family.

use crate::find::matcher::{Hit, PhraseMatcher};
use crate::lexicon::{ContextRule, Direction, Pattern, RuleCategory, SectionKind};
use crate::text::fewer_words_than;
use std::ops::Range;

/// The assertion of one target: which categories apply, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assertion {
    /// Negated (absent).
    pub negated: bool,
    /// Possible / uncertain.
    pub uncertain: bool,
    /// Hypothetical (conditional, planned).
    pub hypothetical: bool,
    /// Historical.
    pub historical: bool,
    /// About a family member or other person.
    pub family: bool,
    /// The triggers that applied (indices into the note's trigger list).
    pub triggers: Vec<usize>,
    /// Section defaults that applied.
    pub section_default: Option<SectionKind>,
    /// A chart reading that set it (a selected template answer, a list
    /// row's status, copied text), shown as its trigger.
    pub chart: Option<&'static str>,
}

/// One label summarising an [`Assertion`], for evidence and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// Present, current, about the patient.
    Affirmed,
    /// Stated as absent.
    Negated,
    /// Possible, suspected, to be ruled out.
    Uncertain,
    /// Conditional or planned.
    Hypothetical,
    /// In the past (history of, s/p, resolved).
    Historical,
    /// About someone other than the patient.
    Family,
}

impl Label {
    /// Snake-case name.
    pub fn name(self) -> &'static str {
        match self {
            Label::Affirmed => "affirmed",
            Label::Negated => "negated",
            Label::Uncertain => "uncertain",
            Label::Hypothetical => "hypothetical",
            Label::Historical => "historical",
            Label::Family => "family",
        }
    }
}

impl Assertion {
    /// The single label: family, then negated, uncertain, hypothetical,
    /// historical; affirmed when none applies.
    pub fn label(&self) -> Label {
        if self.family {
            Label::Family
        } else if self.negated {
            Label::Negated
        } else if self.uncertain {
            Label::Uncertain
        } else if self.hypothetical {
            Label::Hypothetical
        } else if self.historical {
            Label::Historical
        } else {
            Label::Affirmed
        }
    }
}

/// A trigger found in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trigger {
    /// Start byte (normalised text).
    pub start: usize,
    /// End byte.
    pub end: usize,
    /// Index of the rule in [`ContextEngine::rules`].
    pub rule: usize,
}

/// Compiled ConText rules.
#[derive(Debug, Clone)]
pub struct ContextEngine {
    /// The engine's own trigger automaton, compiled on first use: the
    /// analyzer finds triggers in its shared pass and never needs it.
    matcher: std::sync::OnceLock<PhraseMatcher>,
    /// The rules, in file order.
    pub rules: Vec<ContextRule>,
    /// The largest `max_scope` of any rule: no trigger reaches farther.
    reach: usize,
}

impl ContextEngine {
    /// Compiles the rules.
    pub fn new(rules: &[ContextRule]) -> Self {
        ContextEngine {
            matcher: std::sync::OnceLock::new(),
            rules: rules.to_vec(),
            reach: rules.iter().map(|r| r.max_scope).max().unwrap_or(0),
        }
    }

    /// All triggers in `flat` (pseudo-triggers removed), by start.
    pub fn triggers(&self, flat: &str) -> Vec<Trigger> {
        let matcher = self
            .matcher
            .get_or_init(|| PhraseMatcher::new(self.rule_patterns()));
        self.triggers_from_hits(matcher.find(flat))
    }

    /// The triggers among rule matches found by a matcher compiled from
    /// this engine's rules (see [`ContextEngine::rule_patterns`]).
    pub fn triggers_from_hits(&self, hits: Vec<Hit>) -> Vec<Trigger> {
        hits.into_iter()
            .filter(|h: &Hit| self.rules[h.id].direction != Direction::Pseudo)
            .map(|h| Trigger {
                start: h.start,
                end: h.end,
                rule: h.id,
            })
            .collect()
    }

    /// The rules' patterns, for compiling them together with other lexicons
    /// ([`crate::find::matcher::MultiMatcher`]).
    pub fn rule_patterns(&self) -> Vec<(&Pattern, &[String])> {
        self.rules.iter().map(|r| (&r.pattern, &[][..])).collect()
    }

    /// Is trigger `t` a terminator?
    pub fn is_terminator(&self, t: &Trigger) -> bool {
        self.rules[t.rule].direction == Direction::Terminate
    }

    /// The triggers of a sentence (`in_sentence`, sorted, not overlapping)
    /// that may reach `target`: those fewer than [`Self::reach`] words
    /// before or after it, and any overlapping it, as the index range
    /// `first..last`. A trigger farther away reaches it under no rule, and
    /// neither does any trigger beyond it (its gap holds that gap's words);
    /// a terminator between a trigger and the target lies between them in
    /// the list. Looking only here keeps a target's cost independent of the
    /// sentence's length (a thousand-item list of negatives is linear).
    fn within_reach(
        &self,
        flat: &str,
        in_sentence: &[Trigger],
        target: &Range<usize>,
    ) -> (usize, usize) {
        let at = in_sentence.partition_point(|t| t.start < target.start);
        let mut first = at;
        while first > 0 {
            let t = &in_sentence[first - 1];
            if t.end <= target.start && !fewer_words_than(&flat[t.end..target.start], self.reach) {
                break;
            }
            first -= 1;
        }
        let mut last = at;
        while last < in_sentence.len() {
            let t = &in_sentence[last];
            if target.end <= t.start && !fewer_words_than(&flat[target.end..t.start], self.reach) {
                break;
            }
            last += 1;
        }
        (first, last)
    }

    /// Asserts the target `target` of sentence `sentence`, given the note's
    /// triggers (`triggers`, sorted by start) and the sentence's section.
    pub fn assert(
        &self,
        flat: &str,
        sentence: Range<usize>,
        triggers: &[Trigger],
        target: Range<usize>,
        section: SectionKind,
    ) -> Assertion {
        let mut a = Assertion::default();
        let lo = triggers.partition_point(|t| t.start < sentence.start);
        let hi = triggers.partition_point(|t| t.start < sentence.end);
        let (first, last) = self.within_reach(flat, &triggers[lo..hi], &target);
        let lo = lo + first;
        let in_sentence = &triggers[lo..lo + (last - first)];
        let terminated = |from: usize, to: usize| {
            in_sentence
                .iter()
                .any(|t| self.is_terminator(t) && t.start >= from && t.end <= to)
        };
        for (k, t) in in_sentence.iter().enumerate() {
            let rule = &self.rules[t.rule];
            let applies = match rule.direction {
                Direction::Forward => {
                    forward(flat, t, &target, rule.max_scope) && !terminated(t.end, target.start)
                }
                Direction::Backward => {
                    backward(flat, t, &target, rule.max_scope) && !terminated(target.end, t.start)
                }
                Direction::Bidirectional => {
                    (forward(flat, t, &target, rule.max_scope) && !terminated(t.end, target.start))
                        || (backward(flat, t, &target, rule.max_scope)
                            && !terminated(target.end, t.start))
                }
                Direction::Terminate | Direction::Pseudo => false,
            };
            if !applies {
                continue;
            }
            match rule.category {
                RuleCategory::Negated => a.negated = true,
                RuleCategory::Possible => a.uncertain = true,
                RuleCategory::Hypothetical => a.hypothetical = true,
                RuleCategory::Historical => a.historical = true,
                RuleCategory::Family => a.family = true,
                RuleCategory::Pseudo | RuleCategory::Terminate => continue,
            }
            a.triggers.push(lo + k);
        }
        match section {
            SectionKind::PastHistory => {
                a.historical = true;
                a.section_default = Some(section);
            }
            SectionKind::FamilyHistory => {
                a.family = true;
                a.section_default = Some(section);
            }
            _ => {}
        }
        a
    }
}

fn forward(flat: &str, t: &Trigger, target: &Range<usize>, max_scope: usize) -> bool {
    t.end <= target.start && fewer_words_than(&flat[t.end..target.start], max_scope)
}

fn backward(flat: &str, t: &Trigger, target: &Range<usize>, max_scope: usize) -> bool {
    target.end <= t.start && fewer_words_than(&flat[target.end..t.start], max_scope)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::Lexicons;

    /// Label of `target` (first occurrence) in the one-sentence `text`.
    fn label(text: &str, target: &str) -> Label {
        label_in(text, target, SectionKind::None)
    }

    fn label_in(text: &str, target: &str, section: SectionKind) -> Label {
        let lex = Lexicons::builtin();
        let engine = ContextEngine::new(&lex.rules);
        let n = crate::text::Normalized::new(text);
        let start = n.flat.find(target).expect("target in text");
        let triggers = engine.triggers(&n.flat);
        engine
            .assert(
                &n.flat,
                0..n.flat.len(),
                &triggers,
                start..start + target.len(),
                section,
            )
            .label()
    }

    #[test]
    fn negation_forward_backward_and_lists() {
        assert_eq!(
            label("No disc herniation at C7-T1.", "herniation"),
            Label::Negated
        );
        assert_eq!(
            label("Radiculopathy: none identified.", "Radiculopathy"),
            Label::Negated
        );
        assert_eq!(
            label("C7-T1 disc herniation is ruled out.", "herniation"),
            Label::Negated
        );
        assert_eq!(label("Radicular pain denied.", "Radicular"), Label::Negated);
        for t in ["herniation", "stenosis", "cord signal"] {
            assert_eq!(
                label("no herniation, stenosis, or cord signal change", t),
                Label::Negated,
                "{t}"
            );
        }
    }

    #[test]
    fn pseudo_negations_leave_findings_affirmed() {
        assert_eq!(
            label(
                "No change in the C7-T1 ligamentous thickening.",
                "thickening"
            ),
            Label::Affirmed
        );
        assert_eq!(
            label("No increase in the associated edema.", "edema"),
            Label::Affirmed
        );
        assert_eq!(
            label("Not only does the pain limit golf.", "pain"),
            Label::Affirmed
        );
        assert_eq!(
            label("He has gram negative sepsis.", "sepsis"),
            Label::Affirmed
        );
    }

    #[test]
    fn terminators_end_scope() {
        let s = "No stenosis at C5-6, but there is moderate central canal stenosis at C7-T1.";
        assert_eq!(label(s, "stenosis"), Label::Negated);
        assert_eq!(label(s, "central canal stenosis"), Label::Affirmed);
        let s = "No disc herniation, although the disc is desiccated.";
        assert_eq!(label(s, "desiccated"), Label::Affirmed);
        let s = "No stenosis at any level; however, there is a disc extrusion.";
        assert_eq!(label(s, "extrusion"), Label::Affirmed);
    }

    #[test]
    fn uncertainty_beats_the_negation_inside_it() {
        assert_eq!(
            label("A tiny protrusion cannot be ruled out.", "protrusion"),
            Label::Uncertain
        );
        assert_eq!(
            label("MRI to rule out disc herniation.", "herniation"),
            Label::Uncertain
        );
        assert_eq!(
            label("Possible tiny disc protrusion.", "protrusion"),
            Label::Uncertain
        );
        assert_eq!(
            label("Suspected right facet syndrome.", "facet syndrome"),
            Label::Uncertain
        );
        assert_eq!(
            label("Questionable ligament thickening.", "thickening"),
            Label::Uncertain
        );
    }

    #[test]
    fn hypothetical_historical_family() {
        assert_eq!(
            label("Return if radicular symptoms develop.", "radicular"),
            Label::Hypothetical
        );
        assert_eq!(
            label(
                "Should radicular symptoms develop, consider ESI.",
                "radicular"
            ),
            Label::Hypothetical
        );
        assert_eq!(
            label("History of C6-7 herniation s/p ACDF.", "herniation"),
            Label::Historical
        );
        assert_eq!(
            label("2-year history of pain at the junction.", "pain"),
            Label::Affirmed
        );
        assert_eq!(
            label("Mother with cervical myelopathy.", "myelopathy"),
            Label::Family
        );
        assert_eq!(
            label_in(
                "Cervical myelopathy.",
                "myelopathy",
                SectionKind::FamilyHistory
            ),
            Label::Family
        );
        assert_eq!(
            label_in(
                "ACDF for herniation.",
                "herniation",
                SectionKind::PastHistory
            ),
            Label::Historical
        );
    }

    /// One sentence per rule added while measuring on the NegEx set, each a
    /// clinical usage of its own (none from that file).
    #[test]
    fn rules_added_for_general_clinical_usage() {
        let cases = [
            ("She denied any numbness, tingling, weakness, neck pain or arm pain.", "arm pain", Label::Negated),
            ("Patient denies fevers, chills, night sweats, weight loss, bowel or bladder change, or gait imbalance.", "gait imbalance", Label::Negated),
            ("Neuro ROS is -ve for radicular symptoms.", "radicular", Label::Negated),
            ("He was not dizzy, nor was there any vertigo.", "vertigo", Label::Negated),
            ("The findings are not consistent with myelopathy.", "myelopathy", Label::Negated),
            ("She has no known drug allergies.", "drug allergies", Label::Negated),
            ("Spurling test was negative.", "Spurling test", Label::Negated),
            ("We do not know the cause of her stenosis.", "stenosis", Label::Affirmed),
            ("Old compression fracture of T8.", "compression fracture", Label::Historical),
            ("A 58-year-old man with facet syndrome.", "facet syndrome", Label::Affirmed),
            ("Past medical history is significant for hypertension, diabetes and gout.", "gout", Label::Historical),
            ("No improvement after physical therapy.", "physical therapy", Label::Affirmed),
            ("Hardware in position without change in the fusion.", "fusion", Label::Affirmed),
            ("No stenosis, positive for a disc bulge at C5-6.", "disc bulge", Label::Affirmed),
            ("No further episodes of radicular pain.", "radicular pain", Label::Negated),
            ("Negative study for herniation.", "herniation", Label::Negated),
            ("MRI cervical spine without contrast 02/03/2026: disc protrusion.", "disc protrusion", Label::Affirmed),
        ];
        for (sentence, target, want) in cases {
            assert_eq!(label(sentence, target), want, "{sentence}");
        }
    }

    #[test]
    fn scope_is_limited() {
        let far = "No fever and the patient walked to the clinic today with a friend and now has herniation.";
        assert_eq!(label(far, "herniation"), Label::Affirmed);
    }

    #[test]
    fn looking_only_within_reach_changes_no_assertion() {
        let lex = Lexicons::builtin();
        let windowed = ContextEngine::new(&lex.rules);
        let mut everywhere = ContextEngine::new(&lex.rules);
        everywhere.reach = usize::MAX;
        let list = "no fever, chills, or night sweats; denies weakness; ".repeat(40);
        let texts = [
            "No herniation, stenosis, or cord signal change at C7-T1 but facet arthropathy is possible.",
            "History of ACDF for her C6-7 herniation; not prescribed gabapentin for his radiculopathy.",
            "Neck pain, facet arthropathy vs muscle strain, cannot be excluded, return if weakness develops.",
            &list,
        ];
        for text in texts {
            let n = crate::text::Normalized::new(text);
            let triggers = windowed.triggers(&n.flat);
            for (start, word) in crate::text::tokens(&n.flat) {
                let target = start..start + word.len();
                let a = windowed.assert(
                    &n.flat,
                    0..n.flat.len(),
                    &triggers,
                    target.clone(),
                    SectionKind::None,
                );
                let b = everywhere.assert(
                    &n.flat,
                    0..n.flat.len(),
                    &triggers,
                    target,
                    SectionKind::None,
                );
                assert_eq!(a, b, "{word:?} at {start} in {text:?}");
            }
        }
    }
}
