"""An answer stopped before its end (the chat's Stop button, an API client that left) is stored as far as it went,
with status "stopped": its conversation exists for the next message, the dashboard can count answers cut short, and
neither the model's history nor the training data take it in."""

import pytest

from service.assistant import Assistant
from service.settings import AssistantSettings
from support.desk import SupportDesk
from support.export import export_conversations
from support.metrics import support_metrics
from support.store import ConversationStore, sqlite_url
from tests.fakes import plain_retriever, scripted_backend

LONG = "Returns are free within 30 days [1]. " * 20


@pytest.fixture
def desk(tmp_path):
    store = ConversationStore.open(sqlite_url(tmp_path))
    assistant = Assistant(scripted_backend(), plain_retriever(), AssistantSettings(company="Voltway", guard=False))
    yield SupportDesk(assistant, store)
    store.close()


def test_a_turn_closed_mid_answer_is_stored_as_far_as_it_went(desk, tmp_path):
    desk.assistant.backend.enqueue(LONG)
    question = "how long do I have to return an item?"
    turn = desk.answer(question, channel="ui")
    texts = iter(turn)
    for _ in range(5):
        shown = next(texts)
    texts.close()
    assert turn.status == "stopped" and turn.turn == 1 and turn.text == shown
    assert shown and len(shown) < len(LONG.strip())
    [stored] = desk.store.turns(turn.conversation_id)
    assert (stored.status, stored.question, stored.answer) == ("stopped", question, shown)

    # The conversation goes on, without the stopped exchange in what the model reads.
    follow_up = desk.answer("and can I exchange it instead?", conversation_id=turn.conversation_id, channel="ui")
    follow_up.collect()
    messages, _ = desk.assistant.backend.requests[-1]
    assert question not in [m["content"] for m in messages]
    assert [t.status for t in desk.store.turns(turn.conversation_id)] == ["stopped", "generated"]

    out = tmp_path / "support.jsonl"
    export_conversations(desk.store, out)
    assert question not in out.read_text(encoding="utf-8")
    statuses = {row["status"]: row["count"] for row in support_metrics(desk.store)["statuses"]}
    assert statuses == {"stopped": 1, "generated": 1}
