"""Retrieved passages as the assistant uses and the app cites them.

Contract: a `Retriever` (the knowledge base) returns passages best first and judges whether the best
is relevant enough to answer from; `to_sources` numbers them from 1, in that order, with a short
whitespace-collapsed snippet and the file name (not the local folders) of where each comes from.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from knowledge_base.text import reads_as_chinese
from service.extractive import share_held
from service.language import detect_language


class PassageLike(Protocol):
    doc_id: str
    title: str
    source: str
    text: str
    score: float


class Retriever(Protocol):
    """What the assistant needs from a knowledge base (`knowledge_base.KnowledgeBase` is one).

    Optional: `embed(texts) -> unit vectors` (for extractive answers) and `vocabulary` (the base's own
    names, for the grounding guard); without them those features do less, never fail.
    """

    def search(self, query: str, k: int = 5) -> list: ...

    def is_relevant(self, hits: list) -> bool: ...


@dataclass(frozen=True)
class Source:
    """A cited passage as the UI and the API show it."""

    number: int
    title: str
    snippet: str
    source: str
    doc_id: str
    heading: str = ""
    score: float = 0.0

    def as_dict(self) -> dict:
        return {
            "number": self.number, "title": self.title, "heading": self.heading, "snippet": self.snippet,
            "source": self.source, "doc_id": self.doc_id, "score": round(self.score, 4),
        }


def section(title: str, heading: str, sep: str = " › ") -> str:
    """The heading path without the document title it often starts with, its parts joined by `sep`: the title is
    shown once (the sources under an answer, `service ask`, a prompt's passage labels)."""
    parts = [p.strip() for p in heading.split(">") if p.strip()] if heading else []
    while parts and _names_title(parts[0], title):
        parts = parts[1:]
    return sep.join(parts)


# What separates a page's name from its site's in a web page title: "Voltway HomeHub 常见问题 - Voltway 帮助中心".
_SITE_SEPARATOR = re.compile(r"\s+[-–—·]\s+|\s*[|:：]\s*")


def _names_title(part: str, title: str) -> bool:
    """Whether a heading is the document's title, or the title is that heading plus the site's name (an HTML page's
    <h1> under its <title>)."""
    return part == title or (title.startswith(part) and bool(_SITE_SEPARATOR.match(title[len(part):])))


def passage_text(hit, *, with_title: bool = True) -> str:
    """A hit's text as the guard and the extractive answer read it: with its title and heading, which
    name the product or policy the text is about (an answer may name them)."""
    if not with_title:
        return hit.text
    heading = getattr(hit, "heading", "") or ""
    return "\n".join(part for part in (hit.title, heading, hit.text) if part)


def passage_key(hit) -> tuple[str, int]:
    """What makes two hits the same passage, whichever search found them: its document and its place in it."""
    return hit.doc_id, hit.position


def close_to_best(hits: Sequence, margin: float | None) -> list:
    """The hits (best first) whose retrieval score is within `margin` of the best one's; all of them when
    `margin` is None. A passage far below the best is rarely the one that answers (bench/passage_margin.py)
    and costs prefill time, and a small model may answer from it."""
    if margin is None or not hits:
        return list(hits)
    floor = hits[0].score - margin - 1e-9  # a score exactly `margin` below is kept, whatever the float rounding
    return [h for h in hits if h.score >= floor]


# The bundled embedding models are English-centred and rate Chinese texts alike by their characters: "尽快是多快？"
# meets the FAQ question "运费怎么算？" at 0.97, "签收后才发现屏幕碎了 多久内要找你们" meets "订单提交后多久内要付款？" at
# 0.90, both above the direct-answer threshold, while the sample's Chinese paraphrases of its FAQ questions stay below
# it. So a Chinese question is answered with an entry directly only when it also holds at least this share of the
# entry question's words (`topical_terms`). `bench/faq_direct_zh.py` (session 39): the FAQ questions as written, the
# 29 of 34 that reach the threshold, hold all of their words and still get their entry; the four wrong direct answers
# (three of 711 short STC-3 customer messages, one found by hand) held 0 to 2 of 9 words and are gone.
CJK_FAQ_MIN_SHARED = 0.5


def faq_match(hits: Sequence, question: str, language: str, threshold: float, min_shared: float = CJK_FAQ_MIN_SHARED):
    """The best hit when it is an FAQ entry whose question the customer's `question` matches closely
    (`question_score >= threshold`; for a Chinese question, also holding `min_shared` of the entry question's words)
    and that is written in the customer's language; else None."""
    if not hits:
        return None
    best = hits[0]
    score = getattr(best, "question_score", None)
    if score is None or score < threshold or not getattr(best, "question", None):
        return None
    if detect_language(best.question) != language:
        return None
    if reads_as_chinese(question, 0.3):
        held = share_held(best.question, by=question)
        if held is None or held < min_shared:
            return None
    return best


def source_label(path: str) -> str:
    """Where a passage comes from, for display: the file name (and FAQ row) without the local folders."""
    return Path(path).name if path else ""


def _snippet(text: str, limit: int) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def to_sources(hits: Sequence, snippet_chars: int) -> list[Source]:
    return [
        Source(
            number=i,
            title=h.title,
            snippet=_snippet(h.text, snippet_chars),
            source=source_label(h.source),
            doc_id=h.doc_id,
            heading=getattr(h, "heading", "") or "",
            score=float(h.score),
        )
        for i, h in enumerate(hits, 1)
    ]
