"""Text measures the assistant needs: which language a text is in, how many tokens it is, and the
translation glossary.

Contract: `detect_language` decides by script ("zh", "ja" or "en"), so it needs no model; `customer_writing` tells
Traditional from Simplified Chinese and `in_base_writing` reads a message as the knowledge base writes; token counts are
either the model tokenizer's (`tokenizer_counter`) or a conservative estimate (`approx_tokens`) that
over-counts rather than under-counts, so prompts built with it still fit the context window.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from knowledge_base.chinese_script import SIMPLIFIED, Writing, in_writing, writing_of
from knowledge_base.text import HAN as _HAN, LETTERS_PER_WORD, han_share, holds_words
from service.errors import AssistantError

TokenCounter = Callable[[str], int]

LANGUAGES = {
    "en": "English",
    "zh": "Chinese (Simplified)",
    "zh-Hant-TW": "Chinese (Traditional, Taiwan)",
    "zh-Hant-HK": "Chinese (Traditional, Hong Kong)",
    "fr": "French",
    "de": "German",
    "es": "Spanish",
    "ja": "Japanese",
}

AUTO = "auto"  # a source to detect, or a target chosen from the source (`target_for`)
# The language codes of Chinese, each its writing (`knowledge_base.chinese_script`): one language, as the model writes
# it ("zh"), and in Traditional characters (the model's Simplified text rewritten).
CHINESE_WRITINGS: dict[str, Writing] = {"zh": "zh-Hans", "zh-Hant-TW": "zh-Hant-TW", "zh-Hant-HK": "zh-Hant-HK"}

_KANA = re.compile(r"[\u3040-\u30ff]")
_LATIN = re.compile(r"[A-Za-z]")


def detect_language(text: str) -> str:
    """'zh', 'ja' or 'en' by script: Chinese when Han characters are at least a fifth of the letters."""
    han, kana, latin = len(_HAN.findall(text)), len(_KANA.findall(text)), len(_LATIN.findall(text))
    if kana and kana + han >= 0.2 * (kana + han + latin / LETTERS_PER_WORD):
        return "ja"
    # A Han character carries about a word's worth of meaning; compare against Latin words, not letters.
    if han and han_share(text) >= 0.2:
        return "zh"
    return "en"


def chinese_code(text: str) -> str:
    """The language code of Chinese `text` (`CHINESE_WRITINGS`): "zh" unless it is written in Traditional characters
    (OpenCC's own standard counted as Taiwan's)."""
    codes = {writing: code for code, writing in CHINESE_WRITINGS.items()}
    return codes.get(writing_of(text) or SIMPLIFIED, "zh-Hant-TW")


def target_for(source: str) -> str:
    """The language an `AUTO` target means for a text in `source`: Chinese for English, English for the rest (the pair
    the product serves first)."""
    return "zh" if source == "en" else "en"


def reply_language(message: str, previous: str | None = None) -> str:
    """The language to reply to `message` in: its own, except that a message of at most two Latin words and no
    other script ("ok", "thx", "VoltCare+?") says too little to tell, and takes the customer's `previous` message's."""
    language = detect_language(message)
    if language != "en" or len(message.split()) > 2 or _HAN.search(message) or _KANA.search(message):
        return language
    return detect_language(previous) if previous else language


# How much of a message tells its writing: a few sentences do, and the reading stays cheap for a long one.
WRITING_SAMPLE_CHARS = 400


def customer_writing(message: str, previous: str | None = None) -> Writing | None:
    """How the customer writes Chinese (`knowledge_base.chinese_script`) where the reply is Chinese
    (`reply_language`): `message`'s writing, or for a message that does not tell ("可以", "OK" in a Chinese
    conversation) the `previous` message's; None where the reply is in another language or nothing tells."""
    if reply_language(message, previous) != "zh":
        return None
    return writing_of(message[:WRITING_SAMPLE_CHARS]) or (
        writing_of(previous[:WRITING_SAMPLE_CHARS]) if previous else None
    )


def in_base_writing(text: str, base: Writing) -> str:
    """`text` as the knowledge base writes Chinese where it is Chinese; any other text as it is (Japanese keeps its
    kanji)."""
    return in_writing(text, base) if detect_language(text) == "zh" else text


def approx_tokens(text: str) -> int:
    """A conservative token estimate when the model's tokenizer is not at hand: one per CJK character,
    one per 3.5 other characters (English BPE averages about 4)."""
    cjk = len(_HAN.findall(text)) + len(_KANA.findall(text))
    return cjk + math.ceil((len(text) - cjk) / 3.5)


def tokenizer_counter(tokenizer) -> TokenCounter:
    """A `TokenCounter` from a Hugging Face tokenizer."""
    return lambda text: len(tokenizer.encode(text, add_special_tokens=False))


def token_counter_for(settings, log: Callable[[str], None] = print) -> TokenCounter:
    """The served model's tokenizer when it is a local checkpoint (`settings`: `service.settings.Settings`);
    else, for a remote server or a model that cannot be read here, the conservative estimate."""
    if settings.llm_url or settings.engine == "scripted":
        return approx_tokens
    try:
        from transformers import AutoTokenizer

        from service.models import resolve_model

        model = resolve_model(settings.model, settings.data_dir, log=log)
        if model.is_local:
            return tokenizer_counter(AutoTokenizer.from_pretrained(model.source))
    except Exception as e:  # noqa: BLE001 - counting falls back to an estimate, never stops the app
        log(f"Counting tokens by estimate ({type(e).__name__}: {e}).")
    return approx_tokens


@dataclass
class Glossary:
    """The company's words: terms kept unchanged in translation, en/zh pairs rendered one fixed way, and `synonyms`,
    the knowledge base's word for each set of words customers use instead ({"门店": ["实体店", "线下店"]}), which
    searches add (`searched`)."""

    terms: list[str] = field(default_factory=list)
    pairs: list[dict[str, str]] = field(default_factory=list)
    synonyms: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None) -> "Glossary":
        if path is None or not Path(path).is_file():
            return cls()
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            said_for = data.get("synonyms", {})
            if any(isinstance(said, str) for said in said_for.values()):
                raise TypeError("what customers say is a list")
            synonyms = {str(word): [str(s) for s in said] for word, said in said_for.items()}
            return cls([str(t) for t in data.get("terms", [])], [dict(p) for p in data.get("pairs", [])], synonyms)
        except (ValueError, AttributeError, TypeError) as e:
            raise AssistantError(
                f"The glossary {path} is not valid JSON of the form {{\"terms\": [...], \"pairs\": [{{\"en\": ..., \"zh\": ...}}], "
                f"\"synonyms\": {{\"word\": [\"what customers say\", ...]}}}}; fix or remove it."
            ) from e

    def searched(self, text: str) -> str:
        """`text` with the knowledge base's words for the customers' words in it (`synonyms`) added at its end, those
        it already holds left out: "你们有实体店吗" -> "你们有实体店吗 门店". Customers' words match case-insensitively,
        English ones as whole words. The knowledge base is searched, and its sentences chosen, with what this returns;
        the model still reads the customer's own words."""
        lowered = text.lower()
        added = [
            word for word, said in self.synonyms.items()
            if word.lower() not in lowered and any(holds_words(lowered, s.lower()) for s in said)
        ]
        return " ".join([text, *added]) if added else text

    def terms_in(self, text: str) -> list[str]:
        """Terms that occur in `text`, longest first, without those contained in a longer one found."""
        found: list[str] = []
        for term in sorted(self.terms, key=len, reverse=True):
            if term in text and not any(term in longer for longer in found):
                found.append(term)
        return found

    def pairs_in(self, text: str, source: str, target: str) -> list[tuple[str, str]]:
        if source == target or source not in ("en", "zh") or target not in ("en", "zh"):
            return []
        lowered = text.lower()
        return [(p[source], p[target]) for p in self.pairs if p.get(source) and p.get(target) and p[source].lower() in lowered]

