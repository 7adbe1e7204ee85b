"""Chat backends: one interface, three implementations.

A backend turns a list of chat messages and generation parameters into a stream of text chunks:
`stream(messages, params) -> Iterator[str]`. Everything else (`complete`, the app, the CLI) builds on
that one method. Implementations:
- `OpenAIChatBackend` (`service.backends.openai_http`): any OpenAI-compatible server, e.g. vLLM;
- `TransformersBackend` (`service.backends.local`): the model in this process, optional 4-bit and LoRA;
- `ScriptedBackend` (`service.backends.scripted`): canned answers and no model, for development and tests.
The managed vLLM server itself lives in `service.vllm_server`; it is reached through the HTTP backend.
"""

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, TypedDict


class TextChunk(str):
    """A streamed chunk of text that also carries the log-probabilities of the tokens it came from, when the
    backend was asked for them (`GenerationParams.logprobs`) and can give them; a plain `str` everywhere else."""

    logprobs: tuple[float, ...]

    def __new__(cls, text: str, logprobs=()):
        chunk = super().__new__(cls, text)
        chunk.logprobs = tuple(logprobs)
        return chunk


class ChatMessage(TypedDict):
    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True)
class GenerationParams:
    """How to generate. `model` selects a served LoRA adapter by name; None means the base model."""

    max_tokens: int = 256
    min_tokens: int = 0  # generate at least this many tokens (ignores end-of-text before); for benchmarks
    temperature: float = 0.7
    top_p: float = 0.95
    # None: the server's default (vLLM: the checkpoint's generation config). For customer-service answers,
    # `Assistant.answer_params` takes them from the settings' `answer_sampling` for the answer's language.
    top_k: int | None = None
    repetition_penalty: float | None = None
    stop: tuple[str, ...] = ()
    seed: int | None = None
    model: str | None = None
    # Ask for each token's log-probability (yielded as `TextChunk`s); a backend that cannot give them ignores it.
    logprobs: bool = False


class ChatBackend(ABC):
    """Streams answers from a chat model. `name` is the base model's served name."""

    name: str = "model"

    @abstractmethod
    def stream(self, messages: list[ChatMessage], params: GenerationParams) -> Iterator[str]:
        """Yield the answer as text chunks, in order. Raises `AssistantError` subclasses on failure."""

    def complete(self, messages: list[ChatMessage], params: GenerationParams = GenerationParams()) -> str:
        """The whole answer as one string."""
        return "".join(self.stream(messages, params))

    def models(self) -> list[str]:
        """Names a caller can pass as `GenerationParams.model`: the base model first, then adapters."""
        return [self.name]

    def close(self) -> None:
        """Release connections or memory. Safe to call twice."""
