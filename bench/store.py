"""What the conversation store costs: the write cost of one turn, and answers per second with and without it.

    .venv/bin/python bench/store.py [--turns 500] [--rounds 5] [--questions 40]

1. `add_turn` on a SQLite store in WAL mode with synchronous=FULL (every turn fsynced), p50/p95 over `--turns`.
2. Answers per second through the app's answering path with the scripted model (answers take milliseconds,
   so the store's share is as large as it can ever be): `Assistant.ask` alone against `Handlers.answer`,
   which also stores the turn; the two take turns round by round and the median is reported.
3. The store's share of one answer of a real model: the p50 write cost over an answer time (`--answer-s`,
   e.g. a measured p50 of `bench/models.py`).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from knowledge_base import KBSettings, KnowledgeBase  # noqa: E402
from knowledge_base.embeddings import HashEmbedder  # noqa: E402
from service.assistant import Assistant  # noqa: E402
from service.backends.scripted import ScriptedBackend  # noqa: E402
from service.handlers import Handlers  # noqa: E402
from service.settings import AssistantSettings  # noqa: E402
from support.desk import SupportDesk  # noqa: E402
from support.store import ConversationStore, TurnRecord, sqlite_url  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = ["How long do I have to return an item?", "How much is express delivery?", "Does VoltCare cover drops?",
             "Can I pay with Klarna?", "退货运费谁承担？", "How do I reset my password?"]


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def write_cost(store: ConversationStore, turns: int) -> list[float]:
    cid = store.new_conversation("api")
    record = TurnRecord(channel="api", scenario="answer", question="How long do I have to return an item?",
                        answer="You can return most items within 30 days [1].", status="generated",
                        sources=[{"doc_id": "faq.csv#3", "title": "Returns", "score": 0.93}], latency_s=1.0)
    costs = []
    for _ in range(turns):
        started = time.perf_counter()
        store.add_turn(cid, record)
        costs.append(time.perf_counter() - started)
    return costs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--questions", type=int, default=40, help="Questions per round and engine.")
    parser.add_argument("--answer-s", type=float, default=20.0, help="A real model's answer time, for item 3.")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        store = ConversationStore.open(sqlite_url(Path(tmp)))
        costs = write_cost(store, args.turns)
        kb_settings = KBSettings(kb_dir=Path(tmp) / "kb", embedding_model=HashEmbedder.name)
        kb = KnowledgeBase.open(kb_settings.kb_dir, kb_settings, create=True, embedder=HashEmbedder())
        kb.ingest([REPO / "samples" / "kb"])
        assistant = Assistant(ScriptedBackend("You can return most items within 30 days [1]."), kb, AssistantSettings())
        handlers = Handlers(assistant, kb, desk=SupportDesk(assistant, store))
        questions = [QUESTIONS[i % len(QUESTIONS)] for i in range(args.questions)]

        def without_store() -> float:
            started = time.perf_counter()
            for q in questions:
                assistant.ask(q)
            return len(questions) / (time.perf_counter() - started)

        def with_store() -> float:
            started = time.perf_counter()
            for q in questions:
                handlers.answer(q)
            return len(questions) / (time.perf_counter() - started)

        without_store(), with_store()  # warm-up
        rates = {"without": [], "with": []}
        for _ in range(args.rounds):
            rates["without"].append(without_store())
            rates["with"].append(with_store())
        store.close()

    plain, stored = statistics.median(rates["without"]), statistics.median(rates["with"])
    p50, p95 = percentile(costs, 50), percentile(costs, 95)
    print(f"add_turn on SQLite (WAL, synchronous=FULL), {args.turns} turns: p50 {p50 * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms")
    print(f"answers/s, scripted model, median of {args.rounds} alternating rounds of {args.questions}: "
          f"without the store {plain:.1f}, with it {stored:.1f} ({100 * (1 - stored / plain):.1f}% fewer)")
    print(f"the store's share of a {args.answer_s:g} s answer of a real model: {100 * p50 / args.answer_s:.3f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
