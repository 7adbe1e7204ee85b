"""A PDF's extracted text back into sections and paragraphs.

A PDF has no paragraphs, only lines: pypdf gives the text of each page with a line break wherever the
layout wrapped a line, so a sentence arrives cut in two ("... at least 80% of its rated" / "capacity."), the
page's header and footer arrive on every page, and the document's own headings are lines like any other.
Read as paragraphs split on blank lines, a page was one "paragraph" of wrapped lines, its sections were the
pages, and an answer quoting the passage's sentences quoted half sentences.

Contract of `pdf_sections(pages, title)`: the lines of all pages in order, without the furniture repeated on
every page (a line that, with its digits ignored, appears on every page of a document of two or more pages)
and without a first line that repeats the title; a heading line (numbered, "3. What we will do" or "3.1
Scope"; in capitals; a Chinese ordinal heading, "二、回收流程") starts a section named by it; the other lines
are joined into paragraphs: a line continues into the next unless it is short (under 3/4 of the document's
long lines: the last line of a paragraph), the next is a heading or a bullet, or it is a bullet item that
ends a sentence. Bullet items keep their own lines ("- item"), as the Markdown reader writes them. Text
before the first heading is a section without a heading. Lines are joined with a space, without one between
two Chinese characters or after a word broken with a hyphen.
"""

from __future__ import annotations

import re

from .documents import Section
from .headings import is_heading_line
from .text import HAN

_BULLET = re.compile(r"^\s*[•●▪◦‣∙·\-–*]\s+")
_SENTENCE_END = re.compile(r"[.!?:;。！？：；][\"'”’)\]]*$")
_LONG_SHARE = 0.75


def pdf_sections(pages: list[str], title: str = "") -> list[Section]:
    """The sections of a document whose pages' extracted text is `pages` (see the module's contract)."""
    lines = _content_lines(pages, title)
    long_line = _long_line_length(lines)
    sections: list[Section] = []
    heading = ""
    paragraphs: list[str] = []
    current = ""

    def end_paragraph() -> None:
        nonlocal current
        if current:
            paragraphs.append(current)
        current = ""

    def end_section() -> None:
        end_paragraph()
        if paragraphs:
            sections.append(Section(heading, list(paragraphs)))
        paragraphs.clear()

    for i, line in enumerate(lines):
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if _is_heading(line, long_line):
            end_section()
            heading = line
            continue
        bullet = bool(_BULLET.match(line))
        if bullet:
            end_paragraph()
            current = "- " + _BULLET.sub("", line)
        else:
            current = _join(current, line)
        ends = (
            not following
            or len(line) < _LONG_SHARE * long_line
            or _is_heading(following, long_line)
            or bool(_BULLET.match(following))
            or (bullet and bool(_SENTENCE_END.search(line)) and following[:1].isupper())
        )
        if ends:
            end_paragraph()
    end_section()
    return sections


def _content_lines(pages: list[str], title: str) -> list[str]:
    per_page = [[ln.strip() for ln in page.splitlines() if ln.strip()] for page in pages]
    furniture: set[str] = set()
    non_empty = [p for p in per_page if p]
    if len(non_empty) >= 2:
        shapes = [{_shape(ln) for ln in page} for page in non_empty]
        furniture = set.intersection(*shapes)
    lines = [ln for page in per_page for ln in page if _shape(ln) not in furniture]
    if lines and title and lines[0].casefold() == title.strip().casefold():
        lines = lines[1:]
    return lines


def _shape(line: str) -> str:
    """A line with its digits ignored: "Page 1 of 2" and "Page 2 of 2" are the same footer."""
    return re.sub(r"\d+", "#", line.casefold())


def _long_line_length(lines: list[str]) -> int:
    """The length of the document's long lines (the 90th percentile): a wrapped line is about this long."""
    if not lines:
        return 0
    lengths = sorted(len(ln) for ln in lines)
    return lengths[min(len(lengths) - 1, int(0.9 * len(lengths)))]


def _is_heading(line: str, long_line: int) -> bool:
    # A line as long as the wrapped ones is prose that happens to start with a number or be in capitals; one that
    # ends like a sentence or a clause ("3. Do the following:") is a list item.
    return len(line) < _LONG_SHARE * long_line and not _SENTENCE_END.search(line) and is_heading_line(line, numbered=True)


def _join(text: str, line: str) -> str:
    if not text:
        return line
    if text.endswith("-") and line[:1].islower() and text[-2:-1].isalpha():
        return text + line  # a word broken at the line's end: "Voltway-" + "branded"
    if HAN.search(text[-1]) and HAN.search(line[:1]):
        return text + line
    return f"{text} {line}"
