"""A passage's figure with another figure's words: asked about the Aria X2's battery with noise cancellation off,
the 1.5B answered "The Voltway Aria X2 battery lasts up to 40 hours with ANC off." from "Battery: up to 40 hours with
ANC on, up to 55 hours with ANC off". Every figure in it is a passage's, so the grounding guard passes it; what gives
it away is that the word the answer puts with 40 hours ("off") is one the passage puts with another duration, 55
hours, and never with 40.

    check = SwappedFigureCheck(passages, question, vocabulary)
    check.check("The Voltway Aria X2 battery lasts up to 40 hours with ANC off.").unsupported  # -> [Claim "40 hours"]

Contract: `check(answer)` reports each amount, duration or percentage (`grounding.figure_class`) of an answer's clause
that some passage clause states with at least one of the answer clause's words, when a passage clause that states
another figure of the same kind and not this one shares more of the answer clause's words than every passage clause
stating this figure does, and one of the words it shares is in no passage clause stating this figure (a figure whose
passage clauses share no word with the answer's is `service.figure_context`'s: stated about something else). A clause is a sentence's part between commas, semicolons,
colons, dashes between spaces and the words "and", "but", "or", "while", "whereas" (each figure in its own part:
"up to 40 hours with ANC on, up to 55 hours with ANC off"); its words are `tokenize`'s stems of three letters or
more, less numbers, units of time ("working days" is the figure's) and the words of the knowledge base's names (what
a figure is about, not which product). A figure
the question states is the customer's to use as they like (`PremiseCheck` reads those), and Chinese answers and
questions are left alone (their words are character pairs; not measured). Whole answers only: the words that give
a figure away may come after it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from knowledge_base.lexical import tokenize
from knowledge_base.text import HAN, is_mostly_cjk, sentences
from service import claim_forms as forms
from service.claim_forms import CITATION
from service.claims import Claim, facts
from service.grounding import Grounder, GroundingResult, figure_class

_CLAUSE_BREAK = re.compile(r"[,;:](?=\s)|\s[–—-]\s|\s(?:and|but|or|while|whereas)\s", re.IGNORECASE)
_HAS_DIGIT = re.compile(r"\d")
# A duration's unit is part of the figure, not a word about it: every clause stating a duration has one.
_TIME_UNITS = frozenset(tokenize("minutes mins hours hrs days weeks months years working business calendar seconds nights"))


def clauses(text: str) -> list[str]:
    """The clauses of `text`'s sentences, in order (see the module's contract)."""
    return [part.strip() for sentence in sentences(text) for part in _CLAUSE_BREAK.split(sentence) if part.strip()]


class SwappedFigureCheck:
    LABEL = "another figure's words"

    def __init__(self, passages: Sequence[str], question: str = "", vocabulary: Iterable[str] = ()):
        vocabulary = frozenset(vocabulary)
        self._terms = forms.terms(vocabulary)
        self._vocabulary = vocabulary
        self._names = {word for name in vocabulary for word in tokenize(name)}
        self._on = not (question and is_mostly_cjk(question, 0.5))
        self._question = Grounder([question], vocabulary=vocabulary) if question else None
        # Each passage clause stating a figure: what it supports, the kinds of figure it states, its words.
        self._clauses: list[tuple[Grounder, set[str], set[str]]] = []
        for passage in passages if self._on else ():
            for clause in clauses(CITATION.sub(" ", passage)):
                kinds = self._kinds(clause)
                if kinds:
                    self._clauses.append((Grounder([clause], vocabulary=vocabulary), kinds, self._words(clause)))

    def _kinds(self, text: str) -> set[str]:
        return {cls for kind, _, key in facts(text, self._terms, strict=False) if kind == "number" and (cls := figure_class(key))}

    def _words(self, text: str) -> set[str]:
        return {
            w for w in tokenize(text) if len(w) > 2 and not _HAS_DIGIT.search(w) and w not in self._names and w not in _TIME_UNITS
        }

    def check(self, answer: str) -> GroundingResult:
        swapped: list[Claim] = []
        claims: list[Claim] = []
        for clause in clauses(CITATION.sub(" ", answer)) if self._on and self._clauses else ():
            if HAN.search(clause):
                continue
            words = self._words(clause)
            for claim in (Claim(*fact) for fact in facts(clause, self._terms, strict=True)):
                cls = figure_class(claim.key) if claim.kind == "number" else None
                if cls is None:
                    continue
                claims.append(claim)
                if self._swapped(claim, cls, words):
                    swapped.append(claim)
        return GroundingResult(ok=not swapped, unsupported=swapped, claims=claims)

    def _swapped(self, claim: Claim, cls: str, words: set[str]) -> bool:
        if self._question is not None and self._question.supported(claim):
            return False
        own = [theirs for grounder, _, theirs in self._clauses if grounder.supported(claim)]
        if not own:
            return False  # unsupported: the grounding guard's to report
        others = [theirs for grounder, kinds, theirs in self._clauses if cls in kinds and not grounder.supported(claim)]
        best_own = max(len(words & theirs) for theirs in own)
        if not best_own:
            return False  # stated about something else altogether: `FigureContextCheck` declines those
        own_words = set().union(*own)
        return any(len(words & theirs) > best_own and (words & theirs) - own_words for theirs in others)
