"""Passages re-ranked by their closest sentence: a retrieved passage scores by its retrieval score and by how close its
own closest sentence comes to the customer's message.

Why: a chunk has one vector for all of its sentences, and a customer's message often tells a story around its
question, so the story's passages can outrank the one whose single sentence answers ("preordered something that doesnt
come out till next month, have u already taken the money?? and can i still cancel if i change my mind" ranks the
cancellation section above the pre-order one that says when the money is taken). The sentences are those the
extractive answer quotes, embedded with the knowledge base's model (the app warms their vectors at start).
Off by default (`ASSISTANT_SENTENCE_RERANK`=0): the answering passage comes first more often, but the bundled 1.5B did
not answer more questions right from the passages so chosen (docs/knowledge-base.md).

Contract: `by_closest_sentence` returns the hits, each with its `score` replaced by score + weight x the closest
sentence's score (negative or no sentence to quote: 0), best first; with `keep_first`, retrieval's first hit stays
first, at least as high as the next (an FAQ entry whose question the message matches closely enough to answer with
it directly: its answer's sentences need not repeat the customer's words); hits are dataclasses. The
scores can exceed 1, and they compare with another search's only where that one was re-ranked too (a Chinese
message's question sentence in English is; the message is not). `reranks(query)` says whether a query is re-ranked
at all: not a Chinese one, where the English-centred embedding models choose sentences poorly (measured worse,
docs/knowledge-base.md, "Passages re-ranked by their closest sentence").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from knowledge_base.text import reads_as_chinese
from service.extractive import Embed, passage_similarities

# How many passages retrieval brings for the re-ranking to choose the prompt's from: the answering passage of an
# English dev, held-out or probe question sat within the first 10 for all but one of 80 (bench/qa_retrieval.py).
RERANK_POOL = 10


def reranks(query: str) -> bool:
    """Whether `query`'s passages are re-ranked by their closest sentence (not for a Chinese query)."""
    return not reads_as_chinese(query, 0.3)


def by_closest_sentence(
    query: str, hits: Sequence, texts: Sequence[str], embed: Embed, weight: float, *, keep_first: bool = False
) -> list:
    """`hits` (retrieval's order) best first by retrieval score + `weight` x the score of the closest sentence of each
    hit's text in `texts` (as the extractive answer reads it), each with that as its `score`, so that the passage margin
    and the comparison of two searches' hits read the same order. Not divided by 1 + `weight`: that narrows the
    scores' spread, so the margin keeps more passages ("ordered at 5pm on a friday. when will it actually be
    dispatched?" got 4 instead of 2, and its quote lost the answer). With `keep_first`, the first of `hits` stays
    first (the contract above)."""
    closest = passage_similarities(query, texts, embed)
    rescored = [
        dataclasses.replace(hit, score=hit.score + weight * max(sentence, 0.0))
        for hit, sentence in zip(hits, closest)
    ]
    if keep_first and hits:
        first, rest = rescored[0], sorted(rescored[1:], key=lambda hit: -hit.score)
        return [dataclasses.replace(first, score=max(first.score, rest[0].score) if rest else first.score), *rest]
    return sorted(rescored, key=lambda hit: -hit.score)
