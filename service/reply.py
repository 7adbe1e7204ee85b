"""One streamed reply: text chunks, the sources known before them, and how it ended.

Contract: iterating a `Reply` never raises: a backend or retrieval error ends it with a friendly sentence
and `status == "error"`; `strip_markers` removes the model's echo of our block delimiters from a stream.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Literal

from service.backends import ChatMessage
from service.errors import AssistantError
from service.sources import Source

log = logging.getLogger(__name__)

Status = Literal["answer", "no_answer", "rejected", "error"]


FRIENDLY_ERROR = "Sorry, I could not answer just now: {reason} Please try again in a moment."
UNEXPECTED_ERROR = "something went wrong on our side."


class Reply:
    """One streamed reply. Iterate it for text chunks (once); it never raises.

    `sources` are known before the first chunk; `text`, `status` and `timings` are final after the
    iteration ends (`timings`: retrieval_s, first_token_s (from the start of the call), total_s).
    """

    def __init__(
        self,
        status: Status,
        *,
        sources: list[Source] | None = None,
        chunks: Iterator[str] | None = None,
        text: str = "",
        started: float | None = None,
        retrieval_s: float = 0.0,
        on_done: Callable[["Reply"], None] | None = None,
    ):
        self.status: Status = status
        self.sources = sources or []
        self.error: str | None = None
        self.glossary_missing: list[str] = []
        self.messages: list[ChatMessage] = []
        self._chunks = chunks
        self._fixed = text
        self.text = ""
        self._started = started if started is not None else time.perf_counter()
        self.timings = {"retrieval_s": retrieval_s, "first_token_s": None, "total_s": None}
        self._on_done = on_done

    def __iter__(self) -> Iterator[str]:
        try:
            if self._chunks is None:
                self._mark_first()
                self.text = self._fixed
                yield self._fixed
                return
            try:
                for chunk in self._chunks:
                    if not chunk:
                        continue
                    self._mark_first()
                    self.text += chunk
                    yield chunk
            except AssistantError as e:
                yield self._fail(str(e))
            except Exception as e:  # noqa: BLE001 - a user never sees a traceback; the log keeps it
                log.exception("unexpected error while streaming a reply")
                yield self._fail(UNEXPECTED_ERROR, e)
            else:
                if not self.text.strip():
                    yield self._fail("the model returned an empty answer.")
        finally:
            self.timings["total_s"] = time.perf_counter() - self._started
            if self._on_done is not None and self.status != "error":
                self._on_done(self)

    def _mark_first(self) -> None:
        if self.timings["first_token_s"] is None:
            self.timings["first_token_s"] = time.perf_counter() - self._started

    def _fail(self, reason: str, exc: Exception | None = None) -> str:
        self._mark_first()
        self.status = "error"
        self.error = reason
        message = FRIENDLY_ERROR.format(reason=reason.rstrip(".") + ".")
        prefix = "\n\n" if self.text else ""
        self.text += prefix + message
        return prefix + message

    def collect(self) -> str:
        """Consume the stream; the whole text."""
        for _ in self:
            pass
        return self.text


def rejected_reply(message: str) -> Reply:
    return Reply("rejected", text=message)


def strip_markers(chunks: Iterator[str], markers: Sequence[str]) -> Iterator[str]:
    """The stream without any of `markers`, even when one is split across chunks; leading whitespace
    left by a removed marker is dropped too."""
    buffer, started = "", False
    longest = max(len(m) for m in markers)
    for chunk in chunks:
        buffer += chunk
        for m in markers:
            buffer = buffer.replace(m, "")
        # Hold back a tail that could be the start of a marker.
        hold = 0
        for n in range(1, min(longest, len(buffer)) + 1):
            if any(m.startswith(buffer[-n:]) for m in markers):
                hold = n
        out, buffer = buffer[: len(buffer) - hold], buffer[len(buffer) - hold :]
        # Trailing whitespace waits for what follows: it goes if a closing marker ends the text.
        stripped = out.rstrip()
        out, buffer = stripped, out[len(stripped):] + buffer
        if not started:
            out = out.lstrip()
            started = bool(out)
        if out:
            yield out
    tail = buffer if started else buffer.lstrip()
    if tail:
        yield tail.rstrip()
