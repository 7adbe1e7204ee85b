"""What the app's API endpoints and admin buttons do, as plain methods (no Gradio): the seam between the
UI and the service, tested directly.

    handlers = Handlers(assistant, kb, models=backend.models(), admin=AdminLogin("admin", secret))
    text, sources = handlers.ask("How long do I have to return an item?")

Contract: arguments arrive as an API caller or the UI sends them (strings, None for "the default");
results are plain JSON-able values; a caller's mistake raises `InputError` with one sentence, which the UI
shows as it is. Admin methods take `authed` (the session's login state) and refuse without it when a
login is configured.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from service.assistant import Assistant
from service.backends import ChatMessage, GenerationParams
from service.errors import AssistantError


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

    def __init__(self, assistant: Assistant, kb=None, *, models: list[str] | None = None, admin: AdminLogin | None = None):
        self.assistant = assistant
        self.kb = kb
        self.models = models or _served_models(assistant)
        self.admin = admin

    @property
    def login_required(self) -> bool:
        return self.admin is not None

    # --- customer service, translation, drafting ---

    def params(self, temperature=None, max_tokens=None, model: str | None = None) -> GenerationParams:
        """Generation parameters from the UI or an API call; None keeps the assistant's default."""
        if model and model not in self.models:
            raise InputError(f"Unknown model {model!r}; choose one of {', '.join(self.models)}.")
        return self.assistant.params(
            model=None if not model or model == self.models[0] else model,
            temperature=None if temperature is None else float(temperature),
            max_tokens=None if max_tokens is None else int(max_tokens),
        )

    def ask(
        self, question: str, model: str | None = None, temperature: float | None = None, max_tokens: int | None = None,
        k: int | None = None,
    ) -> tuple[str, list[dict]]:
        """Answer one customer question from the knowledge base; returns (answer, sources). Optional: `model`
        (the base model or a served LoRA adapter), `temperature`, `max_tokens`, `k` (passages retrieved)."""
        params = self.params(temperature, max_tokens, model)
        text, sources, _ = self.assistant.ask(question, k=_int_or_none(k), params=params)
        return text, [s.as_dict() for s in sources]

    def answer(
        self, question: str, model: str | None = None, temperature: float | None = None, max_tokens: int | None = None,
        k: int | None = None,
    ) -> dict:
        """Answer one customer question; returns {text, sources, status}. `status` says what the text is:
        faq (a curated FAQ answer), generated (the model's, checked against its sources), extractive (the
        sources' own sentences: the model's answer stated something they do not), no_answer (the knowledge
        base does not cover it; a person is offered), rejected (the input was refused), error. The optional
        arguments are those of /ask."""
        params = self.params(temperature, max_tokens, model)
        text, sources, status = self.assistant.ask(question, k=_int_or_none(k), params=params)
        return {"text": text, "sources": [s.as_dict() for s in sources], "status": status}

    def chat(
        self, message: str, history: list[dict] | None = None, model: str | None = None,
        temperature: float | None = None, max_tokens: int | None = None, k: int | None = None,
    ) -> Iterator[tuple[str, list[dict]]]:
        """Multi-turn: `history` is [{role: user|assistant, content}, ...]; streams (answer so far, sources).
        The optional arguments are those of /ask."""
        params = self.params(temperature, max_tokens, model)
        reply = self.assistant.chat(message, clean_history(history), k=_int_or_none(k), params=params)
        sources = [s.as_dict() for s in reply.sources]
        for _ in reply:
            yield reply.text, sources

    def translate(self, text: str, target: str = "en", source: str = "auto") -> str:
        """Translate `text` into `target` (en, zh, fr, de, es, ja); `source` is auto-detected unless given."""
        return self.assistant.translate(text, target, source).collect()

    def generate(self, kind: str, brief: str, tone: str = "friendly") -> tuple[str, list[dict]]:
        """Draft a reply_email | product_description | social_post | faq_entry from `brief`, in a tone
        (friendly, professional, concise, empathetic, enthusiastic), grounded in the knowledge base."""
        reply = self.assistant.generate(kind, brief, tone)
        return reply.collect(), [s.as_dict() for s in reply.sources]

    def search(self, query: str, k: int = 5) -> list[dict]:
        """The k best knowledge-base passages for `query`, best first."""
        problem = self.assistant.check_input(query, "query")
        if problem:
            raise InputError(problem)
        return [s.as_dict() for s in self.assistant.search(query, int(k))]

    # --- knowledge-base admin ---

    def login(self, user: str, password: str) -> bool:
        return self.admin is not None and self.admin.check(user, password)

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


def _int_or_none(value) -> int | None:
    return None if value is None else int(value)


def _served_models(assistant: Assistant) -> list[str]:
    try:
        return assistant.backend.models() or ["default"]
    except AssistantError:
        return ["default"]
