"""Hostile files fail alone: a zip bomb, HTML nested deep enough to stall a parser, a file whose content is
not what its name says; the ingest around them goes on."""

import io
import re
import zipfile
from pathlib import Path

import pytest

from knowledge_base.errors import DocumentLoadError
from knowledge_base.loaders import read_checked
from knowledge_base.sandbox import IsolatedParser

pytestmark = pytest.mark.slow  # a worker process per test


def zip_bomb_docx(megabytes: int) -> bytes:
    """A DOCX of about 0.6 MB whose document.xml unpacks to `megabytes` MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override '
                   'PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                   'wordprocessingml.document.main+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        text = "A" * (megabytes * 1024 * 1024)
        z.writestr("word/document.xml", '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                   f'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>')
    return buffer.getvalue()


def test_a_zip_bomb_fails_on_memory_and_the_next_file_is_read(tmp_path):
    bomb = zip_bomb_docx(600)
    assert len(bomb) < 1024 * 1024
    with IsolatedParser(timeout_s=60, memory_mb=512) as parse:
        with pytest.raises(DocumentLoadError, match="bomb.docx: .*MemoryError|bomb.docx: needs more than 512 MB"):
            parse(tmp_path / "bomb.docx", bomb, tmp_path)
        [doc] = parse(tmp_path / "ok.md", b"# Returns\n\nFree within 30 days.", tmp_path)
        assert doc.title == "Returns" and doc.sections[0].paragraphs == ["Free within 30 days."]


def test_a_file_that_stalls_the_parser_is_stopped_at_the_time_limit(tmp_path):
    deep = ("<div>" * 200_000 + "x" + "</div>" * 200_000).encode()  # about 12 s for html.parser here
    with IsolatedParser(timeout_s=2, memory_mb=512) as parse:
        with pytest.raises(DocumentLoadError, match="deep.html: took longer than 2 s to read"):
            parse(tmp_path / "deep.html", deep, tmp_path)
        assert parse(tmp_path / "ok.md", b"# Ok\n\nFine.", tmp_path)[0].title == "Ok"  # a new worker


@pytest.mark.parametrize("name, content, says", [
    ("invoice.pdf", b"MZ\x90\x00 a windows program", "the name says .pdf but the content is a Windows program"),
    ("notes.md", b"%PDF-1.4\n...", "the name says .md (text) but the content is a PDF"),
    ("faq.csv", b"PK\x03\x04 zipped", "the name says .csv (text) but the content is a zip archive"),
    ("manual.docx", b"# just markdown", "the name says .docx but the content is not a zip archive"),
])
def test_the_type_is_decided_by_the_content(tmp_path, name, content, says):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentLoadError, match=re.escape(says)):
        read_checked(path, 10**6)


def test_an_ingest_with_hostile_files_keeps_the_good_ones(tmp_path, open_kb):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "bomb.docx").write_bytes(zip_bomb_docx(600))
    (docs / "fake.pdf").write_bytes(b"#!/bin/sh\nrm -rf /\n")
    (docs / "returns.md").write_text("# Returns\n\nReturns are free within 30 days.\n")
    kb = open_kb(parse_memory_mb=512)
    report = kb.ingest([docs])
    assert [d.doc_id for d in kb.documents()] == ["returns.md"]
    assert sorted(Path(f).name for f, _ in report.failed) == ["bomb.docx", "fake.pdf"]
