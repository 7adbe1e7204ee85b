"""Fewer passages in the prompt: how far below the best passage can one score and still be the one that answers?

The model reads every passage it is given: on two cores each costs about a second of prefill before the first
token, and a passage about something else is one a small model may answer from. This measures, with no model,
the rule "keep a passage only when its retrieval score is within MARGIN of the best one" at several margins:

- on the labelled queries of the shared FAQ sets (StackFAQ, CovidFAQ; English): of the queries whose FAQ
  entry is among the k passages retrieved, the share whose entry the rule keeps, and the mean passages kept
  (and their estimated tokens in the prompt, what prefill time grows with),
  on the `tune` half (where a margin is chosen: the smallest that keeps >= 99% of them) and the `unseen` half;
- on the dev QA set of the sample knowledge base (`samples/qa_dev.jsonl`, English and Chinese): of the
  answerable questions whose expected facts are in one of the k passages, the share the rule keeps, and the
  mean passages kept per language.

Scores are the app's hybrid ones (cosine plus a share of BM25; for Chinese queries the BM25 weight is higher,
so their scores spread wider). Prints a Markdown table and, as its last line, JSON.

    .venv/bin/python bench/passage_margin.py [--kb data/kb] [--data ../shared/data] [-k 4]
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

import numpy as np  # noqa: E402

from knowledge_base import KBSettings, KnowledgeBase  # noqa: E402
from knowledge_base.evaluation import open_labelled_set, split_queries  # noqa: E402
from service.evaluation import has_facts, load_qa  # noqa: E402
from service.language import approx_tokens  # noqa: E402
from service.settings import AssistantSettings  # noqa: E402
from service.sources import passage_text  # noqa: E402

MARGINS = (0.02, 0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.3, 0.4, 1e9)
SETS = ("stackfaq", "covidfaq")
KEEP = 0.99


Ranks = list[tuple[list[float], int | None, list[int]]]


def answer_ranks(kb: KnowledgeBase, queries: list[str], is_answer, k: int) -> Ranks:
    """For each query: the scores of its k passages, the index of the first that answers it (or None), and each
    passage's length in the prompt (estimated tokens of its text, cut at the prompt's `max_passage_chars`)."""
    limit = AssistantSettings().max_passage_chars
    out = []
    for query, hits in zip(queries, kb.search_many(queries, k)):
        out.append((
            [h.score for h in hits], next((i for i, h in enumerate(hits) if is_answer(query, h)), None),
            [approx_tokens(h.text[:limit]) for h in hits],
        ))
    return out


def kept(ranks: Ranks, margin: float) -> dict:
    """Share of answered queries whose answering passage the margin keeps; mean passages and tokens kept."""
    counts = [sum(s >= scores[0] - margin for s in scores) for scores, _, _ in ranks]
    tokens = [sum(t[:n]) for (_, _, t), n in zip(ranks, counts)]
    answered = [(r, n) for (_, r, _), n in zip(ranks, counts) if r is not None]
    share = sum(r < n for r, n in answered) / max(1, len(answered))
    return {"kept": round(share, 4), "passages": round(float(np.mean(counts)), 2),
            "tokens": round(float(np.mean(tokens))), "n": len(answered)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kb", type=Path, default=Path("data/kb"))
    parser.add_argument("--qa", type=Path, default=Path(__file__).resolve().parents[1] / "samples" / "qa_dev.jsonl")
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1] / ".." / "shared" / "data")
    parser.add_argument("-k", type=int, default=4)
    args = parser.parse_args(argv)

    columns: dict[str, list] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in SETS:
            kb, queries = open_labelled_set(args.data / name, Path(tmp) / name)
            for half in ("tune", "unseen"):
                rows = split_queries(queries, half)
                gold = {q["query"]: q["doc_id"] for q in rows}
                columns[f"{name} {half}"] = answer_ranks(
                    kb, list(gold), lambda query, hit, gold=gold: hit.doc_id == gold[query], args.k
                )
    kb = KnowledgeBase.open(args.kb, KBSettings(kb_dir=args.kb))
    items = [i for i in load_qa(args.qa) if i.kind != "unanswerable"]
    for lang in ("en", "zh"):
        musts = {i.question: i.must for i in items if i.lang == lang}
        columns[f"dev {lang}"] = answer_ranks(
            kb, list(musts), lambda q, hit, musts=musts: has_facts(passage_text(hit), musts[q]), args.k
        )

    table = {m: {c: kept(ranks, m) for c, ranks in columns.items()} for m in MARGINS}
    tune = [c for c in columns if c.endswith("tune")]
    chosen = next((m for m in MARGINS if all(table[m][c]["kept"] >= KEEP for c in tune)), None)
    answered = ", ".join(f"{c} {table[MARGINS[0]][c]['n']}" for c in columns)
    print(f"k = {args.k}; each cell: share of answering passages kept / mean passages / mean passage tokens in the "
          f"prompt (answered: {answered}); margin inf: every passage (no margin)")
    print("| margin | " + " | ".join(columns) + " |")
    print("|---:|" + "---:|" * len(columns))
    for m in MARGINS:
        mark = " (chosen on tune)" if m == chosen else ""
        cells = [f"{table[m][c]['kept']:.3f} / {table[m][c]['passages']:.2f} / {table[m][c]['tokens']}" for c in columns]
        print(f"| {m if m < 1e9 else 'inf'}{mark} | " + " | ".join(cells) + " |")
    print(json.dumps({"k": args.k, "chosen": chosen, "table": table}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
