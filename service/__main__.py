"""Serve the model or chat with it from the command line.

    .venv/bin/python -m service serve --port 8011
    .venv/bin/python -m service serve --adapter support=out/adapter --quantization bitsandbytes   # GPU
    .venv/bin/python -m service chat "How do I reset my password?"
    .venv/bin/python -m service chat --engine local "Hello"
    .venv/bin/python -m service chat --llm-url http://gpu-box:8000/v1 "Hello"

`serve` runs vLLM's OpenAI-compatible server at http://HOST:PORT/v1 until Ctrl-C or SIGTERM and then
stops it and all its processes. `chat` streams one answer to stdout from the configured backend.
Settings come from ASSISTANT_* environment variables (see service/settings.py); flags override them.
"""

import argparse
import signal
import sys
from pathlib import Path

from service.backends import GenerationParams
from service.errors import AssistantError
from service.settings import Settings


def _adapter(text: str) -> tuple[str, Path]:
    name, sep, path = text.partition("=")
    if not sep or not name or not path:
        raise argparse.ArgumentTypeError(f"'{text}' is not NAME=PATH")
    return name, Path(path)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m service", description=__doc__.split("\n\n")[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--model", help="Bundled model name, local checkpoint directory or Hugging Face id.")
    common.add_argument("--data-dir", type=Path, help="Where converted models and logs live (default: data).")
    common.add_argument("--host", help="Interface for the managed vLLM server (default: 127.0.0.1).")
    common.add_argument("--port", type=int, help="Port of the managed vLLM server (default: 8011).")
    common.add_argument("--dtype", help="vLLM dtype (default: float32, fastest on CPUs without bf16).")
    common.add_argument("--max-model-len", type=int, help="Context window in tokens (default: 2048).")
    common.add_argument("--kv-cache-gb", type=int, help="KV cache for vLLM on CPU, in GiB (default: 2).")
    common.add_argument("--cpu-threads", type=int, help="Torch threads for --engine local (default: all cores).")
    common.add_argument("--quantization", choices=["none", "bitsandbytes"], help="bitsandbytes = 4-bit NF4.")
    common.add_argument(
        "--adapter", action="append", type=_adapter, metavar="NAME=PATH", help="Serve a LoRA adapter (repeatable)."
    )
    common.add_argument("--runtime-lora", action="store_true", default=None, help="Allow loading adapters later.")
    common.add_argument("--tensor-parallel-size", type=int, help="Shard the model over this many GPUs.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", parents=[common], help="Run the managed vLLM server until interrupted.")
    chat = commands.add_parser("chat", parents=[common], help="Stream one answer to MESSAGE.")
    chat.add_argument("message")
    chat.add_argument("--engine", choices=["vllm", "local"], help="vllm (default) or local (in-process).")
    chat.add_argument("--llm-url", help="Use an existing OpenAI-compatible server, e.g. http://host:8000/v1.")
    chat.add_argument("--system", help="A system prompt.")
    chat.add_argument("--use-adapter", metavar="NAME", help="Answer with this served LoRA adapter.")
    chat.add_argument("--max-tokens", type=int, default=256)
    chat.add_argument("--temperature", type=float, default=0.7)
    chat.add_argument("--seed", type=int)
    return parser


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings from the environment, overridden by every flag the user gave (validated alike)."""
    overrides = {key: value for key, value in vars(args).items() if value is not None and key in Settings.model_fields}
    if getattr(args, "adapter", None):
        overrides["adapters"] = dict(args.adapter)
    return Settings(**overrides)


def serve(settings: Settings) -> int:
    from service.models import resolve_model
    from service.vllm_server import VLLMServer, VLLMServerConfig

    model = resolve_model(settings.model, settings.data_dir)
    server = VLLMServer(VLLMServerConfig.from_settings(settings, model))
    with server:
        print(f"Serving {model.name} at {server.base_url}. Try:", flush=True)
        print(f'  .venv/bin/python -m service chat --port {settings.port} "Hello!"', flush=True)
        code = server.wait()
    if code not in (0, -signal.SIGTERM):
        raise AssistantError(f"vLLM stopped unexpectedly with code {code}; see {server.config.log_path}.")
    return 0


def chat(settings: Settings, args: argparse.Namespace) -> int:
    from service.engine import open_backend

    messages = ([{"role": "system", "content": args.system}] if args.system else []) + [
        {"role": "user", "content": args.message}
    ]
    params = GenerationParams(
        max_tokens=args.max_tokens, temperature=args.temperature, seed=args.seed, model=args.use_adapter
    )
    with open_backend(settings) as backend:
        for chunk in backend.stream(messages, params):
            print(chunk, end="", flush=True)
    print()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from service.vllm_server import exit_on_sigterm

    exit_on_sigterm()
    try:
        settings = settings_from_args(args)
        if args.command == "serve":
            return serve(settings)
        return chat(settings, args)
    except AssistantError as e:
        print(f"\nError: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted; the model server was stopped.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
