"""The two ways Chinese is written, Simplified and Traditional characters, and turning one into the other.

A customer in Taiwan or Hong Kong writes "退貨要自己出運費嗎" to a help centre written "退货……运费": read as written, the
message shares few characters with the passage that answers it, and the base's own words (the glossary, the checks)
miss it. `Writing` reads a customer's Chinese in the knowledge base's writing and gives the answer back in the
customer's.

Contract: a writing is a BCP 47 tag, one of `WRITINGS`: "zh-Hans" (Simplified), "zh-Hant-TW", "zh-Hant-HK" (the
Traditional characters of Taiwan and of Hong Kong, which differ in a few, 裡/裏, 為/爲) and "zh-Hant" (OpenCC's own
Traditional standard). `writing_of(text)` is the one `text` is written in, or None when none of its characters tells
(no Han characters, or only characters both scripts share: "可以", "手机" does tell); `in_writing(text, writing)`
rewrites `text`'s Han characters in `writing`, phrase by phrase where a character stands for two (OpenCC's tables:
头发 -> 頭髮, 干燥 -> 乾燥), leaving everything else as it is; words stay the writer's (Taiwan's 簡訊 stays 簡訊, 简讯).
"""

from __future__ import annotations

from functools import cache
from typing import Callable, Literal

from .text import HAN

Writing = Literal["zh-Hans", "zh-Hant-TW", "zh-Hant-HK", "zh-Hant"]
SIMPLIFIED: Writing = "zh-Hans"
# The Traditional writings, in the order one is chosen when a text reads the same in several: Taiwan's is the most
# used, then Hong Kong's, then OpenCC's standard (the older printed forms).
TRADITIONAL: tuple[Writing, ...] = ("zh-Hant-TW", "zh-Hant-HK", "zh-Hant")
WRITINGS: tuple[Writing, ...] = (SIMPLIFIED, *TRADITIONAL)
# The OpenCC configuration that writes Simplified characters in each Traditional writing, character by character.
_FROM_SIMPLIFIED = {"zh-Hant-TW": "s2tw", "zh-Hant-HK": "s2hk", "zh-Hant": "s2t"}
# Characters only, never words: OpenCC's Taiwan phrase tables are a computing glossary that rewrites ordinary text,
# both ways (开启 -> 打开, 查询 -> 查找, 抬头 -> 擡头 into Simplified; 统一社会信用代码 -> 統一社會信用程式碼 out of it).
# A customer's own words for the base's (Taiwan's 簡訊 for 短信) are the glossary's synonyms, as any customer's words are.
# Enough of a knowledge base's text to tell its writing, without converting the whole of a large base.
SAMPLE_CHARS = 20_000


@cache
def _converter(config: str) -> Callable[[str], str]:
    from opencc import OpenCC  # its tables load in about 0.1 s: only where Chinese is read

    return OpenCC(config).convert


def in_writing(text: str, writing: Writing) -> str:
    """`text` with its Han characters written in `writing` (from either script), character by character and phrase by
    phrase where a character stands for two (头发 -> 頭髮)."""
    if not HAN.search(text):
        return text
    simplified = _converter("t2s")(text)
    return simplified if writing == SIMPLIFIED else _converter(_FROM_SIMPLIFIED[writing])(simplified)


def writing_of(text: str) -> Writing | None:
    """The writing of `text`: Traditional where more of its characters change in Simplified than are Simplified only
    (changed by every Traditional writing: OpenCC's own standard alone writes 吃 as 喫), then the Traditional writing its
    Simplified form comes back to most closely (ties in `TRADITIONAL`'s order); Simplified where at least as many are
    Simplified only; None where no character tells."""
    if not HAN.search(text):
        return None
    simplified = _converter("t2s")(text)
    traditional_only = _differences(text, simplified)
    simplified_only = _changed_by_all(_unmarked(text), [_unmarked(_converter(c)(text)) for c in _FROM_SIMPLIFIED.values()])
    if traditional_only == simplified_only == 0:
        return None
    if simplified_only >= traditional_only:
        return SIMPLIFIED
    return min(
        TRADITIONAL, key=lambda w: _differences(_unmarked(text), _unmarked(_converter(_FROM_SIMPLIFIED[w])(simplified)))
    )


def _changed_by_all(text: str, rewritten: list[str]) -> int:
    """How many of `text`'s characters every one of its `rewritten` forms changes (forms of another length: the fewest
    differences of any)."""
    if any(len(r) != len(text) for r in rewritten):
        return min(_differences(text, r) for r in rewritten)
    return sum(all(r[i] != ch for r in rewritten) for i, ch in enumerate(text))


def _unmarked(text: str) -> str:
    """`text` with 臺 as 台: the two tell nothing. OpenCC writes 臺 in Traditional text, where Taiwan and Hong Kong
    mostly write 台 (台灣) and the mainland writes 台 too."""
    return text.replace("臺", "台")


def writing_of_texts(texts) -> Writing | None:
    """The writing of a knowledge base's `texts` (its chunks), read from their first `SAMPLE_CHARS` characters of
    Chinese; None when they hold no character that tells."""
    sample, size = [], 0
    for text in texts:
        han = "".join(HAN.findall(text))
        if han:
            sample.append(han)
            size += len(han)
        if size >= SAMPLE_CHARS:
            break
    return writing_of("".join(sample)[:SAMPLE_CHARS])


def _differences(a: str, b: str) -> int:
    return sum(x != y for x, y in zip(a, b)) + abs(len(a) - len(b))
