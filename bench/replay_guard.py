"""Re-judge saved answers under the current guard, without a model: how a change to the grounding guard
would have changed an `eval-answers` run.

    python bench/replay_guard.py data/bench/models/qwen2.5-coder-1.5b-instruct-answers.jsonl --kb data/kb

Every row that the model answered (status `generated`) is asked again through the app's own path
(`Assistant.chat`, retrieval, passages, guard, extractive fallback) with a scripted backend that gives the
saved answer word for word; rows the guard already replaced, FAQ answers and declines keep their saved
outcome (a stricter guard cannot change them: their model text was never shown). Prints the summary of
the saved run and of the replay side by side, then every row whose status or verdict changed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.backends.scripted import ScriptedBackend  # noqa: E402
from service.evaluation import QAItem, evaluate, summarize  # noqa: E402

_KEYS = ("correct", "correct_en", "correct_zh", "unanswerable_declined", "answerable_refused", "unsupported_numbers")


def replay(rows: list[dict], assistant, backend: ScriptedBackend) -> list[dict]:
    """The rows as the current guard would have left them."""
    replayed = []
    for row in rows:
        if row["status"] != "generated":
            replayed.append(row)
            continue
        backend.enqueue(row["answer"])
        item = QAItem(**{k: row[k] for k in ("id", "lang", "question", "must", "kind")})
        _, (new,) = evaluate(assistant, [item])
        replayed.append({**new, "ttft_s": row["ttft_s"], "latency_s": row["latency_s"]})
    return replayed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=Path, help="rows of `eval-answers --out` (or bench/models.py's answers file)")
    parser.add_argument("--kb", type=Path, default=Path("data/kb"))
    args = parser.parse_args(argv)

    from knowledge_base import KnowledgeBase
    from knowledge_base.settings import KBSettings
    from service.settings import AssistantSettings, Settings
    from service.startup import build_assistant, with_sample_defaults

    rows = [json.loads(line) for line in args.rows.read_text(encoding="utf-8").splitlines() if line.strip()]
    kb = KnowledgeBase.open(args.kb, KBSettings(kb_dir=args.kb))
    backend = ScriptedBackend()
    settings = Settings()
    assistant = build_assistant(backend, kb, settings, with_sample_defaults(AssistantSettings(), kb), log=lambda _: None)
    new_rows = replay(rows, assistant, backend)
    before, after = summarize(rows), summarize(new_rows)
    print(f"{'':24}{'saved':>10}{'replayed':>10}")
    for key in _KEYS:
        print(f"{key:24}{before[key]!s:>10}{after[key]!s:>10}")
    print(f"{'by_status':24}{before['by_status']}\n{'':24}{after['by_status']}")
    for old, new in zip(rows, new_rows, strict=True):
        if (old["status"], old["correct"]) != (new["status"], new["correct"]):
            print(f"\n{old['id']} ({old['kind']}): {old['status']} {'right' if old['correct'] else 'wrong'} -> "
                  f"{new['status']} {'right' if new['correct'] else 'wrong'}; replaced: {new['replaced']}")
            print(f"  Q: {old['question']}\n  saved:    {old['answer'][:200]!r}\n  replayed: {new['answer'][:200]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
