"""Generation speed on the bundled model: raw transformers `generate` vs our in-process backend vs
our vLLM backend, measured side by side in one run, plus vLLM's aggregate throughput under
concurrency and the memory-bandwidth bound.

    .venv/bin/python bench/generation.py                 # the default vLLM settings
    .venv/bin/python bench/generation.py --sweep         # also compare candidate vLLM CPU settings
    .venv/bin/python bench/generation.py --tokens 64 --rounds 3

Every engine generates exactly `--tokens` new tokens (min = max) for the same prompt; engines take
turns round by round so that machine noise hits all of them alike; the median is reported.
Tokens/s includes prefill and time to first token, as a user experiences it.
"""

import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.backends import GenerationParams  # noqa: E402
from service.backends.openai_http import OpenAIChatBackend  # noqa: E402
from service.models import resolve_model  # noqa: E402
from service.settings import Settings  # noqa: E402
from service.vllm_server import VLLMServer, VLLMServerConfig  # noqa: E402

PROMPT = [
    {"role": "system", "content": "You are a helpful customer-service assistant."},
    {"role": "user", "content": "Explain step by step how a customer returns a laptop bought online and gets a refund."},
]

# Candidate vLLM CPU settings compared by --sweep: (label, config overrides).
SWEEP = [
    ("fp32, 1 model core (vLLM default)", {"dtype": "float32"}),
    ("fp32, 2 model cores", {"dtype": "float32", "reserved_cpus": 0}),
    ("bf16, 2 model cores", {"dtype": "bfloat16", "reserved_cpus": 0}),
    ("fp32, 2 model cores, eager", {"dtype": "float32", "reserved_cpus": 0, "extra_args": ("--enforce-eager",)}),
]


def measure_bandwidth_gbs(size_mb: int = 512, repeats: int = 5) -> float:
    """Read bandwidth: a reduction over a buffer much larger than the caches, all threads, best of N."""
    import torch

    buffer = torch.ones(size_mb * 1024 * 1024 // 4, dtype=torch.float32)
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        buffer.sum()
        best = min(best, time.perf_counter() - started)
    return buffer.numel() * 4 / best / 1e9


class RawGenerate:
    label = "transformers generate (raw)"

    def __init__(self, model_dir: str, tokens: int):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        self.model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
        self.inputs = self.tokenizer.apply_chat_template(
            PROMPT, add_generation_prompt=True, return_dict=True, return_tensors="pt"
        )
        self.tokens = tokens

    def weight_bytes_per_token(self) -> int:
        # Every weight matrix is read once per decoded token; the tied embedding is read as the LM head.
        return sum(p.numel() * p.element_size() for p in self.model.parameters())

    def run(self) -> float:
        started = time.perf_counter()
        with self.torch.inference_mode():
            out = self.model.generate(
                **self.inputs, max_new_tokens=self.tokens, min_new_tokens=self.tokens, do_sample=False
            )
        elapsed = time.perf_counter() - started
        assert out.shape[1] - self.inputs["input_ids"].shape[1] == self.tokens
        return self.tokens / elapsed


class BackendRun:
    def __init__(self, label: str, backend, tokens: int):
        self.label, self.backend, self.tokens = label, backend, tokens
        self.params = GenerationParams(max_tokens=tokens, min_tokens=tokens, temperature=0.0)

    def run(self) -> float:
        started = time.perf_counter()
        chunks = sum(1 for _ in self.backend.stream(PROMPT, self.params))
        elapsed = time.perf_counter() - started
        assert chunks > 0
        return self.tokens / elapsed


def aggregate_tokens_per_s(backend, tokens: int, streams: int) -> float:
    params = GenerationParams(max_tokens=tokens, min_tokens=tokens, temperature=0.0)
    prompts = [PROMPT[:1] + [{"role": "user", "content": f"{PROMPT[1]['content']} (customer #{i})"}] for i in range(streams)]
    started = time.perf_counter()
    with ThreadPoolExecutor(streams) as pool:
        list(pool.map(lambda m: backend.complete(m, params), prompts))
    return streams * tokens / (time.perf_counter() - started)


def start_vllm(settings: Settings, model, port: int, overrides: dict) -> VLLMServer:
    config = VLLMServerConfig.from_settings(settings, model)
    config.port = port
    config.log_path = settings.data_dir / "logs" / f"bench-vllm-{port}.log"
    for key, value in overrides.items():
        setattr(config, key, value)
    server = VLLMServer(config)
    server.start()
    return server


def print_tables(model_name: str, args, bandwidth: float, bytes_per_token: float, rows, concurrency_rows) -> None:
    """Batch-1 speed of each engine against the bandwidth bound, and vLLM's aggregate speed under concurrency."""
    bound = bandwidth * 1e9 / bytes_per_token
    print()
    print(f"Bundled model {model_name}, {args.tokens} new tokens, median of {args.rounds} alternating rounds.")
    print(f"Memory bandwidth (read, measured now): {bandwidth:.1f} GB/s; weights read per token: "
          f"{bytes_per_token / 1e6:.0f} MB; bandwidth bound: {bound:.1f} tok/s.")
    print()
    print("| vLLM settings | raw generate tok/s | in-process tok/s | vLLM batch 1 tok/s | vLLM / raw | raw / bound |")
    print("|---|---|---|---|---|---|")
    for label, raw_tps, local_tps, vllm_tps in rows:
        print(f"| {label} | {raw_tps:.1f} | {local_tps:.1f} | {vllm_tps:.1f} | {vllm_tps / raw_tps:.2f} | {raw_tps / bound:.2f} |")
    print()
    print("| vLLM settings | aggregate tok/s, 1 stream | 4 streams | 8 streams | 8 / 1 |")
    print("|---|---|---|---|---|")
    for label, one, four, eight in concurrency_rows:
        print(f"| {label} | {one:.1f} | {four:.1f} | {eight:.1f} | {eight / one:.2f}x |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=int, default=64, help="New tokens per request.")
    parser.add_argument("--rounds", type=int, default=5, help="Alternating rounds at batch 1.")
    parser.add_argument("--port", type=int, default=8031)
    parser.add_argument("--sweep", action="store_true", help="Compare the candidate vLLM CPU settings.")
    parser.add_argument("--vllm-arg", action="append", default=[], help="Extra vLLM flag for the default run.")
    args = parser.parse_args(argv)

    settings = Settings()
    model = resolve_model(settings.model, settings.data_dir)
    from service.backends.local import TransformersBackend

    raw = RawGenerate(model.source, args.tokens)
    local = BackendRun("our in-process backend", TransformersBackend(model), args.tokens)
    bandwidth = measure_bandwidth_gbs()
    bytes_per_token = raw.weight_bytes_per_token()

    extra = {"extra_args": tuple(args.vllm_arg)} if args.vllm_arg else {}
    candidates = SWEEP if args.sweep else [(" ".join(["default settings", *args.vllm_arg]), extra)]
    rows, concurrency_rows = [], []
    for index, (label, overrides) in enumerate(candidates):
        server = start_vllm(settings, model, args.port + index, overrides)
        try:
            client = OpenAIChatBackend(server.base_url, model=model.name)
            vllm = BackendRun(f"our vLLM backend ({label})", client, args.tokens)
            engines = [raw, local, vllm]
            for engine in engines:  # warm-up: first calls pay for lazy initialisation
                engine.run()
            samples = {engine.label: [] for engine in engines}
            for _ in range(args.rounds):
                for engine in engines:
                    samples[engine.label].append(engine.run())
            medians = {name: statistics.median(values) for name, values in samples.items()}
            rows.append((label, medians[raw.label], medians[local.label], medians[vllm.label]))
            single = aggregate_tokens_per_s(client, args.tokens, 1)
            four = aggregate_tokens_per_s(client, args.tokens, 4)
            eight = aggregate_tokens_per_s(client, args.tokens, 8)
            concurrency_rows.append((label, single, four, eight))
            print(f"[{label}] raw {medians[raw.label]:.1f}, in-process {medians[local.label]:.1f}, "
                  f"vLLM {medians[vllm.label]:.1f} tok/s; aggregate 1/4/8 streams: "
                  f"{single:.1f}/{four:.1f}/{eight:.1f} tok/s", flush=True)
            client.close()
        finally:
            server.stop()

    print_tables(model.name, args, bandwidth, bytes_per_token, rows, concurrency_rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
