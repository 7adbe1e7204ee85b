"""The candidate rules for firing an FAQ direct answer (bench/faq_direct.py): each looks at a query's top
hits and a threshold and names the FAQ entry it would answer with, or None."""

from __future__ import annotations

import math
from collections.abc import Callable

GRID = [round(0.60 + 0.025 * i, 3) for i in range(15)]  # 0.600 .. 0.950
Hit = dict  # {doc_id, is_faq, q, dense, lex, score[, answer]}

Rule = Callable[[list[Hit], float], "str | None"]  # hits, threshold -> the fired doc_id or None


def _other_best(hits: list[Hit], field: str, faq_only: bool) -> float:
    top = hits[0]
    others = [h[field] for h in hits[1:] if h["doc_id"] != top["doc_id"] and h[field] is not None
              and (h["is_faq"] or not faq_only)]
    return max(others, default=-math.inf)


def score_rule(field: str, faq_only: bool, margin: float | None = None) -> Rule:
    """Fire on the top hit, an FAQ entry, when its `field` score is >= t (and, with a `margin`, beats the
    best other hit's by that much: other FAQ entries only with `faq_only`)."""
    def fire(hits: list[Hit], t: float) -> str | None:
        if not hits or not hits[0]["is_faq"] or hits[0][field] is None or hits[0][field] < t:
            return None
        if margin is not None and hits[0][field] - _other_best(hits, field, faq_only=faq_only) < margin:
            return None
        return hits[0]["doc_id"]
    return fire


def question_rule(margin: float | None = None) -> Rule:
    return score_rule("q", faq_only=True, margin=margin)


def dense_rule(margin: float | None = None) -> Rule:
    return score_rule("dense", faq_only=False, margin=margin)


def rules(margins: list[float]) -> list[tuple[str, str, Rule]]:
    out = [("question", "-", question_rule())]
    out += [("q-margin", f"{m:g}", question_rule(m)) for m in margins]
    out += [("dense", "-", dense_rule())]
    out += [("d-margin", f"{m:g}", dense_rule(m)) for m in margins]
    return out
