"""An answer that opens with its citation reads as a footnote mark before the answer: "[1] 2 年。" is shown as
"2 年。 [1]".

    as_shown("[1] 2 年。退货另算", final=True)   # -> "2 年。 [1] 退货另算"
    as_shown("[1] 2 年", final=False)            # -> "2 年" (the mark waits for the end of the sentence)
    as_shown("[1] 2 年", final=True)             # -> "2 年 [1]"

The bundled 1.5B opens nearly every Chinese answer that way (50 of 52 generated Chinese answers of one dev run). Only
what the customer reads changes: the grounding guard and the other checks read the model's own text.

Contract: `as_shown` of a longer prefix of the same answer always extends `as_shown` of a shorter one (so that a
stream of it can be shown as deltas), and `as_shown(text, final=True)` holds every character of `text` but the
whitespace after the leading marks. An answer that does not open with a citation is returned as it is.
"""

from __future__ import annotations

import re

from service.claim_forms import CITATION

_LEADING_MARKS = re.compile(rf"\s*(?:(?:{CITATION.pattern})\s*)+", CITATION.flags)
# What may still become a leading mark as more of the answer arrives: whitespace, an opened bracket.
_UNFINISHED_MARK = re.compile(r"\s*(?:[\[【][^\]】\n]{0,12})?")
# The end of the first sentence: Chinese 。！？ (and closing quotes), . ! ? before a space (a "." before anything
# else may be a decimal point or an abbreviation), or a line break.
_SENTENCE_END = re.compile(r"[。！？][”’」』）)]*|[.!?][\"'”’)\]]*(?=\s)|(?=\n)")


def as_shown(text: str, *, final: bool) -> str:
    """`text` with the citation marks it opens with moved to the end of its first sentence (`final`: the whole answer,
    so that an answer of one unfinished sentence gets them at its end); while that sentence is unfinished, without them."""
    lead = _LEADING_MARKS.match(text)
    if lead is None:
        return "" if not final and _UNFINISHED_MARK.fullmatch(text) else text
    rest = text[lead.end():]
    if not final and _UNFINISHED_MARK.fullmatch(rest):
        return ""  # nothing but marks so far, or the next one still opening
    if not rest.strip():
        return text.strip()  # nothing but marks: shown as they are (the guard turns such an answer down)
    marks = " ".join(m.group() for m in CITATION.finditer(lead.group()))
    end = _SENTENCE_END.search(rest)
    # Until more follows, a sentence end at the very end of a prefix may still take a closing quote.
    if end is None or (not final and end.end() == len(rest)):
        return f"{rest}{'' if rest[-1].isspace() else ' '}{marks}" if final else rest
    after = rest[end.end():]
    gap = "" if not after or after[0].isspace() else " "
    return f"{rest[: end.end()]} {marks}{gap}{after}"
