"""Load: customers at twice the app's concurrency for ten minutes (Locust, headless, loopback only).

    .venv/bin/python bench/load.py [--kb data/kb] [--minutes 10] [--concurrency 4] [--engine vllm|scripted]
        [--model NAME] [--out data/bench/load]

Starts the app as `make run` does (its own data directory, a copy of the knowledge base, the managed
vLLM server or the given engine), with the per-client limits keyed per simulated customer (the app trusts
the local proxy, each customer sends its own X-Forwarded-For), and runs `bench/locustfile.py` with
2 x concurrency customers. Meanwhile it samples the app process's memory every 5 s. Then it reads the
conversation store once its count of stored turns has been stable for 3 s. Prints a Markdown table and, as its
last line, JSON: completed replies, error rate (errors / all, busy and rate-limited answers counted apart),
first token and whole answer p50/p95, memory growth from minute 2 to the end, and stored turns against
answered replies: `every_answer_stored` is answered <= stored <= asked - refused - failed submissions, i.e.
answered plus the questions the app may have answered without locust recording a complete answer (a broken
stream, a customer stopped mid-question when the run ends: seen once in ten short runs), which `unfinished`
counts. When there are none, stored must equal answered. (With a slow model an answer may still be in
flight after 3 quiet seconds: the bound holds either way.)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(args, work: Path, port: int) -> subprocess.Popen:
    kb = work / "kb"
    if args.kb and Path(args.kb).exists():
        shutil.copytree(args.kb, kb)
    env = {**os.environ, "ASSISTANT_TRUSTED_PROXIES": '["127.0.0.1"]', "ASSISTANT_CONCURRENCY": str(args.concurrency),
           "ASSISTANT_ENGINE": args.engine}
    if args.model:
        env["ASSISTANT_MODEL"] = args.model
    if args.engine == "scripted":
        env["ASSISTANT_KB_EMBEDDING_MODEL"] = "hash"
    command = [sys.executable, "app.py", "--kb", str(kb), "--data-dir", str(work), "--port", str(port)]
    if args.engine == "vllm":
        command += ["--llm-port", str(free_port())]
    log = open(work / "app.log", "wb")
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_until_up(app: subprocess.Popen, port: int, work: Path, timeout_s: float = 1200) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if app.poll() is not None:
            raise SystemExit(f"The app exited with {app.returncode}; see {work / 'app.log'}.")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(1)
    raise SystemExit("The app did not start in time.")


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def sample_memory(pid: int, stop: threading.Event, samples: list[tuple[float, float]]) -> None:
    started = time.monotonic()
    while not stop.wait(5):
        value = rss_mb(pid)
        if value is not None:
            samples.append((time.monotonic() - started, value))


def run_locust(args, port: int, out: Path) -> None:
    users = 2 * args.concurrency
    subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(REPO / "bench" / "locustfile.py"), "--headless", "-u", str(users),
         "-r", str(max(1, users // 4)), "-t", f"{args.minutes * 60:.0f}s", "--host", f"http://127.0.0.1:{port}",
         "--json-file", str(out), "--only-summary", "--stop-timeout", "120"],
        cwd=REPO, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def read_stats(out: Path) -> dict[str, dict]:
    """Locust's final statistics per request name. The JSON file is written once every customer has stopped;
    its CSV files are not (they are rewritten every second and not at the end, so the last second of a run
    can be missing from them: that made stored turns exceed answered replies)."""
    from locust.stats import calculate_response_time_percentile

    stats = {}
    for entry in json.loads(Path(f"{out}.json").read_text(encoding="utf-8")):
        times = {int(float(ms)): n for ms, n in entry["response_times"].items()}
        timed = entry["num_requests"] - entry.get("num_none_requests", 0)
        stats[entry["name"]] = {
            "requests": entry["num_requests"], "failures": entry["num_failures"],
            "p50_ms": calculate_response_time_percentile(times, timed, 0.5) if timed else None,
            "p95_ms": calculate_response_time_percentile(times, timed, 0.95) if timed else None,
        }
    return stats


def stored_turns(work: Path) -> int:
    from support.store import ConversationStore, sqlite_url

    store = ConversationStore.open(sqlite_url(work))
    try:
        return store.count_turns(channel="api")
    finally:
        store.close()


def drained_stored_turns(work: Path, quiet_s: float = 3.0, timeout_s: float = 120.0) -> int:
    """The stored turns once the count has not changed for `quiet_s` (time for the app to store the answers
    still in flight when the customers stopped; with a slow model one may still be generating)."""
    deadline = time.monotonic() + timeout_s
    last, since = stored_turns(work), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < quiet_s:
        time.sleep(0.5)
        now = stored_turns(work)
        if now != last:
            last, since = now, time.monotonic()
    return last


def summarize(stats: dict[str, dict], samples: list[tuple[float, float]], stored: int) -> dict:
    def count(name: str, field: str = "requests") -> int:
        return stats.get(name, {}).get(field, 0)

    def seconds(name: str, field: str) -> float | None:
        value = stats.get(name, {}).get(field)
        return None if value is None else round(value / 1000, 2)

    completed = count("chat") - count("chat", "failures")
    errors = count("chat", "failures") + count("chat (submit)", "failures")
    refused = count("busy") + count("rate_limited")
    answered = completed - refused
    after_warmup = [mb for t, mb in samples if t >= 120]
    growth = (after_warmup[-1] / after_warmup[0] - 1) if len(after_warmup) >= 2 else None
    return {
        "requests": count("chat") + count("chat (submit)", "failures"), "answered": answered, "errors": errors,
        "error_rate": round(errors / max(1, count("chat")), 4), "busy": count("busy"), "rate_limited": count("rate_limited"),
        "first_token_p50_s": seconds("first token", "p50_ms"), "first_token_p95_s": seconds("first token", "p95_ms"),
        "answer_p50_s": seconds("answer", "p50_ms"), "answer_p95_s": seconds("answer", "p95_ms"),
        "memory_mb_at_2min": after_warmup[0] if after_warmup else None, "memory_mb_at_end": samples[-1][1] if samples else None,
        "memory_growth": None if growth is None else round(growth, 4), "stored_turns": stored,
        "submitted": count("chat (submit)"), "asked": count("asked"),
        "unfinished": count("asked") - count("chat") + count("chat", "failures"),
        "every_answer_stored": answered <= stored <= count("asked") - refused - count("chat (submit)", "failures"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", default="data/kb", help="Knowledge base to copy (none: the sample is built).")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=4, help="The app's concurrency; customers: twice this.")
    parser.add_argument("--engine", choices=["vllm", "local", "scripted"], default="vllm")
    parser.add_argument("--model")
    parser.add_argument("--out", type=Path, default=Path("data/bench/load"))
    args = parser.parse_args(argv)

    sys.path.insert(0, str(REPO))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work, port = Path(tmp), free_port()
        app = start_app(args, work, port)
        samples: list[tuple[float, float]] = []
        stop = threading.Event()
        try:
            wait_until_up(app, port, work)
            sampler = threading.Thread(target=sample_memory, args=(app.pid, stop, samples), daemon=True)
            sampler.start()
            run_locust(args, port, args.out)
            stored = drained_stored_turns(work)
        finally:
            stop.set()
            os.killpg(app.pid, 15)
            app.wait(timeout=60)
        result = summarize(read_stats(args.out), samples, stored)
    print("| customers | answered | error rate | busy | rate limited | first token p50 / p95 | answer p50 / p95 "
          "| memory growth (min 2 to end) | stored turns |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    r = result
    print(f"| {2 * args.concurrency} | {r['answered']} | {r['error_rate']:.2%} | {r['busy']} | {r['rate_limited']} "
          f"| {r['first_token_p50_s']} / {r['first_token_p95_s']} s | {r['answer_p50_s']} / {r['answer_p95_s']} s "
          f"| {r['memory_growth']} | {r['stored_turns']} of {r['asked']} asked |")
    print(json.dumps({"minutes": args.minutes, "concurrency": args.concurrency, "engine": args.engine, **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
