"""Train a LoRA (or QLoRA) adapter on support transcripts and evaluate it on held-out conversations.

Contract of `train(args)`:
- reads and cleans the transcripts (`finetune.data`), puts the app's customer-service system prompt
  in front of each conversation, and holds out `eval_fraction` of them (seeded);
- trains a peft LoRA adapter with TRL's `SFTTrainer`, the loss on assistant tokens only; with
  `load_in_4bit` the base is loaded in NF4 by bitsandbytes (QLoRA), on CPU or GPU;
- evaluates the held-out loss before and after, checkpoints every `save_steps` into
  `<output>/checkpoints` and resumes from the last one when run again with the same output, data and
  training settings (a fingerprint of both is kept beside the checkpoints; other data or settings are a
  one-sentence error before anything is overwritten, and `resume=False` starts over, clearing them);
- writes `<output>/adapter/` (adapter_config.json, adapter_model.safetensors), `loss_curve.png`,
  `report.md` (loss and perplexity before/after, sample replies base vs adapted), `metrics.json`
  and the cleaned `data/train.jsonl` / `data/eval.jsonl`; returns the metrics.
"""

import argparse
import hashlib
import json
import math
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from finetune.data import Conversation, clean, load_transcripts, split, write_jsonl
from finetune.errors import FinetuneError

DEFAULT_BASE = "smollm2-135m-instruct"
DEFAULT_TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def speaker_label(value: str) -> tuple[str, str]:
    """`NAME=user` or `NAME=assistant` (a `--speaker` flag) as (name, role)."""
    name, _, role = value.partition("=")
    if not name or role not in ("user", "assistant"):
        raise argparse.ArgumentTypeError(f"expected NAME=user or NAME=assistant, got {value!r}")
    return name.strip().lower(), role


@dataclass
class TrainArgs:
    """What to train on, how, and where to write it. Every field is a `train` CLI flag (`finetune.cli_args`):
    its type, default and help are written here only."""

    data: list[Path] = field(
        metadata={"help": "Transcript files: OpenAI chat JSONL, ShareGPT JSONL, CSV or plain text.", "cli": {"metavar": "FILE"}}
    )
    output: Path = field(
        metadata={"help": "Output folder: adapter/, checkpoints/, report.md, loss_curve.png.", "cli": {"metavar": "DIR"}}
    )
    base: str = field(
        default=DEFAULT_BASE,
        metadata={"help": "Base model: the bundled model's name, a local checkpoint folder or a Hugging Face id.",
                  "cli": {"metavar": "MODEL"}},
    )
    data_dir: Path = field(default=Path("data"), metadata={"help": "Where the bundled model is converted and cached."})
    load_in_4bit: bool = field(
        default=False, metadata={"help": "QLoRA: load the base in 4-bit NF4 (bitsandbytes).", "flag": "--4bit"}
    )
    max_steps: int | None = field(
        default=None,
        metadata={"help": "Optimizer steps; overrides --epochs.", "exclusive": "length", "cli": {"metavar": "N"}},
    )
    epochs: float = field(
        default=1.0,
        metadata={"help": "Passes over the training conversations.", "exclusive": "length", "cli": {"metavar": "N"}},
    )
    eval_fraction: float = field(
        default=0.1, metadata={"help": "Share of conversations held out for evaluation.", "cli": {"metavar": "F"}}
    )
    max_conversations: int | None = field(
        default=None,
        metadata={"help": "Use only the first N usable conversations (quick runs).", "cli": {"metavar": "N"}},
    )
    max_length: int = field(
        default=512, metadata={"help": "Tokens per conversation; longer ones are truncated (keeps memory bounded)."}
    )
    batch_size: int = field(default=4, metadata={"help": "Conversations per optimizer step (per device)."})
    gradient_accumulation_steps: int = field(default=1, metadata={"help": "Batches accumulated per optimizer step."})
    learning_rate: float = field(default=2e-4, metadata={"help": "Peak learning rate (linear decay, short warmup)."})
    lora_r: int = field(default=8, metadata={"help": "LoRA rank; servers need --max-lora-rank at least this."})
    lora_alpha: int = field(default=16, metadata={"help": "LoRA scaling numerator (scale = alpha / r)."})
    # 0 by default: with dropout, peft keeps a dropped copy of every adapted layer's input for the backward pass
    # (bench/finetune.py: +290 MiB and +30% time a step on the bundled model); the held-out loss guards overfitting.
    lora_dropout: float = field(default=0.0, metadata={"help": "Dropout on the LoRA input (0 = off)."})
    target_modules: tuple[str, ...] = field(
        default=DEFAULT_TARGET_MODULES, metadata={"help": "Linear layers that get LoRA weights."}
    )
    gradient_checkpointing: bool = field(
        default=True,
        metadata={"help": "Recompute activations in the backward pass: far less memory for about 30% more time a step.",
                  "cli": {"help": "Keep activations instead of recomputing them: about 30% faster, much more memory."}},
    )
    eval_steps: int | None = field(default=None, metadata={"help": "Evaluate every N steps (default: 5 times a run)."})
    save_steps: int = field(default=50, metadata={"help": "Write a resumable checkpoint every N steps."})
    logging_steps: int | None = field(default=None, metadata={"help": "Log the training loss every N steps."})
    seed: int = field(default=42, metadata={"help": "Seed for the split, LoRA initialisation and data order."})
    resume: bool = field(
        default=True,
        metadata={"help": "Resume from the last checkpoint in <output>/checkpoints.",
                  "cli": {"help": "Start over, deleting the checkpoints of an earlier run."}},
    )
    samples: int = field(default=3, metadata={"help": "Held-out customer messages answered by base and adapted model."})
    sample_max_tokens: int = field(default=64, metadata={"help": "Longest sample reply, in tokens."})
    speakers: dict[str, str] = field(
        default_factory=dict,
        metadata={"help": "Extra speaker labels mapped to user/assistant.", "flag": "--speaker", "cli": {
            "type": speaker_label, "action": "append", "default": [], "metavar": "NAME=ROLE",
            "help": "Extra speaker labels mapped to user/assistant. Repeatable, e.g. --speaker tom=assistant."}},
    )
    redact_pii: bool = field(
        default=True,
        metadata={"help": "Redact e-mails, phones, card and ID numbers.", "flag": "--no-redact",
                  "cli": {"help": "Keep personal data as is."}},
    )
    company: str | None = field(default=None, metadata={"help": "Company name in the system prompt."})
    progress: bool = field(default=True, metadata={"help": "Show progress bars.", "cli": {"help": "Hide progress bars."}})


def train(args: TrainArgs, log: Callable[[str], None] | None = None) -> dict:
    """Run the whole pipeline (see the module docstring); returns the metrics written to metrics.json."""
    return run(args, log)[0]


def run(args: TrainArgs, log: Callable[[str], None] | None = None):
    """`train`, also returning the trainer (its model holds the base and the trained adapter) for inspection."""
    log = log or (lambda message: print(message, file=sys.stderr, flush=True))
    output = Path(args.output)
    _validate(args)

    # Data first: a bad file should fail in a second, before any model is loaded.
    loaded, stats, train_set, eval_set = prepare_data(args, log)
    checkpoint = _checkpoint_to_resume(args, output / "checkpoints", train_set)
    (output / "data").mkdir(parents=True, exist_ok=True)
    write_jsonl(train_set, output / "data" / "train.jsonl")
    write_jsonl(eval_set, output / "data" / "eval.jsonl")
    model, tokenizer, inference_template, base_source = load_base(args, log)
    trainer = build_trainer(args, model, tokenizer, train_set, eval_set)

    log("Evaluating the base model on the held-out conversations...")
    eval_before = trainer.evaluate(metric_key_prefix="eval")["eval_loss"]
    if checkpoint:
        log(f"Resuming from {checkpoint}.")
    started = time.perf_counter()
    train_output = trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    train_seconds = time.perf_counter() - started
    eval_after = trainer.evaluate(metric_key_prefix="eval")["eval_loss"]

    adapter_dir = output / "adapter"
    trainer.model.save_pretrained(adapter_dir)
    log(f"Adapter written to {adapter_dir}.")

    from finetune.report import sample_replies, save_loss_curve, write_report

    samples = sample_replies(trainer.model, tokenizer, inference_template, eval_set, args.samples, args.sample_max_tokens)
    metrics = {
        "eval_loss_before": eval_before,
        "eval_loss_after": eval_after,
        "eval_perplexity_before": _perplexity(eval_before),
        "eval_perplexity_after": _perplexity(eval_after),
        "train_examples": len(train_set),
        "eval_examples": len(eval_set),
        **_run_metrics(trainer, train_output, train_seconds, checkpoint),
        "base": base_source,
        "load_in_4bit": args.load_in_4bit,
        "malformed_records": len(loaded.problems),
        "cleaning": stats.as_dict(),
        "adapter_dir": str(adapter_dir),
        "report": str(output / "report.md"),
        "loss_curve": str(output / "loss_curve.png"),
    }
    save_loss_curve(trainer.state.log_history, eval_before, output / "loss_curve.png")
    write_report(output / "report.md", metrics, samples, loaded.problems, _json_args(args))
    (output / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    return metrics, trainer


def prepare_data(args: TrainArgs, log: Callable[[str], None]):
    """Load and clean the transcripts and hold out the evaluation share: (loaded, cleaning stats, train set,
    eval set). `run` writes both under <output>/data once it knows the run may go on."""
    from service.prompts import DEFAULT_COMPANY, customer_service_system_prompt

    loaded = load_transcripts(args.data, args.speakers, progress=args.progress)
    for problem in loaded.problems[:20]:
        log(f"Skipped {problem}")
    if len(loaded.problems) > 20:
        log(f"... and {len(loaded.problems) - 20} more malformed records skipped.")
    system_prompt = customer_service_system_prompt(args.company or DEFAULT_COMPANY)
    conversations, stats = clean(loaded.conversations, system_prompt, redact_pii=args.redact_pii)
    if args.max_conversations:
        conversations = conversations[: args.max_conversations]
    train_set, eval_set = split(conversations, args.eval_fraction, args.seed)
    log(
        f"{len(conversations)} conversations ({len(loaded.problems)} malformed records skipped, "
        f"{stats.duplicates} duplicates and {stats.without_assistant} without an agent reply dropped, "
        f"{sum(stats.redactions.values())} personal data items redacted): "
        f"{len(train_set)} for training, {len(eval_set)} held out."
    )
    return loaded, stats, train_set, eval_set


# What the trained weights depend on besides the data: a checkpoint made with other values is not resumed.
# The length of the run (max_steps, epochs) is left out: resuming with more steps is how a run is extended.
_FINGERPRINTED = ("base", "load_in_4bit", "max_length", "batch_size", "gradient_accumulation_steps", "learning_rate",
                  "lora_r", "lora_alpha", "lora_dropout", "target_modules", "seed")


def _fingerprint(args: TrainArgs, train_set: list[Conversation]) -> str:
    digest = hashlib.sha256(json.dumps({k: str(getattr(args, k)) for k in _FINGERPRINTED}, sort_keys=True).encode())
    for conversation in train_set:
        digest.update(json.dumps(conversation.messages, ensure_ascii=False, sort_keys=True).encode())
    return digest.hexdigest()


def _checkpoint_to_resume(args: TrainArgs, folder: Path, train_set: list[Conversation]) -> Path | None:
    """The last checkpoint in `folder` if this run may resume from it (None to start over, after clearing
    `folder`); records this run's fingerprint there. Raises `FinetuneError` when the checkpoints were
    trained on other data or settings, before anything is overwritten."""
    fingerprint = _fingerprint(args, train_set)
    record = folder / "run.json"
    checkpoint = _last_checkpoint(folder) if args.resume else None
    if checkpoint and record.exists() and json.loads(record.read_text(encoding="utf-8"))["fingerprint"] != fingerprint:
        raise FinetuneError(
            f"The checkpoints in {folder} were trained on other data or settings; pass --no-resume to start over "
            "(they are deleted) or choose another --output."
        )
    if not checkpoint and folder.exists():
        shutil.rmtree(folder)  # a fresh run: a stale checkpoint with a higher step must not be resumed later
    folder.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps({"fingerprint": fingerprint}) + "\n", encoding="utf-8")
    return checkpoint


def _run_metrics(trainer, train_output, train_seconds: float, checkpoint: Path | None) -> dict:
    return {
        "steps": trainer.state.global_step,
        "train_loss": train_output.training_loss,
        "train_seconds": round(train_seconds, 1),
        "train_tokens": int(trainer.state.num_input_tokens_seen),
        "resumed_from": str(checkpoint) if checkpoint else None,
    }


def _validate(args: TrainArgs) -> None:
    if args.max_steps is not None and args.max_steps < 1:
        raise FinetuneError(f"--max-steps must be at least 1 (got {args.max_steps}).")
    if args.max_steps is None and args.epochs <= 0:
        raise FinetuneError(f"--epochs must be positive (got {args.epochs}).")
    if args.lora_r < 1 or args.batch_size < 1 or args.max_length < 16:
        raise FinetuneError("--lora-r and --batch-size must be at least 1 and --max-length at least 16.")


def _perplexity(loss: float) -> float:
    return math.exp(loss) if loss < 50 else float("inf")


def _json_args(args: TrainArgs) -> dict:
    return json.loads(json.dumps(asdict(args), default=str))


def _last_checkpoint(folder: Path) -> Path | None:
    if not folder.is_dir():
        return None
    from transformers.trainer_utils import get_last_checkpoint

    last = get_last_checkpoint(str(folder))
    return Path(last) if last else None


def device_setup() -> tuple[str, "object"]:
    """("cuda", bf16 or fp16) on a GPU; ("cpu", float32) otherwise: this CPU has no native bf16."""
    import torch

    if torch.cuda.is_available():
        return "cuda", torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return "cpu", torch.float32


def load_base(args: TrainArgs, log: Callable[[str], None]):
    """The base model (LoRA not yet applied), its tokenizer with the training template, and the inference template."""
    import torch
    from transformers import AutoTokenizer

    from finetune.template import training_chat_template
    from service.errors import ModelNotFoundError
    from service.loading import load_causal_lm
    from service.models import resolve_model

    try:
        resolved = resolve_model(args.base, Path(args.data_dir), log=log)
    except ModelNotFoundError as e:
        raise FinetuneError(str(e)) from e
    device, dtype = device_setup()
    try:
        tokenizer = AutoTokenizer.from_pretrained(resolved.source)
    except OSError as e:
        raise FinetuneError(f"Could not load the tokenizer of {resolved.source}: {e}; check --base.") from e
    inference_template = tokenizer.chat_template
    tokenizer.chat_template = training_chat_template(tokenizer)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    log(f"Loading {resolved.source} on {device}{' in 4-bit NF4' if args.load_in_4bit else ''}...")
    try:
        model = load_causal_lm(resolved.source, dtype, load_in_4bit=args.load_in_4bit)
    except OSError as e:
        raise FinetuneError(f"Could not load the base model {resolved.source}: {e}; check --base.") from e
    if args.load_in_4bit:
        import bitsandbytes as bnb
        from peft import prepare_model_for_kbit_training

        # On CPUs with AVX512-BF16, bitsandbytes repacks 4-bit weights for fast inference on the first
        # no-grad forward (our "before" evaluation) and keeps them so; the repacked kernel has no backward,
        # so later training steps would get no gradient through the base layers. Keep the trainable layout.
        for module in model.modules():
            if isinstance(module, bnb.nn.Linear4bit):
                module.support_avx512bf16_for_cpu = False

        # The trainer turns gradient checkpointing on (or not) from its config; peft would otherwise force it on.
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    torch.manual_seed(args.seed)
    return model, tokenizer, inference_template, resolved.source


def sft_config(args: TrainArgs, train_examples: int):
    """TRL's configuration for `args`: schedule, evaluation and checkpoint steps, precision by device."""
    import torch
    from trl import SFTConfig

    device, dtype = device_setup()
    steps = args.max_steps or max(
        1, math.ceil(train_examples / (args.batch_size * args.gradient_accumulation_steps) * args.epochs)
    )
    return SFTConfig(
        output_dir=str(Path(args.output) / "checkpoints"),
        max_steps=args.max_steps or -1,
        num_train_epochs=args.epochs,
        per_device_train_batch_size=args.batch_size,
        per_device_eval_batch_size=args.batch_size,
        gradient_accumulation_steps=args.gradient_accumulation_steps,
        learning_rate=args.learning_rate,
        lr_scheduler_type="linear",
        warmup_steps=max(1, steps // 20),
        max_length=args.max_length,
        assistant_only_loss=True,
        packing=False,
        eval_strategy="steps",
        eval_steps=args.eval_steps or max(1, steps // 5),
        save_strategy="steps",
        save_steps=args.save_steps,
        save_total_limit=2,
        logging_steps=args.logging_steps or max(1, steps // 50),
        seed=args.seed,
        data_seed=args.seed,
        bf16=device == "cuda" and dtype == torch.bfloat16,
        fp16=device == "cuda" and dtype == torch.float16,
        # Activations, not weights, dominate the memory of adapter training on a small model (bench/finetune.py).
        gradient_checkpointing=args.gradient_checkpointing,
        gradient_checkpointing_kwargs={"use_reentrant": False},
        report_to="none",
        disable_tqdm=not args.progress,
        include_num_input_tokens_seen="non_padding",
        dataloader_num_workers=0,
        dataloader_pin_memory=device == "cuda",
        save_only_model=False,
    )


def build_trainer(
    args: TrainArgs, model, tokenizer, train_set: list[Conversation], eval_set: list[Conversation], *, lora: bool = True
):
    """TRL's SFTTrainer with a fresh LoRA adapter; assistant-only loss; precision chosen by device.

    `lora=False` trains every weight instead (full fine-tuning), for `bench/finetune.py` to compare against.
    """
    from datasets import Dataset
    from peft import LoraConfig
    from trl import SFTTrainer

    config = sft_config(args, len(train_set))
    lora_config = LoraConfig(
        r=args.lora_r,
        lora_alpha=args.lora_alpha,
        lora_dropout=args.lora_dropout,
        target_modules=list(args.target_modules),
        task_type="CAUSAL_LM",
    )
    as_dataset = lambda items: Dataset.from_list([{"messages": c.messages} for c in items])  # noqa: E731
    trainer = SFTTrainer(
        model=model,
        args=config,
        train_dataset=as_dataset(train_set),
        eval_dataset=as_dataset(eval_set),
        processing_class=tokenizer,
        peft_config=lora_config if lora else None,
    )
    # TRL drops conversations whose agent turns were all cut off by truncation.
    if len(trainer.train_dataset) == 0 or len(trainer.eval_dataset) == 0:
        raise FinetuneError(
            f"--max-length {args.max_length} is too short: the system prompt and customer turns fill it before any "
            "agent reply; raise --max-length (e.g. 512)."
        )
    return trainer
