"""The on-disk form of a knowledge base: generations swapped atomically, no pickle anywhere.

Layout of a knowledge-base folder:

    CURRENT            name of the live generation (replaced with os.replace, so always whole)
    gen-000007/        manifest.json, docstore.json, vectors.npy, labels.npy, index.faiss
    .lock              held (flock) by the one process that writes

A write builds a complete new generation in a temporary folder, fsyncs it, renames it into place,
and only then points CURRENT at it. A process killed at any moment (kill -9) therefore leaves
CURRENT naming the previous complete generation; leftovers are removed by the next write.
The manifest records the embedding model, dimension and format version, and is checked on load.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import KnowledgeBaseError, KnowledgeBaseLockedError, ManifestMismatchError

FORMAT = "helpdesk-knowledge-base"
FORMAT_VERSION = 1
_FILES = ("manifest.json", "docstore.json", "vectors.npy", "labels.npy", "index.faiss")


@dataclass
class Snapshot:
    """Everything one generation holds. `labels[i]` is the chunk row that vector `i` represents."""

    manifest: dict
    documents: dict[str, dict] = field(default_factory=dict)  # doc_id -> title, source, hash, chunks
    sources: dict[str, dict] = field(default_factory=dict)  # source path -> file hash, doc_ids
    chunks: list[dict] = field(default_factory=list)  # doc_id, position, title, source, heading, text, lexical_text
    vectors: np.ndarray | None = None
    labels: np.ndarray | None = None
    index: object | None = None  # a faiss index over `vectors`, or None to rebuild


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_json(path: Path, obj) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False)
        f.flush()
        os.fsync(f.fileno())


def _write_npy(path: Path, array: np.ndarray) -> None:
    with open(path, "wb") as f:
        np.save(f, array, allow_pickle=False)
        f.flush()
        os.fsync(f.fileno())


class Store:
    def __init__(self, root: Path):
        self.root = Path(root)

    def exists(self) -> bool:
        return (self.root / "CURRENT").is_file()

    def current_generation(self) -> Path | None:
        try:
            name = (self.root / "CURRENT").read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return self.root / name

    @contextmanager
    def write_lock(self):
        """Exclusive for writers; readers never take it (they read a complete generation)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            lock = open(self.root / ".lock", "w")
        except OSError as e:
            raise KnowledgeBaseError(
                f"Cannot write to the knowledge base in {self.root} ({e.strerror}); make the folder writable."
            ) from e
        with lock as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as e:
                raise KnowledgeBaseLockedError(
                    f"Another process is writing to the knowledge base in {self.root}; wait for it to finish."
                ) from e
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def load(self, expected_model: str) -> Snapshot:
        gen = self.current_generation()
        if gen is None:
            raise KnowledgeBaseError(f"No knowledge base in {self.root}; create one with `ingest`.")
        try:
            manifest = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise KnowledgeBaseError(
                f"The knowledge base in {self.root} is damaged (its manifest cannot be read); re-ingest into a new folder."
            ) from e
        if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
            raise ManifestMismatchError(
                f"{self.root} holds format {manifest.get('format')!r} version {manifest.get('version')!r}, "
                f"this program reads {FORMAT!r} version {FORMAT_VERSION}; re-ingest into a new folder."
            )
        if manifest.get("embedding_model") != expected_model:
            raise ManifestMismatchError(
                f"The knowledge base in {self.root} was built with embedding model {manifest.get('embedding_model')!r} "
                f"but {expected_model!r} is configured; set ASSISTANT_KB_EMBEDDING_MODEL="
                f"{manifest.get('embedding_model')} or re-ingest into a new folder."
            )
        try:
            store = json.loads((gen / "docstore.json").read_text(encoding="utf-8"))
            vectors = np.load(gen / "vectors.npy", allow_pickle=False)
            labels = np.load(gen / "labels.npy", allow_pickle=False)
            index = self._read_index(gen / "index.faiss")
        except (OSError, ValueError, json.JSONDecodeError) as e:
            raise KnowledgeBaseError(
                f"The knowledge base in {self.root} is damaged ({type(e).__name__}); re-ingest into a new folder."
            ) from e
        snap = Snapshot(manifest, store["documents"], store["sources"], store["chunks"], vectors, labels, index)
        self._check_consistent(snap)
        return snap

    @staticmethod
    def _read_index(path: Path):
        import faiss

        try:
            return faiss.read_index(str(path))
        except RuntimeError as e:
            raise OSError(str(e)) from e

    def _check_consistent(self, snap: Snapshot) -> None:
        m = snap.manifest
        problems = []
        if snap.vectors.ndim != 2 or snap.vectors.shape[1] != m["dimension"]:
            problems.append(f"vectors have shape {snap.vectors.shape}, manifest says dimension {m['dimension']}")
        if len(snap.vectors) != len(snap.labels) or len(snap.vectors) != m["vectors"]:
            problems.append("vector and label counts differ")
        if len(snap.chunks) != m["chunks"] or len(snap.documents) != m["documents"]:
            problems.append("chunk or document counts differ from the manifest")
        if len(snap.labels) and (snap.labels.min() < 0 or snap.labels.max() >= len(snap.chunks)):
            problems.append("vectors point at chunks that do not exist")
        if snap.index is not None and snap.index.ntotal != len(snap.vectors):
            snap.index = None  # the vectors are the truth; the index is rebuilt from them
        if problems:
            raise KnowledgeBaseError(
                f"The knowledge base in {self.root} is inconsistent ({'; '.join(problems)}); re-ingest into a new folder."
            )

    def save(self, snap: Snapshot) -> Path:
        """Write `snap` as a new generation and make it current. Call under `write_lock()`. A disk that is full
        or read-only is a `KnowledgeBaseError` in one sentence, and the current generation stays current."""
        try:
            return self._save(snap)
        except (OSError, RuntimeError) as e:  # faiss reports a failed write as a RuntimeError
            self._remove_leftovers(quiet=True)
            reason = e.strerror if isinstance(e, OSError) and e.strerror else type(e).__name__
            raise KnowledgeBaseError(
                f"Could not save the knowledge base in {self.root} ({reason}); nothing was changed. "
                "Free some disk space or make the folder writable, then try again."
            ) from e

    def _save(self, snap: Snapshot) -> Path:
        import faiss

        self.root.mkdir(parents=True, exist_ok=True)
        self._remove_leftovers()
        old = self.current_generation()
        number = int(old.name.split("-")[1]) + 1 if old is not None else 1
        final = self.root / f"gen-{number:06d}"
        if final.exists():  # a previous run died after renaming but before switching CURRENT
            shutil.rmtree(final)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-gen-", dir=self.root))
        snap.manifest.update(
            format=FORMAT,
            version=FORMAT_VERSION,
            vectors=int(len(snap.vectors)),
            chunks=len(snap.chunks),
            documents=len(snap.documents),
            written_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        )
        _write_json(tmp / "docstore.json", {"documents": snap.documents, "sources": snap.sources, "chunks": snap.chunks})
        _write_npy(tmp / "vectors.npy", np.ascontiguousarray(snap.vectors, dtype=np.float32))
        _write_npy(tmp / "labels.npy", np.ascontiguousarray(snap.labels, dtype=np.int64))
        faiss.write_index(snap.index, str(tmp / "index.faiss"))
        with open(tmp / "index.faiss", "rb") as f:
            os.fsync(f.fileno())
        # The manifest is written last: a generation folder without one is never complete.
        _write_json(tmp / "manifest.json", snap.manifest)
        _fsync_dir(tmp)
        os.rename(tmp, final)
        _fsync_dir(self.root)
        pointer = self.root / "CURRENT.tmp"
        with open(pointer, "w", encoding="utf-8") as f:
            f.write(final.name + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(pointer, self.root / "CURRENT")
        _fsync_dir(self.root)
        # Keep the previous generation: a reader that opened it a moment ago may still be loading it.
        for gen in sorted(self.root.glob("gen-*")):
            if gen not in (final, old):
                shutil.rmtree(gen, ignore_errors=True)
        return final

    def _remove_leftovers(self, quiet: bool = False) -> None:
        try:
            for tmp in self.root.glob(".tmp-gen-*"):
                shutil.rmtree(tmp, ignore_errors=True)
            (self.root / "CURRENT.tmp").unlink(missing_ok=True)
        except OSError:
            if not quiet:
                raise
