"""Retrieval quality on the shared, real FAQ sets (../shared/data), with the default configuration.

The floors are the numbers measured with the default configuration (see README), less a small
margin for numeric noise; hybrid must not lose to dense alone, or fusion has not earned its place.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_base.evaluation import evaluate, read_queries

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"

FLOORS = {
    "stackfaq": {"recall@1": 0.945, "recall@5": 0.99, "mrr@10": 0.965},
    "covidfaq": {"recall@1": 0.46, "recall@5": 0.92, "mrr@10": 0.65},
}


@pytest.mark.integration
@pytest.mark.parametrize("name", sorted(FLOORS))
def test_default_config_meets_measured_quality(name, open_kb):
    folder = DATA / name
    if not (folder / "kb.jsonl").exists():
        pytest.skip(f"shared evaluation data not found at {folder}")
    kb = open_kb()
    report = kb.ingest([folder / "kb.jsonl"])
    assert not report.failed
    queries = read_queries(folder / "dev_queries.jsonl")
    hybrid = evaluate(kb, queries)
    dense = evaluate(kb, queries, mode="dense")
    print(name, "hybrid", hybrid, "dense", dense)
    for metric, floor in FLOORS[name].items():
        assert hybrid[metric] >= floor, (metric, hybrid)
    assert hybrid["mrr@10"] >= dense["mrr@10"] and hybrid["recall@5"] >= dense["recall@5"]
