"""Extractive answers: the passages' own sentences that best answer a question, with citations. The
fallback when a generated answer states something its passages do not (see `service.grounding`).

    text, used = extractive_answer("How long do refunds take?", passages, kb.embed)
    # -> ("We inspect returns within 3 working days. Refunds take 3–5 working days. [1]", [1])

Contract: `extractive_answer` embeds the question and every candidate sentence in one `embed` call
(rows are unit vectors, so a dot product is the cosine), keeps at most `max_sentences` sentences whose
similarity is at least `min_similarity` (0.45: calibrated with `bench/extractive.py`; for a Chinese question, the
most similar once those sharing its words are moved up, `CJK_OVERLAP_WEIGHT`), never a sentence that is
a cut-off part of another candidate, and returns them in document order (passage order, then
sentence order), each run of sentences from one passage followed by that passage's citation " [n]"
(n counts passages from 1), with the passage numbers used. A sentence ending in "?" is never quoted: in
an FAQ passage ("question\n\nanswer") that is the question, not its answer. Only passages whose best
sentence is within `PASSAGE_MARGIN` of the best sentence overall are quoted, so the answer comes from
the passage that answers the question and not from a collage of passages that mention its words.
Nothing clears the threshold: ("", []), and the caller says it does not know.

`split_sentences` reads English and Chinese: a sentence ends at . ! ? followed by a space or the end
of the line (not at "e.g." or "B.V.") and at 。！？； ; a bullet or numbered line is one sentence, a
table row one sentence ("Standard: 2–4 working days; £3.99"); headings (Markdown, underlined,
ALL CAPS or Title Case lines without a full stop) and table header rows are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from knowledge_base.text import HAN, HAN_RANGES, is_mostly_cjk, is_question  # noqa: F401 - is_question: part of this module's API

Embed = Callable[[list[str]], np.ndarray]

# A passage whose best sentence is this far below the best overall is about something else. Cosine
# scales of sentence-embedding models put a paraphrase ~0.2 above a merely related sentence.
PASSAGE_MARGIN = 0.1

# The bundled embedding models are English-centred: a Chinese question's sentences score their cosine plus this much
# per share of the question's words (character bigrams) they hold, as BM25 does for retrieval
# (KBSettings.cjk_lexical_weight), both to rank them and against the extractive bar. On the dev set's Chinese
# questions the six closest sentences held the answer for 16 of 21 by cosine alone, 19 of 21 with it (session 17).
# Counted against the bar too, the one answerable held-out question the bar declined, and three short ones
# ("自提要带身份证吗", "保修多久"), are no longer declined before the model (docs/answer-quality.md, session 25).
CJK_OVERLAP_WEIGHT = 0.8
# Bigrams any Chinese question has ("怎么", "可以", "多久"): sharing only these with a sentence says nothing about
# whether it is on the question's topic.
_FUNCTION_TERMS = frozenset(
    "怎么 怎样 什么 可以 多少 多久 能不 不能 是不 不是 请问 如何 为什 么样 一下 还是 我们 你们 我的 可能 需要 现在 已经 "
    "这个 那个 一个 没有 有没 时候 的话 哪里 哪些 能否 能吗 可不 以吗 么办".split()
)
_TERMS = re.compile(rf"[{HAN_RANGES}]+|[a-z0-9]{{2,}}")

_ATX_HEADING = re.compile(r"^#{1,6}\s")
_UNDERLINE = re.compile(r"^\s*(?:={3,}|-{3,})\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
_BULLET = re.compile(r"^\s*(?:[-*•+]\s+|\d{1,2}[.)]\s+|[（(]\d{1,2}[)）]\s*|\d{1,2}、|[一二三四五六七八九十]{1,3}、)")
_MARKUP = re.compile(r"\*\*|__|`|^>\s*")
# The end of a sentence: . ! ? (and any closing quotes or brackets) before a space, or Chinese 。！？；
_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s|$)|[。！？；][”’」』）)]*")
# A full stop that ends an abbreviation or initials, not a sentence: "e.g.", "B.V.", "No."
_ABBREVIATION = re.compile(
    r"(?:\b(?:e\.g|i\.e|vs|approx|incl|No|Nr|Mr|Mrs|Ms|Dr|St|cf)|(?<![A-Za-z])[A-Z](?:\.[A-Z])*)\.$"
)
_NUMBERED_TITLE = re.compile(r"[一二三四五六七八九十]{1,3}、")
_SMALL_WORDS = {
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "at", "for", "from", "by", "with", "your", "our",
    "my", "is", "are",
}
_CJK_END = re.compile(rf"[{HAN_RANGES}。！？；：，、”’」』）]$")


def split_sentences(text: str) -> list[str]:
    """The sentences of a passage, in order, with Markdown emphasis removed and headings dropped."""
    lines = text.split("\n")
    sentences: list[str] = []
    for i, raw in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        line = _MARKUP.sub("", raw).strip()
        if not line or _ATX_HEADING.match(line):
            continue
        if _BULLET.match(line) and not _NUMBERED_TITLE.match(line):
            sentences.append(_BULLET.sub("", line, count=1).strip())
        elif _is_heading(line, nxt):
            continue
        elif line.startswith("|") or line.count("|") >= 2:
            sentences.append(_table_row(line))
        else:
            sentences.extend(_split_line(line))
    return [s for s in sentences if re.search(r"[^\W\d_]", s)]


def _is_heading(line: str, next_line: str) -> bool:
    if _UNDERLINE.match(line) or _TABLE_RULE.match(line):
        return True
    if _UNDERLINE.match(next_line) or _TABLE_RULE.match(next_line):
        return True  # an underlined heading, or a table's header row
    letters = re.sub(r"[^A-Za-z]", "", line)
    if len(letters) >= 2 and letters.isupper() and not HAN.search(line):
        return True  # "BUYING A GIFT CARD", "WHEN WILL MY ORDER BE READY?"
    if _END.search(line[-2:]) or line.endswith((":", "：", ",", "，", ";", "；")):
        return False
    if _NUMBERED_TITLE.match(line) or " > " in line:
        return True  # "一、可回收的设备"; a heading path "Returns and Refunds > Exchanges"
    if HAN.search(line):
        return False  # Chinese has no capitals: a Latin name in a line says nothing about headings
    words = [w for w in re.findall(r"[A-Za-z][\w'’&+-]*", line)[1:] if w.lower() not in _SMALL_WORDS]
    return len(words) >= 1 and all(w[0].isupper() for w in words) and len(line.split()) <= 10


def _table_row(line: str) -> str:
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    cells = [c for c in cells if c and c not in ("-", "–")]
    if len(cells) < 2:
        return cells[0] if cells else ""
    return f"{cells[0]}: {'; '.join(cells[1:])}"


def _split_line(line: str) -> list[str]:
    out, start = [], 0
    for m in _END.finditer(line):
        piece = line[start : m.end()].strip()
        if m.group()[0] == "." and _ABBREVIATION.search(piece):
            continue
        if piece:
            out.append(piece)
        start = m.end()
    rest = line[start:].strip()
    return out + ([rest] if rest else [])


def _finished(sentence: str) -> str:
    """A bullet or table cell read as prose ends with a full stop like the sentences around it."""
    if _END.search(sentence[-3:]) and not sentence.endswith(("；", ";")):
        return sentence
    return sentence.rstrip("；;:：,，") + ("。" if _CJK_END.search(sentence) else ".")


def _terms(text: str) -> set[str]:
    """Chinese character bigrams (a lone character as itself) and Latin words of two letters or more."""
    terms: set[str] = set()
    for run in _TERMS.findall(text.lower()):
        terms |= {run[i : i + 2] for i in range(max(1, len(run) - 1))} if HAN.match(run) else {run}
    return terms


def _with_shared_terms(question: str, scores: np.ndarray, contexts: Sequence[str]) -> np.ndarray:
    """A Chinese question's sentence scores: the English-centred embedding model's cosine, which rates almost any two
    Chinese texts alike ("今天天气怎么样" meets "门店自提免费。" at 0.78), plus `CJK_OVERLAP_WEIGHT` per share of the
    question's words (`_terms`) each sentence holds, read with the FAQ question it answers (`contexts`); a sentence
    that shares no word with the question but the likes of "怎么" scores -1, whatever its cosine: it is not on topic."""
    wanted = _terms(question)
    topical = wanted - _FUNCTION_TERMS
    held = [_terms(c) for c in contexts]  # each context's terms, read once for both measures
    shared = np.array([len(wanted & h) / len(wanted) if wanted else 0.0 for h in held], dtype=np.float32)
    on_topic = np.array([bool(topical & h) for h in held])
    return np.where(on_topic, scores + CJK_OVERLAP_WEIGHT * shared, -1.0).astype(np.float32)


def join_sentences(sentences: list[str]) -> str:
    """Sentences as one text: a space between them, none after a Chinese one."""
    text = ""
    for s in sentences:
        text += s if not text or _CJK_END.search(text) else f" {s}"
    return text


def _without_fragments(candidates: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Drop a sentence whose text lies inside a longer candidate: overlapping chunks cut a sentence at a chunk
    edge, and quoting both the sentence and its cut-off half repeats it."""
    norms = [re.sub(r"\s+", " ", c[2]).lower().strip(" .。") for c in candidates]
    return [
        c for i, c in enumerate(candidates)
        if not any(j != i and len(norms[j]) > len(norms[i]) and norms[i] in norms[j] for j in range(len(norms)))
    ]


def extractive_answer(
    question: str,
    passages: Sequence[str],
    embed: Embed,
    *,
    max_sentences: int = 3,
    min_similarity: float = 0.45,
) -> tuple[str, list[int]]:
    """The best sentences of `passages` for `question` with citations, and the passage numbers used
    (from 1, in the order given); ("", []) when none reaches `min_similarity`."""
    runs = closest_sentences(question, passages, embed, max_sentences=max_sentences, min_similarity=min_similarity)
    return quote_text(runs), [p + 1 for p, _ in runs]


def quote_text(runs: Sequence[tuple[int, list[str]]]) -> str:
    """`closest_sentences`' runs as the extractive answer writes them: each run's sentences, then " [n]"."""
    return " ".join(f"{join_sentences([_finished(s) for s in sentences])} [{p + 1}]" for p, sentences in runs)


def closest_sentences(
    question: str,
    passages: Sequence[str],
    embed: Embed,
    *,
    max_sentences: int = 3,
    min_similarity: float = 0.45,
    with_questions: bool = False,
    passage_margin: float | None = PASSAGE_MARGIN,
) -> list[tuple[int, list[str]]]:
    """The sentences `extractive_answer` quotes, by passage: [(passage index from 0, [sentence, ...]), ...] in
    document order, as the passages wrote them; [] when none reaches `min_similarity` (a Chinese question's sentences
    score with the words they share with it, `_with_shared_terms`). `with_questions`: a chosen
    sentence that follows a question in its passage (an FAQ's "**Can I ...?** No. ...") comes after that question,
    once, so that a reader knows which question it answers. Only passages whose best sentence comes within
    `passage_margin` of the best sentence overall are quoted (None: every passage)."""
    candidates, asked = _candidates(passages)
    if not candidates or max_sentences < 1:
        return []
    vectors = np.asarray(embed([question] + [c[2] for c in candidates]), dtype=np.float32)
    scores = _scores(question, vectors[0], vectors[1:], candidates, asked)
    best = float(scores.max())
    if best < min_similarity:
        return []
    passage_best: dict[int, float] = {}
    for (p, _, _), score in zip(candidates, scores):
        passage_best[p] = max(passage_best.get(p, -1.0), float(score))
    eligible = [
        i for i, (p, _, _) in enumerate(candidates)
        if scores[i] >= min_similarity and (passage_margin is None or passage_best[p] >= best - passage_margin)
    ]
    chosen = sorted(sorted(eligible, key=lambda i: -scores[i])[:max_sentences])  # best, in document order

    runs: list[tuple[int, list[str]]] = []
    for i in chosen:
        p, s, sentence = candidates[i]
        if not runs or runs[-1][0] != p:
            runs.append((p, []))
        question = asked[(p, s)] if with_questions else None
        if question is not None and question not in runs[-1][1]:
            runs[-1][1].append(question)
        runs[-1][1].append(sentence)
    return runs


def best_similarities(questions: Sequence[str], passages: Sequence[str], embed: Embed) -> list[float]:
    """For each of `questions`, the score of its closest sentence in `passages` (what `closest_sentences` holds
    against its `min_similarity`), -1.0 when the passages have no sentence to quote; one `embed` call for all."""
    candidates, asked = _candidates(passages)
    if not candidates:
        return [-1.0] * len(questions)
    vectors = np.asarray(embed([*questions] + [c[2] for c in candidates]), dtype=np.float32)
    sentences = vectors[len(questions):]
    return [float(_scores(q, vectors[i], sentences, candidates, asked).max()) for i, q in enumerate(questions)]


def _candidates(passages: Sequence[str]) -> tuple[list[tuple[int, int, str]], dict[tuple[int, int], str | None]]:
    """The sentences a quote may hold, as (passage index, sentence index, sentence), and for each the question
    before it in its passage (an FAQ's question, None where there is none): no question, no repeat, no fragment."""
    candidates: list[tuple[int, int, str]] = []  # passage index, sentence index, sentence
    asked: dict[tuple[int, int], str | None] = {}  # (passage, sentence index) -> the question before that sentence
    seen: set[str] = set()
    for p, passage in enumerate(passages):
        question_before = None
        for s, sentence in enumerate(split_sentences(passage)):
            if is_question(sentence):
                question_before = sentence
                continue
            asked[(p, s)] = question_before
            norm = re.sub(r"\s+", " ", sentence).lower()
            # A repeated sentence (the contact line of every article) is quoted at most once.
            if norm not in seen:
                seen.add(norm)
                candidates.append((p, s, sentence))
    return _without_fragments(candidates), asked


def _scores(question: str, question_vector: np.ndarray, sentence_vectors: np.ndarray, candidates, asked) -> np.ndarray:
    """Each candidate sentence's score for `question`: the cosine of the unit vectors, and for a Chinese question
    the words it shares with the sentence read with the FAQ question it answers (`_with_shared_terms`)."""
    scores = sentence_vectors @ question_vector
    if is_mostly_cjk(question, 0.3):
        scores = _with_shared_terms(question, scores, [f"{asked[(p, s)] or ''} {text}" for p, s, text in candidates])
    return scores
