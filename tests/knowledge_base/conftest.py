"""Fixtures for the knowledge-base tests: one real embedding model per session, small files made here."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
MINILM = "all-MiniLM-L6-v2"


@pytest.fixture(scope="session")
def embedder():
    """The bundled all-MiniLM-L6-v2, loaded once (about 5-10 s on two cores): the fast model keeps
    these tests quick; `test_shared_eval.py` measures the default model."""
    from knowledge_base.embeddings import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(MINILM)


@pytest.fixture
def settings(tmp_path):
    from knowledge_base import KBSettings

    return KBSettings(kb_dir=tmp_path / "kb", embedding_model=MINILM)


@pytest.fixture
def open_kb(embedder, settings):
    """Open (creating) a knowledge base in a temporary folder with the shared model."""
    from knowledge_base import KnowledgeBase

    def _open(root: Path | None = None, **overrides):
        s = settings.model_copy(update=overrides) if overrides else settings
        return KnowledgeBase.open(root or s.kb_dir, s, create=True, embedder=embedder)

    return _open


def make_pdf(pages: list[str], title: str | None = None) -> bytes:
    """A minimal valid PDF with one line of Helvetica text per page (no PDF library needed)."""
    objects: list[bytes] = []
    n_pages = len(pages)
    page_ids = [3 + 2 * i for i in range(n_pages)]
    font_id = 3 + 2 * n_pages
    info_id = font_id + 1
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{p} 0 R" for p in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    for i, text in enumerate(pages):
        safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream = f"BT /F1 12 Tf 72 720 Td ({safe}) Tj ET".encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 {font_id} 0 R >> >> "
            f"/Contents {page_ids[i] + 1} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    objects.append(f"<< /Title ({title or ''}) >>".encode())
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {info_id} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def make_docx(path: Path, title: str, sections: dict[str, list[str]]) -> None:
    import docx

    d = docx.Document()
    d.add_heading(title, level=1)
    for heading, paras in sections.items():
        d.add_heading(heading, level=2)
        for p in paras:
            d.add_paragraph(p)
    d.save(path)


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


SUPPORT_FAQ = [
    {"id": "pw-reset", "question": "How do I reset my password?",
     "answer": "Open Settings, choose Security, click 'Forgot password' and follow the link we email you."},
    {"id": "refund", "question": "Can I get a refund for my order?",
     "answer": "Refunds are issued to the original payment method within 14 days of the return arriving."},
    {"id": "shipping-time", "question": "How long does shipping take?",
     "answer": "Standard delivery takes 3 to 5 business days; express delivery arrives the next business day."},
    {"id": "change-address", "question": "How can I change my delivery address?",
     "answer": "You can edit the address under Orders until the parcel has been handed to the courier."},
    {"id": "delete-account", "question": "How do I close my account permanently?",
     "answer": "Write to support from the account's email address; we delete all data within 30 days."},
]
