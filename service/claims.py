"""What an answer (or a passage) states that can be checked: its claims, each normalised to a key.

    extract_claims("Returns are free within 30 days [1]; call +44 20 0000 0000.")
    # -> [Claim("number", "30", "dur:30:day"), Claim("phone", "+44 20 0000 0000", "442000000000")]

Kinds and keys (`service.grounding` compares them with the passages):

    number  plain numbers "30" (digits, "1,500", "1 500", "4.99", "thirty", "二十四", ranges "3-5" as two);
            amounts "£4.99" "€5" "¥1500" "$3" (the currency is part of the fact); "15%";
            durations "dur:30:day": a number followed by a unit of time (below);
            "time:16:00" ("16:00", "4pm", "下午4点"); "date:2026-10-14" / "date:10-14" / "date:2026-10";
            "code:x3" (tokens mixing letters and digits that are not vocabulary names, "VW-10482913");
            long digit runs (7+ digits) are compared digit by digit like phone numbers
    email   the lower-cased address
    url     host + path, lower-cased, without scheme, "www.", fragment or trailing slash
    phone   digits only (7 to 15 of them)
    term    a vocabulary name ("Aria X2", "VoltCare+"), lower-cased, "&" as "and", hyphens as spaces
    day     a day of the week, "day:1" (Monday) to "day:7": an answer's full name ("Tuesday", "周二", "星期天"); a
            passage's or question's also every day of a range ("Mon–Fri", "周一至周五") and a weekend's two

Durations: a number followed by a unit of time, the unit's class part of the key ("dur:3:day"): second,
minute, hour ("h", "hrs", "小时"), day ("working", "business" or "calendar days", "天", "日", "个工作日",
"个自然日"), week ("周", "个星期"), month ("个月"; "3月" is March), year ("yrs", "年"; a value of 1900 or
more is a calendar year: "2026年"). Written "30 days", "30-day", "30days", "24h", "thirty (30) days",
"三十天", "两年", "3 or more days"; both ends of a range get the unit ("3-5 working days", "3 to 5 days",
"between 3 and 5 days", "3至5天", "3-5-day"). A claim's `text` is the number as written ("3", "thirty",
"30-day"), as for any number; "a year" or "an hour" is not a claim of an answer (as "a" never is).

Not claims: citation markers ("[1]", "【2】"), list numbering at line start, digits inside vocabulary
names (matched and masked first: "Nimbus 14" is a term, not the number 14), and the word "one" (or
"一") unless a unit of time or count follows ("one day", "一天"; not "one of our stores", "一般").

Passages (and the customer's question) are read more liberally (`strict=False`), since a fact a passage
states but the reader missed would fail a correct answer: list numbers and every number word count; a
duration also states its plain value and, when exact, the same duration one unit up or down (12 months
and 1 year, 14 days and 2 weeks, 48 hours and 2 days, 90 minutes and 1.5 hours; working days are not
converted); and "a year" states one year unless it is a rate ("24 hours a day", "once a year", "£5 a
month") or follows "on", "every", "each", "any" or "half".

It needs no model and never raises on odd text; patterns are compiled once (a vocabulary's on first use).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from knowledge_base.text import HAN
from knowledge_base.vocabulary import NUM_UNIT as _NUM_UNIT
from knowledge_base.vocabulary import UNITS as _UNITS
from service import claim_forms as forms

ClaimKind = Literal["number", "day", "email", "url", "phone", "term"]


@dataclass(frozen=True)
class Claim:
    """One checkable statement of an answer: `text` as written there, `key` the normalised value that is
    looked up in the passages (forms in the module docstring)."""

    kind: ClaimKind
    text: str
    key: str


# ---------------------------------------------------------------------------------------------------
# Extraction
# ---------------------------------------------------------------------------------------------------

_Fact = tuple[ClaimKind, str, str]  # kind, text as written, key


class _Scan:
    """Claims of one text. `strict` reads an answer (claims only what an answer clearly states);
    otherwise it reads a passage or a question (every number it could be read to say counts)."""

    def __init__(self, text: str, terms: forms.Terms, strict: bool):
        self.text, self.terms, self.strict = text, terms, strict
        self.source = text  # unmasked: what follows a number says whether it is a duration
        self.found: list[tuple[int, ClaimKind, str, str]] = []  # position, kind, text, key

    def run(self) -> list[tuple[int, ClaimKind, str, str]]:
        self._sub(forms.CITATION, lambda m: [])
        if self.strict:
            self._sub(forms.LIST_NUMBER, lambda m: [])
        if "@" in self.text:
            self._sub(forms.EMAIL, lambda m: [("email", m.group(), m.group().lower())])
        self._sub(forms.URL, self._url)
        if self.terms.by_first:
            self._mask(self.terms.find(self.text), lambda m: [("term", m.group(), forms.term_key(m.group()))])
        # Patterns that cannot match are skipped by a cheap test: they are most of the time spent.
        has_cjk = HAN.search(self.text) is not None
        self._weekdays(has_cjk)
        months = forms.MONTH_SEEN.search(self.text) is not None
        for i, (pattern, groups) in enumerate(forms.DATES):
            if i == 0 or (has_cjk if i < 3 else months):
                self._sub(pattern, lambda m, g=groups: self._date(m, *g))
        if ":" in self.text or "：" in self.text:
            self._sub(forms.TIME_CLOCK, self._clock)
        self._sub(forms.TIME_AMPM, lambda m: self._time(m, int(m.group(1)), 0, m.group(2)))
        if has_cjk:
            self._sub(forms.TIME_ZH, self._time_zh)
        self._sub(forms.PHONE, self._phone)
        self._sub(forms.PERCENT, lambda m: self._value(m, "", forms.number(m.group(1)), "%"))
        if has_cjk:
            self._sub(forms.PERCENT_ZH, self._percent_zh)
        self._sub(forms.AMOUNT_BEFORE, lambda m: self._amount(m, m.group(1), m.group(2), m.group(3)))
        self._sub(forms.AMOUNT_AFTER, lambda m: self._amount(m, m.group(3), m.group(1), m.group(2)))
        self._sub(forms.ALNUM, self._alnum)
        self._sub(forms.NUMBER, self._number)
        if not self.strict:
            self._sub(forms.ARTICLE_UNIT, self._article)
        self._sub(forms.NUMBER_WORDS, self._words)
        if has_cjk:
            self._sub(forms.ZH_NUMBER, self._chinese)
        return self.found

    def _sub(self, pattern: re.Pattern, handler: Callable[[re.Match], list[_Fact] | None]) -> None:
        """Apply one pattern: a handler returns the facts of a match (masked afterwards, so no later
        pattern reads it again; masks keep the length, so positions stay true) or None to leave it."""

        def replace(m: re.Match) -> str:
            facts = handler(m)
            if facts is None:
                return m.group()
            self.found.extend((m.start(), *fact) for fact in facts if fact[2])
            return _blank(m.group())

        self.text = pattern.sub(replace, self.text)

    def _mask(self, matches: Iterable[re.Match], handler: Callable[[re.Match], list[_Fact]]) -> None:
        """`_sub` for matches found otherwise than by one pattern."""
        pieces, done = [], 0
        for m in matches:
            self.found.extend((m.start(), *fact) for fact in handler(m) if fact[2])
            pieces += [self.text[done : m.start()], _blank(m.group())]
            done = m.end()
        if pieces:
            self.text = "".join(pieces) + self.text[done:]

    def _weekdays(self, has_cjk: bool) -> None:
        """Days of the week, masked before "周一" can be read as the number 1: an answer's full day names; a passage's
        or question's days, ranges and weekends too (`forms.WEEKDAY`)."""
        def days(m: re.Match, numbers: Iterable[int]) -> list[_Fact]:
            return [("day", m.group(), f"day:{n}") for n in numbers]

        if not self.strict:
            self._sub(forms.WEEKDAY_RANGE, lambda m: days(m, forms.weekdays_between(
                forms.weekday(m.group(1)), forms.weekday(m.group(2)))))
            self._sub(forms.WEEKEND, lambda m: days(m, (6, 7)))
        self._sub(forms.WEEKDAY, lambda m: days(m, [forms.weekday(m.group())]))
        if has_cjk:
            self._sub(forms.WEEKDAY_ZH, lambda m: days(m, forms.weekdays_between(
                forms.weekday(m.group(1)), forms.weekday(m.group(2) or m.group(1)))))

    # -- handlers: each returns facts, [] to mask without a claim, or None to leave the text ----------

    @staticmethod
    def _value(m: re.Match, prefix: str, value: str, suffix: str = "") -> list[_Fact]:
        return [("number", m.group(), f"{prefix}{value}{suffix}")] if value else []

    def _duration(self, text: str, start: int, end: int, value: str) -> list[_Fact] | None:
        """The facts of the number source[start:end] (its value `value`) if a unit of time follows: its
        duration; in a passage also its plain value and the same duration in the next unit up or down."""
        unit = forms.unit_after(self.source, start, end, value)
        if not unit:
            return None
        facts: list[_Fact] = [("number", text, f"dur:{value}:{unit[0]}")]
        if not self.strict:
            facts.append(("number", text, value))
            facts += [("number", text, f"dur:{v}:{u}") for v, u in forms.duration_equivalents(value, *unit)]
        return facts

    def _number(self, m: re.Match) -> list[_Fact]:
        value = forms.number(m.group(1), forms.CN_BIG.get(m.group(2) or "", 1))
        return self._duration(m.group(), m.start(), m.end(), value) or self._value(m, "", value)

    def _article(self, m: re.Match) -> list[_Fact] | None:
        """A passage's "a year", "an hour": one of the unit, unless a rate ("once a year") or a day named
        ("on a day")."""
        if forms.RATE_BEFORE.search(self.source, max(0, m.start() - 24), m.start()):
            return None
        return self._duration(m.group(), m.start(), m.end(1), "1")

    def _url(self, m: re.Match) -> list[_Fact]:
        raw = m.group().rstrip(".,;:!?'")
        if raw.endswith(")") and "(" not in raw:
            raw = raw[:-1]
        return [("url", raw, url_key(raw))]

    def _date(self, m: re.Match, y: int | None, mo: int | None, d: int | None) -> list[_Fact] | None:
        year = m.group(y) if y else None
        month_text = m.group(mo)
        month = int(month_text) if month_text.isdigit() else forms.MONTH_NAMES[month_text.lower().rstrip(".")]
        day = int(m.group(d)) if d and m.group(d) else None
        if not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
            return None
        parts = ([year] if year else []) + [f"{month:02d}"] + ([f"{day:02d}"] if day else [])
        return [("number", m.group(), "date:" + "-".join(parts))]

    def _clock(self, m: re.Match) -> list[_Fact]:
        return self._time(m, int(m.group(1)), int(m.group(2)), m.group(3))

    @staticmethod
    def _time(m: re.Match, hour: int, minute: int, half: str | None) -> list[_Fact] | None:
        if half:
            if hour > 12:
                return None  # "16:00 pm" is not a time we can read
            hour = hour % 12 + (12 if half.lower() == "p" else 0)
        return [("number", m.group(), f"time:{hour:02d}:{minute:02d}")]

    def _time_zh(self, m: re.Match) -> list[_Fact] | None:
        period, hour_text, minute_text, half = m.groups()
        if not hour_text.isdigit() and not period:
            return None  # "一点" is "a little" unless a time of day is named
        hour = int(hour_text) if hour_text.isdigit() else forms.chinese_number(hour_text)
        if half:
            minute = 30
        else:
            minute = int(minute_text) if minute_text and minute_text.isdigit() else forms.chinese_number(minute_text or "")
        if hour > 24 or minute > 59:
            return None
        if period in ("下午", "傍晚", "晚上") and hour < 12 or period == "中午" and hour < 11:
            hour += 12
        return [("number", m.group(), f"time:{hour:02d}:{minute:02d}")]

    def _phone(self, m: re.Match) -> list[_Fact] | None:
        raw = m.group()
        digits = re.sub(r"\D", "", raw)
        groups = len(re.findall(r"\d+", raw))
        if not 7 <= len(digits) <= 15 or re.fullmatch(r"\d{1,3}(?:[ ,.]\d{3})+", raw):
            return None  # too short for a phone number, or a number with thousands separators
        if groups == 1:
            return [("number" if raw[0] != "+" else "phone", raw, digits)]
        if not (raw.startswith(("+", "(")) or groups >= 3 or raw.startswith("0")):
            return None  # "1500-2000" is a range
        return [("phone", raw, digits)]

    def _percent_zh(self, m: re.Match) -> list[_Fact]:
        text = m.group(1)
        value = forms.number(text) if text[0].isdigit() else str(forms.chinese_number(text))
        return self._value(m, "", value, "%")

    def _amount(self, m: re.Match, currency: str, number: str, big: str | None) -> list[_Fact]:
        symbol = forms.CURRENCY.get(currency.lower(), forms.CURRENCY.get(currency, currency))
        return self._value(m, symbol, forms.number(number, forms.CN_BIG.get(big or "", 1)))

    def _alnum(self, m: re.Match) -> list[_Fact]:
        token = m.group()
        unit = _NUM_UNIT.fullmatch(token)
        if unit and unit.group(2).lower() in _UNITS:  # "250g", "24h", "30-day"
            value = forms.number(unit.group(1))
            return self._duration(token, m.start(), m.start() + len(unit.group(1)), value) or self._value(m, "", value)
        if forms.NUM_COMPOUND.fullmatch(token):  # "14-inch", "6-digit", "3-5-day"
            facts: list[_Fact] = []
            for n in re.finditer(r"\d+(?:\.\d+)?", token):
                value = forms.number(n.group())
                start, end = m.start() + n.start(), m.start() + n.end()
                facts += self._duration(token, start, end, value) or [("number", token, value)]
            return facts
        return [("number", token, "code:" + token.lower())]

    def _words(self, m: re.Match) -> list[_Fact] | None:
        phrase = m.group()
        value = str(forms.word_number(phrase))
        duration = self._duration(phrase, m.start(), m.end(), value)
        if duration:
            return duration  # "thirty days", "one to two weeks"
        after = m.string[m.end() : m.end() + 40]
        if self.strict:
            if phrase.lower() == "one" and not forms.ONE_COUNTS.match(after):
                return None  # "one of our stores", "one-time code", "no one"
            if forms.IDIOM_COMPOUND.match(after):
                return None  # "two-step verification"
        if forms.AFTER_PERCENT.match(after):
            return [("number", phrase, f"{value}%")]
        currency = forms.AFTER_CURRENCY.match(after)
        if currency:
            return [("number", phrase, forms.CURRENCY[currency.group(1).lower()] + value)]
        return [("number", phrase, value)]

    def _chinese(self, m: re.Match) -> list[_Fact] | None:
        numeral = m.group()
        if numeral not in forms.CN_BIG:
            duration = self._duration(numeral, m.start(), m.end(), str(forms.chinese_number(numeral)))
            if duration:
                return duration  # "三十天", "两年", "一个月", "三到五天"
        measure = forms.ZH_MEASURE.match(m.string, m.end())
        if measure and measure.group(2):
            return [("number", numeral, f"¥{forms.chinese_number(numeral)}")]
        if self.strict:
            if not measure:
                return None  # "十分" (very), "三包" (the warranty law), "统一"
            if numeral == "一" and not measure.group(1):
                return None  # "一次性", "一个问题": the article, not a count
        if numeral in forms.CN_BIG or numeral in forms.CN_UNITS:
            return None
        return [("number", numeral, str(forms.chinese_number(numeral)))]


def _blank(text: str) -> str:
    return " " * len(text) if "\n" not in text else re.sub(r"[^\n]", " ", text)


def same_phone(a: str, b: str) -> bool:
    """Two digit strings (no trunk 0) name one phone number: a country code or trunk 0 may be written on one
    side only, so the shorter must end the longer, and both need 7 digits or more."""
    return min(len(a), len(b)) >= 7 and (a.endswith(b) or b.endswith(a))


def url_key(url: str) -> str:
    """'https://www.Voltway.example/Trade-in/#top' -> 'voltway.example/trade-in'."""
    key = re.sub(r"^[a-z]+://", "", url.strip().lower())
    key = key.split("#", 1)[0]
    key = key[4:] if key.startswith("www.") else key
    return key.rstrip("/")


def facts(text: str, terms: forms.Terms, *, strict: bool) -> list[tuple[ClaimKind, str, str]]:
    """(kind, text, key) of each claim, in order of appearance, one per (kind, key)."""
    found = _Scan(text, terms, strict).run()
    found.sort(key=lambda f: f[0])
    seen: set[tuple[str, str]] = set()
    facts = []
    for _, kind, written, key in found:
        if (kind, key) not in seen:
            seen.add((kind, key))
            facts.append((kind, written, key))
    return facts


def extract_claims(text: str, vocabulary: Iterable[str] = ()) -> list[Claim]:
    """The checkable claims of an answer, in order of appearance, one per (kind, key)."""
    return [Claim(*fact) for fact in facts(text, forms.terms(frozenset(vocabulary)), strict=True)]
