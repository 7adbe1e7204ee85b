"""Fine-tune the assistant on your own support transcripts: LoRA or QLoRA, evaluated, ready to serve.

Examples (from the project root):

    .venv/bin/python -m finetune train --data ../shared/data/stc3/dialogues_en.jsonl --output runs/stc3 --max-steps 200
    .venv/bin/python -m finetune train --data chats.csv transcripts.txt --output runs/support --4bit --epochs 2
    .venv/bin/python -m finetune prepare --data chats.csv --output runs/cleaned.jsonl
    .venv/bin/python -m finetune merge --adapter runs/stc3/adapter --output runs/stc3-merged
    .venv/bin/python -m service serve --adapter support=runs/stc3/adapter

`train` prints progress on stderr and ends with one JSON line on stdout (eval_loss_before,
eval_loss_after, train_examples, eval_examples, adapter_dir, ...).
"""

import argparse
import contextlib
import json
import sys
from dataclasses import fields
from pathlib import Path

from finetune.errors import FinetuneError
from finetune.train import TrainArgs

_HELP = {f.name: f.metadata.get("help", "") for f in fields(TrainArgs)}
_DEFAULTS = TrainArgs(data=[], output=Path("."))


def _speaker(value: str) -> tuple[str, str]:
    name, _, role = value.partition("=")
    if not name or role not in ("user", "assistant"):
        raise argparse.ArgumentTypeError(f"expected NAME=user or NAME=assistant, got {value!r}")
    return name.strip().lower(), role


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m finetune", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="Train a LoRA adapter and write it with a report.")
    train.add_argument("--data", nargs="+", type=Path, required=True, metavar="FILE", help=_HELP["data"])
    train.add_argument("--output", type=Path, required=True, metavar="DIR", help=_HELP["output"])
    train.add_argument("--base", default=_DEFAULTS.base, metavar="MODEL", help=_HELP["base"])
    train.add_argument("--data-dir", type=Path, default=_DEFAULTS.data_dir, help=_HELP["data_dir"])
    train.add_argument("--4bit", dest="load_in_4bit", action="store_true", help=_HELP["load_in_4bit"])
    length = train.add_mutually_exclusive_group()
    length.add_argument("--max-steps", type=int, metavar="N", help=_HELP["max_steps"])
    length.add_argument("--epochs", type=float, default=_DEFAULTS.epochs, metavar="N", help=_HELP["epochs"])
    train.add_argument("--eval-fraction", type=float, default=_DEFAULTS.eval_fraction, metavar="F", help=_HELP["eval_fraction"])
    train.add_argument("--max-conversations", type=int, metavar="N", help=_HELP["max_conversations"])
    train.add_argument("--max-length", type=int, default=_DEFAULTS.max_length, help=_HELP["max_length"])
    train.add_argument("--batch-size", type=int, default=_DEFAULTS.batch_size, help=_HELP["batch_size"])
    train.add_argument(
        "--gradient-accumulation-steps", type=int, default=_DEFAULTS.gradient_accumulation_steps,
        help=_HELP["gradient_accumulation_steps"],
    )
    train.add_argument("--learning-rate", type=float, default=_DEFAULTS.learning_rate, help=_HELP["learning_rate"])
    train.add_argument("--lora-r", type=int, default=_DEFAULTS.lora_r, help=_HELP["lora_r"])
    train.add_argument("--lora-alpha", type=int, default=_DEFAULTS.lora_alpha, help=_HELP["lora_alpha"])
    train.add_argument("--lora-dropout", type=float, default=_DEFAULTS.lora_dropout, help=_HELP["lora_dropout"])
    train.add_argument(
        "--target-modules", nargs="+", default=list(_DEFAULTS.target_modules), help=_HELP["target_modules"]
    )
    train.add_argument(
        "--no-gradient-checkpointing", dest="gradient_checkpointing", action="store_false",
        help="Keep activations instead of recomputing them: about 30%% faster, much more memory.",
    )
    train.add_argument("--eval-steps", type=int, help=_HELP["eval_steps"])
    train.add_argument("--save-steps", type=int, default=_DEFAULTS.save_steps, help=_HELP["save_steps"])
    train.add_argument("--logging-steps", type=int, help=_HELP["logging_steps"])
    train.add_argument("--seed", type=int, default=_DEFAULTS.seed, help=_HELP["seed"])
    train.add_argument("--no-resume", dest="resume", action="store_false", help="Start over even if checkpoints exist.")
    train.add_argument("--samples", type=int, default=_DEFAULTS.samples, help=_HELP["samples"])
    train.add_argument("--sample-max-tokens", type=int, default=_DEFAULTS.sample_max_tokens, help=_HELP["sample_max_tokens"])
    train.add_argument(
        "--speaker", dest="speakers", type=_speaker, action="append", default=[], metavar="NAME=ROLE",
        help=_HELP["speakers"] + " Repeatable, e.g. --speaker tom=assistant.",
    )
    train.add_argument("--no-redact", dest="redact_pii", action="store_false", help="Keep personal data as is.")
    train.add_argument("--company", help=_HELP["company"])
    train.add_argument("--no-progress", dest="progress", action="store_false", help="Hide progress bars.")

    prepare = commands.add_parser("prepare", help="Only load and clean transcripts; write OpenAI chat JSONL.")
    prepare.add_argument("--data", nargs="+", type=Path, required=True, metavar="FILE", help=_HELP["data"])
    prepare.add_argument("--output", type=Path, required=True, metavar="FILE", help="The cleaned JSONL to write.")
    prepare.add_argument(
        "--speaker", dest="speakers", type=_speaker, action="append", default=[], metavar="NAME=ROLE",
        help=_HELP["speakers"],
    )
    prepare.add_argument("--no-redact", dest="redact_pii", action="store_false", help="Keep personal data as is.")
    prepare.add_argument("--company", help=_HELP["company"])

    merge = commands.add_parser("merge", help="Merge an adapter into its base model; write a plain checkpoint.")
    merge.add_argument("--adapter", type=Path, required=True, metavar="DIR", help="The adapter/ folder train wrote.")
    merge.add_argument("--output", type=Path, required=True, metavar="DIR", help="A new folder for the merged model.")
    merge.add_argument("--base", help="Base model (default: the one named in adapter_config.json).")
    merge.add_argument("--data-dir", type=Path, default=_DEFAULTS.data_dir, help=_HELP["data_dir"])
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        match args.command:
            case "train":
                options = vars(args)
                options.pop("command")
                options["speakers"] = dict(options["speakers"])
                options["target_modules"] = tuple(options["target_modules"])
                from finetune.train import train

                # Library logs (the trainer prints its loss dicts) go to stderr: stdout is the one JSON line.
                with contextlib.redirect_stdout(sys.stderr):
                    metrics = train(TrainArgs(**options))
                print(json.dumps(metrics), flush=True)
            case "prepare":
                from finetune.data import clean, load_transcripts, write_jsonl
                from service.prompts import DEFAULT_COMPANY, customer_service_system_prompt

                loaded = load_transcripts(args.data, dict(args.speakers), progress=True)
                for problem in loaded.problems:
                    print(f"Skipped {problem}", file=sys.stderr)
                prompt = customer_service_system_prompt(args.company or DEFAULT_COMPANY)
                conversations, stats = clean(loaded.conversations, prompt, redact_pii=args.redact_pii)
                args.output.parent.mkdir(parents=True, exist_ok=True)
                write_jsonl(conversations, args.output)
                print(json.dumps({"output": str(args.output), "malformed_records": len(loaded.problems), **stats.as_dict()}))
            case "merge":
                from finetune.merge import merge

                merged = merge(args.adapter, args.output, args.base, args.data_dir)
                print(json.dumps({"merged_dir": str(merged)}))
    except FinetuneError as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted; run the same command again to resume from the last checkpoint.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
