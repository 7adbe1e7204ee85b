"""`kill -9` of the app during a stream of answers loses no turn whose reply the customer received."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from support.store import ConversationStore, sqlite_url
from tests.conftest import REPO, free_port

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def wait_for_port(port: int, process: subprocess.Popen, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read().decode(errors="replace")[-2000:]
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    raise AssertionError("the app did not start")


def test_sigkill_during_a_stream_of_answers_loses_no_answered_turn(tmp_path):
    from gradio_client import Client

    port = free_port()
    # Four customers from one address: the per-client rate limit raised for the run.
    env = {**os.environ, "ASSISTANT_ENGINE": "scripted", "ASSISTANT_KB_EMBEDDING_MODEL": "hash",
           "ASSISTANT_RATE_LIMIT_PER_MINUTE": "100000", "ASSISTANT_STREAMS_PER_CLIENT": "8"}
    app = subprocess.Popen(
        [sys.executable, "app.py", "--kb", str(tmp_path / "kb"), "--no-samples", "--data-dir", str(tmp_path), "--port", str(port)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, app)
        received: list[tuple[str, int]] = []
        lock, stop = threading.Lock(), threading.Event()

        def customer(n: int) -> None:
            client = Client(f"http://127.0.0.1:{port}/", verbose=False)
            while not stop.is_set():
                try:
                    result = client.predict(f"How do returns work? ({n})", api_name="/answer")
                except Exception:  # noqa: BLE001 - the app was killed under us
                    return
                with lock:
                    received.append((result["conversation_id"], result["turn"]))

        threads = [threading.Thread(target=customer, args=(n,), daemon=True) for n in range(4)]
        for t in threads:
            t.start()
        while len(received) < 40:
            time.sleep(0.05)
        app.send_signal(signal.SIGKILL)
        app.wait(timeout=30)
        stop.set()
        for t in threads:
            t.join(timeout=30)
    finally:
        if app.poll() is None:
            app.kill()

    store = ConversationStore.open(sqlite_url(tmp_path))
    missing = [(cid, turn) for cid, turn in received if not store.exists(cid) or turn not in {t.turn for t in store.turns(cid)}]
    assert len(received) >= 40 and missing == []
