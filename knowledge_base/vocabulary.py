"""A knowledge base's own names: the products, programmes and offers an answer could get wrong.

    build_vocabulary(titles, headings, texts)   # -> {"Aria X2", "VoltCare+", "Click & Collect", ...}

The grounding guard (`service.grounding`) fails an answer that names one of these when the passages it
was given never do. Heuristic and model-free:
- a name is a run of capitalised, CamelCase, letter-and-digit or "+" words, joined by "&" and optionally
  followed by a model number; a sentence's first word counts only if it is also capitalised mid-sentence;
- Title Case lines (titles, headings) contribute single names like "HomeHub", never phrases;
- day and month names, ALL-CAPS acronyms and small function words end a name;
- a multi-word name is kept if its shape marks it as a name, or if it recurs (twice when one of its words
  never appears in lower case, three times otherwise); names made only of the brand and generic words
  ("Customer Support", "Ltd", "Policy") are dropped;
- a brand is a word that starts at least three names; without it a name gives its short form ("Aria X2"),
  and names are also cut after their model number ("Windows 11 Home" -> "Windows 11").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

UNITS = {  # may be glued to a number ("250g", "24h", "30days") and still leave a plain number
    "g", "kg", "mg", "mm", "cm", "m", "km", "in", "inch", "ft", "gb", "tb", "mb", "kb", "gbps", "mbps",
    "h", "hr", "hrs", "min", "mins", "s", "sec", "secs", "ms", "w", "kw", "wh", "mah", "v", "hz", "khz",
    "mhz", "ghz", "mp", "x", "st", "nd", "rd", "th", "day", "days", "wk", "wks", "week", "weeks",
    "month", "months", "yr", "yrs", "year", "years", "hour", "hours", "minute", "minutes",
}
NUM_UNIT = re.compile(r"(\d+(?:\.\d+)?)-?([A-Za-z]+)")  # "250g", "30-day"

_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
)


_STOP = {
    "a", "i", "the", "an", "your", "our", "my", "this", "that", "these", "those", "it", "its", "we",
    "you", "he", "she", "they", "if", "when", "why", "how", "what", "where", "which", "who", "can", "do",
    "does", "is", "are", "yes", "no", "please", "and", "or", "of", "to", "in", "on", "at", "for",
    "from", "by", "with", "all", "any", "each", "every", "some", "both", "see", "use", "open", "go",
    "choose", "select", "tap", "press", "contact", "call", "visit", "check", "get", "new", "not",
    "only", "most", "many", "after", "before", "once", "then", "also", "up", "as", "be", "but", "so",
    "there", "here", "note", "important", "last", "updated", "applies", "effective", "version", "page",
}
_CALENDAR = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mon", "tue", "wed",
    "thu", "fri", "sat", "sun", *_MONTH_NAMES,
}
# Names made only of these (besides the brand) are the company's departments and documents, not
# products a model could get wrong: "Voltway Customer Support", "Voltway Ltd", "Warranty Policy".
_GENERIC = {
    "policy", "policies", "faq", "faqs", "support", "customer", "customers", "service", "services",
    "help", "centre", "center", "team", "store", "stores", "shop", "ltd", "limited", "inc", "gmbh",
    "app", "apps", "website", "site", "account", "accounts", "terms", "conditions", "guide", "article",
    "warranty", "questions", "question", "frequently", "asked",
}
_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*\+?|\d+(?:[.,]\d+)*(?:-?[A-Za-z][A-Za-z0-9]*)*\+?|&|\S")
_SENTENCE_MARKS = {".", "!", "?", ":", ";", "-", "–", "—", "•", ">", "|", "#", "="}
_TRANSPARENT = {"*", "_", '"', "“", "”", "‘", "’", "`", "(", "[", "'"}
_WEB = re.compile(r"\S+@\S+|(?:https?://)?(?:[\w\-]+\.)+[a-z]{2,}(?:/\S*)?")


def _is_word(t: str) -> bool:
    return t[0].isalpha()


@lru_cache(maxsize=65536)
def is_name_token(t: str) -> bool:
    """A token that is a name by its shape: CamelCase ("HomeHub", "iOS"), a trailing '+' ("VoltCare+"),
    or letters and digits together ("X2", "USB4")."""
    camel = re.search(r"[a-z][A-Z]", t) is not None
    mixed = re.search(r"\d", t) is not None and re.search(r"[A-Za-z]", t) is not None
    return camel or mixed or (t.endswith("+") and len(t) > 1)


def _is_allcaps(t: str) -> bool:
    letters = re.sub(r"[^A-Za-z]", "", t)
    return len(letters) >= 2 and letters.isupper()


@lru_cache(maxsize=65536)
def _is_cap_word(t: str) -> bool:
    return (
        _is_word(t) and t[0].isupper() and len(t) > 1 and not _is_allcaps(t)
        and t.lower() not in _STOP and not any(part in _CALENDAR for part in t.lower().split("-"))
    )


@lru_cache(maxsize=65536)
def _useful_single(t: str) -> bool:
    """A lone shape-name worth checking: not an identifier from an example ("RP-582014") and not a
    number with a unit ("250g", "30-day", "3-D")."""
    unit = NUM_UNIT.fullmatch(t)
    if t[0].isdigit() and ("-" in t or (unit and unit.group(2).lower() in UNITS)):
        return False
    return len(re.findall(r"\d", t)) <= 3


def _lines(titles: Iterable[str], headings: Iterable[str], texts: Iterable[str]) -> list[tuple[str, bool]]:
    """Every line and table cell, heading paths ("A > B") as their parts, addresses removed; each with
    whether it continues the previous line's sentence (PDF text wraps mid-sentence)."""
    out: list[tuple[str, bool]] = []
    for line in [*titles, *headings]:
        out.extend((part, False) for part in line.split(" > "))
    for text in texts:
        prev = ""
        for line in _WEB.sub(" ", text).split("\n"):
            continues = bool(re.search(r"[a-z,]$", prev) and re.match(r"[A-Za-z]", line.lstrip()))
            parts = re.split(r" > |\|", line)
            out.extend((part, continues and i == 0) for i, part in enumerate(parts))
            prev = line.rstrip()
    return [(line.strip(), continues) for line, continues in out if line.strip()]


def _title_case(tokens: list[str]) -> bool:
    """A line in Title Case ("Delivery Options, Fees and Times"): its capitals say nothing about names."""
    words = [t for t in tokens[1:] if _is_word(t) and t.lower() not in _STOP]
    return len(words) >= 2 and all(t[0].isupper() or re.search(r"\d", t) for t in words)


def _runs(tokens: list[str], continues: bool = False) -> Iterable[tuple[list[str], bool]]:
    """Maximal runs of name-like tokens, each with whether it begins a sentence. A number continues a
    run ("Nimbus 14") unless a unit follows it ("HomeHub 5 米", "Wi-Fi 2.4 GHz")."""
    run: list[str] = []
    run_at_start = False
    prev = "," if continues else None  # the last token that decides whether the next starts a sentence
    for i, t in enumerate(tokens):
        if _is_cap_word(t) or is_name_token(t) and (_is_word(t) or _useful_single(t)):
            if not run:
                run_at_start = prev is None or prev in _SENTENCE_MARKS
            run.append(t)
        elif run and (t == "&" or re.fullmatch(r"\d+(?:\.\d+)*", t) and not _unit_follows(tokens, i + 1)):
            run.append(t)
        elif run:
            yield run, run_at_start
            run = []
        if t not in _TRANSPARENT:
            prev = t
    if run:
        yield run, run_at_start


_CJK_UNITS = set("米天年个次秒分元块倍台件张位周日月小公克期")


def _unit_follows(tokens: list[str], i: int) -> bool:
    """The number at i - 1 is a quantity ("5 米", "2.4 GHz") or a clock time ("08:00"), not a model number."""
    nxt = tokens[i] if i < len(tokens) else ""
    if nxt in (":", "：") and i + 1 < len(tokens) and tokens[i + 1][0].isdigit():
        return True
    return nxt.lower() in UNITS or nxt.lower().rstrip("s") in UNITS or nxt in _CJK_UNITS or nxt == "%"


def _trim(run: list[str], at_start: bool, evidenced: set[str]) -> list[str]:
    """Drop what is not part of the name: a sentence's first word that is capitalised only because it
    starts the sentence, a leading number or '&', a trailing '&' or 'App'."""
    if at_start and run and not is_name_token(run[0]) and run[0] not in evidenced:
        run = run[1:]
    while run and (run[0] == "&" or run[0][0].isdigit() and not is_name_token(run[0])):
        run = run[1:]
    while run and (run[-1] == "&" or run[-1].lower() in ("app", "apps")):
        run = run[:-1]
    return run


def build_vocabulary(titles: Iterable[str], headings: Iterable[str], texts: Iterable[str]) -> set[str]:
    """The names of a knowledge base that a model could get wrong: product and programme names
    ("Voltway Aria X2" and "Aria X2", "Nimbus 14", "VoltCare+", "Click & Collect", "Trade-in").

    Heuristics, in order: a name is a run of capitalised words, CamelCase words, words with digits or
    a trailing '+', joined by '&' and followed by numbers ("Nimbus 14"); a sentence's first word counts
    only if it is also capitalised mid-sentence somewhere; Title Case lines (titles, headings like
    "Delivery Options, Fees and Times") give single shape-names only; month and day names, ALL-CAPS
    acronyms and function words break runs. A run of two or more words is kept when its shape marks it
    (CamelCase, digits, '+'), or when it recurs: twice if one of its words never occurs in lower case
    ("Apple Pay"), three times otherwise ("Click & Collect"). Names made only of the brand and generic
    words ("Voltway Customer Support") are dropped; a brand (a word that starts three names) is also
    dropped from the front of its names to give the short names ("Voltway Aria X2" -> "Aria X2").
    Latin-script names inside Chinese text count the same way.
    """
    titles, headings, texts = list(titles), list(dict.fromkeys(headings)), list(texts)
    lower_words = set(re.findall(r"\b[a-z]+\b", _WEB.sub(" ", "\n".join(texts))))
    lines = []
    for line, continues in _lines(titles, headings, texts):
        tokens = _TOKEN.findall(line)
        lines.append((tokens, _title_case(tokens), continues))

    evidenced: set[str] = set()  # capitalised words seen mid-sentence: capitals that mean a name
    for tokens, title_case, continues in lines:
        if not title_case:
            for run, at_start in _runs(tokens, continues):
                evidenced.update(run[1:] if at_start else run)

    counts: Counter[str] = Counter()
    shaped: set[str] = set()
    singles: set[str] = set()
    for tokens, title_case, continues in lines:
        for run, at_start in _runs(tokens, continues):
            run = _trim(run, at_start, evidenced)
            if len(run) == 1 and is_name_token(run[0]) and _useful_single(run[0]):
                singles.add(run[0])
            elif len(run) >= 2 and not title_case:
                name = " ".join(run)
                counts[name] += 1
                if any(is_name_token(t) or t[0].isdigit() for t in run):
                    shaped.add(name)

    def recurs(name: str) -> bool:
        rare_word = any(_is_word(w) and w.lower() not in lower_words for w in name.split())
        return counts[name] >= (2 if rare_word else 3)

    names = {n for n in counts if n in shaped or recurs(n)}
    firsts = Counter(n.split()[0] for n in names)
    brands = {w for w, c in firsts.items() if c >= 3 and w.lower() not in lower_words}

    vocabulary = set(singles)
    for name in names:
        words = name.split()
        core = words[1:] if words[0] in brands else words
        if all(w.lower() in _GENERIC or w == "&" for w in core):
            continue
        for short in _short_names(words, core):
            vocabulary.add(" ".join(short))
    return vocabulary


def _short_names(words: list[str], core: list[str]) -> Iterable[list[str]]:
    """A name, the name without its brand ("Aria X2"), and each name cut after its model number
    ("Windows 11 Home" -> "Windows 11"), when what is left still reads as a name."""
    for name in (words, core) if core is not words else (words,):
        if len(name) >= 2 or is_name_token(name[0]) or "-" in name[0]:
            yield name
            for i in range(1, len(name) - 1):
                if name[i][0].isdigit():
                    yield name[: i + 1]
