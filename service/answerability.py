"""Does the knowledge base answer this question? The model's one-word verdict on the passages, asked
before it answers (`ASSISTANT_ANSWER_CHECK`, off by default), and its own "I don't know" in an answer
(`says_it_does_not_know`, always on). Either way the reply declines (status `no_answer`, a person offered) and
shows the passages' sentences closest to the question (`Assistant._closest`; without the guard, none).

Small models answer from whatever passages they are given: asked "does the HomeHub work with Alexa?"
with passages about the HomeHub that never mention Alexa, Qwen2.5-Coder-1.5B says yes. The grounding
guard cannot catch that (it checks numbers, contacts and the knowledge base's names, not claims like
"works with Alexa"), and retrieval scores cannot either (the passages are on topic). This check asks the
model first. Measured with that 1.5B on the dev set it said FOUND for all 70 questions it was asked, the 12
unanswerable ones included, and its probability of MISSING does not separate them either (README, "Answers
customers can trust"): hence off by default, a switch for larger models.

The check's prompt is the answer's prompt up to the final instruction, so a model server with prefix
caching (vLLM's default) serves the answer's prefill from the check's: the check costs one decoded token
and a short prefill. A verdict that is neither FOUND nor MISSING lets the answer go ahead (the guard still
checks it).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator

from service.backends import ChatMessage, GenerationParams

_YES = re.compile(r"^\W*(?:found|find|yes|是|有|找到)", re.IGNORECASE)
_NO = re.compile(r"^\W*(?:missing|miss|not|no|否|不|没|无|缺)", re.IGNORECASE)
VERDICT_TOKENS = 1


def verdict(text: str) -> bool | None:
    """True for FOUND (or a yes), False for MISSING (or a no), in English or Chinese; None for anything else.
    With one token allowed, the model may stop inside the label ("MISS", "F")."""
    if _NO.match(text):
        return False
    if _YES.match(text):
        return True
    return None


# A generated answer that declines: its first sentence says the model does not know or the passages do not say.
# Narrower than "not" anywhere: "it is not covered by the warranty" and "the memory cannot be upgraded" answer.
# "我不会回答这个问题" is how the grounded adapter refuses on-topic questions its passages do not answer (session 43).
_DOES_NOT_KNOW = re.compile(
    r"\bI(?:'m| am) not sure\b|\bI (?:do not|don[’']?t) know\b|"
    r"\bI (?:could not|couldn[’']?t|cannot|can[’']?t|was unable to|am unable to) (?:find|answer|say|tell)\b|"
    r"\b(?:the )?(?:passages?|knowledge base|help cent(?:re|er)) (?:do(?:es)? not|don[’']?t|doesn[’']?t) "
    r"(?:mention|contain|say|answer|cover|include|provide|specify|state)\b|\bno information (?:about|on|regarding)\b|"
    r"不知道|不清楚|没有找到|找不到|(?:无法|不会|不能)回答|无法(?:确定|确认)|没有相关(?:信息|内容|说明)|(?:没有|未)(?:提到|提及)",
    re.IGNORECASE,
)
# "You do not know.": the prompt's "say that you do not know" taken word for word (below).
_YOU_DO_NOT_KNOW = re.compile(r"^[\W\d]*you (?:do not|don[’']?t) know[^\w?]*$", re.IGNORECASE)
# ... unless it turns to an answer after all ("I don't know the exact day, but refunds take 3 days").
_TURNS = re.compile(r"\b(?:but|however|although)\b|但|不过|可是", re.IGNORECASE)
_FIRST_SENTENCE = re.compile(r"^.*?(?:[.!?。！？](?=\s|$)|$)", re.DOTALL)


def says_it_does_not_know(answer: str) -> bool:
    """The answer's first sentence declines and does not turn to an answer: the passages did not answer it.

    The app then declines the way it does when retrieval finds nothing (status `no_answer`, a person offered),
    so the customer gets the same handoff and the dashboard counts the question as unresolved."""
    first = _FIRST_SENTENCE.match(answer.strip()).group()
    return bool(_DOES_NOT_KNOW.search(first)) and not _TURNS.search(first)


def parrots_the_instruction(answer: str) -> bool:
    """The answer opens with "You do not know.": the prompt's "say that you do not know" repeated word for word, which
    `says_it_does_not_know` does not read as a decline ("you" is not the model). The 1.5B default did so ten times in
    sessions 13-20's saved answers, four of them shown to the customer as the answer; the app treats it as the model's
    decline (`Reply`: a second look, then the decline showing the closest sentences; session 44, docs/answer-quality.md).
    Only as the whole first sentence, citations aside: "You don't know your PIN? Reset it" and "If you don't know your
    password, ..." answer."""
    first = _FIRST_SENTENCE.match(answer.strip()).group()
    return bool(_YOU_DO_NOT_KNOW.match(first))


class NotInPassages(Exception):  # noqa: N818 - a signal that ends a stream, not an error
    """Raised by an answer's stream before its first chunk: the model says the passages do not answer it."""

    def __init__(self, verdict_text: str):
        super().__init__(verdict_text)
        self.verdict_text = verdict_text


def checked_stream(
    stream: Callable[[list[ChatMessage], GenerationParams], Iterator[str]],
    check_messages: list[ChatMessage],
    messages: list[ChatMessage],
    params: GenerationParams,
) -> Iterator[str]:
    """The answer's chunks, unless the model says MISSING to `check_messages`: then `NotInPassages`."""
    check_params = dataclasses.replace(params, max_tokens=VERDICT_TOKENS, min_tokens=0, temperature=0.0)
    said = "".join(stream(check_messages, check_params))
    if verdict(said) is False:
        raise NotInPassages(said)
    yield from stream(messages, params)
