"""Citations for an answer that gives none: the passages that hold what it says.

The bundled 1.5B leaves about one generated answer in five without a citation mark (31 of 139 in the dev runs of
sessions 25 and 26: "The Nimbus 14 has a 2-year Voltway warranty, including the battery ..."), though a customer is
promised cited answers. `marks_for(answer, passages)` names, as "[n]" marks (passages numbered from 1, as the
prompt numbered them), the fewest passages that hold the answer's checkable claims (figures, contact points, the
knowledge base's names: `service.grounding`), figures and contact points before names, which most passages share;
for an answer with no claim any passage holds, the passage sharing most of the answer's words, when it shares at least
`MIN_SHARED_WORDS` of them. "" when no passage qualifies: no mark is better than a wrong one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from service.claims import extract_claims
from service.grounding import Grounder

# Share of an answer's words a passage must hold to be cited for an answer without checkable claims.
MIN_SHARED_WORDS = 0.5

_WORD = re.compile(r"[a-z][a-z'-]{2,}|\d+")
_HAN = re.compile(r"[\u4e00-\u9fff]+")
_CITATION_MARKS = re.compile(r"\[\d+\]")


def marks_for(answer: str, passages: Sequence[str], vocabulary: Iterable[str] = ()) -> str:
    """The marks ("[1] [3]", in passage order) of the passages that hold `answer`'s claims, or of its words; "" if
    none does."""
    if not passages:
        return ""
    chosen = _holding_claims(answer, passages, frozenset(vocabulary))
    if not chosen:
        best = _sharing_words(answer, passages)
        chosen = [] if best is None else [best]
    return " ".join(f"[{i + 1}]" for i in sorted(chosen))


def _holding_claims(answer: str, passages: Sequence[str], vocabulary: frozenset[str]) -> list[int]:
    """Indexes of the fewest passages that hold every claim of `answer` some passage holds (greedy cover, the
    earlier passage on a tie); figures first: names only when the answer states no figure a passage holds."""
    claims = extract_claims(_CITATION_MARKS.sub(" ", answer), vocabulary)
    grounders = [Grounder([p], vocabulary=vocabulary) for p in passages]
    held = [{k for k, claim in enumerate(claims) if g.supported(claim)} for g in grounders]
    figures = {k for k, claim in enumerate(claims) if claim.kind != "term"}
    left = set().union(*held)
    if left & figures:
        left &= figures
    chosen: list[int] = []
    while left:
        best = max(range(len(passages)), key=lambda i: (len(held[i] & left), -i))
        chosen.append(best)
        left -= held[best]
    return chosen


def _words(text: str) -> set[str]:
    """Lower-cased words of three letters or more and numbers, and two-character runs of Chinese."""
    text = text.lower()
    words = set(_WORD.findall(text))
    for run in _HAN.findall(text):
        words.update(run[i : i + 2] for i in range(len(run) - 1))
    return words


def _sharing_words(answer: str, passages: Sequence[str]) -> int | None:
    """The index of the passage holding the largest share of `answer`'s words, if it holds `MIN_SHARED_WORDS`."""
    words = _words(_CITATION_MARKS.sub(" ", answer))
    if not words:
        return None
    shares = [len(words & _words(p)) / len(words) for p in passages]
    best = max(range(len(passages)), key=lambda i: (shares[i], -i))
    return best if shares[best] >= MIN_SHARED_WORDS else None
