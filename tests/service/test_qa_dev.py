"""The answer-evaluation dev set, samples/qa_dev.jsonl: its schema, its honesty and its coverage.

Each line is a customer question with `must`: groups of alternatives, every group needing one
alternative in a correct answer (case-insensitive substring). Here, without any model, we check
that every required fact really is in the sample knowledge base: each group has an alternative
that occurs in the text the project's own loader extracts from the line's `source` file(s), and
every file in samples/kb is the source of at least one question. Unanswerable questions
(`must == []`) cannot be checked mechanically; they name the closest document in `topic`.
"""

import json
import re
from functools import cache

import pytest

from knowledge_base.loaders import parse_file
from tests.conftest import REPO

SAMPLES = REPO / "samples"
KB = SAMPLES / "kb"
QA_DEV = SAMPLES / "qa_dev.jsonl"

LANGS = {"en", "zh"}
KINDS = {"fact", "multi", "unanswerable"}
FIELDS = {"id", "lang", "question", "must", "kind", "source", "topic"}
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
def questions() -> tuple[dict, ...]:
    rows = []
    for n, line in enumerate(QA_DEV.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            row = json.loads(line)
            assert isinstance(row, dict), f"line {n} is not a JSON object"
            rows.append(row)
    return tuple(rows)


def sources(q: dict) -> list[str]:
    src = q["source"]
    return [src] if isinstance(src, str) else list(src)


def missing_groups(q: dict, text: str) -> list[list[str]]:
    return [group for group in q["must"] if not any(normalize(alt) in text for alt in group)]


def answerable() -> list[dict]:
    return [q for q in questions() if q["kind"] != "unanswerable"]


def test_schema():
    qs = questions()
    assert len(qs) >= 50
    ids = [q.get("id") for q in qs]
    assert len(ids) == len(set(ids)), "ids must be unique"
    for q in qs:
        where = q.get("id")
        assert isinstance(where, str) and where.strip(), q
        assert set(q) <= FIELDS, f"{where}: unknown fields {set(q) - FIELDS}"
        assert q.get("lang") in LANGS, where
        assert q.get("kind") in KINDS, where
        assert isinstance(q.get("question"), str) and q["question"].strip(), where
        # The question is written in the language it claims.
        assert bool(CJK.search(q["question"])) == (q["lang"] == "zh"), where
        must = q.get("must")
        assert isinstance(must, list), where
        for group in must:
            assert isinstance(group, list) and group, f"{where}: empty or non-list group"
            assert all(isinstance(alt, str) and alt.strip() for alt in group), f"{where}: empty alternative"
        assert (must == []) == (q["kind"] == "unanswerable"), f"{where}: must is [] exactly when unanswerable"
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
    for lang in LANGS:
        kinds = {q["kind"] for q in qs if q["lang"] == lang}
        assert {"multi", "unanswerable"} <= kinds, f"{lang}: needs at least one multi and one unanswerable"


def test_every_required_fact_is_in_the_knowledge_base():
    problems = {q["id"]: missing_groups(q, all_text()) for q in answerable()}
    problems = {k: v for k, v in problems.items() if v}
    assert not problems, f"must groups with no alternative in any sample document: {problems}"


@pytest.mark.parametrize("q", answerable(), ids=lambda q: q["id"])
def test_required_facts_are_in_the_source_document(q):
    text = "\n\n".join(file_text(name) for name in sources(q))
    assert not missing_groups(q, text), f"{q['id']}: not found in {q['source']}: {missing_groups(q, text)}"


def test_every_sample_document_is_a_source():
    used = {name for q in answerable() for name in sources(q)}
    assert set(kb_files()) - used == set(), f"documents no question is answered from: {set(kb_files()) - used}"
