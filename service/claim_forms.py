"""How checkable facts are written: the patterns that find them, the parsers of their values (number
words, Chinese numerals, currencies, units of time) and the vocabulary's names, for `service.claims`.

    chinese_number("一百二十")                      # -> 120
    word_number("twenty-four")                     # -> 24
    unit_after("3-5 working days", 0, 1, "3")      # -> ("day", True): a duration in days, working days
    duration_equivalents("1", "year", False)       # -> (("12", "month"),)
    terms(frozenset({"Aria X2"})).find(text)       # -> the vocabulary's names in text

Patterns are compiled once, a vocabulary's on first use (16 are kept).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

# ---------------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------------

# What makes "one" (or a lone "一") a quantity rather than an article or a pronoun.
_COUNT_NOUNS = (
    r"(?:working\s+|business\s+|calendar\s+)?(?:second|minute|hour|day|night|week|month|year)s?"
    r"|items?|devices?|parcels?|orders?|pieces?|units?"
)
ONE_COUNTS = re.compile(rf"(?:\s+|-)(?:{_COUNT_NOUNS})\b", re.I)
# "two-step", "three-way": adjectives, not quantities the passages must state.
IDIOM_COMPOUND = re.compile(r"-(?:step|time|way|factor|fold|sided|off|stop|click|tap|touch|liner)\b", re.I)

CURRENCY = {
    "£": "£", "gbp": "£", "pound": "£", "pounds": "£",
    "€": "€", "eur": "€", "euro": "€", "euros": "€",
    "¥": "¥", "￥": "¥", "cny": "¥", "rmb": "¥", "jpy": "¥", "元": "¥", "块": "¥", "块钱": "¥", "円": "¥",
    "yuan": "¥",
    "$": "$", "us$": "$", "usd": "$", "dollar": "$", "dollars": "$", "hk$": "HK$",
}

_WORD_VALUES = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "a": 1,
}
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_BIG = {"万": 10**4, "亿": 10**8}
CN_NUMERAL = "零〇一二两三四五六七八九十百千万亿"


def number(text: str, multiplier: int = 1) -> str:
    """'1,500' -> '1500', '4.90' -> '4.9', '1.5' with 10**4 -> '15000'; '' when it is not a number."""
    if text.isdigit() and multiplier == 1:
        return str(int(text))
    try:
        value = Decimal(re.sub(r"[,\s\u00a0\u202f]", "", text)) * multiplier
    except InvalidOperation:
        return ""
    return _decimal(value)


def _decimal(value: Decimal) -> str:
    return format(value.normalize(), "f")


def chinese_number(text: str) -> int:
    """The value of a Chinese numeral: '三十' 30, '两' 2, '十五' 15, '一百二十' 120, '二〇二六' 2026."""
    if len(text) > 1 and all(ch in _CN_DIGITS for ch in text):
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))  # digit by digit, as years are written
    total = section = digit = 0
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in CN_UNITS:
            section += (digit or 1) * CN_UNITS[ch]
            digit = 0
        elif ch in CN_BIG:
            total += (section + digit or 1) * CN_BIG[ch]
            section = digit = 0
    return total + section + digit


def word_number(text: str) -> int:
    """The value of English number words: 'thirty' 30, 'twenty-four' 24, 'a hundred and five' 105."""
    total = current = 0
    for word in re.split(r"[\s\-]+", text.lower()):
        if word == "hundred":
            current = (current or 1) * 100
        elif word == "thousand":
            total += (current or 1) * 1000
            current = 0
        elif word in _WORD_VALUES:
            current += _WORD_VALUES[word]
    return total + current


def term_key(text: str) -> str:
    """'Click & Collect' and 'click and collect', 'Trade-in' and 'trade in' are one name."""
    text = text.lower().replace("&", " and ")
    return re.sub(r"[\s\-–—]+", " ", text).strip()



# ---------------------------------------------------------------------------------------------------
# Patterns, in the order they are applied; each match is masked so later, looser patterns skip it
# ---------------------------------------------------------------------------------------------------

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_NUM_SPACED = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d.,])|\d+(?:\.\d+)?"
_MARKS = r"\s*[,，、;\-–]\s*"

CITATION = re.compile(
    rf"\[\s*\d{{1,3}}(?:{_MARKS}\d{{1,3}})*\s*\]|【\s*\d{{1,3}}(?:{_MARKS}\d{{1,3}})*\s*】"
    r"|\[\^\d{1,3}\]|\[(?:source|passage|doc|ref)\s*\d{1,3}\]",
    re.I,
)
LIST_NUMBER = re.compile(
    r"^[ \t]*(?:[-*•][ \t]*)?(?:\(?\d{1,2}[.)）](?=\s|$)|（\d{1,2}）|\d{1,2}、|[一二三四五六七八九十]{1,3}、)", re.M
)
EMAIL = re.compile(
    r"(?=[A-Za-z0-9._%+\-])(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"
)
# Without a scheme the top-level domain must be lower case: "free.Opened" is a missing space, not a host.
URL = re.compile(
    r"(?=[A-Za-z0-9])(?<![A-Za-z0-9.\-/])(?:(?i:https?|ftp)://[A-Za-z0-9\-._~%!$&'()*+,;=:@/?#]+"
    r"|(?:www\.)?(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+[a-z]{2,}(?![A-Za-z0-9])"
    r"(?::\d{2,5})?(?:/[A-Za-z0-9\-._~%!$&'()*+,;=:@/?#]*)?)"
)
MONTH_NAMES = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12, "jan": 1, "feb": 2, "mar": 3,
    "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
# Capitalised only: "you may 2 ..." is not a date.
_MONTH = (
    r"(January|February|March|April|May|June|July|August|September|October|November|December"
    r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)"
)
_ORD = r"(?:st|nd|rd|th)?"
MONTH_SEEN = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)")
DATES = (  # (pattern, group indexes of year, month, day); month may be a name
    (re.compile(r"(?=\d)(?<![\d\-/.])(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?![\d\-/])"), (1, 2, 3)),
    (re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日号])?"), (1, 2, 3)),
    (re.compile(r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]"), (None, 1, 2)),
    (re.compile(rf"(?<![\d.,])(\d{{1,2}}){_ORD}\s+(?:of\s+)?{_MONTH}(?:,?\s+(\d{{4}}))?(?![A-Za-z0-9])"),
     (3, 2, 1)),
    (re.compile(rf"\b{_MONTH}\s+(\d{{4}})(?!\d)"), (2, 1, None)),
    (re.compile(rf"\b{_MONTH}\s+(\d{{1,2}}){_ORD}(?:,?\s+(\d{{4}}))?(?![A-Za-z0-9:])"), (3, 1, 2)),
)
# Days of the week (keys "day:1" for Monday .. "day:7"): an answer naming a day its passages and the question do not
# ("Since you posted it on Monday, the inspection should be completed by the end of Tuesday.") promises a day nobody
# stated. An answer's day is its full name; a passage (or question) also states every day of a range ("Monday to
# Friday", "Mon–Sat", "周一至周五") and both days of a weekend ("at weekends", "周末").
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_ZH = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7}
_DAY_FULL = f"(?:{'|'.join(_DAY_NAMES)})"
_DAY_SHORT = r"(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)\.?"
_DAY_ZH_ONE = r"(?:星期|礼拜|周)[一二三四五六日天]"
WEEKDAY = re.compile(rf"\b{_DAY_FULL}s?\b", re.I)
WEEKDAY_RANGE = re.compile(
    rf"\b({_DAY_FULL}|{_DAY_SHORT})\s*(?:to|until|till|through|[-–—~])\s*({_DAY_FULL}|{_DAY_SHORT})(?![A-Za-z])", re.I
)
WEEKDAY_ZH = re.compile(rf"({_DAY_ZH_ONE})(?![次个遍回])(?:\s*(?:至|到|-|–|—|~)\s*((?:星期|礼拜|周)?[一二三四五六日天]))?")
WEEKEND = re.compile(r"\bweekends?\b|周末", re.I)


def weekday(name: str) -> int | None:
    """1 (Monday) to 7 (Sunday) for an English name or abbreviation ("Tues.") or a Chinese one ("周日", "星期天")."""
    if not name.isascii():
        return _DAY_ZH.get(name[-1])
    name = name.lower().rstrip(".s")
    return next((i for i, day in enumerate(_DAY_NAMES, 1) if day.startswith(name) and len(name) >= 3), None)


def weekdays_between(first: int, last: int) -> list[int]:
    """The days from `first` to `last`, through Sunday when `last` comes before `first` ("Friday to Monday")."""
    return [(first - 1 + i) % 7 + 1 for i in range((last - first) % 7 + 1)]


_AM_PM = r"([AaPp])(?:[Mm]|\.[Mm]\.)(?![A-Za-z])"
TIME_CLOCK = re.compile(rf"(?=\d)(?<![\d:.])([01]?\d|2[0-4])[:：]([0-5]\d)(?:\s*{_AM_PM})?(?![\d:])")
TIME_AMPM = re.compile(rf"(?=\d)(?<![\d:.,])(1[0-2]|0?[1-9])\s*{_AM_PM}")
TIME_ZH = re.compile(
    r"(上午|早上|早晨|凌晨|中午|下午|傍晚|晚上)?\s*(\d{1,2}|[零〇一二两三四五六七八九十]{1,3})\s*[点點时時]"
    r"(?:\s*(\d{1,2}|[零〇一二三四五六七八九十]{1,3})\s*分|\s*(半))?"
)
PHONE = re.compile(
    r"(?=[\d+(])(?<![A-Za-z0-9.,:/\-+])(?:\+\s?\d{1,3}[\s.\-]?)?(?:\(\d{1,5}\)[\s.\-]?)?"
    r"\d{2,5}(?:[\s.\-]\d{2,5}){1,5}(?![A-Za-z0-9%:/]|[.,\-]\d)"
    r"|(?=[\d+])(?<![A-Za-z0-9.,:/\-+])\+?\d{7,15}(?![A-Za-z0-9%:/]|[.,]\d)"
)
PERCENT = re.compile(rf"(?=\d)(?<![A-Za-z0-9.,])({_NUM})\s?(?:%|％|percent\b|per\s+cent\b)", re.I)
PERCENT_ZH = re.compile(rf"百分之\s*(\d+(?:\.\d+)?|[{CN_NUMERAL}]+)")
AMOUNT_BEFORE = re.compile(
    rf"(?=[$£€¥￥A-Z])(US\$|HK\$|\$|£|€|¥|￥|(?<![A-Za-z])(?:GBP|EUR|USD|CNY|RMB)(?![A-Za-z]))"
    rf"\s?({_NUM_SPACED})(?:\s?(万|亿))?"
)
AMOUNT_AFTER = re.compile(
    rf"(?=\d)(?<![A-Za-z0-9.,])({_NUM_SPACED})\s?(万|亿)?\s?"
    r"(元|块钱|块|円|(?:GBP|EUR|USD|CNY|RMB)(?![A-Za-z])|(?:pounds?|euros?|dollars?|yuan)\b)",
    re.I,
)
ALNUM = re.compile(
    r"(?=[A-Za-z0-9])(?<![A-Za-z0-9.\-])(?=[A-Za-z0-9.\-]*?\d)(?=[A-Za-z0-9.\-]*?[A-Za-z])"
    r"[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+)*"
)
NUM_COMPOUND = re.compile(r"\d+(?:\.\d+)?(?:-\d+(?:\.\d+)?)*(?:-[A-Za-z]+)+")
NUMBER = re.compile(rf"(?=\d)(?<![A-Za-z0-9.,])({_NUM_SPACED})(?:\s?(万|亿))?")
_WORDS_SMALL = (
    r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
    r"(?:[\s\-]+(?:one|two|three|four|five|six|seven|eight|nine))?"
    r"|seventeen|thirteen|fourteen|eighteen|nineteen|fifteen|sixteen|eleven|twelve|three|seven|eight"
    r"|zero|four|five|nine|one|two|six|ten)"
)
_WORDS_HUNDRED = rf"(?:(?:a|{_WORDS_SMALL})\s+hundred(?:\s+(?:and\s+)?{_WORDS_SMALL})?)"
_WORDS_THOUSAND = (
    rf"(?:(?:a|{_WORDS_HUNDRED}|{_WORDS_SMALL})\s+thousand(?:\s+(?:and\s+)?(?:{_WORDS_HUNDRED}|{_WORDS_SMALL}))?)"
)
_WORDS_FIRST = (
    r"(?:a\s+(?:hundred|thousand)|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty"
    r"|seventy|eighty|ninety)\b"
)
# The lookaheads reject most positions cheaply; without them this pattern alone took 2 ms per 4 kB.
NUMBER_WORDS = re.compile(
    rf"(?=[zotfsenaZOTFSENA])\b(?={_WORDS_FIRST})(?:{_WORDS_THOUSAND}|{_WORDS_HUNDRED}|{_WORDS_SMALL})\b", re.I
)
AFTER_PERCENT = re.compile(r"\s*(?:%|percent\b|per\s+cent\b)", re.I)
AFTER_CURRENCY = re.compile(r"\s*(pounds?|euros?|dollars?|yuan)\b", re.I)
ZH_NUMBER = re.compile(rf"(?<!第)[{CN_NUMERAL}]+")
# Groups: a unit of time (a lone "月" is not one: "三月" is March), money, any other measure word.
ZH_MEASURE = re.compile(
    r"\s*(?:(个(?:工作日|小时|钟头|月|星期|礼拜)|工作日|小时|钟头|星期|礼拜|天|日|周|年|秒|分钟)|(元|块钱|块)"
    r"|(个|件|台|张|次|位|份|期|倍|岁|米|公斤|克|笔|单|人|家|款|部|项|条))"
)



# ---------------------------------------------------------------------------------------------------
# Durations: a number followed by a unit of time
# ---------------------------------------------------------------------------------------------------

# Each class's English forms (whole words, any case) and Chinese ones. A lone "月" is no unit ("三月" is
# March), nor are "周年" (an anniversary), "周岁" (an age), "年级", "年代" or "日元" (yen).
_TIME_UNITS = {
    "second": (r"seconds?|secs?", r"秒钟?"),
    "minute": (r"minutes?|mins?", r"分钟"),
    "hour": (r"hours?|hrs?|h", r"个?(?:小时|钟头)"),
    "day": (
        r"(?:(?:working|business|calendar)[^\S\n]*-?[^\S\n]*)?days?|weekdays?",
        r"个?(?:工作日|自然日|日历日)|天|日(?!元)",
    ),
    "week": (r"weeks?|wks?", r"个?(?:星期|礼拜)|周(?![年岁])"),
    "month": (r"months?", r"个月"),
    "year": (r"years?|yrs?", r"年(?![级代])"),
}
_GAP = r"[^\S\n]*"
_ANY_NUMBER = rf"(?:{_NUM}|{_WORDS_THOUSAND}|{_WORDS_HUNDRED}|{_WORDS_SMALL}|[{CN_NUMERAL}]+)"
# What makes the number before it a duration: the other end of a range ("-5", " to five", "至5"), the
# number again in brackets ("thirty (30) days"), a "+", a hyphen ("30-day"), a word like "more", then
# the unit (its class names the group).
_DURATION_UNIT = re.compile(
    rf"(?:{_GAP}(?P<join>[-–—~～至到]|to\b|or\b|and\b){_GAP}{_ANY_NUMBER})?"
    rf"(?:{_GAP}[(（]{_GAP}{_ANY_NUMBER}{_GAP}[)）])?{_GAP}[)）]?{_GAP}\+?{_GAP}-?{_GAP}"
    rf"(?:(?:full|whole|more|extra|additional|further|consecutive|clear|or{_GAP}(?:more|fewer|less))[^\S\n]+)?"
    rf"(?:{'|'.join(rf'(?P<{c}>(?:{en})(?![A-Za-z])|{zh})' for c, (en, zh) in _TIME_UNITS.items())})",
    re.I,
)
ARTICLE_UNIT = re.compile(  # "a year", "an hour", "a full week"
    r"(?=[aA])\b(an?)[^\S\n]+(?:(?:full|whole|single|extra|additional|further)[^\S\n]+)?"
    r"(?:seconds?|minutes?|hours?|(?:working[^\S\n]+|business[^\S\n]+|calendar[^\S\n]+)?days?|weeks?|months?|years?)"
    r"(?![A-Za-z])",
    re.I,
)
# Before "a day" or "a year" that is no duration: a rate ("24 hours a day", "once a year", "£5 a month")
# or a day named ("on a working day", "every day").
RATE_BEFORE = re.compile(
    r"(?:\b(?:once|twice|thrice|times?|per|on|every|each|any|same|that|half)|[\d%]"
    r"|\b(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|pounds?|euros?|dollars?|yuan))"
    r"[^\S\n]*,?[^\S\n]*$",
    re.I,
)
_BETWEEN = re.compile(r"\bbetween\s+$", re.I)
_MONTH_BEFORE = re.compile(r"月\s*$")
_WORKING = re.compile(r"work|business|weekday|个?工作", re.I)
_STEPS = (("second", "minute", 60), ("minute", "hour", 60), ("hour", "day", 24), ("day", "week", 7), ("month", "year", 12))


def duration_unit_end(text: str, end: int) -> int | None:
    """Where the unit of time after the number ending at `end` ends ("14| months" -> after "months", "3|-5 working
    days" -> after "days"), None when no unit of time follows."""
    m = _DURATION_UNIT.match(text, end)
    return m.end() if m else None


def unit_after(text: str, start: int, end: int, value: str) -> tuple[str, bool] | None:
    """The class of the unit of time after the number text[start:end] (directly, or after the range it
    begins: "3-5 days") and whether it counts working days; None when no unit of time follows."""
    m = _DURATION_UNIT.match(text, end)
    if not m or not value:
        return None
    unit = m.lastgroup or ""
    written = m.group(unit)
    join = m.group("join")
    if join and join.lower() == "and" and not _BETWEEN.search(text, max(0, start - 12), start):
        return None  # "3 and 5 days" is a range only after "between"
    if unit == "year" and Decimal(value) >= 1900:
        return None  # "2026年": a calendar year
    if written[0] == "日" and _MONTH_BEFORE.search(text, max(0, start - 4), start):
        return None  # "每月15日": a day of the month
    return unit, _WORKING.match(written) is not None


_NUMBER_IN_TEXT = re.compile(rf"(?<![A-Za-z\d.,])(?:{_NUM}|[{CN_NUMERAL}]+)")


def working_day_values(text: str) -> set[str]:
    """The values (as `number` writes them) of the durations `text` counts in working days, as `unit_after` reads
    them: "5 working days" -> {"5"}, "1–3 个工作日" -> {"1", "3"}."""
    values = set()
    for m in _NUMBER_IN_TEXT.finditer(text):
        value = number(m.group()) if m.group()[0].isdigit() else str(chinese_number(m.group()))
        unit = unit_after(text, m.start(), m.end(), value)
        if unit is not None and unit[1]:
            values.add(value)
    return values


@lru_cache(maxsize=1024)
def duration_equivalents(value: str, unit: str, working: bool) -> tuple[tuple[str, str], ...]:
    """The same duration one unit down or up, when exact: 1 year is 12 months, 14 days 2 weeks, 36 hours
    1.5 days. Working days are not calendar days: they are not converted."""
    v, found = Decimal(value), []
    if len(value) > 12:
        return ()  # no duration worth converting, and beyond exact division
    for small, big, n in _STEPS:
        if working and "day" in (small, big):
            continue
        if unit == big:
            found.append((_decimal(v * n), small))
        elif unit == small and (v / n) % Decimal("0.5") == 0:
            found.append((_decimal(v / n), big))
    return tuple(found)


# ---------------------------------------------------------------------------------------------------
# Vocabulary matching
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """A vocabulary ready to match: for each first word the names that start with it (one pattern,
    longest name first), and for each name's key the shorter names inside it (`inner`) and those of
    them that keep what distinguishes it (`backing`: "Aria X2" inside "Voltway Aria X2 Headphones";
    "Voltway Nimbus" is inside "Voltway Nimbus 14" but does not stand for it)."""

    by_first: dict[str, re.Pattern]
    inner: dict[str, frozenset[str]]
    backing: dict[str, frozenset[str]]

    def find(self, text: str) -> Iterable[re.Match]:
        """Non-overlapping names in `text`, case-insensitive, whole words. A dictionary lookup of each
        word is much faster than one pattern of all names tried at every position."""
        end = 0
        for word in _WORD.finditer(text):
            if word.start() < end:
                continue
            pattern = self.by_first.get(word.group().lower())
            found = pattern.match(text, word.start()) if pattern else None
            if found:
                end = found.end()
                yield found


_WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9][A-Za-z0-9]*\+?")


def _term_parts(term: str) -> list[str]:
    return [p for p in re.split(r"[\s\-–—]+", term.strip()) if p]


def _term_pattern(term: str) -> str:
    parts = [r"(?:&|and)" if p.lower() in ("&", "and") else re.escape(p) for p in _term_parts(term)]
    return r"[\s\-–—]+".join(parts)


def _distinguishing(key: str) -> set[str]:
    """The words of a name that a shorter name must keep to stand for it: those with digits or '+'."""
    return {w for w in key.split() if re.search(r"[\d+]", w)}


@lru_cache(maxsize=16)
def terms(vocabulary: frozenset[str]) -> Terms:
    names: dict[str, str] = {}
    for term in vocabulary:
        key = term_key(term)
        first = _WORD.match(term.strip())
        if len(key) >= 2 and re.search(r"[^\W\d_]", key) and first and first.end() == len(_term_parts(term)[0]):
            names.setdefault(key, term.strip())
    groups: dict[str, list[str]] = {}
    for term in sorted(names.values(), key=len, reverse=True):
        groups.setdefault(_term_parts(term)[0].lower(), []).append(_term_pattern(term))
    by_first = {w: re.compile(rf"(?:{'|'.join(ps)})(?![A-Za-z0-9])", re.I) for w, ps in groups.items()}
    singles = {k: re.compile(rf"(?<![A-Za-z0-9]){_term_pattern(t)}(?![A-Za-z0-9])", re.I) for k, t in names.items()}
    inner: dict[str, frozenset[str]] = {}
    backing: dict[str, frozenset[str]] = {}
    for key, term in names.items():
        inner[key] = frozenset(k for k, p in singles.items() if k != key and p.search(term))
        need = _distinguishing(key)
        backing[key] = frozenset(k for k in inner[key] if need <= set(k.split()))
    return Terms(by_first, inner, backing)
