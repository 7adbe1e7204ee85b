"""Scoring one snapshot's chunks for a query: dense (FAISS cosine), lexical (BM25) or hybrid (both fused).

    retrieval = Retrieval(snapshot, settings, vocabulary)   # vocabulary: the base's names (`KnowledgeBase.vocabulary`)
    [hits] = retrieval.search([normalize_query(q)], qvecs, k=5, mode="hybrid")   # list[Passage], best first

Contract: a `Retrieval` reads one snapshot and never changes it; its FAISS index, BM25 index and
per-chunk vectors are built on first need and live as long as it does, so a new snapshot gets a new
`Retrieval`. Queries are expected normalised (`normalize_query`); query vectors come from the
snapshot's embedding model, unit length, one row per query (`None` for lexical search).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

import numpy as np

from .documents import Passage
from .errors import KnowledgeBaseError
from .lexical import LexicalIndex
from .named_subjects import NamedSubjects
from .settings import KBSettings
from .store import Snapshot
from .text import reads_as_chinese
from .vector_index import VectorIndex, build_faiss_index, concrete_index_type

Mode = Literal["hybrid", "dense", "lexical"]
# (chunk row, score, dense score, lexical score), best first
Ranked = list[tuple[int, float, float | None, float | None]]


def normalize_query(query: str) -> str:
    """NFKC (full-width to ASCII, compatibility forms), collapsed whitespace, no control characters."""
    query = unicodedata.normalize("NFKC", query)
    query = "".join(ch if ch.isprintable() else " " for ch in query)
    return re.sub(r"\s+", " ", query).strip()


class Retrieval:
    def __init__(self, snap: Snapshot, settings: KBSettings, vocabulary: frozenset[str] = frozenset()):
        self.snap = snap
        self.settings = settings
        self.subjects = NamedSubjects(vocabulary, snap.chunks)
        self._vector_index: VectorIndex | None = None
        self._lexical: LexicalIndex | None = None
        self._chunk_vectors: list[np.ndarray] | None = None

    def search(self, queries: list[str], qvecs: np.ndarray | None, k: int, mode: Mode) -> list[list[Passage]]:
        """The `k` best passages for each query, best first; `qvecs` row i is query i's vector."""
        results = []
        for i, q in enumerate(queries):
            match mode:
                case "dense":
                    ranked = self._dense(qvecs[i : i + 1], k)
                case "lexical":
                    ranked = self._lexical_ranked(q, k)
                case "hybrid":
                    ranked = self._hybrid(q, qvecs[i], k)
                case _:
                    raise KnowledgeBaseError(f"Unknown retrieval mode {mode!r}; use hybrid, dense or lexical.")
            qvec = None if qvecs is None else qvecs[i]
            results.append([self._passage(row, *scores, qvec=qvec) for row, *scores in ranked])
        return results

    def _dense(self, qvec: np.ndarray, k: int) -> Ranked:
        return [(row, s, s, None) for row, s in self.vector_index().search(qvec, k)[0]]

    def _lexical_ranked(self, query: str, k: int) -> Ranked:
        scores = self._lexical_index().scores(query)
        top = np.argsort(-scores, kind="stable")[:k]
        return [(int(r), float(scores[r]), None, float(scores[r])) for r in top if scores[r] > 0]

    def _hybrid(self, query: str, qvec: np.ndarray, k: int) -> Ranked:
        """Cosine plus a weighted, max-normalised BM25 score, over the union of both candidate lists (and, for a
        Chinese query, the chunks naming a name it names, lifted by `cjk_name_weight`).

        Scores are fused rather than ranks (RRF measured worse here): a cosine gap carries
        information that rank positions throw away. The cosine of a lexical-only candidate is
        computed exactly from its stored vectors, so every candidate is scored the same way.
        """
        depth = max(4 * k, 20)
        lex = self._lexical_index().scores(query)
        candidates = {row for row, _ in self.vector_index().search(qvec[None, :], depth)[0]}
        lex_max = float(lex.max()) if lex.size else 0.0
        if lex_max > 0:
            candidates |= {int(r) for r in np.argsort(-lex)[:depth] if lex[r] > 0}
        per_chunk = self._vectors_by_chunk()
        # The default embedding model is English-centred: for Chinese queries BM25 over jieba words
        # and character bigrams is the reliable signal, so it gets a larger weight there, and the
        # chunks naming the product or programme the query names are lifted (`named_subjects`).
        cjk = reads_as_chinese(query, 0.3)
        weight = self.settings.cjk_lexical_weight if cjk else self.settings.lexical_weight
        named = self.subjects.rows_naming(self.subjects.named_in(query)) if cjk else frozenset()
        candidates |= named
        ranked = []
        for row in candidates:
            cos = float((per_chunk[row] @ qvec).max())
            lex_norm = float(lex[row]) / lex_max if lex_max > 0 else 0.0
            lift = self.settings.cjk_name_weight if row in named else 0.0
            ranked.append((row, cos + weight * lex_norm + lift, cos, float(lex[row])))
        ranked.sort(key=lambda t: -t[1])
        return ranked[:k]

    def _passage(
        self, row: int, score: float, dense: float | None, lexical: float | None, *, qvec: np.ndarray | None = None
    ) -> Passage:
        """The passage for chunk `row`; an FAQ entry's also carries its question and, given the query
        vector, the question's own cosine to the query (its first stored vector)."""
        c = self.snap.chunks[row]
        question = c.get("question")
        question_score = None
        if question is not None and qvec is not None:
            question_score = float(self._vectors_by_chunk()[row][0] @ qvec)
        return Passage(
            doc_id=c["doc_id"],
            chunk_id=f"{c['doc_id']}#{c['position']}",
            position=c["position"],
            title=c["title"],
            source=c["source"],
            heading=c["heading"],
            text=c["text"],
            score=score,
            dense_score=dense,
            lexical_score=lexical,
            question=question,
            question_score=question_score,
        )

    def vector_index(self) -> VectorIndex:
        """The FAISS index this snapshot's settings want: the stored one, or rebuilt from the stored
        vectors when the wanted type changed (e.g. the base grew past the exact-search limit)."""
        if self._vector_index is None:
            snap = self.snap
            index = snap.index
            wanted = concrete_index_type(self.settings, len(snap.vectors))
            if index is None or snap.manifest.get("index_type") != wanted:
                index = build_faiss_index(snap.vectors, self.settings)
            elif wanted == "hnsw":
                index.hnsw.efSearch = self.settings.hnsw_ef_search
            self._vector_index = VectorIndex(index, snap.labels, len(snap.chunks))
        return self._vector_index

    def _vectors_by_chunk(self) -> list[np.ndarray]:
        """Each chunk row's stored vectors (an FAQ entry has two: the question, then question + answers)."""
        if self._chunk_vectors is None:
            order = np.argsort(self.snap.labels, kind="stable")
            bounds = np.searchsorted(self.snap.labels[order], np.arange(len(self.snap.chunks) + 1))
            self._chunk_vectors = [self.snap.vectors[order[a:b]] for a, b in zip(bounds[:-1], bounds[1:])]
        return self._chunk_vectors

    def _lexical_index(self) -> LexicalIndex:
        if self._lexical is None:
            self._lexical = LexicalIndex([c["lexical_text"] for c in self.snap.chunks])
        return self._lexical
