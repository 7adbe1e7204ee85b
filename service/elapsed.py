"""A yes past the time limit: the customer says how long they have had something, and the answer says they still can,
where the passage that gives the limit for it says the time is over.

Customers say how long ago they bought or received something ("bought it 5 weeks ago", "after 18 months", "两个月前买的",
"用了一年半") and ask whether they still can; the passages give the limit in other units ("within 30 days", "2 年"). The
bundled 1.5B does not convert and compare: asked "can i return a laptop i bought 5 weeks ago, it works fine i just dont
need it", it said "Yes, you can return the laptop you bought 5 weeks ago for a full refund" beside "You can return most
items within 30 days of delivery" (session 57, tried through `make run`), and a note after the question doing the
arithmetic for it ("5 weeks (about 35 days) is more than 30 days") did not help: "This is more than 30 days, so you can
return it" (docs/answer-quality.md, session 57). Every fact of such an answer is a passage's or the customer's, so the
grounding guard passes it.

    check = ElapsedLimitCheck(["You can return most items within 30 days of delivery."], "can i return a laptop i bought 5 weeks ago")
    check.check("Yes, you can return the laptop you bought 5 weeks ago for a full refund.").unsupported
    # -> [Claim("number", "30 days", "dur:30:day")]: 5 weeks is past it

Contract: `customer_durations(question)` finds the durations the customer says have passed: a number (digits, English
number words, "a"/"an", Chinese numerals) and a unit of days, weeks, months or years, followed by "ago" or "old" or
after "after" or "for" ("had it for 2 years"), or in Chinese followed by "前", "了" or "的" or after "用了", "买了",
"收到", "签收", "已经", "有" (also "一年半", "半年", "一年多"). `passage_limits(passages)` are the passages' durations in
those units (`service.claims`; working days left out: they count how long something takes, not a limit a purchase's
age can be compared with). `ElapsedLimitCheck.check(answer)` reports the limit when the answer says yes (it opens with
a yes, "you can", "still covered", "可以", "能", "还在", ...; not a "not" in its first sentence), the question does not ask
whether it is too late ("too late", "expired", "过期", "来不及"), and the limit is the one whose passage sentence shares
the most words with the question (alone at the top, at least one word shared), a limit the customer's time is past
(months as 30 days, years as 365).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from knowledge_base.lexical import tokenize
from knowledge_base.text import HAN as _HAN
from knowledge_base.text import sentences
from service import claim_forms as forms
from service.claim_forms import CITATION
from service.claims import Claim, facts
from service.echoes import OPENING_MARKS
from service.grounding import GroundingResult

DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}
_UNIT_NAMES = {
    "en": {"day": ("day", "days"), "week": ("week", "weeks"), "month": ("month", "months"), "year": ("year", "years")},
    "zh": {"day": ("天", "天"), "week": ("周", "周"), "month": ("个月", "个月"), "year": ("年", "年")},
}

_EN_NUMBER = r"\d+(?:\.\d+)?|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen|twenty|thirty"
_EN_UNIT = r"(?P<unit>day|week|month|year|yr)s?"
# "5 weeks", "a year and a half", "2 and a half years", "18-month".
_EN_DURATION = rf"(?P<n>{_EN_NUMBER})(?P<half>\s+and\s+a\s+half)?[\s-]*(?:\+\s*)?{_EN_UNIT}(?P<half_after>\s+and\s+a\s+half)?"
_EN_AGO = re.compile(rf"\b{_EN_DURATION}(?:\s+or\s+so)?\s+(?:ago|old)\b", re.I)
_EN_AFTER = re.compile(
    rf"\b(?:after|for)\s+(?:about\s+|around\s+|nearly\s+|almost\s+|over\s+)?{_EN_DURATION}\b", re.I
)
_ZH_NUMBER = rf"\d+(?:\.\d+)?|[{forms.CN_NUMERAL}]+"
_ZH_UNIT = r"(?P<unit>天|周|星期|礼拜|个月|年)"
_ZH_DURATION = rf"(?P<n>{_ZH_NUMBER})\s*(?:个)?{_ZH_UNIT}(?P<half>半)?(?P<more>多)?"
_ZH_AGO = re.compile(rf"{_ZH_DURATION}(?=前|了|的|以前)")
_ZH_AFTER = re.compile(rf"(?:用了|买了|收到|签收|已经|有)\s*{_ZH_DURATION}")
_ZH_HALF_YEAR = re.compile(r"(?:用了|买了|已经)?半年(?=前|了|的|多)?")
_ZH_UNITS = {"天": "day", "周": "week", "星期": "week", "礼拜": "week", "个月": "month", "年": "year"}


@dataclass(frozen=True)
class Duration:
    """`value` `unit`s ("day", "week", "month", "year"); `more`: "over" that ("一年多")."""

    value: float
    unit: str
    more: bool = False

    @property
    def key(self) -> str:
        """The duration's claim key (`service.claims`): "dur:30:day"."""
        return f"dur:{self.value:g}:{self.unit}"

    @property
    def days(self) -> float:
        return self.value * DAYS[self.unit]

    def written(self, language: str) -> str:
        """As a limit reads in `language`: "30 days", "2 年"."""
        singular, plural = _UNIT_NAMES[language][self.unit]
        return f"{self.value:g} {singular if self.value == 1 else plural}"


def _en_value(text: str) -> float | None:
    text = text.lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    if text in ("a", "an"):
        return 1.0
    return float(forms.word_number(text)) or None


def _zh_value(text: str) -> float | None:
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    return float(forms.chinese_number(text)) or None


def _with_half(value: float, unit: str, half: bool) -> Duration:
    """`value` `unit`s, and a half more: a year and a half as 18 months (a year is not 360 days)."""
    if half and unit == "year":
        return Duration(value * 12 + 6, "month")
    return Duration(value + (0.5 if half else 0), unit)


def customer_durations(question: str) -> list[Duration]:
    """The durations `question` says have passed since the customer's purchase, delivery or order, in order, each once."""
    found: list[tuple[int, Duration]] = []
    for pattern in (_EN_AGO, _EN_AFTER):
        for m in pattern.finditer(question):
            value = _en_value(m.group("n"))
            if value:
                unit = "year" if m.group("unit").lower() == "yr" else m.group("unit").lower()
                found.append((m.start(), _with_half(value, unit, bool(m.group("half") or m.group("half_after")))))
    for pattern in (_ZH_AGO, _ZH_AFTER):
        for m in pattern.finditer(question):
            value = _zh_value(m.group("n"))
            if value:
                duration = _with_half(value, _ZH_UNITS[m.group("unit")], bool(m.group("half")))
                found.append((m.start("n"), Duration(duration.value, duration.unit, bool(m.group("more")))))
    if not found:
        found = [(m.start(), Duration(6, "month")) for m in _ZH_HALF_YEAR.finditer(question)]
    seen: dict[int, Duration] = {}
    for start, duration in sorted(found, key=lambda f: f[0]):
        if all(abs(start - s) > 3 for s in seen):  # one reading of a span both patterns read ("for 3 weeks ago")
            seen[start] = duration
    unique: list[Duration] = []
    for duration in seen.values():
        if duration not in unique:
            unique.append(duration)
    return unique


_KEY = re.compile(r"^dur:(?P<value>[\d.]+):(?P<unit>day|week|month|year)$")
_NO_TERMS = forms.terms(frozenset())  # durations only: no vocabulary names to mask


def passage_limits(passages: Sequence[str]) -> list[Duration]:
    """The passages' durations in days, weeks, months or years (not working days), smallest first, each once."""
    limits: dict[float, Duration] = {}
    for passage in passages:
        working = forms.working_day_values(passage)
        for _, _, key in facts(passage, _NO_TERMS, strict=True):
            m = _KEY.match(key)
            if not m or (m.group("unit") == "day" and m.group("value") in working):
                continue
            duration = Duration(float(m.group("value")), m.group("unit"))
            limits.setdefault(duration.days, duration)
    return [limits[days] for days in sorted(limits)]


# Whether it is too late, not whether they still can: a yes says the time is over.
_ASKS_IF_LATE = re.compile(r"too late|expired?\b|run out|ran out|past the|过期|过了|来不及|晚了|超过", re.I)
_YES_OPENING = re.compile(rf"{OPENING_MARKS}(?:yes|yeah|yep|sure|of course)\b", re.I)
_YES_EN = re.compile(
    r"\byou (?:can|may|are (?:still )?(?:able|eligible|covered|within))\b|\b(?:is|are) still (?:covered|under|valid|good|within)\b",
    re.I,
)
_NOT_EN = re.compile(r"^\W*(?:no|unfortunately|sorry)\b|\b(?:not|cannot|no longer|never|only)\b|n't\b", re.I)
_YES_ZH = re.compile(rf"{OPENING_MARKS}(?:是的|可以|能|还能|还可以|仍可|仍然可以|还在|在保修|仍在|有效|还有效)")
_NOT_ZH = re.compile(r"不|没|无法|已过|超过|过期|只")


def says_yes(answer: str, limit: Duration) -> bool:
    """The answer's first sentence says the customer still can: it opens with a yes ("Yes", "可以", "还在"), or says "you
    can", "still covered"; not when it says "not", "only", "不", "无法" or "超过", nor, without a yes at its opening, when
    it states the `limit` itself ("You can return most items within 30 days."): the rule, for the customer to apply."""
    first = CITATION.sub(" ", (sentences(answer) or [""])[0])
    if _NOT_EN.search(first) or (_HAN.search(first) and _NOT_ZH.search(first)):
        return False
    if _YES_OPENING.match(answer):
        return True
    states_limit = any(key == limit.key for _, _, key in facts(first, _NO_TERMS, strict=True))
    return not states_limit and bool(_YES_EN.search(first) or _YES_ZH.match(first))


def _terms(text: str) -> set[str]:
    """Words to match a limit's sentence with the question by: stems, and Chinese words of two characters or more."""
    return {t for t in tokenize(text) if len(t) >= 2 and not t.isdigit()}


class ElapsedLimitCheck:
    LABEL = "a yes past the time limit"

    def __init__(self, passages: Sequence[str], question: str = "", vocabulary: Iterable[str] = ()):
        self._elapsed = [] if _ASKS_IF_LATE.search(question) else customer_durations(question)
        limit, sentence = (_applying_limit(passages, question) if self._elapsed else None) or (None, "")
        self._limit = limit
        self._written = limit.written("zh" if _HAN.search(sentence) else "en") if limit else ""

    def check(self, answer: str) -> GroundingResult:
        if self._limit is None or not says_yes(answer, self._limit):
            return GroundingResult(ok=True, unsupported=[], claims=[])
        past = [e for e in self._elapsed if e.days > self._limit.days or (e.more and e.days >= self._limit.days)]
        claim = Claim("number", self._written, self._limit.key)
        return GroundingResult(ok=not past, unsupported=[claim] if past else [], claims=[claim])


def _applying_limit(passages: Sequence[str], question: str) -> tuple[Duration, str] | None:
    """The limit whose passage sentence shares the most words with `question` (alone at the top, at least one), with the
    sentence; None when no sentence with a limit is the one."""
    asked = _terms(question)
    scored: list[tuple[int, Duration, str]] = []
    for passage in passages:
        for sentence in sentences(passage):
            limits = passage_limits([sentence])
            if len(limits) == 1:  # a sentence of several limits says which is which in words we do not read
                scored.append((len(asked & _terms(sentence)), limits[0], sentence))
    scored.sort(key=lambda s: -s[0])
    if not scored or scored[0][0] == 0 or (len(scored) > 1 and scored[1][0] == scored[0][0] and scored[1][1] != scored[0][1]):
        return None
    return scored[0][1], scored[0][2]
