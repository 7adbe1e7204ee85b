"""The answerability check: the model is asked first whether the passages answer the question; a no
becomes "I don't know, shall I get a person?" without generating an answer."""

import pytest

from service.answerability import parrots_the_instruction, says_it_does_not_know, verdict
from service.assistant import Assistant
from service.prompts import CLOSEST_LEAD, NO_ANSWER, OFFER_PERSON
from service.settings import AssistantSettings
from tests.fakes import FakeRetriever, scripted_backend


def make(**settings):
    backend = scripted_backend()
    # The sentence floor off (every sentence is close enough): these tests are about the model's verdict.
    settings = {"answer_check": True, "extractive_min_similarity": -1, **settings}
    return Assistant(backend, FakeRetriever(), AssistantSettings(company="Voltway", **settings)), backend


@pytest.mark.parametrize(
    ("said", "expected"),
    [("FOUND", True), ("Found.", True), (" found", True), ("yes", True), ("是", True), ("MISSING", False),
     ("MISS", False), ("missing", False), ("No.", False), ("Not", False), ("否", False), ("不是", False),
     ("maybe", None), ("", None), ("[1]", None), ("The passages", None), ("F", None)],
)
def test_verdicts_in_english_and_chinese(said, expected):
    assert verdict(said) is expected


def test_a_no_declines_showing_the_closest_sentences_and_offers_a_person_without_generating_an_answer():
    assistant, backend = make()
    backend.enqueue_verdict("MISSING")
    reply = assistant.chat("Does the warranty cover water damage from a flood?")
    text = reply.collect()
    assert reply.status == "no_answer" and text.startswith(CLOSEST_LEAD["en"]) and text.endswith(OFFER_PERSON["en"])
    assert "[2]" in text and reply.sources
    assert backend.requests == [] and len(backend.checks) == 1
    assert reply.replaced == ["the passages do not answer the question"] and reply.replaced_why == "declined"


def test_a_no_without_the_guard_is_the_plain_decline():
    # No guard, no passage sentences chosen: nothing to quote.
    assistant, backend = make()
    backend.enqueue_verdict("MISSING")
    reply = assistant.chat("Does the warranty cover water damage from a flood?", guard=False)
    assert reply.collect() == NO_ANSWER["en"] and reply.status == "no_answer" and reply.sources == []


def test_a_chinese_question_is_answered_in_chinese():
    assistant, backend = make()
    backend.enqueue_verdict("否")
    text = assistant.chat("退货可以用顺丰吗").collect()
    assert text.startswith(CLOSEST_LEAD["zh"]) and text.endswith(OFFER_PERSON["zh"])
    backend.enqueue_verdict("否")
    assert assistant.chat("退货可以用顺丰吗", guard=False).collect() == NO_ANSWER["zh"]


def test_a_yes_or_an_unclear_verdict_lets_the_answer_stream():
    assistant, backend = make()
    backend.enqueue_verdict("FOUND", "The passages say")
    for _ in range(2):
        reply = assistant.chat("How long do I have to return an item?")
        assert reply.collect() == "Returns are free within 30 days [1]." and reply.status == "generated"
    assert len(backend.checks) == 2 and len(backend.requests) == 2


def test_the_check_shares_the_answers_prompt_up_to_its_last_instruction():
    # So that the model server's prefix cache serves the answer's prefill from the check's.
    assistant, backend = make()
    assistant.chat("How long do I have to return an item?").collect()
    check, (answer, _) = backend.checks[-1], backend.requests[-1]
    assert check[:-1] == answer[:-1]
    shared = answer[-1]["content"].split("Answer from the passages only")[0]
    assert check[-1]["content"].startswith(shared) and "FOUND" in check[-1]["content"]
    assert "How long do I have to return an item?" in shared


def test_switched_off_by_argument_or_setting_and_off_by_default():
    assistant, backend = make()
    assistant.chat("How long do I have to return an item?", answer_check=False).collect()
    off, off_backend = make(answer_check=False)
    off.chat("How long do I have to return an item?").collect()
    assert backend.checks == [] and off_backend.checks == [] and len(off_backend.requests) == 1
    assert AssistantSettings().answer_check is False


@pytest.mark.parametrize(
    ("answer", "declines"),
    [("I do not know.", True), ("I'm sorry, I don't know the answer to that.", True),
     ("The passages do not mention Alexa. [3]", True), ("抱歉，我无法回答这个问题。", True),
     ("抱歉，我无法确定您发的快递是否是顺丰。我需要查看订单信息来确认。", True),
     ("我非常抱歉，我不会回答这个问题：我不会写代码。", True), ("不会，这个问题我不能回答。", True),
     ("不会，HomeHub 没有电池。[1]", False),
     ("No, it is not covered by the warranty [2].", False), ("The memory cannot be upgraded [1].", False),
     ("I don't know the exact day, but refunds take 3 working days [1].", False),
     ("Returns are free within 30 days [1]. I do not know about gift cards.", False),
     ("没有积分，不能抵钱。[1]", False), ("Version 1.2 is out. I don't know.", False)],
)
def test_an_answer_declines_when_its_first_sentence_says_it_does_not_know(answer, declines):
    assert says_it_does_not_know(answer) is declines


@pytest.mark.parametrize(
    ("answer", "parrots"),
    [("You do not know.", True), ("[2] You don't know.", True), ("I do not know.", False),
     ("You do not know the exact day, but refunds take 3 working days [1].", False),
     ("You don't know your PIN? Reset it in the app [1].", False),
     ("If you don't know your password, reset it [1].", False), ("You don't know how glad I am.", False),
     ("You do not know. [1]", True)],
)
def test_an_answer_that_only_repeats_the_instruction_to_say_you_do_not_know_is_recognised(answer, parrots):
    assert parrots_the_instruction(answer) is parrots


@pytest.mark.parametrize(
    ("question", "said", "language"),
    [("Does the HomeHub work with Alexa?", "I do not know.", "en"), ("homehub 能接入米家吗", "抱歉，我无法回答这个问题。", "zh")],
)
def test_a_generated_i_dont_know_becomes_the_apps_decline_showing_the_closest_sentences(question, said, language):
    assistant, backend = make(answer_check=False)
    backend.enqueue(said, said)  # the answer, and the second look's
    reply = assistant.chat(question)
    text = reply.collect()
    assert text.startswith(CLOSEST_LEAD[language]) and text.endswith(OFFER_PERSON[language]) and said not in text
    assert reply.status == "no_answer" and reply.sources and reply.looked_again and len(backend.requests) == 2
    assert reply.replaced == ["the passages do not answer the question"] and reply.replaced_why == "declined"
    # Without the guard there are no chosen sentences: the app's plain decline.
    backend.enqueue(said)
    reply = assistant.chat(question, guard=False)
    assert reply.collect() == NO_ANSWER[language] and reply.status == "no_answer" and reply.sources == []


def test_after_an_i_dont_know_the_model_looks_again_at_the_closest_sentences_alone():
    assistant, backend = make(answer_check=False, extractive_sentences=1)
    backend.enqueue("I do not know.", "Refunds reach you within 5 working days [1].")
    reply = assistant.chat("When do refunds reach me?")
    steps = [reply.text for _ in reply]
    assert reply.text == "Refunds reach you within 5 working days [1]." and reply.status == "generated"
    assert reply.looked_again and reply.replaced == [] and steps[-1] == reply.text
    first, second = (messages[-1]["content"] for messages, _ in backend.requests)
    # The same frame and numbering, with only the closest sentence of the passages.
    assert "[1] Returns and refunds > Returns\nRefunds reach you within 5 working days." in second
    assert "within 30 days" in first and "within 30 days" not in second and "[2]" not in second
    # The second answer is checked like the first: an unsupported figure is replaced.
    backend.enqueue("I do not know.", "Refunds reach you within 2 days [1].")
    reply = assistant.chat("When do refunds reach me?")
    reply.collect()
    assert reply.status == "extractive" and reply.replaced == ["2"] and "5 working days" in reply.text
    # Off, or without the guard (no sentences chosen), the first "I don't know" declines.
    assistant, backend = make(answer_check=False, second_look=False)
    backend.enqueue("I do not know.")
    reply = assistant.chat("When do refunds reach me?")
    assert reply.collect().startswith(CLOSEST_LEAD["en"]) and len(backend.requests) == 1 and not reply.looked_again


def test_an_answer_that_only_says_no_stays_an_answer():
    assistant, backend = make(answer_check=False)
    backend.enqueue("No, accidental damage is not covered by the warranty [1].")
    reply = assistant.chat("Is a cracked screen covered by the warranty?")
    assert reply.collect() == "No, accidental damage is not covered by the warranty [1]." and reply.status == "generated"
