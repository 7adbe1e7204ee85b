"""A write that dies at any point leaves the previous index loadable and correct."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import knowledge_base.store as store_module
from knowledge_base import KnowledgeBase

from .conftest import SUPPORT_FAQ, write_jsonl

pytestmark = pytest.mark.slow  # real models, processes or training: over a second each

REPO = Path(__file__).resolve().parents[2]


class Crash(BaseException):
    """Stands in for the process dying: nothing catches it and no cleanup runs."""


def _crash_on(monkeypatch, target: str):
    obj, name = {
        "write_json": (store_module, "_write_json"),
        "write_npy": (store_module, "_write_npy"),
        "rename": (store_module.os, "rename"),
        "replace": (store_module.os, "replace"),
    }[target]
    real = getattr(obj, name)
    calls = {"n": 0}

    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2 or target in ("rename", "replace"):
            raise Crash()
        return real(*args, **kwargs)

    monkeypatch.setattr(obj, name, dying)


@pytest.mark.parametrize("target", ["write_json", "write_npy", "rename", "replace"])
def test_crash_during_save_keeps_previous_generation(open_kb, tmp_path, settings, embedder, monkeypatch, target):
    kb = open_kb()
    kb.ingest([write_jsonl(tmp_path / "faq.jsonl", SUPPORT_FAQ[:3])])
    before = [h.chunk_id for h in kb.search("refund", k=3)]

    write_jsonl(tmp_path / "more.jsonl", SUPPORT_FAQ[3:])
    with monkeypatch.context() as m:
        _crash_on(m, target)
        with pytest.raises(Crash):
            kb.ingest([tmp_path / "more.jsonl"])

    survivor = KnowledgeBase.open(settings.kb_dir, settings, embedder=embedder)
    assert {d.doc_id for d in survivor.documents()} == {r["id"] for r in SUPPORT_FAQ[:3]}
    assert [h.chunk_id for h in survivor.search("refund", k=3)] == before
    # The next write succeeds and cleans up what the dead one left behind.
    report = survivor.ingest([tmp_path / "more.jsonl"])
    assert report.added == 2 and len(survivor.documents()) == 5
    assert not list(settings.kb_dir.glob(".tmp-gen-*")) and not (settings.kb_dir / "CURRENT.tmp").exists()
    assert len(list(settings.kb_dir.glob("gen-*"))) <= 2


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EROFS])
@pytest.mark.parametrize("target", ["write_npy", "replace"])
def test_a_full_or_read_only_disk_is_one_sentence_and_the_base_keeps_answering(open_kb, tmp_path, settings, embedder,
                                                                                monkeypatch, error, target):
    """Tests run as root, for whom permissions never fail a write: the errors are injected where they occur."""
    from knowledge_base.errors import KnowledgeBaseError

    kb = open_kb()
    kb.ingest([write_jsonl(tmp_path / "faq.jsonl", SUPPORT_FAQ[:3])])
    before = [h.chunk_id for h in kb.search("refund", k=3)]
    obj, name = {"write_npy": (store_module, "_write_npy"), "replace": (store_module.os, "replace")}[target]

    def failing(*args, **kwargs):
        raise OSError(error, os.strerror(error))

    with monkeypatch.context() as m:
        m.setattr(obj, name, failing)
        with pytest.raises(KnowledgeBaseError, match=rf"Could not save the knowledge base in .* \({os.strerror(error)}\); nothing was changed"):
            kb.ingest([write_jsonl(tmp_path / "more.jsonl", SUPPORT_FAQ[3:])])
    assert [h.chunk_id for h in kb.search("refund", k=3)] == before  # the running base still answers
    assert not list(settings.kb_dir.glob(".tmp-gen-*"))
    survivor = KnowledgeBase.open(settings.kb_dir, settings, embedder=embedder)
    assert len(survivor.documents()) == 3
    assert kb.ingest([tmp_path / "more.jsonl"]).added == 2  # once the disk has room again


def test_kill_9_mid_ingest_leaves_previous_index_loadable(open_kb, tmp_path, settings, embedder):
    kb = open_kb()
    kb.ingest([write_jsonl(tmp_path / "faq.jsonl", SUPPORT_FAQ)])
    expected = {d.doc_id for d in kb.documents()}
    bulk = tmp_path / "bulk"
    bulk.mkdir()
    for i in range(400):
        (bulk / f"note{i:03d}.txt").write_text(f"Note {i}. " + "Some support text about topic %d. " % i * 30)

    env = {
        **os.environ, "HF_HUB_OFFLINE": "1",
        "ASSISTANT_KB_KB_DIR": str(settings.kb_dir), "ASSISTANT_KB_EMBEDDING_MODEL": settings.embedding_model,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "knowledge_base", "ingest", str(bulk), "--progress"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    # Kill it halfway: once its progress bar shows that embedding has started.
    seen = bytearray()

    def read_stderr():
        for byte in iter(lambda: proc.stderr.read(1), b""):
            seen.extend(byte)

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    deadline = time.monotonic() + 120
    while b"embedding" not in seen and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    assert proc.poll() is None, "the ingest finished before it could be killed; make the bulk larger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert b"embedding" in seen

    survivor = KnowledgeBase.open(settings.kb_dir, settings, embedder=embedder)
    assert {d.doc_id for d in survivor.documents()} == expected
    assert survivor.search("refund for my order", k=1)[0].doc_id == "refund"


@pytest.mark.parametrize("damage", ["vectors.npy", "index.faiss", "docstore.json", "manifest.json"])
def test_a_damaged_index_is_one_sentence_at_open_and_at_the_apps_start(tmp_path, damage, capsys, monkeypatch):
    from knowledge_base import KBSettings
    from knowledge_base.embeddings import HashEmbedder
    from knowledge_base.errors import KnowledgeBaseError

    settings = KBSettings(kb_dir=tmp_path / "kb", embedding_model="hash")
    kb = KnowledgeBase.open(settings.kb_dir, settings, create=True, embedder=HashEmbedder())
    kb.ingest([write_jsonl(tmp_path / "faq.jsonl", SUPPORT_FAQ)])
    generation = kb._store.current_generation()
    (generation / damage).write_bytes(b"\x00garbage" * 10)
    with pytest.raises(KnowledgeBaseError, match=r"is damaged|inconsistent"):
        KnowledgeBase.open(settings.kb_dir, settings, embedder=HashEmbedder())

    import app

    monkeypatch.setenv("ASSISTANT_ENGINE", "scripted")
    monkeypatch.setenv("ASSISTANT_KB_EMBEDDING_MODEL", "hash")
    assert app.main(["--kb", str(settings.kb_dir), "--data-dir", str(tmp_path), "--no-samples"]) == 1
    error = capsys.readouterr().err.strip().splitlines()
    assert error[-1].startswith("Error: The knowledge base in") and "Traceback" not in "\n".join(error)
