"""The knowledge base the chat layer uses: ingest files, search passages, decide relevance.

    kb = KnowledgeBase.open(Path("data/kb"), create=True)
    report = kb.ingest([Path("docs/")], progress=True)   # added / updated / skipped / failed
    hits = kb.search("how do I reset my password", k=5)  # list[Passage], best first
    if not kb.is_relevant(hits): ...                     # "no good answer here"

This module is the facade: ingest decisions and the next snapshot are `ingest.py`, the scoring
modes `retrieval.py`, the generations on disk `store.py`.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .chinese_script import SIMPLIFIED, Writing, writing_of_texts
from .documents import Passage
from .embeddings import Embedder, EmbeddingCache, build_embedder
from .errors import KnowledgeBaseError, KnowledgeBaseNotFoundError, ManifestMismatchError
from .ingest import Changes, IngestReport, copy_uploads, next_snapshot, read_and_embed, vocabulary_of
from .retrieval import Mode, Retrieval, normalize_query
from .settings import KBSettings
from .store import Snapshot, Store

__all__ = ["DocumentInfo", "IngestReport", "KnowledgeBase", "Mode", "normalize_query"]


@dataclass
class DocumentInfo:
    doc_id: str
    title: str
    source: str
    chunks: int


class KnowledgeBase:
    """Documents in a folder on disk, searchable.

    Contract: every write (ingest, remove) is all-or-nothing on disk (see `store.py`); a file that
    fails to load is reported with a one-line reason and changes nothing. Searches read the state as
    of the last successful write. The embedding model is loaded on first need, so `documents()` and
    `remove()` are cheap.
    """

    def __init__(self, root: Path, settings: KBSettings, snapshot: Snapshot, embedder: Embedder | None = None):
        self.root = Path(root)
        self._settings = settings
        self._store = Store(self.root)
        self._embedder = embedder
        self._sentence_vectors = EmbeddingCache()
        self._use(snapshot)

    def _use(self, snap: Snapshot) -> None:
        """Switch to `snap`: searches read it from now on, with indexes built for it on first need."""
        self._snap = snap
        self._retrieval = Retrieval(snap, self._settings, self.vocabulary)

    @property
    def settings(self) -> KBSettings:
        return self._settings

    @settings.setter
    def settings(self, settings: KBSettings) -> None:
        """Other settings (a threshold, a lexical weight) take effect from the next search: the retriever is
        rebuilt for them. The embedding model is the one the vectors were made with; changing it is an error."""
        if settings.embedding_model != self._settings.embedding_model:
            raise KnowledgeBaseError(
                f"The knowledge base in {self.root} was built with {self._settings.embedding_model!r}; "
                "open it again (or re-ingest into a new folder) to use another embedding model."
            )
        self._settings = settings
        self._use(self._snap)

    # ----- opening -------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        root: Path,
        settings: KBSettings | None = None,
        *,
        create: bool = False,
        embedder: Embedder | None = None,
    ) -> "KnowledgeBase":
        """Load the knowledge base in `root`, checking its manifest; with `create`, start an empty one.

        Raises `KnowledgeBaseNotFoundError` when there is none and `create` is false, and
        `ManifestMismatchError` when it was built with another embedding model or format.
        """
        settings = settings or KBSettings()
        store = Store(Path(root))
        if store.exists():
            snap = store.load(settings.embedding_model)
        elif create:
            snap = Snapshot(
                manifest={"embedding_model": settings.embedding_model, "dimension": None},
                vectors=None,
                labels=np.zeros(0, dtype=np.int64),
            )
        else:
            raise KnowledgeBaseNotFoundError(
                f"No knowledge base in {root}; build one with `python -m knowledge_base ingest PATH --kb {root}`."
            )
        kb = cls(Path(root), settings, snap, embedder)
        if embedder is not None:
            kb._check_embedder(embedder)
        return kb

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = build_embedder(self.settings)
            self._check_embedder(self._embedder)
        return self._embedder

    def _check_embedder(self, embedder: Embedder) -> None:
        expected = self._snap.manifest.get("dimension")
        if self._snap.manifest.get("embedding_model") != embedder.name or expected not in (None, embedder.dimension):
            raise ManifestMismatchError(
                f"The knowledge base in {self.root} was built with {self._snap.manifest.get('embedding_model')!r} "
                f"({expected}-d) but the embedder is {embedder.name!r} ({embedder.dimension}-d); "
                "use the same model or re-ingest into a new folder."
            )
        if expected is None:
            self._snap.manifest["dimension"] = embedder.dimension
            self._snap.vectors = np.zeros((0, embedder.dimension), dtype=np.float32)

    # ----- reading -------------------------------------------------------------------------------

    @property
    def relevance_threshold(self) -> float:
        return self.settings.relevance_threshold

    def is_relevant(self, hits: list[Passage]) -> bool:
        """True when the hits' best cosine similarity to the query is high enough to answer from.

        Dense cosine similarity is the measure because, unlike BM25 or a fused score, its scale
        does not depend on the size or wording of the knowledge base. A hit that came from the
        lexical index counts when it matched strongly (Chinese text, where an English
        embedding model is weak, finds its answers that way).
        """
        # The best by each measure, not the first hit: hits are ordered by the fused score, and for a Chinese
        # query, where BM25 weighs as much as the cosine, the first can be a passage that shares a rare word
        # ("homehub 怎么重置" -> the Aria X2's reset, cosine 0.33) above the one that answers (cosine 0.66).
        dense = max((h.dense_score for h in hits if h.dense_score is not None), default=None)
        if dense is not None and dense >= self.relevance_threshold:
            return True
        lexical = max((h.lexical_score for h in hits if h.lexical_score is not None), default=None)
        return lexical is not None and lexical >= self.settings.lexical_relevance

    @property
    def vocabulary(self) -> frozenset[str]:
        """The base's own names (products, programmes, offers), built at ingest (`vocabulary.py`); the
        grounding guard fails an answer that names one its passages do not."""
        names = self._snap.manifest.get("vocabulary")
        if names is None:  # a base written before the vocabulary was kept
            names = self._snap.manifest["vocabulary"] = vocabulary_of(self._snap.chunks)
        return frozenset(names)

    @property
    def chinese_writing(self) -> Writing:
        """How the base writes Chinese ("zh-Hans", or a Traditional writing: `chinese_script`), told at ingest from its
        text; Simplified where it holds no Chinese that tells."""
        if "chinese_writing" not in self._snap.manifest:  # a base written before the writing was kept
            self._snap.manifest["chinese_writing"] = writing_of_texts(c["text"] for c in self._snap.chunks)
        return self._snap.manifest["chinese_writing"] or SIMPLIFIED

    def documents(self) -> list[DocumentInfo]:
        return [
            DocumentInfo(doc_id, d["title"], d["source"], d["chunks"]) for doc_id, d in sorted(self._snap.documents.items())
        ]

    def __len__(self) -> int:
        return len(self._snap.chunks)

    def texts_of(self, patterns: Sequence[str]) -> list[str]:
        """The chunk texts of the documents whose id, source path or file name matches one of the glob
        `patterns` (the documents an admin marked trusted: their contact points are allowed in answers)."""
        if not patterns:
            return []

        def matches(chunk: dict) -> bool:
            names = (chunk["doc_id"], chunk["source"], Path(chunk["source"]).name)
            return any(fnmatch.fnmatchcase(name, p) for name in names for p in patterns)

        return [c["text"] for c in self._snap.chunks if matches(c)]

    @property
    def revision(self) -> object:
        """Changes whenever the base does (an ingest or a removal); compare with `is`."""
        return self._snap

    def search(self, query: str, k: int = 5, mode: Mode | None = None) -> list[Passage]:
        """The `k` best passages for `query`, best first (fewer when the base is small)."""
        return self.search_many([query], k, mode)[0]

    def search_many(self, queries: list[str], k: int = 5, mode: Mode | None = None) -> list[list[Passage]]:
        """`search` for several queries with one batched embedding call (evaluation uses it)."""
        mode = mode or self.settings.retrieval
        queries = [normalize_query(q) for q in queries]
        if not self._snap.chunks or k <= 0:
            return [[] for _ in queries]
        qvecs = self._remembered(queries) if mode != "lexical" else None
        return self._retrieval.search(queries, qvecs, k, mode)

    @property
    def sentence_cache_capacity(self) -> int:
        """How many vectors `embed` remembers."""
        return self._sentence_vectors.capacity

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit vectors for `texts` from this base's embedding model (for comparing sentences to a question).
        Remembered (`EmbeddingCache`), like the questions searched: a passage's sentences are embedded once, not
        for every question it answers."""
        return self._remembered([normalize_query(t) for t in texts])

    def _remembered(self, texts: list[str]) -> np.ndarray:
        # A question is embedded once for its search and its comparison with the passages' sentences.
        return self._sentence_vectors.embed(texts, lambda missing: self.embedder.embed(missing, self.settings.batch_size))

    # ----- writing -------------------------------------------------------------------------------

    def ingest(self, paths: list[Path], progress: bool = False) -> IngestReport:
        """Add new, replace changed, skip unchanged documents from files and folders; commit once.

        A changed file replaces exactly its own documents' chunks; documents that disappeared
        from a re-ingested file are removed; a document may move to another file. Unreadable files, and a
        file with a document id that another file of the same run holds, are listed in `report.failed`.
        """
        report, changes, vectors = read_and_embed(paths, self._snap, self.embedder, self.settings, progress)
        if changes:
            self._commit(changes, vectors)
        return report

    def ingest_uploads(self, files: list[tuple[Path, str]], progress: bool = False) -> IngestReport:
        """Store uploaded files in `<root>/uploads` under the uploader's file name (folders stripped), then
        ingest them. An upload named like an earlier one replaces it: that is how an admin updates a
        document, and its doc_id stays the same."""
        return self.ingest(copy_uploads(files, self.root / "uploads"), progress=progress)

    def remove(self, doc_id: str) -> None:
        """Remove one document and its chunks; raises `KnowledgeBaseError` for an unknown id. An uploaded file
        (`ingest_uploads`) is deleted with the last of its documents: what an administrator removes is gone, not kept
        in `<root>/uploads` where nothing shows it."""
        if doc_id not in self._snap.documents:
            raise KnowledgeBaseError(f"No document {doc_id!r} in {self.root}; `list` shows the ids.")
        source = self._snap.documents[doc_id].get("source")
        self._commit(Changes(drop={doc_id}), np.zeros((0, self._snap.vectors.shape[1]), dtype=np.float32))
        if source and Path(source).parent == (self.root / "uploads").resolve():
            if not any(d.get("source") == source for d in self._snap.documents.values()):
                Path(source).unlink(missing_ok=True)

    def _commit(self, changes: Changes, vectors: np.ndarray) -> None:
        """Under the write lock, build the next snapshot from the current one, save it, then switch to it."""
        model = self.settings.embedding_model if self._embedder is None else self._embedder.name
        with self._store.write_lock():
            snap = next_snapshot(self._snap, changes, vectors, self.settings, model)
            self._store.save(snap)
            self._use(snap)
