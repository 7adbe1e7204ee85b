"""The values that flow through the package: documents in, chunks stored, passages out."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


def content_hash(text: str) -> str:
    """Stable hash of a text, used to skip unchanged documents on re-ingest."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Section:
    """A run of prose under one heading; `heading` is the heading path ("A > B"), or "" at the top."""

    heading: str
    paragraphs: list[str]


@dataclass
class Document:
    """One citable unit: a prose file, or one FAQ entry.

    `doc_id` is stable across re-ingests: the FAQ `id` when present, else the path relative to
    the ingested folder (plus `#row` for FAQ rows without an id).
    """

    doc_id: str
    title: str
    source: str
    sections: list[Section] = field(default_factory=list)
    # FAQ entries: the question and its answers; prose documents leave these empty.
    question: str | None = None
    answers: list[str] = field(default_factory=list)

    @property
    def is_faq(self) -> bool:
        return self.question is not None

    def text(self) -> str:
        if self.is_faq:
            return "\n".join([self.question or "", *self.answers])
        return "\n\n".join(
            "\n".join([s.heading, *s.paragraphs]) if s.heading else "\n".join(s.paragraphs) for s in self.sections
        )

    def hash(self) -> str:
        return content_hash(f"{self.title}\n{self.text()}")


@dataclass
class Chunk:
    """A piece of a document that is embedded, indexed and cited.

    `embed_texts` are the texts whose vectors represent the chunk (an FAQ entry has two: its
    question alone and question + answer); the chunk's dense score is the best of them.
    """

    doc_id: str
    position: int
    title: str
    source: str
    heading: str
    text: str
    embed_texts: list[str]
    lexical_text: str
    # FAQ entries: the curated question (its vector is the first of `embed_texts`); None for prose.
    question: str | None = None

    @property
    def chunk_id(self) -> str:
        return f"{self.doc_id}#{self.position}"


@dataclass
class Passage:
    """A ranked search hit the chat layer can quote and cite.

    `score` orders the hits (its scale depends on the retrieval mode); `dense_score` is the
    cosine similarity of the best vector, the number `KnowledgeBase.is_relevant` compares to the
    threshold; `lexical_score` is the raw BM25 score.
    """

    doc_id: str
    chunk_id: str
    position: int
    title: str
    source: str
    heading: str
    text: str
    score: float
    dense_score: float | None = None
    lexical_score: float | None = None
    # FAQ entries only: the curated question, and the cosine similarity of the query to that question
    # alone (not to question + answer): the measure for answering with the curated answer directly.
    question: str | None = None
    question_score: float | None = None

    @property
    def is_faq(self) -> bool:
        return self.question is not None

    @property
    def answer(self) -> str:
        """An FAQ entry's curated answer (its text without the question); the whole text for prose."""
        if self.question is not None and self.text.startswith(self.question):
            return self.text[len(self.question):].strip()
        return self.text

    def citation(self) -> str:
        where = f" > {self.heading}" if self.heading else ""
        return f"{self.title}{where} ({self.source})"
