"""The knowledge base the chat layer uses: ingest files, search passages, decide relevance.

    kb = KnowledgeBase.open(Path("data/kb"), create=True)
    report = kb.ingest([Path("docs/")], progress=True)   # added / updated / skipped / failed
    hits = kb.search("how do I reset my password", k=5)  # list[Passage], best first
    if not kb.is_relevant(hits): ...                     # "no good answer here"

Contract: every write (ingest, remove) is all-or-nothing on disk (see `store.py`); a file that
fails to load is reported with a one-line reason and changes nothing. Searches read the state as
of the last successful write. The embedding model is loaded on first need, so `documents()` and
`remove()` are cheap.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from .chunking import Chunker
from .documents import Chunk, Document, Passage
from .embeddings import Embedder, build_embedder
from .errors import DocumentLoadError, KnowledgeBaseError, KnowledgeBaseNotFoundError, ManifestMismatchError
from .ingest_plan import expand
from .lexical import LexicalIndex
from .loaders import parse_file, read_checked
from .settings import KBSettings
from .store import Snapshot, Store
from .vector_index import VectorIndex, build_faiss_index, concrete_index_type
from .vocabulary import build_vocabulary

Mode = Literal["hybrid", "dense", "lexical"]


@dataclass
class IngestReport:
    """Counts are documents (an FAQ file holds one per entry); `failed` lists (file, reason)."""

    added: int = 0
    updated: int = 0
    skipped: int = 0
    removed: int = 0
    chunks: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"added {self.added}, updated {self.updated}, skipped {self.skipped} (unchanged), "
            f"removed {self.removed}, failed {len(self.failed)} file(s); {self.chunks} chunk(s) embedded"
        )


@dataclass
class DocumentInfo:
    doc_id: str
    title: str
    source: str
    chunks: int


def _vocabulary_of(chunks: list[dict]) -> list[str]:
    titles = {c["title"] for c in chunks}
    headings = {c["heading"] for c in chunks if c["heading"]}
    return sorted(build_vocabulary(titles, headings, [c["text"] for c in chunks]))


def normalize_query(query: str) -> str:
    """NFKC (full-width to ASCII, compatibility forms), collapsed whitespace, no control characters."""
    query = unicodedata.normalize("NFKC", query)
    query = "".join(ch if ch.isprintable() else " " for ch in query)
    return re.sub(r"\s+", " ", query).strip()


class KnowledgeBase:
    def __init__(self, root: Path, settings: KBSettings, snapshot: Snapshot, embedder: Embedder | None = None):
        self.root = Path(root)
        self.settings = settings
        self._store = Store(self.root)
        self._snap = snapshot
        self._embedder = embedder
        self._vector_index: VectorIndex | None = None
        self._lexical: LexicalIndex | None = None
        self._chunk_vectors: list[np.ndarray] | None = None

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
        """True when the best hit is similar enough to the query to answer from.

        Dense cosine similarity is the measure because, unlike BM25 or a fused score, its scale
        does not depend on the size or wording of the knowledge base. A hit that came from the
        lexical index alone counts when it matched strongly (Chinese text, where an English
        embedding model is weak, finds its answers that way).
        """
        if not hits:
            return False
        best = hits[0]
        if best.dense_score is not None and best.dense_score >= self.relevance_threshold:
            return True
        return best.lexical_score is not None and best.lexical_score >= self.settings.lexical_relevance

    @property
    def vocabulary(self) -> frozenset[str]:
        """The base's own names (products, programmes, offers), built at ingest (`vocabulary.py`); the
        grounding guard fails an answer that names one its passages do not."""
        names = self._snap.manifest.get("vocabulary")
        if names is None:  # a base written before the vocabulary was kept
            names = self._snap.manifest["vocabulary"] = _vocabulary_of(self._snap.chunks)
        return frozenset(names)

    def documents(self) -> list[DocumentInfo]:
        return [
            DocumentInfo(doc_id, d["title"], d["source"], d["chunks"]) for doc_id, d in sorted(self._snap.documents.items())
        ]

    def __len__(self) -> int:
        return len(self._snap.chunks)

    def search(self, query: str, k: int = 5, mode: Mode | None = None) -> list[Passage]:
        """The `k` best passages for `query`, best first (fewer when the base is small)."""
        return self.search_many([query], k, mode)[0]

    def search_many(self, queries: list[str], k: int = 5, mode: Mode | None = None) -> list[list[Passage]]:
        """`search` for several queries with one batched embedding call (evaluation uses it)."""
        mode = mode or self.settings.retrieval
        queries = [normalize_query(q) for q in queries]
        if not self._snap.chunks or k <= 0:
            return [[] for _ in queries]
        qvecs = self.embedder.embed(queries, self.settings.batch_size) if mode != "lexical" else None
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

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit vectors for `texts` from this base's embedding model (for comparing sentences to a question)."""
        return self.embedder.embed([normalize_query(t) for t in texts], self.settings.batch_size)

    def _dense(self, qvec: np.ndarray, k: int) -> list[tuple[int, float, float | None, float | None]]:
        return [(row, s, s, None) for row, s in self._vectors().search(qvec, k)[0]]

    def _lexical_ranked(self, query: str, k: int) -> list[tuple[int, float, float | None, float | None]]:
        scores = self._lexical_index().scores(query)
        top = np.argsort(-scores, kind="stable")[:k]
        return [(int(r), float(scores[r]), None, float(scores[r])) for r in top if scores[r] > 0]

    def _hybrid(self, query: str, qvec: np.ndarray, k: int) -> list[tuple[int, float, float | None, float | None]]:
        """Cosine plus a weighted, max-normalised BM25 score, over the union of both candidate lists.

        Scores are fused rather than ranks (RRF measured worse here): a cosine gap carries
        information that rank positions throw away. The cosine of a lexical-only candidate is
        computed exactly from its stored vectors, so every candidate is scored the same way.
        """
        depth = max(4 * k, 20)
        lex = self._lexical_index().scores(query)
        candidates = {row for row, _ in self._vectors().search(qvec[None, :], depth)[0]}
        lex_max = float(lex.max()) if lex.size else 0.0
        if lex_max > 0:
            candidates |= {int(r) for r in np.argsort(-lex)[:depth] if lex[r] > 0}
        per_chunk = self._vectors_by_chunk()
        # The default embedding model is English-centred: for Chinese queries BM25 over jieba words
        # and character bigrams is the reliable signal, so it gets a larger weight there.
        cjk = sum(1 for ch in query if "\u3400" <= ch <= "\u9fff") > 0.3 * max(1, len(query.replace(" ", "")))
        weight = self.settings.cjk_lexical_weight if cjk else self.settings.lexical_weight
        ranked = []
        for row in candidates:
            cos = float((per_chunk[row] @ qvec).max())
            lex_norm = float(lex[row]) / lex_max if lex_max > 0 else 0.0
            ranked.append((row, cos + weight * lex_norm, cos, float(lex[row])))
        ranked.sort(key=lambda t: -t[1])
        return ranked[:k]

    def _passage(
        self, row: int, score: float, dense: float | None, lexical: float | None, *, qvec: np.ndarray | None = None
    ) -> Passage:
        c = self._snap.chunks[row]
        question = c.get("question")
        question_score = None
        if question is not None and qvec is not None:
            question_score = float(self._vectors_by_chunk()[row][0] @ qvec)  # the question's own vector
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

    def _vectors(self) -> VectorIndex:
        if self._vector_index is None:
            snap = self._snap
            index = snap.index
            wanted = concrete_index_type(self.settings, len(snap.vectors))
            if index is None or snap.manifest.get("index_type") != wanted:
                index = build_faiss_index(snap.vectors, self.settings)
            elif wanted == "hnsw":
                index.hnsw.efSearch = self.settings.hnsw_ef_search
            self._vector_index = VectorIndex(index, snap.labels, len(snap.chunks))
        return self._vector_index

    def _vectors_by_chunk(self) -> list[np.ndarray]:
        if self._chunk_vectors is None:
            order = np.argsort(self._snap.labels, kind="stable")
            bounds = np.searchsorted(self._snap.labels[order], np.arange(len(self._snap.chunks) + 1))
            self._chunk_vectors = [self._snap.vectors[order[a:b]] for a, b in zip(bounds[:-1], bounds[1:])]
        return self._chunk_vectors

    def _lexical_index(self) -> LexicalIndex:
        if self._lexical is None:
            self._lexical = LexicalIndex([c["lexical_text"] for c in self._snap.chunks])
        return self._lexical

    # ----- writing -------------------------------------------------------------------------------

    def ingest(self, paths: list[Path], progress: bool = False) -> IngestReport:
        """Add new, replace changed, skip unchanged documents from files and folders; commit once.

        A changed file replaces exactly its own documents' chunks; documents that disappeared
        from a re-ingested file are removed; a document may move to another file. Unreadable files, and a
        file with a document id that another file of the same run holds, are listed in `report.failed`.
        """
        from tqdm import tqdm

        report = IngestReport()
        files, missing = expand([Path(p) for p in paths])
        report.failed += [(str(p), f"{p}: no such file or folder.") for p in missing]
        chunker = Chunker(self.embedder.token_spans, self.settings.chunk_tokens, self.settings.chunk_overlap)
        max_bytes = int(self.settings.max_file_mb * 2**20)
        snap = self._snap
        replaced: set[str] = set()
        new_docs: list[tuple[Document, list[Chunk]]] = []
        new_sources: dict[str, dict] = {}
        claimed: dict[str, Path] = {}  # doc_id -> the file of this run it came from
        for path, root in tqdm(files, desc="reading", unit="file", disable=not progress, leave=False):
            source = str(path.resolve())
            try:
                data = read_checked(path, max_bytes)
                file_hash = hashlib.sha256(data).hexdigest()
                if snap.sources.get(source, {}).get("hash") == file_hash:
                    report.skipped += len(snap.sources[source]["doc_ids"])
                    claimed.update((doc_id, path) for doc_id in snap.sources[source]["doc_ids"])
                    continue
                docs = parse_file(path, data, root)
                chunks = {d.doc_id: chunker.chunks(d) for d in docs}
            except DocumentLoadError as e:
                report.failed.append((str(path), str(e)))
                continue
            except Exception as e:  # noqa: BLE001 - one bad file must not stop the run
                report.failed.append((str(path), f"{path}: could not be processed ({type(e).__name__}: {e})."))
                continue
            clash = next((d.doc_id for d in docs if claimed.get(d.doc_id, path) != path), None)
            if clash is not None:
                report.failed.append((str(path), (
                    f"{path}: document id {clash!r} is also in {claimed[clash]}; ids must be unique across files."
                )))
                continue
            claimed.update((d.doc_id, path) for d in docs)
            for d in docs:
                d.source = source
                for c in chunks[d.doc_id]:
                    c.source = source
            new_sources[source] = {"hash": file_hash, "doc_ids": [d.doc_id for d in docs]}
            previous = set(snap.sources.get(source, {}).get("doc_ids", []))
            for d in docs:
                old = snap.documents.get(d.doc_id)
                if old is not None and old["hash"] == d.hash() and old["source"] == source:
                    report.skipped += 1
                    continue
                if old is not None:
                    report.updated += 1
                    replaced.add(d.doc_id)
                else:
                    report.added += 1
                new_docs.append((d, chunks[d.doc_id]))
            gone = previous - {d.doc_id for d in docs}
            report.removed += len(gone)
            replaced |= gone
        if not new_docs and not replaced and not new_sources:
            return report
        texts = [t for _, chunks in new_docs for c in chunks for t in c.embed_texts]
        vectors = self.embedder.embed(texts, self.settings.batch_size, progress=progress)
        report.chunks = sum(len(chunks) for _, chunks in new_docs)
        with self._store.write_lock():
            self._commit(replaced, new_docs, vectors, new_sources)
        return report

    def ingest_uploads(self, files: list[tuple[Path, str]], progress: bool = False) -> IngestReport:
        """Store uploaded files in `<root>/uploads` under the uploader's file name (folders stripped), then
        ingest them. An upload named like an earlier one replaces it: that is how an admin updates a
        document, and its doc_id stays the same."""
        import shutil

        folder = self.root / "uploads"
        folder.mkdir(parents=True, exist_ok=True)
        copies = []
        for path, name in files:
            dest = folder / (Path(name).name or Path(path).name)
            shutil.copyfile(path, dest)
            copies.append(dest)
        return self.ingest(copies, progress=progress)

    def remove(self, doc_id: str) -> None:
        """Remove one document and its chunks; raises `KnowledgeBaseError` for an unknown id."""
        if doc_id not in self._snap.documents:
            raise KnowledgeBaseError(f"No document {doc_id!r} in {self.root}; `list` shows the ids.")
        with self._store.write_lock():
            self._commit({doc_id}, [], np.zeros((0, self._snap.vectors.shape[1]), dtype=np.float32), {})

    def _commit(
        self,
        drop: set[str],
        new_docs: list[tuple[Document, list[Chunk]]],
        vectors: np.ndarray,
        new_sources: dict[str, dict],
    ) -> None:
        """Build the next snapshot (old minus `drop`, plus `new_docs`), save it, then switch to it."""
        old = self._snap
        drop = drop | {d.doc_id for d, _ in new_docs}  # a doc_id re-ingested from another file moves
        keep_rows = [i for i, c in enumerate(old.chunks) if c["doc_id"] not in drop]
        remap = np.full(len(old.chunks) + 1, -1, dtype=np.int64)
        remap[keep_rows] = np.arange(len(keep_rows))
        keep_vec = remap[old.labels] >= 0 if len(old.labels) else np.zeros(0, dtype=bool)
        chunks = [old.chunks[i] for i in keep_rows]
        labels = [remap[old.labels[keep_vec]]]
        vec_parts = [old.vectors[keep_vec]]
        documents = {k: v for k, v in old.documents.items() if k not in drop}
        offset = 0
        for doc, doc_chunks in new_docs:
            documents[doc.doc_id] = {"title": doc.title, "source": doc.source, "hash": doc.hash(), "chunks": len(doc_chunks)}
            for c in doc_chunks:
                n = len(c.embed_texts)
                labels.append(np.full(n, len(chunks), dtype=np.int64))
                vec_parts.append(vectors[offset : offset + n])
                offset += n
                chunks.append(
                    {"doc_id": c.doc_id, "position": c.position, "title": c.title, "source": c.source,
                     "heading": c.heading, "text": c.text, "lexical_text": c.lexical_text, "question": c.question}
                )
        sources = {}
        for src, info in {**old.sources, **new_sources}.items():
            ids = [i for i in info["doc_ids"] if i in documents and documents[i]["source"] == src]
            if ids:
                sources[src] = {"hash": info["hash"], "doc_ids": ids}
        all_vectors = np.concatenate(vec_parts).astype(np.float32, copy=False)
        manifest = dict(old.manifest)
        manifest.update(
            embedding_model=self.settings.embedding_model if self._embedder is None else self._embedder.name,
            dimension=int(all_vectors.shape[1]),
            index_type=concrete_index_type(self.settings, len(all_vectors)),
            chunk_tokens=self.settings.chunk_tokens,
            chunk_overlap=self.settings.chunk_overlap,
            vocabulary=_vocabulary_of(chunks),
        )
        snap = Snapshot(
            manifest, documents, sources, chunks, all_vectors, np.concatenate(labels).astype(np.int64),
            build_faiss_index(all_vectors, self.settings),
        )
        self._store.save(snap)
        self._snap = snap
        self._vector_index = self._lexical = self._chunk_vectors = None
