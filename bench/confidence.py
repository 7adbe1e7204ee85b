"""Calibrate the confidence floor (`service.confidence`) from saved `eval-answers` rows, without a model.

    ASSISTANT_MIN_ANSWER_LOGPROB=-100 python -m service eval-answers --qa samples/qa_dev.jsonl --kb data/kb --out rows.jsonl
    python bench/confidence.py rows.jsonl [more-rows.jsonl ...] [--floors -0.6 -0.5 -0.45 -0.4]

Log-probabilities are asked for only where there is a floor: for a model without one, run the evaluation with a
floor no answer falls below (-100, as above), so that its rows carry them and nothing is held back.

Reads the answers the model generated that would have stood without the floor (not replaced by the guard, not
declined as "I don't know"; rows keep the model's own answer and its tokens' mean log-probability whatever
replaced it) and judges each against its question's expected facts: right, wrong (answerable, facts missing)
or an unanswerable question answered. Prints, per file and for all files together, how well the mean
log-probability separates right answers from the others (AUROC) and, for each floor, how many of each the
floor holds back. Held back, an answer is replaced by the passages' own sentences or declined with a person
offered: fewer confidently wrong answers, at the price of the right ones it holds back. Choose a floor on one
run and check it on another (different samples of the model).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.evaluation import QAItem, judge  # noqa: E402

FLOORS = (-0.7, -0.6, -0.55, -0.5, -0.45, -0.4, -0.35)


def stood_without_floor(row: dict) -> bool:
    """Whether the model's answer would have reached the customer without the floor."""
    if row.get("mean_logprob") is None or not row.get("generated"):
        return False
    return row.get("replaced_why") in (None, "unsure")


def outcome(row: dict) -> str:
    """right | wrong | unanswerable: the model's own answer, judged."""
    item = QAItem(row["id"], row["lang"], row["question"], row["must"], row["kind"])
    if item.kind == "unanswerable":
        return "right" if judge(item, row["generated"], "generated") else "unanswerable"
    return "right" if judge(item, row["generated"], "generated") else "wrong"


def auroc(high: list[float], low: list[float]) -> float | None:
    """P(a value of `high` > a value of `low`), ties counting half."""
    if not high or not low:
        return None
    wins = sum(1.0 if h > lo else 0.5 if h == lo else 0.0 for h in high for lo in low)
    return wins / (len(high) * len(low))


def report(name: str, rows: list[dict], floors: list[float]) -> None:
    scored = [(r["mean_logprob"], outcome(r)) for r in rows if stood_without_floor(r)]
    groups = {k: [m for m, o in scored if o == k] for k in ("right", "wrong", "unanswerable")}
    area = auroc(groups["right"], groups["wrong"] + groups["unanswerable"])
    print(f"\n{name}: {len(scored)} answers that stood without the floor: {len(groups['right'])} right, "
          f"{len(groups['wrong'])} wrong, {len(groups['unanswerable'])} unanswerable answered; "
          f"AUROC right vs the rest {area:.3f}" if area is not None else f"\n{name}: too few answers to judge")
    print("| floor | right held back | wrong held back | unanswerable held back | wrong left standing |")
    print("|---:|---:|---:|---:|---:|")
    for floor in floors:
        held = {k: sum(m < floor for m in v) for k, v in groups.items()}
        left = len(groups["wrong"]) + len(groups["unanswerable"]) - held["wrong"] - held["unanswerable"]
        print(f"| {floor:g} | {held['right']} | {held['wrong']} | {held['unanswerable']} | {left} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rows", nargs="+", type=Path, help="eval-answers --out files")
    parser.add_argument("--floors", nargs="+", type=float, default=list(FLOORS))
    args = parser.parse_args(argv)
    every: list[dict] = []
    for path in args.rows:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        every += rows
        report(str(path), rows, args.floors)
    if len(args.rows) > 1:
        report("all", every, args.floors)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
