"""Answers that say the assistant's previous reply again, to a different message.

    previous = PreviousReply.of(history, "and to a credit card?")   # history: the PayPal question and its reply
    previous.repeated_by("The refund takes 1-2 working days to PayPal. [1]")   # True: the reply before, again
    previous.repeated_by("Refunds take 3-5 working days to cards. [1]")        # False
    previous.may_become_repeat("The refund takes 1-2")                          # True: hold it back, it may be one

Asked a follow-up, the small default model sometimes answers the question before it again, word for word: in the
browser (session 54), "and to a credit card?" after a PayPal refund question got "The refund takes 1-2 working days to
PayPal.", and in the follow-up set "and with anc off?" got the battery life "with noise cancellation on". Every fact in
it is the passages', so the grounding guard's other checks pass it, and the customer reads the wrong case's answer
with confidence. The guard holds such an answer back while it may become one and replaces it when it is one.

Contract: `PreviousReply.of(history, message)` is None when the history has no reply or the customer's `message` is
their previous one again (case, spaces and marks aside: the same answer is then right). `repeated_by(answer)` when,
citations aside, either every sentence of the answer stands in the previous reply (`service.echoes.Echoes`: whole
words, the person swapped; a short verdict such as "No." only as the whole reply) and one of them has three words (four
Chinese characters) or more; or every sentence of the previous reply stands in the answer ("The Voltway Aria X2 battery
lasts up to 40 hours with noise cancellation on." after "Up to 40 hours with noise cancellation on.") and the answer
adds no number and no word of the new message (`knowledge_base.lexical.tokenize`) that the previous reply lacks: it
says nothing of what the customer asked now. `may_become_repeat(text)`: the growing answer is so far only words of the
previous reply.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from knowledge_base.lexical import tokenize
from knowledge_base.text import says_little, sentences
from service.backends import ChatMessage
from service.claim_forms import CITATION
from service.echoes import Echoes
from service.prompting import last_message

_MARKS = re.compile(r"[\W_]+")
_NUMBER = re.compile(r"(?<![A-Za-z])\d+")  # a number, not the digit of a name ("Aria X2")


class PreviousReply:
    def __init__(self, reply: str, message: str):
        self._reply = CITATION.sub(" ", reply)
        self._echoes = Echoes([reply])
        # What the new message asks that the reply before did not speak of: an answer naming it says something new.
        self._new_terms = set(tokenize(message)) - set(tokenize(self._reply))

    @classmethod
    def of(cls, history: Sequence[ChatMessage] | None, message: str) -> PreviousReply | None:
        reply, asked = last_message(history, "assistant"), last_message(history, "user")
        if not reply or (asked is not None and _MARKS.sub("", asked.lower()) == _MARKS.sub("", message.lower())):
            return None
        return cls(reply, message)

    def repeated_by(self, answer: str) -> bool:
        text = CITATION.sub(" ", answer)
        said = [s for s in sentences(text, clauses=True) if _MARKS.sub("", s)]
        if any(not says_little(s) for s in said) and self._echoes.says_nothing(answer):
            return True
        return (
            Echoes([text]).says_nothing(self._reply)
            and set(_NUMBER.findall(text)) <= set(_NUMBER.findall(self._reply))
            and not self._new_terms & set(tokenize(text))
        )

    def may_become_repeat(self, text: str) -> bool:
        return self._echoes.may_become_nothing(text)
