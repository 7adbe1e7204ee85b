"""The two ways Chinese is written, Simplified and Traditional characters, and turning one into the other.

A customer in Taiwan or Hong Kong writes "退貨要自己出運費嗎" to a help centre written "退货……运费": read as written, the
message shares few characters with the passage that answers it, and the base's own words (the glossary, the checks)
miss it. `Writing` reads a customer's Chinese in the knowledge base's writing and gives the answer back in the
customer's.

Contract: a writing is a BCP 47 tag, one of `WRITINGS`: "zh-Hans" (Simplified), "zh-Hant-TW", "zh-Hant-HK" (the
Traditional characters of Taiwan and of Hong Kong, which differ in a few, 裡/裏, 為/爲) and "zh-Hant" (OpenCC's own
Traditional standard). `writing_of(text)` is the one `text` is written in, or None when none of its characters tells
(no Han characters, or only characters both scripts share: "可以", "手机" does tell); `in_writing(text, writing,
source)` rewrites `text`'s Han characters in `writing`, phrase by phrase (OpenCC's tables: 头发 -> 頭髮, 干燥 -> 乾燥), and
Taiwan's words too where it reads Taiwan's writing into Simplified (簡訊 -> 短信), leaving everything else as it is.
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
# Taiwan's words for some things differ from the mainland's: 簡訊 for 短信 (a text message), 螢幕 for 屏幕, 支援 for 支持
# (supports), 軟體 for 软件. Read into Simplified, they become the mainland's; Hong Kong's are mostly the mainland's
# already. Not the other way: OpenCC's mainland-to-Taiwan phrases are a computing glossary that garbles ordinary text
# (统一社会信用代码 -> 統一社會信用程式碼, 笔记本电脑 -> 膝上型電腦, 类型 -> 型別), so text written for Taiwan keeps its words.
_INTO_SIMPLIFIED_WORDS = {"zh-Hant-TW": "tw2sp", "zh-Hant-HK": "hk2s"}
# Enough of a knowledge base's text to tell its writing, without converting the whole of a large base.
SAMPLE_CHARS = 20_000


@cache
def _converter(config: str) -> Callable[[str], str]:
    from opencc import OpenCC  # its tables load in about 0.1 s: only where Chinese is read

    return OpenCC(config).convert


def in_writing(text: str, writing: Writing, source: Writing | None = None) -> str:
    """`text` with its Han characters written in `writing`; from Taiwan's or Hong Kong's `source` writing into
    Simplified, their words too. Any other way (and from a `source` not known), characters only."""
    if not HAN.search(text) or source == writing:
        return text
    if writing == SIMPLIFIED:
        return _converter(_INTO_SIMPLIFIED_WORDS.get(source, "t2s"))(text)
    return _converter(_FROM_SIMPLIFIED[writing])(_converter("t2s")(text))


def writing_of(text: str) -> Writing | None:
    """The writing of `text`: Traditional where more of its characters change in Simplified than change the other
    way, then the Traditional writing its Simplified form comes back to most closely (ties in `TRADITIONAL`'s order);
    Simplified where more change into Traditional; None where no character changes either way."""
    if not HAN.search(text):
        return None
    simplified = _converter("t2s")(text)
    traditional_only = _differences(text, simplified)
    simplified_only = _differences(_unmarked(text), _unmarked(_converter("s2t")(text)))
    if traditional_only == simplified_only == 0:
        return None
    if simplified_only >= traditional_only:
        return SIMPLIFIED
    return min(
        TRADITIONAL, key=lambda w: _differences(_unmarked(text), _unmarked(_converter(_FROM_SIMPLIFIED[w])(simplified)))
    )


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
