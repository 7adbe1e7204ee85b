"""Does retrieval bring the passage that answers? For each answerable question of QA files (the `samples/qa_*.jsonl`
format), with no model: the rank of the first retrieved passage holding every expected fact (`must`, each group one
alternative, case-insensitive), and whether such a passage is among those the prompt keeps (the app's own path:
follow-ups searched with the question before them, the relevance gate, the passage margin and the language's
limit of prompt passages, the context window), and whether the passages' sentences closest to the question that the
app quotes (a decline's quote, the extractive answer, the second look's reading) hold every expected fact.

Prints one line per QA file and language: questions, first, in the first 4, in the first 10, MRR (a question whose
passage is not among the first 10 counts 0), in the prompt, in the quote; for the unanswerable questions, how many
are declined before the model (no passage sentence reaches the extractive bar, or the relevance gate); then, as its
last line, JSON with the same figures.
A setting to compare goes in the environment, e.g. `ASSISTANT_KB_CJK_LEXICAL_WEIGHT=2.0`; `--quotes FILE` writes
each question's quote (JSON lines: qa, id, quote, and for an answerable one rank and in_prompt), so that two versions'
quotes can be compared line by line.

    .venv/bin/python bench/qa_retrieval.py samples/qa_dev.jsonl samples/qa_test.jsonl [--kb data/kb] [--lang zh]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from knowledge_base import KBSettings  # noqa: E402
from service.evaluation import has_facts, load_qa  # noqa: E402
from service.settings import AssistantSettings, Settings  # noqa: E402
from service.sources import passage_text  # noqa: E402
from service.startup import assistant_session  # noqa: E402

DEPTH = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("qa", nargs="+", type=Path)
    parser.add_argument("--kb", default="data/kb")
    parser.add_argument("--lang", help="only questions of this language (en, zh)")
    parser.add_argument("--quotes", type=Path, help="write each question's quote here (JSON lines), with, for an "
                        "answerable one, the rank of the first passage holding its facts and whether the prompt holds them")
    args = parser.parse_args()
    results = {}
    quotes = []
    # No model is asked: the URL only names where one would be.
    with assistant_session(Settings(llm_url="http://127.0.0.1:9/v1"), KBSettings(kb_dir=args.kb), AssistantSettings()) as a:
        for path in args.qa:
            for item in load_qa(path):
                if args.lang and item.lang != args.lang:
                    continue
                # As the app reads them: Chinese in the knowledge base's writing (Traditional characters folded).
                question, history, _ = a.as_base_writes(item.question, item.history or [])
                query, hits, relevant = a.retrieve_in_conversation(question, history, DEPTH)
                kept = a.prompt_hits(hits[: a.settings.top_k], item.lang) if relevant else []
                prompt = a.grounded_prompt(question, history, kept, a.params(), item.lang, query=query) if kept else None
                quote = _quote(a, question, query, prompt.used) if prompt is not None else ""
                if item.kind == "unanswerable":
                    quotes.append({"qa": path.stem, "id": item.id, "quote": quote})
                    row = results.setdefault(f"{path.stem} {item.lang} unanswerable", {"n": 0, "declined_before_model": 0})
                    row["n"] += 1
                    row["declined_before_model"] += not quote
                    continue
                rank = answering_rank(hits, item.must)
                in_prompt = prompt is not None and has_facts(" ".join(passage_text(h) for h in prompt.used), item.must)
                quotes.append({"qa": path.stem, "id": item.id, "quote": quote, "rank": rank, "in_prompt": in_prompt})
                row = results.setdefault(
                    f"{path.stem} {item.lang}",
                    {"n": 0, "first": 0, "first_4": 0, "first_10": 0, "mrr": 0.0, "in_prompt": 0, "in_quote": 0},
                )
                count_rank(row, rank)
                row["first_10"] += rank is not None
                row["in_prompt"] += in_prompt
                row["in_quote"] += bool(quote) and has_facts(quote, item.must)
    for name, row in results.items():
        if "mrr" not in row:
            print(f"{name:24s} n={row['n']:3d} declined_before_model={row['declined_before_model']:3d}")
            continue
        row["mrr"] = round(row["mrr"] / row["n"], 3)
        print(f"{name:24s} n={row['n']:3d} first={row['first']:3d} first_4={row['first_4']:3d} "
              f"first_10={row['first_10']:3d} mrr={row['mrr']:.3f} in_prompt={row['in_prompt']:3d} "
              f"in_quote={row['in_quote']:3d}")
    if args.quotes:
        args.quotes.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in quotes), encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False))


def answering_rank(hits, must) -> int | None:
    """The rank (from 1) of the first of `hits` whose text holds every expected fact (`must`), None when none does."""
    return next((i for i, h in enumerate(hits, 1) if has_facts(passage_text(h), must)), None)


def count_rank(row: dict, rank: int | None) -> None:
    """Adds one question whose answering passage ranks `rank` to `row`'s n, first, first_4 and (a sum, to divide by n)
    mrr."""
    row["n"] += 1
    row["first"] += rank == 1
    row["first_4"] += rank is not None and rank <= 4
    row["mrr"] += 1 / rank if rank else 0.0


def _quote(a, question: str, query: str, used) -> str:
    """The passages' closest sentences the app quotes for `question` from the prompt's passages `used` (as
    `Assistant._generated` chooses them: a follow-up read alone or joined with the question before it, `query`); ""
    when none reaches the extractive bar (the app then declines before the model)."""
    reading = a.reading(question, query, used) if query != question else query
    return a.quote(reading, used) or ""


if __name__ == "__main__":
    main()
