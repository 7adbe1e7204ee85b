"""Which files an ingest run reads: folders are walked, files are taken as given.

Contract: `expand(paths)` yields `(file, root)` pairs, where `root` is the folder the user named
(so `doc_id` = path relative to it) or the file's parent for a file named directly, plus the
paths that do not exist. Hidden files and folders and unsupported suffixes inside folders are
skipped silently; a file named directly is always attempted, so its failure is reported.
"""

from __future__ import annotations

from pathlib import Path

from .loaders import SUPPORTED_SUFFIXES


def expand(paths: list[Path]) -> tuple[list[tuple[Path, Path]], list[Path]]:
    files: list[tuple[Path, Path]] = []
    missing: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p).parts
                if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES and not any(s.startswith(".") for s in rel):
                    files.append((f, p))
        elif p.is_file():
            files.append((p, p.parent))
        else:
            missing.append(p)
    return files, missing
