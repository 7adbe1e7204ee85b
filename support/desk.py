"""The support desk: customers' conversations through the assistant, every turn stored, handoff to a person,
and agents' replies.

    desk = SupportDesk(assistant, store, model_name="qwen2.5-coder-1.5b-instruct")
    turn = desk.answer("can i return my headphones", channel="api")
    for text in turn: ...                       # the answer so far, as it streams
    turn.conversation_id, turn.turn, turn.status

Contract:
- A customer turn is stored (one transaction) when its stream ends, before the caller's request ends; its
  `turn` number is known from then on. Rejected and failed turns are stored too. Translations and drafts
  are stored by `record()`, each as a conversation of one turn (scenario `translate` / `generate`).
- With a `conversation_id` and no `history`, the model sees the stored conversation (agents' replies
  included); an unknown id is a `StoreError`. Without an id, a new conversation starts.
- The conversation goes to a person (a ticket, status `handoff`) when the customer asks for one or says yes to
  an answer that offered one, or after `NO_ANSWER_LIMIT` "don't know" answers in a row, or when `handoff()` is
  called (the API, a thumbs-down).
  While its ticket is open the bot does not answer: each message is stored and acknowledged, and the agent
  replies with `agent_reply()`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

import sqlalchemy as sa

from service.assistant import Assistant
from service.backends import ChatMessage, GenerationParams
from service.language import customer_writing, detect_language, reply_language
from service.prompting import last_message
from service.prompts import in_language
from service.reply import Reply
from support.handoff import (
    HANDOFF_TEXT,
    NO_ANSWER_HANDOFF_TEXT,
    NO_ANSWER_LIMIT,
    NOT_SAVED_TEXT,
    WAITING_TEXT,
    accepts_offer,
    asks_for_person,
)
from support.store import ConversationStore, StoreError, Ticket, TurnRecord, new_conversation_id

log = logging.getLogger(__name__)

# Answers that become part of the conversation the model sees next turn.
ANSWERED = ("faq", "generated", "extractive", "no_answer")


@dataclass(frozen=True)
class Handoff:
    ticket_id: int
    conversation_id: str
    status: str
    message: str
    turn: int

    def as_dict(self) -> dict:
        return {"ticket_id": self.ticket_id, "conversation_id": self.conversation_id, "status": self.status,
                "message": self.message, "turn": self.turn}


class SupportDesk:
    """The assistant's answers as stored conversations, with a way to a person."""

    def __init__(self, assistant: Assistant, store: ConversationStore, *, model_name: str = "default"):
        self.assistant = assistant
        self.store = store
        self.model_name = model_name

    def answer(
        self, question: str, *, conversation_id: str | None = None, history: list[ChatMessage] | None = None,
        channel: str = "api", scenario: str = "chat", k: int | None = None, params: GenerationParams | None = None,
        **stages,
    ) -> CustomerTurn:
        """Answer the customer's next message (not yet streamed: iterate the result). `stages` (faq_direct, guard,
        answer_check) go to `Assistant.chat`, for evaluations."""
        new = not conversation_id
        if new:  # stored with its first turn, in the same transaction
            conversation_id = new_conversation_id()
        else:
            self.store.require(conversation_id)
            if history is None:
                history = self.store.history(conversation_id, ANSWERED)
        language = reply_language(question or "", last_message(history, "user"))
        problem = self.assistant.check_input(question, "question")
        if problem:
            reply = Reply("rejected", text=problem)
        elif not new and self.store.open_ticket_of(conversation_id) is not None:
            reply = Reply("handoff", text=self._as_written(in_language(WAITING_TEXT, language), question, history))
        elif asks_for_person(question) or accepts_offer(
            question, partial(self._last_answer, conversation_id, history, new), self.assistant.settings.company
        ):
            if new:
                self.store.add_conversation(conversation_id, channel)  # the ticket needs it now
                new = False
            self.store.open_ticket(conversation_id, "requested", note=question)
            reply = Reply("handoff", text=self._as_written(in_language(HANDOFF_TEXT, language), question, history))
        else:
            reply = self.assistant.chat(question, history or [], k=k, params=params, **stages)
        # The model that answers: the request's, else the one the settings give the answer's language.
        model = self.assistant.answer_params(params or self.assistant.params(), language).model or self.model_name
        return CustomerTurn(self, conversation_id, question, reply, channel=channel, scenario=scenario,
                            language=language, model=model, new=new)

    def record(self, reply: Reply, *, request: str, channel: str, scenario: str, model: str | None = None) -> int:
        """Store a finished translation or draft (`reply` iterated to its end) as a one-turn conversation."""
        record = turn_record(reply, self.assistant.count_tokens, question=request, text=reply.text, status=reply.status,
                             channel=channel, scenario=scenario, language=detect_language(request or ""),
                             model=model or self.model_name)
        return self.save(new_conversation_id(), record, create=True)

    def save(self, conversation_id: str, record: TurnRecord, *, create: bool = False) -> int:
        try:
            return self.store.add_turn(conversation_id, record, create=create)
        except sa.exc.SQLAlchemyError as e:
            log.exception("storing a turn failed")
            raise StoreError(f"The answer was given but could not be saved ({type(e).__name__}); please try again.") from e

    def handoff(self, conversation_id: str, reason: str = "", *, kind: str = "requested") -> Handoff:
        """Give the conversation to a person: a ticket (the open one, if there is one) and a stored turn
        telling the customer so."""
        self.store.require(conversation_id)
        ticket = self.store.open_ticket(conversation_id, kind, note=(reason or "").strip())
        turns = self.store.turns(conversation_id)
        language = _language_of(turns)
        asked = [t.question for t in turns if t.question]
        message = self._as_written(in_language(HANDOFF_TEXT, language), *asked[-1:])
        turn = self.store.add_turn(conversation_id, TurnRecord(
            channel=_channel_of(turns), scenario="handoff", answer=message, status="handoff",
            language=language,
        ))
        return Handoff(ticket.id, conversation_id, "handoff", message, turn)

    def agent_reply(self, ticket_id: int, agent: str, text: str) -> int:
        """Store an agent's message in the ticket's conversation (the customer's page shows it); its turn."""
        text = (text or "").strip()
        if not text:
            raise StoreError("Type a reply first.")
        ticket = self.store.ticket(ticket_id)
        return self.store.add_turn(ticket.conversation_id, TurnRecord(
            channel=_channel_of(self.store.turns(ticket.conversation_id)), scenario="agent", author=f"agent:{agent}",
            answer=text, status="agent", language=detect_language(text),
        ))

    def close_ticket(self, ticket_id: int, agent: str) -> Ticket:
        """Close the ticket; the bot answers the conversation again."""
        return self.store.close_ticket(ticket_id, agent)

    def _last_answer(self, conversation_id: str, history: list[ChatMessage] | None, new: bool) -> str | None:
        """What the customer's message replies to: the last answer stored, or else the history's last one."""
        stored = None if new else self.store.last_answer(conversation_id)
        if stored is not None:
            return stored
        return last_message(history, "assistant")

    def _as_written(self, text: str, question: str = "", history: list[ChatMessage] | None = None) -> str:
        """One of the desk's own `text`s as the customer who wrote `question` after `history` writes Chinese
        (`Assistant.chat` shows its replies so)."""
        shown = self.assistant.customers_writing(customer_writing(question or "", last_message(history, "user")))
        return text if shown is None else shown(text)


class CustomerTurn:
    """One customer message and its answer. Iterate it once: yields the answer so far; when it ends the turn
    is stored and `turn`, `status`, `text` and `sources` are final (closed before its end, it is stored as far as
    it went, status "stopped")."""

    def __init__(self, desk: SupportDesk, conversation_id: str, question: str, reply: Reply, *, channel: str,
                 scenario: str, language: str, model: str, new: bool = False):
        self.desk, self.conversation_id, self.question, self.reply = desk, conversation_id, question, reply
        self.new = new  # the conversation is stored with this turn
        self.channel, self.scenario, self.language, self.model = channel, scenario, language, model
        self.turn: int | None = None
        self.text, self.status = "", reply.status

    @property
    def sources(self):
        return self.reply.sources

    def __iter__(self) -> Iterator[str]:
        answer = iter(self.reply)
        try:
            for _ in answer:
                self.text = self.reply.text
                yield self.text
        except GeneratorExit:
            self._stopped(answer)
            raise
        self.text, self.status = self.reply.text, self.reply.status
        try:
            if self.status == "no_answer" and not self.new and self._no_answers_before() >= NO_ANSWER_LIMIT - 1:
                self.desk.store.open_ticket(self.conversation_id, "no_answer", note=self.question)
                self.text, self.status = self.reply.as_read(in_language(NO_ANSWER_HANDOFF_TEXT, self.language)), "handoff"
                yield self.text
            self.turn = self._store()
        except StoreError:
            # The store cannot be written (disk full, database down): the customer keeps the answer and is
            # told it was not kept; what was stored before is untouched (the transaction rolled back).
            log.exception("could not store a turn of conversation %s", self.conversation_id)
            if self.new:
                self.conversation_id = None
            self.text += self.reply.as_read(in_language(NOT_SAVED_TEXT, self.language))
            yield self.text

    def _stopped(self, answer) -> None:
        """Closed mid-answer (the chat's Stop button, a client that left): the model's request ends now, and the answer
        as far as it went (what had passed its checks, perhaps a few words more than the page showed) is stored as a
        "stopped" turn, so that a new conversation exists for the next message and the dashboard counts answers cut
        short. Not taken into the conversation's history (not `ANSWERED`)."""
        answer.close()
        self.text, self.status = self.reply.text, "stopped"
        try:
            self.turn = self._store()
        except StoreError:
            log.exception("could not store the stopped turn of conversation %s", self.conversation_id)

    def collect(self) -> str:
        for _ in self:
            pass
        return self.text

    def _no_answers_before(self) -> int:
        count = 0
        for status in self.desk.store.recent_statuses(self.conversation_id, NO_ANSWER_LIMIT - 1):
            if status != "no_answer":
                break
            count += 1
        return count

    def _store(self) -> int:
        record = turn_record(self.reply, self.desk.assistant.count_tokens, question=self.question, text=self.text,
                             status=self.status, channel=self.channel, scenario=self.scenario, language=self.language,
                             model=self.reply.model or self.model)
        return self.desk.save(self.conversation_id, record, create=self.new)


def turn_record(reply: Reply, count_tokens, *, question: str | None, text: str, status: str, channel: str,
                scenario: str, language: str | None, model: str) -> TurnRecord:
    """What the store keeps of a finished reply."""
    return TurnRecord(
        channel=channel, scenario=scenario, question=question, answer=text, status=status, language=language, model=model,
        sources=[{"doc_id": s.doc_id, "title": s.title, "heading": s.heading, "score": round(s.score, 4)} for s in reply.sources],
        latency_s=reply.timings["total_s"], ttft_s=reply.timings["first_token_s"],
        prompt_tokens=sum(count_tokens(m["content"]) for m in reply.messages) if reply.messages else None,
        answer_tokens=count_tokens(text) if reply.messages else None,
    )


def _channel_of(turns: list) -> str:
    """The channel of a conversation's stored `turns` (its first turn's)."""
    return turns[0].channel if turns else "api"


def _language_of(turns: list) -> str:
    """The language of a conversation's stored `turns`: its last question's."""
    languages = [t.language for t in turns if t.question and t.language]
    return languages[-1] if languages else "en"
