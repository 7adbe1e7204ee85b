"""Ways of serving one model on this CPU side by side (float32, bfloat16, a quantized checkpoint): the app's time to
first token and decode speed against the memory-bandwidth bound of each.

    .venv/bin/python bench/serving.py [--variants MODEL:DTYPE ...] [--questions 4] [--rounds 1]
    # default: the default model in float32 and in bfloat16; a quantized checkpoint is a folder, e.g.
    #   --variants qwen2.5-coder-1.5b-instruct:bfloat16 data/models/qwen2.5-coder-1.5b-instruct-w4a16-rtn:bfloat16
    # vLLM flags may follow a variant in the same argument: "qwen2.5-coder-1.5b-instruct:bfloat16 --block-size 32",
    # and environment variables for its server: "qwen2.5-coder-1.5b-instruct:bfloat16 LD_PRELOAD=" (Intel's OpenMP
    # runtime not preloaded, vllm_server.intel_openmp_library)

Each round starts the managed vLLM server (the registry's CPU split of the base model, as `make run` serves it)
once per variant, in the order given, and measures, with nothing else in flight: the time to first token of the app's own
grounded prompts (`bench/prompt_ttft.py`'s: the first N dev questions per language that the knowledge base finds
relevant, the passages the app's prompt takes (`Assistant.prompt_hits`), a marker unique to each request before its
passages so the prefix cache serves only what every question's prompt shares: the system prompt and the frame's opening), then decode tok/s at 1
and 8 streams with the memory bandwidth read in the same minute
(`bench/models.py`'s `measure_speed`; the bound counts the bytes a decode step reads in the served format, packed
4-bit weights as stored), and the first tokens of all those prompts sent at once (customers arriving together: more
prompt tokens than one step of the CPU server takes, where chunked prefill and whole prefills differ). More rounds take
the variants in turn again, so a drift in the shared host's speed shows. Prints whether the CPU has native bf16
(`service.hardware`), what `ASSISTANT_DTYPE=auto` serves here, and per variant: TTFT p50 / mean one at a time and p50
/ last all at once, decode, the bound and the share of it reached, and each variant against the first.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import statistics
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.generation import start_vllm  # noqa: E402
from bench.models import measure_speed, served_bytes_per_token  # noqa: E402
from bench.prompt_ttft import first_token_s, marked, relevant_questions  # noqa: E402
from knowledge_base import KBSettings, KnowledgeBase  # noqa: E402
from service.backends.openai_http import OpenAIChatBackend  # noqa: E402
from service.backends.scripted import ScriptedBackend  # noqa: E402
from service.hardware import has_native_bf16  # noqa: E402
from service.language import detect_language  # noqa: E402
from service.model_registry import DEFAULT_MODEL  # noqa: E402
from service.models import resolve_model  # noqa: E402
from service.settings import AssistantSettings, Settings  # noqa: E402
from service.startup import build_assistant, with_sample_defaults  # noqa: E402
from service.vllm_server import served_dtype  # noqa: E402

DEFAULT_VARIANTS = (f"{DEFAULT_MODEL}:float32", f"{DEFAULT_MODEL}:bfloat16")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variants", nargs="+", default=list(DEFAULT_VARIANTS),
                        help="MODEL:DTYPE each: a bundled model's name or a checkpoint folder, and a vLLM dtype; "
                             "vLLM flags and NAME=VALUE environment variables for its server may follow in the same "
                             "argument, e.g. 'MODEL:bfloat16 --block-size 32' or 'MODEL:bfloat16 LD_PRELOAD='")
    parser.add_argument("--kb", type=Path, default=Path("data/kb"))
    parser.add_argument("--qa", type=Path, default=Path(__file__).resolve().parents[1] / "samples" / "qa_dev.jsonl")
    parser.add_argument("--questions", type=int, default=4, help="per language")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--port", type=int, default=8041)
    args = parser.parse_args(argv)
    variants = [parse_variant(v) for v in args.variants]

    settings = Settings()
    kb = KnowledgeBase.open(args.kb, KBSettings(kb_dir=args.kb))
    assistant = build_assistant(ScriptedBackend(), kb, settings, with_sample_defaults(AssistantSettings(), kb),
                                log=lambda _: None)
    prompts = [
        assistant.grounded_prompt(
            item.question, [], assistant.prompt_hits(hits, language), assistant.params(), language,
        ).messages
        for item, hits in relevant_questions(assistant, args.qa, args.questions)
        for language in [detect_language(item.question)]
    ]
    print(f"native bf16 on this CPU: {has_native_bf16()}; ASSISTANT_DTYPE=auto serves {served_dtype('auto')}; "
          f"{len(prompts)} prompts", flush=True)

    ttft: dict[str, list[float]] = {label: [] for label, *_ in variants}
    speed: dict[str, list[dict]] = {label: [] for label, *_ in variants}
    together: dict[str, list[float]] = {label: [] for label, *_ in variants}
    for round_ in range(args.rounds):
        for label, name, dtype, flags, env in variants:
            print(f"round {round_ + 1}: {label}...", flush=True)
            model = resolve_model(name, settings.data_dir)
            checkpoint = Path(model.source)  # resolved once: a bundled model's prepared folder, or the folder given
            # The managed server's own CPU split: a quantized checkpoint gets its base model's.
            with environment(env):  # the server copies this process's environment when it starts
                server = start_vllm(settings, model, args.port, {"dtype": dtype, "extra_args": flags})
            try:
                backend = OpenAIChatBackend(server.base_url, model=model.name)
                first_token_s(backend, marked(prompts[0]))  # warm-up: the first request pays for lazy set-up
                ttft[label] += [first_token_s(backend, marked(messages)) for messages in prompts]
                with ThreadPoolExecutor(len(prompts)) as pool:
                    together[label] += pool.map(lambda m: first_token_s(backend, marked(m)), prompts)
                speed[label].append(measure_speed(backend, served_bytes_per_token(checkpoint, served_dtype(dtype))))
            finally:
                server.stop()
            print(f"  TTFT mean {statistics.mean(ttft[label][-len(prompts):]):.2f} s, all at once p50 "
                  f"{statistics.median(together[label][-len(prompts):]):.2f} s, {speed[label][-1]}", flush=True)

    print()
    print("| variant | TTFT p50 | TTFT mean | all at once: TTFT p50 | last | decode tok/s, 1 stream | 8 streams "
          "| bandwidth | bound | share of bound |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    summary = {}
    for label in ttft:
        one = statistics.median(s["tok_s_1"] for s in speed[label])
        eight = statistics.median(s["tok_s_8"] for s in speed[label])
        bound = statistics.median(s["bound_tok_s"] for s in speed[label])
        bandwidth = statistics.median(s["bandwidth_gbs"] for s in speed[label])
        summary[label] = (statistics.median(ttft[label]), statistics.mean(ttft[label]), one, eight,
                          statistics.median(together[label]), max(together[label]))
        print(f"| {label} | {summary[label][0]:.2f} s | {summary[label][1]:.2f} s | {summary[label][4]:.2f} s "
              f"| {summary[label][5]:.2f} s | {one:.1f} | {eight:.1f} | {bandwidth:.1f} GB/s | {bound:.1f} tok/s "
              f"| {one / bound:.2f} |")
    first, *others = summary
    base = summary[first]
    for label in others:
        other = summary[label]
        print(f"{label} / {first}: TTFT p50 x{other[0] / base[0]:.2f}, mean x{other[1] / base[1]:.2f}; all at once "
              f"p50 x{other[4] / base[4]:.2f}, last x{other[5] / base[5]:.2f}; decode x{other[2] / base[2]:.2f} "
              f"(1 stream), x{other[3] / base[3]:.2f} (8 streams)")
    return 0


def parse_variant(spec: str) -> tuple[str, str, str, tuple[str, ...], dict[str, str]]:
    """(label, model, dtype, extra vLLM flags, environment) of 'MODEL[:DTYPE] [--flag value ...] [NAME=VALUE ...]';
    the dtype defaults to auto."""
    first, *rest = spec.split()
    name, dtype = first.rsplit(":", 1) if ":" in first else (first, "auto")
    env = dict(word.split("=", 1) for word in rest if _ENV_WORD.fullmatch(word))
    flags = tuple(word for word in rest if not _ENV_WORD.fullmatch(word))
    return " ".join([f"{name}:{dtype}", *rest]), name, dtype, flags, env


_ENV_WORD = re.compile(r"[A-Z][A-Z0-9_]*=\S*")


@contextlib.contextmanager
def environment(values: dict[str, str]):
    """This process's environment with `values` set, as it was afterwards."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


if __name__ == "__main__":
    sys.exit(main())
