"""Passages re-ranked by their closest sentence (`service.reranking`), and the assistant's retrieval with it."""

import numpy as np

from service.assistant import Assistant
from service.extractive import passage_similarities
from service.reranking import RERANK_POOL, by_closest_sentence, reranks
from service.settings import AssistantSettings
from tests.fakes import FakePassage, FakeRetriever, scripted_backend

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
    # Each passage is read alone: a sentence two passages share counts for both (a quote would hold it once).
    assert passage_similarities("the money", ["We take the money.", "Cancel it. We take the money."], embed) == [1.0, 1.0]


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


def _assistant(hits, threshold=0.65, **settings):
    retriever = _Retriever(hits, threshold=threshold)
    assistant = Assistant(scripted_backend(), retriever, AssistantSettings(company="Voltway", **settings), context_window=2048)
    return assistant, retriever


def test_retrieval_brings_a_pool_and_keeps_the_k_best_by_their_sentences():
    filler = [FakePassage(f"f{i}.md", "Other", f"/kb/f{i}.md", "Nothing to do with it.", score=0.69 - i / 100) for i in range(3)]
    assistant, retriever = _assistant([STORY, *filler, PREORDER], top_k=2, sentence_rerank=0.5)
    hits, relevant = assistant.retrieve("have u already taken the money")
    assert retriever.queries == [("have u already taken the money", RERANK_POOL)]
    # Fifth in retrieval's order, first by its sentence; relevance is judged on retrieval's own first k (0.70).
    assert [h.doc_id for h in hits] == ["preorder.md", "story.md"] and relevant
    # ... so a re-ranked score (1.12 here) never makes passages relevant that retrieval's scores did not.
    assistant, _ = _assistant([STORY, *filler, PREORDER], threshold=0.75, top_k=2, sentence_rerank=0.5)
    hits, relevant = assistant.retrieve("have u already taken the money")
    assert hits[0].doc_id == "preorder.md" and hits[0].score > 0.75 and not relevant


def test_off_by_default_and_for_chinese_the_k_hits_come_in_retrievals_order():
    assistant, retriever = _assistant([STORY, PREORDER], top_k=2)
    assert [h.doc_id for h in assistant.retrieve("have u already taken the money")[0]] == ["story.md", "preorder.md"]
    assert retriever.queries == [("have u already taken the money", 2)]
    assistant, retriever = _assistant([STORY, PREORDER], top_k=2, sentence_rerank=0.5)
    assert [h.doc_id for h in assistant.retrieve("预售的商品什么时候扣款？")[0]] == ["story.md", "preorder.md"]
    assert retriever.queries == [("预售的商品什么时候扣款？", 2)]


def test_an_faq_entry_close_enough_to_answer_directly_stays_first_and_answers():
    # Its question matched; its answer's sentences need not repeat the customer's words ("money" is not in it).
    faq = FakePassage("faq-pay", "When do you take the money?", "/kb/faq.csv",
                      "When do you take the money?\n\nOn dispatch.", score=0.95,
                      question="When do you take the money?", question_score=0.93)
    texts = [faq.answer, PREORDER.text]
    ranked = by_closest_sentence("have u already taken the money", [faq, PREORDER], texts, embed, 0.5, keep_first=True)
    assert [h.doc_id for h in ranked] == ["faq-pay", "preorder.md"] and ranked[0].score >= ranked[1].score
    ranked = by_closest_sentence("have u already taken the money", [faq, PREORDER], texts, embed, 0.5)
    assert [h.doc_id for h in ranked] == ["preorder.md", "faq-pay"]
    assistant, _ = _assistant([faq, STORY, PREORDER], top_k=2, sentence_rerank=0.5, faq_direct_threshold=0.9)
    reply = assistant.chat("When do you take the money?")
    assert reply.status == "faq" and reply.collect().startswith("On dispatch.")
