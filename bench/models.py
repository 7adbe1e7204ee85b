"""Choose the default model by measurement: every bundled candidate (or a local checkpoint folder, such as a
W8A8 variant from `python -m service.quantization`) served by vLLM on this machine, through the app's own
answering and translation paths.

    .venv/bin/python bench/models.py                                   # every prepared candidate
    .venv/bin/python bench/models.py --models qwen2.5-coder-1.5b-instruct --redo answers
    .venv/bin/python bench/models.py --report                          # the table from the saved results

Per candidate, in stages, each saved to `data/bench/models/NAME.json` as soon as it is done, so a run that
stops resumes where it stopped (`--redo STAGE` measures a stage again):
- `size`: download (the GGUF parts' bytes) and disk (the converted checkpoint), and the bytes of weights a
  decode step reads as served (int8 one byte a weight, packed int4 half a byte, the rest float32);
- `speed`: decode tok/s at 1 and 8 streams (64 new tokens each, min = max), the memory bandwidth measured
  in the same run and the bound it sets (bandwidth / bytes of weights read per token);
- `answers`: `samples/qa_dev.jsonl` through `Assistant.chat` with every stage on (FAQ direct answers,
  grounding guard), one question at a time, so its time to first token and latency are one customer's;
- `model_alone`: the same questions with FAQ direct answers and the guard off (the model's own accuracy),
  `--workers` questions at a time (accuracy only: its latencies are a shared server's);
- `translation`: `--segments` WMT23 segments each way through `Assistant.translate` (the `/translate`
  path), chrF (sacrebleu) against the references;
- peak RSS of the vLLM server's process tree over the stages run with it.
The answers of each run go to `data/bench/models/NAME-STAGE.jsonl`.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.generation import aggregate_tokens_per_s, measure_bandwidth_gbs, start_vllm
from service.errors import BackendUnavailableError
from service.model_registry import get_bundled, registry_names
from service.models import checkpoint_dir, is_prepared, resolve_model
from service.settings import AssistantSettings, Settings
from service.vllm_server import served_dtype

REPO = Path(__file__).resolve().parents[1]
WMT23 = REPO.parent / "shared" / "data" / "wmt23"
STAGES = ("size", "speed", "answers", "model_alone", "translation")
# Bytes per float weight as vLLM serves it (`served_dtype`): float32 on CPUs without native bf16, else bfloat16.
FLOAT_BYTES = {"bfloat16": 2, "float16": 2, "half": 2, "float32": 4}


def load_results(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def save_results(path: Path, results: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    partial.replace(path)


def tensor_sizes(checkpoint: Path) -> Iterator[tuple[int, str]]:
    """(element count, safetensors dtype such as "BF16" or "I8") of every tensor in a checkpoint, read from the
    headers: no tensor is loaded."""
    from safetensors import safe_open

    for file in sorted(checkpoint.glob("*.safetensors")):
        with safe_open(str(file), framework="pt") as f:
            for key in f.keys():  # noqa: SIM118 - safe_open is not a dict
                tensor = f.get_slice(key)
                yield math.prod(tensor.get_shape()), tensor.get_dtype()


def parameter_count(checkpoint: Path) -> int:
    """Weights stored in a safetensors checkpoint."""
    return sum(count for count, _ in tensor_sizes(checkpoint))


def folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


class PeakRSS:
    """The highest resident memory of a process and its children, sampled every `interval_s` in a thread."""

    def __init__(self, pid: int, interval_s: float = 0.5):
        import psutil

        self.process, self.interval_s, self.peak = psutil.Process(pid), interval_s, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import psutil

        while not self._stop.wait(self.interval_s):
            try:
                tree = [self.process, *self.process.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                continue

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def served_bytes_per_token(checkpoint: Path, served: str = "float32") -> int:
    """Bytes of weights a decode step reads: int8 tensors (a W8A8 checkpoint's linear layers) one byte per
    weight, int32 words (a W4A16 checkpoint's packed weights, eight 4-bit weights each) four bytes per word,
    every other tensor at the served float dtype's size (vLLM casts them to it)."""
    size = {"I8": 1, "U8": 1, "I32": 4}
    per_float = FLOAT_BYTES.get(served, 4)
    return sum(count * size.get(dtype, per_float) for count, dtype in tensor_sizes(checkpoint))


def candidate_checkpoint(name: str, data_dir: Path) -> tuple[Path, int | None]:
    """(checkpoint folder, download bytes or None) of a bundled model's name or a local checkpoint folder
    (a quantized variant: `python -m service.quantization`)."""
    path = Path(name)
    if path.is_dir():
        return path, None
    model = get_bundled(name)
    return checkpoint_dir(model, data_dir), model.size


def result_name(name: str) -> str:
    """The name a candidate's results are saved under: a checkpoint folder's own name."""
    return Path(name).name if Path(name).is_dir() else name


def measure_size(name: str, data_dir: Path) -> dict:
    checkpoint, download = candidate_checkpoint(name, data_dir)
    return {
        "download_mb": None if download is None else round(download / 1e6),
        "disk_mb": round(folder_bytes(checkpoint) / 1e6),
        "stored_parameters": parameter_count(checkpoint),
    }


def measure_speed(backend, bytes_per_token: int, tokens: int = 64) -> dict:
    aggregate_tokens_per_s(backend, 8, 1)  # warm-up: the first request pays for lazy initialisation
    bandwidth = measure_bandwidth_gbs()
    one = statistics.median(aggregate_tokens_per_s(backend, tokens, 1) for _ in range(3))
    eight = aggregate_tokens_per_s(backend, tokens, 8)
    bound = bandwidth * 1e9 / bytes_per_token
    return {
        "tok_s_1": round(one, 1), "tok_s_8": round(eight, 1), "bandwidth_gbs": round(bandwidth, 1),
        "bound_tok_s": round(bound, 1), "share_of_bound": round(one / bound, 2),
    }


def measure_answers(assistant, qa: Path, rows_path: Path, *, full: bool, workers: int) -> dict:
    from service.evaluation import evaluate, load_qa

    summary, rows = evaluate(
        assistant, load_qa(qa), faq_direct=full, guard=full, answer_check=None if full else False, workers=workers, params=assistant.params(),
        progress=lambda line: print("   ", line, flush=True),
    )
    rows_path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return {**summary, "workers": workers}


def load_segments(direction: str, count: int) -> list[dict]:
    path = WMT23 / f"{direction}.dev.jsonl"
    if not path.exists():
        raise SystemExit(f"Error: {path} is missing; the translation stage needs ../shared/data/wmt23 next to the project.")
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return lines[:count]


def measure_translation(assistant, count: int, rows_path: Path, *, workers: int) -> dict:
    import sacrebleu

    results, rows = {}, []
    for direction, target, tokenize in (("en-zh", "zh", "zh"), ("zh-en", "en", "13a")):
        segments = load_segments(direction, count)

        def translate(segment: dict, target: str = target) -> tuple[str, float]:
            started = time.perf_counter()
            reply = assistant.translate(segment["src"], target=target)
            return reply.collect().strip(), time.perf_counter() - started

        with ThreadPoolExecutor(workers) as pool:
            outputs = list(pool.map(translate, segments))
        hypotheses = [text for text, _ in outputs]
        chrf = sacrebleu.corpus_chrf(hypotheses, [[s["ref"] for s in segments]])
        bleu = sacrebleu.corpus_bleu(hypotheses, [[s["ref"] for s in segments]], tokenize=tokenize)
        results[direction] = {"chrf": round(chrf.score, 1), "bleu": round(bleu.score, 1), "segments": len(segments)}
        rows += [{"direction": direction, **s, "hypothesis": h, "seconds": round(t, 2)} for s, (h, t) in zip(segments, outputs)]
        print(f"    {direction}: chrF {chrf.score:.1f}, BLEU {bleu.score:.1f} over {len(segments)} segments", flush=True)
    rows_path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return results


def run_candidate(name: str, args: argparse.Namespace) -> dict:
    from service.backend_factory import http_backend
    from service.startup import (
        build_assistant,
        open_knowledge_base,
        with_sample_defaults,
    )

    path = args.out / f"{result_name(name)}.json"
    results = load_results(path)
    for stage in args.redo:
        results.pop(stage, None)
    todo = [s for s in args.stages if s not in results]
    if not todo:
        print(f"{name}: every stage is measured ({path}).", flush=True)
        return results
    settings = Settings(model=name, data_dir=args.data_dir, port=args.port, vllm_reserved_cpus=args.reserved_cpus)
    served = served_dtype(settings.dtype)
    results["config"] = {"reserved_cpus": args.reserved_cpus, "top_k": args.top_k, "dtype": served}
    if "size" not in results:  # every row of the table shows it, whatever stages were asked
        results["size"] = measure_size(name, settings.data_dir)
        save_results(path, results)
    todo = [s for s in todo if s != "size"]
    if not todo:
        return results
    model = resolve_model(name, settings.data_dir)
    results.pop("error", None)
    try:
        server = start_vllm(settings, model, args.port, {})
    except BackendUnavailableError as e:
        # Kept in its results, so that the table says why, and the other candidates still run.
        results["error"] = str(e)
        save_results(path, results)
        print(f"{name}: vLLM does not serve it here: {e}", flush=True)
        return results
    memory = PeakRSS(server.process.pid)
    try:
        backend = http_backend(settings, server.base_url, model.name)
        kb = open_knowledge_base(args.kb, samples=True)
        answer_settings = AssistantSettings(**({"top_k": args.top_k} if args.top_k is not None else {}))
        assistant = build_assistant(backend, kb, settings, with_sample_defaults(answer_settings, kb))
        for stage in todo:
            print(f"{name}: {stage}...", flush=True)
            started = time.perf_counter()
            rows_path = args.out / f"{result_name(name)}-{stage}.jsonl"
            if stage == "speed":
                checkpoint, _ = candidate_checkpoint(name, settings.data_dir)
                results[stage] = measure_speed(backend, served_bytes_per_token(checkpoint, served))
                results[stage]["served_dtype"] = served
            elif stage == "answers":
                results[stage] = measure_answers(assistant, args.qa, rows_path, full=True, workers=1)
            elif stage == "model_alone":
                results[stage] = measure_answers(assistant, args.qa, rows_path, full=False, workers=args.workers)
            elif stage == "translation":
                results[stage] = measure_translation(assistant, args.segments, rows_path, workers=args.workers)
            results[stage]["stage_s"] = round(time.perf_counter() - started)
            results["peak_rss_mb"] = max(results.get("peak_rss_mb", 0), round(memory.peak / 1e6))
            save_results(path, results)
            print(f"{name}: {stage} {json.dumps(results[stage], ensure_ascii=False)}", flush=True)
        backend.close()
    finally:
        results["peak_rss_mb"] = max(results.get("peak_rss_mb", 0), round(memory.stop() / 1e6))
        save_results(path, results)
        server.stop()
    return results


def report(names: list[str], out: Path) -> None:
    """The README's model table from the saved results."""
    print("| model | correct, model alone (en / zh) | correct, all stages (en / zh) | unanswerable declined | "
          "unsupported numbers | TTFT p50 / p95 | answer p50 | tok/s 1 / 8 streams (of bound) | chrF en→zh / zh→en | "
          "peak RSS | download / disk |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name in names:
        r = load_results(out / f"{result_name(name)}.json")
        if not r:
            continue
        alone, full, speed = r.get("model_alone", {}), r.get("answers", {}), r.get("speed", {})
        tr, size = r.get("translation", {}), r.get("size", {})

        def fmt(value, unit=""):
            return "–" if value is None else f"{value}{unit}"

        if "error" in r:
            print(f"| {result_name(name)} | does not serve here: {r['error'].split(' (full log')[0]} |")
            continue

        print(
            f"| {result_name(name)} | {fmt(alone.get('correct'))} ({fmt(alone.get('correct_en'))} / {fmt(alone.get('correct_zh'))}) "
            f"| {fmt(full.get('correct'))} ({fmt(full.get('correct_en'))} / {fmt(full.get('correct_zh'))}) "
            f"| {fmt(full.get('unanswerable_declined'))} | {fmt(full.get('unsupported_numbers'))} "
            f"| {fmt(full.get('ttft_p50_s'), ' s')} / {fmt(full.get('ttft_p95_s'), ' s')} | {fmt(full.get('latency_p50_s'), ' s')} "
            f"| {fmt(speed.get('tok_s_1'))} / {fmt(speed.get('tok_s_8'))} ({fmt(speed.get('share_of_bound'))}) "
            f"| {fmt(tr.get('en-zh', {}).get('chrf'))} / {fmt(tr.get('zh-en', {}).get('chrf'))} "
            f"| {fmt(r.get('peak_rss_mb'), ' MB')} | {fmt(size.get('download_mb'), ' MB')} / {fmt(size.get('disk_mb'), ' MB')} |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", help="Candidates (default: every bundled model already prepared).")
    parser.add_argument("--stages", nargs="+", choices=STAGES, default=list(STAGES))
    parser.add_argument("--redo", nargs="+", choices=STAGES, default=[], help="Measure these stages again.")
    parser.add_argument("--qa", type=Path, default=REPO / "samples" / "qa_dev.jsonl")
    parser.add_argument("--kb", type=Path, default=Path("data/kb"), help="The sample knowledge base (built if missing).")
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--out", type=Path, default=Path("data/bench/models"))
    parser.add_argument("--segments", type=int, default=50, help="WMT23 segments per direction.")
    parser.add_argument("--workers", type=int, default=4, help="Requests in flight for the accuracy-only stages.")
    parser.add_argument("--port", type=int, default=8041)
    parser.add_argument("--reserved-cpus", type=int, help="Cores vLLM keeps for its scheduler (default: vLLM's, 1; 0: all for the model).")
    parser.add_argument("--top-k", type=int, help="Passages per question (default: ASSISTANT_TOP_K or 4).")
    parser.add_argument("--report", action="store_true", help="Only print the table of the saved results.")
    args = parser.parse_args(argv)
    names = args.models or [n for n in registry_names() if is_prepared(get_bundled(n), args.data_dir)]
    if not args.report:
        for name in names:
            run_candidate(name, args)
    report(names, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
