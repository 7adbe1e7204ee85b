"""The answer-evaluation sets, samples/qa_dev.jsonl, samples/qa_test.jsonl, samples/qa_followups.jsonl,
samples/qa_stories.jsonl, samples/qa_products.jsonl, samples/qa_probe.jsonl, samples/qa_probe2.jsonl,
samples/qa_elapsed.jsonl, samples/qa_latin_names.jsonl and samples/qa_traditional.jsonl: schema, honesty, coverage.

qa_dev.jsonl is the dev set, used freely while tuning the product. qa_test.jsonl is held out: its
questions ask about other facts than the dev set's, it is never used to choose settings (prompts,
retrieval parameters, models, thresholds), and answers are measured against it once per release.
qa_followups.jsonl asks its questions in a conversation (`history`: the exchange before them): follow-ups that
only make sense after it ("and to germany?") and new questions that stand alone; a small dev set for how the
assistant reads a conversation, not for coverage. qa_stories.jsonl tells what happened before it asks ("my aria x2 wont
charge anymore, bought it 14 months ago. is it still under warranty?"): a small dev set for how the assistant reads a
message of several sentences (`service.asks`). qa_products.jsonl asks about the products' specifications, prices and
what comes in the box, which the documents state in lines of a label and figures, tables and long lists: a small dev
set for those. qa_probe.jsonl (session 44) is 30 questions written after everything else was tuned, on facts no other
set asks about, measured first as they came: how the assistant does on questions nobody tuned it for; qa_probe2.jsonl (session 56) is
36 more of those, most of them Chinese, the language the assistant does worst in. qa_elapsed.jsonl (session 57) says how
long ago the customer bought or received something and asks whether a time limit still allows what they want ("can i
return a laptop i bought 5 weeks ago"), a kind of question customers ask often and the 1.5B answers by restating the
question with a yes; written in session 57 and measured as it came. qa_latin_names.jsonl (session 58) asks in Chinese
about products named in Latin letters ("homehub 支持 matter 吗"); qa_traditional.jsonl (session 59) asks in Traditional
characters and Taiwan's words (簡訊 for 短信, 螢幕 for 屏幕, 門市 for 门店), each expected fact given in both writings (the
Simplified one is the document's). The files have the same format and get the same checks here.

Each line is a customer question with `must`: groups of alternatives, every group needing one
alternative in a correct answer (case-insensitive substring). Here, without any model, we check
that every required fact really is in the sample knowledge base: each group has an alternative
that occurs in the text the project's own loader extracts from the line's `source` file(s); every
file in samples/kb is the source of at least one question of each set; and no question of the
held-out set repeats a dev question. Unanswerable questions (`must == []`) cannot be checked
mechanically; they name the closest document in `topic`.
"""

import json
import re
from functools import cache

import pytest

from knowledge_base.loaders import parse_file
from tests.conftest import REPO

SAMPLES = REPO / "samples"
KB = SAMPLES / "kb"
QA_FILES = {
    "dev": SAMPLES / "qa_dev.jsonl", "test": SAMPLES / "qa_test.jsonl", "followups": SAMPLES / "qa_followups.jsonl",
    "stories": SAMPLES / "qa_stories.jsonl", "products": SAMPLES / "qa_products.jsonl",
    "probe": SAMPLES / "qa_probe.jsonl", "probe2": SAMPLES / "qa_probe2.jsonl",
    "elapsed": SAMPLES / "qa_elapsed.jsonl", "latin_names": SAMPLES / "qa_latin_names.jsonl",
    "traditional": SAMPLES / "qa_traditional.jsonl",
}
MIN_QUESTIONS = {"dev": 50, "test": 40, "followups": 20, "stories": 10, "products": 15, "probe": 30, "probe2": 30, "elapsed": 12,
                 "latin_names": 14, "traditional": 14}
SETS = sorted(QA_FILES)
COVERING = ["dev", "test"]  # the sets that cover every document, every kind in every language

LANGS = {"en", "zh"}
KINDS = {"fact", "multi", "unanswerable"}
FIELDS = {"id", "lang", "history", "question", "must", "must_not", "kind", "source", "topic"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def normalize(text: str) -> str:
    """Lower case, Markdown bold markers dropped, runs of whitespace (PDF line breaks) as one space."""
    return re.sub(r"\s+", " ", text.replace("**", "")).strip().lower()


@cache
def kb_files() -> tuple[str, ...]:
    return tuple(sorted(p.name for p in KB.iterdir() if p.is_file()))


@cache
def file_text(name: str) -> str:
    path = KB / name
    docs = parse_file(path, path.read_bytes(), path.parent)
    return normalize("\n\n".join(f"{d.title}\n{d.text()}" for d in docs))


@cache
def all_text() -> str:
    return "\n\n".join(file_text(name) for name in kb_files())


@cache
def questions(qa_set: str) -> tuple[dict, ...]:
    path = QA_FILES[qa_set]
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            row = json.loads(line)
            assert isinstance(row, dict), f"{path.name} line {n} is not a JSON object"
            rows.append(row)
    return tuple(rows)


def sources(q: dict) -> list[str]:
    src = q["source"]
    return [src] if isinstance(src, str) else list(src)


def missing_groups(q: dict, text: str) -> list[list[str]]:
    return [group for group in q["must"] if not any(normalize(alt) in text for alt in group)]


def answerable(qa_set: str) -> list[dict]:
    return [q for q in questions(qa_set) if q["kind"] != "unanswerable"]


@pytest.mark.parametrize("qa_set", SETS)
def test_schema(qa_set):
    qs = questions(qa_set)
    assert len(qs) >= MIN_QUESTIONS[qa_set], f"{QA_FILES[qa_set].name}: only {len(qs)} questions"
    ids = [q.get("id") for q in qs]
    assert len(ids) == len(set(ids)), "ids must be unique"
    for q in qs:
        where = q.get("id")
        assert isinstance(where, str) and where.strip(), q
        assert set(q) <= FIELDS, f"{where}: unknown fields {set(q) - FIELDS}"
        assert q.get("lang") in LANGS, where
        assert q.get("kind") in KINDS, where
        assert isinstance(q.get("question"), str) and q["question"].strip(), where
        # The conversation before the question: customer and assistant in turn, the assistant last.
        history = q.get("history", [])
        assert isinstance(history, list) and len(history) % 2 == 0, where
        assert [m.get("role") for m in history] == ["user", "assistant"] * (len(history) // 2), where
        assert all(isinstance(m.get("content"), str) and m["content"].strip() for m in history), where
        # The question is written in the language it claims.
        assert bool(CJK.search(q["question"])) == (q["lang"] == "zh"), where
        must = q.get("must")
        assert isinstance(must, list), where
        for group in must:
            assert isinstance(group, list) and group, f"{where}: empty or non-list group"
            assert all(isinstance(alt, str) and alt.strip() for alt in group), f"{where}: empty alternative"
        assert (must == []) == (q["kind"] == "unanswerable"), f"{where}: must is [] exactly when unanswerable"
        # must_not: phrases a right answer never holds ("^yes": it never opens with yes), on answerable questions only.
        must_not = q.get("must_not", [])
        assert isinstance(must_not, list) and all(isinstance(p, str) and p.strip("^ ") for p in must_not), where
        assert not (must_not and q["kind"] == "unanswerable"), f"{where}: an unanswerable question has no must_not"
        if q["kind"] == "unanswerable":
            assert "source" not in q, f"{where}: an unanswerable question has no source"
            if "topic" in q:
                assert q["topic"] in kb_files(), f"{where}: topic {q['topic']!r} is not a file in samples/kb"
        else:
            assert "source" in q, f"{where}: an answerable question names the file its facts come from"
            srcs = q["source"]
            assert isinstance(srcs, str) or (isinstance(srcs, list) and srcs), where
            for name in sources(q):
                assert name in kb_files(), f"{where}: source {name!r} is not a file in samples/kb"
    for lang in LANGS if qa_set in COVERING else ():
        kinds = {q["kind"] for q in qs if q["lang"] == lang}
        assert {"multi", "unanswerable"} <= kinds, f"{lang}: needs at least one multi and one unanswerable"


@pytest.mark.parametrize("qa_set", SETS)
def test_every_required_fact_is_in_the_knowledge_base(qa_set):
    problems = {q["id"]: missing_groups(q, all_text()) for q in answerable(qa_set)}
    problems = {k: v for k, v in problems.items() if v}
    assert not problems, f"must groups with no alternative in any sample document: {problems}"


@pytest.mark.parametrize(
    "q", [pytest.param(q, id=f"{qa_set}:{q['id']}") for qa_set in SETS for q in answerable(qa_set)]
)
def test_required_facts_are_in_the_source_document(q):
    text = "\n\n".join(file_text(name) for name in sources(q))
    assert not missing_groups(q, text), f"{q['id']}: not found in {q['source']}: {missing_groups(q, text)}"


@pytest.mark.parametrize("qa_set", SETS)
def test_no_alternative_of_a_must_group_is_ruled_out_by_must_not(qa_set):
    # An alternative that must_not rules out could never count as right: the item would contradict itself.
    from service.evaluation import says_any

    clashes = {
        q["id"]: alt for q in answerable(qa_set) for group in q["must"] for alt in group
        if says_any(alt, q.get("must_not", []))
    }
    assert not clashes, f"must alternatives that must_not rules out: {clashes}"


@pytest.mark.parametrize("qa_set", COVERING)
def test_every_sample_document_is_a_source(qa_set):
    unused = set(kb_files()) - {name for q in answerable(qa_set) for name in sources(q)}
    assert unused == set(), f"{QA_FILES[qa_set].name}: documents no question is answered from: {unused}"


def test_held_out_questions_are_not_dev_questions():
    dev_questions = {normalize(q["question"]) for q in questions("dev")}
    repeated = [q["id"] for q in questions("test") if normalize(q["question"]) in dev_questions]
    assert not repeated, f"qa_test.jsonl repeats dev questions: {repeated}"
    shared_ids = {q["id"] for q in questions("dev")} & {q["id"] for q in questions("test")}
    assert not shared_ids, f"ids used in both sets: {shared_ids}"
