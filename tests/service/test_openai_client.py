"""The OpenAI-compatible streaming client against a scripted fake server: every failure is one clear
error, and nothing hangs past its timeout."""

import time

import pytest

from service.backends import GenerationParams
from service.backends.openai_http import OpenAIChatBackend
from service.errors import BackendResponseError, BackendTimeoutError, BackendUnavailableError
from tests.conftest import free_port
from tests.service.fake_openai_server import FakeOpenAIServer

MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.fixture
def server():
    with FakeOpenAIServer() as server:
        yield server


def client(url: str, **kwargs) -> OpenAIChatBackend:
    return OpenAIChatBackend(url, connect_timeout_s=2, first_token_timeout_s=kwargs.pop("timeout", 5), **kwargs)


def test_streams_chunks_in_order_and_sends_the_parameters(server):
    backend = client(server.base_url)
    params = GenerationParams(max_tokens=7, min_tokens=2, temperature=0.0, stop=("\n",), seed=3, model="support")
    assert list(backend.stream(MESSAGES, params)) == ["Hel", "lo", " world"]
    sent = server.requests[-1]
    assert sent["model"] == "support" and sent["stream"] is True
    assert (sent["max_tokens"], sent["min_tokens"], sent["temperature"], sent["stop"], sent["seed"]) == (7, 2, 0.0, ["\n"], 3)
    assert "top_k" not in sent and "repetition_penalty" not in sent  # unset: the server's defaults


def test_top_k_and_repetition_penalty_are_sent_when_set(server):
    client(server.base_url).complete(MESSAGES, GenerationParams(top_k=20, repetition_penalty=1.05))
    sent = server.requests[-1]
    assert (sent["top_k"], sent["repetition_penalty"]) == (20, 1.05)


def test_log_probabilities_come_with_the_chunks_when_asked_for(server):
    backend = client(server.base_url)
    chunks = list(backend.stream(MESSAGES, GenerationParams(logprobs=True)))
    assert server.requests[-1]["logprobs"] is True
    assert chunks == ["Hel", "lo", " world"]
    assert [c.logprobs for c in chunks] == [(-0.1,), (-0.5, -0.2), (-0.3, -0.4)]


def test_log_probabilities_are_not_asked_for_by_default(server):
    chunks = list(client(server.base_url).stream(MESSAGES, GenerationParams()))
    assert "logprobs" not in server.requests[-1]
    assert [getattr(c, "logprobs", ()) for c in chunks] == [(), (), ()]


def test_lists_base_models_before_adapters_and_defaults_to_the_base(server):
    backend = client(server.base_url)
    assert backend.models() == ["base", "support"]
    backend.complete(MESSAGES)
    assert server.requests[-1]["model"] == "base"


def test_refused_connection_is_unavailable():
    backend = client(f"http://127.0.0.1:{free_port()}/v1", model="m")
    with pytest.raises(BackendUnavailableError, match="Cannot reach the model server"):
        backend.complete(MESSAGES)


def test_http_500_reports_status_and_server_message(server):
    server.behaviour = "http_500"
    with pytest.raises(BackendResponseError, match="HTTP 500: CUDA out of memory"):
        client(server.base_url, model="m").complete(MESSAGES)


def test_stream_without_done_is_truncated(server):
    server.behaviour = "truncated"
    with pytest.raises(BackendResponseError, match="closed the stream before the answer was complete"):
        client(server.base_url, model="m").complete(MESSAGES)


def test_connection_dropped_mid_answer(server):
    server.behaviour = "dropped"
    chunks = []
    with pytest.raises(BackendResponseError, match="dropped the connection mid-answer"):
        for chunk in client(server.base_url, model="m").stream(MESSAGES, GenerationParams()):
            chunks.append(chunk)
    assert chunks == ["Hel"]  # what arrived before the failure was delivered


def test_slow_first_token_times_out_instead_of_hanging(server):
    server.behaviour, server.delay_s = "slow_first_token", 5.0
    started = time.monotonic()
    with pytest.raises(BackendTimeoutError, match="sent nothing for 0.5 s"):
        client(server.base_url, model="m", timeout=0.5).complete(MESSAGES)
    assert time.monotonic() - started < 3


def test_non_sse_body_is_garbage(server):
    server.behaviour = "garbage"
    with pytest.raises(BackendResponseError, match="not an SSE stream"):
        client(server.base_url, model="m").complete(MESSAGES)


def test_error_event_in_stream(server):
    server.behaviour = "error_event"
    with pytest.raises(BackendResponseError, match="engine died"):
        client(server.base_url, model="m").complete(MESSAGES)
