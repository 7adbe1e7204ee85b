"""A passage's figure with the words its sentence puts with another figure: asked about the Aria X2's battery with
noise cancellation off, the 1.5B answered "The Voltway Aria X2 battery lasts up to 40 hours with ANC off." from
"Battery: up to 40 hours with ANC on, up to 55 hours with ANC off". Every figure in it is a passage's, so the grounding
guard passes it; what gives it away is that the word the answer puts with 40 hours ("off") is the one its passage
sentence puts with the other duration, 55 hours, and never with 40.

    check = SwappedFigureCheck(passages, question, vocabulary)
    check.check("The Voltway Aria X2 battery lasts up to 40 hours with ANC off.").unsupported  # -> [Claim "40"]

Contract: `check(answer)` reports, once each, the amounts, durations and percentages (`grounding.figure_class`) of an
answer's clauses that are swapped: a passage sentence states the figure in one of its clauses and another figure of
the same kind in another (parallel clauses: "up to 40 hours with ANC on, up to 55 hours with ANC off"), and that other
clause shares more of the answer clause's words than any passage clause stating this figure does (at least one
does), one of them in none of those. A clause that states the other figure too ("40 hours with ANC on versus 55 with it
off") compares the two, it does not swap them. A clause is a sentence's part between commas, semicolons, colons,
dashes between spaces and the words "and", "but", "or", "while", "whereas" (`figure_clauses`); its words are
`figure_context.content_words` (stems of three letters or more, less numbers and the knowledge base's names), less
units of time for a duration ("working days" is part of the figure). A figure the question states is the customer's
(`PremiseCheck` reads those); Chinese answers and questions are left alone (their words are character pairs; not
measured). A passage clause with a pronoun ("it", "they", "them", ...) has the words of the clause before it too: "up
to 55 hours with it off" after "up to 40 hours with noise cancellation on" is noise cancellation's. Not caught: the
qualifier cut off by a comma ("With ANC off, you get up to 40 hours."), a qualifier of two letters ("on"), swaps across
a passage's sentences. Whole answers only: the words that give a figure away may come after it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from knowledge_base.lexical import tokenize
from knowledge_base.text import HAN, is_mostly_cjk, sentences
from service import claim_forms as forms
from service.claim_forms import CITATION
from service.claims import Claim, facts
from service.figure_context import TIME_UNITS, content_words, name_words
from service.grounding import Grounder, GroundingResult, figure_class

_CLAUSE_BREAK = re.compile(r"[,;:](?=\s)|\s[–—-]\s|\s(?:and|but|or|while|whereas)\s", re.IGNORECASE)
# A clause with one of these pronouns speaks of what the clause before it names (`_passage_clauses`).
# Not "its" or "their": those point inside their own clause ("the battery if its capacity drops below 80%").
_REFERS_BACK = re.compile(r"\b(?:it|they|them|these|those)\b", re.IGNORECASE)


def figure_clauses(sentence: str) -> list[str]:
    """The clauses of one sentence, in order (see the module's contract)."""
    return [part.strip() for part in _CLAUSE_BREAK.split(sentence) if part.strip()]


@dataclass(frozen=True)
class _Clause:
    grounder: Grounder  # what it states
    figures: tuple[Claim, ...]  # its amounts, durations and percentages
    words: frozenset[str]

    def states(self, claim: Claim) -> bool:
        return self.grounder.supported(claim)

    def words_for(self, kind: str) -> frozenset[str]:
        return self.words - TIME_UNITS if kind == "duration" else self.words


class SwappedFigureCheck:
    LABEL = "another figure's words"

    def __init__(self, passages: Sequence[str], question: str = "", vocabulary: Iterable[str] = ()):
        vocabulary = frozenset(vocabulary)
        self._vocabulary = vocabulary
        self._terms = forms.terms(vocabulary)
        self._names = name_words(vocabulary)
        self._on = not (question and is_mostly_cjk(question, 0.5))
        self._question = Grounder([question], vocabulary=vocabulary) if question else None
        # Each passage sentence that states figures, as its clauses stating one.
        self._sentences: list[list[_Clause]] = []
        for passage in passages if self._on else ():
            for sentence in sentences(CITATION.sub(" ", passage)):
                stating = [c for c in self._passage_clauses(sentence) if c.figures]
                if stating:
                    self._sentences.append(stating)

    def _passage_clauses(self, sentence: str) -> list[_Clause]:
        """A passage sentence's clauses, a clause that refers back with a pronoun given the words it refers to: in "up
        to 40 hours with noise cancellation on and up to 55 hours with it off", 55 hours is noise cancellation's too."""
        clauses: list[_Clause] = []
        for text in figure_clauses(sentence):
            clause = self._clause(text)
            if clauses and _REFERS_BACK.search(text):
                clause = _Clause(clause.grounder, clause.figures, clause.words | clauses[-1].words)
            clauses.append(clause)
        return clauses

    def _clause(self, text: str) -> _Clause:
        figures = tuple(c for c in (Claim(*f) for f in facts(text, self._terms, strict=True)) if _kind(c))
        return _Clause(Grounder([text], vocabulary=self._vocabulary), figures, frozenset(content_words(tokenize(text), self._names)))

    def check(self, answer: str) -> GroundingResult:
        swapped: dict[tuple[str, str], Claim] = {}
        claims: dict[tuple[str, str], Claim] = {}
        for sentence in sentences(CITATION.sub(" ", answer)) if self._on and self._sentences else ():
            if HAN.search(sentence):
                continue
            for clause in map(self._clause, figure_clauses(sentence)):
                for claim in clause.figures:
                    claims.setdefault((claim.kind, claim.key), claim)
                    if self._swapped(claim, clause):
                        swapped.setdefault((claim.kind, claim.key), claim)
        return GroundingResult(ok=not swapped, unsupported=list(swapped.values()), claims=list(claims.values()))

    def _swapped(self, claim: Claim, said: _Clause) -> bool:
        if self._question is not None and self._question.supported(claim):
            return False
        kind = _kind(claim)
        words = said.words_for(kind)
        own = [c for clauses in self._sentences for c in clauses if c.states(claim)]
        best_own = max((len(words & c.words_for(kind)) for c in own), default=0)
        if not best_own:
            return False  # unsupported (the guard's), or stated about something else altogether (figure_context's)
        own_words = frozenset().union(*(c.words_for(kind) for c in own))
        for clauses in self._sentences:
            if not any(c.states(claim) for c in clauses):
                continue
            for other in clauses:
                if other.states(claim) or not any(_kind(f) == kind and not said.states(f) for f in other.figures):
                    continue  # not another figure of this kind, or one the answer's clause states too
                shared = words & other.words_for(kind)
                if len(shared) > best_own and shared - own_words:
                    return True
        return False


def _kind(claim: Claim) -> str | None:
    """What a figure measures (`figure_class`: a currency, "duration" or "percent"), None for other claims."""
    return figure_class(claim.key) if claim.kind == "number" else None
