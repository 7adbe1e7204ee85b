"""Passages re-ranked by their closest sentence (`service.reranking`), against retrieval's own order, side by side in
one run, no model: for each answerable question of QA files (the `samples/qa_*.jsonl` format) the rank of the first
passage holding every expected fact among the first 10, whether the prompt's passages hold them (the passage margin
and the language's limit on the first 4; the relevance gate on the first 10, as `bench/qa_retrieval.py` judges it),
how many passages the prompt keeps, and the time the app's retrieval of a message takes
(`Assistant.retrieve_in_conversation`, the knowledge base's sentences embedded first, as the app does at start, and
each message once before it is timed; each question in both orders one after the other, so that both meet the same
machine): what the re-ranking adds to a retrieval, the message's own embedding (the same for both, about 40 ms) left
out.

Prints one line per QA file, language and order: questions, first, in the first 4, MRR, in the prompt, passages per
prompt; then the retrieval times (p50 / p95) of each order and their ratio; as its last line, JSON with the same.
The re-ranking's weight is `--weight` (0.5, chosen on the English dev questions; `ASSISTANT_SENTENCE_RERANK` in the
app, where it is off by default: docs/knowledge-base.md, "Passages re-ranked by their closest sentence").

    .venv/bin/python bench/reranking.py samples/qa_dev.jsonl samples/qa_test.jsonl samples/qa_probe.jsonl [--kb data/kb] [--weight 0.5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.qa_retrieval import DEPTH, answering_rank, count_rank  # noqa: E402
from knowledge_base import KBSettings  # noqa: E402
from service.evaluation import has_facts, load_qa  # noqa: E402
from service.settings import AssistantSettings, Settings  # noqa: E402
from service.sources import passage_text  # noqa: E402
from service.startup import assistant_session, remember_sentences  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("qa", nargs="+", type=Path)
    parser.add_argument("--kb", default="data/kb")
    parser.add_argument("--weight", type=float, default=0.5, help="the re-ranking's weight (ASSISTANT_SENTENCE_RERANK)")
    args = parser.parse_args()
    orders = {"retrieval": 0.0, f"sentences {args.weight:g}": args.weight}
    results: dict[str, dict] = {}
    times: dict[str, list[float]] = {name: [] for name in orders}
    # No model is asked: the URL only names where one would be.
    with assistant_session(Settings(llm_url="http://127.0.0.1:9/v1"), KBSettings(kb_dir=args.kb), AssistantSettings()) as a:
        settings = a.settings  # the session's (the sample's company, glossary and trusted documents)
        remember_sentences(a.retriever)
        for path in args.qa:
            for item in load_qa(path):
                if item.kind == "unanswerable":
                    continue
                # Once untimed: the message's vectors (and its question sentences') are then remembered for both
                # orders, so that the times compare what the re-ranking adds, not which order embedded it first.
                a.retrieve_in_conversation(item.question, item.history or [], DEPTH)
                for name, weight in orders.items():
                    a.settings = settings.model_copy(update={"sentence_rerank": weight})
                    started = time.perf_counter()
                    _, hits, relevant = a.retrieve_in_conversation(item.question, item.history or [], DEPTH)
                    times[name].append(time.perf_counter() - started)
                    kept = a.prompt_hits(hits[: settings.top_k], item.lang) if relevant else []
                    row = results.setdefault(
                        f"{path.stem} {item.lang} {name}",
                        {"n": 0, "first": 0, "first_4": 0, "mrr": 0.0, "in_prompt": 0, "passages": 0},
                    )
                    count_rank(row, answering_rank(hits, item.must))
                    row["in_prompt"] += has_facts(" ".join(passage_text(h) for h in kept), item.must)
                    row["passages"] += len(kept)
    for name, row in results.items():
        row["mrr"] = round(row["mrr"] / row["n"], 3)
        row["passages"] = round(row["passages"] / row["n"], 2)
        print(f"{name:34s} n={row['n']:3d} first={row['first']:3d} first_4={row['first_4']:3d} mrr={row['mrr']:.3f} "
              f"in_prompt={row['in_prompt']:3d} passages={row['passages']:.2f}")
    timing = {name: {"p50_ms": round(1000 * statistics.median(t), 1), "p95_ms": round(1000 * _p95(t), 1)}
              for name, t in times.items()}
    base, reranked = (timing[name]["p50_ms"] for name in orders)
    for name, t in timing.items():
        print(f"retrieval of a message, {name}: p50 {t['p50_ms']} ms, p95 {t['p95_ms']} ms")
    print(f"re-ranked / retrieval's order, p50: x{reranked / base:.2f}")
    print(json.dumps({"quality": results, "timing": timing}, ensure_ascii=False))


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


if __name__ == "__main__":
    main()
