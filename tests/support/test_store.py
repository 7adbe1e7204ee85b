"""The conversation store on a real SQLite file: turns, feedback, tickets, migration, retention, durability."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from support.schema import SCHEMA_VERSION
from support.store import (
    ConversationStore,
    StoreError,
    TurnRecord,
    new_conversation_id,
    sqlite_url,
)


@pytest.fixture
def store(tmp_path):
    s = ConversationStore.open(sqlite_url(tmp_path))
    yield s
    s.close()


def record(question="How long do I have to return an item?", answer="30 days [1]", status="faq", **kw):
    return TurnRecord(channel="api", scenario="answer", question=question, answer=answer, status=status, **kw)


def test_turns_are_numbered_per_conversation_and_read_back_in_order(store):
    a, b = store.new_conversation("api"), store.new_conversation("ui")
    assert store.add_turn(a, record(sources=[{"doc_id": "faq.csv", "score": 0.93}])) == 1
    assert store.add_turn(b, record(question="hi")) == 1
    assert store.add_turn(a, record(question="and for headphones?", answer="Same.", status="generated")) == 2
    turns = store.turns(a)
    assert [t.turn for t in turns] == [1, 2]
    assert turns[0].sources == [{"doc_id": "faq.csv", "score": 0.93}]
    assert turns[1].question == "and for headphones?" and turns[1].status == "generated"
    assert turns[0].created_at.tzinfo is not None
    assert [t.turn for t in store.turns(a, after_turn=1)] == [2]


def test_history_keeps_answered_turns_and_agents_messages(store):
    cid = store.new_conversation("ui")
    store.add_turn(cid, record(question="q1", answer="a1", status="generated"))
    store.add_turn(cid, record(question="too long", answer="Your question is too long", status="rejected"))
    store.add_turn(cid, TurnRecord(channel="ui", scenario="agent", author="agent:alice", answer="Hi, Alice here.", status="agent"))
    assert store.history(cid, ("generated",)) == [
        {"role": "user", "content": "q1"}, {"role": "assistant", "content": "a1"},
        {"role": "assistant", "content": "Hi, Alice here."},
    ]


def test_unknown_conversation_or_turn_is_one_sentence_and_changes_nothing(store):
    cid = store.new_conversation("api")
    store.add_turn(cid, record())
    with pytest.raises(StoreError, match="Unknown conversation 'nope'"):
        store.add_turn("nope", record())
    with pytest.raises(StoreError, match="has no turn 7"):
        store.add_feedback(cid, 7, "down")
    with pytest.raises(StoreError, match="Unknown rating 'meh'; use one of up, down"):
        store.add_feedback(cid, 1, "meh")
    with pytest.raises(StoreError, match="Unknown reason"):
        store.add_feedback(cid, 1, "down", reason="boring")
    assert len(store.turns(cid)) == 1 and store.feedback_for(cid) == {}


def test_feedback_latest_wins(store):
    cid = store.new_conversation("api")
    store.add_turn(cid, record())
    store.add_feedback(cid, 1, "up")
    store.add_feedback(cid, 1, "down", reason="wrong", correction="  It is 30 days from delivery.  ")
    assert store.feedback_for(cid) == {1: {"rating": "down", "reason": "wrong", "correction": "It is 30 days from delivery."}}


def test_one_open_ticket_per_conversation_until_closed(store):
    cid = store.new_conversation("api")
    first = store.open_ticket(cid, "requested", note="talk to a human")
    assert store.open_ticket(cid, "no_answer").id == first.id
    assert [t.id for t in store.tickets()] == [first.id]
    closed = store.close_ticket(first.id, "alice")
    assert closed.status == "closed" and closed.closed_by == "alice" and store.tickets() == []
    assert store.open_ticket(cid, "no_answer").id != first.id


def test_purge_deletes_old_conversations_with_everything_they_hold(store):
    old, new = store.new_conversation("api"), store.new_conversation("api")
    for cid in (old, new):
        store.add_turn(cid, record())
        store.add_feedback(cid, 1, "down", reason="wrong")
        store.open_ticket(cid, "thumbs_down")
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE conversations SET updated_at = :t WHERE id = :id"),
                     {"t": datetime(2020, 1, 1, tzinfo=UTC), "id": old})
    assert store.purge(datetime.now(UTC) - timedelta(days=1)) == 1
    assert not store.exists(old) and store.exists(new)
    with store.engine.connect() as conn:
        for table in ("turns", "feedback", "tickets"):
            ids = conn.execute(sa.text(f"SELECT DISTINCT conversation_id FROM {table}")).scalars().all()
            assert ids == [new], table


def test_sqlite_runs_in_wal_with_full_sync_and_a_schema_version(tmp_path):
    store = ConversationStore.open(sqlite_url(tmp_path))
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    store.close()
    with sqlite3.connect(tmp_path / "conversations.sqlite3") as db:
        assert db.execute("SELECT value FROM store_meta WHERE key='schema_version'").fetchone() == (str(SCHEMA_VERSION),)


def test_a_store_from_a_newer_version_is_refused(tmp_path):
    ConversationStore.open(sqlite_url(tmp_path)).close()
    with sqlite3.connect(tmp_path / "conversations.sqlite3") as db:
        db.execute("UPDATE store_meta SET value='99' WHERE key='schema_version'")
    with pytest.raises(StoreError, match="schema version 99, newer than this app's"):
        ConversationStore.open(sqlite_url(tmp_path))


def test_a_committed_turn_survives_kill_9(tmp_path):
    """A child process stores turns and is killed with SIGKILL right after a commit: every turn whose
    add_turn returned is there."""
    script = f"""
import os, signal, sys
sys.path.insert(0, {str(__import__('pathlib').Path(__file__).resolve().parents[2])!r})
from support.store import ConversationStore, TurnRecord, sqlite_url
store = ConversationStore.open(sqlite_url({str(tmp_path)!r}))
cid = store.new_conversation("api")
for n in range(20):
    store.add_turn(cid, TurnRecord(channel="api", scenario="answer", question=f"q{{n}}", answer="a", status="generated"))
print(cid, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == -9, run.stderr
    cid = run.stdout.strip()
    store = ConversationStore.open(sqlite_url(tmp_path))
    assert [t.turn for t in store.turns(cid)] == list(range(1, 21))


def test_purge_command_deletes_old_conversations(tmp_path, monkeypatch, capsys):
    from service.__main__ import main

    store = ConversationStore.open(sqlite_url(tmp_path))
    old, new = store.new_conversation("api"), store.new_conversation("ui")
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE conversations SET updated_at = :t WHERE id = :id"), {"t": datetime(2025, 3, 1, tzinfo=UTC), "id": old})
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path))
    assert main(["purge", "--before", "2025-06-01"]) == 0
    assert "Deleted 1 conversation(s) last active before 2025-06-01" in capsys.readouterr().out
    assert not store.exists(old) and store.exists(new)


def fill_the_disk(store) -> None:
    """From now on the database file cannot grow: SQLite's own "database or disk is full" (SQLITE_FULL)."""
    with store.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
    store.engine.dispose()
    sa.event.listen(store.engine, "connect", lambda dbapi, _: dbapi.execute(f"PRAGMA max_page_count = {pages}"))
    scratch = new_conversation_id()
    store.add_turn(scratch, record(answer="x"), create=True)
    for size in (4096, 1024, 256, 64):  # use up the free space left in the pages there are
        try:
            while True:
                store.add_turn(scratch, record(answer="x" * size))
        except StoreError:
            pass


def test_a_full_disk_is_one_sentence_and_loses_nothing_stored(store):
    cid = new_conversation_id()
    store.add_turn(cid, record(), create=True)
    fill_the_disk(store)
    big = record(answer="x" * 200_000)  # needs new pages
    with pytest.raises(StoreError, match=r"^The conversation store could not be used \(database or disk is full\); nothing stored was changed\.$"):
        store.add_turn(cid, big)
    with pytest.raises(StoreError, match="disk is full"):
        store.add_turn(new_conversation_id(), big, create=True)
    assert [t.answer for t in store.turns(cid)] == ["30 days [1]"]  # the transaction rolled back


def test_the_customer_keeps_the_answer_and_is_told_it_was_not_saved(store):
    from service.assistant import Assistant
    from support.desk import SupportDesk
    from tests.fakes import FakeRetriever, scripted_backend

    desk = SupportDesk(Assistant(scripted_backend(), FakeRetriever()), store)
    first = desk.answer("How long do I have to return an item?", conversation_id=None, channel="api")
    first.collect()
    fill_the_disk(store)
    second = desk.answer("x" * 1900 + " and is it free?", conversation_id=first.conversation_id, channel="api")
    text = second.collect()
    assert "could not save this conversation" in text and second.turn is None
    assert [t.turn for t in store.turns(first.conversation_id)] == [first.turn]
