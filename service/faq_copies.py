"""Answers that copy a curated FAQ answer to another question than the customer's.

    check = FaqCopyCheck.for_passages(used_hits, min_similarity=0.55)
    check.verdict("No. Returns within 30 days are free: print the prepaid label ...")
    # -> "an answer copied from the FAQ entry 'Do I have to pay for return shipping?' (question similarity 0.48)"

Small models given an FAQ entry among their passages often answer with that entry's answer, word for word, whatever
was asked: "do u charge extra if i pay with amex" -> "No. Returns within 30 days are free: ..." (the return-shipping
entry ranked first on "extra" and "pay"). Every fact in such an answer is in a passage, so the grounding guard passes
it; what is wrong is the question it answers. A copied answer is an FAQ direct answer the model chose, and the
customer's question is compared with the entry's question the way the direct answer compares them: the retrieval's
`question_score` (cosine of the two questions). Contract: `verdict` names the entry when the answer holds at least
`min_coverage` of the entry's answer (its character 6-grams, whitespace, markup and citations removed, lower case;
English and Chinese alike) and the customer's question is less than `min_similarity` similar to the entry's
question; None otherwise, and for passages that are not FAQ entries or were retrieved without a query vector.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from service.claim_forms import CITATION

GRAM = 6
# Measured on the stored answers of sessions 16-21 (docs/answer-quality.md, session 22): copies hold 0.6-1.0 of
# the entry's answer; an answer in its own words that happens to share phrases with an entry holds far less.
MIN_COVERAGE = 0.6


def flat(text: str) -> str:
    """`text` as copies are compared: citations, whitespace and markup removed, lower case."""
    return re.sub(r"\s+|\*\*|__|`", "", CITATION.sub("", text)).lower()


def _grams(text: str) -> set[str]:
    text = flat(text)
    return {text[i : i + GRAM] for i in range(len(text) - GRAM + 1)}


@dataclass(frozen=True)
class _Entry:
    question: str
    grams: frozenset[str]
    similarity: float


class FaqCopyCheck:
    def __init__(self, entries: Sequence[_Entry], min_coverage: float = MIN_COVERAGE):
        self._entries = [e for e in entries if e.grams]
        self.min_coverage = min_coverage

    @classmethod
    def for_passages(cls, hits: Sequence, min_similarity: float, min_coverage: float = MIN_COVERAGE) -> "FaqCopyCheck":
        """The check for an answer written from `hits`: their FAQ entries (a `question`, and a `question_score`
        from the retrieval, and its `answer`) whose question is less than `min_similarity` similar to the customer's."""
        entries = []
        for hit in hits:
            question, score = getattr(hit, "question", None), getattr(hit, "question_score", None)
            if not question or score is None or score >= min_similarity:
                continue
            entries.append(_Entry(question, frozenset(_grams(hit.answer)), float(score)))
        return cls(entries, min_coverage)

    def verdict(self, answer: str) -> str | None:
        """Why `answer` answers another question than the customer's (the FAQ entry it copies), or None."""
        grams = _grams(answer)
        for entry in self._entries:
            if len(entry.grams & grams) >= self.min_coverage * len(entry.grams):
                return f"an answer copied from the FAQ entry {entry.question!r} (question similarity {entry.similarity:.2f})"
        return None
