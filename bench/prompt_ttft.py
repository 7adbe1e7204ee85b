"""Time to first token of the app's own prompts with every passage, with the passage margin, with at most N of
those passages, and with only the passages' closest sentences, side by side.

    .venv/bin/python bench/prompt_ttft.py --llm-url http://127.0.0.1:8031/v1 [--margin 0.3] [--passages 2] [--sentences 6] [--questions 20]

For the first N questions of each language of the dev QA set (`samples/qa_dev.jsonl`, sample knowledge base)
that the knowledge base finds relevant, the assistant builds its prompt for each variant (`Assistant.grounded_prompt`:
every one of the k passages retrieved; those within `--margin` of the best; with `--passages N`, the first N of
those (`ASSISTANT_PROMPT_PASSAGES`); with `--sentences N`, the margin's passages' N sentences closest to the question,
`ASSISTANT_PROMPT_SENTENCES`), and
each is sent to the model server for one token, one request at a time, the variants in rotating order. A marker unique to each
request comes just before the passages, so the server's prefix cache serves what every prompt shares (the system
prompt and the frame's opening, as it does for the app) but never one variant's passages from the other. Prints
p50 / mean time to first token and prompt tokens per variant and language, and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from knowledge_base import KBSettings, KnowledgeBase  # noqa: E402
from service.backends import GenerationParams  # noqa: E402
from service.backends.openai_http import OpenAIChatBackend  # noqa: E402
from service.backends.scripted import ScriptedBackend  # noqa: E402
from service.evaluation import QAItem, load_qa  # noqa: E402
from service.language import detect_language  # noqa: E402
from service.prompts import PASSAGES_OPEN  # noqa: E402
from service.settings import AssistantSettings, Settings  # noqa: E402
from service.sources import close_to_best  # noqa: E402
from service.startup import build_assistant, with_sample_defaults  # noqa: E402


def relevant_questions(assistant, qa: Path, per_language: int) -> Iterator[tuple[QAItem, list]]:
    """The first `per_language` questions of each language (en, zh) of the QA file that the knowledge base finds
    relevant, with their retrieved passages."""
    counts = dict.fromkeys(("en", "zh"), 0)
    for item in load_qa(qa):
        if counts.get(item.lang, per_language) >= per_language:
            continue
        hits, relevant = assistant.retrieve(item.question)
        if relevant:
            counts[item.lang] += 1
            yield item, hits


def marked(messages: list[dict]) -> list[dict]:
    """The messages with a marker unique to this request just before the passages (opening the user message when
    it has no passage block): the server's prefix cache serves what every question's prompt shares, the system
    prompt and the frame's opening (as it does for the app), but never an earlier request's passages."""
    content = messages[-1]["content"]
    opening, tag, rest = content.partition(f"{PASSAGES_OPEN}\n")
    marker = f"({uuid.uuid4().hex})\n"
    content = f"{opening}{tag}{marker}{rest}" if tag else f"{marker}{content}"
    return [*messages[:-1], {**messages[-1], "content": content}]


def first_token_s(server, messages: list[dict]) -> float:
    """Seconds until the server streams the first token of its answer to `messages`."""
    start = time.perf_counter()
    for _ in server.stream(messages, GenerationParams(max_tokens=1, temperature=0.0)):
        break
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--llm-url", required=True)
    parser.add_argument("--kb", type=Path, default=Path("data/kb"))
    parser.add_argument("--qa", type=Path, default=Path(__file__).resolve().parents[1] / "samples" / "qa_dev.jsonl")
    parser.add_argument("--margin", type=float, default=0.3)
    parser.add_argument("--passages", type=int, default=0, help="also at most N passages (0: not measured)")
    parser.add_argument("--sentences", type=int, default=0, help="also the N closest sentences (0: not measured)")
    parser.add_argument("--questions", type=int, default=10, help="per language")
    args = parser.parse_args(argv)

    kb = KnowledgeBase.open(args.kb, KBSettings(kb_dir=args.kb))
    settings = Settings()

    def assistant_with(**overrides):
        return build_assistant(ScriptedBackend(), kb, settings, with_sample_defaults(AssistantSettings(**overrides), kb),
                               log=lambda _: None)

    assistant = assistant_with(prompt_sentences=0, prompt_passages={})  # whole passages, whatever the environment sets
    focused = assistant_with(prompt_sentences=args.sentences) if args.sentences else None
    margin_name, sentences_name = f"margin {args.margin}", f"margin {args.margin}, {args.sentences} sentences"
    passages_name = f"margin {args.margin}, at most {args.passages} passages"
    server = OpenAIChatBackend(args.llm_url)
    results: dict[tuple[str, str], list[tuple[float, int]]] = {}
    counts = dict.fromkeys(("en", "zh"), 0)
    for n, (item, hits) in enumerate(relevant_questions(assistant, args.qa, args.questions)):
        counts[item.lang] += 1
        language = detect_language(item.question)
        variants = {"every passage": (assistant, hits), margin_name: (assistant, close_to_best(hits, args.margin))}
        if args.passages:
            variants[passages_name] = (assistant, variants[margin_name][1][: args.passages])
        if focused is not None:
            variants[sentences_name] = (focused, variants[margin_name][1])
        names = list(variants)
        for name in names[n % len(names):] + names[: n % len(names)]:
            builder, used = variants[name]
            prompt = builder.grounded_prompt(item.question, [], used, builder.params(), language)
            messages = marked(prompt.messages)
            tokens = sum(assistant.count_tokens(m["content"]) for m in messages)
            results.setdefault((item.lang, name), []).append((first_token_s(server, messages), tokens))

    print(f"time to first token, one request at a time ({args.llm_url}); questions: {counts}")
    print("| language | prompt | TTFT p50 | TTFT mean | prompt tokens (mean) | TTFT mean vs every passage |")
    print("|---|---|---:|---:|---:|---:|")
    for lang in ("en", "zh"):
        base = statistics.mean(t for t, _ in results.get((lang, "every passage"), [(float("nan"), 0)]))
        for name in ("every passage", margin_name, passages_name, sentences_name):
            rows = results.get((lang, name), [])
            if rows:
                mean = statistics.mean(t for t, _ in rows)
                print(f"| {lang} | {name} | {statistics.median(t for t, _ in rows):.2f} s | {mean:.2f} s "
                      f"| {statistics.mean(k for _, k in rows):.0f} | {mean / base:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
