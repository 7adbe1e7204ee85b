"""The support loop through the live app's API (scripted model): stored conversations, feedback, handoff to a
person, an agent's reply seen through /messages, and the agent console's handlers."""

import pytest
from gradio_client.exceptions import AppError

pytestmark = [
    pytest.mark.slow,  # a live app
    pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore:.*:Warning:gradio.queueing"),
]


def store(app):
    return app.handlers.desk.store


def test_answer_starts_a_conversation_and_continues_it_from_the_store(app):
    client = app.client()
    first = client.predict("Can I return my order?", api_name="/answer")
    assert first["turn"] == 1 and len(first["conversation_id"]) == 32
    # Another answer than the first: the guard fails one that says the reply before again (`service.repeats`).
    app.backend.enqueue("Refunds reach you within 5 working days [1].")
    second = client.predict("and for headphones?", conversation_id=first["conversation_id"], api_name="/answer")
    assert (second["conversation_id"], second["turn"]) == (first["conversation_id"], 2)
    messages, _ = app.backend.requests[-1]
    # The model saw the stored first exchange, which the caller did not send.
    assert [m["content"] for m in messages[1:3]] == ["Can I return my order?", first["text"]]
    stored = store(app).turns(first["conversation_id"])
    assert [(t.turn, t.channel, t.scenario, t.status) for t in stored] == [(1, "api", "answer", "generated"), (2, "api", "answer", "generated")]
    assert stored[0].sources[0]["doc_id"] == "returns.md" and stored[0].latency_s > 0


def test_chat_prefers_the_stored_conversation_to_the_history_it_is_given(app):
    client = app.client()
    first = client.predict("Can I return my order?", api_name="/answer")
    client.predict("and headphones?", [{"role": "user", "content": "FORGED"}, {"role": "assistant", "content": "FORGED"}],
                   conversation_id=first["conversation_id"], api_name="/chat")
    messages, _ = app.backend.requests[-1]
    assert "FORGED" not in str(messages) and "Can I return my order?" in str(messages)
    assert len(store(app).turns(first["conversation_id"])) == 2


def test_unknown_conversation_is_one_sentence(app):
    with pytest.raises(AppError, match="Unknown conversation 'nope'"):
        app.client().predict("hi", conversation_id="nope", api_name="/answer")


def test_feedback_is_stored_and_bad_feedback_is_refused(app):
    client = app.client()
    first = client.predict("Can I return my order?", api_name="/answer")
    cid = first["conversation_id"]
    assert client.predict(conversation_id=cid, turn=1, rating="down", reason="wrong",
                          correction="It is 30 days from delivery.", api_name="/feedback") == {"ok": True}
    assert store(app).feedback_for(cid) == {1: {"rating": "down", "reason": "wrong", "correction": "It is 30 days from delivery."}}
    with pytest.raises(AppError, match="has no turn 9"):
        client.predict(conversation_id=cid, turn=9, rating="up", api_name="/feedback")
    with pytest.raises(AppError, match="Unknown rating 'sideways'"):
        client.predict(conversation_id=cid, turn=1, rating="sideways", api_name="/feedback")


def test_asking_for_a_person_opens_a_ticket_and_the_bot_stays_quiet(app):
    client = app.client()
    first = client.predict("Can I return my order?", api_name="/answer")
    cid = first["conversation_id"]
    calls = len(app.backend.requests)
    handoff = client.predict("I want to talk to a human", conversation_id=cid, api_name="/answer")
    assert handoff["status"] == "handoff" and "person will reply" in handoff["text"]
    waiting = client.predict("hello? anyone?", conversation_id=cid, api_name="/answer")
    assert waiting["status"] == "handoff" and len(app.backend.requests) == calls  # no model call while a person has it
    tickets = [t for t in store(app).tickets() if t.conversation_id == cid]
    assert [t.reason for t in tickets] == ["requested"]
    zh = client.predict("转人工", api_name="/answer")
    assert zh["status"] == "handoff" and "人工客服" in zh["text"]


def test_two_dont_knows_in_a_row_go_to_a_person(app):
    client = app.client()
    app.retriever.by_keyword["VoltCare"] = []
    first = client.predict("Does VoltCare cover water damage?", api_name="/answer")
    assert first["status"] == "no_answer"
    second = client.predict("What about VoltCare for drops?", conversation_id=first["conversation_id"], api_name="/answer")
    assert second["status"] == "handoff" and "passed your conversation to a colleague" in second["text"]
    assert store(app).open_ticket_of(first["conversation_id"]).reason == "no_answer"


def test_small_talk_and_a_yes_to_the_offer_of_a_person_over_the_api(app):
    client = app.client()
    calls = len(app.backend.requests)
    hello = client.predict("Hi there!", api_name="/answer")
    assert hello["status"] == "small_talk" and hello["text"].startswith("Hello!") and hello["sources"] == []
    app.retriever.by_keyword["VoltCare"] = []
    cid = hello["conversation_id"]
    declined = client.predict("Does VoltCare cover water damage?", conversation_id=cid, api_name="/answer")
    assert declined["status"] == "no_answer" and declined["text"].endswith("person on our support team?")
    yes = client.predict("yes please", conversation_id=cid, api_name="/answer")
    assert yes["status"] == "handoff" and "person will reply" in yes["text"]
    assert store(app).open_ticket_of(cid).reason == "requested" and len(app.backend.requests) == calls


def test_the_console_lists_the_question_before_a_request_for_a_person(app):
    client = app.client()
    cid = client.predict("Does the HomeHub work with Alexa?", api_name="/answer")["conversation_id"]
    client.predict("talk to a human please", conversation_id=cid, api_name="/answer")
    ticket = store(app).open_ticket_of(cid)
    assert ticket.reason == "requested"
    agent = app.handlers.agent_login("alice", "alice-pass")
    row = next(r for r in app.handlers.console_tickets(agent) if r[0] == ticket.id)
    assert row[3] == "Does the HomeHub work with Alexa?"
    app.handlers.console_close(ticket.id, agent)


def test_handoff_agent_reply_and_messages_over_the_api(app):
    client = app.client()
    cid = client.predict("Can I return my order?", api_name="/answer")["conversation_id"]
    result = client.predict(conversation_id=cid, reason="customer is upset", api_name="/handoff")
    assert set(result) == {"ticket_id", "conversation_id", "status", "message"} and result["status"] == "handoff"
    handlers = app.handlers
    with pytest.raises(Exception, match="Log in as an agent first"):
        handlers.console_reply(result["ticket_id"], "Hi!", None)
    agent = handlers.agent_login("alice", "alice-pass")
    assert agent == "alice" and handlers.agent_login("alice", "wrong") is None
    row = next(r for r in handlers.console_tickets(agent) if r[0] == result["ticket_id"])
    assert row[3] == "Can I return my order?"
    turn = handlers.console_reply(result["ticket_id"], "Hi, Alice here: I have refunded you.", agent)
    after = client.predict(conversation_id=cid, after_turn=2, api_name="/messages")
    assert [(m["turn"], m["author"], m["answer"]) for m in after] == [(turn, "agent:alice", "Hi, Alice here: I have refunded you.")]
    assert [m["turn"] for m in client.predict(conversation_id=cid, api_name="/messages")] == [1, 2, 3]
    handlers.console_close(result["ticket_id"], agent)
    assert store(app).open_ticket_of(cid) is None
    again = client.predict("Can I return my order?", conversation_id=cid, api_name="/answer")
    assert again["status"] == "generated"  # the bot answers again once the ticket is closed


def test_translations_and_drafts_are_stored_but_not_counted_as_customer_service(app):
    from support.metrics import support_metrics

    before = support_metrics(store(app))["totals"]["conversations"]
    app.client().predict("Returns are free within 30 days.", "zh", "auto", api_name="/translate")
    app.client().predict("reply_email", "My headphones arrived damaged.", "friendly", api_name="/generate")
    with store(app).engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT scenario, channel, question FROM turns ORDER BY id DESC LIMIT 2").fetchall()
    assert rows == [("generate", "api", "reply_email: My headphones arrived damaged."),
                    ("translate", "api", "Returns are free within 30 days.")]
    assert support_metrics(store(app))["totals"]["conversations"] == before


def test_an_agents_answer_saved_as_faq_is_the_next_customers_direct_answer(tmp_path):
    """A live app over a real knowledge base (hash-embedded): the console saves an answer as an FAQ entry and
    the next customer asking gets it from the FAQ, with no model call."""
    from knowledge_base import KBSettings, KnowledgeBase
    from knowledge_base.embeddings import HashEmbedder
    from service.assistant import Assistant
    from service.settings import AssistantSettings
    from tests.app.conftest import AGENTS, start_app
    from tests.conftest import REPO
    from tests.fakes import scripted_backend

    settings = KBSettings(kb_dir=tmp_path / "kb", embedding_model=HashEmbedder.name)
    kb = KnowledgeBase.open(settings.kb_dir, settings, create=True, embedder=HashEmbedder())
    kb.ingest([REPO / "samples" / "kb" / "returns-and-refunds.html"])
    backend = scripted_backend()
    live = start_app(Assistant(backend, kb, AssistantSettings(company="Voltway")), kb, agents=AGENTS)
    try:
        client = live.client()
        question = "Can I return headphones I already opened and used?"
        first = client.predict(question, api_name="/answer")
        assert first["status"] != "faq"
        agent = live.handlers.agent_login("alice", AGENTS["alice"])
        message = live.handlers.console_save_faq(question, "Yes, within 30 days if they are undamaged and complete.", agent)
        assert message.startswith("Saved as FAQ entry correction-")
        calls = len(backend.requests)
        again = client.predict("can i return headphones i already opened and used", api_name="/answer")
        assert again["status"] == "faq" and again["text"].startswith("Yes, within 30 days if they are undamaged")
        assert len(backend.requests) == calls
    finally:
        live.close()
