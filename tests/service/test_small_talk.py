"""Small talk: greetings, thanks, goodbyes, "what can you do?" get a fixed reply; anything that asks more is a question."""

import json
from pathlib import Path

import pytest

from service.assistant import Assistant
from service.settings import AssistantSettings
from service.small_talk import small_talk, small_talk_reply
from tests.fakes import plain_retriever, scripted_backend

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.mark.parametrize("message, kind", [
    ("hi", "greeting"), ("Hello there!", "greeting"), ("hey voltway team 👋", "greeting"), ("Good morning", "greeting"),
    ("hi, how are you?", "greeting"), ("你好", "greeting"), ("在吗？", "greeting"), ("客服你好呀", "greeting"),
    ("thanks!", "thanks"), ("Thank you so much", "thanks"), ("ok thanks", "thanks"), ("hi, thanks for your help", "thanks"),
    ("That's helpful, cheers", "thanks"), ("谢谢", "thanks"), ("好的，谢谢你", "thanks"), ("非常感谢！", "thanks"),
    ("bye", "goodbye"), ("ok thanks, bye!", "goodbye"), ("No thanks, that's all", "goodbye"), ("no", "goodbye"),
    ("再见", "goodbye"), ("不用了，谢谢", "goodbye"),
    ("what can you do?", "about"), ("Who are you?", "about"), ("are you a bot", "about"), ("help", "about"),
    ("你能做什么？", "about"), ("你是机器人吗", "about"),
    ("yes please", "yes"), ("Yes!", "yes"), ("是的", "yes"), ("ok", "ack"), ("Got it.", "ack"), ("好的", "ack"),
    ("嗯嗯", "ack"),
])
def test_small_talk_is_recognised_with_its_kind(message, kind):
    assert small_talk(message, "Voltway") == kind


@pytest.mark.parametrize("message", [
    "hi, where is my order?", "thanks, and how do I return it?", "hello I need help with my refund",
    "no I want a refund", "ok but when does it arrive", "help me change my address", "你好，怎么退货", "谢谢，运费多少？",
    "好的那发票怎么开", "是不是要等三天", "thank u next", "Hi" + " there" * 40, "", "   ", "?!",
])
def test_a_message_that_asks_anything_more_is_not_small_talk(message):
    assert small_talk(message, "Voltway") is None


def test_no_customer_question_of_the_qa_sets_is_small_talk():
    questions = [json.loads(line)["question"] for name in ("qa_dev.jsonl", "qa_test.jsonl")
                 for line in (SAMPLES / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(questions) > 100 and [q for q in questions if small_talk(q, "Voltway")] == []


def test_replies_name_the_company_in_the_customers_language():
    assert small_talk_reply("greeting", "en", "Voltway").startswith("Hello! I'm the customer-service assistant of Voltway.")
    assert "Voltway" in small_talk_reply("goodbye", "zh", "Voltway") and "再见" in small_talk_reply("goodbye", "zh", "Voltway")
    assert small_talk_reply("thanks", "ja", "Voltway") == small_talk_reply("thanks", "en", "Voltway")  # no Japanese reply


def test_the_assistant_answers_small_talk_without_retrieval_or_the_model():
    backend, retriever = scripted_backend(), plain_retriever()
    assistant = Assistant(backend, retriever, AssistantSettings(company="Voltway"))
    reply = assistant.chat("Hi there!")
    assert reply.collect() == "Hello! I'm the customer-service assistant of Voltway. What can I help you with?"
    assert reply.status == "small_talk" and reply.sources == []
    assert backend.requests == [] and retriever.queries == []
    assert assistant.chat("谢谢！").collect() == "不客气！请问还有什么可以帮您？"
    question = assistant.chat("hi, how long do I have to return an item?")
    assert question.collect() and question.status == "generated" and len(backend.requests) == 1


def test_a_reply_to_a_message_too_short_to_tell_is_in_the_conversations_language():
    from service.language import reply_language

    chinese = [{"role": "user", "content": "退货运费谁出"}, {"role": "assistant", "content": "退货运费由 Voltway 承担。[1]"}]
    assert reply_language("ok", "退货运费谁出") == "zh" and reply_language("thx!", "退货运费谁出") == "zh"
    assert reply_language("ok but what about express?", "退货运费谁出") == "en" and reply_language("ok", None) == "en"
    assistant = Assistant(scripted_backend(), plain_retriever(), AssistantSettings(company="Voltway"))
    assert assistant.chat("OK", chinese).collect() == "好的。请问还有什么可以帮您？"
