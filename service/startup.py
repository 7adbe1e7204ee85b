"""What the app needs before its first request: the knowledge base (the sample one on a first run), the
defaults that go with the sample, the token counter of the served model, the assistant built from them, and
the vectors of the knowledge base's sentences (computed in the background).

    kb = open_knowledge_base(kb_dir, samples=True)
    start_remembering_sentences(kb)  # in the background, while the model loads
    assistant = build_assistant(backend, kb, settings, assistant_settings)

Contract: with `samples`, an empty knowledge base is built from `samples/kb` once; when the knowledge base
is the sample one, the company defaults to Voltway, the translation glossary to the sample's and the
trusted documents (whose contact points answers may give) to the sample's, unless the user set them
(environment or flags).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

from knowledge_base.embeddings import import_sentence_transformers
from service.assistant import Assistant
from service.backends import ChatBackend
from service.bundled_adapters import ADAPTERS, answer_models_for
from service.errors import AssistantError, ModelNotFoundError
from service.extractive import quotable_texts
from service.language import Glossary, token_counter_for
from service.settings import AssistantSettings, Settings

REPO = Path(__file__).resolve().parents[1]
SAMPLE_KB = REPO / "samples" / "kb"
SAMPLE_GLOSSARY = REPO / "samples" / "glossary.json"
SAMPLE_COMPANY = "Voltway"

logger = logging.getLogger(__name__)


def open_knowledge_base(kb_dir: Path, *, samples: bool = True, settings=None, log: Callable[[str], None] = print):
    """Open the knowledge base in `kb_dir`; with `samples`, build it from samples/kb if there is none yet."""
    from knowledge_base import KnowledgeBase

    kb = KnowledgeBase.open(kb_dir, settings, create=True)
    if samples and not kb.documents():
        log(f"No knowledge base in {kb_dir} yet: building the sample one from {SAMPLE_KB} (about a minute)...")
        report = kb.ingest([SAMPLE_KB], progress=True)
        log(f"Sample knowledge base ready: {report.summary()}.")
    return kb


def remember_sentences(kb, *, batch: int = 16) -> int:
    """Embed every quotable sentence of the knowledge base once and return how many (0 when it cannot).

    With the guard on, every question is compared with the sentences of its passages before the model is
    called (the sentence floor, `Assistant.quote`); the knowledge base remembers the vectors
    (`KnowledgeBase.embed`), so after this the comparison embeds only the question (bench/sentence_floor.py:
    0.9 s p50, 4.3 s max per question cold against ~1 ms warm on the sample base). Meant for a background
    thread while the model server starts (the sample base: ~1,000 sentences, about a minute on two cores). The
    calling thread runs at the lowest priority (torch's worker threads, shared with requests, keep theirs), in
    small batches, since a customer's question waits for the embedding model meanwhile. A base with more
    sentences than the cache keeps is not warmed: they would only push each other out. Never raises: a failure
    here is one the first question meets and reports."""
    try:
        texts = kb.texts_of(["*"])
        sentences = list(dict.fromkeys(s for t in texts for s in quotable_texts(t)))
        capacity = kb.sentence_cache_capacity
        if len(sentences) > capacity:
            logger.info("not remembering %d sentences: more than the %d the cache keeps", len(sentences), capacity)
            return 0
        with contextlib.suppress(OSError, AttributeError):  # Linux: lowers only this thread's priority
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        for start in range(0, len(sentences), batch):
            kb.embed(sentences[start : start + batch])
    except Exception as e:  # noqa: BLE001 - a background warm-up must not print a traceback into the app's log
        logger.warning("could not embed the knowledge base's sentences ahead of time: %s", e)
        return 0
    logger.info("remembered the vectors of %d knowledge-base sentences", len(sentences))
    return len(sentences)


def start_remembering_sentences(kb) -> threading.Thread:
    """`remember_sentences(kb)` in a daemon thread, started once the embedding library is imported in the calling
    thread. Why first: transformers' top-level import is not safe against another thread importing from it meanwhile.
    With the model server already running, the app built its token counter while this thread was importing it, and
    `from transformers import AutoTokenizer` failed ("cannot import name 'AutoTokenizer'"), so tokens were counted by
    estimate; the in-process engine loads its model with the same library at the same moment."""
    with contextlib.suppress(ImportError):  # a knowledge base without sentence-transformers embeds otherwise
        import_sentence_transformers()
    thread = threading.Thread(target=remember_sentences, args=(kb,), daemon=True, name="remember-sentences")
    thread.start()
    return thread


def is_sample_kb(kb) -> bool:
    docs = kb.documents()
    return bool(docs) and all(Path(d.source).resolve().is_relative_to(SAMPLE_KB) for d in docs[:5])


def with_sample_defaults(assistant_settings: AssistantSettings, kb) -> AssistantSettings:
    """The sample's company name and glossary, where the knowledge base is the sample and the user set neither."""
    if kb is None or not is_sample_kb(kb):
        return assistant_settings
    updates = {}
    if "company" not in assistant_settings.model_fields_set:
        updates["company"] = SAMPLE_COMPANY
    if assistant_settings.glossary is None:
        updates["glossary"] = SAMPLE_GLOSSARY
    if "trusted_documents" not in assistant_settings.model_fields_set:
        updates["trusted_documents"] = [f"{SAMPLE_KB}/*"]
    return assistant_settings.model_copy(update=updates)


def build_assistant(
    backend: ChatBackend, kb, settings: Settings, assistant_settings: AssistantSettings, *, log=print
) -> Assistant:
    """The assistant for `backend` and `kb`, with the glossary and the served model's token counter. Unless the settings
    give `answer_models`, each served bundled adapter answers its languages; a model they give that the backend does
    not serve is a one-sentence `ModelNotFoundError`."""
    if "answer_models" not in assistant_settings.model_fields_set:
        chosen = answer_models_for(_served(backend)) if any(a.shipped for a in ADAPTERS) else {}
        if chosen:
            log(f"Answers in {', '.join(chosen)} come from {', '.join(sorted(set(chosen.values())))} (ASSISTANT_ANSWER_MODELS).")
            assistant_settings = assistant_settings.model_copy(update={"answer_models": chosen})
    elif assistant_settings.answer_models:
        served = backend.models()
        for language, name in assistant_settings.answer_models.items():
            if name not in served:
                raise ModelNotFoundError(
                    f"ASSISTANT_ANSWER_MODELS gives {language} answers to {name!r}, which is not served (served: "
                    f"{', '.join(served)}); serve it as an adapter or an extra model (ASSISTANT_EXTRA_MODELS)."
                )
    return Assistant(
        backend, kb, assistant_settings,
        glossary=Glossary.load(assistant_settings.glossary),
        count_tokens=token_counter_for(settings, log=log),
        context_window=settings.max_model_len,
    )


def _served(backend: ChatBackend) -> list[str]:
    """What `backend` serves; nothing when its server cannot say (the first request will report why)."""
    try:
        return backend.models()
    except AssistantError:
        return []


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def assistant_session(settings: Settings, kb_settings, assistant_settings: AssistantSettings, *, log=_stderr) -> Iterator[Assistant]:
    """An assistant over the existing knowledge base of `kb_settings` and the configured backend, for the
    command line (`service ask`, `service eval-answers`); the backend is closed on the way out."""
    from knowledge_base import KnowledgeBase
    from service.backend_factory import open_backend

    kb = KnowledgeBase.open(kb_settings.kb_dir, kb_settings)
    assistant_settings = with_sample_defaults(assistant_settings, kb)
    with open_backend(settings, log=log) as backend:
        yield build_assistant(backend, kb, settings, assistant_settings, log=log)
