"""Serve the model or chat with it from the command line.

    .venv/bin/python -m service serve --port 8011
    .venv/bin/python -m service serve --adapter support=out/adapter --quantization bitsandbytes   # GPU
    .venv/bin/python -m service chat "How do I reset my password?"
    .venv/bin/python -m service chat --engine local "Hello"
    .venv/bin/python -m service chat --llm-url http://gpu-box:8000/v1 "Hello"
    .venv/bin/python -m service ask --kb data/kb "How long do I have to return an item?"
    .venv/bin/python -m service eval-answers --qa samples/qa_dev.jsonl --kb data/kb [--no-faq-direct] [--no-guard] [--answer-check]
    .venv/bin/python -m service promote --adapter out/support-v2/adapter --name support-v2 --qa samples/qa_dev.jsonl
    .venv/bin/python -m service purge --before 2026-01-01
    .venv/bin/python -m service gaps --since 2026-11-01
    .venv/bin/python -m service export --since 2026-11-01 [--rating up] [--corrected] --output out/support.jsonl

`serve` runs vLLM's OpenAI-compatible server at http://HOST:PORT/v1 until Ctrl-C or SIGTERM and then
stops it and all its processes. `chat` streams one raw model answer to stdout from the configured backend.
`ask` answers one customer question the way the app does (knowledge base, FAQ direct answers, grounding
guard) and prints the answer, its sources and its status. `eval-answers` runs a QA file through that same
path and prints, as its last line, one JSON object of accuracy and latency figures. `purge` deletes the stored
conversations last active before a date (privacy requests, retention); `export` writes them as chat JSONL for
`python -m finetune train` (corrections applied, thumbs-down answers dropped, personal data redacted). `gaps`
prints the knowledge-gap report: unanswered and thumbed-down questions grouped by meaning, newest first.
`promote` evaluates an adapter against the current model on a QA file and serves it from then on only if it
is not worse (exit code 1 when it is refused).
Settings come from ASSISTANT_* environment variables (see service/settings.py); flags override them.
"""

import argparse
import contextlib
import signal
import sys
import threading
from pathlib import Path

from pydantic import ValidationError

from knowledge_base import KnowledgeBaseError
from service.backends import GenerationParams
from service.errors import AssistantError
from service.settings import AssistantSettings, Settings, settings_error


def _adapter(text: str) -> tuple[str, Path]:
    name, sep, path = text.partition("=")
    if not sep or not name or not path:
        raise argparse.ArgumentTypeError(f"'{text}' is not NAME=PATH")
    return name, Path(path)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m service", description=__doc__.split("\n\n")[0])
    common = _serving_flags()
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", parents=[common], help="Run the managed vLLM server until interrupted.")
    _add_chat(commands, common)
    for name, help_text in (("ask", "Answer QUESTION from the knowledge base, as the app does."),
                            ("eval-answers", "Answer every question of a QA file; print accuracy and latency.")):
        _add_answering(commands.add_parser(name, parents=[common], help=help_text), name)
    _add_promote(commands)
    _add_store_commands(commands)
    return parser


def _serving_flags() -> argparse.ArgumentParser:
    """The flags of every command that serves a model: which model, and how vLLM serves it."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--model", help="Bundled model name, local checkpoint directory or Hugging Face id.")
    common.add_argument("--data-dir", type=Path, help="Where converted models and logs live (default: data).")
    common.add_argument("--host", help="Interface for the managed vLLM server (default: 127.0.0.1).")
    common.add_argument("--port", type=int, help="Port of the managed vLLM server (default: 8011).")
    common.add_argument("--dtype", help="vLLM dtype (default: ASSISTANT_DTYPE or auto: bfloat16 on CPUs with native bf16, else float32).")
    common.add_argument("--max-model-len", type=int, help="Context window in tokens (default: 2048).")
    common.add_argument("--kv-cache-gb", type=int, help="KV cache for vLLM on CPU, in GiB (default: 2).")
    common.add_argument("--cpu-threads", type=int, help="Torch threads for --engine local (default: all cores).")
    common.add_argument("--quantization", choices=["none", "bitsandbytes"], help="bitsandbytes = 4-bit NF4.")
    common.add_argument(
        "--adapter", action="append", type=_adapter, metavar="NAME=PATH", help="Serve a LoRA adapter (repeatable)."
    )
    common.add_argument("--runtime-lora", action="store_true", default=None, help="Allow loading adapters later.")
    common.add_argument("--tensor-parallel-size", type=int, help="Shard the model over this many GPUs.")
    return common


def _add_chat(commands, common) -> None:
    chat = commands.add_parser("chat", parents=[common], help="Stream one answer to MESSAGE.")
    chat.add_argument("message")
    chat.add_argument("--engine", choices=["vllm", "local", "scripted"], help="vllm (default), local (in-process) or scripted.")
    chat.add_argument("--llm-url", help="Use an existing OpenAI-compatible server, e.g. http://host:8000/v1.")
    chat.add_argument("--system", help="A system prompt.")
    chat.add_argument("--use-adapter", metavar="NAME", help="Answer with this served LoRA adapter.")
    chat.add_argument("--max-tokens", type=int, help="Answer length (default: ASSISTANT_MAX_TOKENS or 256).")
    chat.add_argument("--temperature", type=float, help="Sampling temperature (default: ASSISTANT_TEMPERATURE or 0.3).")
    chat.add_argument("--seed", type=int)


def _add_answering(command: argparse.ArgumentParser, name: str) -> None:
    """`ask` and `eval-answers`: the knowledge base, the backend, and the answering stages to switch off."""
    if name == "ask":
        command.add_argument("question")
    else:
        command.add_argument("--qa", type=Path, required=True, help="JSON Lines of {id, lang, question, must, kind}.")
        command.add_argument("--out", type=Path, help="Write one JSON line per question (answer, status, judgement).")
        command.add_argument("--workers", type=int, default=1,
                             help="Questions in flight at once (default 1; more is faster, but latencies are then shared).")
        command.add_argument("--repeat", type=int, default=1, metavar="N",
                             help="Ask every question N times; the figures are the runs' means, each run's in by_run; times: the first run's.")
        command.add_argument("--seed", type=int, metavar="N",
                             help="Sample each question with a fixed seed derived from N (and the run): two settings "
                                  "evaluated with the same N are paired, the same draws for the same question.")
    command.add_argument("--kb", type=Path, help="Knowledge-base folder (default: ASSISTANT_KB_KB_DIR or DATA_DIR/kb).")
    command.add_argument("--engine", choices=["vllm", "local", "scripted"], help="vllm (default), local or scripted.")
    command.add_argument("--llm-url", help="Use an existing OpenAI-compatible server, e.g. http://host:8000/v1.")
    command.add_argument("--use-adapter", metavar="NAME", help="Answer with this served LoRA adapter.")
    command.add_argument("--company", help="Company the answers speak for (default: Voltway for the sample KB).")
    command.add_argument("-k", type=int, help="Passages retrieved (default: ASSISTANT_TOP_K or 4).")
    command.add_argument("--max-tokens", type=int, help="Answer length (default: ASSISTANT_MAX_TOKENS).")
    command.add_argument("--temperature", type=float, help="Sampling temperature (default: ASSISTANT_TEMPERATURE).")
    command.add_argument("--no-faq-direct", action="store_true", help="Never answer with an FAQ entry directly.")
    command.add_argument("--no-guard", action="store_true", help="Do not check generated answers against the passages.")
    command.add_argument("--answer-check", action=argparse.BooleanOptionalAction, default=None,
                         help="Ask the model first whether the passages answer the question "
                              "(default: ASSISTANT_ANSWER_CHECK, off).")


def _add_promote(commands) -> None:
    promote = commands.add_parser("promote", help="Serve an adapter if it answers a QA file at least as well.")
    promote.add_argument("--adapter", dest="adapter_dir", type=Path, required=True,
                         help="The PEFT adapter folder (python -m finetune train writes OUTPUT/adapter).")
    promote.add_argument("--name", required=True, help="The name the adapter is served under.")
    promote.add_argument("--model", help="The base model (default: ASSISTANT_MODEL or the bundled one).")
    promote.add_argument("--data-dir", type=Path, help="Data directory (default: ASSISTANT_DATA_DIR or data).")
    promote.add_argument("--port", type=int, help="Port of the managed vLLM server promote starts (default: 8011).")
    promote.add_argument("--qa", type=Path, required=True, help="JSON Lines of {id, lang, question, must, kind}.")
    promote.add_argument("--kb", type=Path, help="Knowledge-base folder (default: ASSISTANT_KB_KB_DIR or DATA_DIR/kb).")
    promote.add_argument("--engine", choices=["vllm", "local", "scripted"], help="vllm (default), local or scripted.")
    promote.add_argument("--llm-url", help="An existing server that already serves the adapter under --name.")
    promote.add_argument("--workers", type=int, default=1, help="Questions in flight at once (default 1).")


def _add_store_commands(commands) -> None:
    """`purge`, `gaps` and `export`: commands on the conversation store."""
    purge = commands.add_parser("purge", help="Delete stored conversations last active before a date.")
    purge.add_argument("--before", type=_date, required=True, metavar="YYYY-MM-DD", help="UTC midnight of this day.")
    purge.add_argument("--data-dir", type=Path, help="Data directory of the store (default: ASSISTANT_DATA_DIR or data).")
    gaps = commands.add_parser("gaps", help="Questions the knowledge base does not answer well, grouped by meaning.")
    gaps.add_argument("--since", type=_date, metavar="YYYY-MM-DD", help="Only signals since this day.")
    gaps.add_argument("--kb", type=Path, help="Knowledge base whose embedder groups the questions (default: DATA_DIR/kb).")
    gaps.add_argument("--json", action="store_true", help="One JSON object per group instead of a table.")
    gaps.add_argument("--data-dir", type=Path, help="Data directory of the store (default: ASSISTANT_DATA_DIR or data).")
    export = commands.add_parser("export", help="Write stored conversations as training data (chat JSONL).")
    export.add_argument("--output", type=Path, required=True, help="The JSON Lines file to write.")
    export.add_argument("--since", type=_date, metavar="YYYY-MM-DD", help="Only conversations active since this day.")
    export.add_argument("--rating", choices=["up"], help="Only answers the customer rated up (or corrected).")
    export.add_argument("--corrected", action="store_true", help="Only answers a person corrected.")
    export.add_argument("--data-dir", type=Path, help="Data directory of the store (default: ASSISTANT_DATA_DIR or data).")


def _date(text: str):
    from datetime import UTC, datetime

    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2026-01-31") from None


def purge(settings: Settings, before) -> int:
    from support.store import ConversationStore

    store = ConversationStore.open(settings.store_url)
    deleted = store.purge(before)
    store.close()
    print(f"Deleted {deleted} conversation(s) last active before {before:%Y-%m-%d} (with their turns, feedback and tickets).")
    return 0


def promote(settings: Settings, args: argparse.Namespace) -> int:
    import json

    from service.adapters import add_served_adapter, load_into_running_server
    from service.evaluation import evaluate, load_qa
    from service.startup import assistant_session
    from support.promotion import promotion_verdict

    if not (args.adapter_dir / "adapter_config.json").is_file():
        raise AssistantError(f"{args.adapter_dir} has no adapter_config.json; pass the adapter folder finetune wrote.")
    items = load_qa(args.qa)
    serving = settings.model_copy(update={"adapters": {**settings.adapters, args.name: args.adapter_dir}})
    kb_settings = _kb_settings(settings, args.kb)
    with assistant_session(serving, kb_settings, AssistantSettings()) as assistant:
        served = assistant.backend.models()
        if args.name not in served:
            raise AssistantError(
                f"The model server serves {', '.join(served)}, not {args.name!r}: give --llm-url a server started with "
                f"--adapter {args.name}=PATH, or a free --port for promote to start its own."
            )
        from support.desk import SupportDesk
        from support.store import ConversationStore

        store = ConversationStore.open(settings.store_url)  # turns go to the `eval` channel
        desk = SupportDesk(assistant, store, model_name=settings.model)
        base, _ = evaluate(assistant, items, params=assistant.params(), workers=args.workers, desk=desk)
        adapted, _ = evaluate(assistant, items, params=assistant.params(model=args.name), workers=args.workers, desk=desk)
        store.close()
    verdict = promotion_verdict(base, adapted)
    loaded = False
    if verdict.promoted:
        add_served_adapter(settings.data_dir, args.name, args.adapter_dir)
        running = settings.llm_url or settings.managed_url
        loaded = settings.engine == "vllm" and load_into_running_server(running, args.name, args.adapter_dir, settings.api_key)
    keys = ("correct", "correct_en", "correct_zh", "unanswerable_declined", "unsupported_numbers")
    print(json.dumps({
        "promoted": verdict.promoted, "reason": verdict.reason, "name": args.name,
        "current": {k: base.get(k) for k in keys}, "adapter": {k: adapted.get(k) for k in keys},
        "loaded_into_running_server": loaded,
    }, ensure_ascii=False))
    return 0 if verdict.promoted else 1


def gaps(settings: Settings, args: argparse.Namespace) -> int:
    import json

    from knowledge_base import KnowledgeBase
    from support.gaps import knowledge_gaps
    from support.store import ConversationStore

    kb_settings = _kb_settings(settings, args.kb)
    kb = KnowledgeBase.open(kb_settings.kb_dir, kb_settings)
    store = ConversationStore.open(settings.store_url)
    found = knowledge_gaps(store, kb.embed, since=args.since)
    store.close()
    for gap in found:
        if args.json:
            print(json.dumps(gap.as_dict(), ensure_ascii=False))
            continue
        reasons = ", ".join(f"{reason} {n}" for reason, n in gap.reasons.most_common())
        print(f"{gap.count:4d}  {gap.last_asked:%Y-%m-%d %H:%M}  {gap.question}  ({reasons})")
        for example in gap.examples:
            if example != gap.question:
                print(f"{'':24}also: {example}")
    if not found and not args.json:
        print("No knowledge gaps: every question was answered and none was rated down.")
    return 0


def export(settings: Settings, args: argparse.Namespace) -> int:
    from support.export import export_conversations
    from support.store import ConversationStore

    store = ConversationStore.open(settings.store_url)
    count = export_conversations(store, args.output, since=args.since, rating=args.rating, corrected=args.corrected)
    store.close()
    print(f"Wrote {count} conversation(s) to {args.output}; train on it with: "
          f".venv/bin/python -m finetune train --data {args.output} --output out/adapter")
    return 0


def _kb_settings(settings: Settings, kb_dir: Path | None):
    """The knowledge base of `--kb` (default: ASSISTANT_KB_KB_DIR or DATA_DIR/kb)."""
    from knowledge_base import KBSettings

    return KBSettings(**{k: v for k, v in {"data_dir": settings.data_dir, "kb_dir": kb_dir}.items() if v is not None})


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings from the environment, overridden by every flag the user gave (validated alike)."""
    overrides = {key: value for key, value in vars(args).items() if value is not None and key in Settings.model_fields}
    if getattr(args, "adapter", None):
        overrides["adapters"] = dict(args.adapter)
    return Settings(**overrides)


def serve(settings: Settings) -> int:
    from service.backend_factory import managed_extra_servers
    from service.bundled_adapters import with_bundled_adapters
    from service.models import resolve_model
    from service.vllm_server import VLLMServer, VLLMServerConfig, is_vllm_cpu_build

    settings = with_bundled_adapters(settings, cpu=is_vllm_cpu_build())
    model = resolve_model(settings.model, settings.data_dir)
    server = VLLMServer(VLLMServerConfig.from_settings(settings, model))
    with contextlib.ExitStack() as stack:
        stack.enter_context(server)
        for name, config in managed_extra_servers(settings).items():  # each on a port of its own
            extra = stack.enter_context(VLLMServer(config))
            print(f"Serving {name} at {extra.base_url}.", flush=True)
        print(f"Serving {model.name} at {server.base_url}. Try:", flush=True)
        print(f'  .venv/bin/python -m service chat --port {settings.port} "Hello!"', flush=True)
        code = server.wait()
    if code not in (0, -signal.SIGTERM):
        raise AssistantError(f"vLLM stopped unexpectedly with code {code}; see {server.config.log_path}.")
    return 0


def chat(settings: Settings, args: argparse.Namespace) -> int:
    from service.backend_factory import open_backend

    messages = ([{"role": "system", "content": args.system}] if args.system else []) + [
        {"role": "user", "content": args.message}
    ]
    defaults = AssistantSettings()
    params = GenerationParams(
        max_tokens=defaults.max_tokens if args.max_tokens is None else args.max_tokens,
        temperature=defaults.temperature if args.temperature is None else args.temperature,
        seed=args.seed, model=args.use_adapter,
    )
    with open_backend(settings) as backend:
        for chunk in backend.stream(messages, params):
            print(chunk, end="", flush=True)
    print()
    return 0


def answer_questions(settings: Settings, args: argparse.Namespace) -> int:
    """`ask` and `eval-answers`: the app's answering path over the knowledge base in --kb."""
    import json

    from service.sources import section
    from service.startup import assistant_session

    kb_settings = _kb_settings(settings, args.kb)
    answer_settings = AssistantSettings(**{k: v for k, v in {"company": args.company}.items() if v is not None})
    with assistant_session(settings, kb_settings, answer_settings) as assistant:
        params = assistant.params(max_tokens=args.max_tokens, temperature=args.temperature, model=args.use_adapter)
        options = {"k": args.k, "params": params, "faq_direct": not args.no_faq_direct, "guard": not args.no_guard,
                   "answer_check": args.answer_check}
        if args.command == "ask":
            reply = assistant.chat(args.question, [], **options)
            print(reply.collect())
            for s in reply.sources:
                sub = section(s.title, s.heading)
                print(f"[{s.number}] {s.title}{' › ' + sub if sub else ''} ({s.source})")
            replaced = f" (replaced, {reply.replaced_why}: {', '.join(reply.replaced)})" if reply.replaced else ""
            print(f"status: {reply.status}{replaced}")
            return 0
        from service.evaluation import evaluate, load_qa
        from service.startup import remember_sentences
        from support.desk import SupportDesk
        from support.store import ConversationStore

        items = load_qa(args.qa)
        # The app embeds the knowledge base's sentences while its model server starts; so do the times measured
        # here, or the first questions pay for it. In a thread of its own: it lowers its thread's priority.
        warm = threading.Thread(target=remember_sentences, args=(assistant.retriever,), name="remember-sentences")
        warm.start()
        warm.join()
        store = ConversationStore.open(settings.store_url)  # turns go to the `eval` channel
        summary, rows = evaluate(
            assistant, items, workers=args.workers, repeats=args.repeat, seed=args.seed,
            progress=lambda line: print(line, file=sys.stderr, flush=True),
            desk=SupportDesk(assistant, store, model_name=settings.model), **options
        )
        store.close()
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        print(json.dumps(summary, ensure_ascii=False), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from service.process import exit_on_sigterm

    exit_on_sigterm()
    try:
        settings = settings_from_args(args)
    except ValidationError as e:
        print(f"Error: {settings_error(e)}", file=sys.stderr)
        return 1
    try:
        if args.command == "serve":
            return serve(settings)
        if args.command == "purge":
            return purge(settings, args.before)
        if args.command == "export":
            return export(settings, args)
        if args.command == "gaps":
            return gaps(settings, args)
        if args.command == "promote":
            return promote(settings, args)
        if args.command in ("ask", "eval-answers"):
            return answer_questions(settings, args)
        return chat(settings, args)
    except (AssistantError, KnowledgeBaseError) as e:
        print(f"\nError: {e}", file=sys.stderr)
        return 1
    except ValidationError as e:  # the commands' own settings (ASSISTANT_*, ASSISTANT_KB_*), read as they start
        print(f"Error: {settings_error(e)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted; the model server was stopped.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
