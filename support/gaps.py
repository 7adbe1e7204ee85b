"""The knowledge-gap report: what customers ask that the knowledge base does not answer well, grouped by meaning.

    gaps = knowledge_gaps(store, kb.embed, since=datetime(2026, 11, 1, tzinfo=UTC))
    for gap in gaps: print(gap.count, gap.question, gap.examples, gap.reasons)

Contract: the signals are questions answered "don't know" (`no_answer`), questions answered with the passages' own
sentences because the model's answer failed its checks (`quoted`: status `extractive`; on questions nobody tuned the
app for, such quotes answered 3 of 11, docs/answer-quality.md, session 44), questions that went to a person
because the assistant could not answer them twice in a row, and answers the customer rated down; turns of
the `eval` channel are left out. Questions are grouped greedily by the cosine similarity of their embeddings
(`embed(texts) -> unit vectors`, the knowledge base's embedder; Chinese read in Simplified characters, whichever the
customer wrote): a question joins the first group whose first question it is at least `similarity` close to. Groups
come newest first (by their latest question), each with its count, up to `max_examples` distinct examples, the reasons
counted, and when it was last asked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import sqlalchemy as sa

from knowledge_base.chinese_script import SIMPLIFIED
from service.language import in_base_writing
from support.store import ConversationStore, _utc, conversations, feedback, tickets, turns


@dataclass
class Gap:
    question: str  # the group's most recent question
    count: int = 0
    examples: list[str] = field(default_factory=list)
    reasons: Counter = field(default_factory=Counter)
    last_asked: datetime | None = None

    def as_dict(self) -> dict:
        return {"question": self.question, "count": self.count, "examples": self.examples,
                "reasons": dict(self.reasons), "last_asked": self.last_asked.isoformat() if self.last_asked else None}


def gap_signals(store: ConversationStore, since: datetime | None = None) -> list[tuple[datetime, str, str]]:
    """(time, question, reason) of every gap signal, newest first; reason: no_answer | quoted | handed_over |
    thumbs_down."""
    not_eval = conversations.c.channel != "eval"
    since = _utc(since)
    with store.engine.connect() as conn:
        unanswered = sa.select(turns.c.created_at, turns.c.question, sa.case(
            (turns.c.status == "extractive", sa.literal("quoted")), else_=sa.literal("no_answer"),
        )).join(conversations, conversations.c.id == turns.c.conversation_id).where(
            turns.c.status.in_(("no_answer", "extractive")), turns.c.question.is_not(None), not_eval
        )
        handed = sa.select(tickets.c.created_at, tickets.c.note, sa.literal("handed_over")).join(
            conversations, conversations.c.id == tickets.c.conversation_id
        ).where(tickets.c.reason == "no_answer", tickets.c.note != "", not_eval)
        disliked = sa.select(feedback.c.created_at, turns.c.question, sa.literal("thumbs_down")).join(
            turns, sa.and_(turns.c.conversation_id == feedback.c.conversation_id, turns.c.turn == feedback.c.turn)
        ).join(conversations, conversations.c.id == feedback.c.conversation_id).where(
            feedback.c.rating == "down", turns.c.question.is_not(None), not_eval
        )
        rows = []
        for query, when in ((unanswered, turns.c.created_at), (handed, tickets.c.created_at), (disliked, feedback.c.created_at)):
            if since is not None:
                query = query.where(when >= since)
            rows += [(_utc(r[0]), r[1], r[2]) for r in conn.execute(query)]
    return sorted(rows, key=lambda r: r[0], reverse=True)


def knowledge_gaps(
    store: ConversationStore, embed: Callable[[list[str]], np.ndarray], *, since: datetime | None = None,
    similarity: float = 0.75, max_examples: int = 3,
) -> list[Gap]:
    signals = gap_signals(store, since)
    if not signals:
        return []
    # Chinese in either writing, read in one: "退貨運費誰出" and "退货运费谁出" are the same question.
    vectors = np.asarray(embed([in_base_writing(question, SIMPLIFIED) for _, question, _ in signals]), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    gaps: list[Gap] = []
    leaders: list[np.ndarray] = []
    for (when, question, reason), vector in zip(signals, vectors):
        scores = [float(vector @ leader) for leader in leaders]
        best = int(np.argmax(scores)) if scores else -1
        if best < 0 or scores[best] < similarity:
            gaps.append(Gap(question=question, last_asked=when))
            leaders.append(vector)
            best = len(gaps) - 1
        gap = gaps[best]
        gap.count += 1
        gap.reasons[reason] += 1
        if question not in gap.examples and len(gap.examples) < max_examples:
            gap.examples.append(question)
    return gaps  # newest first: signals are, and a group is created at its newest question
