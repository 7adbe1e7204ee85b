"""Texts in, L2-normalised float32 vectors out.

One abstract method per seam: `Embedder.embed_batch`; `embed` (batched, with progress) is derived.
`build_embedder(settings)` picks the implementation. Bundled models are found by short name
(see bundled_models.py), so nothing is downloaded at run time.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from .bundled_models import resolve
from .chunking import TokenSpans, simple_token_spans
from .errors import KnowledgeBaseError
from .settings import DEFAULT_EMBEDDING_MODEL, KBSettings
from .text import HAN_RANGES

HASH_EMBEDDER = "hash"
_WORDS = re.compile(rf"[{HAN_RANGES}]|[^\W{HAN_RANGES}]+")


class Embedder(ABC):
    """`name` and `dimension` go into the index manifest; a mismatch on load is an error."""

    name: str
    dimension: int

    @abstractmethod
    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Return a (len(texts), dimension) float32 array of unit-length rows."""

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the model's tokens; chunk sizes are counted in these."""
        return simple_token_spans(text)

    def embed(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        from tqdm import tqdm

        # Sorting by length puts similar lengths in one batch, so less padding is computed.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        bar = tqdm(total=len(texts), desc="embedding", unit="chunk", disable=not progress, leave=False)
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            out[idx] = self.embed_batch([texts[i] for i in idx])
            bar.update(len(idx))
        bar.close()
        return out


def import_sentence_transformers():
    """sentence-transformers' `SentenceTransformer` class, imported offline (never reach for a model hub at run time:
    this machine has no network for it) and with bitsandbytes' warning about an optional 4-bit kernel, which
    embeddings never use, silenced (transformers imports bitsandbytes)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    logging.getLogger("bitsandbytes").setLevel(logging.ERROR)
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer


class SentenceTransformerEmbedder(Embedder):
    def __init__(self, name: str = DEFAULT_EMBEDDING_MODEL, device: str = "cpu", cache_dir: Path = Path("data/models")):
        """`cache_dir` is where split bundled models are extracted (KBSettings.model_cache in the project)."""
        SentenceTransformer = import_sentence_transformers()
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # its weight-loading bar would clutter the CLI's own progress

        path = resolve(name, cache_dir)
        try:
            self.model = SentenceTransformer(path, device=device)
        except Exception as e:  # noqa: BLE001 - missing dirs and hub errors come in many types
            hint = "" if Path(path).exists() else " (it is not a local directory and models cannot be downloaded here)"
            raise KnowledgeBaseError(
                f"Cannot load embedding model {name!r}{hint}; set ASSISTANT_KB_EMBEDDING_MODEL to a local "
                "sentence-transformers directory or to all-MiniLM-L6-v2."
            ) from e
        self.name = name
        dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dimension = int(dim())
        self._tokenizer = self.model.tokenizer
        # One caller at a time: the Rust tokenizer is one shared object that each call reconfigures (truncation,
        # padding), and a second thread using it meanwhile fails with "RuntimeError: Already borrowed"
        # (huggingface/tokenizers#537). The app embeds from many request threads and a background warm-up; the
        # model uses every core for one call anyway.
        self._lock = threading.Lock()

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            vectors = self.model.encode(
                list(texts), batch_size=len(texts), normalize_embeddings=True, convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        with self._lock:
            enc = self._tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, truncation=False)
        return [tuple(o) for o in enc["offset_mapping"]]


class HashEmbedder(Embedder):
    """A deterministic bag-of-words embedder with no model (`ASSISTANT_KB_EMBEDDING_MODEL=hash`).

    Words (and single Han characters) are hashed into `dimension` buckets. It ranks by shared words
    only: for development and for tests of the bookkeeping around the index (persistence, re-ingest,
    CLI counts), never for answer quality.
    """

    name = HASH_EMBEDDER

    def __init__(self, dimension: int = 64):
        self.dimension = dimension

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in _WORDS.findall(text.lower()):
                out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
        return out


class EmbeddingCache:
    """The vectors of texts embedded before, the `capacity` most recently used kept.

    Comparing a question with the sentences of its passages embeds the same sentences again and again: the
    passages that answer common questions come back question after question. `embed(texts, embed_fn)` returns
    the vectors of `texts` in order, calling `embed_fn` once for the ones not remembered (each distinct text
    once) and remembering them. Vectors depend only on the text and the model, so nothing ever goes stale
    while the model stays the same. Safe to share between threads; two threads may embed the same missing
    text at once (both results are the same vector).
    """

    def __init__(self, capacity: int = 20_000):
        # 20k all-mpnet-base-v2 vectors (768 float32) are ~60 MB: the sentences of a few thousand passages.
        self.capacity = capacity
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._vectors)

    def embed(self, texts: Sequence[str], embed_fn: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        if not texts:
            return np.asarray(embed_fn([]), dtype=np.float32)  # the (0, dimension) array only the model knows
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for text in texts:
                if text in self._vectors:
                    self._vectors.move_to_end(text)
                    found[text] = self._vectors[text]
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            vectors = np.asarray(embed_fn(missing), dtype=np.float32)
            found.update(zip(missing, vectors))
            with self._lock:
                for text, vector in zip(missing, vectors):
                    self._vectors[text] = vector
                while len(self._vectors) > self.capacity:
                    self._vectors.popitem(last=False)
        return np.stack([found[t] for t in texts])


def build_embedder(settings: KBSettings) -> Embedder:
    if settings.embedding_model == HASH_EMBEDDER:
        return HashEmbedder()
    return SentenceTransformerEmbedder(settings.embedding_model, settings.device, settings.model_cache)


__all__ = ["Embedder", "EmbeddingCache", "HashEmbedder", "SentenceTransformerEmbedder", "build_embedder", "TokenSpans"]
