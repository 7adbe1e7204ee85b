"""A chat backend with canned answers: no model, no server (`ASSISTANT_ENGINE=scripted`).

For running the whole app in seconds while working on the UI or the bookkeeping around answers, and for
fast tests. It streams queued answers word by word (or raises queued errors), records every request,
and answers with `default` when nothing is queued. A word `<FAIL>` in an answer makes the stream fail
there, as a model server dropping the connection mid-answer would. The assistant's answerability check
(`service.answerability`) is answered apart: "FOUND", or the verdicts queued with `enqueue_verdict`; its
requests are recorded in `checks`, not `requests`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from service import prompts
from service.backends import ChatBackend, ChatMessage, GenerationParams
from service.errors import AssistantError

_CHECK_INSTRUCTION = prompts.ANSWERABLE_QUESTION.rsplit("\n", 1)[-1]
DEFAULT_ANSWER = "This is a scripted answer (ASSISTANT_ENGINE=scripted): no model is running."


class ScriptedBackend(ChatBackend):
    name = "scripted"

    def __init__(self, default: str = DEFAULT_ANSWER, delay_s: float = 0.0, adapters: tuple[str, ...] = ()):
        self.default = default
        self.delay_s = delay_s
        self.adapters = tuple(adapters)
        self.queue: list[str | Exception] = []
        self.requests: list[tuple[list[ChatMessage], GenerationParams]] = []
        self.verdicts: list[str] = []
        self.checks: list[list[ChatMessage]] = []
        self._lock = threading.Lock()

    def enqueue(self, *answers: str | Exception) -> "ScriptedBackend":
        self.queue.extend(answers)
        return self

    def enqueue_verdict(self, *verdicts: str) -> "ScriptedBackend":
        self.verdicts.extend(verdicts)
        return self

    def models(self) -> list[str]:
        return [self.name, *self.adapters]

    def stream(self, messages: list[ChatMessage], params: GenerationParams = GenerationParams()) -> Iterator[str]:
        with self._lock:
            if messages and messages[-1]["content"].endswith(_CHECK_INSTRUCTION):
                self.checks.append(list(messages))
                item = self.verdicts.pop(0) if self.verdicts else "FOUND"
            else:
                self.requests.append((list(messages), params))
                item = self.queue.pop(0) if self.queue else self.default
        if isinstance(item, Exception):
            raise item
        for i, word in enumerate(item.split(" ")):
            if self.delay_s:
                time.sleep(self.delay_s)
            if word == "<FAIL>":
                raise AssistantError("The model server dropped the connection mid-answer.")
            yield word if i == 0 else " " + word
