"""Passages re-ranked by their closest sentence (`service.reranking`), and the assistant's retrieval with it."""

import numpy as np

from service.assistant import Assistant
from service.extractive import passage_similarities
from service.reranking import RERANK_POOL, by_closest_sentence, reranks
from service.settings import AssistantSettings
from service.sources import faq_match
from tests.fakes import FAQ_RETURNS, RETURNS, FakePassage, FakeRetriever, scripted_backend

# A three-word embedding: each text is the unit vector of its counts of "money", "cancel" and "story"; a text with
# none of them points elsewhere (orthogonal to all three).
_WORDS = ("money", "cancel", "story")


def embed(texts):
    rows = []
    for text in texts:
        counts = [text.lower().count(w) for w in _WORDS] + [0 if any(w in text.lower() for w in _WORDS) else 1]
        v = np.asarray(counts, dtype=np.float32)
        rows.append(v / np.linalg.norm(v))
    return np.stack(rows)


STORY = FakePassage("story.md", "Orders", "/kb/story.md", "A story about a story. Cancel it any time.", score=0.70)
PREORDER = FakePassage("preorder.md", "Pre-orders", "/kb/preorder.md",
                       "Pre-orders ship later. We take the money on dispatch.", score=0.62)


def test_each_passage_scores_by_its_own_closest_sentence():
    passages = ["A story. We take the money on dispatch.", "Cancel it any time.", "Nothing here.", ""]
    assert passage_similarities("when do you take the money", passages, embed) == [1.0, 0.0, 0.0, -1.0]


def test_a_passage_whose_one_sentence_answers_moves_above_the_story_around_the_question():
    hits = [STORY, PREORDER]
    texts = [h.text for h in hits]
    ranked = by_closest_sentence("have u already taken the money", hits, texts, embed, weight=0.5)
    assert [h.doc_id for h in ranked] == ["preorder.md", "story.md"]
    # Scores stay comparable across searches: retrieval score + weight x closest sentence; the hits themselves untouched.
    assert [round(h.score, 3) for h in ranked] == [1.12, 0.70]
    assert (STORY.score, PREORDER.score) == (0.70, 0.62)


def test_chinese_queries_keep_retrievals_order():
    assert reranks("have u already taken the money?") and not reranks("预售的商品什么时候扣款？")


class _Retriever(FakeRetriever):
    def embed(self, texts):
        return embed(texts)


def _assistant(hits, **settings):
    retriever = _Retriever(hits, threshold=0.65)
    assistant = Assistant(scripted_backend(), retriever, AssistantSettings(company="Voltway", **settings), context_window=2048)
    return assistant, retriever


def test_retrieval_brings_a_pool_and_keeps_the_k_best_by_their_sentences():
    filler = [FakePassage(f"f{i}.md", "Other", f"/kb/f{i}.md", "Nothing to do with it.", score=0.69 - i / 100) for i in range(3)]
    assistant, retriever = _assistant([STORY, *filler, PREORDER], top_k=2, sentence_rerank=0.5)
    hits, relevant = assistant.retrieve("have u already taken the money")
    assert retriever.queries == [("have u already taken the money", RERANK_POOL)]
    # Fifth in retrieval's order, first by its sentence; relevance is judged on retrieval's own first k (0.70).
    assert [h.doc_id for h in hits] == ["preorder.md", "story.md"] and relevant


def test_off_by_default_and_for_chinese_the_k_hits_come_in_retrievals_order():
    assistant, retriever = _assistant([STORY, PREORDER], top_k=2)
    assert [h.doc_id for h in assistant.retrieve("have u already taken the money")[0]] == ["story.md", "preorder.md"]
    assert retriever.queries == [("have u already taken the money", 2)]
    assistant, retriever = _assistant([STORY, PREORDER], top_k=2, sentence_rerank=0.5)
    assert [h.doc_id for h in assistant.retrieve("预售的商品什么时候扣款？")[0]] == ["story.md", "preorder.md"]
    assert retriever.queries == [("预售的商品什么时候扣款？", 2)]


def test_a_close_faq_question_is_answered_directly_wherever_its_entry_ranks():
    # Re-ranked by sentences, an FAQ entry whose answer shares few words with the question can follow another passage.
    assert faq_match([RETURNS, FAQ_RETURNS], "How long do I have to return an item?", "en", 0.9) is FAQ_RETURNS
    below = FakePassage("faq-x", "Q", "/kb/faq.csv", "Q\n\nA.", question="Q", question_score=0.5)
    assert faq_match([RETURNS, below], "How long do I have to return an item?", "en", 0.9) is None
