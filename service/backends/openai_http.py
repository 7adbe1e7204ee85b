"""A chat backend for any OpenAI-compatible server (vLLM's included), streaming over SSE.

Contract: `stream()` yields text chunks as they arrive and ends only after the server's `[DONE]`;
every failure becomes a one-sentence `AssistantError`: the server is unreachable
(`BackendUnavailableError`), answers with an HTTP error or a malformed or truncated stream
(`BackendResponseError`), or sends nothing for `first_token_timeout_s` (`BackendTimeoutError`).
It never hangs longer than those timeouts.
"""

import json
from collections.abc import Iterator

import httpx

from service.backends import ChatBackend, ChatMessage, GenerationParams, TextChunk
from service.errors import BackendResponseError, BackendTimeoutError, BackendUnavailableError


class OpenAIChatBackend(ChatBackend):
    """Chat completions from `base_url` (ending in `/v1`). `model=None` asks the server for its base model."""

    def __init__(
        self,
        base_url: str,
        *,
        model: str | None = None,
        api_key: str | None = None,
        connect_timeout_s: float = 5.0,
        first_token_timeout_s: float = 120.0,
    ):
        self.base_url = base_url.rstrip("/")
        self._model = model
        self.first_token_timeout_s = first_token_timeout_s
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        # The read timeout bounds the wait for the first chunk and for each one after it.
        timeout = httpx.Timeout(connect=connect_timeout_s, read=first_token_timeout_s, write=30.0, pool=30.0)
        self._client = httpx.Client(timeout=timeout, headers=headers)

    @property
    def name(self) -> str:
        if self._model is None:
            self._model = self.models()[0]
        return self._model

    def models(self) -> list[str]:
        """Served model ids, base models first, then LoRA adapters (vLLM marks those with `parent`)."""
        listing = self._get_json("/models")
        try:
            entries = listing["data"]
            ids = [e["id"] for e in entries if not e.get("parent")] + [e["id"] for e in entries if e.get("parent")]
        except (KeyError, TypeError) as e:
            raise BackendResponseError(f"The model server at {self.base_url} sent a malformed model list.") from e
        if not ids:
            raise BackendResponseError(f"The model server at {self.base_url} serves no model.")
        return ids

    def stream(self, messages: list[ChatMessage], params: GenerationParams = GenerationParams()) -> Iterator[str]:
        payload = {
            "model": params.model or self.name,
            "messages": list(messages),
            "stream": True,
            "max_tokens": params.max_tokens,
            "temperature": params.temperature,
            "top_p": params.top_p,
        }
        if params.stop:
            payload["stop"] = list(params.stop)
        # vLLM extensions of the OpenAI API, so only sent when set.
        if params.top_k is not None:
            payload["top_k"] = params.top_k
        if params.repetition_penalty is not None:
            payload["repetition_penalty"] = params.repetition_penalty
        if params.min_tokens:
            payload["min_tokens"] = params.min_tokens  # a vLLM extension, so only sent when asked for
        if params.seed is not None:
            payload["seed"] = params.seed
        if params.logprobs:
            payload["logprobs"] = True
        url = f"{self.base_url}/chat/completions"
        with self._translate_errors():
            with self._client.stream("POST", url, json=payload) as response:
                if response.status_code != 200:
                    response.read()
                    raise BackendResponseError(
                        f"The model server answered HTTP {response.status_code}: {_error_message(response)}."
                    )
                yield from self._read_events(response)

    def _read_events(self, response: httpx.Response) -> Iterator[str]:
        pending: list[float] = []  # log-probabilities of tokens that came without text (a character split in two)
        for line in response.iter_lines():
            if not line or line.startswith(":"):  # keep-alive comments and event separators
                continue
            if not line.startswith("data:"):
                raise BackendResponseError(f"The model server at {self.base_url} sent something that is not an SSE stream.")
            data = line[len("data:"):].strip()
            if data == "[DONE]":
                return
            try:
                event = json.loads(data)
            except json.JSONDecodeError as e:
                raise BackendResponseError(f"The model server at {self.base_url} sent malformed JSON in its stream.") from e
            if isinstance(event, dict) and "error" in event:
                raise BackendResponseError(f"The model server reported an error: {_describe(event['error'])}.")
            try:
                choice = event["choices"][0] if event["choices"] else {}
                content = choice["delta"].get("content") if choice else None
                pending += [t["logprob"] for t in ((choice.get("logprobs") or {}).get("content") or [])]
            except (KeyError, IndexError, TypeError, AttributeError) as e:
                raise BackendResponseError(f"The model server at {self.base_url} sent an unexpected stream event.") from e
            if content:
                yield TextChunk(content, pending) if pending else content
                pending = []
        raise BackendResponseError(
            f"The model server at {self.base_url} closed the stream before the answer was complete; retry, "
            "and check the server's log if it happens again."
        )

    def _get_json(self, path: str):
        with self._translate_errors():
            response = self._client.get(f"{self.base_url}{path}")
            if response.status_code != 200:
                raise BackendResponseError(
                    f"The model server answered HTTP {response.status_code} for {path}: {_error_message(response)}."
                )
            try:
                return response.json()
            except ValueError as e:
                raise BackendResponseError(f"The model server at {self.base_url} sent malformed JSON for {path}.") from e

    def _translate_errors(self):
        return _HttpErrors(self.base_url, self.first_token_timeout_s)

    def close(self) -> None:
        self._client.close()


class _HttpErrors:
    """Context manager mapping httpx's exceptions to one-sentence `AssistantError`s."""

    def __init__(self, base_url: str, read_timeout_s: float):
        self.base_url = base_url
        self.read_timeout_s = read_timeout_s

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None or not isinstance(exc, httpx.HTTPError):
            return False
        if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
            raise BackendUnavailableError(
                f"Cannot reach the model server at {self.base_url}; start it with `python -m service serve` "
                "or check --llm-url."
            ) from exc
        if isinstance(exc, httpx.ReadTimeout):
            raise BackendTimeoutError(
                f"The model server at {self.base_url} sent nothing for {self.read_timeout_s:g} s; it may be "
                "overloaded, so retry later or raise ASSISTANT_FIRST_TOKEN_TIMEOUT_S."
            ) from exc
        if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError)):
            raise BackendResponseError(
                f"The model server at {self.base_url} dropped the connection mid-answer; it may have crashed, "
                "so check its log and retry."
            ) from exc
        raise BackendResponseError(f"The request to the model server at {self.base_url} failed: {exc}.") from exc


def _error_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:200] or response.reason_phrase
    if isinstance(body, dict):
        return _describe(body.get("error", body.get("message", body)))
    return str(body)[:200]


def _describe(error) -> str:
    if isinstance(error, dict):
        return str(error.get("message") or error)[:200].rstrip(".")
    return str(error)[:200].rstrip(".")


def served_models(base_url: str, *, api_key: str | None = None, timeout_s: float = 10.0) -> list[str]:
    """The models an OpenAI-compatible server serves (`/models`), base models first: the one probe every caller
    uses. A server that is down or answers garbage raises the backend's clear errors."""
    client = OpenAIChatBackend(base_url, api_key=api_key, connect_timeout_s=timeout_s, first_token_timeout_s=timeout_s)
    try:
        return client.models()
    finally:
        client.close()
