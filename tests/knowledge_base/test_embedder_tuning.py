"""Fine-tuning the embedding model on labelled (query, FAQ entry) pairs: the fixed query halves, the pairs
built from what the index embeds, and a real (short) training run whose model a knowledge base then uses."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge_base import KBSettings, KnowledgeBase
from knowledge_base.embedder_tuning import TuningConfig, faq_texts, finetune, training_pairs
from knowledge_base.embeddings import SentenceTransformerEmbedder
from knowledge_base.errors import KnowledgeBaseError
from knowledge_base.evaluation import split_queries

from .conftest import MINILM, write_jsonl

FAQ = [
    {"id": "faq-refund", "question": "When do I get my refund?", "answer": "Refunds reach your card 3 to 5 working days after we receive the return."},
    {"id": "faq-pickup", "question": "Can someone else collect my order?", "answer": "Yes: forward them the collection e-mail and they show its QR code in the store."},
    {"id": "faq-invoice", "question": "How do I get a VAT invoice?", "answer": "Download it from My Account > Orders once the order has shipped."},
    {"id": "faq-password", "question": "I forgot my password", "answer": "Use 'Forgot password' on the sign-in page; the link is valid for one hour."},
]
QUERIES = [
    {"query": "money back when??", "doc_id": "faq-refund"},
    {"query": "sent it back a week ago still no cash", "doc_id": "faq-refund"},
    {"query": "my brother picks up the parcel for me, ok?", "doc_id": "faq-pickup"},
    {"query": "can my wife grab my click and collect", "doc_id": "faq-pickup"},
    {"query": "need a tax receipt for my company", "doc_id": "faq-invoice"},
    {"query": "where is the bill with vat on it", "doc_id": "faq-invoice"},
    {"query": "cant log in, lost my pw", "doc_id": "faq-password"},
    {"query": "reset login credentials", "doc_id": "faq-password"},
]


def test_the_halves_are_fixed_disjoint_and_cover_every_query():
    rows = [{"query": f"question {i}", "doc_id": "x"} for i in range(200)]
    tune, unseen = split_queries(rows, "tune"), split_queries(rows, "unseen")
    assert len(tune) + len(unseen) == 200 and 70 < len(tune) < 130
    assert not {r["query"] for r in tune} & {r["query"] for r in unseen}
    assert split_queries(list(reversed(rows)), "tune") == list(reversed(tune))  # by text, not by position


def test_pairs_are_the_query_as_searched_and_the_entry_as_indexed(tmp_path):
    faq = write_jsonl(tmp_path / "faq.jsonl", FAQ)
    pairs = training_pairs(faq, [{"query": "ｍｏｎｅｙ back when??", "doc_id": "faq-refund"}])
    # One text per entry (question + answer, the index's second vector), so that a batch holds each entry
    # once; the full-width letters are normalised as search normalises a query.
    assert pairs == [("money back when??", f"{FAQ[0]['question']}\n\n{FAQ[0]['answer']}")]


@pytest.mark.parametrize("epochs, batch_size", [(0, 16), (1, 1)])
def test_a_config_that_cannot_train_is_a_one_sentence_error(epochs, batch_size):
    with pytest.raises(KnowledgeBaseError, match="at least 1 epoch and batches of 2"):
        TuningConfig(epochs=epochs, batch_size=batch_size)


def test_a_label_that_is_no_entry_is_a_one_sentence_error(tmp_path):
    faq = write_jsonl(tmp_path / "faq.jsonl", FAQ)
    with pytest.raises(KnowledgeBaseError, match="not entries of"):
        training_pairs(faq, [{"query": "hello", "doc_id": "faq-missing"}])


@pytest.mark.slow
def test_a_short_training_run_moves_queries_toward_their_entries_and_the_kb_uses_the_model(tmp_path, embedder):
    faq = write_jsonl(tmp_path / "faq.jsonl", FAQ)
    pairs = training_pairs(faq, QUERIES)
    out = finetune(MINILM, pairs, tmp_path / "tuned", TuningConfig(epochs=3, batch_size=4, learning_rate=1e-4))

    texts = faq_texts(faq)

    def margin(model) -> float:
        """Mean over queries of (similarity to its own entry - best similarity to another entry)."""
        q = model.embed([r["query"] for r in QUERIES])
        e = model.embed([texts[f["id"]] for f in FAQ])
        sims = q @ e.T
        own = np.array([[f["id"] for f in FAQ].index(r["doc_id"]) for r in QUERIES])
        others = np.where(np.eye(len(FAQ), dtype=bool)[own], -np.inf, sims).max(axis=1)
        return float((sims[np.arange(len(QUERIES)), own] - others).mean())

    tuned = SentenceTransformerEmbedder(str(out))
    assert margin(tuned) > margin(embedder) + 0.05
    assert tuned.model.max_seq_length == embedder.model.max_seq_length  # the index reads as far as before
    assert not (out / "checkpoints").exists()

    settings = KBSettings(kb_dir=tmp_path / "kb", embedding_model=str(out))
    kb = KnowledgeBase.open(settings.kb_dir, settings, create=True)
    kb.ingest([faq])
    assert kb.search("my brother picks up the parcel for me, ok?", k=1)[0].doc_id == "faq-pickup"
