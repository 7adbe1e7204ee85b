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
to 55 hours with it off" after "up to 40 hours with noise cancellation on" is noise cancellation's; so has one opening
with a verb ("... costs €5.99 and is free on orders of €60 or more"). Not caught: the
qualifier cut off by a comma ("With ANC off, you get up to 40 hours."), a qualifier of two letters ("on"). Whole
answers only: the words that give a figure away may come after it.

Across the rows of a table, a figure is swapped when the answer gives it to what another row is about. Asked "how much
is express shipping to germany and how fast is it", the 1.5B answered "Express shipping to Germany costs €12.99 and is
free on orders of €60 or more." from a table whose rows are "| Standard | 3–6 working days | €5.99, free on orders of
€60 or more |" and "| Express | 1–3 working days | €12.99 |": €60 is Standard's. A row's subject is its first cell,
less any parenthesis; rows of one passage stating figures of one kind are siblings when each subject has a word the
other row lacks. An answer's figure is said of its sentence's part (split as `figure_clauses` does but not at "or",
and also at parentheses, "except" and "unlike") when that part names a word of some row's subject, or of the part
before it when it opens with a verb, its subject left to that part ("Express shipping to Germany costs €12.99" for the
€60 of "is free on orders of €60 or more"); otherwise no verdict ("Delivery is free on orders of €60 or more, but not
for Express."; "... while home delivery takes 3–6 working days"). It fails when a table row states it, every row stating it has a sibling whose
subject has a word of that part ("express") that the row lacks, while the part names no word of the row's own subject
that the sibling lacks ("standard"), and no other passage sentence stating it has that word either (the FAQ's
"Standard delivery ... free on orders of €60 or more." does not make it Express's). Prose sentences are never
siblings: their opening words say too little of what they are about. Names count as words here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from knowledge_base.lexical import tokenize
from knowledge_base.text import HAN, reads_as_chinese, sentences
from service import claim_forms as forms
from service.claim_forms import CITATION
from service.claims import Claim, facts
from service.figure_context import TIME_UNITS, content_words, name_words
from service.grounding import Grounder, GroundingResult, figure_class

_CLAUSE_BREAK = re.compile(r"[,;:](?=\s)|\s[–—-]\s|\s(?:and|but|or|while|whereas)\s", re.IGNORECASE)
# A table row's subject is its first cell up to any parenthesis: "Click & Collect (Amsterdam, Berlin)".
_PARENTHESIS = re.compile(r"\(.*")
# What an answer sentence's parts are split at: `figure_clauses`' breaks less "or" ("on orders of €60 or more" is one
# part), and parentheses, "except" and "unlike" ("3–6 working days (1–3 with Express)").
_PART_BREAK = re.compile(
    r"[,;:](?=\s|$)|[()]|\s[–—-]\s|\s(?:and|but|while|whereas|except|unlike)\s", re.IGNORECASE,
)
# A part that opens with a verb has left its subject to the part before it: "... costs €12.99 and is free on orders of
# €60 or more" ("we inspect returns within 3 working days" has a subject of its own).
_ELIDED_SUBJECT = re.compile(
    r"(?:is|are|was|were|will|would|can|could|has|have|had|costs?|takes?|comes?|arrives?|ships?|gets?|needs?|must|"
    r"should|may|also|only|usually|normally)\b", re.IGNORECASE,
)
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


@dataclass(frozen=True)
class _Line:
    """A passage sentence stating figures, for swaps across table rows: what it states, the kinds of its figures, the
    words of its subject (a table row's; empty for other sentences) and all its words (names included)."""

    grounder: Grounder
    kinds: frozenset[str]
    subject: frozenset[str]
    words: frozenset[str]


def row_subject(sentence: str) -> str:
    """A table row's first cell less any parenthesis; "" for a sentence that is no table row."""
    if not sentence.lstrip().startswith("|"):
        return ""
    cells = [c for c in sentence.split("|") if c.strip()]
    return _PARENTHESIS.sub("", cells[0]) if cells else ""


def _answer_parts(sentence: str) -> list[str]:
    return [part.strip() for part in _PART_BREAK.split(sentence) if part.strip()]


class SwappedFigureCheck:
    LABEL = "another figure's words"

    def __init__(self, passages: Sequence[str], question: str = "", vocabulary: Iterable[str] = ()):
        vocabulary = frozenset(vocabulary)
        self._vocabulary = vocabulary
        self._terms = forms.terms(vocabulary)
        self._names = name_words(vocabulary)
        self._on = not (question and reads_as_chinese(question, 0.5))
        self._question = Grounder([question], vocabulary=vocabulary) if question else None
        # Each passage sentence that states figures, as its clauses stating one; and each passage's sentences stating
        # figures whole, for swaps across table rows, with the words of every row's subject.
        self._sentences: list[list[_Clause]] = []
        self._passages: list[list[_Line]] = []
        for passage in passages if self._on else ():
            lines: list[_Line] = []
            for sentence in sentences(CITATION.sub(" ", passage)):
                stating = [c for c in self._passage_clauses(sentence) if c.figures]
                if stating:
                    self._sentences.append(stating)
                if (line := self._line(sentence)) is not None:
                    lines.append(line)
            self._passages.append(lines)
        self._row_words = frozenset().union(*(line.subject for lines in self._passages for line in lines))

    def _passage_clauses(self, sentence: str) -> list[_Clause]:
        """A passage sentence's clauses, a clause that refers back with a pronoun given the words it refers to: in "up
        to 40 hours with noise cancellation on and up to 55 hours with it off", 55 hours is noise cancellation's too;
        and so is one that opens with a verb, its subject left to the clause before it ("Standard delivery costs €5.99
        and is free on orders of €60 or more": €60 is Standard delivery's)."""
        clauses: list[_Clause] = []
        for text in figure_clauses(sentence):
            clause = self._clause(text)
            if clauses and (_REFERS_BACK.search(text) or _ELIDED_SUBJECT.match(text)):
                clause = _Clause(clause.grounder, clause.figures, clause.words | clauses[-1].words)
            clauses.append(clause)
        return clauses

    def _clause(self, text: str) -> _Clause:
        figures = tuple(c for c in (Claim(*f) for f in facts(text, self._terms, strict=True)) if _kind(c))
        return _Clause(Grounder([text], vocabulary=self._vocabulary), figures, frozenset(content_words(tokenize(text), self._names)))

    def _line(self, sentence: str) -> _Line | None:
        """A passage sentence as a `_Line`; None when it states no amount, duration or percentage."""
        figures = [c for c in (Claim(*f) for f in facts(sentence, self._terms, strict=True)) if _kind(c)]
        if not figures:
            return None
        return _Line(
            Grounder([sentence], vocabulary=self._vocabulary), frozenset(map(_kind, figures)),
            frozenset(content_words(tokenize(row_subject(sentence)))), frozenset(content_words(tokenize(sentence))),
        )

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
            said: frozenset[str] = frozenset()  # the words of the part a figure is said of, if it names a row's subject
            for part in _answer_parts(sentence) if self._row_words else ():
                words = frozenset(content_words(tokenize(part)))
                if words & self._row_words:
                    said = words
                elif not _ELIDED_SUBJECT.match(part):
                    said = frozenset()
                for claim in (Claim(*f) for f in facts(part, self._terms, strict=True)) if said else ():
                    if _kind(claim) and self._another_rows(claim, said):
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

    def _another_rows(self, claim: Claim, said: frozenset[str]) -> bool:
        """Whether `claim`, said of an answer's part of words `said`, is another table row's figure (see the module's
        contract)."""
        if self._question is not None and self._question.supported(claim):
            return False
        kind = _kind(claim)
        holders = [(lines, line) for lines in self._passages for line in lines if line.grounder.supported(claim)]
        rows = [(lines, own) for lines, own in holders if own.subject]  # a sentence that is no row has no siblings
        if not rows:
            return False
        siblings: set[str] = set()
        for lines, own in rows:
            named = [
                (said & other.subject) - own.words for other in lines
                if other.subject and kind in other.kinds and not other.grounder.supported(claim)
                and own.subject - other.words and (said & own.subject) <= other.words
            ]
            if not any(named):
                return False
            siblings.update(*named)
        # No sentence stating it, row or not, names the sibling.
        return not any(siblings & line.words for _, line in holders)


def _kind(claim: Claim) -> str | None:
    """What a figure measures (`figure_class`: a currency, "duration" or "percent"), None for other claims."""
    return figure_class(claim.key) if claim.kind == "number" else None
