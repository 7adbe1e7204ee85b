"""Another region's prices: asked "whats standard delivery to ireland cost and how much do i need to spend for it to be
free", the 1.5B answered "The standard delivery to Ireland costs £3.99. To make it free, you need to spend £50 or
more on the order." from passages giving the UK's fees in pounds and the EU's in euros (€5.99, free from €60). Every
figure in it is a passage's, so the grounding guard passes it; what is wrong is the currency: Ireland pays in euros.

    check = CustomerCurrencyCheck(["UK: £3.99, free from £50. EU: €5.99, free from €60."], "delivery to ireland cost?")
    check.check("Delivery to Ireland costs £3.99.").unsupported  # -> [Claim "£3.99"]

Contract: the customer's currency is the one of the places the question puts them in or orders to
(`places.customer_places`: "to ireland", "im in utrecht") or the currency it names ("in euros", "£"), when all of them
name one currency, no other place the question mentions names another ("with a uk bank card"), and the question names
no one else who may be elsewhere ("my mum in london", "a gift"). Then `check(answer)` reports an answer's amounts when
the answer states amounts, none of them in the customer's currency, and the passages give those amounts a price in the
customer's currency beside them (so they had the customer's price to give): in the same sentence ("£89 / €99"), or in
a sentence with the same subject (a table row's first cell, a sentence's words before its first figure: the UK table's
"| Standard | ... | £3.99 |" and the EU table's "| Standard | ... | €5.99 |"). An example given only in pounds (a
trade-in's "£200 quote becomes £220") has no such price. An answer giving both ("£89 / €99") passes; a question naming
two currencies ("in ireland with a uk bank card") has no customer's currency; nor has one whose places' currency the
passages never state (Switzerland's francs where the passages charge Swiss orders in euros). Chinese questions are left
alone (not measured). Whole answers only: the customer's price may come after the other region's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from knowledge_base.lexical import tokenize
from knowledge_base.text import reads_as_chinese, sentences
from service import claim_forms as forms
from service import places
from service.claim_forms import CITATION
from service.claims import Claim, facts
from service.figure_swaps import row_subject
from service.grounding import GroundingResult, figure_class

# A sentence's subject ends where its first figure or parenthesis begins.
_SUBJECT_END = re.compile(r"[\d(£€$¥]")
# "the United States", "the United Kingdom", "Great Britain" are two words each; "in euros", "pounds", "quid" name it.
_NAMED_CURRENCY = [
    ("€", re.compile(r"\beuros?\b|\beur\b|€", re.IGNORECASE)),
    ("£", re.compile(r"\bpounds?\b|\bgbp\b|\bquid\b|£|\bunited kingdom\b", re.IGNORECASE)),
    ("$", re.compile(r"\bdollars?\b|\busd\b|\$|\bunited states\b", re.IGNORECASE)),
    ("¥", re.compile(r"\byuan\b|\brmb\b|\bcny\b|¥|\brenminbi\b", re.IGNORECASE)),
]


def customer_currency(question: str) -> str | None:
    """The currency the question's places and currency words name ("£", "€", "$", "¥"), when they name exactly one."""
    if not question or reads_as_chinese(question, 0.5) or places.SOMEONE_ELSE.search(question):
        return None
    named = {place.currency for place in places.customer_places(question) if place.currency}
    named |= {currency for currency, pattern in _NAMED_CURRENCY if pattern.search(question)}
    mentioned = named | {place.currency for place in places.places_in(question) if place.currency}
    return named.pop() if len(named) == 1 and len(mentioned) == 1 else None


class CustomerCurrencyCheck:
    LABEL = "another region's currency"

    def __init__(self, passages: Sequence[str], question: str = "", vocabulary: Iterable[str] = ()):
        self._terms = forms.terms(frozenset(vocabulary))
        self._currency = customer_currency(question)
        # The amounts with a price in the customer's currency beside them: in their own sentence ("£89 / €99"), or in
        # a sentence with the same subject ("| Standard | ... | £3.99 ... |" and "| Standard | ... | €5.99 ... |").
        self._priced: set[str] = set()
        if self._currency is None:
            return
        lines = [(_subject(s), self._amounts(s)) for p in passages for s in sentences(CITATION.sub(" ", p))]
        local = {subject for subject, amounts in lines if subject and self._in_currency(amounts)}
        for subject, amounts in lines:
            if self._in_currency(amounts) or (subject and subject in local):
                self._priced |= {c.key for c in amounts}

    def _in_currency(self, amounts: list[Claim]) -> bool:
        return any(figure_class(c.key) == self._currency for c in amounts)

    def _amounts(self, text: str) -> list[Claim]:
        claims = (Claim(*f) for f in facts(CITATION.sub(" ", text), self._terms, strict=True))
        return [c for c in claims if c.kind == "number" and figure_class(c.key) in ("£", "€", "$", "¥")]

    def check(self, answer: str) -> GroundingResult:
        amounts = self._amounts(answer) if self._currency else []
        wrong = [] if self._in_currency(amounts) else [c for c in amounts if c.key in self._priced]
        unique = list({c.key: c for c in wrong}.values())
        return GroundingResult(ok=not unique, unsupported=unique, claims=amounts)


def _subject(sentence: str) -> frozenset[str]:
    """What a passage sentence prices: a table row's first cell (`figure_swaps.row_subject`), or a sentence's words
    before its first figure or parenthesis ("Standard delivery (2-4 working days) costs £3.99 ..." -> standard,
    delivery)."""
    text = row_subject(sentence) if sentence.lstrip().startswith("|") else _SUBJECT_END.split(sentence, maxsplit=1)[0]
    return frozenset(w for w in tokenize(text) if len(w) > 2)
