"""Fixtures for the app tests: the Gradio app on a free port with scripted collaborators (fast), and with
the real knowledge base built from samples/kb and a real vLLM server (integration)."""

from __future__ import annotations

import shutil

import pytest

from knowledge_base.embeddings import HashEmbedder
from tests.conftest import REPO, free_port
from tests.fakes import FakeRetriever, scripted_backend


@pytest.fixture
def hash_kb(tmp_path):
    from knowledge_base import KBSettings, KnowledgeBase

    settings = KBSettings(kb_dir=tmp_path / "kb", embedding_model=HashEmbedder.name)
    return KnowledgeBase.open(settings.kb_dir, settings, create=True, embedder=HashEmbedder())


class LiveApp:
    def __init__(self, demo, running, handlers=None):
        self.demo, self.running, self.url, self.handlers = demo, running, running.url, handlers

    def close(self):
        self.running.close()

    def client(self, timeout: float | None = None):
        """A gradio_client for the app. `timeout` (seconds) bounds each of its HTTP requests, a job's cancel
        included, which gradio_client otherwise gives httpx's default of 5 s."""
        from gradio_client import Client

        return Client(self.url, verbose=False, httpx_kwargs=None if timeout is None else {"timeout": timeout})


def start_app(assistant, kb=None, *, admin=None, agents=None, concurrency=4, app_settings=None, limits=None,
              **kwargs) -> LiveApp:
    from app import build_app
    from ui.server import serve
    from service.handlers import Handlers
    from service.settings import AppSettings

    handlers = Handlers(assistant, kb, admin=admin, agents=agents, limits=limits)
    demo = build_app(handlers, **kwargs)
    running = serve(demo, app_settings or AppSettings(), concurrency, host="127.0.0.1", port=free_port(), block=False)
    return LiveApp(demo, running, handlers)


AGENTS = {"alice": "alice-pass"}


ADMIN = ("admin", "s3cret-pass")


@pytest.fixture(scope="module")
def fake_app(tmp_path_factory):
    """The app with a scripted backend and retriever, a hash-embedded KB for the admin tab, and an admin
    login configured. `fake_app.backend` is the scripted backend (its queue is emptied between tests)."""
    from knowledge_base import KBSettings, KnowledgeBase
    from service.assistant import Assistant
    from service.handlers import AdminLogin
    from service.language import Glossary
    from service.settings import AssistantSettings

    kb_settings = KBSettings(kb_dir=tmp_path_factory.mktemp("admin") / "kb", embedding_model=HashEmbedder.name)
    kb = KnowledgeBase.open(kb_settings.kb_dir, kb_settings, create=True, embedder=HashEmbedder())
    # The hashed-word embedder's cosines run lower than a sentence model's: a lower extractive bar.
    settings = AssistantSettings(company="Voltway", max_input_chars=500, extractive_min_similarity=0.2)
    backend = scripted_backend()
    glossary = Glossary.load(REPO / "samples" / "glossary.json")
    retriever = FakeRetriever()
    assistant = Assistant(backend, retriever, settings, glossary=glossary)
    live = start_app(assistant, kb, admin=AdminLogin(*ADMIN), agents=AGENTS)
    live.backend, live.kb, live.retriever, live.assistant = backend, kb, retriever, assistant
    yield live
    live.close()


@pytest.fixture
def app(fake_app):
    fake_app.backend.queue.clear()
    fake_app.backend.requests.clear()
    fake_app.retriever.by_keyword.clear()
    return fake_app


@pytest.fixture(scope="session")
def sample_kb(tmp_path_factory):
    """The real knowledge base (the default embedding model + BM25) built once from samples/kb."""
    from service.startup import open_knowledge_base

    kb_dir = tmp_path_factory.mktemp("sample-kb") / "kb"
    return open_knowledge_base(kb_dir, samples=True)


@pytest.fixture(scope="session")
def real_app(sample_kb, vllm_server, bundled_model):
    """The app as `make run` builds it: sample KB, glossary, the bundled model served by vLLM."""
    from transformers import AutoTokenizer

    from service.assistant import Assistant
    from service.settings import AssistantSettings
    from service.startup import SAMPLE_GLOSSARY
    from service.language import Glossary, tokenizer_counter
    from service.backends.openai_http import OpenAIChatBackend

    backend = OpenAIChatBackend(vllm_server.base_url, model=bundled_model.name)
    settings = AssistantSettings(company="Voltway", max_tokens=96)
    count = tokenizer_counter(AutoTokenizer.from_pretrained(bundled_model.source))
    assistant = Assistant(backend, sample_kb, settings, glossary=Glossary.load(SAMPLE_GLOSSARY), count_tokens=count)
    live = start_app(assistant, sample_kb, concurrency=8)
    live.assistant = assistant
    yield live
    live.close()
    backend.close()


@pytest.fixture(scope="session")
def artifacts():
    path = REPO / "artifacts"
    path.mkdir(exist_ok=True)
    return path


def copy_sample(tmp_path, name):
    return shutil.copy(REPO / "samples" / "kb" / name, tmp_path / name)
