"""The CLI contract other tooling relies on: commands, flags, output shapes and exit codes.

Runs `main(argv)` in-process (the embedding model is cached by the OS after the first load),
plus one real `python -m knowledge_base` subprocess to prove the module entry point works.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge_base.__main__ import main

from .conftest import SUPPORT_FAQ, write_jsonl

from tests.knowledge_base.conftest import MINILM

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def kb_dir(tmp_path, embedder, monkeypatch):
    # Reuse the session's model instead of loading it again for each command.
    monkeypatch.setattr("knowledge_base.kb.build_embedder", lambda settings: embedder)
    monkeypatch.setenv("ASSISTANT_KB_EMBEDDING_MODEL", MINILM)  # what the manifest records, as the embedder
    return tmp_path / "kb"


def test_ingest_search_list_remove_eval(kb_dir, tmp_path, capsys):
    faq = write_jsonl(tmp_path / "faq.jsonl", SUPPORT_FAQ)
    (tmp_path / "empty.md").write_bytes(b"")

    assert main(["ingest", str(faq), str(tmp_path / "empty.md"), "--kb", str(kb_dir)]) == 1
    out, err = capsys.readouterr()
    assert out.strip().startswith("added 5, updated 0, skipped 0")
    assert "failed: " in err and "empty.md: the file is empty." in err

    assert main(["ingest", str(faq), "--kb", str(kb_dir)]) == 0
    assert "skipped 5" in capsys.readouterr().out

    assert main(["search", "I forgot my password", "--kb", str(kb_dir), "-k", "2", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert len(hits) == 2 and hits[0]["doc_id"] == "pw-reset"
    assert {"doc_id", "chunk_id", "title", "source", "text", "score", "position"} <= set(hits[0])

    assert main(["search", "I forgot my password", "--kb", str(kb_dir)]) == 0
    assert "pw-reset#0" in capsys.readouterr().out

    assert main(["list", "--kb", str(kb_dir)]) == 0
    listed = [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == sorted(r["id"] for r in SUPPORT_FAQ)

    assert main(["remove", "refund", "--kb", str(kb_dir)]) == 0
    assert main(["remove", "refund", "--kb", str(kb_dir)]) == 1
    assert "No document 'refund'" in capsys.readouterr().err

    queries = write_jsonl(tmp_path / "q.jsonl", [
        {"query": "how long until my parcel arrives", "doc_id": "shipping-time"},
        {"query": "edit my shipping address", "doc_id": "change-address"},
        {"query": "money back please", "doc_id": "refund"},  # removed above: never found
    ])
    assert main(["eval", "--queries", str(queries), "--kb", str(kb_dir), "--compare"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n"] == 3 and result["mode"] == "hybrid"
    assert result["recall@5"] == pytest.approx(2 / 3, abs=1e-3)
    for mode in ("dense", "lexical"):
        assert {"recall@1", "recall@5", "mrr@10", "n"} <= set(result[mode])
        assert result[mode]["recall@5"] <= 0.6667

    halves = []
    for half in ("tune", "unseen"):  # fixed by the queries' text: 1 and 2 of these three
        assert main(["eval", "--queries", str(queries), "--kb", str(kb_dir), "--half", half]) == 0
        halves.append(json.loads(capsys.readouterr().out)["n"])
    assert halves == [1, 2]


def test_finetune_embedder_names_a_label_that_is_no_faq_entry(kb_dir, tmp_path, capsys):
    faq = write_jsonl(tmp_path / "faq.jsonl", SUPPORT_FAQ)
    queries = write_jsonl(tmp_path / "q.jsonl", [{"query": "q", "doc_id": "no-such-entry"}])
    assert main(["finetune-embedder", "--set", str(faq), str(queries), "--out", str(tmp_path / "out"), "--half", "all"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: 1 labelled doc_id(s) are not entries of") and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_user_errors_are_one_sentence_with_exit_1(kb_dir, tmp_path, capsys, monkeypatch):
    assert main(["search", "x", "--kb", str(tmp_path / "none")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: No knowledge base in") and err.count("\n") == 1

    assert main(["ingest", str(tmp_path), "--kb", str(kb_dir), "--chunk-tokens", "50", "--chunk-overlap", "60"]) == 1
    err = capsys.readouterr().err
    assert "--chunk-overlap (60) must be smaller than --chunk-tokens (50)" in err and err.count("\n") == 1
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    write_jsonl(tmp_path / "faq.jsonl", SUPPORT_FAQ[:1])
    assert main(["ingest", str(tmp_path / "faq.jsonl"), "--kb", str(kb_dir)]) == 0
    capsys.readouterr()
    assert main(["eval", "--queries", str(bad), "--kb", str(kb_dir)]) == 1
    assert "line 1 is not valid JSON" in capsys.readouterr().err

    monkeypatch.setenv("ASSISTANT_KB_BATCH_SIZE", "many")
    assert main(["list", "--kb", str(kb_dir)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: Invalid setting ASSISTANT_KB_BATCH_SIZE or --batch-size (got 'many')") and err.count("\n") == 1


@pytest.mark.slow
def test_module_entry_point_runs(tmp_path):
    faq = write_jsonl(tmp_path / "faq.jsonl", SUPPORT_FAQ)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    kb = str(tmp_path / "kb")
    run = lambda *a: subprocess.run([sys.executable, "-m", "knowledge_base", *a], cwd=REPO, env=env,
                                    capture_output=True, text=True, timeout=300)
    ingest = run("ingest", str(faq), "--kb", kb)
    assert ingest.returncode == 0, ingest.stderr
    assert "added 5" in ingest.stdout
    search = run("search", "refund", "--kb", kb, "-k", "1", "--json")
    assert search.returncode == 0 and json.loads(search.stdout)[0]["doc_id"] == "refund"
