"""Files in, `Document`s out: Markdown, plain text, HTML, PDF, DOCX and FAQ tables (.csv/.jsonl).

Contract: `load_file(path, root)` returns the documents of one file or raises
`DocumentLoadError` with a one-line reason (empty, binary, too large, encrypted, corrupt, wrong
columns). It never returns an empty list. `doc_id`s are stable: the FAQ `id` when present, else the
path relative to `root` (the folder being ingested).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from .documents import Document, Section
from .errors import DocumentLoadError
from .headings import is_heading_line
from .pdf_text import pdf_sections

PROSE_SUFFIXES = {".md", ".markdown", ".txt", ".text", ".html", ".htm", ".pdf", ".docx"}
FAQ_SUFFIXES = {".csv", ".jsonl"}
SUPPORTED_SUFFIXES = PROSE_SUFFIXES | FAQ_SUFFIXES
# Bump when the same bytes would now be read into different documents (2: HTML tables as Markdown tables): the
# next ingest then reads every file again, and re-embeds only the documents whose text changed. 3: plain text's
# own title and headings (underlined lines, lines in capitals, Chinese ordinal headings) as sections. 4: a PDF's
# wrapped lines joined into paragraphs, its headings as sections, its page furniture dropped (`pdf_text`).
READER_VERSION = 4


def load_file(path: Path, root: Path, max_bytes: int) -> list[Document]:
    """Load one file; `root` is the folder it was found under (its parent if given directly)."""
    return parse_file(path, read_checked(path, max_bytes), root)


def read_checked(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, after refusing unsupported types, empty files and files over `max_bytes`."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentLoadError(f"{path}: unsupported file type {suffix or '(none)'}; use one of {sorted(SUPPORTED_SUFFIXES)}.")
    try:
        size = path.stat().st_size
    except OSError as e:
        raise DocumentLoadError(f"{path}: cannot be read ({e.strerror}).") from e
    if size == 0:
        raise DocumentLoadError(f"{path}: the file is empty.")
    if size > max_bytes:
        raise DocumentLoadError(
            f"{path}: {size / 2**20:.1f} MB is larger than the {max_bytes / 2**20:.0f} MB limit; "
            "split it or raise ASSISTANT_KB_MAX_FILE_MB."
        )
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DocumentLoadError(f"{path}: cannot be read ({e.strerror}).") from e
    _check_content(path, data)
    return data


# What a file's first bytes say it is: the type is decided by the content, the name must agree.
_MAGIC = [
    (b"%PDF-", "a PDF"), (b"PK\x03\x04", "a zip archive (DOCX, XLSX, ...)"), (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"), (b"\x89PNG", "an image"), (b"\xff\xd8\xff", "an image"), (b"GIF8", "an image"),
    (b"\x1f\x8b", "a gzip archive"), (b"Rar!", "a RAR archive"), (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Office document"),
]


def _content_type(data: bytes) -> str | None:
    head = data[:1024].lstrip()
    return next((name for magic, name in _MAGIC if head.startswith(magic)), None)


def _check_content(path: Path, data: bytes) -> None:
    """Refuse a file whose content is not what its name says ("invoice.pdf" that is a program, "notes.md"
    that is a zip): parsers are chosen by name, so a mismatch is either a mistake or an attack."""
    suffix, found = path.suffix.lower(), _content_type(data)
    expected = {".pdf": "a PDF", ".docx": "a zip archive (DOCX, XLSX, ...)"}.get(suffix)
    if expected and found != expected:
        raise DocumentLoadError(f"{path}: the name says {suffix} but the content is {found or 'not ' + expected}.")
    if not expected and found:
        raise DocumentLoadError(f"{path}: the name says {suffix} (text) but the content is {found}.")


def parse_file(path: Path, data: bytes, root: Path) -> list[Document]:
    """The documents in `data` (the bytes of `path`); raises `DocumentLoadError` with the reason."""
    suffix = path.suffix.lower()
    rel = _relative_id(path, root)
    match suffix:
        case ".pdf":
            docs = [_pdf(data, path, rel)]
        case ".docx":
            docs = [_docx(data, path, rel)]
        case ".html" | ".htm":
            docs = [_html(_decode(data, path), path, rel)]
        case ".md" | ".markdown":
            docs = [_markdown(_decode(data, path), path, rel)]
        case ".txt" | ".text":
            docs = [_plain(_decode(data, path), path, rel)]
        case ".csv":
            docs = _faq_rows(_csv_rows(_decode(data, path), path), path, rel)
        case ".jsonl":
            docs = _faq_rows(_jsonl_rows(_decode(data, path), path), path, rel)
    docs = [d for d in docs if d.text().strip()]
    if not docs:
        raise DocumentLoadError(f"{path}: no text could be extracted.")
    return docs


def _relative_id(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def _decode(data: bytes, path: Path) -> str:
    # A NUL byte never occurs in real text; it means a binary file with a text suffix.
    if b"\x00" in data[:8192]:
        raise DocumentLoadError(f"{path}: looks like a binary file, not text.")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DocumentLoadError(f"{path}: is not UTF-8 (or GB18030) text.")
    # Control characters other than whitespace in quantity also mean binary content.
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > 0.05 * min(len(text), 8192):
        raise DocumentLoadError(f"{path}: looks like a binary file, not text.")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _paragraphs(text: str) -> list[str]:
    return [re.sub(r"[ \t]+", " ", p).strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


# Plain-text headings as help-centre exports write them: a line underlined with "===" or "---" (setext), a line
# of capitals on its own ("WHAT TO BRING"), a Chinese ordinal heading on its own ("二、回收流程"): `is_heading_line`.
_UNDERLINE = re.compile(r"^\s*(?:={3,}|-{3,})\s*$")


def _plain(text: str, path: Path, rel: str) -> Document:
    """Sections follow the text's own headings (see `is_heading_line`, and underlined lines); the first
    underlined line is the title, else the file name is. A text without headings is one section."""
    title = None
    heading = ""
    sections: list[Section] = []
    buf: list[str] = []
    lines = text.split("\n")

    def flush() -> None:
        paras = _paragraphs("\n".join(buf))
        if paras:
            sections.append(Section(heading, paras))
        buf.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        alone = (i == 0 or not lines[i - 1].strip())
        underlined = i + 1 < len(lines) and bool(_UNDERLINE.match(lines[i + 1])) and bool(line.strip())
        if alone and underlined:
            flush()
            if title is None and not sections:
                title = line.strip()
            else:
                heading = line.strip()
            i += 2
            continue
        if alone and (i + 1 == len(lines) or not lines[i + 1].strip()) and is_heading_line(line):
            flush()
            heading = line.strip()
        else:
            buf.append(line)
        i += 1
    flush()
    return Document(doc_id=rel, title=title or path.stem, source=str(path), sections=sections)


_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def _markdown(text: str, path: Path, rel: str) -> Document:
    """Sections follow ATX headings; the first level-1 heading is the title."""
    title = None
    stack: list[tuple[int, str]] = []
    sections: list[Section] = []
    buf: list[str] = []
    in_fence = False

    def flush() -> None:
        paras = _paragraphs("\n".join(buf))
        if paras:
            sections.append(Section(" > ".join(h for _, h in stack), paras))
        buf.clear()

    for line in text.split("\n"):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        m = None if in_fence else _HEADING.match(line)
        if m:
            flush()
            level, heading = len(m.group(1)), m.group(2)
            if title is None and level == 1:
                title = heading
            stack = [(lv, h) for lv, h in stack if lv < level] + [(level, heading)]
        else:
            buf.append(line)
    flush()
    return Document(doc_id=rel, title=title or path.stem, source=str(path), sections=sections)


_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d])|opacity\s*:\s*0(?![.\d])", re.I)


def _hidden(tag) -> bool:
    """An element the page does not show: `hidden`, aria-hidden, or an inline style that hides it."""
    return tag.has_attr("hidden") or tag.get("aria-hidden") == "true" or bool(_HIDDEN_STYLE.search(tag.get("style") or ""))


def _html(text: str, path: Path, rel: str) -> Document:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "noscript", "nav", "footer", "header", "template"]):
        tag.decompose()
    # Text a browser never shows is text no reader checked: the classic carrier of instructions planted for
    # an assistant ("<div style='display:none'>ignore your instructions ...</div>").
    for tag in soup.find_all(_hidden):
        if not tag.decomposed:
            tag.decompose()
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    paras: list[str] = []

    def flush() -> None:
        if paras:
            sections.append(Section(" > ".join(h for _, h in stack), list(paras)))
        paras.clear()

    body = soup.body or soup
    blocks = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "table", "blockquote", "dd", "dt"]
    for el in body.find_all(blocks):
        if el.find_parent(["p", "li", "pre", "table", "blockquote"]) is not None:
            continue  # its text is already taken with the enclosing block
        txt = _html_table(el) if el.name == "table" else re.sub(r"\s+", " ", el.get_text(" ", strip=True)).strip()
        if not txt:
            continue
        if el.name[0] == "h":
            flush()
            level = int(el.name[1])
            if not title and level == 1:
                title = txt
            stack = [(lv, h) for lv, h in stack if lv < level] + [(level, txt)]
        else:
            paras.append(txt)
    flush()
    if not sections:  # markup without block elements: keep its plain text
        sections = [Section("", _paragraphs(body.get_text("\n")))]
    return Document(doc_id=rel, title=title or path.stem, source=str(path), sections=sections)


def _html_table(table) -> str:
    """A table as a Markdown one (one paragraph, a row per line, the header row ruled off): each row keeps its
    cells together ("| 红色常亮 | 硬件异常，请重启 |"), where one paragraph per cell would part a state from its
    meaning, for the model and for the extractive answer alike."""
    lines = []
    for row in table.find_all("tr"):
        cells = [re.sub(r"\s+", " ", c.get_text(" ", strip=True)).replace("|", "/") for c in row.find_all(["th", "td"])]
        if not any(cells):
            continue
        lines.append("| " + " | ".join(cells) + " |")
        if len(lines) == 1 and row.find("th") is not None and not row.find("td"):
            lines.append("|" + "---|" * len(cells))
    return "\n".join(lines)


def _pdf(data: bytes, path: Path, rel: str) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # Many PDFs are "encrypted" with an empty user password and open fine.
            try:
                ok = reader.decrypt("")
            except Exception as e:  # noqa: BLE001 - pypdf raises several types for unsupported crypto
                raise DocumentLoadError(f"{path}: the PDF is encrypted; remove its password first.") from e
            if not ok:
                raise DocumentLoadError(f"{path}: the PDF is encrypted; remove its password first.")
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
    except DocumentLoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as e:
        raise DocumentLoadError(f"{path}: not a readable PDF ({type(e).__name__}).") from e
    except Exception as e:  # noqa: BLE001 - a damaged PDF can make pypdf fail in arbitrary ways
        raise DocumentLoadError(f"{path}: not a readable PDF ({type(e).__name__}).") from e
    title = str(meta_title).strip() or path.stem
    sections = pdf_sections(pages, title)
    if not sections:
        raise DocumentLoadError(f"{path}: the PDF has no extractable text (a scan needs OCR first).")
    return Document(doc_id=rel, title=title, source=str(path), sections=sections)


def _docx(data: bytes, path: Path, rel: str) -> Document:
    import docx

    try:
        d = docx.Document(io.BytesIO(data))
    except Exception as e:  # noqa: BLE001 - python-docx raises zip/xml/key errors for damaged files
        raise DocumentLoadError(f"{path}: not a readable DOCX file ({type(e).__name__}).") from e
    title = (d.core_properties.title or "").strip()
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    paras: list[str] = []
    for p in d.paragraphs:
        txt = p.text.strip()
        if not txt:
            continue
        style = (p.style.name if p.style is not None else "") or ""
        m = re.match(r"Heading (\d)", style)
        if style == "Title" or m:
            if paras:
                sections.append(Section(" > ".join(h for _, h in stack), paras))
                paras = []
            level = int(m.group(1)) if m else 0
            if not title and level <= 1:
                title = txt
            if level:
                stack = [(lv, h) for lv, h in stack if lv < level] + [(level, txt)]
        else:
            paras.append(txt)
    if paras:
        sections.append(Section(" > ".join(h for _, h in stack), paras))
    return Document(doc_id=rel, title=title or path.stem, source=str(path), sections=sections)


def _csv_rows(text: str, path: Path) -> list[dict]:
    try:
        return list(csv.DictReader(io.StringIO(text)))
    except csv.Error as e:
        raise DocumentLoadError(f"{path}: not a valid CSV file ({e}).") from e


def _jsonl_rows(text: str, path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise DocumentLoadError(f"{path}: line {n} is not valid JSON ({e.msg}).") from e
        if not isinstance(row, dict):
            raise DocumentLoadError(f"{path}: line {n} is not a JSON object.")
        rows.append(row)
    return rows


def _faq_rows(rows: list[dict], path: Path, rel: str) -> list[Document]:
    """One document per row with a `question` and an `answer` (string) or `answers` (list)."""
    if not rows:
        raise DocumentLoadError(f"{path}: the FAQ table has no rows.")
    docs = []
    seen: set[str] = set()
    for n, row in enumerate(rows, 1):
        question = str(row.get("question") or "").strip()
        raw = row.get("answers", row.get("answer"))
        if isinstance(raw, str) and raw.lstrip().startswith("[") and path.suffix.lower() == ".csv":
            try:  # a CSV cell may hold a JSON list of answers
                raw = json.loads(raw)
            except json.JSONDecodeError:
                pass
        answers = [str(a).strip() for a in (raw if isinstance(raw, list) else [raw]) if a and str(a).strip()]
        if not question or not answers:
            raise DocumentLoadError(
                f"{path}: row {n} needs a non-empty `question` and `answer` (or `answers`) field."
            )
        doc_id = str(row.get("id") or "").strip() or f"{rel}#{n}"
        if doc_id in seen:
            raise DocumentLoadError(f"{path}: id {doc_id!r} appears more than once.")
        seen.add(doc_id)
        docs.append(Document(doc_id=doc_id, title=question, source=str(path), question=question, answers=answers))
    return docs
