"""float32 against bfloat16 serving of one model on this CPU, side by side: the app's time to first token and
decode speed against the memory-bandwidth bound of each.

    .venv/bin/python bench/dtype.py [--model qwen2.5-coder-1.5b-instruct] [--questions 4] [--rounds 1]

Each round starts the managed vLLM server (the registry's CPU split, as `make run` serves it) once per dtype,
float32 then bfloat16, and measures, with nothing else in flight: the time to first token of the app's own
grounded prompts (`bench/prompt_ttft.py`'s: the first N dev questions per language that the knowledge base finds
relevant, passages within the passage margin, a marker unique to each request so the prefix cache serves only the
system prompt), then decode tok/s at 1 and 8 streams with the memory bandwidth read in the same minute
(`bench/models.py`'s `measure_speed`). More rounds alternate the dtypes again, so a drift in the shared host's
speed shows. Prints whether the CPU has native bf16 (`service.hardware`), what `ASSISTANT_DTYPE=auto` serves
here, and per dtype: TTFT p50 / mean, decode, the bound and the share of it reached, and bfloat16 / float32.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.generation import start_vllm  # noqa: E402
from bench.models import candidate_checkpoint, measure_speed, served_bytes_per_token  # noqa: E402
from bench.prompt_ttft import first_token_s, marked, relevant_questions  # noqa: E402
from knowledge_base import KBSettings, KnowledgeBase  # noqa: E402
from service.backends.openai_http import OpenAIChatBackend  # noqa: E402
from service.backends.scripted import ScriptedBackend  # noqa: E402
from service.hardware import has_native_bf16  # noqa: E402
from service.language import detect_language  # noqa: E402
from service.model_registry import DEFAULT_MODEL  # noqa: E402
from service.models import resolve_model  # noqa: E402
from service.settings import AssistantSettings, Settings  # noqa: E402
from service.sources import close_to_best  # noqa: E402
from service.startup import build_assistant, with_sample_defaults  # noqa: E402
from service.vllm_server import served_dtype  # noqa: E402

DTYPES = ("float32", "bfloat16")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--kb", type=Path, default=Path("data/kb"))
    parser.add_argument("--qa", type=Path, default=Path(__file__).resolve().parents[1] / "samples" / "qa_dev.jsonl")
    parser.add_argument("--questions", type=int, default=4, help="per language")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--port", type=int, default=8041)
    args = parser.parse_args(argv)

    settings = Settings(model=args.model)
    model = resolve_model(args.model, settings.data_dir)
    checkpoint, _ = candidate_checkpoint(args.model, settings.data_dir)
    kb = KnowledgeBase.open(args.kb, KBSettings(kb_dir=args.kb))
    assistant = build_assistant(ScriptedBackend(), kb, settings, with_sample_defaults(AssistantSettings(), kb),
                                log=lambda _: None)
    prompts = [
        assistant.grounded_prompt(
            item.question, [], close_to_best(hits, assistant.settings.passage_margin), assistant.params(),
            detect_language(item.question),
        ).messages
        for item, hits in relevant_questions(assistant, args.qa, args.questions)
    ]
    print(f"{args.model}: native bf16 on this CPU: {has_native_bf16()}; ASSISTANT_DTYPE=auto serves "
          f"{served_dtype('auto')}; {len(prompts)} prompts", flush=True)

    ttft: dict[str, list[float]] = {d: [] for d in DTYPES}
    speed: dict[str, list[dict]] = {d: [] for d in DTYPES}
    for round_ in range(args.rounds):
        for dtype in DTYPES:
            print(f"round {round_ + 1}: {dtype}...", flush=True)
            server = start_vllm(settings, model, args.port, {"dtype": dtype})
            try:
                backend = OpenAIChatBackend(server.base_url, model=model.name)
                first_token_s(backend, marked(prompts[0]))  # warm-up: the first request pays for lazy set-up
                ttft[dtype] += [first_token_s(backend, marked(messages)) for messages in prompts]
                speed[dtype].append(measure_speed(backend, served_bytes_per_token(checkpoint, dtype)))
            finally:
                server.stop()
            print(f"  TTFT mean {statistics.mean(ttft[dtype][-len(prompts):]):.2f} s, {speed[dtype][-1]}", flush=True)

    print()
    print("| dtype | TTFT p50 | TTFT mean | decode tok/s, 1 stream | 8 streams | bandwidth | bound | share of bound |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    summary = {}
    for dtype in DTYPES:
        one = statistics.median(s["tok_s_1"] for s in speed[dtype])
        eight = statistics.median(s["tok_s_8"] for s in speed[dtype])
        bound = statistics.median(s["bound_tok_s"] for s in speed[dtype])
        bandwidth = statistics.median(s["bandwidth_gbs"] for s in speed[dtype])
        summary[dtype] = (statistics.median(ttft[dtype]), statistics.mean(ttft[dtype]), one, eight)
        print(f"| {dtype} | {summary[dtype][0]:.2f} s | {summary[dtype][1]:.2f} s | {one:.1f} | {eight:.1f} "
              f"| {bandwidth:.1f} GB/s | {bound:.1f} tok/s | {one / bound:.2f} |")
    base, other = (summary[d] for d in DTYPES)
    print(f"\nbfloat16 / float32: TTFT p50 x{other[0] / base[0]:.2f}, mean x{other[1] / base[1]:.2f}; "
          f"decode x{other[2] / base[2]:.2f} (1 stream), x{other[3] / base[3]:.2f} (8 streams)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
