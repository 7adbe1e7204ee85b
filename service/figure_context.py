"""Figures taken out of their sentence: an answer that states a passage's figure about something the passage does not
state it about.

    check = FigureContextCheck(passages, question, vocabulary)
    check.verdict("The Voltway Pulse 7 phone costs £149 / €169.")
    # -> "£149 stated about other things than its passage sentence ('Typical out-of-warranty prices: ...')"

Asked "how much is the pulse 7 phone" (the knowledge base has no phone prices), the 1.5B answers "The Voltway Pulse 7
phone costs £149 / €169." from "Voltway Pulse 7 screen replacement £149 / €169": every figure is in a passage, so the
grounding guard passes it. What gives it away is that its sentence and the passage sentence holding the figure have
no word in common besides the product's name.

Contract: `verdict(answer)` names the first figure (a number in any form `service.claims` reads: an amount, a duration,
a percentage, a plain number) of the answer that the passages state, but only in sentences sharing no word with the
answer's sentence that states it; None otherwise. Words are `knowledge_base.lexical.tokenize`'s stems of three letters
or more, less numbers and the words of the knowledge base's names (vocabulary), and the units of measure that follow a
number ("1.29 kg", "65 W", "512GB"; `MEASURES`): a figure's unit says what it measures, so "The Nimbus 14 is 1.29 kg
heavy." is about what "Weight: 1.29 kg." is about though "heavy" is not "weight"; the units of time after a number ("30
days", "3-5 working days") are part of the figure, no word of either. A passage line of only a label and figures
("Price: £129 / €139 / ¥899.") states them about its passage's subject: an answer's sentence naming a name of the
passage's title ("The HomeHub costs £129.", title "Voltway HomeHub – Setup and Troubleshooting", or naming none when
the question does) states them about what the passage does. Figures the question states and a list's numbering ("1.
Press ...") are left alone, and so are Chinese questions and sentences (not measured). A sentence opening with a
pronoun ("It takes 1-3 working days.") is about the answer's sentence before it: its figure is in context in a passage
sentence that also states a figure of that sentence ("... costs €12.99."), and it names what that sentence names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from knowledge_base.lexical import tokenize
from knowledge_base.text import HAN, reads_as_chinese, sentences
from knowledge_base.vocabulary import NUM_UNIT
from service.claim_forms import CITATION
from service.extractive import split_sentences
from service.grounding import Claim, Grounder

# A sentence opening with a pronoun continues the one before it: "Express shipping to Germany costs €12.99. It takes
# 1-3 working days." (the second shares no word of its own with "Express delivery (1-3 working days) costs €12.99.").
_CONTINUES = re.compile(r"\s*(?:it|its|they|their|this|that|these|those|which)\b", re.IGNORECASE)
_LIST_NUMBER = re.compile(r"^\s*\d{1,2}[.)]\s+", re.MULTILINE)
_HAS_DIGIT = re.compile(r"\d")
# A line of only a label and figures, "Price: £129 / €139 / ¥899." or "- Weight: 250 g": a short label, a colon, and
# figures with at most units or currency codes (words of up to four letters) between them. The label says what the
# figures are; whose they are, the passage's title.
_LABEL_LINE = re.compile(r"^\s*(?:[-*•]\s*)?[^:：\d]{1,40}[:：]\s*[^A-Za-z]*(?:[A-Za-z]{1,4}\b[^A-Za-z]*)*$")
# Units of a physical quantity or of data (`knowledge_base.vocabulary.UNITS` less time, ordinals and the ambiguous
# "m", "in", "s", "x"): the quantity a figure written with one measures.
MEASURES = frozenset(
    "g kg mg mm cm km inch gb tb mb kb gbps mbps w kw wh mah v hz khz mhz ghz mp".split()
)


class FigureContextCheck:
    def __init__(self, passages: Sequence[str], question: str = "", vocabulary: Iterable[str] = ()):
        vocabulary = frozenset(vocabulary)
        self._names = name_words(vocabulary)
        self._on = bool(question) and not reads_as_chinese(question, 0.5)
        self._reader = Grounder([], vocabulary=vocabulary)  # reads an answer's figures (`check(...).claims`)
        self._question = Grounder([question], vocabulary=vocabulary)
        self._question_names = self._named(question)  # what an answer's sentence naming nothing is about ("It costs ...")
        # What an answer's sentence is about besides its own words: what was asked ("30 days." answers "how long do i
        # have to return"; with a duration's unit no word in common, such short answers have no words of their own).
        self._question_words = self._words(question) if self._on else set()
        # Each passage sentence that states a figure, with what it supports, its words, and for a line that is only
        # a label and figures, what it is about: the names of its passage's title (its first line).
        self._sentences = []
        for passage in passages if self._on else ():
            subject = self._named(passage.partition("\n")[0])
            for sentence in split_sentences(passage):
                if _HAS_DIGIT.search(sentence):
                    about = subject if _LABEL_LINE.match(sentence) else frozenset()
                    grounder = Grounder([sentence], vocabulary=vocabulary)
                    self._sentences.append((sentence, grounder, self._words(sentence), about))

    def _words(self, text: str) -> set[str]:
        tokens = _without_time_units(tokenize(text))
        return content_words(tokens, self._names) | _measures(tokens)

    def _named(self, text: str) -> frozenset[frozenset[str]]:
        """The knowledge base's names `text` states, each as its set of words."""
        return frozenset(frozenset(tokenize(c.key)) for c in self._reader.check(text).claims if c.kind == "term")

    def verdict(self, answer: str) -> str | None:
        if not self._on:
            return None
        before: tuple[frozenset, list[Claim]] = (frozenset(), [])  # the previous sentence's names and figures
        for sentence in sentences(CITATION.sub(" ", _LIST_NUMBER.sub("", answer))):
            if HAN.search(sentence):
                continue  # a Chinese sentence's words are character pairs, which `_words` does not keep
            figures = [c for c in self._reader.check(sentence).claims if c.kind == "number"]
            own_names = self._named(sentence)
            words, names, companions = self._words(sentence) | self._question_words, own_names, []
            if _CONTINUES.match(sentence):  # "It takes 1-3 working days." is about the sentence before it
                names, companions = own_names or before[0], before[1]
            before = (own_names, figures)
            for claim in figures:
                if holder := self._out_of_context(claim, words, names or self._question_names, companions):
                    return f"{claim.text} stated about other things than its passage sentence ({holder[:120]!r})"
        return None

    def _out_of_context(
        self, claim: Claim, words: set[str], names: frozenset[frozenset[str]], companions: Sequence[Claim] = (),
    ) -> str | None:
        """The passage sentence stating `claim` when none that states it shares a word with the answer's sentence
        (whose `words` and `names` are given), nor, for a line of only a label and figures, a name with its passage's
        title ("The HomeHub costs £129." from "Price: £129 / €139 / ¥899." under "Voltway HomeHub – Setup ..."), nor
        states one of the `companions` too (the figures of the sentence a pronoun continues: "Express shipping costs
        €12.99. It takes 1-3 working days." from "Express delivery (1-3 working days) costs €12.99.")."""
        if self._question.supported(claim):
            return None
        holders = [holder for holder in self._sentences if holder[1].supported(claim)]
        if not holders or any(
            words & theirs or _same_subject(names, about) or any(grounder.supported(c) for c in companions)
            for _, grounder, theirs, about in holders
        ):
            return None
        return holders[0][0]


@lru_cache(maxsize=8)
def name_words(vocabulary: frozenset[str]) -> frozenset[str]:
    """The words (`tokenize`'s stems) of the knowledge base's names: once per vocabulary, not once per answer's check
    (about 4 ms for the sample base's 52 names)."""
    return frozenset(word for name in vocabulary for word in tokenize(name))


def content_words(tokens: Iterable[str], names: Iterable[str] = ()) -> set[str]:
    """The words among `tokens` (`tokenize`'s stems) that say what a sentence is about: three letters or more, no
    digits, none of the knowledge base's `names`' words (`name_words`)."""
    names = names if isinstance(names, (set, frozenset)) else set(names)
    return {w for w in tokens if len(w) > 2 and not _HAS_DIGIT.search(w) and w not in names}


def _same_subject(names: frozenset[frozenset[str]], about: frozenset[frozenset[str]]) -> bool:
    """Whether a name among `names` is one among `about`, or part of one ("HomeHub" of "Voltway HomeHub")."""
    return any(a <= b or b <= a for a in names for b in about)


# A duration's unit and the words between it and its number ("3-5 working days"), as `tokenize` stems them.
TIME_UNITS = frozenset(tokenize("minutes mins hours hrs days weeks months years working business calendar seconds nights"))


def _without_time_units(tokens: Sequence[str]) -> list[str]:
    """`tokens` less the units of time written after a number ("30 days", "3-5 working days"): they are part of the
    figure, not words of what it is about. Asked how long a password-reset link is valid, the 1.5B answered "The reset
    link is valid for 30 days." from "... return it within our 30-day return window": the two sentences share only
    "day" (session 48)."""
    kept, after_number = [], False
    for token in tokens:
        if after_number and token in TIME_UNITS:
            continue  # still after the number: "working" then "days"
        after_number = token.isdigit()
        kept.append(token)
    return kept


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
