"""Calibrate FAQ direct answers: when may the assistant reply with an FAQ entry's curated answer itself?

A direct answer skips the model, so a wrong one is a confidently wrong reply: the rule that fires it
must pick the right entry for >= 98% of the queries it fires on (precision), and should fire on as
many queries as possible (coverage). Candidate rules, all on `KnowledgeBase.search(query, k=5)` with
the default configuration (all-mpnet-base-v2, hybrid), and all only when the top hit is an FAQ entry:

- question      top hit's `question_score` (cosine of the query to the curated question alone) >= t
- q-margin m    the same, and top question_score minus the best question_score among the other FAQ
                hits >= m
- dense         top hit's `dense_score` (best of its question and question + answer vectors) >= t
- d-margin m    the same, and top dense_score minus the best dense_score among the other hits >= m

Data: each shared FAQ set's labelled dev queries against its own base. Which fired entry is right
(--gold; every table says which):

- strict      the row's labelled `doc_id` (the default)
- query       any `doc_id` the set labels the same query text with (CovidFAQ labels 80 of its query
              texts with two or three entries)
- duplicates  also an entry the set labels together with the labelled one on >= 3 distinct query
              texts (CovidFAQ's near-duplicate entries: two "pets", two "face mask", two "food",
              "What is COVID-19?" / "What is a coronavirus?" / "What is novel coronavirus?"; printed)

Every set's distinct query texts are split in two halves with a fixed seed (a text repeated with
another label stays in one half): the threshold is picked on the calibration half (the least strict t
whose precision, and that of every stricter t, is >= the target on both sets) and reported on the
held-out half. The recommendation is the rule with the most calibration coverage whose picked
threshold also holds on both held-out halves; it is given for every gold, the tables for --gold.

Then the sample knowledge base (samples/kb, English and Chinese) with samples/qa_dev.jsonl: how many
of the Chinese FAQ paraphrases the recommended rule answers directly with the right entry, and how
many questions of any kind (including unanswerable ones) it answers with a wrong one. A fired entry
counts as right for a sample question when its answer holds every fact the question `must` have.

    .venv/bin/python bench/faq_direct.py [--data ../shared/data] [--gold strict|query|duplicates]
                                         [--margins 0 0.05 ...] [--seed 0] [--quick] [--no-cache]

Search results (the per-hit scores, not the model) are cached under data/bench/faq_direct/, keyed
by the data files, the embedding model and the knowledge_base source, so re-running with other
margins or seeds does not re-embed; --no-cache rebuilds. --quick uses 120 queries per set.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import re
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from faq_rules import GRID, Hit, Rule, rules  # noqa: E402

from knowledge_base import KBSettings, KnowledgeBase  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SETS = ("stackfaq", "covidfaq")
K = 5
TARGET = 0.98
MARGINS = [0.0, 0.02, 0.05, 0.1, 0.15, 0.2]
GOLDS = ("strict", "query", "duplicates")
DUPLICATE_MIN_TEXTS = 3
CACHE = ROOT / "data" / "bench" / "faq_direct"


# ----- collecting search results ------------------------------------------------------------------


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def fingerprint(files: list[Path], settings: KBSettings) -> str:
    h = hashlib.sha256(f"{settings.embedding_model}|{settings.retrieval}|{K}".encode())
    for path in sorted(files) + sorted((ROOT / "knowledge_base").glob("*.py")):
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()[:16]


def hit_features(hits, with_answer: bool = False) -> list[Hit]:
    out = []
    for p in hits:
        row = {"doc_id": p.doc_id, "is_faq": p.is_faq, "q": p.question_score, "dense": p.dense_score,
               "lex": p.lexical_score, "score": p.score}
        if with_answer:
            row.update(answer=p.answer if p.is_faq else None, source=Path(p.source).name)
        out.append(row)
    return out


def search_all(name: str, kb_paths: list[Path], texts: list[str], settings: KBSettings, embedder,
               use_cache: bool, with_answer: bool = False) -> list[list[Hit]]:
    """The top-K hit features of every text against a base built from `kb_paths` (cached)."""
    files = [f for p in kb_paths for f in ([p] if p.is_file() else sorted(p.rglob("*"))) if f.is_file()]
    key = hashlib.sha256((fingerprint(files, settings) + "\n".join(texts)).encode()).hexdigest()[:16]
    cached = CACHE / f"{name}-{key}.json"
    if use_cache and cached.exists():
        print(f"{name}: search results from {cached.relative_to(ROOT)}", file=sys.stderr, flush=True)
        return json.loads(cached.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{name}: ingesting with {settings.embedding_model}...", file=sys.stderr, flush=True)
        kb = KnowledgeBase.open(Path(tmp) / name, settings.model_copy(update={"kb_dir": Path(tmp) / name}),
                                create=True, embedder=embedder)
        report = kb.ingest(kb_paths, progress=True)
        if report.failed:
            print(f"{name}: {len(report.failed)} file(s) failed: {report.failed}", file=sys.stderr)
        print(f"{name}: {report.summary()}; searching {len(texts)} queries...", file=sys.stderr, flush=True)
        results = [hit_features(h, with_answer) for h in kb.search_many(texts, K)]
    CACHE.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")
    return results


# ----- right answers and the split ----------------------------------------------------------------


def norm_text(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip().rstrip("?!. ")


def gold_sets(queries: list[dict]) -> tuple[dict[str, list[set[str]]], list[tuple[str, str, int]]]:
    """The entries that count as right for every query, per gold; and the duplicate pairs (a, b, texts)."""
    by_text: dict[str, set[str]] = defaultdict(set)
    for q in queries:
        by_text[norm_text(q["query"])].add(q["doc_id"])
    together = Counter((a, b) for labels in by_text.values() for a in labels for b in labels if a < b)
    pairs = sorted(((a, b, n) for (a, b), n in together.items() if n >= DUPLICATE_MIN_TEXTS), key=lambda p: -p[2])
    same: dict[str, set[str]] = defaultdict(set)
    for a, b, _ in pairs:
        same[a].add(b)
        same[b].add(a)
    query = [by_text[norm_text(q["query"])] for q in queries]
    return {
        "strict": [{q["doc_id"]} for q in queries],
        "query": query,
        "duplicates": [labels.union(*(same[d] for d in labels)) for labels in query],
    }, pairs


def split(queries: list[dict], seed: int) -> tuple[list[int], list[int]]:
    """Calibration and held-out row indices: distinct query texts shuffled with `seed`, half each."""
    texts = sorted({norm_text(q["query"]) for q in queries})
    random.Random(seed).shuffle(texts)
    cal = set(texts[: len(texts) // 2])
    in_cal = [norm_text(q["query"]) in cal for q in queries]
    return [i for i, c in enumerate(in_cal) if c], [i for i, c in enumerate(in_cal) if not c]


# ----- measuring -----------------------------------------------------------------------------------

View = tuple[list[list[Hit]], list[set[str]]]  # the hits and right entries of some queries
M = tuple[int, int, int]  # fired, fired on a right entry, queries


def measure(rule: Rule, t: float, view: View) -> M:
    fired = right = 0
    for h, ok in zip(*view):
        doc = rule(h, t)
        if doc is not None:
            fired += 1
            right += doc in ok
    return fired, right, len(view[1])


def prec(m: M) -> float | None:
    return m[1] / m[0] if m[0] else None


def cov(m: M) -> float:
    return m[0] / m[2] if m[2] else 0.0


def wilson_low(m: M, z: float = 1.96) -> float:
    """The lower end of the 95% Wilson interval of the precision."""
    n, k = m[0], m[1]
    if not n:
        return 0.0
    p = k / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n)


def cell(m: M, counts: bool = False) -> str:
    p = prec(m)
    text = f"{'-' if p is None else f'{p:.3f}'} / {cov(m):.3f}"
    return text + (f" ({m[1]}/{m[0]})" if counts else "")


def pick_threshold(rule: Rule, views: dict[str, View]) -> float | None:
    """The least strict t on GRID where it and every stricter t have precision >= TARGET on every set
    (a t where nothing fires does not count against it); None when no t fires with that precision."""
    ok_from = None
    for t in reversed(GRID):
        ms = [measure(rule, t, v) for v in views.values()]
        if any(prec(m) is not None and prec(m) < TARGET for m in ms):
            break
        if any(m[0] for m in ms):
            ok_from = t
    return ok_from


class Sets:
    """Every FAQ set's hits, right entries per gold and calibration / held-out split."""

    def __init__(self, found: dict[str, tuple[list[dict], list[list[Hit]]]], seed: int):
        self.names = list(found)
        self.hits = {n: found[n][1] for n in self.names}
        self.queries = {n: found[n][0] for n in self.names}
        self.golds, self.pairs = {}, {}
        for n in self.names:
            self.golds[n], self.pairs[n] = gold_sets(found[n][0])
        self.resplit(seed)

    def resplit(self, seed: int) -> None:
        self.idx = {n: split(self.queries[n], seed) for n in self.names}

    def view(self, name: str, gold: str, part: str) -> View:
        rows = {"cal": self.idx[name][0], "held": self.idx[name][1], "all": range(len(self.hits[name]))}[part]
        return [self.hits[name][i] for i in rows], [self.golds[name][gold][i] for i in rows]

    def views(self, gold: str, part: str) -> dict[str, View]:
        return {n: self.view(n, gold, part) for n in self.names}


def recommend(sets: Sets, gold: str, candidates, show: bool) -> tuple | None:
    """Pick t per rule on the calibration halves, check it on the held-out halves; the passing rule with
    the most calibration coverage (mean over sets) is recommended. Prints the table when `show`."""
    cal, held = sets.views(gold, "cal"), sets.views(gold, "held")
    header = " | ".join(f"{n} cal P / C | {n} held-out P / C (right/fired)" for n in sets.names)
    if show:
        print(f"\n| rule | m | t | {header} | held-out >= {TARGET} on both |")
        print("|---|---:|---:|" + "---:|" * (2 * len(sets.names)) + "---|")
    passing = []
    for family, param, rule in candidates:
        t = pick_threshold(rule, cal)
        if t is None:
            if show:
                print(f"| {family} | {param} | none | " + " | ".join(["-"] * (2 * len(sets.names))) + " | no |")
            continue
        ms_cal = {n: measure(rule, t, cal[n]) for n in sets.names}
        ms_held = {n: measure(rule, t, held[n]) for n in sets.names}
        ok = all(prec(m) is None or prec(m) >= TARGET for m in ms_held.values())
        if show:
            cells = [c for n in sets.names for c in (cell(ms_cal[n]), cell(ms_held[n], counts=True))]
            print(f"| {family} | {param} | {t:.3f} | " + " | ".join(cells) + f" | {'yes' if ok else 'NO'} |")
        if ok:
            score = sum(cov(m) for m in ms_cal.values()) / len(sets.names)
            passing.append((score, -len(passing), family if param == "-" else f"{family} m={param}", rule, t, ms_held))
    if not passing:
        return None
    _, _, name, rule, t, ms_held = max(passing, key=lambda p: (p[0], p[1]))
    return name, rule, t, ms_held


def describe(sets: Sets, gold: str, rec: tuple | None, seed: int) -> None:
    if rec is None:
        print(f"[{gold}] No rule reaches precision {TARGET} on both held-out halves: do not answer FAQs directly.")
        return
    name, rule, t, ms_held = rec
    print(f"[{gold}] Recommended: {name}, t = {t:.3f}. Held out: " + "; ".join(
        f"{n} precision {prec(m) or 0:.3f} ({m[1]}/{m[0]}, 95% lower bound {wilson_low(m):.3f}), coverage {cov(m):.3f}"
        for n, m in ms_held.items()) + ".")
    stab = []
    for other in range(seed + 1, seed + 11):  # the same rule with t re-picked on other splits
        sets.resplit(other)
        ts = pick_threshold(rule, sets.views(gold, "cal"))
        if ts is not None:
            stab.append((ts, [prec(measure(rule, ts, v)) or 1.0 for v in sets.views(gold, "held").values()]))
    sets.resplit(seed)
    if stab:
        worst = [min(s[1][i] for s in stab) for i in range(len(sets.names))]
        print(f"[{gold}]   re-picked on 10 other splits: t in {sorted({s[0] for s in stab})}; worst held-out precision "
              + ", ".join(f"{n} {w:.3f}" for n, w in zip(sets.names, worst))
              + f"; {sum(all(p >= TARGET for p in s[1]) for s in stab)}/{len(stab)} splits >= {TARGET} on both.")
    full = {n: measure(rule, t, v) for n, v in sets.views(gold, "all").items()}
    print(f"[{gold}]   all queries at t = {t:.3f}: " + "; ".join(
        f"{n} precision {prec(m) or 0:.3f} ({m[1]}/{m[0]}), coverage {cov(m):.3f}" for n, m in full.items()) + ".")


# ----- main ----------------------------------------------------------------------------------------


def print_overview(sets: Sets, settings: KBSettings, seed: int) -> None:
    print(f"\nFAQ direct answers ({settings.embedding_model}, {settings.retrieval}, k={K}); "
          f"target precision >= {TARGET} on the fired queries.")
    for n in SETS:
        hits = sets.hits[n]
        top1 = {g: sum(bool(h) and h[0]["doc_id"] in ok for h, ok in zip(hits, sets.golds[n][g])) / len(hits) for g in GOLDS}
        print(f"{n}: {len(hits)} queries, {len(sets.idx[n][0])} calibration / {len(sets.idx[n][1])} held out "
              f"(seed {seed}); top hit is FAQ {sum(bool(h) and h[0]['is_faq'] for h in hits) / len(hits):.3f}; "
              "top hit right " + ", ".join(f"{g} {v:.3f}" for g, v in top1.items()))
        if sets.pairs[n]:
            print(f"  duplicates gold: entries labelled together on >= {DUPLICATE_MIN_TEXTS} query texts: "
                  + ", ".join(f"{a}={b} ({c})" for a, b, c in sets.pairs[n]))


def sample_section(args, settings: KBSettings, embedder, recs: dict) -> None:
    """The recommended rules on the sample knowledge base's dev questions."""
    from faq_direct_samples import ZH_FAQ_RIGHT, sample_report, sample_scores

    qa_path, kb_dir = args.samples / "qa_dev.jsonl", args.samples / "kb"
    if not (qa_path.exists() and kb_dir.is_dir()):
        print(f"\n{qa_path} or {kb_dir} missing: no sample-KB check.")
        return
    questions = read_jsonl(qa_path)
    sample_hits = search_all("samples", [kb_dir], [q["question"] for q in questions], settings, embedder,
                             not args.no_cache, with_answer=True)
    print(f"\nSample knowledge base ({kb_dir.name}/, {len(questions)} questions of {qa_path.name}; a fired entry is right "
          f"for a zh FAQ paraphrase when it is {sorted(set(ZH_FAQ_RIGHT.values()))}, for any other question when "
          "its answer holds every fact the question must have; unanswerable questions have none).")
    shown = set()
    for gold in [args.gold] + [g for g in GOLDS if g != args.gold]:
        if recs[gold] is None:
            continue
        name, rule, t, _ = recs[gold]
        if (name, t) in shown:
            print(f"\n[{gold}] rule {name}, t = {t:.3f}: as above.")
            continue
        print(f"\n[{gold}] rule {name}:")
        sample_report(name, rule, t, questions, sample_hits, table=gold == args.gold)
        shown.add((name, t))
    sample_scores(questions, sample_hits)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT / ".." / "shared" / "data")
    parser.add_argument("--samples", type=Path, default=ROOT / "samples", help="holds kb/ and qa_dev.jsonl")
    parser.add_argument("--gold", choices=GOLDS, default="strict", help="which fired entries count as right in the tables")
    parser.add_argument("--margins", type=float, nargs="+", default=MARGINS)
    parser.add_argument("--seed", type=int, default=0, help="the calibration / held-out split")
    parser.add_argument("--quick", action="store_true", help="120 queries per set")
    parser.add_argument("--no-cache", action="store_true", help="re-embed instead of reusing cached search results")
    args = parser.parse_args(argv)
    if not all((args.data / name / "kb.jsonl").exists() for name in SETS):
        print(f"Error: {args.data} lacks stackfaq/ and covidfaq/; pass the shared data folder with --data.", file=sys.stderr)
        return 2

    from knowledge_base.embeddings import build_embedder

    settings = KBSettings()
    embedder = build_embedder(settings)
    found = {}
    for name in SETS:
        qs = read_jsonl(args.data / name / "dev_queries.jsonl")
        if args.quick:
            qs = [qs[i] for i in sorted(random.Random(1).sample(range(len(qs)), min(120, len(qs))))]
        found[name] = (qs, search_all(name, [args.data / name / "kb.jsonl"], [q["query"] for q in qs], settings,
                                      embedder, not args.no_cache))
    sets = Sets(found, args.seed)

    print_overview(sets, settings, args.seed)

    candidates = rules(args.margins)
    print(f"\nGold: {args.gold}. Cells: precision (fired on a right entry) / coverage (share of queries fired); "
          "'-' = fired on none.\n")
    header = " | ".join(f"{n} cal P / C | {n} held-out P / C" for n in SETS)
    print(f"| rule | m | t | {header} |")
    print("|---|---:|---:|" + "---:|" * (2 * len(SETS)))
    cal, held = sets.views(args.gold, "cal"), sets.views(args.gold, "held")
    for family, param, rule in candidates:
        for t in GRID:
            cells = [c for n in SETS for c in (cell(measure(rule, t, cal[n])), cell(measure(rule, t, held[n])))]
            print(f"| {family} | {param} | {t:.3f} | " + " | ".join(cells) + " |")

    print(f"\nPicked on the calibration halves (least strict t with precision >= {TARGET} there on both sets, "
          f"and at every stricter t), checked on the held-out halves; gold {args.gold}:")
    recs = {args.gold: recommend(sets, args.gold, candidates, show=True)}
    for gold in GOLDS:
        if gold != args.gold:
            recs[gold] = recommend(sets, gold, candidates, show=False)
    print()
    for gold in [args.gold] + [g for g in GOLDS if g != args.gold]:
        describe(sets, gold, recs[gold], args.seed)

    sample_section(args, settings, embedder, recs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
