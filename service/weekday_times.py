"""Opening hours put on the wrong day: asked "what time do your stores open on saturdays", the 1.5B answered "The
stores open on Saturdays from 11:00 to 17:00 (local time)." from "Opening hours: Monday to Saturday 10:00-20:00, Sunday
11:00-17:00 (local time)."; asked "is ur phone line open on sundays?", "The phone line is open on Sundays from 09:00 to
17:00 (UK time)." from "... Saturday 09:00-17:00 UK time, closed Sundays" (session 48). Every time in them is a
passage's, so the grounding guard passes them; what is wrong is the day they are put on.

    check = WeekdayTimesCheck(["Monday to Saturday 10:00-20:00, Sunday 11:00-17:00."], "when do you open on saturday")
    check.check("We open on Saturdays from 11:00 to 17:00.").unsupported  # -> [Claim "11:00", Claim "17:00"]

Contract: `check(answer)` reports the clock times of an answer clause that names days of the week (a day, a range of
them, "weekdays", "weekends", "daily") when the passage clauses stating that time name days too and none of them names
any day the answer's clause does. Any, not every: a clause may name more days than its time is for ("Our weekend hours
are Saturday 10:00-20:00 and Sunday 11:00-17:00", "closed on Sundays so call us on Monday from 08:00"), so "We are
open daily 10:00-20:00" (not on Sundays) passes. Clauses are `figure_swaps.figure_clauses`' ("Monday to Friday 08:00-20:00,
Saturday 09:00-17:00" is two). A time that only clauses without days state ("Orders placed before 16:00 UK time") and
a time the question states are left alone, and so are Chinese answers and questions (the Chinese documents' hours are
"每天"; not measured).

`OpenDaysCheck` reads the days themselves: asked "is the berlin store open on sunday afternoons?", the 1.5B answered
"No, the Berlin store is not open on Sunday afternoons." from "... Sunday 11:00-17:00 (local time)" (session 49). Its
`check(answer)` reports the days an English answer clause says something is closed on ("closed", "not open", "cannot
call / ring / visit ...") when every passage sentence giving hours (days with times) gives that day hours and no
passage clause says anything is closed on it (the phone line's "closed Sundays", or its hours for Monday to Saturday
only, beside the stores' Sunday hours, let "the phone line is not open on Sundays" pass); and the other way round, the
days an answer clause says something is open on when a passage clause says something is closed on them and none gives
them hours. A clause stating a time is `WeekdayTimesCheck`'s.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from knowledge_base.text import HAN, reads_as_chinese, sentences
from service import claim_forms as forms
from service.claim_forms import CITATION
from service.claims import Claim, facts
from service.figure_swaps import figure_clauses
from service.grounding import Grounder, GroundingResult

# A day's name in any case ("sundays"), or its abbreviation with a capital ("Mon-Sat"; "sat" and "thus" are words). Not
# `claim_forms.WEEKDAY_RANGE`'s reading: it takes abbreviations in any case and no "thru", and single ones not at all.
_DAY = (
    r"\b(?:(?i:(mon|tue|wed|thu|fri|sat|sun)(?:day|sday|nesday|rsday|urday)s?)"
    r"|(Mon|Tue|Wed|Thu|Fri|Sat|Sun)(?:s|rs?|rs)?\.?)(?![A-Za-z])"
)
_RANGE = re.compile(rf"{_DAY}\s*(?:to|through|thru|until|till|-|–|—)\s*{_DAY}")
_ONE = re.compile(_DAY)
_SPANS = {
    re.compile(r"\bweekdays?\b|工作日", re.IGNORECASE): frozenset(range(1, 6)),
    forms.WEEKEND: frozenset({6, 7}),
    re.compile(r"\b(?:daily|every ?day|7 days a week|seven days a week)\b|每天|每日|天天", re.IGNORECASE): frozenset(range(1, 8)),
}


def days_named(text: str) -> frozenset[int]:
    """The days of the week (1 = Monday to 7, as `claim_forms.weekday` numbers them) that `text` names: single days,
    ranges ("Monday to Friday", "Mon-Sat", across the week's end too), "weekdays", "weekends", "daily" (and "工作日",
    "周末", "每天": an English answer about the Chinese documents' hours)."""
    days: set[int] = set()
    for match in _RANGE.finditer(text):
        first, last = (forms.weekday(d) for d in match.groups() if d)
        days.update(forms.weekdays_between(first, last))
    for match in _ONE.finditer(_RANGE.sub(" ", text)):
        days.add(forms.weekday(match.group(1) or match.group(2)))
    for pattern, span in _SPANS.items():
        if pattern.search(text):
            days |= span
    return frozenset(days)


def _times(text: str, terms) -> list[Claim]:
    return [c for c in (Claim(*f) for f in facts(text, terms, strict=True)) if c.kind == "number" and c.key.startswith("time:")]


class WeekdayTimesCheck:
    LABEL = "a time the passages give for other days"

    def __init__(self, passages: Sequence[str], question: str = "", vocabulary: Iterable[str] = ()):
        vocabulary = frozenset(vocabulary)
        self._terms = forms.terms(vocabulary)
        self._on = not (question and reads_as_chinese(question, 0.5))
        self._question = Grounder([question], vocabulary=vocabulary) if question else None
        # Each passage clause that states a time and names days: what it states, and those days.
        self._clauses: list[tuple[Grounder, frozenset[int]]] = []
        for passage in passages if self._on else ():
            for sentence in sentences(CITATION.sub(" ", passage)):
                for clause in figure_clauses(sentence):
                    days = days_named(clause)
                    if days and _times(clause, self._terms):
                        self._clauses.append((Grounder([clause], vocabulary=vocabulary), days))

    def check(self, answer: str) -> GroundingResult:
        wrong: dict[str, Claim] = {}
        claims: dict[str, Claim] = {}
        for sentence in sentences(CITATION.sub(" ", answer)) if self._on and self._clauses else ():
            if HAN.search(sentence):
                continue
            for clause in figure_clauses(sentence):
                days = days_named(clause)
                for claim in _times(clause, self._terms) if days else ():
                    claims.setdefault(claim.key, claim)
                    if self._other_days(claim, days):
                        wrong.setdefault(claim.key, claim)
        return GroundingResult(ok=not wrong, unsupported=list(wrong.values()), claims=list(claims.values()))

    def _other_days(self, claim: Claim, days: frozenset[int]) -> bool:
        """Whether the passage clauses stating the time `claim` name days, none of them any of `days`."""
        if self._question is not None and self._question.supported(claim):
            return False
        named = [theirs for grounder, theirs in self._clauses if grounder.supported(claim)]
        return bool(named) and not any(days & theirs for theirs in named)


# An answer clause saying something is shut: "closed", "not open", "isn't open", "can't ring ... on".
_SHUT = re.compile(
    r"\bclosed\b|(?:\bnot|n['’]t|\bnever)\s+(?:be\s+)?open\b"
    r"|\b(?:cannot|can['’]t|can not|unable to)\s+(?:\w+\s+){0,2}?(?:call|ring|phone|reach|contact|visit|collect|pick)\b",
    re.IGNORECASE,
)
# "is open", "we're open", "open on Sundays", not "you can open a return in the app".
_OPEN = re.compile(
    r"\b(?:is|are|be|being|stays?|remains?)\s+open\b|['’]re\s+open\b|\bopen\s+(?:on|every|daily|at|from|until|till)\b",
    re.IGNORECASE,
)
# What a shut clause says after its days that is about something else: "closed Sunday so call Monday".
_AFTER_SHUT = re.compile(r"\b(?:so|but|then|instead|until|till|and call|or call)\b|[;,]", re.IGNORECASE)
# Holidays fall on named days ("closed on Easter Monday"): a clause naming one is about the holiday, not the weekday.
_HOLIDAY = re.compile(r"\bholidays?\b|\b(?:easter|christmas|whit|good friday|new year)", re.IGNORECASE)
# A passage clause saying something is shut on the days it names ("closed Sundays and UK bank holidays").
_SHUT_IN_PASSAGE = re.compile(r"\bclosed\b|\bnot open\b|\bno (?:service|opening)\b", re.IGNORECASE)


class OpenDaysCheck:
    LABEL = "a day the passages say otherwise of, open or closed"

    def __init__(self, passages: Sequence[str], question: str = "", vocabulary: Iterable[str] = ()):
        self._terms = forms.terms(frozenset(vocabulary))
        self._on = not (question and reads_as_chinese(question, 0.5))
        # Each passage sentence's hours (the days its clauses give times for), and the days a clause says closed.
        schedules: list[set[int]] = []
        shut: set[int] = set()
        for passage in passages if self._on else ():
            for sentence in sentences(CITATION.sub(" ", passage)):
                hours: set[int] = set()
                for clause in figure_clauses(sentence):
                    days = days_named(clause)
                    if _SHUT_IN_PASSAGE.search(clause):
                        shut |= days
                    elif days and _times(clause, self._terms):
                        hours |= days
                if hours:
                    schedules.append(hours)
        # A day every schedule gives hours for is open whatever the answer is about; one that some schedule leaves out
        # ("Monday-Friday 08:00-20:00, Saturday 09:00-17:00" for the phone line, beside the stores' Sunday hours) may be
        # the day off of what the answer is about.
        every = set.intersection(*schedules) if schedules else set()
        self._not_shut, self._not_open = every - shut, shut - set().union(*schedules)

    def check(self, answer: str) -> GroundingResult:
        wrong: dict[str, Claim] = {}
        for sentence in sentences(CITATION.sub(" ", answer)) if self._on else ():
            if HAN.search(sentence):
                continue
            for clause in figure_clauses(sentence):
                if _times(clause, self._terms):
                    continue
                if _HOLIDAY.search(clause):
                    continue
                if shut := _SHUT.search(clause):
                    # The days the shut words are about: after them, up to what the clause goes on to ("so call ...").
                    rest = clause[shut.end():]
                    stop = _AFTER_SHUT.search(rest)
                    said, about = self._not_shut, rest[: stop.start()] if stop else rest
                else:
                    said, about = (self._not_open if _OPEN.search(clause) else set()), clause
                for day in sorted(days_named(about) & said):
                    wrong.setdefault(f"day:{day}", Claim("day", _day_text(clause, day), f"day:{day}"))
        return GroundingResult(ok=not wrong, unsupported=list(wrong.values()), claims=list(wrong.values()))


def _day_text(clause: str, day: int) -> str:
    """How `clause` writes `day` (its first single day of that number), else the clause."""
    for match in _ONE.finditer(clause):
        if forms.weekday(match.group(1) or match.group(2)) == day:
            return match.group(0)
    return clause.strip()
