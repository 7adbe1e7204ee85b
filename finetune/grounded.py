"""Grounded-answering training data from labelled FAQ queries: what an adapter needs to answer from passages.

Contract:
- `grounded_conversations(assistant, queries, ...)` turns each labelled query (`{"query", "doc_id"}`, the shape
  of `../shared/data/*/dev_queries.jsonl`) into one chat conversation in the app's own prompt: the passages the
  app's retrieval returns for the query (`k` of them; the app serves ASSISTANT_TOP_K), cleaned, numbered and framed
  by `Assistant.grounded_prompt` as at serving time, the question cleaned as `Assistant.chat` cleans it, and as
  the reply the labelled entry's curated answer citing that entry's passage number: the answer's sentences
  closest to the query when an embedder is given (a long entry's answer is often not its opening), else its first
  sentences; either way as the cleaned passage shows them (no link the prompt does not show). For a seeded share
  of the queries (`decline_share`), the labelled entry is taken out of the passages and the reply is the app's own
  "I don't know; shall I get a person?": on-topic passages that do not answer are the case a small model otherwise
  answers by inventing. For another (`context_share`), the entry is shown after the start of another entry, in
  one passage, as a section of a longer document: models trained only on one-entry passages learn to copy a
  passage's opening.
- A query whose entry retrieval does not find among the first `k + 1` hits is skipped (its passages might not
  answer it, so neither reply would be right), and so is one whose reply the prompt does not show in full;
  `Stats` counts what was made and skipped.
- Conversations are `{"messages": [...], "source": ...}` dicts (OpenAI chat JSONL when written), with the
  system prompt `finetune.data.clean` puts in front of every training conversation anyway.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import tempfile
from collections.abc import Callable, Iterable
from functools import partial
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from finetune.errors import FinetuneError
from service.extractive import Embed, is_question, split_sentences
from service.injection import without_instructions
from service.language import detect_language
from service.prompts import NO_ANSWER


@dataclass
class Stats:
    answered: int = 0
    declined: int = 0
    in_context: int = 0  # answered with the entry's passage shown after another entry's text
    skipped_empty: int = 0  # nothing left of the query once instructions to an assistant are removed
    skipped_not_retrieved: int = 0
    skipped_too_long: int = 0
    skipped_not_in_prompt: int = 0
    by_set: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def short_answer(text: str, max_sentences: int = 2, max_words: int = 60) -> str:
    """The first sentences of a curated answer, at most `max_sentences` and (past the first) `max_words` words:
    the reply a customer wants, and a short one keeps training examples and served answers short."""
    sentences = split_sentences(text) or [text.strip()]
    kept = [sentences[0]]
    for sentence in sentences[1:max_sentences]:
        if len(" ".join([*kept, sentence]).split()) > max_words:
            break
        kept.append(sentence)
    return " ".join(kept).strip()


def closest_sentences(
    question: str, answer: str, embed: Embed, max_sentences: int = 2, shown: Callable[[str], bool] = lambda _: True,
) -> str:
    """The sentences of `answer` most similar to `question` (at most `max_sentences`, in their order, verbatim as
    `split_sentences` gives them), among those `shown` accepts: the part of a long entry that answers this
    question, not its opening. A sentence ending in "?" is never chosen (in an FAQ entry it is a question)."""
    sentences = [s for s in split_sentences(answer) if not is_question(s) and shown(s)]
    if not sentences or max_sentences < 1:
        return ""
    vectors = np.asarray(embed([question, *sentences]), dtype=np.float32)
    scores = vectors[1:] @ vectors[0]
    chosen = sorted(sorted(range(len(sentences)), key=lambda i: -scores[i])[:max_sentences])
    return " ".join(sentences[i] for i in chosen)


def grounded_conversations(
    assistant,
    queries: Iterable[dict],
    *,
    source: str = "",
    k: int = 4,
    decline_share: float = 0.25,
    context_share: float = 0.0,
    embed: Embed | None = None,
    seed: int = 42,
    max_prompt_tokens: int | None = None,
    stats: Stats | None = None,
) -> list[dict]:
    """Training conversations for `queries` (see the module docstring); `assistant` supplies retrieval, the
    prompt and its token counter (it needs no model). `max_prompt_tokens` drops examples whose prompt is longer
    (a training run truncates them, losing the reply). With `embed`, the reply is the entry's sentences closest
    to the query (`closest_sentences`), else its first ones (`short_answer`). For a seeded `context_share` of the
    answered examples, the entry's passage is shown after another retrieved entry's text, as one passage: a
    section of a longer document, where the answer is not the passage's opening."""
    if not 0 <= decline_share < 1 or not 0 <= context_share <= 1:
        raise ValueError(f"decline_share must be in [0, 1) and context_share in [0, 1] (got {decline_share}, "
                         f"{context_share}).")
    stats = stats if stats is not None else Stats()
    rng = random.Random(seed)
    params = assistant.params()
    out = []
    for row in queries:
        # The question as `Assistant.chat` sends it: without sentences that instruct an assistant.
        query, doc_id = without_instructions(row["query"]), row["doc_id"]
        decline = rng.random() < decline_share
        if not query:
            stats.skipped_empty += 1
            continue
        # Drawn only when asked for, so that the same seed declines the same queries as without the option.
        in_context = context_share > 0 and rng.random() < context_share
        found, _ = assistant.retrieve(query, k + 2)
        hits = found[: k + 1]
        gold = next((h for h in hits if h.doc_id == doc_id), None)
        if gold is None:
            stats.skipped_not_retrieved += 1
            continue
        entry_answer = gold.answer  # the curated answer, whatever passage the entry is shown in
        language = detect_language(query)
        filler = next((h for h in found[k:] if h.doc_id != doc_id), None)
        in_context = in_context and not decline and filler is not None
        if in_context:
            # The start of another entry, then this one: one passage, as a section of a longer document (kept
            # short, so that the prompt's passage length does not cut the answer off).
            merged = dataclasses.replace(gold, text=f"{short_answer(filler.text, 2, 40)}\n\n{gold.text}")
            hits, gold = [merged if h is gold else h for h in hits], merged
        if decline:
            hits = [h for h in hits if h is not gold][:k]
        elif gold not in hits[:k]:  # the entry was the (k+1)-th hit: it takes the last place
            hits = [*hits[: k - 1], gold]
        else:
            hits = hits[:k]
        prompt = assistant.grounded_prompt(query, [], hits, params, language)
        if prompt is None or (not decline and gold not in prompt.used):
            stats.skipped_too_long += 1
            continue
        messages = prompt.messages
        if max_prompt_tokens and sum(assistant.count_tokens(m["content"]) for m in messages) > max_prompt_tokens:
            stats.skipped_too_long += 1
            continue
        if decline:
            reply = NO_ANSWER.get(language, NO_ANSWER["en"])
        else:
            # From the passage as the model sees it (links and contacts the company does not allow removed, cut
            # to the prompt's length), so that no reply teaches the model to say what its passages do not show.
            shown = assistant.clean_passage(entry_answer, query)
            in_prompt = partial(_shown_in, prompt=messages[-1]["content"])  # not cut off by the passage length
            if embed is not None:
                answer = closest_sentences(query, shown, embed, shown=in_prompt)
            else:
                answer = short_answer(shown)
            if not answer or not in_prompt(answer):
                stats.skipped_not_in_prompt += 1
                continue
            reply = f"{answer} [{prompt.used.index(gold) + 1}]"
        stats.declined += decline
        stats.in_context += in_context
        stats.answered += not decline
        stats.by_set[source] = stats.by_set.get(source, 0) + 1
        out.append({"messages": [*messages, {"role": "assistant", "content": reply}], "source": source})
    return out


def _shown_in(answer: str, prompt: str) -> bool:
    """Whether every sentence of `answer` is in `prompt`, whitespace aside."""
    flat = " ".join(prompt.split())
    return all(" ".join(sentence.split()) in flat for sentence in split_sentences(answer) or [answer])


def write_grounded_data(
    sets: list[tuple[Path, Path]],
    out: Path,
    *,
    k: int = 4,
    decline_share: float = 0.25,
    seed: int = 42,
    context_share: float = 0.0,
    closest: bool = False,
    max_prompt_tokens: int | None = None,
    embedding_model: str | None = None,
) -> Stats:
    """For each (FAQ file, labelled queries file) of `sets`, a knowledge base of that FAQ alone (each set is one
    company's help centre) and `grounded_conversations` of its queries; all written to `out` as OpenAI chat JSONL.
    `embedding_model` (default: the knowledge base's default) should be the app's, so that the passages are the
    ones the app would give the model. A missing or unreadable file is a `FinetuneError` before anything is
    written. `closest`: replies of the entry's sentences closest to the query, embedded with the knowledge base's
    model (else its first sentences); `context_share`: see `grounded_conversations`."""
    from knowledge_base import KBSettings, KnowledgeBase
    from knowledge_base.errors import KnowledgeBaseError
    from knowledge_base.evaluation import read_queries
    from service.assistant import Assistant

    for faq, queries_file in sets:
        for path in (faq, queries_file):
            if not Path(path).is_file():
                raise FinetuneError(f"{path} is not a file; --set takes an FAQ file and its labelled queries file.")
    try:
        labelled = [read_queries(Path(q)) for _, q in sets]
    except KnowledgeBaseError as e:
        raise FinetuneError(str(e)) from e
    stats = Stats()
    conversations: list[dict] = []
    embedder = None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for i, ((faq, _), queries) in enumerate(zip(sets, labelled)):
                root = Path(tmp) / f"kb{i}"
                kb_settings = KBSettings(kb_dir=root, **({"embedding_model": embedding_model} if embedding_model else {}))
                kb = KnowledgeBase.open(root, kb_settings, create=True, embedder=embedder)
                report = kb.ingest([Path(faq)])
                if report.failed:
                    raise FinetuneError(f"{faq} could not be read as an FAQ file: {report.failed[0][1]}")
                embedder = kb.embedder  # loaded once
                assistant = Assistant(None, kb)  # retrieval and prompts only: no model is called
                conversations += grounded_conversations(
                    assistant, queries, source=str(faq), k=k, decline_share=decline_share,
                    context_share=context_share, embed=kb.embed if closest else None, seed=seed + i,
                    max_prompt_tokens=max_prompt_tokens, stats=stats,
                )
    except KnowledgeBaseError as e:
        raise FinetuneError(str(e)) from e
    if not conversations:
        raise FinetuneError(
            f"No training conversation could be made: {stats.skipped_not_retrieved} labelled entries were not "
            f"retrieved (do the queries' doc_id values match the FAQ's ids?), {stats.skipped_too_long} prompts were "
            f"too long, {stats.skipped_not_in_prompt} replies were not shown in their prompt, {stats.skipped_empty} "
            "queries were only instructions to an assistant."
        )
    # Written beside the target and moved into place: an interrupted run never leaves a half file to train on.
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with partial.open("w", encoding="utf-8") as f:
        for conversation in conversations:
            f.write(json.dumps(conversation, ensure_ascii=False) + "\n")
    os.replace(partial, out)
    return stats
