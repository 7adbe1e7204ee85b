"""What the sentence floor costs before the first token, with and without remembered sentence vectors.

With the grounding guard on, the assistant compares the question with every sentence of its passages before
the model is called (`Assistant.quote`: the extractive answer, and the floor that declines when no sentence
is close). That is one embedding call over the question and some 20-80 sentences. `KnowledgeBase.embed`
remembers vectors (`EmbeddingCache`), so a passage's sentences are embedded once. For every question of the
dev QA set this times the comparison three ways, side by side in one run:

- cold: nothing remembered (the cache emptied before each question): the first question about a passage;
- first pass: questions in order, the cache filling: a fresh server's first customers;
- warm: the same questions again: a server that has answered them (or questions about the same passages).

It prints p50 / p95 / max seconds per way and the ratio of each to cold. No model is involved.

    .venv/bin/python bench/sentence_floor.py [--kb data/kb] [--qa samples/qa_dev.jsonl] [-k 4]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from knowledge_base import KBSettings, KnowledgeBase  # noqa: E402
from knowledge_base.embeddings import EmbeddingCache  # noqa: E402
from service.evaluation import load_qa  # noqa: E402
from service.extractive import extractive_answer  # noqa: E402
from service.sources import passage_text  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", type=Path, default=Path("data/kb"))
    parser.add_argument("--qa", type=Path, default=Path(__file__).resolve().parents[1] / "samples" / "qa_dev.jsonl")
    parser.add_argument("-k", type=int, default=4)
    args = parser.parse_args(argv)

    kb = KnowledgeBase.open(args.kb, KBSettings(kb_dir=args.kb))
    questions = [
        (item.question, [passage_text(h, with_title=False) for h in kb.search(item.question, k=args.k)])
        for item in load_qa(args.qa)
    ]
    kb.embed(["warm up the model"])

    def timed(question: str, passages: list[str]) -> float:
        start = time.perf_counter()
        extractive_answer(question, passages, kb.embed)
        return time.perf_counter() - start

    cold = []
    for question, passages in questions:
        kb._sentence_vectors = EmbeddingCache()
        cold.append(timed(question, passages))
    kb._sentence_vectors = EmbeddingCache()
    first = [timed(q, p) for q, p in questions]
    warm = [timed(q, p) for q, p in questions]

    print(f"{len(questions)} questions, k = {args.k}; seconds per question before the model is called")
    print("| sentence vectors | p50 | p95 | max | p50 vs cold |")
    print("|---|---:|---:|---:|---:|")
    base = float(np.median(cold))
    for name, times in (("cold (none remembered)", cold), ("first pass (remembered as they come)", first),
                        ("warm (all remembered)", warm)):
        t = np.asarray(times)
        print(f"| {name} | {np.median(t):.3f} | {np.percentile(t, 95):.3f} | {t.max():.3f} | {np.median(t) / base:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
