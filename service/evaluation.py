"""Answer evaluation: every question of a QA file through the app's own answering path, judged by the
facts the answer must contain.

    items = load_qa(Path("samples/qa_dev.jsonl"))
    summary, rows = evaluate(assistant, items)
    summary["correct"], summary["correct_zh"], summary["unanswerable_declined"], summary["by_status"]

A QA line is `{"id", "lang", "question", "must": [["30", "thirty"], ["days"]], "kind": "fact" | "multi" |
"unanswerable"}`, optionally with `"must_not": ["^yes", "is legitimate"]`. An answer is correct when every `must`
group has one alternative in it (case-insensitive, whitespace collapsed) and no `must_not` phrase is in it; a
phrase that starts with "^" must not open the answer (leading citations aside): a yes/no question whose answer is
"no" lists "^yes", so that "Yes, you can use Klarna for a £25 order ... £30–£1,500" is wrong although it states
the £30 the `must` asks for. `"history": [{"role": "user", "content": ...}, {"role": "assistant", ...}]` asks the
question as a follow-up in that conversation. An unanswerable question is answered correctly by declining (status `no_answer` or
`handoff`, or a generated answer that says it does not know) while offering a person.
`unsupported_numbers` is the share of the answers that do not decline which state a number found in none
of the passages the answer was given (for FAQ and extractive answers: the passages they quote).
`answered_wrong` is the share of all questions answered (not declined) and wrong: the confident wrong answers
that "I don't know, let me get a person" would have beaten.
"""

from __future__ import annotations

import json
import re
import statistics
import threading
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from knowledge_base.chinese_script import SIMPLIFIED
from service.claim_forms import CITATION
from service.errors import AssistantError
from service.grounding import Grounder
from service.language import in_base_writing

KINDS = ("fact", "multi", "unanswerable")
DECLINED_STATUSES = ("no_answer", "handoff")

# A generated answer that declines says it does not know (or cannot find it) ...
_DECLINES = re.compile(
    r"\b(?:do(?:n['’]t| not)|can(?:['’]t|not)|could(?:n['’]t| not)|am not able to|unable to)\s+"
    r"(?:know|find|answer|say|help with|see|confirm)\b|\bnot sure\b|\bno information\b|\bnot (?:mentioned|covered|"
    r"included|listed|stated)\b|不知道|没有找到|找不到|无法(?:回答|确认|提供)|不确定|没有相关|未提及|没有提到",
    re.IGNORECASE,
)
# ... and offers a person.
_OFFERS_PERSON = re.compile(
    r"\b(?:person|human|agent|colleague|support team|customer service team|team member)\b|人工|客服|专员",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class QAItem:
    id: str
    lang: str
    question: str
    must: list[list[str]]
    kind: str
    must_not: list[str] = field(default_factory=list)
    # The conversation before the question, as chat messages ({role: user | assistant, content}): a follow-up.
    history: list[dict] = field(default_factory=list)


def load_qa(path: Path) -> list[QAItem]:
    """The QA items of a JSON Lines file; a malformed line is an `AssistantError` naming it."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise AssistantError(f"Cannot read the QA file {path} ({e.strerror}).") from e
    items = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            item = qa_item(row)
        except (ValueError, KeyError, TypeError) as e:
            raise AssistantError(
                f"{path}: line {n} is not a QA item {{id, lang, question, must: [[...]], kind}} ({type(e).__name__}: {e})."
            ) from e
        if item.kind not in KINDS:
            raise AssistantError(f"{path}: line {n} has kind {item.kind!r}; use one of {', '.join(KINDS)}.")
        items.append(item)
    if not items:
        raise AssistantError(f"{path} holds no QA items.")
    return items


def qa_item(row: dict) -> QAItem:
    """One QA item from its JSON object (a QA line, or an `eval-answers` row, which repeats its item's fields)."""
    must_not = row.get("must_not") or []
    if not isinstance(must_not, list):
        raise TypeError(f"must_not is {type(must_not).__name__}, not a list of phrases")
    history = row.get("history") or []
    if not isinstance(history, list) or not all(
        isinstance(m, dict) and m.get("role") in ("user", "assistant") and isinstance(m.get("content"), str) for m in history
    ):
        raise TypeError("history is not a list of {role: user | assistant, content} messages")
    return QAItem(
        str(row["id"]), str(row["lang"]), str(row["question"]), [list(map(str, g)) for g in row["must"]], str(row["kind"]),
        [str(p) for p in must_not], [{"role": m["role"], "content": m["content"]} for m in history],
    )


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("**", "")).strip().lower()


def has_facts(text: str, must: list[list[str]]) -> bool:
    """Every group has one alternative in `text` (case-insensitive, whitespace collapsed); a number in an
    alternative matches whole numbers only ("5 分钟" is not in "15 分钟", "3 days" not in "13 days")."""
    answer = _norm(text)
    return all(any(_alternative(alt).search(answer) for alt in group) for group in must)


def says_any(text: str, phrases: list[str]) -> bool:
    """One of `phrases` is in `text` (matched as `has_facts` matches an alternative); a phrase starting with "^"
    only where the answer opens, after any citations ("[1] Yes, ...")."""
    answer = _norm(text)
    opening = _LEADING_CITATIONS.sub("", answer)
    return any(
        _alternative(p[1:]).match(opening) if p.startswith("^") else _alternative(p).search(answer) for p in phrases
    )


_LEADING_CITATIONS = re.compile(rf"^(?:\s*(?:{CITATION.pattern}))+\s*", CITATION.flags)


def _alternative(alt: str) -> re.Pattern:
    core = re.escape(_norm(alt))
    before = r"(?<![\d.,])" if alt[:1].isdigit() else ""
    after = r"(?![\d])" if alt[-1:].isdigit() else ""
    return re.compile(before + core + after)


def declines(text: str, status: str) -> bool:
    """The app declined (or handed the question on), or the model's own answer says it does not know. An
    extractive answer (passage sentences) is an answer, never a decline."""
    read = in_base_writing(text, SIMPLIFIED)  # the patterns are Simplified: an answer in Traditional characters too
    return status in DECLINED_STATUSES or (status == "generated" and bool(_DECLINES.search(read)))


def judge(item: QAItem, text: str, status: str) -> bool:
    if item.kind == "unanswerable":
        offers = _OFFERS_PERSON.search(in_base_writing(text, SIMPLIFIED))
        return status in DECLINED_STATUSES or (declines(text, status) and bool(offers))
    # A decline is never a right answer, whatever passage sentences it shows.
    return (status not in ("error", "rejected", *DECLINED_STATUSES) and has_facts(text, item.must)
            and not says_any(text, item.must_not))


def rejudge(rows: list[dict], items: Iterable[QAItem]) -> list[dict]:
    """Saved `eval-answers` rows judged again by `items`' criteria (matched by id; rows of other questions are
    dropped): for when a QA file's `must` or `must_not` was corrected after the run. No model is asked."""
    by_id = {item.id: item for item in items}
    return [
        {**row, **asdict(by_id[row["id"]]), "correct": judge(by_id[row["id"]], row["answer"], row["status"])}
        for row in rows if row["id"] in by_id
    ]


def unsupported_numbers(text: str, passages: list[str]) -> list[str]:
    """Numbers (amounts, durations, percentages, times) of `text` found in none of `passages`."""
    return [c.text for c in Grounder(passages).check(text).unsupported if c.kind == "number"]


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (inclusive method), rounded to ms; None for no values."""
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 3)
    return round(statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1], 3)


def evaluate(
    assistant, items: Iterable[QAItem], *, faq_direct: bool = True, guard: bool = True, answer_check: bool | None = None,
    k: int | None = None, params=None, workers: int = 1, progress: Callable[[str], None] | None = None, desk=None,
    repeats: int = 1, seed: int | None = None,
) -> tuple[dict, list[dict]]:
    """Run every item through `assistant.chat` (the app's path); returns (summary, one row per item, in item
    order). With `workers` > 1 that many questions are in flight at once: faster on a batching server, but
    the latency figures are then those of a server shared by `workers` customers. With a `desk`
    (`support.desk.SupportDesk`), every question is asked through it and stored on the `eval` channel,
    which the dashboard, the gap report and the export leave out. With `repeats` > 1 every item is asked that
    many times (rows in run order, each with its `run`): the summary's shares are then the runs' means, with each
    run's own figures in `by_run` (a sampled model's answers differ from run to run by more than a small change
    moves them), and its times the first run's (later runs find their prompts in the server's prefix cache). With
    a `seed`, each question of each run is sampled with its own seed (`paired_seed`), so that two settings evaluated
    with the same `seed` draw the same random numbers for the same question: their difference is the settings', not
    the sampler's (the model server must honour per-request seeds, as vLLM does)."""
    items = list(items)  # asked once per run: an iterator would be spent after the first
    jobs = [(run, item) for run in range(max(1, repeats)) for item in items]
    done = 0
    lock = threading.Lock()

    def answer(job: tuple[int, QAItem]) -> dict:
        nonlocal done
        run, item = job
        job_params = params
        if seed is not None:
            job_params = replace(params or assistant.params(), seed=paired_seed(seed, item.id, run))
        row = _answer_row(
            assistant, item, desk, faq_direct=faq_direct, guard=guard, answer_check=answer_check, k=k, params=job_params
        )
        row["run"] = run
        if progress:
            with lock:
                done += 1
                mark = "ok " if row["correct"] else "NO "
                progress(f"[{done}/{len(jobs)}] {mark}{row['status']:<10} {row['latency_s']:5.2f}s  {item.id}: {row['answer'][:90]!r}")
        return row

    with ThreadPoolExecutor(max(1, workers)) as pool:
        rows = list(pool.map(answer, jobs))
    summary = summarize(rows)
    if repeats > 1:
        runs = [summarize([r for r in rows if r["run"] == run]) for run in range(repeats)]
        summary["runs"] = repeats
        summary["by_run"] = {key: [s[key] for s in runs] for key in _BY_RUN}
        # Times come from the first run alone: a later run's prompts are already in the model server's prefix
        # cache (the 1.5B's first token p50 6.0 s in a first run, 0.8 s in the second, the same questions).
        summary.update({key: runs[0][key] for key in _TIMES})
    return summary, rows


def paired_seed(seed: int, item_id: str, run: int) -> int:
    """The sampling seed of one question in one run: the same for every setting evaluated with `seed`, different
    across questions and runs (a stable hash: Python's own `hash` of a string changes from process to process)."""
    return (seed + zlib.crc32(f"{item_id}/{run}".encode())) % 2**31


# The figures `evaluate` reports run by run when it repeats.
_BY_RUN = ("correct", "correct_en", "correct_zh", "unanswerable_declined", "answerable_refused", "answered_wrong")
_TIMES = ("ttft_p50_s", "ttft_p95_s", "model_ttft_p50_s", "latency_p50_s", "latency_p95_s")


def _answer_row(assistant, item: QAItem, desk, **options) -> dict:
    if desk is not None:
        turn = desk.answer(item.question, history=item.history, channel="eval", scenario="eval", **options)
        text, reply, status = turn.collect(), turn.reply, turn.status
    else:
        reply = assistant.chat(item.question, item.history, **options)
        text, status = reply.collect(), reply.status
    declined = declines(text, status)
    return {
        **asdict(item), "answer": text, "status": status, "correct": judge(item, text, status),
        "declined": declined, "replaced": reply.replaced, "replaced_why": reply.replaced_why,
        "unsupported_numbers": [] if declined else unsupported_numbers(text, reply.passages),
        "sources": [s.doc_id for s in reply.sources],
        "ttft_s": reply.timings["first_token_s"], "latency_s": reply.timings["total_s"],
        # The model's own first token (None where it was not asked): the gap to ttft_s is what the guard held back.
        "model_ttft_s": reply.timings["model_first_token_s"],
        # For calibrating the confidence floor (bench/confidence.py): the model's own answer and how sure it was.
        "generated": reply.generated, "mean_logprob": reply.mean_logprob,
        "looked_again": reply.looked_again,  # it said it did not know and was asked again (service.reply.Reply)
        "model": reply.model,  # where the reply knows it: an adapter's vouched answer, or the base after it
    }


def is_answered(row: dict) -> bool:
    """The row's question was answered: not declined, not an error or a rejected question."""
    return not row["declined"] and row["status"] not in ("error", "rejected")


def answered_wrong(row: dict) -> bool:
    """A confident wrong answer: answered (`is_answered`) and not right."""
    return is_answered(row) and not row["correct"]


def summarize(rows: list[dict]) -> dict:
    answerable = [r for r in rows if r["kind"] != "unanswerable"]
    unanswerable = [r for r in rows if r["kind"] == "unanswerable"]
    answered = [r for r in rows if is_answered(r)]

    def share(selected: list[dict], key: str = "correct") -> float | None:
        return round(sum(bool(r[key]) for r in selected) / len(selected), 3) if selected else None

    ttfts = [r["ttft_s"] for r in rows if r["ttft_s"] is not None]
    model_ttfts = [r["model_ttft_s"] for r in rows if r.get("model_ttft_s") is not None]
    latencies = [r["latency_s"] for r in rows]
    return {
        "n": len(rows),
        "correct": share(rows),
        "correct_en": share([r for r in answerable if r["lang"] == "en"]),
        "correct_zh": share([r for r in answerable if r["lang"] == "zh"]),
        "unanswerable_declined": share(unanswerable),
        "answerable_refused": share(answerable, "declined"),
        "answered_wrong": round(sum(answered_wrong(r) for r in rows) / len(rows), 3) if rows else None,
        "unsupported_numbers": round(sum(bool(r["unsupported_numbers"]) for r in answered) / len(answered), 3) if answered else None,
        "by_status": dict(Counter(r["status"] for r in rows)),
        "ttft_p50_s": percentile(ttfts, 50), "ttft_p95_s": percentile(ttfts, 95),
        "model_ttft_p50_s": percentile(model_ttfts, 50),
        "latency_p50_s": percentile(latencies, 50), "latency_p95_s": percentile(latencies, 95),
    }
