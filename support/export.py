"""Transcripts become training data: the stored conversations as chat JSONL that `python -m finetune train`
reads (`{"messages": [{"role": "user" | "assistant", "content"}]}`, one line per conversation).

    count = export_conversations(store, Path("out/support.jsonl"), since=datetime(2026, 11, 1, tzinfo=UTC))

Contract, per conversation (turns of channel `eval`, translations and drafts are never exported):
- a customer's message and the answer it got form an exchange; a customer's correction replaces the answer
  it corrects; an answer rated down without a correction is left out with its question; rejected, failed and
  stopped turns, and small talk ("hi", "thanks": fixed replies, not answers), are left out;
- a message that went to a person (status `handoff`) is paired with the agent's reply that followed it;
  other agents' replies are kept as the assistant's;
- `rating="up"` keeps only exchanges rated up or corrected; `corrected=True` only those a person corrected
  (a customer's correction or an agent's reply);
- personal data is redacted (`service.redaction`, the same rules fine-tuning applies);
- a conversation with no exchange left is not written.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from service.redaction import redact
from support.store import OTHER_SCENARIOS, ConversationStore, StoredTurn, conversations

SKIPPED_STATUSES = ("rejected", "error", "busy", "rate_limited", "small_talk", "stopped")


def conversation_ids(store: ConversationStore, since: datetime | None = None) -> list[str]:
    """Conversations active since `since` (all without), not from the `eval` channel, oldest first."""
    query = sa.select(conversations.c.id).where(conversations.c.channel != "eval").order_by(conversations.c.created_at)
    if since is not None:
        query = query.where(conversations.c.updated_at >= since)
    with store.engine.connect() as conn:
        return list(conn.execute(query).scalars())


def training_messages(turns: list[StoredTurn], rated: dict[int, dict], *, rating: str | None = None,
                      corrected: bool = False) -> list[dict]:
    """One conversation's exchanges as chat messages, by the rules of the module docstring (not redacted)."""
    messages: list[dict] = []
    pending: StoredTurn | None = None  # a customer's message waiting for an agent's reply
    for t in turns:
        if t.author.startswith("agent"):
            if pending is not None:
                messages += [{"role": "user", "content": pending.question}, {"role": "assistant", "content": t.answer}]
                pending = None
            elif messages and not (rating or corrected):
                messages.append({"role": "assistant", "content": t.answer})
            continue
        if t.question is None or t.status in SKIPPED_STATUSES or t.channel == "eval" or t.scenario in OTHER_SCENARIOS:
            continue
        if t.status == "handoff":
            pending = t
            continue
        feedback = rated.get(t.turn) or {}
        correction = feedback.get("correction")
        if feedback.get("rating") == "down" and not correction:
            continue
        if (rating == "up" and feedback.get("rating") != "up" and not correction) or (corrected and not correction):
            continue
        messages += [{"role": "user", "content": t.question}, {"role": "assistant", "content": correction or t.answer}]
    return _merge_consecutive(messages)


def export_conversations(store: ConversationStore, output: Path, *, since: datetime | None = None,
                         rating: str | None = None, corrected: bool = False) -> int:
    """Write the conversations to `output` (JSON Lines); returns how many were written."""
    output.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with output.open("w", encoding="utf-8") as f:
        for cid in conversation_ids(store, since):
            messages = training_messages(store.turns(cid), store.feedback_for(cid), rating=rating, corrected=corrected)
            if not any(m["role"] == "assistant" for m in messages):
                continue
            redacted = [{"role": m["role"], "content": redact(m["content"])} for m in messages]
            f.write(json.dumps({"messages": redacted, "conversation_id": cid}, ensure_ascii=False) + "\n")
            written += 1
    return written


def _merge_consecutive(messages: list[dict]) -> list[dict]:
    merged: list[dict] = []
    for m in messages:
        if merged and merged[-1]["role"] == m["role"]:
            merged[-1] = {"role": m["role"], "content": merged[-1]["content"] + "\n\n" + m["content"]}
        else:
            merged.append(m)
    return merged
