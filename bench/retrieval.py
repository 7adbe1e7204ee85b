"""Retrieval benchmark: query latency at 10k and 100k chunks against numpy brute force, and
ingestion throughput on a small real sample. Prints a table; numbers go into the README.

    .venv/bin/python bench/retrieval.py [--sizes 10000 100000] [--queries 200] [--data ../shared/data]

Latency = embedding the query text with the real model + searching the index. The index holds
synthetic unit vectors (clustered, like real embeddings) so that 100k chunks need not be embedded;
the query vectors come from the same distribution so recall@10 against exact search is meaningful.
The numpy baseline searches the very same vectors in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from knowledge_base import KBSettings, KnowledgeBase  # noqa: E402
from knowledge_base.embeddings import SentenceTransformerEmbedder  # noqa: E402
from knowledge_base.vector_index import VectorIndex, concrete_index_type  # noqa: E402

K = 10


def synthetic(n: int, dim: int, rng: np.random.Generator, clusters: int = 512) -> np.ndarray:
    centers = rng.standard_normal((clusters, dim)).astype(np.float32)
    x = centers[rng.integers(0, clusters, n)] + 0.9 * rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def numpy_topk(vectors: np.ndarray, q: np.ndarray, k: int) -> np.ndarray:
    scores = vectors @ q
    top = np.argpartition(-scores, k)[:k]
    return top[np.argsort(-scores[top])]


def pct(values: list[float], p: float) -> float:
    return float(np.percentile(values, p)) * 1000


def time_search(fn, queries: np.ndarray) -> tuple[list[float], list[np.ndarray]]:
    times, results = [], []
    for q in queries:
        t = time.perf_counter()
        results.append(fn(q))
        times.append(time.perf_counter() - t)
    return times, results


def latency(embedder, texts: list[str], sizes: list[int], n_queries: int) -> list[dict]:
    rng = np.random.default_rng(0)
    embedder.embed(texts[:8])  # warm up
    embed_times = []
    for text in (texts * (n_queries // len(texts) + 1))[:n_queries]:
        t = time.perf_counter()
        embedder.embed([text])
        embed_times.append(time.perf_counter() - t)
    rows = []
    for n in sizes:
        data = synthetic(n + n_queries, embedder.dimension, rng)
        vectors, queries = data[:n], data[n:]
        labels = np.arange(n)
        np_times, exact = time_search(lambda q: numpy_topk(vectors, q, K), queries)
        rows.append(_row(n, "numpy brute force", np_times, embed_times, 1.0, None, 0.0))
        for index_type in ("flat", "hnsw"):
            settings = KBSettings(index_type=index_type)
            t = time.perf_counter()
            index = VectorIndex.build(vectors, labels, n, settings)
            build = time.perf_counter() - t
            times, got = time_search(lambda q: np.array([c for c, _ in index.search(q[None, :], K)[0]]), queries)
            recall = float(np.mean([len(set(g) & set(e)) / K for g, e in zip(got, exact)]))
            default = " (default)" if concrete_index_type(KBSettings(), n) == index_type else ""
            rows.append(_row(n, f"faiss {index_type}{default}", times, embed_times, recall, np_times, build))
    return rows


def _row(n, name, times, embed_times, recall, baseline, build) -> dict:
    total = [a + b for a, b in zip(times, embed_times)]
    row = {
        "chunks": n, "index": name, "build_s": round(build, 1),
        "search_p50_ms": pct(times, 50), "search_p95_ms": pct(times, 95),
        "total_p50_ms": pct(total, 50), "total_p95_ms": pct(total, 95), "recall@10": recall,
    }
    if baseline is not None:
        base_total = [a + b for a, b in zip(baseline, embed_times)]
        row["speedup_search"] = statistics.median(baseline) / statistics.median(times)
        row["speedup_total"] = statistics.median(base_total) / statistics.median(total)
    return row


def ingestion(embedder, data: Path | None) -> dict:
    """Chunks per second through `KnowledgeBase.ingest` on real FAQ text (or generated prose)."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sample = data / "stackfaq" / "kb.jsonl" if data and (data / "stackfaq" / "kb.jsonl").exists() else None
        if sample is None:  # generated prose when the shared data is absent
            sample = tmp / "notes.md"
            sample.write_text("\n\n".join(f"## Topic {i}\n\n" + f"Support text number {i}. " * 60 for i in range(100)))
        kb = KnowledgeBase.open(tmp / "kb", KBSettings(), create=True, embedder=embedder)
        t = time.perf_counter()
        report = kb.ingest([sample])
        elapsed = time.perf_counter() - t
        chars = sum(len(c["text"]) for c in kb._snap.chunks) / max(1, len(kb._snap.chunks))
        vectors = len(kb._snap.vectors)
    return {"sample": sample.name, "chunks": report.chunks, "vectors": vectors, "seconds": elapsed,
            "chunks_per_s": report.chunks / elapsed, "avg_chars": chars}


def query_texts(data: Path | None) -> list[str]:
    path = data / "covidfaq" / "dev_queries.jsonl" if data else None
    if path and path.exists():
        return [json.loads(line)["query"] for line in path.read_text().splitlines() if line.strip()]
    return [f"how do I change setting number {i} in my account" for i in range(50)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200, help="timed queries per index")
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1] / ".." / "shared" / "data")
    args = parser.parse_args(argv)
    data = args.data if args.data.exists() else None

    model_name = KBSettings().embedding_model
    embedder = SentenceTransformerEmbedder(model_name)
    rows = latency(embedder, query_texts(data), args.sizes, args.queries)
    print(f"\nQuery latency, k={K}, {args.queries} queries, {model_name} query embedding on CPU "
          f"(total = embed + search)")
    print("| chunks | index | build s | search p50 / p95 ms | total p50 / p95 ms | recall@10 vs exact | speed-up vs numpy (search / total) |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for r in rows:
        speed = f"{r['speedup_search']:.1f}x / {r['speedup_total']:.2f}x" if "speedup_search" in r else "1x"
        print(f"| {r['chunks']:,} | {r['index']} | {r['build_s']} | {r['search_p50_ms']:.2f} / {r['search_p95_ms']:.2f} | "
              f"{r['total_p50_ms']:.1f} / {r['total_p95_ms']:.1f} | {r['recall@10']:.3f} | {speed} |")
    largest = [r for r in rows if r["chunks"] == max(args.sizes) and r["index"].endswith("(default)")]
    for r in largest:
        met = r["speedup_search"] >= 1.5 and r["recall@10"] >= 0.98
        print(f"\nDefault index at {r['chunks']:,} chunks: search {r['speedup_search']:.1f}x numpy, recall@10 "
              f"{r['recall@10']:.3f} (target >= 1.5x with recall >= 0.98): {'met' if met else 'NOT met'}")
    ing = ingestion(embedder, data)
    print(f"\nIngestion: {ing['chunks']} chunks ({ing['vectors']} vectors, avg {ing['avg_chars']:.0f} chars) from "
          f"{ing['sample']} in {ing['seconds']:.1f} s = {ing['chunks_per_s']:.1f} chunks/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
