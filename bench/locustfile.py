"""Customers asking the sample questions, with think time, over the app's streaming /chat endpoint.

    .venv/bin/locust -f bench/locustfile.py --headless -u 32 -r 4 -t 10m --host http://127.0.0.1:7860

Plain HTTP, as a browser or an embedding site calls Gradio's API: POST /gradio_api/call/chat, then read the
event stream. Each simulated customer sends its own X-Forwarded-For address, so that an app that trusts
the local proxy (ASSISTANT_TRUSTED_PROXIES=["127.0.0.1"]) keys its rate limits per customer. Reported
request names: `asked` (counted before the question is sent), `chat` (the event stream; a failure is an
error event or a broken stream), `answer` (time from the question to the whole answer), `first token` (to
the first streamed text), `busy` and `rate_limited` (refusals, counted apart from errors).
`bench/load.py` starts the app, runs this and checks the app's memory and its stored turns.
"""

from __future__ import annotations

import itertools
import json
import random
import time
from pathlib import Path

from locust import HttpUser, between, task

QUESTIONS = [json.loads(line)["question"] for line in (Path(__file__).resolve().parents[1] / "samples" / "qa_dev.jsonl")
             .read_text(encoding="utf-8").splitlines() if line.strip()]
_addresses = itertools.count(1)


class Customer(HttpUser):
    wait_time = between(3, 8)  # reading the answer, typing the next question

    def on_start(self) -> None:
        n = next(_addresses)
        self.address = f"10.77.{n // 250}.{n % 250 + 1}"

    @task
    def ask(self) -> None:
        headers = {"X-Forwarded-For": self.address}
        # Counted before it is sent: a customer stopped mid-request at the end of the run is in `asked`
        # even when locust records neither its submission nor its answer.
        self._record("asked", 0)
        started = time.perf_counter()
        with self.client.post("/gradio_api/call/chat", json={"data": [random.choice(QUESTIONS), [], None, None, None, None, None]},
                              headers=headers, name="chat (submit)", catch_response=True) as posted:
            if posted.status_code != 200:
                posted.failure(f"HTTP {posted.status_code}")
                return
            event_id = posted.json()["event_id"]
        with self.client.get(f"/gradio_api/call/chat/{event_id}", headers=headers, stream=True, name="chat",
                             catch_response=True) as stream:
            outcome, first = self._read(stream, started)
            if first is not None:
                self._record("first token", first)
            elapsed = (time.perf_counter() - started) * 1000
            if outcome in ("busy", "rate_limited"):
                self._record(outcome, elapsed)
                stream.success()
            elif outcome != "complete":
                stream.failure(outcome)
            else:
                self._record("answer", elapsed)

    def _read(self, stream, started: float) -> tuple[str, float | None]:
        """('complete' | 'busy' | 'rate_limited' | an error, ms to the first text)."""
        event, first = None, None
        for raw in stream.iter_lines():
            line = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                data = line.split(":", 1)[1].strip()
                if event == "error":
                    return ("busy" if "queue is full" in data.lower() else f"error event: {data[:200]}"), first
                if event in ("generating", "complete") and first is None and data not in ("null", ""):
                    first = (time.perf_counter() - started) * 1000
                    text = json.loads(data)[0]
                    if "faster than we can answer" in text or "already getting" in text:
                        return "rate_limited", first
                if event == "complete":
                    return "complete", first
        return "stream ended without a result", first

    def _record(self, name: str, milliseconds: float) -> None:
        self.environment.events.request.fire(request_type="SSE", name=name, response_time=milliseconds,
                                             response_length=0, exception=None, context={})
