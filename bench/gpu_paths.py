"""Check the GPU paths that the CPU machines of CI never run: QLoRA and LoRA training, 4-bit loading with an
adapter in the in-process engine, and merging, all on CUDA.

The machines that lend a GPU here reach no model hub and take a small working tree, so the model is a random
one built here with a real tokenizer (`--tokenizer`, e.g. the bundled SmolLM2's folder): the check is of the
code paths (bitsandbytes NF4 on CUDA, peft, TRL's trainer in bf16, generation on the GPU), not of answer
quality. Training data is any `python -m finetune` input (`--data`), e.g. `finetune grounded-data` output.

    python bench/gpu_paths.py --tokenizer DIR --data FILE [--steps 30] [--out DIR]

Prints one line per check and, last, a JSON summary; exits 1 when a check failed. Runs on a CPU too (slowly),
which is how the script itself is tested before device time is spent on it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build_random_model(tokenizer_dir: Path, folder: Path) -> Path:
    """A 4-layer, 256-wide random Llama with `tokenizer_dir`'s tokenizer and chat template, saved in bf16."""
    import torch
    from transformers import AutoTokenizer

    from tests.tiny_models import save_random_llama

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    return save_random_llama(
        folder, tokenizer, hidden_size=256, layers=4, max_positions=2048, dtype=torch.bfloat16, tie_word_embeddings=True
    )


def run_cli(args: list[str], log_file: Path) -> tuple[int, float]:
    """Run `python -m ...args`, its output to `log_file`; (exit code, seconds)."""
    started = time.perf_counter()
    with log_file.open("w") as log:
        code = subprocess.call([sys.executable, "-m", *args], stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    return code, time.perf_counter() - started


def train(model: Path, data: Path, output: Path, steps: int, *, four_bit: bool, logs: Path) -> dict:
    name = "qlora" if four_bit else "lora"
    code, seconds = run_cli(
        [
            "finetune", "train", "--data", str(data), "--base", str(model), "--output", str(output),
            "--max-steps", str(steps), "--batch-size", "4", "--max-length", "1024", "--no-redact",
            "--eval-fraction", "0.05", "--eval-steps", str(steps), "--samples", "2", "--no-progress",
            *(["--4bit"] if four_bit else []),
        ],
        logs / f"train-{name}.log",
    )  # fmt: skip
    report = output / "report.md"
    if report.is_file():
        shutil.copy(report, logs / f"report-{name}.md")
    metrics_file = output / "metrics.json"  # finetune train's own record of the run
    summary = json.loads(metrics_file.read_text()) if metrics_file.is_file() else {}
    before, after = summary.get("eval_loss_before"), summary.get("eval_loss_after")
    return {
        "check": f"train {name}",
        # Training must train: the held-out loss falls, not merely "an adapter was written".
        "ok": code == 0
        and (output / "adapter" / "adapter_config.json").is_file()
        and None not in (before, after)
        and after < before,
        "exit": code,
        "eval_loss": [before, after],
        "train_seconds": summary.get("train_seconds"),
        "seconds": round(seconds, 1),
    }


def local_engine(model: Path, adapter: Path, *, four_bit: bool) -> dict:
    """The in-process engine on the GPU: where its weights are, 4-bit layers, a reply with the adapter."""
    import bitsandbytes as bnb
    import torch

    from service.backends import ChatMessage, GenerationParams
    from service.backends.local import TransformersBackend
    from service.models import ResolvedModel

    started = time.perf_counter()
    backend = TransformersBackend(
        ResolvedModel(str(model), model.name),
        quantization="bitsandbytes" if four_bit else "none",
        adapters={"support": adapter},
        dtype="bfloat16" if torch.cuda.is_available() else "float32",
    )
    devices = sorted({p.device.type for p in backend.model.parameters()})
    four_bit_layers = sum(isinstance(m, bnb.nn.Linear4bit) for m in backend.model.modules())
    messages = [ChatMessage(role="user", content="How long do I have to return an item?")]
    with_adapter = "".join(backend.stream(messages, GenerationParams(model="support", max_tokens=16, temperature=0)))
    base = "".join(backend.stream(messages, GenerationParams(max_tokens=16, temperature=0)))
    expected = ["cuda"] if torch.cuda.is_available() else ["cpu"]
    return {
        "check": f"local engine {'4-bit' if four_bit else 'full precision'} + adapter",
        "ok": devices == expected and (four_bit_layers > 0) == four_bit and bool(with_adapter) and bool(base),
        "devices": devices,
        "linear4bit_layers": four_bit_layers,
        "reply_chars": [len(with_adapter), len(base)],
        "seconds": round(time.perf_counter() - started, 1),
    }


def merge(adapter: Path, output: Path, logs: Path) -> dict:
    code, seconds = run_cli(
        ["finetune", "merge", "--adapter", str(adapter), "--output", str(output)], logs / "merge.log"
    )
    return {
        "check": "merge",
        "ok": code == 0 and (output / "config.json").is_file(),
        "exit": code,
        "seconds": round(seconds, 1),
    }


def environment() -> dict:
    import torch

    return {
        "torch": torch.__version__,
        "cuda": torch.cuda.is_available(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokenizer", type=Path, required=True, help="A folder with a tokenizer and chat template.")
    parser.add_argument("--data", type=Path, required=True, help="Training conversations for python -m finetune.")
    parser.add_argument("--steps", type=int, default=30, help="Optimizer steps per training run.")
    parser.add_argument("--out", type=Path, default=None, help="Where logs and reports are copied.")
    args = parser.parse_args()

    logs = args.out or Path(tempfile.mkdtemp(prefix="gpu-paths-logs-"))
    logs.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="gpu-paths-"))
    results = [{"check": "environment", "ok": True, **environment()}]
    model = build_random_model(args.tokenizer, work / "random-llama")
    for four_bit in (True, False):
        output = work / ("qlora" if four_bit else "lora")
        results.append(train(model, args.data.resolve(), output, args.steps, four_bit=four_bit, logs=logs))
        if results[-1]["ok"]:
            results.append(local_engine(model, output / "adapter", four_bit=four_bit))
    if (work / "qlora" / "adapter" / "adapter_config.json").is_file():
        results.append(merge(work / "qlora" / "adapter", work / "merged", logs))
    for result in results:
        print(("ok  " if result["ok"] else "FAIL"), json.dumps(result), flush=True)
    print(json.dumps({"ok": all(r["ok"] for r in results), "checks": len(results), "logs": str(logs)}))
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
