"""The one rule for which characters are Chinese (Han) and when a text is mostly Chinese.

Contract: `HAN_RANGES` is the character-class body of the CJK Unified Ideographs, Extension A and the
Compatibility Ideographs (no Kana, no punctuation, no full-width forms: callers that need those add
them); `HAN` matches one such character. `is_mostly_cjk(text, threshold)` is true when Han characters
are more than `threshold` of the text's characters, spaces not counted (how chunking reads a document).
`reads_as_chinese(text, threshold)` is true when Han characters are more than `threshold` of the text's words, a
Han character counted as a word and `LETTERS_PER_WORD` Latin letters as one (`han_share`): how a customer's message
is read, by retrieval, the service's checks and its language detection alike, so that "homehub 支持 matter 吗" is the
Chinese question it is and not, by its letters, an English one. `is_question` is the one
rule for a sentence that asks (chunking and the service's extractive answers agree on it too); `sentence_spans` cuts a
message, an answer or a draft into sentences whose pieces join back into it, and `sentences` gives them as texts.
"""

from __future__ import annotations

import re

HAN_RANGES = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN = re.compile(f"[{HAN_RANGES}]")


def is_mostly_cjk(text: str, threshold: float) -> bool:
    """True when more than `threshold` (0 to 1) of `text`'s non-space characters are Han."""
    return len(HAN.findall(text)) > threshold * max(1, len(text.replace(" ", "")))


# A Han character carries about a word's worth of meaning; a Latin word is about this many letters.
LETTERS_PER_WORD = 4
_LATIN = re.compile(r"[A-Za-z]")


def han_share(text: str) -> float:
    """The share of `text`'s words that are Han characters, a Latin word counted as `LETTERS_PER_WORD` letters (digits
    and punctuation not counted); 0.0 for a text without Han characters."""
    han = len(HAN.findall(text))
    return han / (han + len(_LATIN.findall(text)) / LETTERS_PER_WORD) if han else 0.0


def reads_as_chinese(text: str, threshold: float) -> bool:
    """True when more than `threshold` (0 to 1) of a message's words are Han characters (`han_share`): a Chinese
    question naming products in Latin letters ("aria x2 支持 ldac 吗") is still read as Chinese."""
    return han_share(text) > threshold


def holds_words(text: str, words: str) -> bool:
    """Whether lower-cased `text` holds lower-cased `words`: Latin ones as whole words ("no" is not in "norway"),
    others anywhere (Chinese has no spaces). Empty `words` are held nowhere."""
    if not words:
        return False
    if words.isascii():
        return re.search(rf"(?<![a-z0-9]){re.escape(words)}(?![a-z0-9])", text) is not None
    return words in text

_QUESTION_END = re.compile(r"[?？][\"'”’)\]」』）*]*$")


def is_question(sentence: str) -> bool:
    """Whether a sentence ends in a question mark (closing quotes, brackets or bold marks allowed): in an FAQ
    passage, the question, not its answer."""
    return bool(_QUESTION_END.search(sentence))



def _pieces_ending_at(marks: str, cjk_marks: str) -> re.Pattern:
    """A piece of text: up to one of `marks` before a space or the end (not the dot of "evil.example" or "1.29"), one of
    `cjk_marks`, or a line break; with the spaces after it, so that the pieces join back into the text."""
    return re.compile(rf"(?:[^\n{marks}{cjk_marks}]|[{marks}](?!\s|$))*(?:[{marks}]+|[{cjk_marks}]|\n|$)[ \t]*")


_SENTENCE = _pieces_ending_at(".!?", "。！？")
_CLAUSE = _pieces_ending_at(".!?;", "。！？；")  # a semicolon ends a piece too


def sentence_spans(text: str, *, clauses: bool = False) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text` (with `clauses`, each piece a semicolon ends too), in order, together
    covering all of it."""
    return [m.span() for m in (_CLAUSE if clauses else _SENTENCE).finditer(text) if m.end() > m.start()]


def ends_a_sentence(text: str, *, clauses: bool = False) -> bool:
    """Whether a growing `text` ends where its last sentence has ended, so that what comes next starts another: after
    。！？, a line break, or . ! ? and a space (a "." at the very end may still be the point of "1.29")."""
    return len(sentence_spans(text + "x", clauses=clauses)) > len(sentence_spans(text, clauses=clauses))


def sentences(text: str, *, clauses: bool = False) -> list[str]:
    """The sentences of `text` as `sentence_spans` cuts it, stripped, without empty ones."""
    return [piece for start, end in sentence_spans(text, clauses=clauses) if (piece := text[start:end].strip())]


# A sentence shorter than both says nothing without its context: "No.", "Warranty", "不可以。".
SAYS_LITTLE_WORDS = 3
SAYS_LITTLE_HAN = 4


def says_little(sentence: str) -> bool:
    """Whether `sentence` is too short to say anything alone: fewer than `SAYS_LITTLE_WORDS` words and fewer than
    `SAYS_LITTLE_HAN` Chinese characters."""
    return len(sentence.split()) < SAYS_LITTLE_WORDS and len(HAN.findall(sentence)) < SAYS_LITTLE_HAN
