"""Corrections become knowledge: a person's answer saved as an FAQ entry of the knowledge base, so that the
next customer who asks the same question gets it as a direct FAQ answer.

    doc_id = save_faq_entry(kb, "Can I return opened headphones?", "Yes, within 30 days ...", author="alice")

Contract: the entry is one row `{id, question, answer, author, date}` appended to
`<knowledge base>/corrections/corrections.jsonl`, an ordinary FAQ file, which is then ingested (incremental:
the other documents are untouched). Entries are attributed and dated; an admin removes one like any document.
Empty text is a `StoreError` and changes nothing. Chinese is saved in the knowledge base's writing of it
(`knowledge_base.chinese_script`).
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

from service.language import in_base_writing
from support.store import StoreError

_append_lock = threading.Lock()


def corrections_file(kb) -> Path:
    return Path(kb.root) / "corrections" / "corrections.jsonl"


def save_faq_entry(kb, question: str, answer: str, *, author: str) -> str:
    """Append an FAQ entry and ingest it; returns its doc_id."""
    question, answer = (question or "").strip(), (answer or "").strip()
    if not question or not answer:
        raise StoreError("An FAQ entry needs both the customer's question and the right answer.")
    if kb is None:
        raise StoreError("This app runs without a knowledge base; start it with --kb DIR.")
    # Written as the base writes Chinese, as customers' questions are read: a Taiwanese customer's question and the
    # person's answer in Traditional characters then match the next customer's, whichever they write.
    question, answer = in_base_writing(question, kb.chinese_writing), in_base_writing(answer, kb.chinese_writing)
    now = datetime.now(UTC)
    doc_id = f"correction-{now:%Y%m%d}-{uuid.uuid4().hex[:8]}"
    row = {"id": doc_id, "question": question, "answer": answer, "author": author, "date": now.isoformat(timespec="seconds")}
    path = corrections_file(kb)
    with _append_lock:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
        report = kb.ingest([path])
    if report.failed:
        raise StoreError(f"The entry was saved in {path} but could not be ingested: {report.failed[0][1]}")
    return doc_id
