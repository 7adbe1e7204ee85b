"""Full fine-tuning vs LoRA vs QLoRA on the bundled model: peak memory and training tokens/s, side by side.

Each variant runs in a fresh Python process (so one variant's memory never counts for the next) on
the same conversations, the same steps and the same batch shape, through the same TRL trainer that
`python -m finetune train` uses. Peak memory is the process's peak resident set size: the kernel's
high-water mark (`ru_maxrss`, loading included) and the highest RSS sampled every 10 ms while the
optimizer steps run. Tokens/s counts non-padding tokens over the training wall time.

    .venv/bin/python bench/finetune.py
    .venv/bin/python bench/finetune.py --steps 8 --batch-size 2 --max-length 192 --variants lora qlora

Targets (issue 4): LoRA peak memory <= 0.5x full fine-tuning, QLoRA below LoRA.
"""

import argparse
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
            eval_steps=10**6, save_steps=10**6, logging_steps=1, progress=False, seed=0,
        )
        model, tokenizer, _, _ = load_base(args, log=lambda message: None)
        trainer = build_trainer(args, model, tokenizer, train_set, eval_set, lora=variant != "full")
        trainable = sum(p.numel() for p in trainer.model.parameters() if p.requires_grad)
        rss_loaded = process.memory_info().rss

        peak = [rss_loaded]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.01):
                peak[0] = max(peak[0], process.memory_info().rss)

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

    results = []
    passthrough = [
        "--data", str(options.data), "--base", options.base, "--conversations", str(options.conversations),
        "--steps", str(options.steps), "--batch-size", str(options.batch_size), "--max-length", str(options.max_length),
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
        f"{options.base}, {os.cpu_count()} CPUs\n"
    )
    header = "| variant | trainable params | peak RSS (process) | peak RSS (training) | vs full | tokens/s | vs full |"
    print(header)
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        memory_ratio = f"{r['peak_rss_process_mb'] / reference['peak_rss_process_mb']:.2f}x" if reference else "n/a"
        speed_ratio = f"{r['tokens_per_s'] / reference['tokens_per_s']:.2f}x" if reference else "n/a"
        print(
            f"| {r['variant']} | {r['trainable_params'] / 1e6:.2f} M | {r['peak_rss_process_mb']:.0f} MiB | "
            f"{r['peak_rss_training_mb']:.0f} MiB | {memory_ratio} | {r['tokens_per_s']:.1f} | {speed_ratio} |"
        )
    if reference and "lora" in by_name:
        lora = by_name["lora"]["peak_rss_process_mb"] / reference["peak_rss_process_mb"]
        print(f"\nLoRA peak memory {lora:.2f}x full fine-tuning (target <= 0.5x): {'met' if lora <= 0.5 else 'NOT met'}")
    if "lora" in by_name and "qlora" in by_name:
        below = by_name["qlora"]["peak_rss_process_mb"] < by_name["lora"]["peak_rss_process_mb"]
        print(f"QLoRA peak memory below LoRA: {'met' if below else 'NOT met'}")
    if options.json:
        options.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
