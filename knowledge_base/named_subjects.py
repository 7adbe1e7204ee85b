"""Which of the base's own names (products, programmes: its vocabulary) a query names, and which chunks name them.

    subjects = NamedSubjects(vocabulary, chunks)
    subjects.named_in("homehub 怎么重置")        # -> ["HomeHub"]
    subjects.rows_naming(["HomeHub"])           # -> {12, 13, ...}: the chunk rows whose title or text names it

Why: for a Chinese question the English-centred embedding model cannot tell which product it is about, and
BM25 weighs a name by its rarity, so a name the base mentions everywhere ("HomeHub") counts for less than a
common verb ("重置"): "homehub 怎么重置" ranked the Aria X2 headphones' reset first. Retrieval lifts the chunks
that name what the question names (`KBSettings.cjk_name_weight`).

Contract: matching ignores case and the spacing inside a name ("nimbus14", "Nimbus 14"), and a name must not be
glued to other Latin letters or digits ("F2" is not in "F21"); Chinese characters around it are fine. Of names
nested in one another only the shortest counts ("Voltway Aria X2" names "Aria X2", which chunks that say only
"Aria X2" also name). Chunk rows are read once per name and remembered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence


def _pattern(name: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in re.findall(r"[A-Za-z]+|\d+(?:\.\d+)?|[^\sA-Za-z\d]+", name)]
    return re.compile(r"(?<![A-Za-z0-9])" + r"\s*".join(words) + r"(?![A-Za-z0-9])", re.IGNORECASE)


class NamedSubjects:
    def __init__(self, vocabulary: Iterable[str], chunks: Sequence[dict]):
        self._patterns = {name: _pattern(name) for name in vocabulary if name.strip()}
        self._chunks = chunks
        self._rows: dict[str, frozenset[int]] = {}

    def named_in(self, query: str) -> list[str]:
        """The names `query` mentions, the shortest of nested ones, sorted."""
        found = [name for name, pattern in self._patterns.items() if pattern.search(query)]
        return sorted(n for n in found if not any(m != n and self._patterns[m].search(n) for m in found))

    def rows_naming(self, names: Iterable[str]) -> frozenset[int]:
        """The chunk rows whose title or text mentions one of `names`."""
        rows: set[int] = set()
        for name in names:
            if name not in self._rows:
                pattern = self._patterns[name]
                self._rows[name] = frozenset(
                    i for i, c in enumerate(self._chunks) if pattern.search(c["title"]) or pattern.search(c["text"])
                )
            rows |= self._rows[name]
        return frozenset(rows)
