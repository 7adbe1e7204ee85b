"""The question sentences of a longer message, searched alone too (`service.asks`), for a customer's answer and a
draft's facts."""

from service.assistant import Assistant
from service.asks import asks, with_sharper
from service.settings import AssistantSettings
from tests.fakes import FakePassage, FakeRetriever, scripted_backend


def test_the_question_sentences_of_a_message_of_several():
    assert asks("my aria x2 wont charge anymore, bought it 14 months ago. is it still under warranty?") == [
        "is it still under warranty?"]
    assert asks("do voltway gift cards expire? got one for my bday") == ["do voltway gift cards expire?"]
    assert asks("ordered at 5pm on a friday. when will it be dispatched") == ["when will it be dispatched"]  # no "?"
    assert asks("我三个月前买的耳机。现在还在保修期吗？") == ["现在还在保修期吗？"]


def test_a_message_of_one_sentence_or_with_no_question_worth_searching_alone_has_none():
    assert asks("is my aria x2 still under warranty after 14 months?") == []  # searched as it is
    assert asks("got a text saying pay £1.45 or my parcel goes back. legit?") == []  # too short to find anything
    assert asks("bought it in may. it stopped charging.") == []  # no question
    assert asks("") == []


def _passage(name: str, score: float) -> FakePassage:
    return FakePassage(f"{name}.md", name, f"/kb/{name}.md", f"About {name}.", score=score)


def test_the_asks_best_passage_joins_only_when_it_comes_closer_than_the_messages_best():
    charging, exclusions, warranty = _passage("charging", 0.45), _passage("exclusions", 0.44), _passage("warranty", 0.50)
    assert with_sharper([charging, exclusions], [warranty, charging]) == [warranty, charging]  # in by score, last out
    assert with_sharper([charging], [warranty, exclusions]) == [warranty, charging]  # room for it: nothing dropped
    assert with_sharper([charging, exclusions], [_passage("warranty", 0.40)]) is None  # not closer
    assert with_sharper([charging, exclusions], [_passage("exclusions", 0.60)]) is None  # already there
    assert with_sharper([charging], []) is None and with_sharper([], [warranty]) is None


CHARGING = FakePassage("aria.md", "Aria X2", "/kb/aria.md", "If your Aria X2 will not charge, try another cable.", score=0.45)
WARRANTY_LENGTH = FakePassage("warranty.md", "Warranty", "/kb/warranty.md",
                              "Voltway products have a 2-year warranty from delivery.", score=0.5)
STORY = "my aria x2 wont charge anymore, bought it 14 months ago. is it still under warranty?"


def _assistant(answer: str):
    # The whole message finds the charging tips (it holds "charge"); its question alone, the warranty's length.
    retriever = FakeRetriever(by_keyword={"charge": [CHARGING], "warranty": [WARRANTY_LENGTH]}, threshold=0.3)
    settings = AssistantSettings(company="Voltway", top_k=1, guard=False, faq_direct=False)
    backend = scripted_backend(default=answer)
    return Assistant(backend, retriever, settings, context_window=2048), retriever, backend


def test_a_story_then_a_question_gets_the_passage_its_question_finds_alone():
    assistant, retriever, backend = _assistant("Yes, Voltway products have a 2-year warranty from delivery. [1]")
    reply = assistant.chat(STORY)
    reply.collect()
    assert [q for q, _ in retriever.queries] == [STORY, "is it still under warranty?"]
    assert [s.doc_id for s in reply.sources] == ["warranty.md"]
    assert "2-year warranty from delivery" in backend.requests[-1][0][-1]["content"]


def test_a_drafts_brief_gets_the_facts_its_question_finds_alone():
    assistant, _, backend = _assistant("Dear customer, your headphones have a 2-year warranty.")
    reply = assistant.generate("reply_email", f"Reply to: {STORY}")
    reply.collect()
    assert [s.doc_id for s in reply.sources] == ["warranty.md"]
    assert "2-year warranty from delivery" in backend.requests[-1][0][-1]["content"]


def test_a_message_not_relevant_as_a_whole_takes_the_passages_of_a_question_sentence_that_is():
    # As a whole the message finds only a passage below the relevance bar; its first question sentence alone, the
    # specifications (the sample base: 0.38 against the bar of 0.40 as a whole, 0.50 alone).
    cases = FakePassage("returns.md", "Returns", "/kb/returns.md", "Return it in its case.", score=0.2)
    specs = FakePassage("aria.md", "Aria X2", "/kb/aria.md", "In the box: headphones, travel case, USB-C cable.", score=0.5)
    retriever = FakeRetriever([], by_keyword={"case": [cases], "box": [specs]}, threshold=0.4)
    assistant = Assistant(scripted_backend(), retriever, AssistantSettings(company="Voltway"), context_window=2048)
    reading, hits, relevant = assistant.retrieve_message("whats in the box with the aria x2? do i get a case")
    assert (reading, [h.doc_id for h in hits], relevant) == ("whats in the box with the aria x2?", ["aria.md"], True)
    # Neither the message nor a sentence of it is relevant: nothing is.
    assert assistant.retrieve_message("is it any good? do i get a case")[2] is False
