"""What the app's API endpoints and admin buttons do, as plain methods (no Gradio): the seam between the
UI and the service, tested directly.

    handlers = Handlers(assistant, kb, desk=SupportDesk(assistant, store), models=backend.models(),
                        admin=AdminLogin("admin", secret))
    text, sources = handlers.ask("How long do I have to return an item?")

Contract: arguments arrive as an API caller or the UI sends them (strings, None for "the default");
results are plain JSON-able values; a caller's mistake raises `InputError` with one sentence, which the UI
shows as it is. Admin methods take `authed` (the session's login state) and refuse without it when a
login is configured. The public methods take `client` (the key of the caller: `service.limits.client_key`;
the UI fills it from the request and hides it from the API): over its rate or stream limit a caller gets a
"please wait" answer (status `rate_limited`), nothing stored; logins lock a client out after repeated
wrong passwords. Every customer-service turn (/ask, /answer, /chat and the UI's chat) is stored by the
support desk before its request ends; `conversation_id` continues a stored conversation.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from service.assistant import Assistant
from service.backends import ChatMessage, GenerationParams
from service.errors import AssistantError
from service.language import detect_language
from service.limits import LOCAL, RequestLimits
from support.corrections import save_faq_entry
from support.desk import SupportDesk
from support.gaps import knowledge_gaps
from support.metrics import support_metrics
from support.store import ConversationStore


class InputError(AssistantError):
    """A request the caller can fix: unknown model, malformed history, not logged in, ..."""


@dataclass(frozen=True)
class AdminLogin:
    user: str
    password: str

    def check(self, user: str | None, password: str | None) -> bool:
        # Compare in constant time, both fields always, so timing says nothing about which was wrong.
        user_ok = hmac.compare_digest((user or "").encode(), self.user.encode())
        password_ok = hmac.compare_digest((password or "").encode(), self.password.encode())
        return user_ok and password_ok


class Handlers:
    """The app's operations over one assistant and (optionally) its knowledge base."""

    def __init__(
        self, assistant: Assistant, kb=None, *, desk: SupportDesk | None = None, models: list[str] | None = None,
        admin: AdminLogin | None = None, agents: dict[str, str] | None = None, limits: RequestLimits | None = None,
    ):
        self.assistant = assistant
        self.kb = kb
        self.agents = [AdminLogin(name, password) for name, password in (agents or {}).items()]
        # The app passes its desk (over the configured store); tests and tools get a throwaway store.
        self.desk = desk or SupportDesk(assistant, ConversationStore.temporary())
        self.models = models or _served_models(assistant)
        self.admin = admin
        # Without limits (tools, tests) nobody is rate-limited; the app passes RequestLimits.from_settings.
        self.limits = limits or RequestLimits()

    @property
    def login_required(self) -> bool:
        return self.admin is not None

    # Why the agents' tabs cannot open (None when someone can log in to them).
    NO_AGENT_LOGINS = ("The agent console and the dashboard need logins: set ASSISTANT_AGENTS "
                       "(e.g. '{\"alice\": \"a-long-password\"}') or ASSISTANT_ADMIN_USER and ASSISTANT_ADMIN_PASSWORD, "
                       "and restart.")

    @property
    def agent_logins_missing(self) -> str | None:
        """Why nobody can log in to the agent console and the dashboard, or None when an agent or the admin can."""
        return self.NO_AGENT_LOGINS if not self.agents and self.admin is None else None

    # --- customer service, translation, drafting ---

    def admit(self, client: str, text: str = ""):
        """A context manager: yields None while `client` may be served (holding one of its stream slots), else
        the sentence that asks it to wait, in the language of `text`."""
        return self.limits.admit(client, detect_language(text) if text and text.strip() else "en")

    def params(self, temperature=None, max_tokens=None, model: str | None = None) -> GenerationParams:
        """Generation parameters from the UI or an API call; None keeps the assistant's default."""
        if model and model not in self.models:
            raise InputError(f"Unknown model {model!r}; choose one of {', '.join(self.models)}.")
        if max_tokens is not None and not 1 <= int(max_tokens) <= self.limits.max_tokens:
            raise InputError(f"max_tokens must be between 1 and {self.limits.max_tokens}.")
        return self.assistant.params(
            model=None if not model or model == self.models[0] else model,
            temperature=None if temperature is None else float(temperature),
            max_tokens=None if max_tokens is None else int(max_tokens),
        )

    def ask(
        self, question: str, model: str | None = None, temperature: float | None = None, max_tokens: int | None = None,
        k: int | None = None, conversation_id: str | None = None, *, client: str = LOCAL,
    ) -> tuple[str, list[dict]]:
        """Answer one customer question from the knowledge base; returns (answer, sources). Optional: `model`
        (the base model or a served LoRA adapter), `temperature`, `max_tokens`, `k` (passages retrieved),
        `conversation_id` (continue a stored conversation; none starts a new one)."""
        request = self._request(model, temperature, max_tokens, k)  # a bad request is refused before it counts
        with self.admit(client, question) as refusal:
            if refusal:
                return refusal, []
            turn = self._customer_turn(question, conversation_id, None, *request, "ask")
            turn.collect()
            return turn.text, [s.as_dict() for s in turn.sources]

    def answer(
        self, question: str, model: str | None = None, temperature: float | None = None, max_tokens: int | None = None,
        k: int | None = None, conversation_id: str | None = None, *, client: str = LOCAL,
    ) -> dict:
        """Answer one customer question; returns {text, sources, status, conversation_id, turn}. `status` says
        what the text is: faq (a curated FAQ answer), generated (the model's, checked against its sources),
        extractive (the sources' own sentences: the model's answer stated something they do not), no_answer
        (the knowledge base does not cover it; a person is offered), handoff (a person will reply: see
        /messages), rejected (the input was refused), error. With `conversation_id` the stored conversation is
        the context; without, a new one starts (its id is returned). The other optional arguments are those
        of /ask. Over the caller's limits: status rate_limited, a "please wait" text, nothing stored."""
        request = self._request(model, temperature, max_tokens, k)
        with self.admit(client, question) as refusal:
            if refusal:
                return {"text": refusal, "sources": [], "status": "rate_limited", "conversation_id": conversation_id,
                        "turn": None}
            turn = self._customer_turn(question, conversation_id, None, *request, "answer")
            turn.collect()
            return {"text": turn.text, "sources": [s.as_dict() for s in turn.sources], "status": turn.status,
                    "conversation_id": turn.conversation_id, "turn": turn.turn}

    def chat(
        self, message: str, history: list[dict] | None = None, model: str | None = None,
        temperature: float | None = None, max_tokens: int | None = None, k: int | None = None,
        conversation_id: str | None = None, *, client: str = LOCAL,
    ) -> Iterator[tuple[str, list[dict]]]:
        """Multi-turn: `history` is [{role: user|assistant, content}, ...]; streams (answer so far, sources).
        With `conversation_id`, the stored conversation is used instead of `history`. The optional arguments
        are those of /ask."""
        request = self._request(model, temperature, max_tokens, k)
        with self.admit(client, message) as refusal:
            if refusal:
                yield refusal, []
                return
            turn = self._customer_turn(message, conversation_id, history, *request, "chat")
            sources = [s.as_dict() for s in turn.sources]
            for text in turn:
                yield text, sources

    def customer_turn(self, message: str, *, conversation_id: str | None, history, params: GenerationParams,
                      k: int | None, channel: str = "api", scenario: str = "chat"):
        """The UI's and the endpoints' one way into the desk (stored, with handoff)."""
        return self.desk.answer(message, conversation_id=conversation_id or None, history=history, channel=channel,
                                scenario=scenario, k=k, params=params)

    def _request(self, model, temperature, max_tokens, k) -> tuple[GenerationParams, int | None]:
        return self.params(temperature, max_tokens, model), self.checked_k(k)

    def _customer_turn(self, message, conversation_id, history, params, k, scenario):
        # With a conversation id the stored conversation is the context, whatever history was sent.
        history = None if conversation_id else clean_history(history)
        return self.customer_turn(message, conversation_id=conversation_id, history=history,
                                  params=params, k=k, scenario=scenario)

    def checked_k(self, k) -> int | None:
        """`k` as an int, within 0 and the cap (None: the default)."""
        if k is None:
            return None
        if not 0 <= int(k) <= self.limits.max_k:
            raise InputError(f"k must be between 0 and {self.limits.max_k}.")
        return int(k)

    def record(self, reply, *, request: str, channel: str, scenario: str, model: str | None = None) -> int:
        """Store a finished translation or draft of the UI (the endpoints above store their own)."""
        return self.desk.record(reply, request=request, channel=channel, scenario=scenario, model=model)

    # --- the support loop: feedback, handoff, messages ---

    def feedback(self, conversation_id: str, turn: int, rating: str, reason: str | None = None,
                 correction: str | None = None) -> dict:
        """Rate an answer: `rating` up or down; on a thumbs-down optionally `reason` (wrong, incomplete,
        not_relevant, outdated, other) and `correction` ("the right answer is ..."). Returns {"ok": true}."""
        self.desk.store.add_feedback(conversation_id, _int_or_none(turn) or 0, rating, reason or None, correction)
        return {"ok": True}

    def handoff(self, conversation_id: str, reason: str = "") -> dict:
        """Hand the conversation to a person; returns {ticket_id, conversation_id, status, message}. The
        person's replies arrive through /messages."""
        result = self.desk.handoff(conversation_id, reason).as_dict()
        result.pop("turn")
        return result

    def offer_person(self, conversation_id: str):
        """A thumbs-down's "Talk to a person": a ticket (reason thumbs_down) and the turn telling the customer."""
        return self.desk.handoff(conversation_id, "thumbs down", kind="thumbs_down")

    def messages(self, conversation_id: str, after_turn: int = 0) -> list[dict]:
        """The conversation's turns after `after_turn`, agents' replies included: [{turn, time, author,
        question, answer, status, sources}]."""
        return [t.as_dict() for t in self.desk.store.turns(conversation_id, _int_or_none(after_turn) or 0)]

    def translate(self, text: str, target: str = "en", source: str = "auto", *, client: str = LOCAL) -> Iterator[str]:
        """Translate `text` into `target` (en, zh, zh-Hant-TW, zh-Hant-HK, fr, de, es, ja, or auto: Chinese for English
        text, English for the rest); `source` is auto-detected unless given.
        Streams the translation so far (a caller that leaves stops the model); `predict` returns the whole."""
        with self.admit(client, text) as refusal:
            if refusal:
                raise InputError(refusal)
            reply = self.assistant.translate(text, target, source)
            for _ in reply:
                yield reply.text
            self.desk.record(reply, request=text, channel="api", scenario="translate")
            yield reply.text

    def generate(self, kind: str, brief: str, tone: str = "friendly", *, client: str = LOCAL) -> tuple[str, list[dict]]:
        """Draft a reply_email | product_description | social_post | faq_entry from `brief`, in a tone
        (friendly, professional, concise, empathetic, enthusiastic), grounded in the knowledge base."""
        with self.admit(client, brief) as refusal:
            if refusal:
                raise InputError(refusal)
            reply = self.assistant.generate(kind, brief, tone)
            reply.collect()
            self.desk.record(reply, request=f"{kind}: {brief}", channel="api", scenario="generate")
            return reply.text, [s.as_dict() for s in reply.sources]

    def search(self, query: str, k: int = 5, *, client: str = LOCAL) -> list[dict]:
        """The k best knowledge-base passages for `query`, best first."""
        problem = self.assistant.check_input(query, "query")
        if problem:
            raise InputError(problem)
        k = self.checked_k(k)
        with self.admit(client, query) as refusal:
            if refusal:
                raise InputError(refusal)
            return [s.as_dict() for s in self.assistant.search(query, k)]

    # --- the agent console (always behind a login: transcripts are customers' data) ---

    def agent_login(self, user: str, password: str, *, client: str = LOCAL) -> str | None:
        """The agent's name when (user, password) is an agent's or the admin's login, else None. Raises
        `LockedOut` for a client after repeated wrong passwords."""
        self.limits.logins.check(client)
        logins = self.agents + ([self.admin] if self.admin else [])
        matches = [login.user for login in logins if login.check(user, password)]  # check every one: constant time
        self.limits.logins.record(client, ok=bool(matches))
        return matches[0] if matches else None

    def require_agent(self, agent: str | None) -> str:
        if self.agent_logins_missing:
            raise InputError(self.agent_logins_missing)
        if not agent:
            raise InputError("Log in as an agent first.")
        return agent

    def console_tickets(self, agent: str | None) -> list[list]:
        """Open tickets, oldest first: [ticket, opened (UTC), reason, the customer's last question, turns]. The last
        question is the last message before the one asking for a person ("yes please", "talk to a human": it says
        nothing of what the customer needs), or that message when there is none before it."""
        self.require_agent(agent)
        rows = []
        for ticket in self.desk.store.tickets("open"):
            turns = self.desk.store.turns(ticket.conversation_id)
            asked = [t.question for t in turns if t.question]
            request = ticket.note if ticket.reason == "requested" else None
            last = next((q for q in reversed(asked) if q != request), asked[-1] if asked else "")
            rows.append([ticket.id, ticket.created_at.strftime("%Y-%m-%d %H:%M"), ticket.reason, last[:120], len(turns)])
        return rows

    def console_transcript(self, ticket_id, agent: str | None) -> list[dict]:
        """The ticket's whole conversation, turn by turn (question, answer, status, sources, and the
        customer's feedback on it, if any)."""
        self.require_agent(agent)
        ticket = self.desk.store.ticket(_ticket_id(ticket_id))
        rated = self.desk.store.feedback_for(ticket.conversation_id)
        return [{**t.as_dict(), "feedback": rated.get(t.turn)} for t in self.desk.store.turns(ticket.conversation_id)]

    def console_gaps(self, agent: str | None, since=None) -> list[dict]:
        """The knowledge-gap report (support.gaps): [{question, count, examples, reasons, last_asked}], newest first."""
        self.require_agent(agent)
        embed = getattr(self.assistant.retriever, "embed", None)
        if embed is None:
            raise InputError("The knowledge-gap report needs a knowledge base to group questions by meaning.")
        return [g.as_dict() for g in knowledge_gaps(self.desk.store, embed, since=since)]

    def dashboard(self, agent: str | None, since=None) -> dict:
        """The dashboard's figures (support.metrics): daily conversations, deflection, thumbs, latency, ..."""
        self.require_agent(agent)
        return support_metrics(self.desk.store, since)

    def console_save_faq(self, question: str, answer: str, agent: str | None) -> str:
        """Save a person's answer as an FAQ entry of the knowledge base (the next customer asking gets it as a
        direct answer); returns a one-line confirmation."""
        doc_id = save_faq_entry(self.kb, question, answer, author=self.require_agent(agent))
        return f"Saved as FAQ entry {doc_id}; customers asking this now get that answer directly."

    def console_reply(self, ticket_id, text: str, agent: str | None) -> int:
        """Send the agent's reply into the customer's chat; returns its turn."""
        return self.desk.agent_reply(_ticket_id(ticket_id), self.require_agent(agent), text)

    def console_close(self, ticket_id, agent: str | None) -> None:
        self.desk.close_ticket(_ticket_id(ticket_id), self.require_agent(agent))

    # --- knowledge-base admin ---

    def login(self, user: str, password: str, *, client: str = LOCAL) -> bool:
        """Whether (user, password) is the admin's login; raises `LockedOut` after repeated wrong ones."""
        if self.admin is None:
            return False
        self.limits.logins.check(client)
        ok = self.admin.check(user, password)
        self.limits.logins.record(client, ok=ok)
        return ok

    def require_admin(self, authed: bool) -> None:
        if self.kb is None:
            raise InputError("This app runs without a knowledge base; start it with --kb DIR.")
        if self.login_required and not authed:
            raise InputError("Log in as an administrator first (the knowledge-base tab).")

    def kb_list(self, authed: bool = False) -> list[list]:
        self.require_admin(authed)
        return [[d.doc_id, d.title, Path(d.source).name, d.chunks] for d in self.kb.documents()]

    def kb_upload(self, files: list[tuple[Path, str]], authed: bool = False) -> str:
        """Store uploaded files, given as (temporary path, the uploader's file name), and ingest them."""
        self.require_admin(authed)
        if not files:
            raise InputError("Choose one or more files to upload first.")
        report = self.kb.ingest_uploads(files, progress=True)
        lines = [f"Ingested {len(files)} file(s): {report.summary()}."]
        lines += [f"- {Path(name).name}: {reason}" for name, reason in report.failed]
        return "\n".join(lines)

    def kb_remove(self, doc_id: str, authed: bool = False) -> str:
        self.require_admin(authed)
        self.kb.remove((doc_id or "").strip())
        return f"Removed {doc_id.strip()}."


def clean_history(history) -> list[ChatMessage]:
    """History as an API caller may send it ({role, content} messages, or [user, assistant] pairs, the older
    Gradio form) as chat messages; anything else is an `InputError`."""
    if not history:
        return []
    if not isinstance(history, list):
        raise InputError("history must be a list of {role, content} messages.")
    out: list[ChatMessage] = []
    for m in history:
        if isinstance(m, dict) and m.get("role") in ("user", "assistant") and isinstance(m.get("content"), str):
            out.append({"role": m["role"], "content": m["content"]})
        elif isinstance(m, (list, tuple)) and len(m) == 2:
            out += [{"role": "user", "content": str(m[0])}, {"role": "assistant", "content": str(m[1] or "")}]
        else:
            raise InputError("history must be a list of {role, content} messages.")
    return out


def _ticket_id(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InputError("Choose a ticket first.") from None


def _int_or_none(value) -> int | None:
    return None if value is None else int(value)


def _served_models(assistant: Assistant) -> list[str]:
    try:
        return assistant.backend.models() or ["default"]
    except AssistantError:
        return ["default"]
