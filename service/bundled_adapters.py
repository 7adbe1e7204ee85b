"""The LoRA adapters the repository ships for a bundled model, and how they are served with `ASSISTANT_BUNDLED_ADAPTERS`.

An adapter here was trained by the project (`make adapter`), is small enough to commit (bfloat16, under 20 MB), and
answers some languages better than its base model does, so it answers those languages and the base the rest. Off by
default: the grounded 1.5B adapter answers twice as many Chinese questions right, and also answers about half of those
the documents do not cover (README, "Choosing the model"). `with_bundled_adapters(settings)` adds each adapter of the served bundled model to
what the managed server serves: on a GPU as a LoRA adapter (vLLM applies it per request), on vLLM's CPU build
merged into the base once (`DATA_DIR/models/BASE-NAME-HASH`, since vLLM's CPU LoRA is several times slower) and served
as an extra model on a server of its own. `answer_models_for(served)` is the default of the settings'
`answer_models`: each served bundled adapter for its languages.

On a CPU, a server of its own needs memory beside the base model's: where the system has less available than both
take, the adapter is left out with a log line, and its languages are answered by the base model.

Contract: the settings come back unchanged where `bundled_adapters` is off, the engine is not a managed vLLM
server, the model is no bundled model with a shipped adapter, or the user already serves a model by the adapter's
name. A merged copy is made again when the shipped adapter's weights change (the folder name carries their hash).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from service.errors import ModelNotFoundError
from service.model_registry import find_bundled
from service.settings import Settings

REPO = Path(__file__).resolve().parents[1]
WEIGHTS = "adapter_model.safetensors"


@dataclass(frozen=True)
class BundledAdapter:
    name: str  # what it is served and selected as
    base: str  # the bundled model it was trained on
    path: Path  # the PEFT adapter folder in the repository
    languages: tuple[str, ...]  # the answer languages it answers by default
    description: str = ""
    # The base model's verdict on this adapter's answers (`service.quote_verdict`): with the guard, an answer of the
    # adapter stands only when the base says it answers the question with at least this probability, else the base
    # answers; calibrated per adapter (docs/models.md, session 53). None: its answers are not put to the base.
    min_vouch: float | None = None

    @property
    def shipped(self) -> bool:
        return (self.path / "adapter_config.json").is_file() and (self.path / WEIGHTS).is_file()

    def weights_hash(self) -> str:
        return hashlib.sha256((self.path / WEIGHTS).read_bytes()).hexdigest()[:12]


ADAPTERS: tuple[BundledAdapter, ...] = (
    BundledAdapter(
        name="grounded-zh",
        base="qwen2.5-coder-1.5b-instruct",
        path=REPO / "adapters" / "grounded-qwen2.5-coder-1.5b-instruct",
        languages=("zh",),
        description="`make adapter ADAPTER_BASE=qwen2.5-coder-1.5b-instruct`: answers from passages and declines; "
        "Chinese answers only (it answers English ones worse than the base)",
        min_vouch=0.70,
    ),
)


def shipped_adapter(name: str | None, adapters: Iterable[BundledAdapter] = ADAPTERS) -> BundledAdapter | None:
    """The shipped adapter served as `name`, or None."""
    return next((a for a in adapters if a.name == name and a.shipped), None)


def adapters_for(model: str, adapters: Iterable[BundledAdapter] = ADAPTERS) -> list[BundledAdapter]:
    """The shipped adapters of the bundled model `model` names (none for any other model)."""
    bundled = find_bundled(model)
    return [a for a in adapters if bundled is not None and a.base == bundled.name and a.shipped]


def with_bundled_adapters(
    settings: Settings, *, cpu: bool, log: Callable[[str], None] = print, adapters: Iterable[BundledAdapter] = ADAPTERS,
    check_memory: bool = True,
) -> Settings:
    """`settings` with the served bundled model's shipped adapters added: as LoRA adapters, or (`cpu`) merged into the
    base (once) and served as extra models, where (`check_memory`) the system has the memory for their servers (not
    checked when the servers are running already)."""
    if not settings.bundled_adapters or settings.engine != "vllm" or settings.llm_url:
        return settings
    lora, extra = dict(settings.adapters), dict(settings.extra_models)
    for adapter in adapters_for(settings.model, adapters):
        if adapter.name in lora or adapter.name in extra:
            continue
        if cpu:
            available = memory_available() if check_memory else None
            need = server_memory(settings) * (2 + len(extra)) if available is not None else 0
            if available is not None and available < need:
                log(f"Not serving the {adapter.name} adapter: its server needs memory beside the base model's (about "
                    f"{need / GIB:.0f} GB for both, {available / GIB:.0f} GB available); "
                    f"{'/'.join(adapter.languages)} answers come from the base model.")
                continue
            extra[adapter.name] = str(merged_checkpoint(adapter, settings.data_dir, log=log))
        else:
            lora[adapter.name] = adapter.path
    if (lora, extra) == (settings.adapters, settings.extra_models):
        return settings
    return settings.model_copy(update={"adapters": lora, "extra_models": extra})


GIB = 1 << 30
# Beside its weights and KV cache, a vLLM CPU server holds about 3 GB: its API server, engine core, worker runtime and
# compiled graphs (the 1.5B in bfloat16 with a 2 GB cache: 7.3 GB worker, 1.3 GB API server, 1.0 GB engine core).
SERVER_OVERHEAD = 3 * GIB


def server_memory(settings: Settings) -> int:
    """About how much memory one vLLM CPU server of the bundled model takes: its checkpoint, its KV cache, the rest."""
    from service.models import resolve_model

    checkpoint = Path(resolve_model(settings.model, settings.data_dir).source)
    weights = sum(f.stat().st_size for f in checkpoint.glob("*.safetensors"))
    return weights + settings.kv_cache_gb * GIB + SERVER_OVERHEAD


def memory_available() -> int | None:
    """The memory the system can give new processes (Linux MemAvailable), in bytes; None where unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def merged_checkpoint(adapter: BundledAdapter, data_dir: Path, *, log: Callable[[str], None] = print) -> Path:
    """The adapter merged into its base model (`python -m finetune merge`), made once per version of its weights; a
    failed merge is a one-sentence `ModelNotFoundError`."""
    output = Path(data_dir) / "models" / f"{adapter.base}-{adapter.name}-{adapter.weights_hash()}"
    if (output / "config.json").is_file():
        return output
    log(f"Merging the {adapter.name} adapter into {adapter.base} for the CPU server (once, about a minute)...")
    # In a child process: the model's memory goes back to the system with it, not to this process's heap.
    command = [sys.executable, "-m", "finetune", "merge", "--adapter", str(adapter.path), "--output", str(output),
               "--base", adapter.base, "--data-dir", str(data_dir)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise ModelNotFoundError(f"Could not merge the {adapter.name} adapter into {adapter.base}: {why}")
    return output


def answer_models_for(served: Iterable[str], adapters: Iterable[BundledAdapter] = ADAPTERS) -> dict[str, str]:
    """Per answer language, the served bundled adapter that answers it."""
    served = set(served)
    return {language: a.name for a in adapters if a.name in served for language in a.languages}
