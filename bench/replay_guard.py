"""Re-judge saved answers under the current guard, without a model: how a change to the grounding guard
would have changed an `eval-answers` run.

    python bench/replay_guard.py data/bench/models/qwen2.5-coder-1.5b-instruct-answers.jsonl --kb data/kb
    python bench/replay_guard.py data/eval/alone.jsonl --kb data/kb

Every row that the model answered (status `generated`) is asked again through the app's own path
(`Assistant.chat`, retrieval, passages, guard, extractive fallback) with a scripted backend that gives the
saved answer word for word; rows the guard already replaced, FAQ answers and declines keep their saved
outcome (a stricter guard cannot change them: their model text was never shown), unless `--replaced`: then the
rows whose model answer a check replaced or declined are asked again with that answer too (for a check made looser;
not those the confidence floor held back or that had a second look, which the scripted backend cannot replay, since
it gives no log-probabilities and one answer per question). Prints the summary of
the saved run and of the replay side by side, then every row whose status or verdict changed.

The replay always has every stage on, so the rows of a model-alone run (`eval-answers --no-faq-direct
--no-guard`) replay as the every-stage run: a question the FAQ answers directly gets the FAQ's answer (its
saved model answer is dropped), every other one its saved model answer under the guard. The model sees the
same prompt either way, so one model run gives both figures, with the same samples of the model.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.backends.scripted import ScriptedBackend  # noqa: E402
from service.evaluation import evaluate, qa_item, summarize  # noqa: E402

_KEYS = ("correct", "correct_en", "correct_zh", "unanswerable_declined", "answerable_refused", "unsupported_numbers")


def replay(rows: list[dict], assistant, backend: ScriptedBackend, *, replaced: bool = False) -> list[dict]:
    """The rows as the current guard (and the FAQ direct answers, which never call the model) would have left
    them; with `replaced`, also the rows whose model answer a check replaced (`_checked_again`). A saved answer the
    replay did not ask for (the FAQ answered first) is dropped; a direct answer keeps its own timings, every other
    row the saved ones."""
    replayed = []
    for row in rows:
        if row["status"] == "generated":
            backend.enqueue(row["answer"])
        elif replaced and _checked_again(row):
            backend.enqueue(row["generated"])
        else:
            replayed.append(row)
            continue
        item = qa_item(row)
        _, (new,) = evaluate(assistant, [item])
        asked_model = not backend.queue
        backend.queue.clear()
        replayed.append({**new, "ttft_s": row["ttft_s"], "latency_s": row["latency_s"]} if asked_model else new)
    return replayed


def _checked_again(row: dict) -> bool:
    """Whether a row's model answer, replaced or declined by a check of the guard, can be asked again as it was:
    not one the confidence floor held back, nor one that had a second look (the replay gives one answer per
    question), nor one the model itself declined."""
    from service.answerability import says_it_does_not_know

    generated = row.get("generated") or ""
    return (
        row.get("replaced_why") in ("unsupported", "declined") and not row.get("looked_again")
        and bool(generated.strip()) and not says_it_does_not_know(generated)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=Path, help="rows of `eval-answers --out` (or bench/models.py's answers file)")
    parser.add_argument("--kb", type=Path, default=Path("data/kb"))
    parser.add_argument("--replaced", action="store_true", help="also replay the model answers a check replaced")
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
    new_rows = replay(rows, assistant, backend, replaced=args.replaced)
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
