"""Calibrate the "no good answer here" threshold on real queries: answerable vs unanswerable.

The chat layer hands a conversation to a person, without calling the model, when
`KnowledgeBase.is_relevant(hits)` is false: the best hit's cosine is below `relevance_threshold`
and its BM25 score below `lexical_relevance`. This script measures both sides of that decision with
the default configuration on the two shared FAQ sets:

- answerable: each set's own labelled queries against its own knowledge base (answered = the
  assistant does not hand off; "answered right" also needs the labelled entry in the top 5);
- unanswerable: each set's queries against the *other* set's knowledge base (web-app questions
  against a COVID-19 helpline FAQ and the reverse), which has no answer to any of them.

    .venv/bin/python bench/relevance.py [--data ../shared/data] [--thresholds 0.3 0.35 0.4]

It prints, per threshold, the share of answerable queries answered and the share of unanswerable
ones handed off; the default threshold should keep the first high without giving up the second.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from knowledge_base import KBSettings, KnowledgeBase  # noqa: E402
from knowledge_base.embeddings import SentenceTransformerEmbedder  # noqa: E402

SETS = ("stackfaq", "covidfaq")


def queries(data: Path, name: str) -> list[dict]:
    lines = (data / name / "dev_queries.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def decisions(kb: KnowledgeBase, hits: list[list], threshold: float) -> list[bool]:
    """`is_relevant` for every hit list, with the relevance threshold set to `threshold`."""
    default = kb.settings
    kb.settings = default.model_copy(update={"relevance_threshold": threshold})
    try:
        return [kb.is_relevant(h) for h in hits]
    finally:
        kb.settings = default


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1] / ".." / "shared" / "data")
    parser.add_argument(
        "--thresholds", type=float, nargs="+", default=[0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6]
    )
    args = parser.parse_args(argv)
    if not all((args.data / name / "kb.jsonl").exists() for name in SETS):
        print(f"Error: {args.data} lacks stackfaq/ and covidfaq/; pass the shared data folder with --data.", file=sys.stderr)
        return 2

    settings = KBSettings()
    embedder = SentenceTransformerEmbedder(settings.embedding_model)
    found: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        bases = {}
        for name in SETS:
            print(f"Ingesting {name} with {settings.embedding_model}...", file=sys.stderr, flush=True)
            kb = KnowledgeBase.open(Path(tmp) / name, settings, create=True, embedder=embedder)
            kb.ingest([args.data / name / "kb.jsonl"])
            bases[name] = kb
        for name in SETS:
            other = SETS[1 - SETS.index(name)]
            own = queries(args.data, name)
            foreign = queries(args.data, other)
            kb = bases[name]
            own_hits = kb.search_many([q["query"] for q in own], 5)
            found[name] = {
                "kb": kb,
                "own_hits": own_hits,
                "in_top5": [q["doc_id"] in {p.doc_id for p in h} for q, h in zip(own, own_hits)],
                "foreign_hits": kb.search_many([q["query"] for q in foreign], 5),
                "foreign_name": other,
            }

    default = settings.relevance_threshold
    print(f"\nRelevance threshold on the best hit's cosine ({settings.embedding_model}, {settings.retrieval}; "
          f"BM25 >= {settings.lexical_relevance} also counts as relevant). Default: {default}\n")
    print("| threshold | " + " | ".join(
        f"{n}: answerable answered / answered right / unanswerable handed off" for n in SETS) + " |")
    print("|---:|" + "---:|" * len(SETS))
    summary = []
    for t in sorted(set(args.thresholds) | {default}):
        cells, balanced = [], []
        for name in SETS:
            f = found[name]
            answered = decisions(f["kb"], f["own_hits"], t)
            handed_off = [not d for d in decisions(f["kb"], f["foreign_hits"], t)]
            right = [a and r for a, r in zip(answered, f["in_top5"])]
            share = lambda xs: sum(xs) / len(xs)  # noqa: E731
            cells.append(f"{share(answered):.3f} / {share(right):.3f} / {share(handed_off):.3f}")
            balanced.append((share(answered) + share(handed_off)) / 2)
        mark = " (default)" if t == default else ""
        print(f"| {t:.2f}{mark} | " + " | ".join(cells) + " |")
        summary.append((min(balanced), t))
    best = max(summary)
    print(f"\nBest worst-set balanced accuracy: {best[0]:.3f} at threshold {best[1]:.2f}.")
    pairs = ", ".join(f"{found[n]['foreign_name']} queries on the {n} base" for n in SETS)
    print(f"Unanswerable = the other set's queries ({pairs}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
