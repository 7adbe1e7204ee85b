"""Dense vectors in, nearest chunks out, with FAISS.

Contract: the index holds unit vectors, each labelled with the chunk row it represents (a chunk
may have several). `search(queries, k)` returns, per query, chunk rows with the best cosine of
any of their vectors, best first. `flat` is exact inner product; `hnsw` is approximate and meant
for large bases; `auto` (the default) is `flat` up to `exact_search_max_vectors` and `hnsw` above,
resolved by `concrete_index_type` from the number of vectors. The index is always (re)built from the
stored vectors, so the on-disk vectors are the source of truth and a changed index type needs no
re-embedding.
"""

from __future__ import annotations

import numpy as np

from .settings import KBSettings


def concrete_index_type(settings: KBSettings, n_vectors: int) -> str:
    """"flat" or "hnsw": the index a base of `n_vectors` vectors gets under `settings`."""
    if settings.index_type != "auto":
        return settings.index_type
    return "flat" if n_vectors <= settings.exact_search_max_vectors else "hnsw"


def build_faiss_index(vectors: np.ndarray, settings: KBSettings):
    import faiss

    dim = vectors.shape[1]
    match concrete_index_type(settings, len(vectors)):
        case "flat":
            index = faiss.IndexFlatIP(dim)
        case "hnsw":
            index = faiss.IndexHNSWFlat(dim, settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = settings.hnsw_ef_construction
            index.hnsw.efSearch = settings.hnsw_ef_search
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


class VectorIndex:
    def __init__(self, index, labels: np.ndarray, n_chunks: int):
        self.index, self.labels, self.n_chunks = index, labels, n_chunks
        # How many vectors the most-represented chunk has: we fetch that many times k so that
        # k distinct chunks survive the max-per-chunk merge.
        self._fanout = int(np.bincount(labels).max()) if len(labels) else 1

    @classmethod
    def build(cls, vectors: np.ndarray, labels: np.ndarray, n_chunks: int, settings: KBSettings) -> "VectorIndex":
        return cls(build_faiss_index(vectors, settings), labels, n_chunks)

    def search(self, queries: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        if self.index.ntotal == 0:
            return [[] for _ in range(len(queries))]
        fetch = min(self.index.ntotal, k * self._fanout)
        scores, ids = self.index.search(np.ascontiguousarray(queries, dtype=np.float32), fetch)
        results = []
        for row_scores, row_ids in zip(scores, ids):
            best: dict[int, float] = {}
            for s, i in zip(row_scores, row_ids):
                if i < 0:
                    continue
                chunk = int(self.labels[i])
                if chunk not in best:  # FAISS returns best first, so the first hit is the max
                    best[chunk] = float(s)
            results.append(sorted(best.items(), key=lambda kv: -kv[1])[:k])
        return results
