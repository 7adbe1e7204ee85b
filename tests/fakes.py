"""A scripted stand-in for the knowledge base (the chat backend's is `service.backends.scripted`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FakePassage:
    doc_id: str
    title: str
    source: str
    text: str
    score: float = 0.9
    heading: str = ""
    position: int = 0
    question: str | None = None
    question_score: float | None = None

    @property
    def answer(self) -> str:
        return self.text[len(self.question):].strip() if self.question else self.text


RETURNS = FakePassage(
    "returns.md", "Returns and refunds", "/kb/returns.md",
    "You can return any item within 30 days of delivery for free. Refunds reach you within 5 working days.",
    heading="Returns",
)
WARRANTY = FakePassage(
    "warranty.md", "Warranty", "/kb/warranty.md", "Voltway products have a 2-year warranty; 3 years with VoltCare+.",
    score=0.6,
)
FAQ_RETURNS = FakePassage(
    "faq-returns", "How long do I have to return an item?", "/kb/faq.csv",
    "How long do I have to return an item?\n\nYou can return most items within 30 days of delivery. Returns are free.",
    score=0.95, question="How long do I have to return an item?", question_score=0.93,
)
SHIPPING_ZH = FakePassage("shipping_zh.md", "配送说明", "/kb/shipping_zh.md", "标准快递一般 1-3 个工作日送达。", score=0.7)


class FakeRetriever:
    """Returns `hits` for every query (or those of the first keyword found); relevant when the best score
    reaches `threshold`. Records the queries. With `embeds`, embeds by hashed words, whose cosines run lower than
    a sentence model's (tests of the extractive answer lower its threshold); without, it cannot embed, as a
    retriever over another service may not, and the assistant skips what needs embeddings (the sentence floor,
    the extractive fallback)."""

    def __init__(
        self, hits=None, threshold: float = 0.5, by_keyword: dict | None = None, vocabulary=(), *, embeds: bool = True
    ):
        from knowledge_base.embeddings import HashEmbedder

        self.hits = [RETURNS, WARRANTY] if hits is None else hits
        self.threshold = threshold
        self.by_keyword = by_keyword or {}
        self.queries: list[tuple[str, int]] = []
        self.vocabulary = set(vocabulary)
        self._embedder = HashEmbedder(256)
        if not embeds:
            self.embed = None

    def embed(self, texts):
        return self._embedder.embed(list(texts))

    def search(self, query: str, k: int = 5):
        self.queries.append((query, k))
        for word, hits in self.by_keyword.items():
            if word in query:
                return hits[:k]
        return self.hits[:k]

    def is_relevant(self, hits) -> bool:
        return bool(hits) and hits[0].score >= self.threshold


def plain_retriever(*args, **kwargs) -> FakeRetriever:
    """A retriever without embeddings, for tests that are not about what needs them (the sentence floor, the
    extractive fallback), which the fake's hashed-word embeddings would decide instead."""
    return FakeRetriever(*args, embeds=False, **kwargs)


ANSWER = "Returns are free within 30 days [1]."


def scripted_backend(**kwargs):
    """The package's scripted backend as these tests use it: a returns answer by default, one adapter."""
    from service.backends.scripted import ScriptedBackend

    kwargs.setdefault("default", ANSWER)
    kwargs.setdefault("adapters", ("support",))
    return ScriptedBackend(**kwargs)
