"""Documents in, chunks out, sized in embedding-model tokens.

Contract: prose is split at section boundaries (headings), then packed paragraph by paragraph
into chunks of at most `size` tokens; a paragraph longer than that is split into sentences, and a
sentence longer than that into token windows. Consecutive chunks of one section share about
`overlap` tokens so a fact cut at a boundary is whole in one of them: the previous chunk's last paragraphs or
whole sentences, never a piece of a sentence (except inside a sentence longer than a chunk). An FAQ entry is one chunk
(question + answers) represented by two vectors: the question alone, and question + answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .documents import Chunk, Document
from .text import HAN_RANGES, is_mostly_cjk, is_question

# Bump when the same document would now be cut into different chunks: the next ingest reads every file again and
# re-embeds every document (2: the overlap carries whole sentences, from a question on, never the tail of one; 3: a
# prose chunk's questions and their answers get vectors of their own; 4: a long paragraph's lines stay lines).
CHUNKER_VERSION = 4

# Gives the character spans of a text's tokens (no special tokens); its length is the token count.
TokenSpans = Callable[[str], list[tuple[int, int]]]

# One token per Han character; the U+4DC0-4DFF symbols between its ranges are one token each as punctuation.
_SIMPLE_TOKEN = re.compile(rf"[{HAN_RANGES}]|\w+|[^\w\s]")
# The end of a sentence, with the closing quotes, brackets and bold markers that belong to it ("**退货吗？**").
# In Chinese, a "**" right after the end closes it when a space or the end follows; before a character it opens the next one.
_SENTENCE_END = re.compile(r"[.!?;](?:\*\*|[\"'”’)\]])*\s+|[。！？；](?:\*\*(?=\s|$)|[”’」』）)\]])*\s*")


def _split_sentences(text: str) -> list[str]:
    """`text` cut after each sentence's end (see `_SENTENCE_END`), stripped, without empty pieces."""
    pieces, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        pieces.append(text[start : m.end()].strip())
        start = m.end()
    pieces.append(text[start:].strip())
    return [p for p in pieces if p]


def inline_answers(text: str) -> list[str]:
    """Each question a prose chunk asks and answers ("Collecting for someone else? The customer can forward ..."),
    with the sentences up to the next question, when the chunk holds more than that: it gets a vector of its own,
    as an FAQ entry's question does, so that a customer's question meets it without the rest of the chunk diluting it
    ("can my friend collect my order" ranked the chunk below five others). Not in Chinese text: there the English-centred
    embedding model rates unrelated texts alike (0.6-0.8), so a vector per question adds chances of a false match, not
    signal (BM25 finds Chinese answers)."""
    if is_mostly_cjk(text, 0.3):
        return []
    sentences = _split_sentences(text)
    starts = [i for i, sentence in enumerate(sentences) if is_question(sentence)]
    units = [" ".join(sentences[a:b]) for a, b in zip(starts, [*starts[1:], len(sentences)])]
    return [] if starts == [0] else units  # a chunk that is one question and its answer has that vector already


def simple_token_spans(text: str) -> list[tuple[int, int]]:
    """A model-free approximation of WordPiece counts: words, punctuation, one token per CJK character."""
    return [m.span() for m in _SIMPLE_TOKEN.finditer(text)]


@dataclass
class _Unit:
    text: str
    tokens: int
    paragraph: int  # units cut from the same paragraph are joined with a space, others with a blank line
    new_line: bool = False  # it starts a line of its paragraph (a list item): joined to the unit before with a newline


class Chunker:
    def __init__(self, spans: TokenSpans = simple_token_spans, size: int = 200, overlap: int = 40):
        if overlap >= size:
            raise ValueError("overlap must be smaller than size")
        self.spans, self.size, self.overlap = spans, size, overlap

    def chunks(self, doc: Document) -> list[Chunk]:
        if doc.is_faq:
            return [self._faq_chunk(doc)]
        out: list[Chunk] = []
        for section in doc.sections:
            for text in self._pack(self._units(section.paragraphs)):
                prefix = f"{doc.title}: {section.heading}" if section.heading else doc.title
                out.append(
                    Chunk(
                        doc_id=doc.doc_id,
                        position=len(out),
                        title=doc.title,
                        source=doc.source,
                        heading=section.heading,
                        text=text,
                        embed_texts=[f"{prefix}\n{text}", *(f"{prefix}\n{qa}" for qa in inline_answers(text))],
                        lexical_text=f"{prefix}\n{text}",
                    )
                )
        return out

    def _faq_chunk(self, doc: Document) -> Chunk:
        question = doc.question or ""
        answer = "\n\n".join(doc.answers)
        text = f"{question}\n\n{answer}"
        return Chunk(
            doc_id=doc.doc_id,
            position=0,
            title=doc.title,
            source=doc.source,
            heading="",
            text=text,
            # Users ask questions: a question-to-question match is the strongest signal, and the
            # answer adds the words a user may use instead. The best of the two vectors counts.
            embed_texts=[question, text],
            lexical_text=text,
            question=question,
        )

    def _units(self, paragraphs: list[str]) -> list[_Unit]:
        units: list[_Unit] = []
        for i, para in enumerate(paragraphs):
            n = len(self.spans(para))
            if n <= self.size:
                units.append(_Unit(para, n, i))
                continue
            # Cut line by line first: the items of a long list stay on lines of their own ("4. **Inspection.** ...").
            for sentence, new_line in ((s, n == 0) for line in para.split("\n") for n, s in enumerate(_split_sentences(line))):
                spans = self.spans(sentence)
                if len(spans) <= self.size:
                    units.append(_Unit(sentence, len(spans), i, new_line))
                    continue
                # A sentence longer than a chunk: cut it into token windows with the same overlap.
                step = self.size - self.overlap
                for start in range(0, len(spans), step):
                    window = spans[start : start + self.size]
                    units.append(_Unit(sentence[window[0][0] : window[-1][1]], len(window), i))
                    if start + self.size >= len(spans):
                        break
        return units

    def _pack(self, units: list[_Unit]) -> list[str]:
        chunks: list[list[_Unit]] = []
        current: list[_Unit] = []
        tokens = 0
        fresh = 0  # units in `current` that are not overlap carried from the previous chunk
        for unit in units:
            if current and tokens + unit.tokens > self.size and fresh:
                chunks.append(current)
                current = self._overlap_tail(current)
                tokens = sum(u.tokens for u in current)
                fresh = 0
                if tokens + unit.tokens > self.size:  # the carried overlap would not fit beside it
                    current, tokens = [], 0
            current.append(unit)
            tokens += unit.tokens
            fresh += 1
        if current and fresh:
            chunks.append(current)
        return [self._join(c) for c in chunks]

    def _overlap_tail(self, units: list[_Unit]) -> list[_Unit]:
        if not self.overlap:
            return []
        tail: list[_Unit] = []
        budget = self.overlap
        for unit in reversed(units):
            if unit.tokens <= budget:
                tail.insert(0, unit)
                budget -= unit.tokens
                continue
            if not tail:  # the last unit alone is longer than the overlap: keep its last whole sentences that fit
                tail = self._last_sentences(unit, budget)
            break
        # In a run of questions and answers, start at a question: an answer without it ("不可以。") reads as the
        # answer to whatever the customer asked.
        first_question = next((i for i, u in enumerate(tail) if is_question(u.text)), 0)
        return tail[first_question:]

    def _last_sentences(self, unit: _Unit, budget: int) -> list[_Unit]:
        """The last sentences of `unit` that fit in `budget` tokens, from the first question among them if there is
        one, as one unit; none when its last sentence alone does not fit (a chunk never starts in the middle of a
        sentence: "？** 不可以。" was read as an answer), nor when they answer a question that does not fit."""
        sentences = _split_sentences(unit.text)
        kept: list[tuple[str, int]] = []  # (sentence, tokens), in order
        for sentence in reversed(sentences):
            n = len(self.spans(sentence))
            if sum(t for _, t in kept) + n > budget:
                break
            kept.insert(0, (sentence, n))
        first_question = next((i for i, (sentence, _) in enumerate(kept) if is_question(sentence)), None)
        if first_question is None and any(is_question(s) for s in sentences[: len(sentences) - len(kept)]):
            return []  # the answer to a question that does not fit: alone, it would answer anything
        kept = kept[first_question or 0 :]  # as in `_overlap_tail`
        if not kept:
            return []
        start = unit.text.rfind(kept[0][0])
        text = unit.text[start:] if start >= 0 else " ".join(sentence for sentence, _ in kept)
        return [_Unit(text, sum(t for _, t in kept), unit.paragraph, unit.new_line and start <= 0)]

    @staticmethod
    def _join(units: list[_Unit]) -> str:
        out = units[0].text
        for prev, unit in zip(units, units[1:]):
            out += ("\n\n" if unit.paragraph != prev.paragraph else "\n" if unit.new_line else " ") + unit.text
        return out
