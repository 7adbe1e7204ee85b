"""Build the configured chat backend: the one place that picks an implementation from `Settings`.

`open_backend(settings)` is a context manager yielding a `ChatBackend`:
- `engine="vllm"` with `llm_url`: a client for that existing server;
- `engine="vllm"` without: a managed vLLM server is started for the duration (and stopped after),
  unless `reuse_running` finds one of ours already answering on the configured port;
- `engine="local"`: the model in this process;
- `engine="scripted"`: canned answers, no model (development and fast tests).
The served bundled model's shipped adapters are added first (`service.bundled_adapters`). With `extra_models`, the
backend is a `RoutedBackend`: the one above, and a client per extra model, for its own
managed vLLM server (started on `port` + 1, + 2, ...) or for the running server its URL names.
"""

import contextlib
import dataclasses
import sys
from collections.abc import Callable, Iterator

from service.backends import ChatBackend
from service.bundled_adapters import with_bundled_adapters
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
    if settings.engine == "vllm" and not settings.llm_url:
        from service.vllm_server import is_vllm_cpu_build

        # Servers already running were started with their memory: only new ones are checked for it.
        running = settings.bundled_adapters and reuse_running and _serves_models(settings.managed_url, settings.api_key)
        settings = with_bundled_adapters(settings, cpu=is_vllm_cpu_build(), log=log, check_memory=not running)
    if not settings.extra_models:
        with _open_primary(settings, reuse_running=reuse_running, log=log) as backend:
            yield backend
        return
    from service.backends.routing import RoutedBackend

    with contextlib.ExitStack() as stack:
        primary = stack.enter_context(_open_primary(settings, reuse_running=reuse_running, log=log))
        managed = managed_extra_servers(settings, log=log)
        others = {
            name: stack.enter_context(_open_extra(settings, managed.get(name) or spec, reuse_running=reuse_running, log=log))
            for name, spec in settings.extra_models.items()
        }
        yield RoutedBackend(primary, others)


def managed_extra_servers(settings: Settings, *, log: Callable[[str], None] = _stderr) -> dict:
    """The `VLLMServerConfig` of each extra model the project serves itself (not given as a URL), by name: the
    n-th of `extra_models` on `port` + n, under its name. Prepares a bundled model on first use."""
    from service.vllm_server import extra_server_config

    return {
        name: extra_server_config(settings, dataclasses.replace(resolve_model(spec, settings.data_dir, log=log), name=name),
                                  settings.port + number)
        for number, (name, spec) in enumerate(settings.extra_models.items(), start=1) if not is_url(spec)
    }


def is_url(spec: str) -> bool:
    return spec.startswith(("http://", "https://"))


@contextlib.contextmanager
def _open_extra(
    settings: Settings, where, *, reuse_running: bool, log: Callable[[str], None]
) -> Iterator[ChatBackend]:
    """A client for an extra model: of the running server at `where` (a URL), else of a managed vLLM server started
    with `where` (a `VLLMServerConfig`) for as long as the client is open, unless `reuse_running` finds one of ours
    already answering on its port (`service serve` starts them too)."""
    url = where if isinstance(where, str) else where.base_url
    if isinstance(where, str) or (reuse_running and _serves_models(url, settings.api_key)):
        backend = http_backend(settings, url)
        with contextlib.closing(backend):
            yield backend
        return
    from service.vllm_server import VLLMServer

    with VLLMServer(where, log=log) as server:
        backend = http_backend(settings, server.base_url, where.model.name)
        with contextlib.closing(backend):
            yield backend


@contextlib.contextmanager
def _open_primary(
    settings: Settings, *, reuse_running: bool = True, log: Callable[[str], None] = _stderr
) -> Iterator[ChatBackend]:
    match settings.engine:
        case "vllm" if settings.llm_url:
            backend = http_backend(settings, settings.llm_url)
            with contextlib.closing(backend):
                yield backend
        case "vllm":
            local_url = settings.managed_url
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
