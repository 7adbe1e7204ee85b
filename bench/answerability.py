"""How well does the served model tell whether the passages answer a question (`service.answerability`)?

    .venv/bin/python bench/answerability.py --llm-url http://127.0.0.1:8011/v1 --model qwen2.5-coder-1.5b-instruct

Two measurements, each through the app's own prompt (`Assistant.grounded_prompt`, the check's messages):

- stackfaq (held out: never used to write the prompt): StackFAQ's labelled queries against a knowledge base
  of its own entries. Each query is asked twice: with its top passages including the labelled entry
  (answerable: the check should say FOUND) and with the labelled entry taken out (the others stay: on topic,
  but not the answer; the check should say MISSING).
- dev: the sample knowledge base's dev questions (samples/qa_dev.jsonl) with the passages the app
  retrieves for them; unanswerable questions should get MISSING, the others FOUND.

Prints, per set, the share of FOUND for the answerable, of MISSING for the unanswerable, of neither, and the check's
time p50; `--out` keeps every verdict.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.answerability import VERDICT_TOKENS, verdict  # noqa: E402
from service.language import detect_language  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
K = 4


def ask(assistant, question: str, hits: list) -> tuple[str, float]:
    """The model's verdict text on `hits` for `question`, and how long it took."""
    params = assistant.params(max_tokens=VERDICT_TOKENS, temperature=0.0)
    prompt = assistant.grounded_prompt(question, [], hits, params, detect_language(question), with_check=True)
    started = time.perf_counter()
    said = "".join(assistant.backend.stream(prompt.check_messages, params))
    return said, time.perf_counter() - started


def stackfaq_cases(data: Path, count: int, seed: int, kb) -> list[dict]:
    """(question, hits, answerable) pairs from StackFAQ: the labelled entry in the passages, and taken out."""
    kb.ingest([data / "stackfaq" / "kb.jsonl"])
    queries = [json.loads(line) for line in (data / "stackfaq" / "dev_queries.jsonl").read_text().splitlines() if line]
    random.Random(seed).shuffle(queries)
    cases = []
    for query in queries:
        hits = list(kb.search(query["query"], k=K + 1))
        gold = [h for h in hits if h.doc_id == query["doc_id"]]
        if not gold:
            continue  # retrieval missed it: no answerable case to build
        with_gold = gold + [h for h in hits if h.doc_id != query["doc_id"]][: K - 1]
        without = [h for h in hits if h.doc_id != query["doc_id"]][:K]
        cases += [
            {"set": "stackfaq", "question": query["query"], "hits": with_gold, "answerable": True},
            {"set": "stackfaq", "question": query["query"], "hits": without, "answerable": False},
        ]
        if len(cases) >= 2 * count:
            break
    return cases


def dev_cases(assistant, qa: Path) -> list[dict]:
    from service.evaluation import load_qa

    cases = []
    for item in load_qa(qa):
        hits, relevant = assistant.retrieve(item.question)
        if relevant:  # the app asks the model only about relevant passages
            cases.append({"set": "dev", "question": item.question, "hits": hits,
                          "answerable": item.kind != "unanswerable", "id": item.id})
    return cases


def summary(rows: list[dict]) -> dict:
    def share(selected, want):
        return round(sum(r["verdict"] is want for r in selected) / len(selected), 3) if selected else None

    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    return {
        "n": len(rows), "answerable_yes": share(answerable, True), "unanswerable_no": share(unanswerable, False),
        "neither": round(sum(r["verdict"] is None for r in rows) / len(rows), 3) if rows else None,
        "check_p50_s": round(statistics.median(r["seconds"] for r in rows), 2) if rows else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm-url", required=True, help="an OpenAI-compatible server (python -m service serve)")
    parser.add_argument("--model", required=True, help="the served model's name")
    parser.add_argument("--sets", nargs="+", default=["stackfaq", "dev"], choices=["stackfaq", "dev"])
    parser.add_argument("--count", type=int, default=30, help="StackFAQ queries (each asked twice)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--kb", type=Path, default=ROOT / "data" / "kb", help="the sample knowledge base (dev set)")
    parser.add_argument("--qa", type=Path, default=ROOT / "samples" / "qa_dev.jsonl")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    from knowledge_base import KBSettings, KnowledgeBase
    from service.backend_factory import http_backend
    from service.settings import AssistantSettings, Settings
    from service.startup import build_assistant, with_sample_defaults

    settings = Settings(model=args.model)
    backend = http_backend(settings, args.llm_url, args.model)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.sets:
            if name == "stackfaq":
                kb_dir = Path(tmp) / "stackfaq"
                kb = KnowledgeBase.open(kb_dir, KBSettings(kb_dir=kb_dir), create=True)
                assistant = build_assistant(backend, kb, settings, AssistantSettings(company="StackFAQ"), log=lambda _: None)
                cases = stackfaq_cases(args.data, args.count, args.seed, kb)
            else:
                kb = KnowledgeBase.open(args.kb, KBSettings(kb_dir=args.kb))
                assistant = build_assistant(backend, kb, settings, with_sample_defaults(AssistantSettings(), kb), log=lambda _: None)
                cases = dev_cases(assistant, args.qa)
            for i, case in enumerate(cases, 1):
                said, seconds = ask(assistant, case["question"], case["hits"])
                row = {k: v for k, v in case.items() if k != "hits"} | {"said": said, "verdict": verdict(said), "seconds": seconds}
                rows.append(row)
                print(f"[{name} {i}/{len(cases)}] {'answerable' if case['answerable'] else 'not      '} "
                      f"{said!r:12} {seconds:5.1f}s {case['question'][:70]}", flush=True)
    if args.out:
        args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    for name in args.sets:
        print(name, json.dumps(summary([r for r in rows if r["set"] == name])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
