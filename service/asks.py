"""The questions inside a customer's message of several sentences.

Customers tell what happened and then ask ("my aria x2 wont charge anymore, bought it 14 months ago. is it still under
warranty?"), or ask and then explain ("do voltway gift cards expire? got one for my bday"). Searched as a whole, the
story can outweigh the question: that first message found the charging troubleshooting and the warranty's exclusions,
and not the passage that says how long the warranty lasts ("is it still under warranty?" alone finds it first). So
each question sentence (`asks`) is also searched alone, and where its best passage comes closer to it than any passage
came to the whole message, the story diluted the question: that passage joins the message's (`with_sharper`), and the
passages' sentences are chosen for the question sentence, unless the whole message comes clearly closer to one
(`service.follow_ups.reads_alone`, with the question sentence in the place of a follow-up's joined reading).

Contract: `asks(message)` is [] for a message of one sentence (it is searched as it is), and never holds the whole
message; a question sentence ends in a question mark or starts with a question word, and has at least
`MIN_ASK_WORDS` words ("legit?" alone finds nothing in particular); at most `MAX_ASKS`, the last ones (the question a
story leads to comes last). `with_sharper` never changes a passage's score or drops one of the message's except its
last; an ask's search that comes no closer than the message's changes nothing: most question sentences are already
answered by the message's own passages, and alone ("can u replace it", "can i return them") they lose what "it" is.
A message that finds nothing relevant as a whole takes the passages of its first question sentence that does
(`Assistant.retrieve_message`): "whats in the box with the aria x2? do i get a case" is about the box, not the case.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from knowledge_base.text import is_question, sentence_spans
from service.sources import passage_key

MIN_ASK_WORDS = 3
MAX_ASKS = 2

# How customers open an English question, typos and shorthand included ("wat", "whats", "u").
_QUESTION_START = re.compile(
    r"^(?:is|are|am|was|were|can|could|do|does|did|will|would|should|shall|may|might|have|has|how|hows|what|whats|"
    r"wat|when|where|wheres|why|which|who|whos|any|anyone)\b",
    re.IGNORECASE,
)
_WORDS = re.compile(r"[^\W_]+")


def asks(message: str) -> list[str]:
    """The question sentences of `message` worth searching alone (see the module's contract)."""
    line = message.replace("\n", " ")  # a line break alone ends no sentence here: only . ! ? and 。！？ do
    sentences = [s for start, end in sentence_spans(line) if (s := line[start:end].strip())]
    if len(sentences) < 2:
        return []
    found = [s for s in sentences if (is_question(s) or _QUESTION_START.match(s)) and _words(s) >= MIN_ASK_WORDS]
    return found[-MAX_ASKS:]


def with_sharper(hits: Sequence, found: Sequence) -> list | None:
    """The message's `hits` (best first) with the best of an ask's `found` in its place by score, instead of their last
    when they are as many as the longer of the two searches found (both asked for the same number); None when that
    passage is no closer to the ask than the message's best is to the message, or is already among them."""
    if not found or not hits or found[0].score <= hits[0].score:
        return None
    best = found[0]
    if any(passage_key(h) == passage_key(best) for h in hits):
        return None
    kept = list(hits[:-1]) if len(hits) >= len(found) else list(hits)
    return sorted([*kept, best], key=lambda h: -h.score)


def _words(sentence: str) -> int:
    """Words, counting each Chinese or Japanese character as one."""
    return sum(len(w) if not w.isascii() else 1 for w in _WORDS.findall(sentence))
