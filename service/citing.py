"""Citations checked against the passages: marks for an answer that gives none, and a mark that points at a passage
holding none of its sentence's figures moved to the passage that holds them.

The bundled 1.5B leaves about one generated answer in five without a citation mark (31 of 139 in the dev runs of
sessions 25 and 26: "The Nimbus 14 has a 2-year Voltway warranty, including the battery ..."), though a customer is
promised cited answers. `marks_for(answer, passages)` names, as "[n]" marks (passages numbered from 1, as the
prompt numbered them), the fewest passages that hold the answer's checkable claims (figures, contact points, the
knowledge base's names: `service.grounding`), figures and contact points before names, which most passages share;
for an answer with no claim any passage holds, the passage sharing most of the answer's words, when it shares at least
`MIN_SHARED_WORDS` of them. "" when no passage qualifies: no mark is better than a wrong one.

The model also cites the wrong passage now and then (4 of 51 cited sentences stating something checkable in the same
runs: "Express delivery costs £7.99 [3]" where [3] is the EU table and [1] the UK one). `Citations.corrected(text)`
replaces a mark whose passage holds none of the figures and contact points of the sentence it ends by the first
passage that holds them all; a mark is kept when its passage holds any of them, and when no single passage holds them
all (names alone decide nothing: most passages share them). A sentence that states no figure is judged by its words
(session 36: "If the outer box is badly damaged, you may refuse the delivery ... [3]", a sentence of [2], word for
word): its mark moves when the cited passage holds under `MIN_SHARED_WORDS` of them and another holds at least
`WORDS_TO_MOVE`, for sentences of `MIN_WORDS_TO_MOVE` words or more ("Wait until it is completed." is in too many
passages to tell). It reads shown text, mark by mark as each completes: for a growing text it only ever extends what
it returned before (a mark still being written is held back until its "]").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from knowledge_base.text import HAN_RANGES, sentences
from service.claims import extract_claims
from service.grounding import Grounder

# Share of an answer's words a passage must hold to be cited for an answer without checkable claims.
MIN_SHARED_WORDS = 0.5
# A figureless sentence's mark moves to a passage holding this share of its words (when the cited one holds under
# MIN_SHARED_WORDS), if the sentence has this many words (Chinese: character pairs). Read off the English dev answers of
# session 36 (two runs, 75 marks): 4 marks moved, each to the passage holding the sentence word for word or nearly
# (shares 0.89-1.00 against 0.11-0.36); none of the 71 others, nor any of 27 Chinese marks.
WORDS_TO_MOVE = 0.8
MIN_WORDS_TO_MOVE = 4

_WORD = re.compile(r"[a-z][a-z'-]{2,}|\d+")
_HAN = re.compile(rf"[{HAN_RANGES}]+")
_CITATION_MARKS = re.compile(r"\[\d+\]")

# Claims that do not say which passage a sentence comes from: a name is in every passage about its product, and a day
# of the week in every article's contact line ("Monday–Friday 08:00–20:00").
_NOT_FIGURES = ("term", "day")


_UNFINISHED_MARK_AT_END = re.compile(r"\[\d{0,3}$")
_MARKS_AND_SPACE_AT_END = re.compile(r"(?:\s*\[\d+\])*\s*$")


class Citations:
    """The passages one answer was given (numbered from 1, as the prompt numbered them), indexed once."""

    def __init__(self, passages: Sequence[str], vocabulary: Iterable[str] = ()):
        self.passages = list(passages)
        self.vocabulary = frozenset(vocabulary)
        self._grounders = [Grounder([p], vocabulary=self.vocabulary) for p in self.passages]
        self._words = [_words(p) for p in self.passages]
        self._decided: dict[tuple[str, str], str] = {}  # (mark, the text shown before it) -> the mark shown

    def for_answer(self, answer: str) -> str:
        """The marks ("[1] [3]", in passage order) of the passages that hold `answer`'s figures, else of the one
        holding most of its words, else of those holding its names; "" if none does."""
        if not self.passages:
            return ""
        claims = extract_claims(_CITATION_MARKS.sub(" ", answer), self.vocabulary)
        chosen = self._holding([c for c in claims if c.kind not in _NOT_FIGURES])
        if not chosen:
            # Words before names: a name such as "HomeHub" is in every passage about the product, so the first of
            # them was cited for "In the app go to HomeHub > Settings > Network ...", a sentence of the third.
            shares = self._word_shares(answer)
            best = _best(shares) if shares else None
            chosen = [best] if best is not None and shares[best] >= MIN_SHARED_WORDS else self._holding(claims)
        return " ".join(f"[{i + 1}]" for i in sorted(chosen))

    def _holding(self, claims: list) -> list[int]:
        """Indexes of the fewest passages that hold every one of `claims` some passage holds (greedy cover, the
        earlier passage on a tie)."""
        held = [{k for k, claim in enumerate(claims) if g.supported(claim)} for g in self._grounders]
        left = set().union(*held)
        chosen: list[int] = []
        while left:
            best = max(range(len(self.passages)), key=lambda i: (len(held[i] & left), -i))
            chosen.append(best)
            left -= held[best]
        return chosen

    def corrected(self, text: str, *, final: bool) -> str:
        """`text` (shown so far; `final`: all of it) with each complete mark checked; unless `final`, without a mark
        still being written at its end."""
        if not final:
            unfinished = _UNFINISHED_MARK_AT_END.search(text)
            if unfinished:
                text = text[: unfinished.start()]
        parts, last = [], 0
        for mark in _CITATION_MARKS.finditer(text):
            parts.append(text[last : mark.start()])
            before = "".join(parts)  # as shown: with the marks before this one checked
            key = (mark.group(), before)
            if key not in self._decided:
                self._decided[key] = self._checked(mark.group(), before)
            parts.append(self._decided[key])
            last = mark.end()
        return "".join(parts) + text[last:]

    def _checked(self, mark: str, before: str) -> str:
        """`mark` ("[n]") as it should read after `before`: the passage holding its sentence's figures; "" when the
        group of marks it joins already has it ("[1] [3]" where the [1] became [3])."""
        checked = self._moved(mark, before)
        return "" if checked in _MARKS_AND_SPACE_AT_END.search(before).group() else checked

    def _moved(self, mark: str, before: str) -> str:
        cited = int(mark[1:-1]) - 1
        if not 0 <= cited < len(self.passages):
            return mark
        sentence = _last_sentence(before)
        figures = [c for c in extract_claims(_CITATION_MARKS.sub(" ", sentence), self.vocabulary) if c.kind not in _NOT_FIGURES]
        if not figures:
            return self._moved_by_words(mark, cited, sentence)
        if any(self._grounders[cited].supported(c) for c in figures):
            return mark
        holding = [i for i, g in enumerate(self._grounders) if all(g.supported(c) for c in figures)]
        return f"[{holding[0] + 1}]" if holding else mark

    def _moved_by_words(self, mark: str, cited: int, sentence: str) -> str:
        """`mark` for a `sentence` without figures: the passage holding most of its words when the `cited` one
        holds few of them and that one nearly all."""
        shares = self._word_shares(sentence, min_words=MIN_WORDS_TO_MOVE)
        if not shares:
            return mark
        best = _best(shares)
        if shares[cited] < MIN_SHARED_WORDS and shares[best] >= WORDS_TO_MOVE:
            return f"[{best + 1}]"
        return mark

    def _word_shares(self, text: str, min_words: int = 1) -> list[float]:
        """The share of `text`'s words (citation marks aside) each passage holds; [] when it has fewer than
        `min_words`."""
        words = _words(_CITATION_MARKS.sub(" ", text))
        if len(words) < min_words:
            return []
        return [len(words & held) / len(words) for held in self._words]


def _best(shares: list[float]) -> int:
    """The index of the largest share, the earlier passage on a tie."""
    return max(range(len(shares)), key=lambda i: (shares[i], -i))


def _last_sentence(before: str) -> str:
    """The sentence a mark placed after `before` belongs to: the last one of `before`, past the marks and spaces
    that end it."""
    core = _MARKS_AND_SPACE_AT_END.sub("", before)
    pieces = sentences(core)
    return pieces[-1] if pieces else ""


def marks_for(answer: str, passages: Sequence[str], vocabulary: Iterable[str] = ()) -> str:
    """`Citations.for_answer` of `answer` for `passages`."""
    return Citations(passages, vocabulary).for_answer(answer)


def _words(text: str) -> set[str]:
    """Lower-cased words of three letters or more and numbers, and two-character runs of Chinese."""
    text = text.lower()
    words = set(_WORD.findall(text))
    for run in _HAN.findall(text):
        words.update(run[i : i + 2] for i in range(len(run) - 1))
    return words
