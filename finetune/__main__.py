"""Fine-tune the assistant on your own support transcripts: LoRA or QLoRA, evaluated, ready to serve.

Examples (from the project root):

    .venv/bin/python -m finetune train --data ../shared/data/stc3/dialogues_en.jsonl --output runs/stc3 --max-steps 200
    .venv/bin/python -m finetune train --data chats.csv transcripts.txt --output runs/support --4bit --epochs 2
    .venv/bin/python -m finetune prepare --data chats.csv --output runs/cleaned.jsonl
    .venv/bin/python -m finetune grounded-data --set ../shared/data/stackfaq/kb.jsonl ../shared/data/stackfaq/dev_queries.jsonl --output runs/grounded.jsonl
    .venv/bin/python -m finetune merge --adapter runs/stc3/adapter --output runs/stc3-merged
    .venv/bin/python -m finetune export --adapter runs/stc3/adapter --output adapters/stc3 --base qwen2.5-coder-1.5b-instruct
    .venv/bin/python -m service serve --adapter support=runs/stc3/adapter

`train` prints progress on stderr and ends with one JSON line on stdout (eval_loss_before,
eval_loss_after, train_examples, eval_examples, adapter_dir, ...).
"""

import argparse
import contextlib
import json
import sys
from pathlib import Path

from finetune.errors import FinetuneError
from finetune.cli_args import add_dataclass_arguments, values_for
from finetune.train import TrainArgs

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m finetune", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="Train a LoRA adapter and write it with a report.")
    add_dataclass_arguments(train, TrainArgs)

    prepare = commands.add_parser("prepare", help="Only load and clean transcripts; write OpenAI chat JSONL.")
    add_dataclass_arguments(prepare, TrainArgs, only=("data", "speakers", "redact_pii", "company"))
    prepare.add_argument("--output", type=Path, required=True, metavar="FILE", help="The cleaned JSONL to write.")

    grounded = commands.add_parser(
        "grounded-data", help="Training data for answering from passages, from labelled FAQ queries (see finetune.grounded)."
    )
    grounded.add_argument("--set", nargs=2, action="append", required=True, type=Path, metavar=("FAQ", "QUERIES"),
                          dest="sets", help="An FAQ file and its labelled queries ({query, doc_id} JSONL). Repeatable.")
    grounded.add_argument("--output", type=Path, required=True, metavar="FILE", help="The OpenAI chat JSONL to write.")
    grounded.add_argument("-k", type=int, default=4, help="Passages per prompt, as the app retrieves (default 4).")
    grounded.add_argument("--decline-share", type=float, default=0.25, metavar="F",
                          help="Share of queries whose entry is left out and the reply declines (default 0.25).")
    grounded.add_argument("--context-share", type=float, default=0.0, metavar="F",
                          help="Share of answered queries whose entry is shown after another entry's text, as one "
                               "passage of a longer document (default 0).")
    grounded.add_argument("--reply", choices=("first", "closest"), default="first",
                          help="The reply: the entry's first sentences (default) or those closest to the query "
                               "(measured worse: README, \"Choosing the model\").")
    grounded.add_argument("--max-prompt-tokens", type=int, default=None, metavar="N",
                          help="Leave out examples whose prompt is longer (estimated tokens).")
    grounded.add_argument("--embedding-model", default=None, metavar="MODEL",
                          help="The app's embedding model (default: the knowledge base's default).")
    grounded.add_argument("--seed", type=int, default=42)

    merge = commands.add_parser("merge", help="Merge an adapter into its base model; write a plain checkpoint.")
    merge.add_argument("--adapter", type=Path, required=True, metavar="DIR", help="The adapter/ folder train wrote.")
    merge.add_argument("--output", type=Path, required=True, metavar="DIR", help="A new folder for the merged model.")
    merge.add_argument("--base", help="Base model (default: the one named in adapter_config.json).")
    merge.add_argument("--scale", type=float, default=1.0,
                       help="Multiply the adapter's update by this before merging (default 1: as trained).")
    add_dataclass_arguments(merge, TrainArgs, only=("data_dir",))

    export = commands.add_parser("export", help="Write an adapter's config and bfloat16 weights only, to ship it.")
    export.add_argument("--adapter", type=Path, required=True, metavar="DIR", help="The adapter/ folder train wrote.")
    export.add_argument("--output", type=Path, required=True, metavar="DIR", help="The folder to write.")
    export.add_argument("--base", help="The base model to name in its config (default: the one it names).")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        match args.command:
            case "train":
                from finetune.train import train

                # Library logs (the trainer prints its loss dicts) go to stderr: stdout is the one JSON line.
                with contextlib.redirect_stdout(sys.stderr):
                    metrics = train(TrainArgs(**values_for(TrainArgs, args)))
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
            case "grounded-data":
                from finetune.grounded import write_grounded_data

                if args.k < 1:
                    raise FinetuneError(f"-k must be at least 1 (got {args.k}); the app retrieves 4 passages by default.")
                if not 0 <= args.decline_share < 1:
                    raise FinetuneError(f"--decline-share must be at least 0 and below 1 (got {args.decline_share}).")
                if not 0 <= args.context_share <= 1:
                    raise FinetuneError(f"--context-share must be between 0 and 1 (got {args.context_share}).")
                if args.max_prompt_tokens is not None and args.max_prompt_tokens < 1:
                    raise FinetuneError(f"--max-prompt-tokens must be at least 1 (got {args.max_prompt_tokens}).")
                stats = write_grounded_data([tuple(s) for s in args.sets], args.output, k=args.k,
                                            decline_share=args.decline_share, seed=args.seed,
                                            context_share=args.context_share, closest=args.reply == "closest",
                                            max_prompt_tokens=args.max_prompt_tokens,
                                            embedding_model=args.embedding_model)
                print(json.dumps({"output": str(args.output), **stats.as_dict()}))
            case "merge":
                from finetune.merge import merge

                merged = merge(args.adapter, args.output, args.base, args.data_dir, args.scale)
                print(json.dumps({"merged_dir": str(merged)}))
            case "export":
                from finetune.export import export

                print(json.dumps(export(args.adapter, args.output, args.base)))
    except FinetuneError as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted; run the same command again to resume from the last checkpoint.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
