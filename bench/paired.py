"""Two settings compared on paired `eval-answers` runs: which questions only one of them answered right.

    .venv/bin/python -m service eval-answers --qa samples/qa_dev.jsonl --kb data/kb --seed 1 --repeat 2 --out a.jsonl
    ASSISTANT_TOP_K=3 .venv/bin/python -m service eval-answers ... --seed 1 --repeat 2 --out b.jsonl
    .venv/bin/python bench/paired.py a.jsonl b.jsonl [--show 20]
    .venv/bin/python bench/paired.py a_seed1.jsonl,a_seed2.jsonl b_seed1.jsonl,b_seed2.jsonl   # several runs each

Run with the same `--seed`, each question of each run drew the same random numbers in both files, so a question
right in one and wrong in the other is the settings' doing more often than the sampler's (the default run twice with
one seed gave 69 of 73 identical answers). Rows are paired by question id and run; A and B may each be several
files, comma-separated (one per seed), paired file by file in the order given. Prints, for all questions and per
language, how many pairs both settings got right, only A, only B, neither; the exact two-sided sign test of the
discordant pairs (how likely a split at least this lopsided is if both settings answered equally well); the same
split and test for confident wrong answers (answered, not declined, and wrong: `service.evaluation.answered_wrong`),
which a setting that declines more trades against right answers; and the discordant questions with both answers.
"""

from __future__ import annotations

import argparse
import json
import sys
from math import comb
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.evaluation import answered_wrong  # noqa: E402


Key = tuple[str, int, int]  # question id, run, which of the comma-separated files


def load_rows(paths: Path | str) -> dict[Key, dict]:
    """The rows of one `eval-answers --out` file, or of several comma-separated ones, by (question id, run, file)."""
    files = [Path(p) for p in str(paths).split(",") if p]
    rows: dict[Key, dict] = {}
    for n, path in enumerate(files):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows[row["id"], row.get("run", 0), n] = row
    return rows


def pair(a: dict[Key, dict], b: dict[Key, dict]) -> list[tuple[dict, dict]]:
    """The rows of the same question, run and file (of several comma-separated ones) in A and B, in A's order; an
    error when none match."""
    pairs = [(a[key], b[key]) for key in a if key in b]
    if not pairs:
        raise SystemExit("Error: A and B share no (question id, run): were they run on the same QA file?")
    return pairs


_CELL = {(True, True): "both", (True, False): "only_a", (False, True): "only_b", (False, False): "neither"}


def split(pairs: list[tuple[dict, dict]], verdict=lambda row: bool(row["correct"])) -> dict[str, int]:
    """Counts of pairs whose `verdict` (default: right) holds in both, only in A, only in B, in neither."""
    counts = dict.fromkeys(_CELL.values(), 0)
    for row_a, row_b in pairs:
        counts[_CELL[verdict(row_a), verdict(row_b)]] += 1
    return counts


def sign_test_p(only_a: int, only_b: int) -> float:
    """Exact two-sided sign test: the chance of a split of the discordant pairs at least this lopsided when each
    is equally likely to fall either way."""
    n = only_a + only_b
    if n == 0:
        return 1.0
    tail = sum(comb(n, i) for i in range(min(only_a, only_b) + 1)) / 2**n
    return min(1.0, 2 * tail)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("a", help="A's eval-answers --out file, or several, comma-separated")
    parser.add_argument("b", help="B's, as many and in the same order")
    parser.add_argument("--show", type=int, default=20, help="discordant questions to list (0: none)")
    args = parser.parse_args(argv)

    if len(args.a.split(",")) != len(args.b.split(",")):
        raise SystemExit("Error: give A and B as many files each (one per seed, in the same order).")
    pairs = pair(load_rows(args.a), load_rows(args.b))
    print(f"A = {args.a}, B = {args.b}: {len(pairs)} paired answers")
    print("| questions | pairs | both right | only A | only B | neither | A correct | B correct | sign test p |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    groups = {"all": pairs, **{lang: [p for p in pairs if p[0]["lang"] == lang] for lang in sorted({p[0]["lang"] for p in pairs})}}
    for name, group in groups.items():
        c = split(group)
        print(f"| {name} | {len(group)} | {c['both']} | {c['only_a']} | {c['only_b']} | {c['neither']} "
              f"| {(c['both'] + c['only_a']) / len(group):.3f} | {(c['both'] + c['only_b']) / len(group):.3f} "
              f"| {sign_test_p(c['only_a'], c['only_b']):.3g} |")
    wrong = split(pairs, answered_wrong)
    print(f"\nconfident wrong answers (answered, not declined, wrong): A {wrong['both'] + wrong['only_a']}, "
          f"B {wrong['both'] + wrong['only_b']}; only in A {wrong['only_a']}, only in B {wrong['only_b']}, "
          f"sign test p {sign_test_p(wrong['only_a'], wrong['only_b']):.3g}")
    discordant = [(a, b) for a, b in pairs if bool(a["correct"]) != bool(b["correct"])]
    for row_a, row_b in discordant[: args.show]:
        winner = "A" if row_a["correct"] else "B"
        print(f"\n{winner} only: {row_a['id']} (run {row_a.get('run', 0)}): {row_a['question']}")
        for label, row in (("A", row_a), ("B", row_b)):
            print(f"  {label} [{row['status']}] {' '.join(row['answer'].split())[:160]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
