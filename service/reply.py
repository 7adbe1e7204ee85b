"""One streamed reply: text chunks, the sources known before them, and how it ended.

Contract: iterating a `Reply` never raises; closing it mid-stream closes the backend's stream (the model
server stops generating): a backend or retrieval error ends it with a friendly sentence
and `status == "error"`. Read `reply.text` for what to show: it is the whole text so far, and a reply whose
generated answer failed its grounding check is *replaced* (the text shown so far is swapped for the
checked fallback, `reply.replaced` lists what was unsupported), which no chunk sum can express.
`strip_markers` removes the model's echo of our block delimiters from a stream.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Literal, Protocol

from service.answerability import NotInPassages, parrots_the_instruction, says_it_does_not_know
from service.backends import ChatMessage
from service.citation_order import as_shown
from service.citing import Citations
from service.claim_forms import CITATION
from service.confidence import ConfidenceFloor, mean_logprob
from service.echoes import after_echoed_question
from service.errors import AssistantError
from service.sources import Source

log = logging.getLogger(__name__)

# faq: a curated FAQ answer, verbatim; generated: the model's answer (checked when a guard is on);
# extractive: sentences of the passages, because the generated answer stated something they do not;
# no_answer: the knowledge base does not answer it (a person is offered); small_talk: a fixed reply to a greeting,
# thanks, a goodbye (service.small_talk); rejected: input refused; stopped: a stored turn whose answer the customer
# stopped, or left, before its end (support.desk).
Status = Literal[
    "faq", "generated", "extractive", "no_answer", "small_talk", "handoff", "rejected", "error", "busy", "rate_limited",
    "stopped",
]

FRIENDLY_ERROR = "Sorry, I could not answer just now: {reason} Please try again in a moment."
UNEXPECTED_ERROR = "something went wrong on our side."


class Fallback(Protocol):
    """What replaces an answer that failed its check: (status, text, sources)."""

    def __call__(self) -> tuple[Status, str, list[Source]]: ...


class StreamCheck(Protocol):
    """Decides how much of a growing answer may be shown (see `service.guard.GroundingGuard`)."""

    def releasable(self, text: str) -> int | None:
        """Length of the prefix of `text` that may be shown now, or None when it states something unsupported."""

    def final(self, text: str) -> list[str]:
        """The unsupported items of the whole answer ([] when it may stand)."""


class Reply:
    """One streamed reply. Iterate it (once) for progress; it never raises.

    `sources` are known before the first chunk; `text`, `status`, `replaced` and `timings` are final after
    the iteration ends (`timings`, seconds from the start of the call: retrieval_s; first_token_s, when the customer
    saw the first text; model_first_token_s, when the model's first token arrived, None for a reply the model did not
    write; total_s).
    With `check` and `fallback`, generated text is shown only as far as `check` allows, and replaced by
    `fallback()` when it fails; a stream that raises `NotInPassages` before its first chunk, or an answer that
    says it does not know (`says_it_does_not_know`, or that only repeats the prompt's "say that you do not know":
    `parrots_the_instruction`), ends as `decline()`, even when the sentence that declines names something its
    passages do not ("The passages do not say how to post an iPad"). With `confidence`, a whole answer whose
    tokens' log-probabilities (carried by the chunks, `TextChunk`) fall below its floor is replaced by
    `fallback()` too. With `unanswered` (why a whole answer does not answer the customer's question from
    the passages, or None: it copies an FAQ entry's answer to another question, `service.faq_copies`, or only says the
    question back with a yes or no, `service.echoes.restates_the_question`; read as the customer would read it, without
    talk about the passages), an answer it names ends as `decline()` too. With `second_look`, an answer that says it does not know ("declined" in `second_look_for`) or fell below the
    floor ("unsure") ends instead as the reply `second_look()` returns (the question asked again
    with less to read; its outcome, whatever it is, becomes this reply's, and `looked_again` is set); so does one
    that failed the guard ("unsupported"), an `unanswered` check ("unanswered") or `vouch` ("unvouched") where
    `second_look_for` names it. With `vouch` (the base model's verdict on an adapter's answer,
    `service.quote_verdict`), a whole answer that passed every other check stands only when `vouch(text)` says it
    answers the question; with `held`, nothing of the answer is shown before that (an answer a verdict may still
    take back is not shown). With
    `cited_first_moved`, an answer that opens with its citation ("[1] 2 年。") is shown with it after its first sentence
    (`service.citation_order`); the checks read the model's own text (`generated`). With `citations` (the passages
    the answer was given, `service.citing.Citations`), a mark whose passage holds none of its sentence's figures is
    shown as the mark of the passage that holds them, and an answer that stands without a single mark ends with the
    marks of the passages that hold it. With `question` (the customer's, only with a `check`, which holds back an answer
    while it only says the question back), a first line that says the question back is not shown
    (`service.echoes.after_echoed_question`).
    """

    def __init__(
        self,
        status: Status,
        *,
        sources: list[Source] | None = None,
        chunks: Iterator[str] | None = None,
        text: str = "",
        started: float | None = None,
        retrieval_s: float = 0.0,
        on_done: Callable[["Reply"], None] | None = None,
        check: StreamCheck | None = None,
        fallback: Fallback | None = None,
        decline: Fallback | None = None,
        confidence: ConfidenceFloor | None = None,
        second_look: Callable[[], "Reply"] | None = None,
        second_look_for: frozenset[str] = frozenset({"declined"}),
        unanswered: Callable[[str], str | None] | None = None,
        cited_first_moved: bool = False,
        citations: Citations | None = None,
        vouch: Callable[[str], bool] | None = None,
        held: bool = False,
        model: str | None = None,
        question: str | None = None,
    ):
        self.status: Status = status
        self.sources = sources or []
        self.error: str | None = None
        self.glossary_missing: list[str] = []
        self.languages: tuple[str, str] | None = None  # a translation's (source, target) codes
        self.unchecked: list[str] = []  # a draft's figures and names its knowledge-base facts do not state
        self.replaced: list[str] = []
        # Why the answer was replaced: it stated something its passages do not (the items in `replaced`), the model
        # was unsure of it (confidence floor), or it said the passages do not answer the question.
        self.replaced_why: Literal["unsupported", "unsure", "declined"] | None = None
        self.messages: list[ChatMessage] = []
        self.passages: list[str] = []  # the passage texts a generated answer was given (for evaluation)
        self.logprobs: list[float] = []  # of the generated tokens, when the backend gave them
        self.generated = ""  # the model's own answer, as far as it got, whatever replaced it
        self.looked_again = False  # the outcome is `second_look()`'s (it said it did not know, ...)
        self.model = model  # the model whose answer this is, where the caller knows it (None: the request's)
        self._chunks = chunks
        self._fixed = text
        self._text = ""  # what is shown, in the knowledge base's writing (`text` is it as the customer reads it)
        self._writing: Callable[[str], str] | None = None
        self._started = started if started is not None else time.perf_counter()
        self.timings = {"retrieval_s": retrieval_s, "first_token_s": None, "model_first_token_s": None, "total_s": None}
        self._on_done = on_done
        self._check = check
        self._fallback = fallback
        self._decline = decline
        self._confidence = confidence
        self._second_look = second_look
        self._second_look_for = second_look_for
        self._unanswered = unanswered
        self._cited_first_moved = cited_first_moved
        self._citations = citations
        self._vouch = vouch
        self._held = held
        self._question = question

    @property
    def text(self) -> str:
        """What to show the customer so far (the whole of it once the iteration ends)."""
        return self.as_read(self._text)

    def as_read(self, text: str) -> str:
        """`text`, written as the assistant writes, as this reply's customer reads it (`written_with`)."""
        return self._writing(text) if self._writing is not None else text

    @text.setter
    def text(self, value: str) -> None:
        self._text = value

    def written_with(self, rewrite: Callable[[str], str]) -> "Reply":
        """This reply with its `text` given through `rewrite` (the customer's writing of Chinese,
        `knowledge_base.chinese_script`); the checks, and the chunks it yields, read the text as the assistant wrote it."""
        self._writing = rewrite
        return self

    def __iter__(self) -> Iterator[str]:
        try:
            if self._chunks is None:
                yield from self._fixed_text()
                return
            yield from self._stream()
        except GeneratorExit:
            # The reader went away mid-answer (the customer closed the page, the API client disconnected):
            # stop the generation upstream now, rather than whenever the garbage collector gets to it.
            _close(self._chunks)
            raise
        finally:
            self.timings["total_s"] = time.perf_counter() - self._started
            if self._on_done is not None and self.status != "error":
                self._on_done(self)

    def _fixed_text(self) -> Iterator[str]:
        """A known text (FAQ answer, no-answer message), streamed word by word like a generated one."""
        self._mark_first()
        for i, word in enumerate(self._fixed.split(" ")):
            chunk = word if i == 0 else " " + word
            self._text += chunk
            yield chunk

    def _stream(self) -> Iterator[str]:
        raw = ""
        try:
            for chunk in self._chunks:
                if not chunk:
                    continue
                if self.timings["model_first_token_s"] is None:
                    self.timings["model_first_token_s"] = time.perf_counter() - self._started
                raw += chunk
                self.generated = raw
                self.logprobs += getattr(chunk, "logprobs", ())
                shown = self._releasable(raw)
                if shown is None:
                    _close(self._chunks)  # stop the generation upstream: its answer will not be used
                    if self._says_it_does_not_know(raw):  # its own decline, whatever else its sentence names
                        yield from self._on_decline()
                        return
                    yield from self._on_unsupported(self._check.final(raw) or ["an unsupported statement"])
                    return
                if self._held:
                    continue
                delta = self._show(self._as_shown(raw[:shown], final=False))
                if delta:
                    yield delta
        except NotInPassages as e:
            yield self._declined(f"the model's verdict on the passages was {e.verdict_text!r}")
            return
        except AssistantError as e:
            yield self._settle(raw) + self._fail(str(e))
            return
        except Exception as e:  # noqa: BLE001 - a user never sees a traceback; the log keeps it
            log.exception("unexpected error while streaming a reply")
            yield self._settle(raw) + self._fail(UNEXPECTED_ERROR, e)
            return
        if not raw.strip():
            yield self._fail("the model returned an empty answer.")
            return
        if self._says_it_does_not_know(raw):
            yield from self._on_decline()
            return
        unsupported = self._check.final(raw) if self._check is not None else []
        if unsupported:
            yield from self._on_unsupported(unsupported)
            return
        shown_text = self._as_shown(raw, final=True)
        # Whether it answers the question is judged on what the customer would read: "No, the Berlin store is not open
        # on Sunday afternoons. The information is found in passage [3]." is the question said back once the talk
        # about the passage goes (session 48).
        unanswered = self._unanswered(shown_text) if self._unanswered is not None else None
        if unanswered:
            if self._looks_again_for("unanswered"):
                yield from self._look_again(self._second_look(), unanswered)
                return
            yield self._declined(unanswered, replaced=unanswered)
            return
        unsure = self._unsure(raw)
        if unsure:
            if self._looks_again_for("unsure"):
                yield from self._look_again(self._second_look(), unsure)
                return
            yield self._replace([unsure], why="unsure")
            return
        if self._vouch is not None and not self._vouch(shown_text):
            if self._looks_again_for("unvouched"):
                yield from self._look_again(self._second_look(), "not vouched for as an answer to the question")
                return
            yield self._declined("not vouched for as an answer to the question")
            return
        # Uncited: the passages that hold its sentences are cited. An answer citing "the second passage" in words is
        # shown with its mark already ("... This can be found in the second passage." -> "... [2]").
        if self._citations is not None and not CITATION.search(shown_text):
            shown_text = _with_marks(shown_text, self._citations.for_answer(raw))
        delta = self._show(shown_text)
        if delta:
            yield delta

    def _as_shown(self, text: str, *, final: bool) -> str:
        """What the customer reads of the answer `text` (so far): each longer prefix extends the shorter's."""
        if self._question:
            text = text[after_echoed_question(text, self._question):]
        shown = as_shown(text, final=final) if self._cited_first_moved else text
        return self._citations.corrected(shown, final=final) if self._citations is not None else shown

    def _show(self, shown_text: str) -> str:
        """Shows `shown_text`, which extends what is shown; the part not shown before ("" when nothing is new)."""
        if len(shown_text) <= len(self._text):
            return ""
        self._mark_first()
        delta, self._text = shown_text[len(self._text) :], shown_text
        return delta

    def _says_it_does_not_know(self, raw: str) -> bool:
        """A grounded answer (not a translation) that declines: the model says it does not know or that the passages
        do not say (`says_it_does_not_know`), or it only repeats the prompt's "say that you do not know"
        (`parrots_the_instruction`)."""
        return self._decline is not None and (says_it_does_not_know(raw) or parrots_the_instruction(raw))

    def _on_decline(self) -> Iterator[str]:
        """The model declined: a second look where one is set for declines, else `decline()`'s reply."""
        if self._looks_again_for("declined"):
            yield from self._look_again(self._second_look(), "it said it does not know")
            return
        yield self._declined("the generated answer says it does not know")

    def _on_unsupported(self, unsupported: list[str]) -> Iterator[str]:
        """The answer states something its passages do not: a second look where one is set for it, else the
        fallback."""
        if self._looks_again_for("unsupported"):
            yield from self._look_again(self._second_look(), f"unsupported: {', '.join(unsupported)}")
            return
        yield self._replace(unsupported)

    def _looks_again_for(self, reason: str) -> bool:
        return self._second_look is not None and reason in self._second_look_for

    def _unsure(self, raw: str) -> str | None:
        """Why the whole answer `raw` counts as one the model was unsure of, or None: its confidence is below the
        floor."""
        return self._confidence.verdict(self.logprobs) if self._confidence is not None else None

    @property
    def mean_logprob(self) -> float | None:
        """The mean log-probability of the generated tokens (None when the backend gave none)."""
        return mean_logprob(self.logprobs)

    def _settle(self, raw: str) -> str:
        """Before an error message: the held-back rest of a broken-off answer, when it passes its check."""
        shown_text = self._as_shown(raw, final=True)
        if self._held or len(shown_text) <= len(self._text) or (self._check is not None and self._check.final(raw)):
            return ""
        return self._show(shown_text)

    def _releasable(self, raw: str) -> int | None:
        return len(raw) if self._check is None else self._check.releasable(raw)

    def _replace(self, unsupported: list[str], why: Literal["unsupported", "unsure"] = "unsupported") -> str:
        """Swap the answer for the checked fallback; returns the new text (the whole of it)."""
        self.replaced, self.replaced_why = list(unsupported), why
        log.warning("answer replaced (%s): %s", why, ", ".join(self.replaced))
        if self._fallback is None:
            self.status, self._text = "no_answer", ""
        else:
            self.status, self._text, self.sources = self._fallback()
        self._mark_first()  # after the fallback: it may ask the model again, and the customer waits for it
        return self._text

    def _declined(self, reason: str, replaced: str = "the passages do not answer the question") -> str:
        """The model said, before or in its answer, that the passages do not answer the question, or its answer
        does not answer it (`unanswered`): `decline()`'s reply (the app's decline, a person offered, with the
        passages' closest sentences when there are any), replacing what was shown."""
        self.replaced, self.replaced_why = [replaced], "declined"
        log.info("answer declined: %s", reason)
        self.status, self._text, self.sources = self._decline() if self._decline else ("no_answer", "", [])
        self._mark_first()  # after the decline: it may ask the model again, and the customer waits for it
        return self._text

    def _look_again(self, second: "Reply", reason: str) -> Iterator[str]:
        """Show `second` as it streams, in place of this answer, and end as it ends."""
        log.info("answering again (%s)", reason)
        self.looked_again = True
        self._chunks = second._chunks  # so that closing this reply mid-stream stops the second generation
        for _ in second:
            self._mark_first()
            self._text = second._text
            yield self._text
        self.status, self._text, self.sources = second.status, second._text, second.sources
        self.replaced, self.replaced_why, self.error = second.replaced, second.replaced_why, second.error
        self.logprobs, self.generated, self.model = second.logprobs, second.generated, second.model or self.model

    def _mark_first(self) -> None:
        if self.timings["first_token_s"] is None:
            self.timings["first_token_s"] = time.perf_counter() - self._started

    def _fail(self, reason: str, exc: Exception | None = None) -> str:
        self._mark_first()
        self.status = "error"
        self.error = reason
        message = FRIENDLY_ERROR.format(reason=reason.rstrip(".") + ".")
        prefix = "\n\n" if self._text else ""
        self._text += prefix + message
        return prefix + message

    def collect(self) -> str:
        """Consume the stream; the whole text."""
        for _ in self:
            pass
        return self.text


def _with_marks(text: str, marks: str) -> str:
    """`text` with citation `marks` after it ("" adds nothing); what was shown of `text` stays a prefix."""
    if not marks or not text:
        return text
    return f"{text}{'' if text[-1].isspace() else ' '}{marks}"


def _close(chunks) -> None:
    close = getattr(chunks, "close", None)
    if close is not None:
        try:
            close()
        except Exception:  # noqa: BLE001 - closing is best effort; the reply is already decided
            log.debug("closing an abandoned stream failed", exc_info=True)


def rejected_reply(message: str) -> Reply:
    return Reply("rejected", text=message)


def strip_markers(chunks: Iterator[str], markers: Sequence[str]) -> Iterator[str]:
    """The stream without any of `markers`, even when one is split across chunks; leading whitespace
    left by a removed marker is dropped too."""
    buffer, started = "", False
    longest = max(len(m) for m in markers)
    for chunk in chunks:
        buffer += chunk
        for m in markers:
            buffer = buffer.replace(m, "")
        # Hold back a tail that could be the start of a marker.
        hold = 0
        for n in range(1, min(longest, len(buffer)) + 1):
            if any(m.startswith(buffer[-n:]) for m in markers):
                hold = n
        out, buffer = buffer[: len(buffer) - hold], buffer[len(buffer) - hold :]
        # Trailing whitespace waits for what follows: it goes if a closing marker ends the text.
        stripped = out.rstrip()
        out, buffer = stripped, out[len(stripped):] + buffer
        if not started:
            out = out.lstrip()
            started = bool(out)
        if out:
            yield out
    tail = buffer if started else buffer.lstrip()
    if tail:
        yield tail.rstrip()
