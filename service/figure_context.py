"""Figures taken out of their sentence: an answer that states a passage's figure about something the passage does not
state it about.

    check = FigureContextCheck(passages, question, vocabulary)
    check.verdict("The Voltway Pulse 7 phone costs £149 / €169.")
    # -> "£149 stated about other things than its passage sentence ('Typical out-of-warranty prices: ...')"

Asked "how much is the pulse 7 phone" (the knowledge base has no phone prices), the 1.5B answers "The Voltway Pulse 7
phone costs £149 / €169." from "Voltway Pulse 7 screen replacement £149 / €169": every figure is in a passage, so the
grounding guard passes it. What gives it away is that its sentence and the passage sentence holding the figure have
no word in common besides the product's name.

Contract: `verdict(answer)` names the first figure (a number in any form `service.claims` reads: an amount, a
duration, a percentage, a plain number) of the answer that the passages state, but only in sentences sharing no word
with the answer's sentence that states it; None otherwise. Words are `knowledge_base.lexical.tokenize`'s stems of
three letters or more, less numbers and the words of the knowledge base's names (vocabulary), and the units of measure
that follow a number ("1.29 kg", "65 W", "512GB"; `MEASURES`): a figure's unit says what it measures, so "The Nimbus 14
is 1.29 kg heavy." is about what "Weight: 1.29 kg." is about though "heavy" is not "weight" (units of time are words already: "days",
"hours"). Figures the question
states and a list's numbering ("1. Press ...") are left alone, and so are Chinese questions and sentences (not
measured).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from knowledge_base.lexical import tokenize
from knowledge_base.text import HAN, is_mostly_cjk, sentences
from knowledge_base.vocabulary import NUM_UNIT
from service.claim_forms import CITATION
from service.extractive import split_sentences
from service.grounding import Claim, Grounder

_LIST_NUMBER = re.compile(r"^\s*\d{1,2}[.)]\s+", re.MULTILINE)
_HAS_DIGIT = re.compile(r"\d")
# Units of a physical quantity or of data (`knowledge_base.vocabulary.UNITS` less time, ordinals and the ambiguous
# "m", "in", "s", "x"): the quantity a figure written with one measures.
MEASURES = frozenset(
    "g kg mg mm cm km inch gb tb mb kb gbps mbps w kw wh mah v hz khz mhz ghz mp".split()
)


class FigureContextCheck:
    def __init__(self, passages: Sequence[str], question: str = "", vocabulary: Iterable[str] = ()):
        vocabulary = frozenset(vocabulary)
        self._names = {word for name in vocabulary for word in tokenize(name)}
        self._on = bool(question) and not is_mostly_cjk(question, 0.5)
        self._reader = Grounder([], vocabulary=vocabulary)  # reads an answer's figures (`check(...).claims`)
        self._question = Grounder([question], vocabulary=vocabulary)
        # Each passage sentence that states a figure, with what it supports and its words.
        self._sentences = [
            (sentence, Grounder([sentence], vocabulary=vocabulary), self._words(sentence))
            for passage in (passages if self._on else ())
            for sentence in split_sentences(passage) if _HAS_DIGIT.search(sentence)
        ]

    def _words(self, text: str) -> set[str]:
        tokens = tokenize(text)
        words = {w for w in tokens if len(w) > 2 and not _HAS_DIGIT.search(w) and w not in self._names}
        return words | _measures(tokens)

    def verdict(self, answer: str) -> str | None:
        if not self._on:
            return None
        for sentence in sentences(CITATION.sub(" ", _LIST_NUMBER.sub("", answer))):
            if HAN.search(sentence):
                continue  # a Chinese sentence's words are character pairs, which `_words` does not keep
            words = self._words(sentence)
            for claim in self._reader.check(sentence).claims:
                if claim.kind == "number" and (holder := self._out_of_context(claim, words)):
                    return f"{claim.text} stated about other things than its passage sentence ({holder[:120]!r})"
        return None

    def _out_of_context(self, claim: Claim, words: set[str]) -> str | None:
        """The passage sentence stating `claim` when none that states it shares a word with the answer's sentence."""
        if self._question.supported(claim):
            return None
        holders = [(sentence, theirs) for sentence, grounder, theirs in self._sentences if grounder.supported(claim)]
        if not holders or any(words & theirs for _, theirs in holders):
            return None
        return holders[0][0]


def _measures(tokens: Sequence[str]) -> set[str]:
    """The units of measure written after a number among `tokens` ("1.29 kg" -> {"unit:kg"}, "20w" -> {"unit:w"}),
    marked so that they meet only each other."""
    units = set()
    for before, token in zip(["", *tokens], tokens):
        glued = NUM_UNIT.fullmatch(token)
        if glued and glued.group(2) in MEASURES:
            units.add(f"unit:{glued.group(2)}")
        elif token in MEASURES and before.isdigit():
            units.add(f"unit:{token}")
    return units
