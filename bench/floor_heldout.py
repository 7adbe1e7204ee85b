"""The sentence floor on knowledge bases it was not calibrated on: does it decline when the answer is missing,
and keep answering when it is there?

The floor (with the guard on, `Assistant.quote`) declines before the model is called when no sentence of the
passages reaches the extractive threshold (cosine 0.45, calibrated on the sample knowledge base's dev set).
Here, on the shared FAQ sets (StackFAQ, CovidFAQ: other companies, real user queries), for labelled queries
whose FAQ entry is among the passages retrieved:

- answerable: the entry and the next k-1 passages: the share the floor lets through (it should: the answer
  is there);
- entry removed: the k best passages without it, an on-topic question the knowledge base no longer answers:
  the share the floor declines, beside the share the relevance gate alone (`is_relevant`) declines.

At several thresholds around the default, no model involved. Prints a Markdown table and, last, JSON.

    .venv/bin/python bench/floor_heldout.py [--data ../shared/data] [--queries 150] [-k 4]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from knowledge_base import KnowledgeBase  # noqa: E402
from knowledge_base.evaluation import open_labelled_set  # noqa: E402
from service.extractive import is_question, split_sentences  # noqa: E402
from service.settings import AssistantSettings  # noqa: E402

SETS = ("stackfaq", "covidfaq")
THRESHOLDS = (0.35, 0.4, 0.45, 0.5)


def best_similarity(kb: KnowledgeBase, question: str, hits: list) -> float:
    """The highest cosine between the question and a quotable sentence of the hits (what the floor compares)."""
    sentences = [s for h in hits for s in split_sentences(h.text) if not is_question(s)]
    if not sentences:
        return 0.0
    vectors = kb.embed([question, *sentences])
    return float((vectors[1:] @ vectors[0]).max())


def measure(kb: KnowledgeBase, queries: list[dict], k: int) -> list[dict]:
    rows = []
    for q in queries:
        hits = kb.search(q["query"], k=k + 3)
        if not any(h.doc_id == q["doc_id"] for h in hits[:k]):
            continue
        entry = [h for h in hits if h.doc_id == q["doc_id"]][:1]
        others = [h for h in hits if h.doc_id != q["doc_id"]]
        with_entry, without = entry + others[: k - 1], others[:k]
        rows.append({
            "with": best_similarity(kb, q["query"], with_entry),
            "without": best_similarity(kb, q["query"], without),
            "gate_declines": not kb.is_relevant(without),
        })
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1] / ".." / "shared" / "data")
    parser.add_argument("--queries", type=int, default=150, help="labelled queries per set (a fixed random sample)")
    parser.add_argument("-k", type=int, default=4)
    args = parser.parse_args(argv)
    default = AssistantSettings().extractive_min_similarity

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in SETS:
            kb, queries = open_labelled_set(args.data / name, Path(tmp) / name)
            random.Random(0).shuffle(queries)
            results[name] = measure(kb, queries[: args.queries], args.k)

    print(f"k = {args.k}; answerable let through / entry removed declined (relevance gate alone declines)")
    print("| threshold | " + " | ".join(f"{name} (n={len(rows)})" for name, rows in results.items()) + " |")
    print("|---:|" + "---:|" * len(results))
    table = {}
    for t in THRESHOLDS:
        cells = []
        for name, rows in results.items():
            through = sum(r["with"] >= t for r in rows) / max(1, len(rows))
            declined = sum(r["without"] < t for r in rows) / max(1, len(rows))
            gate = sum(r["gate_declines"] for r in rows) / max(1, len(rows))
            table.setdefault(str(t), {})[name] = {"through": round(through, 3), "declined": round(declined, 3),
                                                  "gate_declined": round(gate, 3), "n": len(rows)}
            cells.append(f"{through:.3f} / {declined:.3f} ({gate:.3f})")
        print(f"| {t}{' (default)' if t == default else ''} | " + " | ".join(cells) + " |")
    print(json.dumps({"k": args.k, "table": table}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
