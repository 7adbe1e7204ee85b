"""Drafts checked against their facts: what the Write tab drafts states only what the knowledge base states, or
says where it does not.

    check = DraftCheck(passages, brief, vocabulary)
    check.marked("Your headphones are covered for 14 months.")
    # -> ("Your headphones are covered for [check: 14 months].", ["14 months"])

A draft is for a person to read before it goes out (a reply e-mail, product copy, a post, an FAQ entry), so a figure
it states that the passages do not is not replaced by other text, as a customer's answer is (`service.guard`): it is
marked where it stands, as the placeholder in square brackets the content prompt asks the model to write for a fact
it lacks, with what the model wrote inside, and listed for the note under the draft. Asked to answer "my Aria X2
stopped charging after 14 months, is it under warranty?", the bundled 1.5B wrote "The warranty period for this model
is 14 months" (the warranty is 2 years).

Contract: `marked(draft)` -> (the draft with every occurrence of each unsupported claim written "[check: X]", the
claims as marked, X, in order of appearance). Unsupported is what the grounding guard's `Grounder` finds in neither
the passages nor the brief; what `PremiseCheck` finds taken from the brief where the passages state a figure of that
kind of their own (the customer's "14 months" given as the warranty), read sentence by sentence and marked only in the
sentences that take it so (not where the draft says the customer's situation back, the figure followed by the word the
brief follows it with: "you bought it 14 months ago"); a passage's figure given with the words the passages put with
another figure (`SwappedFigureCheck`, "up to 40 hours with ANC off" where they say 55), marked in its sentence; and a
name the brief asks about that no passage mentions (`UnmentionedNameCheck`). A hashtag spelling a name of the
vocabulary without its spaces ("#AriaX2") is that name, marked only where the name would be; a number is never
marked inside a name of the vocabulary ("Nimbus 14" where "14 英寸" is marked). A
duration is marked with its unit ("14 months"); a number only where it stands alone, not inside a longer number or a
word ("140", "X14"). Needs no model; never raises on odd text.

Why sentence by sentence: `PremiseCheck` lets the customer's figure pass when the text also states a passage's figure
of that kind ("After 14 months you are still within the 2-year warranty."), which is right for a short answer; a reply
e-mail is long, and a list of exclusions further down it ("ear cushions after the first 6 months") let "The warranty
for this product is valid for 14 months" through.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from knowledge_base.text import HAN, sentence_spans
from service import claim_forms as forms
from service.claim_forms import duration_unit_end
from service.figure_swaps import SwappedFigureCheck
from service.grounding import Claim, Grounder, PremiseCheck, UnmentionedNameCheck

MARK = "[check: {}]"


class DraftCheck:
    """The passages and the brief of one draft, indexed once."""

    def __init__(
        self, passages: Sequence[str], brief: str = "", vocabulary: Iterable[str] = (), company: str = "",
        example_terms: Iterable[str] = (),
    ):
        """`company`: the name the draft signs with, which no passage need state; `example_terms`: the words of the
        made-up facts of worked examples the model was shown (`prompts.EXAMPLE_TERMS`): a draft sentence using one
        that no passage uses copied an example, whatever the brief asks ("can i turn my points into cash?" drew the
        example's "Points can't be exchanged for cash ..."), and is marked whole."""
        vocabulary = frozenset(vocabulary)
        stated = "\n".join(passages).lower()
        unstated = [t for t in example_terms if t.lower() not in stated]
        self._copied = re.compile(
            "|".join(t if HAN.search(t) else rf"\b{re.escape(t)}\b" for t in unstated), re.I,
        ) if unstated else None
        self._checks = (
            Grounder([*passages, company], question=brief, vocabulary=vocabulary),
            UnmentionedNameCheck(passages, brief, vocabulary),
        )
        self._hashtag_names = {_squeezed(name): name for name in (*vocabulary, company) if name}
        self._names = forms.terms(vocabulary)
        self._premise = PremiseCheck(passages, brief, vocabulary)
        self._swaps = SwappedFigureCheck(passages, brief, vocabulary)
        self._brief = brief

    def unsupported(self, draft: str) -> list[tuple[Claim, tuple[int, int]]]:
        """The claims of `draft` it may not state as they stand, each with the stretch of the draft where it may not,
        as (start, end): the whole draft, or for the customer's figure the sentence taking it; one per claim (kind,
        key) and stretch."""
        found: dict[tuple[str, str, tuple[int, int]], tuple[Claim, tuple[int, int]]] = {}
        whole = (0, len(draft))
        for check in self._checks:
            for claim in check.check(draft).unsupported:
                if not self._a_stated_name_as_hashtag(draft, claim):
                    found.setdefault((claim.kind, claim.key, whole), (claim, whole))
        for start, end in sentence_spans(draft):
            sentence = draft[start:end]
            copied = self._copied.search(sentence) if self._copied else None
            if copied and sentence.strip():
                claim = Claim("term", sentence.strip(), f"example:{copied.group().lower()}")
                found.setdefault((claim.kind, claim.key, (start, end)), (claim, (start, end)))
            taken = [c for c in self._premise.check(sentence).unsupported if not _said_back(sentence, c, self._brief)]
            for claim in [*taken, *self._swaps.check(sentence).unsupported]:
                found.setdefault((claim.kind, claim.key, (start, end)), (claim, (start, end)))
        return list(found.values())

    def marked(self, draft: str) -> tuple[str, list[str]]:
        # A number is not marked inside a name of the vocabulary ("Nimbus 14" in a draft whose "14 英寸" is marked).
        names = [m.span() for m in self._names.find(draft)]
        spans = sorted({
            (start, end) for claim, within in self.unsupported(draft) for start, end in _occurrences(draft, claim, within)
            if not any(n_start <= start and end <= n_end and (start, end) != (n_start, n_end) for n_start, n_end in names)
        })
        text, done, flagged = [], 0, []
        for start, end in spans:
            if start < done:
                continue  # inside a span already marked ("£19" in "£19 / €22" marked as one)
            written = draft[start:end]
            text += [draft[done:start], MARK.format(written)]
            done = end
            if written not in flagged:
                flagged.append(written)
        return "".join(text) + draft[done:], flagged

    def _a_stated_name_as_hashtag(self, draft: str, claim: Claim) -> bool:
        """Whether `claim` stands in `draft` only as hashtags spelling a name of the knowledge base's vocabulary (or the
        company's) without its spaces, a name the passages or the brief state: "#AriaX2" is "Aria X2", not a code the
        facts lack. A name they do not state ("#Nimbus14" in a post about the Aria X2) stays marked."""
        name = self._hashtag_names.get(_squeezed(claim.text))
        spots = list(_occurrences(draft, claim, (0, len(draft))))
        if name is None or not spots or any(draft[start - 1:start] != "#" for start, _ in spots):
            return False
        return self._checks[0].check(name).ok


def _squeezed(name: str) -> str:
    """A name as a hashtag writes it: lower case, without spaces, hyphens or dots."""
    return re.sub(r"[\s.-]+", "", name).lower()


def _said_back(sentence: str, claim: Claim, brief: str) -> bool:
    """Whether `sentence` gives the customer's figure followed by the word the `brief` follows it with ("you purchased
    it 14 months ago" after "bought it 14 months ago"): the customer's situation said back, not the company's figure."""
    after = _words_after(sentence, claim)
    return bool(after & _words_after(brief, claim))


def _words_after(text: str, claim: Claim) -> set[str]:
    """The word after each place `claim` stands in `text` (after its unit, for a duration), in lower case."""
    words = set()
    for _, end in _occurrences(text, claim, (0, len(text))):
        word = _NEXT_WORD.match(text, end)
        if word:
            words.add(word.group(1).lower())
    return words


_NEXT_WORD = re.compile(r"\s*([A-Za-z]+|[\u4e00-\u9fff]{1,2})")


def _occurrences(draft: str, claim: Claim, within: tuple[int, int]) -> list[tuple[int, int]]:
    """Where `claim` stands in `draft` between `within`'s start and end, as (start, end): a duration with its unit,
    anything else as written, never inside a longer number or word."""
    pattern = re.compile(rf"(?<![A-Za-z0-9.,]){re.escape(claim.text)}(?![A-Za-z0-9])")
    spans = []
    for m in pattern.finditer(draft, *within):
        end = m.end()
        if claim.key.startswith("dur:"):
            end = duration_unit_end(draft, end)
            if end is None:
                continue  # the same number not as a duration ("Nimbus 14")
        spans.append((m.start(), end))
    return spans
