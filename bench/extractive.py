"""Calibrate the extractive fallback: how similar must a passage sentence be to the question to be quoted?

The extractive answer replaces a generated answer that failed its grounding check. Quoting a sentence
that does not answer the question is a wrong answer; quoting nothing says "I don't know, shall I get a
person?". For every question of the dev QA set (`samples/qa_dev.jsonl`, sample knowledge base), this runs
the app's retrieval (k passages, the relevance gate) and `extractive_answer` over the passages at each
threshold, with no model at all, and reports per threshold:

- answerable right: the share of answerable questions whose extractive answer holds every expected fact;
- unanswerable declined: the share of unanswerable questions answered with nothing (the gate or the
  threshold), the right behaviour for them;
- wrong quotes: answers given that hold the facts of no answerable question (answerable ones missing a
  fact, or any answer to an unanswerable one).

    .venv/bin/python bench/extractive.py [--kb data/kb] [--qa samples/qa_dev.jsonl] [-k 4]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from knowledge_base import KBSettings, KnowledgeBase  # noqa: E402
from service.evaluation import has_facts, load_qa  # noqa: E402
from service.extractive import extractive_answer  # noqa: E402
from service.sources import passage_text  # noqa: E402

THRESHOLDS = (0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", type=Path, default=Path("data/kb"))
    parser.add_argument("--qa", type=Path, default=Path(__file__).resolve().parents[1] / "samples" / "qa_dev.jsonl")
    parser.add_argument("-k", type=int, default=4)
    args = parser.parse_args(argv)

    kb = KnowledgeBase.open(args.kb, KBSettings(kb_dir=args.kb))
    items = load_qa(args.qa)
    retrieved = []
    for item in items:
        hits = kb.search(item.question, k=args.k)
        relevant = bool(hits) and kb.is_relevant(hits)
        retrieved.append((item, [passage_text(h, with_title=False) for h in hits] if relevant else []))

    print(f"{len(items)} questions ({sum(i.kind != 'unanswerable' for i in items)} answerable), k = {args.k}")
    print("| min similarity | answerable right (en / zh) | unanswerable declined | wrong quotes |")
    print("|---:|---:|---:|---:|")
    for threshold in THRESHOLDS:
        right = {"en": [0, 0], "zh": [0, 0]}
        declined = unanswerable = wrong = 0
        for item, passages in retrieved:
            text = extractive_answer(item.question, passages, kb.embed, min_similarity=threshold)[0] if passages else ""
            if item.kind == "unanswerable":
                unanswerable += 1
                declined += not text
                wrong += bool(text)
                continue
            ok = bool(text) and has_facts(text, item.must)
            right[item.lang][0] += ok
            right[item.lang][1] += 1
            wrong += bool(text) and not ok
        share = lambda a, b: f"{a / b:.3f}" if b else "–"  # noqa: E731
        total_right = right["en"][0] + right["zh"][0]
        total = right["en"][1] + right["zh"][1]
        print(f"| {threshold:.2f} | {share(total_right, total)} ({share(*right['en'])} / {share(*right['zh'])}) "
              f"| {share(declined, unanswerable)} | {wrong} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
