"""An answer that opens with its citation reads as a footnote mark before the answer: "[1] 2 年。" is shown as
"2 年。 [1]". A sentence that talks about the passages, which the customer never saw ("The passage [2] states that
express delivery costs £7.99.", "根据段落 [1]，...", "根据提供的信息，...", "This can be found in passage [3]."), is shown without the talk:
"Express delivery costs £7.99. [2]", and a sentence that only points at a passage leaves just its marks.

    as_shown("[1] 2 年。退货另算", final=True)   # -> "2 年。 [1] 退货另算"
    as_shown("[1] 2 年", final=False)            # -> "2 年" (the mark waits for the end of the sentence)
    as_shown("[1] 2 年", final=True)             # -> "2 年 [1]"

The bundled 1.5B opens nearly every Chinese answer that way (50 of 52 generated Chinese answers of one dev run). Only
what the customer reads changes: the grounding guard and the other checks read the model's own text.

Contract: `as_shown` of a longer prefix of the same answer always extends `as_shown` of a shorter one (so that a
stream of it can be shown as deltas), and `as_shown(text, final=True)` holds every character of `text` but the
whitespace after the leading marks and the talk about passages. An answer with neither is returned as it is; a
sentence that opens with words that may start such talk ("The passage", "According to", "This can be", "根据") is held
until it ends (or 100 characters), which decides.
"""

from __future__ import annotations

import re

from service.claim_forms import CITATION

_LEADING_MARKS = re.compile(rf"\s*(?:(?:{CITATION.pattern})\s*)+", CITATION.flags)
_TRAILING_MARKS = re.compile(rf"(?:\s*(?:{CITATION.pattern}))+\s*$", CITATION.flags)
# What may still become a leading mark as more of the answer arrives: whitespace, an opened bracket.
_UNFINISHED_MARK = re.compile(r"\s*(?:[\[【][^\]】\n]{0,12})?")
# The end of the first sentence: Chinese 。！？ (and closing quotes), . ! ? before a space (a "." before anything
# else may be a decimal point or an abbreviation), or a line break.
_SENTENCE_END = re.compile(r"[。！？][”’」』）)]*|[.!?][\"'”’)\]]*(?=\s)|(?=\n)")


_MARK_LIST = rf"((?:(?:{CITATION.pattern})\s*(?:,\s*and|,|and|&|、|和)?\s*)*)"
# What a passage is said to do in talk about it ("The passage [2] states that ...").
_TALK_VERBS = r"states?|says?|mentions?|explains?|indicates?|notes?|specif(?:y|ies)"
# A mark as the subject of talk about its passage: "[2] says that returns are free.", "... [3] indicates that you can".
_VERB_TALK = (
    rf"(?:(?:clearly|explicitly|also|further|specifically)\s+){{0,2}}(?:{_TALK_VERBS}|shows?)(?:\s*:\s*|\s+that\s+)"
)
_MARK_SUBJECT_TALK = re.compile(_VERB_TALK, re.I)
_VERB_STARTS = (
    "states", "says", "mentions", "explains", "indicates", "notes", "shows", "specifies", "clearly", "explicitly",
    "also", "further", "specifically",
)
# Talk about the passages an answer may open with; group 1 holds the citation marks it names (maybe none).
# What opens talk about the passages: "According to", "Based on", "根据", ...
_TALK_OPENER_EN = r"according\s+to|as\s+(?:stated|mentioned|explained|described)\s+in|based\s+on"
_TALK_OPENER_ZH = "根据|按照|依据"
_PASSAGE_TALK = [re.compile(pattern, re.I) for pattern in (
    rf"\s*(?:{_TALK_OPENER_EN})\s+(?:the\s+)?"
    r"(?:(?:information\s+in\s+(?:the\s+)?)?(?:passages?|sources?)|(?:provided\s+)?information(?:\s+provided)?"
    rf"|knowledge[\s-]base(?:\s+passages?)?)\s*{_MARK_LIST}\s*[,:]\s*",
    rf"\s*(?:the\s+)?(?:information\s+in\s+(?:the\s+)?)?(?:passages?|sources?)\s*{_MARK_LIST}\s*"
    r"(?:(?:clearly|explicitly|also|both|all|further|specifically)\s+){0,2}"
    rf"(?:{_TALK_VERBS})(?:\s*:\s*|\s+(?:that\s+)?)",
    rf"\s*(?:{_TALK_OPENER_ZH})(?:(?:您|你)?(?:所)?提供的)?(?:(?:知识库)?(?:段落|资料)|知识库|信息|内容)\s*{_MARK_LIST}"
    r"\s*(?:的?(?:信息|内容|说明))?\s*[，,：:]\s*",
    rf"\s*(?:知识库)?段落\s*{_MARK_LIST}\s*中?(?:提到|指出|说明|显示|写道)\s*[，,：:]?\s*",
    # Only the marks named: "According to [1], ...", "根据 [2]，..."
    rf"\s*(?:{_TALK_OPENER_EN}|{_TALK_OPENER_ZH})\s*(?=[\[【]){_MARK_LIST}\s*(?:的?(?:信息|内容|说明))?\s*[,:，：]\s*",
    # The marks alone as the subject: "[2] says that ..."
    rf"\s*(?=[\[【]){_MARK_LIST}\s*{_VERB_TALK}",
)]
_TALK_STARTS = (
    "according to", "as stated in", "as mentioned in", "as explained in", "as described in", "based on", "the passage",
    "passage", "the source", "source", "the information in", "information in", "根据", "按照", "依据", "段落", "知识库",
)
# A later sentence that only says where its facts are ("This can be found in Passage [3].", "The information is provided
# in passages [1], [2], and [3].", "This is stated in [1]."): it leaves its marks. Group 1 holds them.
# Or one that names a passage in words, whatever follows ("This can be found in the second passage, which states "...".",
# "This can be found in the [2] Payment Methods passage, under ..."): what follows repeats the passage.
_POINTER = re.compile(
    r"(?:(?:this|that|the)\s+(?:information|answer|details?)|this|that|it)\s+(?:is|are|can\s+be)\s+(?:clearly\s+)?"
    r"(?:found|stated|mentioned|provided|given|explained|described|listed|specified|covered|outlined|detailed)\s+in\s+(?:(?:(?:the\s+)?(?:passages?|sources?)\s*)?"
    rf"{_MARK_LIST}\s*[.!]?|(?:the\s+)?[^.!?\n]{{0,80}}?\b(?:passages?|sources?)\b[^\n]*)"
    rf"|这(?:一点)?在段落\s*{_MARK_LIST}\s*中?有?(?:提到|说明)。?",
    re.I,
)
# "the second passage" means the prompt's passage [2].
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth")
_ORDINAL_PASSAGE = re.compile(rf"\b({'|'.join(_ORDINALS)})\s+(?:passage|source)\b", re.I)
_POINTER_STARTS = ("this is", "this can", "this information", "that is", "it is stated", "it is mentioned",
                   "the information", "the answer is", "the details", "这在段落", "这一点在段落")
_TALK_DECIDED_AT = 100  # characters: longer than any talk the patterns match


def _marks(text: str) -> str:
    """The citation marks in `text`, space-separated: "[1] [3]"."""
    return " ".join(m.group() for m in CITATION.finditer(text))


def _may_start(sentence: str, starts: tuple[str, ...]) -> bool:
    """Whether `sentence` (lower-cased) starts with one of `starts`, or may once more of it arrives."""
    return any(sentence.startswith(s) or s.startswith(sentence) for s in starts)


def _without_passage_talk(text: str, final: bool) -> str | None:
    """`text` without the talk about passages it opens with (its marks first, "[2] Express delivery ..."); None while
    undecided."""
    lead = _LEADING_MARKS.match(text)
    after_marks = text[lead.end():].lower() if lead else ""
    if not (_may_start(text.lstrip().lower(), _TALK_STARTS) or (after_marks and _may_start(after_marks, _VERB_STARTS))):
        return text
    if not (final or len(text) >= _TALK_DECIDED_AT or _SENTENCE_END.search(text.lstrip(), 1)):
        return None
    talk = _talk_removed(text)
    if talk is None:
        return text
    rest, marks = talk
    return f"{marks} {rest}" if marks else rest


def _talk_removed(sentence: str) -> tuple[str, str] | None:
    """(the rest of `sentence`, capitalised, and the marks its talk named) when it opens with talk about the passages
    and says something after it; else None."""
    for pattern in _PASSAGE_TALK:
        talk = pattern.match(sentence)
        if talk and sentence[talk.end():].strip():
            rest = sentence[talk.end():]
            rest = rest[0].upper() + rest[1:] if rest[0].isascii() else rest
            return rest, _marks(talk.group(1))
    return None


def _later_sentence(sentence: str, before: str) -> str:
    """A finished sentence after the first as shown (`before`: what is shown ahead of it): only its marks when it
    merely points at passages, less those the sentence before it already has ("60 minutes [2]. This can be found in
    passage [2]." shows one [2]); without its talk (its marks after it) when it opens with talk about them; else as it
    is."""
    if _POINTER.fullmatch(sentence.strip()):
        ordinals = [f"[{_ORDINALS.index(m.group(1).lower()) + 1}]" for m in _ORDINAL_PASSAGE.finditer(sentence)]
        pointed = (_marks(sentence) or " ".join(ordinals)).split()
        had = set(_marks(_last_sentence(before)).split())
        return " ".join(mark for mark in pointed if mark not in had)
    talk = _talk_removed(sentence)
    if talk is None:
        return sentence
    rest, marks = talk
    return f"{rest.rstrip()} {marks}" if marks else rest.rstrip()


def _last_sentence(text: str) -> str:
    """The last sentence of `text` with the marks after it ("It is free. [2]"); marks right after a sentence's end
    belong to that sentence, not to the next."""
    body = text.rstrip()
    core = _TRAILING_MARKS.sub("", body)
    ends = [m.end() for m in _SENTENCE_END.finditer(core) if m.end() < len(core)]
    start = ends[-1] if ends else 0
    leading = _LEADING_MARKS.match(core, start)
    return body[leading.end() if leading else start:]


def _without_later_talk(text: str, final: bool) -> str:
    """`text` with the sentences after its first shown by `_later_sentence`; a sentence that may still become talk or
    a pointer is left out until it ends (or reaches 100 characters), so that what is shown only grows."""
    stripped = len(text) - len(text.lstrip())
    end = _SENTENCE_END.search(text, stripped + 1)
    if end is None:
        return text
    shown, pos = text[: end.end()], end.end()
    while pos < len(text):
        gap = re.match(r"(?:\s|(?:" + CITATION.pattern + r"))*", text[pos:], CITATION.flags).group()
        start = pos + len(gap)
        rest = text[start:]
        end = _SENTENCE_END.search(rest, 1) if rest else None
        sentence = rest[: end.end()] if end else rest
        opening = rest.lower()
        # After marks ("... from a text. [3] indicates that you can ..."), the marks may be the subject of talk.
        after_marks = bool(CITATION.search(gap))
        held = (
            _may_start(opening, _TALK_STARTS) or _may_start(opening, _POINTER_STARTS)
            or (after_marks and _may_start(opening, _VERB_STARTS))
        )
        verb = _MARK_SUBJECT_TALK.match(sentence) if after_marks else None
        if not rest or not held:
            shown += gap + sentence
        elif end is None and not final and len(rest) < _TALK_DECIDED_AT:
            return shown + gap  # undecided: shown once it ends
        elif verb and sentence[verb.end():].strip():
            # The verb goes; the marks stay where they are, before the sentence.
            said = sentence[verb.end():]
            shown += gap + (said[0].upper() + said[1:] if said[0].isascii() else said)
        else:
            shown += gap + _later_sentence(sentence, shown + gap)
        pos = start + len(sentence)
    return shown


def as_shown(text: str, *, final: bool) -> str:
    """`text` with the citation marks it opens with moved to the end of its first sentence (`final`: the whole answer,
    so that an answer of one unfinished sentence gets them at its end); while that sentence is unfinished, without them.
    Talk about the passages goes, its marks count as the sentence's own: the first's are leading marks, a later
    sentence's follow it, and a later sentence that only points at passages leaves only its marks."""
    text = _without_passage_talk(text, final)
    if text is None:
        return ""
    text = _without_later_talk(text, final)
    if text is None:
        return ""
    lead = _LEADING_MARKS.match(text)
    if lead is None:
        return "" if not final and _UNFINISHED_MARK.fullmatch(text) else text
    rest = text[lead.end():]
    if not final and _UNFINISHED_MARK.fullmatch(rest):
        return ""  # nothing but marks so far, or the next one still opening
    if not rest.strip():
        return text.strip()  # nothing but marks: shown as they are (the guard turns such an answer down)
    marks = _marks(lead.group())
    end = _SENTENCE_END.search(rest)
    # Until more follows, a sentence end at the very end of a prefix may still take a closing quote.
    if end is None or (not final and end.end() == len(rest)):
        return f"{rest}{'' if rest[-1].isspace() else ' '}{marks}" if final else rest
    after = re.sub(r"^[ \t]+", " ", rest[end.end():])  # "minutes.  [3]": one space after the moved marks
    gap = "" if not after or after[0].isspace() else " "
    return f"{rest[: end.end()]} {marks}{gap}{after}"
