"""A Chinese answer that is only a figure, from a passage about something else: asked "耳机充满电要多久", the 1.5B answered
"30 分钟 [1]" (session 58, `make run`), the 30 minutes an unpaid order is held ("订单提交后多久内要付款？请在 30 分钟内完成支付……").
Every figure is a passage's, so the grounding guard passes it, and the answer has no words of its own for the checks
that compare an answer's sentence with its passage's (`service.figure_context`, English only) to read. What gives it
away is the question: the passage stating the figure shares no word with it.

    check = BareFigureCheck(passages, "耳机充满电要多久")
    check.check("30 分钟 [1]").unsupported  # -> [Claim "30 分钟"]

Contract: for a Chinese question (`reads_as_chinese`), `check(answer)` reports the figures of an answer that is nothing
but figures (citations, marks, units and the words "约", "大约", "左右", "内", "以内" aside) where no passage that states the
figure shares a word with the question (`service.extractive.topical_terms`, less numbers: the customer's own "39块"
says nothing about what the passage is about). A figure no passage states is the grounding guard's; an answer with
words of its own, and an English question, are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cached_property

from knowledge_base.text import HAN, reads_as_chinese
from service import claim_forms as forms
from service.claim_forms import CITATION
from service.claims import Claim, extract_claims, facts
from service.extractive import topical_terms
from service.figure_context import MEASURES
from service.grounding import GroundingResult

# What a bare figure may have around it besides its marks: its unit and a hedge ("约 30 分钟", "3 个工作日内", "65W").
_AROUND = re.compile(
    r"个工作日|工作日|分钟|小时|个月|星期|大约|左右|以内|[天日周月年秒元块次张台米克瓦个约内%％]"
    rf"|(?<![A-Za-z])(?:{'|'.join(sorted(MEASURES, key=len, reverse=True))})(?![A-Za-z])",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")


class BareFigureCheck:
    LABEL = "a bare figure from a passage about something else"

    def __init__(self, passages: Sequence[str], question: str = "", vocabulary: Iterable[str] = ()):
        self._texts = passages
        self._vocabulary = frozenset(vocabulary)
        on = bool(question) and reads_as_chinese(question, 0.5)
        self._asked = {t for t in topical_terms(question) if not _DIGITS.fullmatch(t)} if on else set()

    @cached_property
    def _passages(self) -> list[tuple[set[str], set[str]]]:
        """Each passage's figures (read as a passage is: every number it could be read to say) and its words; read
        only for an answer that is a bare figure, not for every answer the guard is built for."""
        terms = forms.terms(self._vocabulary)
        return [
            ({key for kind, _, key in facts(p, terms, strict=False) if kind == "number"}, topical_terms(p))
            for p in self._texts
        ]

    def check(self, answer: str) -> GroundingResult:
        if not self._asked:  # not a Chinese question, or none with a word of its own
            return GroundingResult(ok=True, unsupported=[], claims=[])
        text = CITATION.sub(" ", answer)
        figures = [c for c in extract_claims(text, self._vocabulary) if c.kind == "number"]
        rest = text
        for figure in figures:
            rest = rest.replace(figure.text, " ")
        rest = _AROUND.sub(" ", rest)
        if not figures or HAN.search(rest) or re.search(r"[A-Za-z]", rest):
            return GroundingResult(ok=True, unsupported=[], claims=[])
        unsupported = [figure for figure in figures if self._off_topic(figure)]
        return GroundingResult(ok=not unsupported, unsupported=unsupported, claims=figures)

    def _off_topic(self, figure: Claim) -> bool:
        """Whether the passages that state `figure` all share no word with the question (False where none states it)."""
        stating = [words for keys, words in self._passages if figure.key in keys]
        return bool(stating) and not any(words & self._asked for words in stating)
