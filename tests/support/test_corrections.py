"""A person's answer saved as an FAQ entry becomes the next customer's direct answer (a real knowledge base,
hash-embedded, and the scripted model)."""

import json

import pytest

from knowledge_base.embeddings import HashEmbedder
from service.assistant import Assistant
from service.settings import AssistantSettings
from support.corrections import corrections_file, save_faq_entry
from support.desk import SupportDesk
from support.store import ConversationStore, StoreError, sqlite_url
from tests.conftest import REPO
from tests.fakes import scripted_backend


@pytest.fixture
def kb(tmp_path):
    from knowledge_base import KBSettings, KnowledgeBase

    settings = KBSettings(kb_dir=tmp_path / "kb", embedding_model=HashEmbedder.name)
    kb = KnowledgeBase.open(settings.kb_dir, settings, create=True, embedder=HashEmbedder())
    report = kb.ingest([REPO / "samples" / "kb" / name for name in ("returns-and-refunds.html", "faq.csv")])
    assert not report.failed and report.added > 1
    return kb


def test_a_saved_correction_is_the_next_customers_direct_answer(kb, tmp_path):
    backend = scripted_backend()
    desk = SupportDesk(Assistant(backend, kb, AssistantSettings(company="Voltway")), ConversationStore.open(sqlite_url(tmp_path)))
    question = "Can I return headphones I already opened and used?"
    answer = "Yes: opened headphones can be returned within 30 days if they are undamaged and complete."
    before = len(kb.documents())
    doc_id = save_faq_entry(kb, question, answer, author="alice")

    assert len(kb.documents()) == before + 1
    row = json.loads(corrections_file(kb).read_text(encoding="utf-8").splitlines()[-1])
    assert row["id"] == doc_id and row["author"] == "alice" and row["date"].startswith("20")
    turn = desk.answer("can i return headphones i already opened and used", channel="api")
    text = turn.collect()
    assert turn.status == "faq" and answer in text and not backend.requests
    assert turn.sources[0].doc_id == doc_id

    second = save_faq_entry(kb, "Do you sell gift cards?", "Yes, from 10 to 500 euros.", author="bob")
    assert {doc_id, second} <= {d.doc_id for d in kb.documents()}  # the first entry stays


def test_a_correction_in_traditional_characters_is_saved_as_the_base_writes_and_read_back_in_them(kb, tmp_path):
    backend = scripted_backend()
    desk = SupportDesk(Assistant(backend, kb, AssistantSettings(company="Voltway")), ConversationStore.open(sqlite_url(tmp_path)))
    save_faq_entry(kb, "退貨要自己出運費嗎", "不用，退貨運費由 Voltway 承擔。", author="alice")
    row = json.loads(corrections_file(kb).read_text(encoding="utf-8").splitlines()[-1])
    assert (row["question"], row["answer"]) == ("退货要自己出运费吗", "不用，退货运费由 Voltway 承担。")
    traditional = desk.answer("退貨要自己出運費嗎", channel="api")
    assert traditional.collect().startswith("不用，退貨運費由 Voltway 承擔。") and traditional.status == "faq"
    simplified = desk.answer("退货要自己出运费吗", channel="api")
    assert simplified.collect().startswith("不用，退货运费由 Voltway 承担。") and not backend.requests


def test_an_empty_entry_is_refused_and_changes_nothing(kb):
    before = len(kb.documents())
    with pytest.raises(StoreError, match="needs both"):
        save_faq_entry(kb, "Can I return it?", "  ", author="alice")
    assert len(kb.documents()) == before and not corrections_file(kb).exists()
