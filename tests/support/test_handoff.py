"""A person on request: asked for in words, or a "yes" to an answer that offered one; small talk stays small talk."""

import pytest

from service.assistant import Assistant
from service.prompts import EXTRACTIVE_LEAD, EXTRACTIVE_OFFER, NO_ANSWER, ONLY_CUSTOMER_SERVICE
from service.settings import AssistantSettings
from support.desk import SupportDesk
from support.handoff import accepts_offer, asks_for_person, offers_a_person
from support.store import ConversationStore, sqlite_url
from tests.fakes import plain_retriever, scripted_backend


@pytest.fixture
def desk(tmp_path):
    store = ConversationStore.open(sqlite_url(tmp_path))
    retriever = plain_retriever(by_keyword={"VoltCare": []})  # nothing about VoltCare: "I don't know", a person offered
    yield SupportDesk(Assistant(scripted_backend(), retriever, AssistantSettings(company="Voltway")), store)
    store.close()


def test_offers_and_acceptances():
    assert offers_a_person(NO_ANSWER["en"]) and offers_a_person(NO_ANSWER["zh"])
    assert offers_a_person(ONLY_CUSTOMER_SERVICE["en"].format(company="Voltway"))
    assert not offers_a_person("Returns are free within 30 days [1].") and not offers_a_person(None)
    assert accepts_offer("yes please", lambda: NO_ANSWER["en"]) and accepts_offer("好的", lambda: NO_ANSWER["zh"])
    assert not accepts_offer("yes please", lambda: "Returns are free within 30 days [1].")
    assert not accepts_offer("yes, but where is my order?", lambda: NO_ANSWER["en"])
    assert not accepts_offer("no thanks", lambda: NO_ANSWER["en"])
    # An extractive answer tells the customer how to reach a person; a "great" after it is no request for one.
    extractive = f"{EXTRACTIVE_LEAD['en']}Returns are free within 30 days. [1] {EXTRACTIVE_OFFER['en']}"
    assert not accepts_offer("great, got it", lambda: extractive) and not accepts_offer("ok", lambda: extractive)
    assert asks_for_person("ok, can I talk to a person?") and asks_for_person("转人工")


def test_a_customer_writing_traditional_characters_asks_for_and_accepts_a_person_the_same_way():
    assert asks_for_person("我要轉人工") and asks_for_person("請幫我轉接客服人員") and not asks_for_person("退貨運費誰出")
    offer = "抱歉，我在幫助中心裡沒有找到這個問題的答案。需要我為您轉接人工客服嗎？"
    assert offers_a_person(offer) and accepts_offer("好的", lambda: offer) and accepts_offer("好啊", lambda: offer)


def test_a_yes_to_the_offer_of_a_person_opens_a_ticket(desk):
    first = desk.answer("Does VoltCare cover water damage?", channel="ui")
    first.collect()
    assert first.status == "no_answer" and first.text.endswith("person on our support team?")
    calls = len(desk.assistant.backend.requests)
    yes = desk.answer("Yes please!", conversation_id=first.conversation_id, channel="ui")
    assert "a person will reply here shortly" in yes.collect() and yes.status == "handoff"
    ticket = desk.store.open_ticket_of(first.conversation_id)
    assert ticket.reason == "requested" and ticket.note == "Yes please!"
    assert len(desk.assistant.backend.requests) == calls


def test_a_no_to_the_offer_and_a_yes_to_nothing_are_small_talk(desk):
    first = desk.answer("Does VoltCare cover water damage?", channel="ui")
    first.collect()
    no = desk.answer("no thanks", conversation_id=first.conversation_id, channel="ui")
    assert no.collect() == "Thank you for contacting Voltway. Have a good day!" and no.status == "small_talk"
    yes = desk.answer("yes", conversation_id=first.conversation_id, channel="ui")  # the last answer offered nothing
    assert yes.collect() == "Sure. What would you like to know?" and yes.status == "small_talk"
    assert desk.store.open_ticket_of(first.conversation_id) is None
    assert [t.status for t in desk.store.turns(first.conversation_id)] == ["no_answer", "small_talk", "small_talk"]


def test_small_talk_is_stored_but_not_the_models_history(desk):
    greeting = desk.answer("hi", channel="ui")
    assert greeting.collect().startswith("Hello!") and greeting.status == "small_talk"
    cid = greeting.conversation_id
    desk.answer("Does VoltCare cover water damage?", conversation_id=cid, channel="ui").collect()
    desk.answer("thanks", conversation_id=cid, channel="ui").collect()
    asked = desk.answer("how long do I have to return an item?", conversation_id=cid, channel="ui")
    asked.collect()
    messages, _ = desk.assistant.backend.requests[-1]
    said = [m["content"] for m in messages]
    assert "Does VoltCare cover water damage?" in said and "hi" not in said and "thanks" not in said
    assert [t.status for t in desk.store.turns(cid)] == ["small_talk", "no_answer", "small_talk", "generated"]


def test_a_yes_over_the_api_with_the_history_it_sends(desk):
    history = [{"role": "user", "content": "Does VoltCare cover drops?"}, {"role": "assistant", "content": NO_ANSWER["en"]}]
    turn = desk.answer("ok", history=history, channel="api")
    assert turn.collect().startswith("I've passed your conversation") and turn.status == "handoff"
    assert desk.store.open_ticket_of(turn.conversation_id).reason == "requested"


def test_an_ok_in_a_chinese_conversation_is_answered_in_chinese(desk):
    history = [{"role": "user", "content": "VoltCare 包括进水吗"}, {"role": "assistant", "content": NO_ANSWER["zh"]}]
    turn = desk.answer("OK", history=history, channel="api")
    assert turn.collect().startswith("已为您转接人工客服") and turn.status == "handoff"


def test_a_customer_writing_traditional_characters_is_offered_and_handed_to_a_person_in_them(desk):
    declined = desk.answer("VoltCare 包括進水嗎", channel="api")
    text = declined.collect()
    assert declined.status == "no_answer" and text.endswith("需要我為您轉接人工客服嗎？")
    history = [{"role": "user", "content": "VoltCare 包括進水嗎"}, {"role": "assistant", "content": text}]
    turn = desk.answer("好的", history=history, channel="api")
    assert turn.collect().startswith("已為您轉接人工客服") and turn.status == "handoff"
    ok = desk.answer("OK", history=history, channel="api")  # a Latin "OK" in their conversation: their writing
    assert ok.collect().startswith("已為您轉接人工客服") and ok.status == "handoff"
