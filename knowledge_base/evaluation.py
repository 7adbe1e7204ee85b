"""Labelled queries in, retrieval metrics out.

Contract: each line of the queries file is `{"query": ..., "doc_id": ...}`. A query's rank is the
position of the first hit with its `doc_id` among the distinct documents retrieved (several chunks
of one document count once). recall@k is the share ranked within k; MRR@10 is the mean of 1/rank
for ranks up to 10, else 0.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from .embeddings import Embedder
from .errors import KnowledgeBaseError
from .kb import KnowledgeBase, Mode
from .settings import KBSettings


def read_queries(path: Path) -> list[dict]:
    rows = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise KnowledgeBaseError(f"Cannot read queries file {path} ({e.strerror}).") from e
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise KnowledgeBaseError(f"{path}: line {n} is not valid JSON ({e.msg}).") from e
        if not isinstance(row, dict) or not row.get("query") or not row.get("doc_id"):
            raise KnowledgeBaseError(f'{path}: line {n} needs "query" and "doc_id" fields.')
        rows.append(row)
    if not rows:
        raise KnowledgeBaseError(f"{path} holds no queries.")
    return rows


def open_labelled_set(
    folder: Path, root: Path, settings: KBSettings | None = None, embedder: Embedder | None = None
) -> tuple[KnowledgeBase, list[dict]]:
    """A labelled FAQ set laid out as the shared data lays it out (`kb.jsonl` and `dev_queries.jsonl` in
    `folder`), ingested into a new knowledge base in `root`, and its queries. Raises `KnowledgeBaseError` with
    the reader's one-line reason when the set cannot be read."""
    kb = KnowledgeBase.open(root, settings or KBSettings(kb_dir=root), create=True, embedder=embedder)
    report = kb.ingest([folder / "kb.jsonl"])
    if report.failed:
        raise KnowledgeBaseError(report.failed[0][1])
    return kb, read_queries(folder / "dev_queries.jsonl")


Half = Literal["tune", "unseen"]


def split_queries(queries: list[dict], half: Half) -> list[dict]:
    """One half of labelled queries, the same on every machine and run: a query belongs to the `tune`
    half when the first byte of the SHA-256 of its text is even. Settings and fine-tuned embedders are
    chosen on `tune`; `unseen` stands for the queries a company has not logged yet."""
    def is_tune(row: dict) -> bool:
        return hashlib.sha256(row["query"].encode("utf-8")).digest()[0] % 2 == 0

    return [q for q in queries if is_tune(q) == (half == "tune")]


def evaluate(kb: KnowledgeBase, queries: list[dict], k: int = 5, mode: Mode | None = None) -> dict:
    depth = max(10, k)
    # Fetch extra chunks so that `depth` distinct documents remain after collapsing chunks.
    hits = kb.search_many([q["query"] for q in queries], depth * 3, mode)
    ranks = []
    for q, passages in zip(queries, hits):
        docs = list(dict.fromkeys(p.doc_id for p in passages))
        ranks.append(docs.index(q["doc_id"]) + 1 if q["doc_id"] in docs else None)
    n = len(ranks)

    def recall(at: int) -> float:
        return round(sum(1 for r in ranks if r is not None and r <= at) / n, 4)

    out = {"recall@1": recall(1), "recall@5": recall(5), "mrr@10": round(sum(1 / r for r in ranks if r and r <= 10) / n, 4)}
    if k not in (1, 5):
        out[f"recall@{k}"] = recall(k)
    out["n"] = n
    out["mode"] = mode or kb.settings.retrieval
    return out
