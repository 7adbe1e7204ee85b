"""One ingest run: which documents to add, replace, skip or remove, and the snapshot that results.

    report, changes, vectors = read_and_embed(paths, snap, embedder, settings)
    if changes:
        next_snap = next_snapshot(snap, changes, vectors, settings, embedder.name)  # then Store.save it

Contract: a file whose bytes are unchanged since it was last ingested (by the same `READER_VERSION` and
`CHUNKER_VERSION`) is
skipped unread; a changed
file replaces exactly its own documents' chunks, and documents that disappeared from it are
removed; a document may move to another file. A file that cannot be read or parsed, or that holds a
document id another file of the same run holds, is listed in `report.failed` with a one-line reason
and changes nothing. Nothing here writes to disk: `next_snapshot` only builds the next state, which
the caller saves and switches to (see `kb.py` and `store.py`).
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .chinese_script import writing_of_texts
from .chunking import CHUNKER_VERSION, Chunker
from .documents import Chunk, Document
from .embeddings import Embedder
from .errors import DocumentLoadError
from .ingest_plan import expand
from .loaders import READER_VERSION, parse_file, read_checked
from .sandbox import shared_parser
from .settings import KBSettings
from .store import Snapshot
from .vector_index import build_faiss_index, concrete_index_type
from .vocabulary import build_vocabulary


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
class Changes:
    """What a write changes: documents to drop, new documents with their chunks, the files they came from
    (`source -> {"hash", "doc_ids"}`). False when there is nothing to change."""

    drop: set[str] = field(default_factory=set)
    new_docs: list[tuple[Document, list[Chunk]]] = field(default_factory=list)
    new_sources: dict[str, dict] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.new_docs or self.drop or self.new_sources)


def vocabulary_of(chunks: list[dict]) -> list[str]:
    """The base's names (`vocabulary.py`) from its stored chunks, sorted for the manifest."""
    titles = {c["title"] for c in chunks}
    headings = {c["heading"] for c in chunks if c["heading"]}
    return sorted(build_vocabulary(titles, headings, [c["text"] for c in chunks]))


def read_and_embed(
    paths: list[Path], snap: Snapshot, embedder: Embedder, settings: KBSettings, progress: bool = False
) -> tuple[IngestReport, Changes, np.ndarray | None]:
    """Read `paths` (files and folders) against `snap`, then embed the new chunks' texts in one call.

    The vectors are in order of `changes.new_docs`, each chunk's `embed_texts` in turn; `None` when
    nothing changed (nothing is embedded then).
    """
    chunker = Chunker(embedder.token_spans, settings.chunk_tokens, settings.chunk_overlap)
    parse = parse_file
    if settings.isolate_parsing:
        parse = shared_parser(timeout_s=settings.parse_timeout_s, memory_mb=settings.parse_memory_mb)
    report, changes = _read(paths, snap, chunker, int(settings.max_file_mb * 2**20), progress, parse)
    if not changes:
        return report, changes, None
    texts = [t for _, chunks in changes.new_docs for c in chunks for t in c.embed_texts]
    vectors = embedder.embed(texts, settings.batch_size, progress=progress)
    report.chunks = sum(len(chunks) for _, chunks in changes.new_docs)
    return report, changes, vectors


def _read(
    paths: list[Path], snap: Snapshot, chunker: Chunker, max_bytes: int, progress: bool, parse=parse_file,
) -> tuple[IngestReport, Changes]:
    from tqdm import tqdm

    report = IngestReport()
    changes = Changes()
    files, missing = expand([Path(p) for p in paths])
    report.failed += [(str(p), f"{p}: no such file or folder.") for p in missing]
    claimed: dict[str, Path] = {}  # doc_id -> the file of this run it came from
    for path, root in tqdm(files, desc="reading", unit="file", disable=not progress, leave=False):
        source = str(path.resolve())
        try:
            data = read_checked(path, max_bytes)
            file_hash = hashlib.sha256(f"reader {READER_VERSION} chunker {CHUNKER_VERSION}\n".encode() + data).hexdigest()
            if snap.sources.get(source, {}).get("hash") == file_hash:
                report.skipped += len(snap.sources[source]["doc_ids"])
                claimed.update((doc_id, path) for doc_id in snap.sources[source]["doc_ids"])
                continue
            docs = parse(path, data, root)
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
        _take_file(source, file_hash, docs, chunks, snap, report, changes)
    return report, changes


def _take_file(
    source: str,
    file_hash: str,
    docs: list[Document],
    chunks: dict[str, list[Chunk]],
    snap: Snapshot,
    report: IngestReport,
    changes: Changes,
) -> None:
    """Record one changed file: its new or changed documents, and those that disappeared from it."""
    for d in docs:
        d.source = source
        for c in chunks[d.doc_id]:
            c.source = source
    changes.new_sources[source] = {"hash": file_hash, "doc_ids": [d.doc_id for d in docs]}
    previous = set(snap.sources.get(source, {}).get("doc_ids", []))
    for d in docs:
        old = snap.documents.get(d.doc_id)
        if old is not None and old["hash"] == _chunked_hash(d) and old["source"] == source:
            report.skipped += 1
            continue
        if old is not None:
            report.updated += 1
            changes.drop.add(d.doc_id)
        else:
            report.added += 1
        changes.new_docs.append((d, chunks[d.doc_id]))
    gone = previous - {d.doc_id for d in docs}
    report.removed += len(gone)
    changes.drop |= gone


def _chunked_hash(doc: Document) -> str:
    """A document's text as the chunker cuts it: the same text cut by another `CHUNKER_VERSION` is re-embedded."""
    return hashlib.sha256(f"chunker {CHUNKER_VERSION}\n{doc.hash()}".encode()).hexdigest()


def copy_uploads(files: list[tuple[Path, str]], folder: Path) -> list[Path]:
    """Copy uploaded files into `folder` under the uploader's file name (folders stripped); a name
    used before replaces that file, so re-ingesting it keeps its doc_id."""
    folder.mkdir(parents=True, exist_ok=True)
    copies = []
    for path, name in files:
        dest = folder / (Path(name).name or Path(path).name)
        shutil.copyfile(path, dest)
        copies.append(dest)
    return copies


def next_snapshot(
    old: Snapshot, changes: Changes, vectors: np.ndarray, settings: KBSettings, embedding_model: str
) -> Snapshot:
    """The snapshot after `changes`: `old` minus the dropped documents, plus the new ones with `vectors`."""
    drop = changes.drop | {d.doc_id for d, _ in changes.new_docs}  # a doc_id re-ingested from another file moves
    keep_rows = [i for i, c in enumerate(old.chunks) if c["doc_id"] not in drop]
    remap = np.full(len(old.chunks) + 1, -1, dtype=np.int64)
    remap[keep_rows] = np.arange(len(keep_rows))
    keep_vec = remap[old.labels] >= 0 if len(old.labels) else np.zeros(0, dtype=bool)
    chunks = [old.chunks[i] for i in keep_rows]
    labels = [remap[old.labels[keep_vec]]]
    vec_parts = [old.vectors[keep_vec]]
    documents = {k: v for k, v in old.documents.items() if k not in drop}
    offset = 0
    for doc, doc_chunks in changes.new_docs:
        documents[doc.doc_id] = {
            "title": doc.title, "source": doc.source, "hash": _chunked_hash(doc), "chunks": len(doc_chunks)
        }
        for c in doc_chunks:
            n = len(c.embed_texts)
            labels.append(np.full(n, len(chunks), dtype=np.int64))
            vec_parts.append(vectors[offset : offset + n])
            offset += n
            chunks.append(
                {"doc_id": c.doc_id, "position": c.position, "title": c.title, "source": c.source,
                 "heading": c.heading, "text": c.text, "lexical_text": c.lexical_text, "question": c.question}
            )
    all_vectors = np.concatenate(vec_parts).astype(np.float32, copy=False)
    manifest = dict(old.manifest)
    manifest.update(
        embedding_model=embedding_model,
        dimension=int(all_vectors.shape[1]),
        index_type=concrete_index_type(settings, len(all_vectors)),
        chunk_tokens=settings.chunk_tokens,
        chunk_overlap=settings.chunk_overlap,
        vocabulary=vocabulary_of(chunks),
        chinese_writing=writing_of_texts(c["text"] for c in chunks),
    )
    return Snapshot(
        manifest, documents, _sources(old.sources, changes.new_sources, documents), chunks, all_vectors,
        np.concatenate(labels).astype(np.int64), build_faiss_index(all_vectors, settings),
    )


def _sources(old: dict[str, dict], new: dict[str, dict], documents: dict[str, dict]) -> dict[str, dict]:
    """Each file's entry, holding only the documents that still come from it; files left with none go."""
    sources = {}
    for src, info in {**old, **new}.items():
        ids = [i for i in info["doc_ids"] if i in documents and documents[i]["source"] == src]
        if ids:
            sources[src] = {"hash": info["hash"], "doc_ids": ids}
    return sources
