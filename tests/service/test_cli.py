"""The `python -m service` contract, run as a user runs it: a subprocess, its output, its exit code."""

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO, free_port


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "service", *args], cwd=REPO, capture_output=True, text=True, timeout=timeout
    )


def test_unknown_model_is_one_clear_line_and_exit_1():
    result = run_cli("chat", "--port", str(free_port()), "--model", "gpt-7", "hello")
    assert result.returncode == 1
    assert result.stderr.strip().startswith("Error: Unknown model 'gpt-7'")
    assert "Traceback" not in result.stderr


def test_serve_on_a_busy_port_is_refused(tiny_chat_model):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli("serve", "--model", str(tiny_chat_model), "--port", str(port))
    assert result.returncode == 1
    assert f"Port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_setting_read_by_a_command_is_one_clear_line_and_exit_1():
    env = {**os.environ, "ASSISTANT_TEMPERATURE": "9"}
    result = subprocess.run(
        [sys.executable, "-m", "service", "ask", "--llm-url", f"http://127.0.0.1:{free_port()}/v1", "hi"],
        cwd=REPO, capture_output=True, text=True, timeout=120, env=env,
    )
    assert result.returncode == 1
    assert result.stderr.strip().startswith("Error:") and "TEMPERATURE" in result.stderr.upper()
    assert "Traceback" not in result.stderr


def test_bad_adapter_flag_is_an_argument_error():
    result = run_cli("serve", "--adapter", "no-equals-sign")
    assert result.returncode == 2 and "is not NAME=PATH" in result.stderr


@pytest.mark.slow
def test_chat_with_the_local_engine_streams_an_answer(tiny_chat_model):
    # Greedy: a random model sampled may draw only whitespace or its end token (seen once in CI).
    result = run_cli("chat", "--engine", "local", "--model", str(tiny_chat_model), "--max-tokens", "5", "--temperature", "0", "hello")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


@pytest.mark.integration
def test_chat_against_a_running_server(vllm_server):
    result = run_cli("chat", "--llm-url", vllm_server.base_url, "--temperature", "0", "What is the capital of France?")
    assert result.returncode == 0, result.stderr
    assert "Paris" in result.stdout


@pytest.mark.integration
def test_chat_with_the_bundled_model_in_process(bundled_model):
    result = run_cli("chat", "--engine", "local", "--temperature", "0", "What is the capital of France?")
    assert result.returncode == 0, result.stderr
    assert "Paris" in result.stdout


def _descendants(pid: int) -> set[int]:
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    found = {int(c) for c in children}
    for child in list(found):
        found |= _descendants(child)
    return found


@pytest.mark.integration
def test_serve_answers_then_stops_on_sigterm_leaving_no_process(bundled_model, tmp_path):
    import httpx

    port = free_port()
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(REPO / "data")}
    serve = subprocess.Popen(
        [sys.executable, "-m", "service", "serve", "--port", str(port)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        lines = []
        for line in serve.stdout:  # "Serving ... at http://127.0.0.1:PORT/v1" once ready
            lines.append(line)
            if line.startswith("Serving"):
                break
        assert any(f"http://127.0.0.1:{port}/v1" in line for line in lines), "".join(lines)
        models = httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=10).json()
        assert [m["id"] for m in models["data"]] == ["smollm2-135m-instruct"]
        tree = _descendants(serve.pid)
        assert len(tree) >= 2  # vLLM's API server and its engine
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(os.path.exists(f"/proc/{p}") for p in tree):
        time.sleep(0.2)
    assert not [p for p in tree if os.path.exists(f"/proc/{p}")], "vLLM processes outlived `serve`"


@pytest.mark.integration
def test_vllm_failing_to_start_is_reported(tmp_path):
    (tmp_path / "config.json").write_text('{"model_type": "nonsense", "architectures": ["Nope"]}')
    result = run_cli("serve", "--model", str(tmp_path), "--port", str(free_port()), timeout=600)
    assert result.returncode == 1
    assert "vLLM exited with code" in result.stderr and "full log:" in result.stderr
    assert "Traceback" not in result.stderr.split("Error:")[-1]
