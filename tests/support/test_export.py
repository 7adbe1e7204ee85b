"""Stored conversations as training data: the export's rules, its CLI, and the file trained on."""

import json

import pytest

from support.export import export_conversations, training_messages
from support.store import ConversationStore, TurnRecord, sqlite_url


def turn(question, answer, status="generated", channel="api", author="assistant"):
    return TurnRecord(channel=channel, scenario="chat", question=question, answer=answer, status=status, author=author)


@pytest.fixture
def store(tmp_path):
    store = ConversationStore.open(sqlite_url(tmp_path))
    a = store.new_conversation("api")
    store.add_turn(a, turn("how long do i have to return headphones", "30 days [1]"))  # rated up
    store.add_turn(a, turn("is return shipping free", "It costs 5 euros."))  # down, no correction
    store.add_turn(a, turn("do you refund to paypal", "Only bank transfer."))  # down, corrected
    store.add_turn(a, turn("x" * 10, "Your message is too long", status="rejected"))
    store.add_turn(a, turn("thanks!", "You're welcome! Is there anything else I can help you with?", status="small_talk"))
    store.add_feedback(a, 1, "up")
    store.add_feedback(a, 2, "down", reason="wrong")
    store.add_feedback(a, 3, "down", reason="wrong", correction="Yes, refunds go back to PayPal.")
    b = store.new_conversation("ui")
    store.add_turn(b, turn("my card was charged twice, mail me at jo@example.com", "I don't know.", status="no_answer"))
    store.add_turn(b, turn("talk to a human", "A person will reply here shortly.", status="handoff"))
    store.add_turn(b, TurnRecord(channel="ui", scenario="agent", author="agent:alice", answer="Refunded the second charge.", status="agent"))
    c = store.new_conversation("eval")
    store.add_turn(c, turn("eval question", "eval answer", channel="eval"))
    d = store.new_conversation("api")
    store.add_turn(d, turn("where is my order", "On Mars."))
    store.add_feedback(d, 1, "down", reason="wrong")
    store.ids = (a, b, c, d)
    return store


def exported(store, tmp_path, **filters):
    path = tmp_path / "out.jsonl"
    export_conversations(store, path, **filters)
    return {row["conversation_id"]: row["messages"] for row in map(json.loads, path.read_text().splitlines())}


def test_corrections_replace_answers_and_thumbs_down_answers_are_left_out(store, tmp_path):
    a, b, _, _ = store.ids
    rows = exported(store, tmp_path)
    assert set(rows) == {a, b}  # eval and a conversation with nothing usable are not written
    assert rows[a] == [
        {"role": "user", "content": "how long do i have to return headphones"}, {"role": "assistant", "content": "30 days [1]"},
        {"role": "user", "content": "do you refund to paypal"}, {"role": "assistant", "content": "Yes, refunds go back to PayPal."},
    ]
    assert rows[b] == [
        {"role": "user", "content": "my card was charged twice, mail me at [EMAIL]"}, {"role": "assistant", "content": "I don't know."},
        {"role": "user", "content": "talk to a human"}, {"role": "assistant", "content": "Refunded the second charge."},
    ]


def test_filters_rating_up_and_corrected(store, tmp_path):
    a, b, _, _ = store.ids
    up = exported(store, tmp_path, rating="up")
    assert [m["content"] for m in up[a] if m["role"] == "assistant"] == ["30 days [1]", "Yes, refunds go back to PayPal."]
    assert [m["content"] for m in up[b]] == ["talk to a human", "Refunded the second charge."]  # a person's answer
    corrected = exported(store, tmp_path, corrected=True)
    assert [m["content"] for m in corrected[a]] == ["do you refund to paypal", "Yes, refunds go back to PayPal."]
    assert [m["content"] for m in corrected[b]] == ["talk to a human", "Refunded the second charge."]


def test_agents_reply_without_a_waiting_question_is_kept_after_the_last_answer(store):
    a = store.ids[0]
    store.add_turn(a, TurnRecord(channel="api", scenario="agent", author="agent:bob", answer="Also: free return labels.", status="agent"))
    messages = training_messages(store.turns(a), store.feedback_for(a))
    assert messages[-1] == {"role": "assistant", "content": "Yes, refunds go back to PayPal.\n\nAlso: free return labels."}


@pytest.mark.slow
def test_export_command_output_trains_with_finetune(store, tmp_path, tiny_chat_model, monkeypatch, capsys):
    from finetune.__main__ import main as finetune_main
    from service.__main__ import main

    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path))
    output = tmp_path / "export" / "support.jsonl"
    assert main(["export", "--output", str(output)]) == 0
    assert "Wrote 2 conversation(s)" in capsys.readouterr().out
    code = finetune_main(["train", "--data", str(output), "--output", str(tmp_path / "run"), "--base", str(tiny_chat_model),
                          "--max-steps", "2", "--max-length", "96", "--samples", "0", "--eval-fraction", "0.5", "--no-progress"])
    assert code == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["train_examples"] + result["eval_examples"] == 2 and result["steps"] == 2
    assert (tmp_path / "run" / "adapter" / "adapter_config.json").is_file()
