"""Retrieval quality on the shared, real FAQ sets (../shared/data), with the default configuration.

The floors are the numbers measured with the default configuration (see README), less a small
margin for numeric noise; hybrid must not lose to dense alone, or fusion has not earned its place.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_base import KBSettings
from knowledge_base.evaluation import evaluate, open_labelled_set

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"

FLOORS = {  # measured with the default configuration: 0.981 / 1.000 / 0.990 and 0.603 / 0.960 / 0.756
    "stackfaq": {"recall@1": 0.975, "recall@5": 0.995, "mrr@10": 0.985},
    "covidfaq": {"recall@1": 0.59, "recall@5": 0.95, "mrr@10": 0.75},
}


@pytest.fixture(scope="module")
def default_embedder():
    """The default embedding model (not the fast one the other tests pin), loaded once."""
    from knowledge_base.embeddings import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(KBSettings().embedding_model)


@pytest.mark.integration
@pytest.mark.parametrize("name", sorted(FLOORS))
def test_default_config_meets_measured_quality(name, default_embedder, tmp_path):
    folder = DATA / name
    if not (folder / "kb.jsonl").exists():
        pytest.skip(f"shared evaluation data not found at {folder}")
    kb, queries = open_labelled_set(folder, tmp_path / "kb", embedder=default_embedder)  # raises if unreadable
    hybrid = evaluate(kb, queries)
    dense = evaluate(kb, queries, mode="dense")
    print(name, "hybrid", hybrid, "dense", dense)
    for metric, floor in FLOORS[name].items():
        assert hybrid[metric] >= floor, (metric, hybrid)
    assert hybrid["mrr@10"] >= dense["mrr@10"] and hybrid["recall@5"] >= dense["recall@5"]
