"""Which lines of unmarked text (plain text, a PDF's extracted text) name a section.

Contract: `is_heading_line(line)` is true for a line of at most 80 characters that does not end like a sentence
(a full stop, a semicolon or a comma, Latin or Chinese; a question in capitals is a heading) and is in capitals (three or more Latin letters:
"WHAT TO BRING") or a Chinese ordinal heading ("二、回收流程"); with `numbered`, also for a numbered heading
("3. What we will do", "3.1 Scope", "IV. Contact"). Whether the line stands alone is the caller's to check.
"""

from __future__ import annotations

import re

_CHINESE_ORDINAL_HEADING = re.compile(r"^[一二三四五六七八九十]{1,3}、\S.{0,38}$")
_NUMBERED_HEADING = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?|[IVX]{1,4}\.)\s+\S")
MAX_HEADING_CHARS = 80


def is_heading_line(line: str, *, numbered: bool = False) -> bool:
    """Whether `line` names a section (see the module's contract)."""
    line = line.strip()
    if not line or len(line) > MAX_HEADING_CHARS or line[-1] in ".。;；,，":
        return False
    if numbered and _NUMBERED_HEADING.match(line):
        return True
    letters = [ch for ch in line if ch.isalpha() and ch.isascii()]
    if len(letters) >= 3 and line.upper() == line:
        return True
    return bool(_CHINESE_ORDINAL_HEADING.match(line))
