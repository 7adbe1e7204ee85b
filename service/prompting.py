"""Building prompts that fit: data delimited so it cannot break out of its block, and messages trimmed to
the model's context window (lowest-ranked passages first, then the oldest whole exchanges)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from service import prompts
from service.backends import ChatMessage
from service.language import TokenCounter

_DELIMITERS = re.compile(
    "|".join(re.escape(d) for d in (prompts.PASSAGES_OPEN, prompts.PASSAGES_CLOSE, prompts.TEXT_OPEN, prompts.TEXT_CLOSE)),
    re.IGNORECASE,
)

# Per message: the chat template's role markers, roughly.
_MESSAGE_OVERHEAD = 4


def defang(text: str) -> str:
    """`text` without our block delimiters, so that a document or a customer cannot close the block it sits in."""
    return _DELIMITERS.sub("", text)


def contents(history: Sequence[ChatMessage] | None, role: str) -> list[str]:
    """The contents of the non-empty messages of `role` ("user" or "assistant") in `history`, oldest first."""
    return [m["content"] for m in history or [] if m.get("role") == role and m.get("content")]


def last_message(history: Sequence[ChatMessage] | None, role: str) -> str | None:
    """The content of the last non-empty message of `role` ("user" or "assistant") in `history`, or None."""
    return next(iter(reversed(contents(history, role))), None)


def exchanges(history: Sequence[ChatMessage]) -> list[list[ChatMessage]]:
    """History grouped into exchanges that start at a user message, so trimming never orphans an answer."""
    turns: list[list[ChatMessage]] = []
    for m in history:
        if m["role"] == "user" or not turns:
            turns.append([m])
        else:
            turns[-1].append(m)
    return turns


def fit_messages(
    system: str,
    history: Sequence[ChatMessage],
    make_user: Callable[[list], ChatMessage],
    hits: Sequence,
    budget: int,
    count_tokens: TokenCounter,
    examples: Sequence[ChatMessage] = (),
) -> tuple[list[ChatMessage] | None, list]:
    """(messages, hits used): the system prompt, the worked `examples` after it (kept whole), as much recent
    history as fits and the user message that `make_user(hits)` builds, within `budget` prompt tokens. The
    lowest-ranked hits go first, then the oldest exchanges; (None, []) when even the question alone does not fit."""
    cost = lambda m: count_tokens(m["content"]) + _MESSAGE_OVERHEAD
    system_cost = count_tokens(system) + _MESSAGE_OVERHEAD + sum(cost(m) for m in examples)
    hits = list(hits)
    user = make_user(hits)
    used = system_cost + cost(user)
    while used > budget and hits:
        hits.pop()
        user = make_user(hits)
        used = system_cost + cost(user)
    if used > budget:
        return None, hits
    kept: list[ChatMessage] = []
    for turn in reversed(exchanges(history)):  # newest first
        turn_cost = sum(cost(m) for m in turn)
        if used + turn_cost > budget:
            break
        kept[:0] = turn
        used += turn_cost
    return [{"role": "system", "content": system}, *examples, *kept, user], hits
