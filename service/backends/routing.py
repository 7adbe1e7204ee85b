"""One backend over several model servers: the base model's, and servers of further models by name.

vLLM serves LoRA adapters per request next to the base model, which is the way on a GPU. On a CPU its LoRA
path is several times slower than the same adapter merged into the weights (docs/models.md, "Serving adapters
on CPU"), so a merged model is served by a vLLM server of its own and reached under a name of its own, as an
adapter would be: `GenerationParams.model` picks it (the UI's model selector lists it; the settings'
`answer_models` pick it per answer language).

Contract: a request naming one of `others` goes to that backend, asking it for its base model; any other
request (no name, the base model, an adapter of the base server) goes to `primary` unchanged. `models()` is the
primary's list followed by the other names; `close()` closes every backend.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping

from service.backends import ChatBackend, ChatMessage, GenerationParams


class RoutedBackend(ChatBackend):
    def __init__(self, primary: ChatBackend, others: Mapping[str, ChatBackend]):
        self.primary = primary
        self.others = dict(others)

    @property
    def name(self) -> str:
        return self.primary.name

    def stream(self, messages: list[ChatMessage], params: GenerationParams = GenerationParams()) -> Iterator[str]:
        other = self.others.get(params.model) if params.model else None
        if other is None:
            return self.primary.stream(messages, params)
        return other.stream(messages, dataclasses.replace(params, model=None))

    def models(self) -> list[str]:
        return [*self.primary.models(), *(name for name in self.others if name)]

    def close(self) -> None:
        for backend in (self.primary, *self.others.values()):
            backend.close()
