"""Scripted stand-ins for the app's collaborators: a chat backend and a knowledge base."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from service.backends import ChatBackend, GenerationParams
from service.errors import AssistantError


@dataclass
class FakePassage:
    doc_id: str
    title: str
    source: str
    text: str
    score: float = 0.9
    heading: str = ""
    position: int = 0


class FakeBackend(ChatBackend):
    """Streams queued answers (or raises queued errors) chunk by chunk; records every request.

    With nothing queued it echoes a default answer. `delay_s` sleeps before each chunk.
    """

    name = "fake-base"

    def __init__(self, default: str = "Returns are free within 30 days [1].", delay_s: float = 0.0):
        self.default = default
        self.delay_s = delay_s
        self.queue: list[str | Exception] = []
        self.requests: list[tuple[list[dict], GenerationParams]] = []
        self._lock = threading.Lock()

    def enqueue(self, *answers: str | Exception) -> "FakeBackend":
        self.queue.extend(answers)
        return self

    def models(self) -> list[str]:
        return ["fake-base", "support"]

    def stream(self, messages, params=GenerationParams()):
        with self._lock:
            self.requests.append((list(messages), params))
            item = self.queue.pop(0) if self.queue else self.default
        if isinstance(item, Exception):
            raise item
        words = item.split(" ")
        for i, word in enumerate(words):
            if self.delay_s:
                time.sleep(self.delay_s)
            if word == "<FAIL>":
                raise AssistantError("The model server dropped the connection mid-answer.")
            yield word if i == 0 else " " + word


RETURNS = FakePassage(
    "returns.md", "Returns and refunds", "/kb/returns.md",
    "You can return any item within 30 days of delivery for free. Refunds reach you within 5 working days.",
    heading="Returns",
)
WARRANTY = FakePassage(
    "warranty.md", "Warranty", "/kb/warranty.md", "Voltway products have a 2-year warranty; 3 years with VoltCare+.",
    score=0.6,
)
SHIPPING_ZH = FakePassage("shipping_zh.md", "配送说明", "/kb/shipping_zh.md", "标准快递一般 1-3 个工作日送达。", score=0.7)


class FakeRetriever:
    """Returns `hits` for every query (or those of the first keyword found); relevant when the best score
    reaches `threshold`. Records the queries."""

    def __init__(self, hits=None, threshold: float = 0.5, by_keyword: dict | None = None):
        self.hits = [RETURNS, WARRANTY] if hits is None else hits
        self.threshold = threshold
        self.by_keyword = by_keyword or {}
        self.queries: list[tuple[str, int]] = []

    def search(self, query: str, k: int = 5):
        self.queries.append((query, k))
        for word, hits in self.by_keyword.items():
            if word in query:
                return hits[:k]
        return self.hits[:k]

    def is_relevant(self, hits) -> bool:
        return bool(hits) and hits[0].score >= self.threshold
