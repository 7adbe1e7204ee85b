"""Full fine-tuning vs LoRA vs QLoRA on the bundled model: peak memory and training tokens/s, side by side.

Each variant runs in a fresh Python process (so one variant's memory never counts for the next) on
the same conversations, the same steps and the same batch shape, through the same TRL trainer that
`python -m finetune train` uses. Peak memory is the process's peak resident set size (the kernel's
high-water mark, `ru_maxrss`, loading included), what an out-of-memory killer sees. Next to it, the
peak heap in use: the most memory allocated and not yet freed while the optimizer steps run (glibc's
`mallinfo2`, sampled every 10 ms): gradients, optimizer state, activations and 4-bit weights, without
the interpreter, the libraries, freed memory the allocator keeps for reuse, and the base weights,
which are memory-mapped from the checkpoint (the same 538 MB for every variant, in RSS only).
Tokens/s counts non-padding tokens over the training wall time.

    .venv/bin/python bench/finetune.py
    .venv/bin/python bench/finetune.py --steps 8 --batch-size 2 --max-length 192 --variants lora qlora
    .venv/bin/python bench/finetune.py --shape smollm2-360m    # a larger model's shapes, random weights

`--shape` trains a randomly initialised model with the layer shapes of a larger model (and the bundled
tokenizer): memory and speed depend on shapes, not on weight values, so this shows how the ratios move
with model size without downloading anything. Its losses mean nothing.

Targets (issue 4): LoRA peak memory <= 0.5x full fine-tuning, QLoRA below LoRA.
"""

import argparse
import ctypes
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "stc3" / "dialogues_en.jsonl"
VARIANTS = ("full", "lora", "qlora")
# Published configurations (Hugging Face config.json) of larger models that share the bundled tokenizer.
SHAPES = {
    "smollm2-360m": {"hidden_size": 960, "intermediate_size": 2560, "num_hidden_layers": 32,
                     "num_attention_heads": 15, "num_key_value_heads": 5, "head_dim": 64},
}


def random_model_with_shape(shape: str, base: str, folder: Path) -> Path:
    """Save a randomly initialised copy of `base`'s architecture with `SHAPES[shape]`, and its tokenizer."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    sys.path.insert(0, str(REPO))
    from service.models import resolve_model

    source = resolve_model(base, REPO / "data").source
    config = AutoConfig.from_pretrained(source)
    for key, value in SHAPES[shape].items():
        setattr(config, key, value)
    torch.manual_seed(0)
    AutoModelForCausalLM.from_config(config, dtype=torch.float32).save_pretrained(folder)
    AutoTokenizer.from_pretrained(source).save_pretrained(folder)
    return folder


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost"
    )]


def _glibc_mallinfo2():
    try:
        mallinfo2 = ctypes.CDLL("libc.so.6").mallinfo2
    except (OSError, AttributeError):
        return None
    mallinfo2.restype = _MallInfo2
    return mallinfo2


_MALLINFO2 = _glibc_mallinfo2()  # looked up once: the sampler calls heap_in_use every 10 ms


def heap_in_use() -> int | None:
    """Bytes malloc has handed out and not had back (glibc only; None elsewhere)."""
    if _MALLINFO2 is None:
        return None
    info = _MALLINFO2()
    return info.uordblks + info.hblkhd  # in use in the heaps + large blocks mmapped on their own


def worker(variant: str, options: argparse.Namespace) -> dict:
    """One variant, in this (fresh) process."""
    import resource

    import psutil

    sys.path.insert(0, str(REPO))
    from finetune.data import clean, load_transcripts, split
    from finetune.train import TrainArgs, build_trainer, load_base
    from service.prompts import customer_service_system_prompt

    process = psutil.Process()
    conversations, _ = clean(load_transcripts([options.data]).conversations, customer_service_system_prompt())
    train_set, eval_set = split(conversations[: options.conversations], 0.1, seed=0)
    with tempfile.TemporaryDirectory() as output:
        args = TrainArgs(
            data=[options.data], output=Path(output), base=options.base, load_in_4bit=variant == "qlora",
            max_steps=options.steps, batch_size=options.batch_size, max_length=options.max_length,
            gradient_checkpointing=options.gradient_checkpointing, lora_dropout=options.lora_dropout,
            eval_steps=10**6, save_steps=10**6, logging_steps=1, progress=False, seed=0,
        )
        model, tokenizer, _, _ = load_base(args, log=lambda message: None)
        trainer = build_trainer(args, model, tokenizer, train_set, eval_set, lora=variant != "full")
        trainable = sum(p.numel() for p in trainer.model.parameters() if p.requires_grad)
        rss_loaded = process.memory_info().rss

        peak, peak_heap = [rss_loaded], [heap_in_use() or 0]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.01):
                peak[0] = max(peak[0], process.memory_info().rss)
                peak_heap[0] = max(peak_heap[0], heap_in_use() or 0)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
    return {
        "variant": variant,
        "trainable_params": trainable,
        "rss_after_load_mb": rss_loaded / 2**20,
        "peak_rss_training_mb": peak[0] / 2**20,
        "peak_heap_mb": peak_heap[0] / 2**20 if _MALLINFO2 is not None else None,
        "peak_rss_process_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # Linux: KiB
        "train_seconds": seconds,
        "tokens": int(trainer.state.num_input_tokens_seen),
        "tokens_per_s": trainer.state.num_input_tokens_seen / seconds,
        "final_loss": next((e["loss"] for e in reversed(trainer.state.log_history) if "loss" in e), None),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="Transcripts to train on (STC-3 English).")
    parser.add_argument("--base", default="smollm2-135m-instruct", help="Base model (default: the bundled one).")
    parser.add_argument("--conversations", type=int, default=60, help="Conversations to draw batches from.")
    parser.add_argument("--steps", type=int, default=6, help="Optimizer steps per variant.")
    parser.add_argument("--batch-size", type=int, default=2, help="Conversations per step.")
    parser.add_argument("--max-length", type=int, default=192, help="Tokens per conversation (truncated).")
    parser.add_argument(
        "--no-gradient-checkpointing", dest="gradient_checkpointing", action="store_false",
        help="Keep activations (every variant) instead of recomputing them.",
    )
    parser.add_argument("--lora-dropout", type=float, default=0.0, help="LoRA dropout (the trainer's default: 0).")
    parser.add_argument("--shape", choices=sorted(SHAPES), help="Random weights with a larger model's shapes.")
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--json", type=Path, help="Also write the results to this JSON file.")
    parser.add_argument("--worker", choices=VARIANTS, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if not options.data.is_file():
        print(f"Error: {options.data} does not exist; pass transcripts with --data.", file=sys.stderr)
        return 2

    if options.worker:
        print(json.dumps(worker(options.worker, options)))
        return 0

    if options.shape:
        with tempfile.TemporaryDirectory() as folder:
            print(f"Building a random {options.shape}-shaped model...", file=sys.stderr, flush=True)
            options.base = str(random_model_with_shape(options.shape, options.base, Path(folder)))
            return compare(options, label=f"random weights, {options.shape} shapes")
    return compare(options, label=options.base)


def compare(options: argparse.Namespace, label: str) -> int:
    """Run every variant in a fresh process and print the table."""
    results = []
    passthrough = [
        "--data", str(options.data), "--base", options.base, "--conversations", str(options.conversations),
        "--steps", str(options.steps), "--batch-size", str(options.batch_size), "--max-length", str(options.max_length),
        "--lora-dropout", str(options.lora_dropout),
        *([] if options.gradient_checkpointing else ["--no-gradient-checkpointing"]),
    ]
    for variant in options.variants:
        print(f"Running {variant} in a fresh process...", file=sys.stderr, flush=True)
        completed = subprocess.run(
            [sys.executable, __file__, *passthrough, "--worker", variant],
            capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"},
        )
        if completed.returncode != 0:
            print(completed.stderr[-3000:], file=sys.stderr)
            print(f"Error: the {variant} run failed (exit {completed.returncode}).", file=sys.stderr)
            return 1
        results.append(json.loads(completed.stdout.strip().splitlines()[-1]))

    by_name = {r["variant"]: r for r in results}
    reference = by_name.get("full")
    print(
        f"\n{options.steps} steps x {options.batch_size} conversations x <= {options.max_length} tokens, "
        f"{label}, gradient checkpointing {'on' if options.gradient_checkpointing else 'off'}, "
        f"LoRA dropout {options.lora_dropout}, {os.cpu_count()} CPUs\n"
    )
    print("| variant | trainable params | peak RSS | vs full | peak heap in use | vs full | tokens/s | vs full |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")

    def ratio(r: dict, key: str) -> str:
        return f"{r[key] / reference[key]:.2f}x" if reference and r[key] and reference[key] else "n/a"

    for r in results:
        heap = f"{r['peak_heap_mb']:.0f} MiB" if r["peak_heap_mb"] else "n/a"
        print(
            f"| {r['variant']} | {r['trainable_params'] / 1e6:.2f} M | {r['peak_rss_process_mb']:.0f} MiB | "
            f"{ratio(r, 'peak_rss_process_mb')} | {heap} | {ratio(r, 'peak_heap_mb')} | "
            f"{r['tokens_per_s']:.1f} | {ratio(r, 'tokens_per_s')} |"
        )
    print()
    if reference and "lora" in by_name:
        lora = by_name["lora"]["peak_rss_process_mb"] / reference["peak_rss_process_mb"]
        print(f"LoRA peak RSS {lora:.2f}x full fine-tuning (target <= 0.5x): {'met' if lora <= 0.5 else 'NOT met'}")
    if "lora" in by_name and "qlora" in by_name:
        below = by_name["qlora"]["peak_rss_process_mb"] < by_name["lora"]["peak_rss_process_mb"]
        print(f"QLoRA peak RSS below LoRA: {'met' if below else 'NOT met'}")
    if options.json:
        options.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
