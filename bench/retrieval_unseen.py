"""Retrieval on queries the settings were not chosen on: tune on one half of the labelled queries, confirm
on the other.

    .venv/bin/python bench/retrieval_unseen.py [--data ../shared/data] [--embedders all-mpnet-base-v2 DIR ...]
        [--weights 0 0.02 0.05 0.1 0.2]

For each embedding model (a bundled name or a fine-tuned directory from `make embedder`) and each FAQ set
(StackFAQ, CovidFAQ), it builds the set's knowledge base and measures recall@1, recall@5 and MRR@10 on
both fixed halves of the labelled queries (`knowledge_base.evaluation.split_queries`) for every hybrid
lexical weight given. The weight is chosen per model on the `tune` half (best mean MRR@10 over the two
sets); the `unseen` half then says whether the choice holds on queries it never saw. A fine-tuned
embedder was trained on the `tune` half, so only its `unseen` figures compare with the base model's.
Labelled query sets repeat themselves (CovidFAQ: 80 of its 363 unseen queries have a tune query with
nearly the same words), so `novel` reports the unseen queries without such a near-twin (word-set Jaccard
under 0.8): what a model cannot have memorised. Prints a Markdown table and, as its last line, JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from knowledge_base import KBSettings  # noqa: E402
from knowledge_base.embeddings import build_embedder  # noqa: E402
from knowledge_base.evaluation import evaluate, open_labelled_set, split_queries  # noqa: E402
from knowledge_base.settings import DEFAULT_EMBEDDING_MODEL  # noqa: E402

SETS = ("stackfaq", "covidfaq")
HALVES = ("tune", "unseen", "novel")
NEAR_TWIN = 0.8


def words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", text.lower()))


def halves(queries: list[dict]) -> dict[str, list[dict]]:
    """tune, unseen, and novel: the unseen queries with no near-twin among the tune ones."""
    tune, unseen = split_queries(queries, "tune"), split_queries(queries, "unseen")
    seen = [words(q["query"]) for q in tune]

    def has_twin(query: str) -> bool:
        w = words(query)
        return any(len(w & s) / max(1, len(w | s)) >= NEAR_TWIN for s in seen)

    return {"tune": tune, "unseen": unseen, "novel": [q for q in unseen if not has_twin(q["query"])]}


def measure(model: str, data: Path, weights: list[float], work: Path) -> dict:
    """{set: {weight: {half: metrics}}} for one embedding model."""
    out: dict[str, dict] = {}
    # One knowledge base per set: it remembers the query vectors (`EmbeddingCache`), so each weight reuses them.
    embedder = build_embedder(KBSettings(embedding_model=model))
    for name in SETS:
        root = work / f"{Path(model).name}-{name}"
        settings = KBSettings(kb_dir=root, embedding_model=model)
        kb, queries = open_labelled_set(data / name, root, settings, embedder)
        parts = halves(queries)
        out[name] = {}
        for weight in weights:
            kb.settings = settings.model_copy(update={"lexical_weight": weight})
            out[name][weight] = {half: evaluate(kb, parts[half]) for half in HALVES}
    return out


def chosen_weight(results: dict, weights: list[float]) -> float:
    """The weight with the best mean MRR@10 over the sets on the tune half (the smaller one on a tie)."""
    def tune_mrr(weight: float) -> float:
        return sum(results[name][weight]["tune"]["mrr@10"] for name in SETS) / len(SETS)

    return max(weights, key=lambda w: (round(tune_mrr(w), 4), -w))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1] / ".." / "shared" / "data")
    parser.add_argument("--embedders", nargs="+", default=[DEFAULT_EMBEDDING_MODEL])
    parser.add_argument("--weights", type=float, nargs="+", default=[0.0, 0.02, 0.05, 0.1, 0.2])
    args = parser.parse_args(argv)
    if not all((args.data / name / "kb.jsonl").exists() for name in SETS):
        print(f"Error: {args.data} lacks stackfaq/ and covidfaq/; pass the shared data folder with --data.", file=sys.stderr)
        return 1
    default_weight = KBSettings().lexical_weight
    weights = sorted(set(args.weights) | {default_weight})
    summary = []
    print("| embedder | lexical weight | set | tune: recall@1 / @5 / MRR@10 | unseen | novel (n) |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for model in args.embedders:
            results = measure(model, args.data, weights, Path(tmp))
            best = chosen_weight(results, weights)
            for weight in dict.fromkeys([default_weight, best]):
                label = ("default" if weight == default_weight else "") + (" chosen on tune" if weight == best else "")
                for name in SETS:
                    cells = [" / ".join(f"{results[name][weight][h][m]:.3f}" for m in ("recall@1", "recall@5", "mrr@10"))
                             for h in HALVES]
                    n_novel = results[name][weight]["novel"]["n"]
                    print(f"| {Path(model).name} | {weight} ({label.strip()}) | {name} | {cells[0]} | {cells[1]} "
                          f"| {cells[2]} ({n_novel}) |")
                    summary.append({"embedder": model, "lexical_weight": weight, "chosen": weight == best, "set": name,
                                    **{h: results[name][weight][h] for h in HALVES}})
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
