"""The app's start: the knowledge base's sentences are embedded once, before customers ask."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from knowledge_base import KBSettings, KnowledgeBase
from knowledge_base.embeddings import HashEmbedder
from service.extractive import extractive_answer
from service.startup import remember_sentences

DOC = """# Returns

You can return an item within 30 days of delivery. Refunds reach your card in 3-5 working days.

## Can I return opened earbuds?

In-ear headphones with a broken hygiene seal cannot be returned.
"""


class CountingEmbedder(HashEmbedder):
    def __init__(self):
        super().__init__()
        self.texts: list[str] = []

    def embed_batch(self, texts):
        self.texts.extend(texts)
        return super().embed_batch(texts)


def _kb(tmp_path, embedder) -> KnowledgeBase:
    (tmp_path / "returns.md").write_text(DOC, encoding="utf-8")
    settings = KBSettings(kb_dir=tmp_path / "kb", embedding_model="hash")
    kb = KnowledgeBase.open(settings.kb_dir, settings, create=True, embedder=embedder)
    kb.ingest([tmp_path / "returns.md"])
    return kb


def test_after_remembering_a_question_is_the_only_text_embedded(tmp_path):
    embedder = CountingEmbedder()
    kb = _kb(tmp_path, embedder)
    assert remember_sentences(kb) == 3  # the three statements; headings are not quotable
    embedder.texts.clear()

    question = "how long do refunds take"
    text, used = extractive_answer(question, [h.text for h in kb.search(question, k=2)], kb.embed, min_similarity=0.1)
    assert "3-5 working days" in text and used
    assert embedder.texts == [question]


def test_a_base_larger_than_the_cache_is_not_remembered(tmp_path):
    embedder = CountingEmbedder()
    kb = _kb(tmp_path, embedder)
    kb._sentence_vectors.capacity = 2
    embedder.texts.clear()
    assert remember_sentences(kb) == 0
    assert embedder.texts == []


def test_a_failing_knowledge_base_is_not_remembered_and_nothing_is_raised():
    class Broken:
        def texts_of(self, patterns):
            raise OSError("disk gone")

    assert remember_sentences(Broken()) == 0


# A fresh interpreter: the app's main thread asks transformers for its tokenizer class while the background thread
# is still loading the embedding model with the same library (what `make run` does when the model server is already
# up). Without the import first, `from transformers import AutoTokenizer` failed there about 0.2-0.7 s in.
_WHILE_REMEMBERING = textwrap.dedent("""
    import time
    from service import startup

    def remember(kb):
        from sentence_transformers import SentenceTransformer  # noqa: F401
        import transformers
        transformers.AutoModel, transformers.AutoConfig

    startup.remember_sentences = remember
    thread = startup.start_remembering_sentences(None)
    time.sleep(0.3)
    from transformers import AutoTokenizer  # noqa: F401
    thread.join()
    print("imported while remembering")
""")


@pytest.mark.slow
def test_the_main_thread_imports_the_model_library_safely_while_sentences_are_remembered():
    done = subprocess.run(
        [sys.executable, "-c", _WHILE_REMEMBERING], capture_output=True, text=True, timeout=300,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "imported while remembering" in done.stdout
