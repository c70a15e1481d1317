#!/usr/bin/env python3
"""Scores medspaCy's ConText and negspacy on the NegEx annotated test set,
with the same figures as `m53audit assert --negex FILE`, so the comparison in
the README can be reproduced.

Usage: benches/peers/run.sh [NEGEX_FILE]   (creates a virtual environment)

Each sentence's condition is made the one target entity of the sentence
(first case-insensitive occurrence, as m53audit does), so every system judges
the same span.
"""
import re
import sys


def read_rows(path):
    with open(path, encoding="latin-1") as f:
        lines = f.read().splitlines()
    rows = []
    for line in lines[1:]:
        if not line.strip():
            continue
        f = line.split("\t")
        rows.append({
            "condition": f[1].strip(),
            "sentence": f[2],
            "negated": f[3].strip().lower() == "negated",
            "historical": f[4].strip().lower() == "historical",
            "other": f[5].strip().lower() == "other",
        })
    return rows


def find(sentence, condition):
    norm = re.sub(r"\s+", " ", condition.strip())
    pat = r"\s+".join(re.escape(w) for w in norm.split(" "))
    m = re.search(r"(?<![A-Za-z0-9])" + pat + r"(?![A-Za-z0-9])", sentence, re.I) or re.search(pat, sentence, re.I)
    return (m.start(), m.end()) if m else None


def score(name, rows, preds):
    tp = sum(1 for r, p in zip(rows, preds) if r["negated"] and p["negated"])
    fp = sum(1 for r, p in zip(rows, preds) if not r["negated"] and p["negated"])
    fn = sum(1 for r, p in zip(rows, preds) if r["negated"] and not p["negated"])
    tn = len(rows) - tp - fp - fn
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    temp = sum(1 for r, p in zip(rows, preds) if r["historical"] == p.get("historical", False)) / len(rows)
    exp = sum(1 for r, p in zip(rows, preds) if r["other"] == p.get("family", False)) / len(rows)
    print(f"{name}: negation precision {prec:.3f} recall {rec:.3f} F1 {f1:.3f} accuracy {(tp + tn) / len(rows):.3f}"
          f" (tp {tp}, fp {fp}, fn {fn}); temporality accuracy {temp:.3f}; experiencer accuracy {exp:.3f}")


def with_target(nlp, sentence, condition):
    doc = nlp.make_doc(sentence)
    span = find(sentence, condition)
    if span:
        ent = doc.char_span(span[0], span[1], label="CONDITION", alignment_mode="expand")
        if ent is not None:
            doc.ents = [ent]
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return doc


def run_medspacy(rows, prune):
    try:  # PyRuSH logs every sentence at DEBUG level through loguru.
        from loguru import logger
        logger.remove()
    except ImportError:
        pass
    import medspacy
    from medspacy.context import ConText
    nlp = medspacy.load(medspacy_enable=["medspacy_pyrush"])
    nlp.add_pipe("medspacy_context", config={"prune_on_target_overlap": prune})
    preds = []
    for r in rows:
        doc = with_target(nlp, r["sentence"], r["condition"])
        ent = doc.ents[0] if doc.ents else None
        preds.append({
            "negated": bool(ent and ent._.is_negated),
            "historical": bool(ent and ent._.is_historical),
            "family": bool(ent and ent._.is_family),
        })
    return preds


def run_negspacy(rows):
    import spacy
    from negspacy.negation import Negex  # noqa: F401 (registers the factory)
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("negex", config={"ent_types": ["CONDITION"]})
    preds = []
    for r in rows:
        doc = with_target(nlp, r["sentence"], r["condition"])
        ent = doc.ents[0] if doc.ents else None
        preds.append({"negated": bool(ent and ent._.negex)})
    return preds


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "../shared/corpora/negex/rsAnnotations-1-120-random.txt"
    rows = read_rows(path)
    print(f"NegEx test set: {len(rows)} sentences")
    score("medspaCy ConText", rows, run_medspacy(rows, prune=False))
    score("medspaCy ConText (prune_on_target_overlap)", rows, run_medspacy(rows, prune=True))
    score("negspacy", rows, run_negspacy(rows))


if __name__ == "__main__":
    main()
