"""The grounding guard as a stream check: how much of a growing answer may be shown, and whether the
whole answer may stand.

    guard = GroundingGuard.for_answer(passage_texts, question, vocabulary, contacts=allow_list)
    guard.releasable("Returns are free within 30 da")   # -> a length: the text up to a safe point
    guard.final("Returns take 3 days.")                 # -> ["3"]: the answer must be replaced

Contract: text is released only up to the last word boundary (a space, or a Chinese character: Chinese has
no spaces), never with a number at its end (it may still grow: "3" into "30", "3" into "3 days"), and never
past the start of a claim not yet known to be supported, so nothing a customer sees on screen states an
unsupported number, name, address or link. The checkers are the passages' `Grounder` (what they state), the
`UnmentionedNameCheck` (a name the customer asked about that no passage mentions),
the company's contact allow-list (`service.contacts`: a link, address or phone number it does not allow
fails even when a passage states it) and the instructions' leak check (`service.leaks`). An answer of nothing but citations fails `final`;
one that copies the prompt's passage block, a passage's label ("[1] Title > Heading", `labels`) at the start of a
line followed by its text, fails as soon as the label is complete (small models answer by pasting the passages). A claim counts as unsupported while streaming only once `settle_chars` of text follow
it (a number may still be growing into a phone number or a longer amount); `final` checks everything, and also
reads the whole answer for the customer's figure in place of the passages' (`PremiseCheck`) and a passage's figure
with words the passages put with another figure (`SwappedFigureCheck`: "40 hours with ANC off" where they say 55) and
a Chinese yes about a thing of the question that no passage holds (`UnmentionedYesCheck`: "是的，笔记本电脑有触摸屏。") and
opening hours put on a day the passages give other hours for (`WeekdayTimesCheck`: "open on Sundays from 09:00") and
a day said closed that they give hours for, or open that they say is closed (`OpenDaysCheck`: "not open on Sunday") and
prices only in another currency than the customer's region pays in (`CustomerCurrencyCheck`: "£3.99" to Ireland).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Protocol

from knowledge_base.text import HAN_RANGES
from service.bare_figures import BareFigureCheck
from service.claim_forms import CITATION
from service.claim_forms import CN_NUMERAL as _NUMERALS
from service.customer_currency import CustomerCurrencyCheck
from service.echoes import Echoes, echoes_a_yes, stated_by
from service.elapsed import ElapsedLimitCheck
from service.figure_swaps import SwappedFigureCheck
from service.grounding import Claim, Grounder, PremiseCheck, UnmentionedNameCheck
from service.repeats import PreviousReply
from service.unmentioned_yes import UnmentionedYesCheck
from service.weekday_times import OpenDaysCheck, WeekdayTimesCheck

_CJK = re.compile(rf"[\u3000-\u303f{HAN_RANGES}\uff00-\uffef]")
# A number (digits, a number word, Chinese numerals) and what is glued to it, at the end of the text.
_TRAILING_NUMBER = re.compile(
    rf"(?:[^\s]*\d[^\s]*|[{_NUMERALS}]+|(?<![A-Za-z])(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve|[a-z]+teen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand)(?:-[a-z]+)?)\s*$",
    re.IGNORECASE,
)

# A letter or a Chinese character, or a figure with its unit or currency: "[1] 13%" answers "13% or 9% VAT?" (a
# bare "[1] 1." says nothing).
_SAYS_SOMETHING = re.compile(r"[^\W\d_]|\d\s*[%％]|[£€$¥]\s*\d")


class _Result(Protocol):
    unsupported: list[Claim]


class Checker(Protocol):
    """Reads a text and reports what it states that may not reach a customer."""

    def check(self, text: str) -> _Result: ...


class WholeAnswerCheck(Checker, Protocol):
    """A `Checker` that reads whole answers only (what gives a claim away may come after it), and says why (`LABEL`)."""

    LABEL: str


class GroundingGuard:
    def __init__(
        self, checkers: Sequence[Checker], *, settle_chars: int = 12, says_something: bool = True,
        echoes: Echoes | None = None, whole: Sequence[WholeAnswerCheck] = (), labels: Iterable[str] = (),
        question: str | None = None, passages: Iterable[str] = (), previous: PreviousReply | None = None,
    ):
        self._checkers = list(checkers)
        # "[n] " and a label at the start of the answer or of a line, and something after it; or a line of that
        # shape that starts like a label ("[1] 退货与退款政策 > 退款时间", the model's shortening of one) and text after it.
        labels = [label for label in labels if label]
        starts = {label[:4] for label in labels}
        self._pasted = re.compile(
            r"(?:^|\n)\s*\[\d+\]\s*(?:(?:" + "|".join(map(re.escape, labels)) + r")\s*\S"
            r"|(?:" + "|".join(map(re.escape, starts)) + r")[^\n\[\]]{0,80}\s[>›]\s[^\n]{1,80}\n\s*\S)"
        ) if labels else None
        self._whole = list(whole)
        self.settle_chars = settle_chars
        self.says_something = says_something
        self._echoes = echoes
        self._previous = previous  # the assistant's reply before, which an answer to a new message must not repeat
        self._question = question  # for the echoed "Yes, <the question>" (`echoes_a_yes`)
        self._passages = Echoes(passages)  # ... unless the passages say it themselves (`stated_by`)
        self._checked_upto = 0
        self._released = 0

    @classmethod
    def for_answer(
        cls, passages: Sequence[str] | None, question: str = "", vocabulary: Iterable[str] = (), *,
        contacts: Checker | None = None, leaks: Checker | None = None, headings: Iterable[str] = (),
        labels: Iterable[str] = (), previous: PreviousReply | None = None,
    ) -> "GroundingGuard":
        """The guard of one answer: grounded in `passages` (None: not checked against them), saying more than
        the question and the passages' `headings` (titles, headings, FAQ questions) repeat, not pasting the
        passages as the prompt labels them (`labels`), not the `previous` reply again, and within the contact
        allow-list and the leak check where given."""
        if passages is None:
            return cls([c for c in (contacts, leaks) if c is not None], says_something=False)
        return cls(
            [
                Grounder(passages, question=question, vocabulary=vocabulary),
                UnmentionedNameCheck(passages, question, vocabulary),
                *(c for c in (contacts, leaks) if c is not None),
            ],
            echoes=Echoes([question, *headings]), labels=labels,
            whole=[
                PremiseCheck(passages, question, vocabulary), SwappedFigureCheck(passages, question, vocabulary),
                UnmentionedYesCheck(passages, question, vocabulary), WeekdayTimesCheck(passages, question, vocabulary),
                OpenDaysCheck(passages, question, vocabulary), CustomerCurrencyCheck(passages, question, vocabulary),
                ElapsedLimitCheck(passages, question, vocabulary), BareFigureCheck(passages, question, vocabulary),
            ],
            question=question, passages=passages, previous=previous,
        )

    def _pastes_passages(self, text: str) -> bool:
        return self._pasted is not None and bool(self._pasted.search(text))

    def _unsupported(self, text: str) -> list[Claim]:
        return [claim for checker in self._checkers for claim in checker.check(text).unsupported]

    def releasable(self, text: str) -> int | None:
        cut = _last_boundary(text)
        if cut <= self._checked_upto:
            return self._released
        self._checked_upto = cut
        head = text[:cut]
        if self._pastes_passages(head):
            return None
        if not self._released and self._echoes is not None and self._echoes.may_become_nothing(head):
            return 0  # so far only the question or a heading repeated: it may stay that way
        if not self._released and self._previous is not None and self._previous.may_become_repeat(head):
            return 0  # so far only the previous reply again
        release = cut
        for claim in self._unsupported(head):
            start = head.rfind(claim.text)
            start = start if start >= 0 else 0
            if cut - (start + len(claim.text)) >= self.settle_chars:
                return None  # complete and unsupported: the answer must not stand
            release = min(release, start)
        self._released = max(self._released, release)
        return self._released

    def final(self, text: str) -> list[str]:
        """The unsupported items of the whole answer; an answer that is only citations ("[1]", a habit of
        small models) says nothing and fails too, unless `says_something` is off, and so does one whose every item is
        supported but whose opening "Yes, ..." only says the `question` back (`echoes_a_yes`: a guessed verdict) in
        words the `passages` do not state themselves (`stated_by`)."""
        if self.says_something and not _SAYS_SOMETHING.search(CITATION.sub("", text)):
            return ["an answer with nothing but citations"]
        if self._echoes is not None and self._echoes.says_nothing(text):
            return ["an answer that only repeats the question or the passages' headings"]
        if self._pastes_passages(text):
            return ["an answer that pastes the passages as the prompt shows them"]
        if self._previous is not None and self._previous.repeated_by(text):
            return ["an answer that repeats the previous reply"]
        unsupported = [claim.text for claim in self._unsupported(text)] + [
            f"{claim.text} ({check.LABEL})" for check in self._whole for claim in check.check(text).unsupported
        ]
        echoed = self._question and echoes_a_yes(text, self._question) and not stated_by(text, self._passages)
        if not unsupported and echoed:
            return ["an answer whose yes only says the question back"]
        return unsupported


def _last_boundary(text: str) -> int:
    """Where the text may be cut now: after its last whole word, and before a number at its end."""
    i = len(text)
    while i > 0 and not (text[i - 1].isspace() or (_CJK.match(text[i - 1]) and text[i - 1] not in _NUMERALS)):
        i -= 1
    trailing = _TRAILING_NUMBER.search(text, 0, i)
    return trailing.start() if trailing else i
