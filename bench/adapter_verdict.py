"""Calibrate an adapter's bar for the base model's verdict (`BundledAdapter.min_vouch`, `service.quote_verdict`).

    # the adapter's answers as they stand without the verdict, and the base's own answers to the same questions
    ASSISTANT_BUNDLED_ADAPTERS=true ASSISTANT_ADAPTER_VERDICT=false python -m service eval-answers --qa QA.jsonl \\
        --kb data/kb --seed 1 --out adapter.jsonl
    ASSISTANT_BUNDLED_ADAPTERS=true ASSISTANT_ANSWER_MODELS='{}' python -m service eval-answers --qa QA.jsonl \\
        --kb data/kb --seed 1 --out base.jsonl
    python bench/adapter_verdict.py adapter.jsonl base.jsonl --llm-url http://127.0.0.1:8011/v1 [--bars 0.6 0.7]

For every adapter answer that stood (status `generated`), asks the base model's yes/no verdict on it (the served base:
requests that name no model) and prints, for each bar, what the customers of those questions would read: the
adapter's answer where the verdict reaches the bar, else the base's row for the same question. Counted as the
evaluation counts them (`service.evaluation`): answerable questions answered right, answered wrong (not declined, not
right), and uncovered (unanswerable) questions answered, with the base alone and the adapter alone for comparison.
Choose the bar on one set (e.g. the dev set) and check it on another (held-out questions); the rows of both runs
should come from the same seed.
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.backends import GenerationParams  # noqa: E402
from service.evaluation import answered_wrong  # noqa: E402
from service.quote_verdict import QuoteVerdict  # noqa: E402

BARS = (0.5, 0.6, 0.65, 0.7, 0.72, 0.75, 0.8)


def load(path: Path) -> dict[str, dict]:
    return {row["id"]: row for row in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if row}


def counts(rows: list[dict]) -> tuple[int, int, int]:
    """(answerable right, answered wrong, unanswerable answered) over eval rows."""
    right = sum(1 for r in rows if r["kind"] != "unanswerable" and r["correct"])
    wrong = sum(1 for r in rows if r["kind"] != "unanswerable" and answered_wrong(r))
    uncovered = sum(1 for r in rows if r["kind"] == "unanswerable" and not r["correct"])
    return right, wrong, uncovered


def with_verdict(adapter: dict[str, dict], base: dict[str, dict], yes: dict[str, float], bar: float | None) -> list[dict]:
    """The row a customer would get per question: the adapter's where it stood and its yes reaches `bar` (None: every
    adapter row as it is), else the base's."""
    if bar is None:
        return list(adapter.values())
    return [adapter[i] if yes.get(i, 0.0) >= bar else base[i] for i in adapter]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("adapter_rows", type=Path, help="eval-answers rows of the adapter, ASSISTANT_ADAPTER_VERDICT=false")
    parser.add_argument("base_rows", type=Path, help="eval-answers rows of the base model on the same questions")
    parser.add_argument("--llm-url", default="http://127.0.0.1:8011/v1", help="the base model's server")
    parser.add_argument("--bars", type=float, nargs="+", default=list(BARS))
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args(argv)

    from service.backend_factory import http_backend
    from service.settings import Settings

    adapter, base = load(args.adapter_rows), load(args.base_rows)
    missing = sorted(set(adapter) - set(base))
    if missing:
        parser.error(f"{len(missing)} questions of the adapter's rows are not in the base's rows (first: {missing[0]}).")
    backend = http_backend(Settings(llm_url=args.llm_url), args.llm_url)
    verdict = QuoteVerdict(backend.stream, GenerationParams(seed=1), min_yes=1.0)
    stood = [r for r in adapter.values() if r["status"] == "generated"]
    with ThreadPoolExecutor(args.workers) as pool:
        probabilities = pool.map(lambda r: verdict.yes_probability(r["question"], r["answer"], r["lang"]), stood)
        yes = {r["id"]: p for r, p in zip(stood, probabilities) if p is not None}
    if stood and not yes:
        sys.exit(f"No verdict came back from {args.llm_url}: is the base model's server running there?")
    answerable = sum(1 for r in adapter.values() if r["kind"] != "unanswerable")
    uncovered = len(adapter) - answerable
    print(f"{len(adapter)} questions ({answerable} answerable, {uncovered} uncovered); {len(stood)} adapter answers "
          f"stood, {len(yes)} with a verdict")
    print(f"{'who answers':<42} {'right':>9} {'wrong':>6} {'uncovered answered':>19}")
    lines = [("the base alone", list(base[i] for i in adapter)), ("the adapter alone", with_verdict(adapter, base, yes, None))]
    lines += [(f"the adapter where the base's yes >= {bar:.2f}", with_verdict(adapter, base, yes, bar)) for bar in args.bars]
    for name, rows in lines:
        right, wrong, answered = counts(rows)
        print(f"{name:<42} {right:>4} of {answerable:<3} {wrong:>5} {answered:>12} of {uncovered}")


if __name__ == "__main__":
    main()
