"""The conversation store on a real PostgreSQL server (Debian's package), started by the test as the
`postgres` user (initdb refuses root): what several app replicas behind a load balancer would share."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from support.store import ConversationStore, StoreError, TurnRecord
from tests.conftest import free_port

pytestmark = pytest.mark.integration


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        pytest.fail(f"PostgreSQL's {name} is missing: `make postgres` installs Debian's postgresql package.")
    return found[-1]


def _as_postgres(*args: str) -> list[str]:
    return args if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--", *args]


@pytest.fixture(scope="module")
def postgres_url():
    pytest.importorskip("psycopg", reason="the PostgreSQL driver (psycopg) comes with the dev extra")
    # Not under pytest's tmp folders: those are root's alone, and the server runs as `postgres`.
    root = Path(tempfile.mkdtemp(prefix="pg-test-"))
    data, sockets = root / "data", root / "run"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
    subprocess.run(_as_postgres(_bin("initdb"), "-D", str(data), "--auth=trust", "-U", "postgres", "-E", "UTF8"),
                   check=True, capture_output=True, timeout=120)
    port = free_port()
    subprocess.run(_as_postgres(_bin("pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "-t", "60",
                                "-o", f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1", "start"),
                   check=True, capture_output=True, timeout=120)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_postgres(_bin("pg_ctl"), "-D", str(data), "-m", "fast", "stop"), capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def record(question="How long do I have to return an item?", **kw):
    return TurnRecord(channel="api", scenario="answer", question=question, answer="30 days [1]", status="faq", **kw)


def test_the_store_works_the_same_on_postgresql(postgres_url):
    store = ConversationStore.open(postgres_url)
    again = ConversationStore.open(postgres_url)  # a second replica: the schema is already there
    cid = store.new_conversation("api")
    assert store.add_turn(cid, record(sources=[{"doc_id": "faq.csv", "score": 0.9}])) == 1
    assert again.add_turn(cid, record(question="and headphones?")) == 2
    assert [t.turn for t in again.turns(cid)] == [1, 2] and again.turns(cid)[0].sources[0]["doc_id"] == "faq.csv"
    store.add_feedback(cid, 2, "down", reason="wrong", correction="It is 30 days.")
    assert again.feedback_for(cid)[2]["correction"] == "It is 30 days."
    with pytest.raises(StoreError, match="has no turn 5"):
        store.add_feedback(cid, 5, "up")
    ticket = store.open_ticket(cid, "requested")
    assert again.open_ticket(cid, "no_answer").id == ticket.id
    assert again.close_ticket(ticket.id, "alice").status == "closed"
    assert store.turns(cid)[0].created_at.tzinfo is not None
    assert store.purge(datetime.now(UTC) - timedelta(days=1)) == 0 and store.exists(cid)
    assert store.purge(datetime.now(UTC) + timedelta(days=1)) >= 1 and not store.exists(cid)


def test_replicas_writing_one_conversation_at_once_number_its_turns_without_gaps(postgres_url):
    replicas = [ConversationStore.open(postgres_url) for _ in range(4)]
    cid = replicas[0].new_conversation("api")
    numbers: list[int] = []
    lock = threading.Lock()

    def write(store: ConversationStore) -> None:
        for n in range(10):
            turn = store.add_turn(cid, record(question=f"q{n}"))
            with lock:
                numbers.append(turn)

    threads = [threading.Thread(target=write, args=(s,)) for s in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(numbers) == list(range(1, 41))
    assert [t.turn for t in replicas[1].turns(cid)] == list(range(1, 41))
