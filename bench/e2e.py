"""End-to-end latency of the app through gradio_client, split into retrieval, model and the app's own overhead.

    .venv/bin/python bench/e2e.py                                   # managed vLLM, data/kb (sample KB if missing)
    .venv/bin/python bench/e2e.py --llm-url http://127.0.0.1:8011/v1 --questions 38 --max-tokens 64

For each question of the sample FAQ (samples/kb/faq.csv), in one run, both paths in alternating order
(vLLM's prefix cache makes whichever runs second prefill faster):
- direct: the knowledge base's search, then the backend's stream with the very prompt the assistant
  builds (greedy, so both paths generate the same tokens): retrieval time, model time to first token
  and total;
- app: the same question through the running Gradio app's /chat endpoint with gradio_client: time to
  first streamed text and total.
The app's own overhead is app time minus (retrieval + model) time, as a share of the app time.
Prints a Markdown table with p50 and p95 of each, and a one-line verdict against the targets
(p50 time to first token <= 1.0 s, p95 <= 2.0 s, overhead <= 10%).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    pos = (len(values) - 1) * q
    lo, hi = int(pos), min(int(pos) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_questions(n: int) -> list[str]:
    with open(REPO / "samples" / "kb" / "faq.csv", newline="", encoding="utf-8") as f:
        questions = [row["question"] for row in csv.DictReader(f)]
    if n > len(questions):
        raise SystemExit(f"--questions {n}: the sample FAQ has only {len(questions)} questions.")
    return questions[:n]


def time_direct(assistant, question: str) -> dict:
    """Retrieval, then the backend with the assistant's own prompt; no app, no HTTP layer of ours."""
    t0 = time.perf_counter()
    reply = assistant.chat(question, [])  # retrieves and builds the prompt; does not call the model yet
    retrieval = time.perf_counter() - t0
    if reply.status != "generated":
        return {"retrieval": retrieval, "ttft": None, "total": None, "status": reply.status}
    params = assistant.params()
    t1 = time.perf_counter()
    first, text = None, ""
    for chunk in assistant.backend.stream(reply.messages, params):
        if first is None and chunk:
            first = time.perf_counter() - t1
        text += chunk
    return {"retrieval": retrieval, "ttft": first, "total": time.perf_counter() - t1, "text": text, "status": "generated"}


def time_app(client, question: str) -> dict:
    t0 = time.perf_counter()
    job = client.submit(question, [], api_name="/chat")
    first = None
    for text, _ in job:
        if first is None and text:
            first = time.perf_counter() - t0
    text, _ = job.result()
    return {"ttft": first, "total": time.perf_counter() - t0, "text": text}


def report(rows: list[tuple], args: argparse.Namespace) -> None:
    """The table of both paths' timings and the app's overhead against its targets."""
    answered = [(q, d, a) for q, d, a in rows if d["status"] == "generated" and a["ttft"] is not None]
    same = sum(d["text"] == a["text"] for _, d, a in answered)
    retrieval = [d["retrieval"] for _, d, _ in answered]
    model_ttft = [d["ttft"] for _, d, _ in answered]
    direct_ttft = [d["retrieval"] + d["ttft"] for _, d, _ in answered]
    direct_total = [d["retrieval"] + d["total"] for _, d, _ in answered]
    app_ttft = [a["ttft"] for _, _, a in answered]
    app_total = [a["total"] for _, _, a in answered]
    over_ttft = [a - d for a, d in zip(app_ttft, direct_ttft)]
    over_total = [a - d for a, d in zip(app_total, direct_total)]
    share = sum(over_total) / sum(app_total) if app_total else float("nan")
    share_ttft = sum(over_ttft) / sum(app_ttft) if app_ttft else float("nan")

    def line(name, values):
        return f"| {name} | {percentile(values, 0.5):.3f} | {percentile(values, 0.95):.3f} | {statistics.mean(values):.3f} |"

    print(f"\n{len(answered)} of {len(rows)} questions answered from the KB (the others got the no-answer reply); "
          f"max_tokens {args.max_tokens}, greedy, k {args.k}; identical text on both paths: {same}/{len(answered)}.\n")
    print("| seconds | p50 | p95 | mean |\n|---|---|---|---|")
    for name, values in [
        ("retrieval (KB search)", retrieval),
        ("model time to first token (backend direct)", model_ttft),
        ("direct: retrieval + model first token", direct_ttft),
        ("app: time to first token (gradio_client /chat)", app_ttft),
        ("app overhead on first token", over_ttft),
        ("direct: retrieval + whole answer", direct_total),
        ("app: whole answer (gradio_client /chat)", app_total),
        ("app overhead on whole answer", over_total),
    ]:
        print(line(name, values))
    p50, p95 = percentile(app_ttft, 0.5), percentile(app_ttft, 0.95)
    ok = p50 <= 1.0 and p95 <= 2.0 and share <= 0.10
    print(f"\napp overhead: {share:.1%} of total time, {share_ttft:.1%} of time to first token. "
          f"Targets (p50 TTFT <= 1.0 s, p95 <= 2.0 s, overhead <= 10%): {'met' if ok else 'NOT met'} "
          f"(p50 {p50:.2f} s, p95 {p95:.2f} s, overhead {share:.1%}).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/e2e.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", type=Path, default=Path("data/kb"), help="knowledge base (built from samples/kb if missing)")
    parser.add_argument("--llm-url", help="an existing OpenAI-compatible server; default: a managed vLLM server")
    parser.add_argument("--llm-port", type=int, help="port of the managed vLLM server (default: 8011)")
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--k", type=int, default=4, help="passages retrieved")
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args(argv)

    from gradio_client import Client

    from app import build_app
    from ui.server import serve
    from service.backend_factory import open_backend
    from service.handlers import Handlers
    from service.settings import AppSettings, AssistantSettings, Settings
    from service.startup import SAMPLE_GLOSSARY, build_assistant, open_knowledge_base

    settings = Settings(**{k: v for k, v in {"llm_url": args.llm_url, "port": args.llm_port}.items() if v is not None})
    kb = open_knowledge_base(args.kb)
    questions = load_questions(args.questions)
    # The direct path streams the answer's prompt only: the app must not ask the answerability check first.
    answer_settings = AssistantSettings(company="Voltway", temperature=0.0, max_tokens=args.max_tokens, top_k=args.k,
                                        glossary=SAMPLE_GLOSSARY, answer_check=False)
    with contextlib.ExitStack() as stack:
        backend = stack.enter_context(open_backend(settings))
        assistant = build_assistant(backend, kb, settings, answer_settings)
        demo = build_app(Handlers(assistant, kb))
        running = serve(demo, AppSettings(), 4, host="127.0.0.1", port=free_port(), block=False)
        stack.callback(running.close)
        client = Client(running.url, verbose=False)
        for q in questions[: args.warmup]:  # load the embedder, compile paths, open connections
            time_direct(assistant, q), time_app(client, q)
        rows = []
        for i, q in enumerate(questions, 1):
            # vLLM caches prompt prefixes, so whichever path runs second prefills faster: alternate.
            if i % 2:
                d = time_direct(assistant, q)
                a = time_app(client, q)
            else:
                a = time_app(client, q)
                d = time_direct(assistant, q)
            rows.append((q, d, a))
            print(f"[{i}/{len(questions)}] retrieval {d['retrieval']:.3f}s  model ttft {d['ttft'] or 0:.3f}s "
                  f"total {d['total'] or 0:.2f}s | app ttft {a['ttft'] or 0:.3f}s total {a['total']:.2f}s  {q[:50]}",
                  file=sys.stderr, flush=True)

    report(rows, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
