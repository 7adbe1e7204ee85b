"""Build the configured chat backend: the one place that picks an implementation from `Settings`.

`open_backend(settings)` is a context manager yielding a `ChatBackend`:
- `engine="vllm"` with `llm_url`: a client for that existing server;
- `engine="vllm"` without: a managed vLLM server is started for the duration (and stopped after),
  unless `reuse_running` finds one of ours already answering on the configured port;
- `engine="local"`: the model in this process;
- `engine="scripted"`: canned answers, no model (development and fast tests).
"""

import contextlib
import sys
from collections.abc import Callable, Iterator

from service.backends import ChatBackend
from service.models import resolve_model
from service.settings import Settings


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def http_backend(settings: Settings, base_url: str, model: str | None = None) -> ChatBackend:
    from service.backends.openai_http import OpenAIChatBackend

    return OpenAIChatBackend(
        base_url,
        model=model,
        api_key=settings.api_key,
        connect_timeout_s=settings.connect_timeout_s,
        first_token_timeout_s=settings.first_token_timeout_s,
    )


@contextlib.contextmanager
def open_backend(
    settings: Settings, *, reuse_running: bool = True, log: Callable[[str], None] = _stderr
) -> Iterator[ChatBackend]:
    match settings.engine:
        case "vllm" if settings.llm_url:
            backend = http_backend(settings, settings.llm_url)
            with contextlib.closing(backend):
                yield backend
        case "vllm":
            local_url = f"http://{settings.host}:{settings.port}/v1"
            if reuse_running and _serves_models(local_url, settings.api_key):
                log(f"Using the model server already running at {local_url}.")
                backend = http_backend(settings, local_url)
                with contextlib.closing(backend):
                    yield backend
                return
            from service.vllm_server import VLLMServer, VLLMServerConfig

            model = resolve_model(settings.model, settings.data_dir, log=log)
            with VLLMServer(VLLMServerConfig.from_settings(settings, model), log=log) as server:
                backend = http_backend(settings, server.base_url, model.name)
                with contextlib.closing(backend):
                    yield backend
        case "local":
            from service.backends.local import TransformersBackend

            model = resolve_model(settings.model, settings.data_dir, log=log)
            log(f"Loading {model.name} in this process...")
            backend = TransformersBackend(
                model, quantization=settings.quantization, adapters=settings.served_adapters, dtype=settings.dtype,
                threads=settings.cpu_threads,
            )
            with contextlib.closing(backend):
                yield backend
        case "scripted":
            from service.backends.scripted import ScriptedBackend

            log("Engine 'scripted': canned answers, no model.")
            yield ScriptedBackend()


def _serves_models(base_url: str, api_key: str | None = None) -> bool:
    from service.backends.openai_http import served_models
    from service.errors import AssistantError

    try:
        return bool(served_models(base_url, api_key=api_key, timeout_s=2))
    except AssistantError:
        return False
