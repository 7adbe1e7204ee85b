"""Command line for the knowledge base.

    .venv/bin/python -m knowledge_base ingest docs/ faq.jsonl --kb data/kb
    .venv/bin/python -m knowledge_base search "how do I reset my password" --kb data/kb -k 5 [--json]
    .venv/bin/python -m knowledge_base list --kb data/kb
    .venv/bin/python -m knowledge_base remove faq-001 --kb data/kb
    .venv/bin/python -m knowledge_base eval --queries dev_queries.jsonl --kb data/kb [-k 5] [--compare] [--half tune]
    .venv/bin/python -m knowledge_base finetune-embedder --set kb.jsonl dev_queries.jsonl [--set ...] --out DIR

Settings come from `ASSISTANT_KB_*` environment variables (see settings.py); flags override them.
Exit status: 0 on success; 1 on a user error (a bad setting, a missing or mismatched knowledge base,
printed as one sentence, no traceback) and when any file failed to ingest (the others are still
committed); argparse's 2 for a malformed command line.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from pydantic import ValidationError

from .errors import KnowledgeBaseError
from .settings import KBSettings, settings_error


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m knowledge_base", description=__doc__.split("\n")[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--kb", type=Path, help="knowledge-base folder (default: ASSISTANT_KB_KB_DIR or data/kb)")
    common.add_argument("--embedding-model", help="embedding model (must match the one the index was built with)")
    common.add_argument(
        "--index-type", choices=["auto", "flat", "hnsw"],
        help="auto (exact for small bases, HNSW for large ones; the default), flat (exact) or hnsw (approximate)",
    )
    common.add_argument("--retrieval", choices=["hybrid", "dense", "lexical"], help="retrieval mode for search/eval")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", parents=[common], help="add or update files and folders")
    p.add_argument("paths", nargs="+", type=Path)
    p.add_argument("--chunk-tokens", type=int, help="largest chunk, in model tokens")
    p.add_argument("--chunk-overlap", type=int, help="tokens shared by consecutive chunks")
    p.add_argument(
        "--progress", action=argparse.BooleanOptionalAction, default=None,
        help="progress bars on stderr (default: when stderr is a terminal)",
    )

    p = sub.add_parser("search", parents=[common], help="print the best passages for a query")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--json", action="store_true", help="one JSON array of passages")

    sub.add_parser("list", parents=[common], help="list the documents")

    p = sub.add_parser("remove", parents=[common], help="remove a document by id")
    p.add_argument("doc_id")

    p = sub.add_parser("eval", parents=[common], help="recall@1/5 and MRR@10 on labelled queries")
    p.add_argument("--queries", type=Path, required=True, help='JSON Lines: {"query": ..., "doc_id": ...}')
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--compare", action="store_true", help="also report dense-only and lexical-only")
    p.add_argument("--half", choices=["tune", "unseen"], help="only this fixed half of the queries (see split_queries)")

    p = sub.add_parser("finetune-embedder", help="fine-tune the embedding model on labelled (query, FAQ entry) pairs")
    p.add_argument("--set", nargs=2, action="append", required=True, type=Path, metavar=("FAQ", "QUERIES"),
                   help="an FAQ file (.jsonl/.csv) and its labelled queries; repeat for several")
    p.add_argument("--out", type=Path, required=True, help="folder for the fine-tuned model")
    p.add_argument("--base", help="model to start from (default: the configured embedding model)")
    p.add_argument("--half", choices=["tune", "all"], default="tune",
                   help="train on the tune half of the queries (default; the unseen half stays for eval) or on all")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=16)
    return parser


def _settings(args: argparse.Namespace) -> KBSettings:
    overrides = {
        name: value
        for name, value in {
            "kb_dir": getattr(args, "kb", None),
            "embedding_model": getattr(args, "embedding_model", None),
            "index_type": getattr(args, "index_type", None),
            "retrieval": getattr(args, "retrieval", None),
            "chunk_tokens": getattr(args, "chunk_tokens", None),
            "chunk_overlap": getattr(args, "chunk_overlap", None),
        }.items()
        if value is not None
    }
    return KBSettings(**overrides)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = _settings(args)
    except ValidationError as e:
        print(f"error: {settings_error(e)}", file=sys.stderr)
        return 1
    try:
        return _run(args, settings)
    except KnowledgeBaseError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace, settings: KBSettings) -> int:
    from .kb import KnowledgeBase

    root = settings.kb_dir
    match args.command:
        case "ingest":
            kb = KnowledgeBase.open(root, settings, create=True)
            report = kb.ingest(args.paths, progress=sys.stderr.isatty() if args.progress is None else args.progress)
            for _, reason in report.failed:
                print(f"failed: {reason}", file=sys.stderr)
            print(report.summary())
            return 1 if report.failed else 0
        case "search":
            kb = KnowledgeBase.open(root, settings)
            hits = kb.search(args.query, k=args.k)
            if args.json:
                print(json.dumps([asdict(h) for h in hits], ensure_ascii=False, indent=2))
                return 0
            if not kb.is_relevant(hits):
                print(f"(no passage reaches the relevance threshold {kb.relevance_threshold})")
            for n, h in enumerate(hits, 1):
                text = h.text if len(h.text) <= 300 else h.text[:300] + "..."
                print(f"{n}. [{h.score:.3f}] {h.chunk_id}  {h.citation()}\n   {text}\n")
            return 0
        case "list":
            kb = KnowledgeBase.open(root, settings)
            docs = kb.documents()
            for d in docs:
                print(f"{d.doc_id}\t{d.chunks} chunk(s)\t{d.title}\t{d.source}")
            print(f"{len(docs)} document(s), {len(kb)} chunk(s)", file=sys.stderr)
            return 0
        case "remove":
            kb = KnowledgeBase.open(root, settings)
            kb.remove(args.doc_id)
            print(f"removed {args.doc_id}")
            return 0
        case "eval":
            from .evaluation import evaluate, read_queries, split_queries

            kb = KnowledgeBase.open(root, settings)
            queries = read_queries(args.queries)
            if args.half:
                queries = split_queries(queries, args.half)
                if not queries:
                    raise KnowledgeBaseError(f"The {args.half} half of {args.queries} holds no queries.")
            result = evaluate(kb, queries, args.k)
            if args.compare:
                for mode in ("dense", "lexical", "hybrid"):
                    if mode != result["mode"]:
                        result[mode] = evaluate(kb, queries, args.k, mode)
            print(json.dumps(result))
            return 0
        case "finetune-embedder":
            return _finetune_embedder(args, settings)
    raise AssertionError(f"unhandled command {args.command}")  # argparse only accepts the commands above


def _finetune_embedder(args: argparse.Namespace, settings: KBSettings) -> int:
    from .embedder_tuning import TuningConfig, finetune, training_pairs
    from .evaluation import read_queries, split_queries

    pairs = []
    for faq, queries_file in args.set:
        queries = read_queries(queries_file)
        pairs += training_pairs(faq, queries if args.half == "all" else split_queries(queries, "tune"))
    config = TuningConfig(epochs=args.epochs, batch_size=args.batch_size)
    out = finetune(args.base or settings.embedding_model, pairs, args.out, config, cache_dir=settings.model_cache)
    print(f"fine-tuned embedder saved in {out} ({len(pairs)} pairs); use it with ASSISTANT_KB_EMBEDDING_MODEL={out} "
          "and re-ingest the knowledge base")
    return 0


if __name__ == "__main__":
    sys.exit(main())
