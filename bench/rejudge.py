"""Saved `eval-answers` rows judged again by a QA file's current criteria, without a model: for when a `must` or
`must_not` was corrected after the run (session 23: "Yes, you can use Klarna for a £25 order ... £30–£1,500" had
counted as right because it states the £30).

    .venv/bin/python bench/rejudge.py rows.jsonl --qa samples/qa_dev.jsonl [--out rejudged.jsonl]
    .venv/bin/python bench/paired.py rows.jsonl rejudged.jsonl   # which verdicts changed, in the usual table

Prints the saved summary and the re-judged one side by side (run by run where the rows hold several runs), then
every answer whose verdict changed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.evaluation import load_qa, rejudge, summarize  # noqa: E402

_KEYS = ("correct", "correct_en", "correct_zh", "unanswerable_declined", "answerable_refused", "answered_wrong")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=Path, help="rows of `eval-answers --out`")
    parser.add_argument("--qa", type=Path, required=True, help="the QA file whose criteria judge them now")
    parser.add_argument("--out", type=Path, help="write the re-judged rows here")
    args = parser.parse_args(argv)

    rows = [json.loads(line) for line in args.rows.read_text(encoding="utf-8").splitlines() if line.strip()]
    items = load_qa(args.qa)
    new_rows = rejudge(rows, items)
    ids = {item.id for item in items}
    rows = [r for r in rows if r["id"] in ids]  # questions no longer in the QA file drop out of both, as in `rejudge`
    runs = sorted({r.get("run", 0) for r in rows})
    print(f"{'':24}" + "".join(f"{f'saved run {n}':>14}{f'now run {n}':>14}" for n in runs))
    for key in _KEYS:
        cells = []
        for n in runs:
            before = summarize([r for r in rows if r.get("run", 0) == n])
            after = summarize([r for r in new_rows if r.get("run", 0) == n])
            cells.append(f"{before[key]!s:>14}{after[key]!s:>14}")
        print(f"{key:24}" + "".join(cells))
    for old, new in zip(rows, new_rows, strict=True):
        if old["correct"] != new["correct"]:
            print(f"\n{old['id']} run {old.get('run', 0)} ({old['status']}): {'right' if old['correct'] else 'wrong'} -> "
                  f"{'right' if new['correct'] else 'wrong'}\n  Q: {old['question']}\n  A: {old['answer'][:200]!r}")
    if args.out:
        args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in new_rows), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
