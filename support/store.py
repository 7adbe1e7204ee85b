"""The conversation store: every turn of every conversation, customers' feedback, and handoff tickets.

    store = ConversationStore.open("sqlite:///data/conversations.sqlite3")   # or postgresql://user@host/db
    cid = store.new_conversation("api")
    turn = store.add_turn(cid, TurnRecord(channel="api", scenario="answer", question="...", answer="...", status="faq"))
    store.add_feedback(cid, turn, "down", reason="wrong", correction="It is 30 days.")
    ticket = store.open_ticket(cid, "requested")

Contract: every write is one transaction, committed before the method returns; on SQLite the database runs
in WAL mode with `synchronous=FULL`, so a committed turn survives `kill -9` of the app (and power loss).
Turns are numbered 1, 2, ... per conversation. The schema is versioned (table `store_meta`) and migrated
forward when the store opens; a store written by a newer version is refused. A caller's mistake (unknown
conversation or turn, bad rating) is a `StoreError` with one sentence; nothing stored is changed by it.
Times are UTC.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from support.errors import StoreError
from support.schema import (
    CHANNELS,
    OTHER_SCENARIOS,
    RATINGS,
    REASONS,
    TICKET_REASONS,
    conversations,
    feedback,
    migrate,
    sqlite_pragmas,
    tickets,
    turns,
)

__all__ = [
    "CHANNELS", "OTHER_SCENARIOS", "RATINGS", "REASONS", "TICKET_REASONS", "ConversationStore", "StoreError",
    "StoredTurn", "Ticket", "TurnRecord", "conversations", "feedback", "new_conversation_id", "sqlite_url",
    "tickets", "turns",
]

@dataclass
class TurnRecord:
    """One turn to store: the customer's message and what answered it (the assistant, or an agent)."""

    channel: str
    scenario: str
    answer: str
    status: str
    question: str | None = None
    author: str = "assistant"
    language: str | None = None
    sources: list[dict] = field(default_factory=list)
    model: str | None = None
    latency_s: float | None = None
    ttft_s: float | None = None
    prompt_tokens: int | None = None
    answer_tokens: int | None = None


@dataclass(frozen=True)
class StoredTurn:
    conversation_id: str
    turn: int
    created_at: datetime
    channel: str
    scenario: str
    author: str
    language: str | None
    question: str | None
    answer: str
    status: str
    sources: list[dict]
    model: str | None
    latency_s: float | None

    def as_dict(self) -> dict:
        return {
            "turn": self.turn, "time": self.created_at.isoformat(), "author": self.author, "question": self.question,
            "answer": self.answer, "status": self.status, "sources": self.sources,
        }


@dataclass(frozen=True)
class Ticket:
    id: int
    conversation_id: str
    reason: str
    note: str
    status: str
    created_at: datetime
    closed_at: datetime | None = None
    closed_by: str | None = None


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything this store writes is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{Path(data_dir) / 'conversations.sqlite3'}"


class ConversationStore:
    """Conversations, turns, feedback and tickets behind one SQLAlchemy engine."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @classmethod
    def open(cls, url: str) -> ConversationStore:
        """Open (creating or migrating) the store at a SQLAlchemy URL."""
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
            engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            sa.event.listen(engine, "connect", sqlite_pragmas)
        else:
            engine = sa.create_engine(url, pool_pre_ping=True)
        try:
            with engine.begin() as conn:
                migrate(conn)
        except sa.exc.OperationalError as e:
            raise StoreError(f"Cannot open the conversation store at {engine.url!r} ({e.orig}).") from e
        return cls(engine)

    @contextlib.contextmanager
    def _transaction(self):
        """One transaction; a database that cannot be written (disk full, read-only, gone) is a `StoreError`
        in one sentence, and the transaction is rolled back: nothing stored before is changed."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except sa.exc.OperationalError as e:
            raise StoreError(f"The conversation store could not be used ({e.orig}); nothing stored was changed.") from e

    @classmethod
    def temporary(cls) -> ConversationStore:
        """A store in a fresh temporary folder (tests, and an app built without one): nothing survives it."""
        import tempfile

        return cls.open(sqlite_url(Path(tempfile.mkdtemp(prefix="conversations-"))))

    def close(self) -> None:
        self.engine.dispose()

    # --- conversations and turns ---

    def new_conversation(self, channel: str) -> str:
        """A new conversation, stored now (an id for a caller to hand out before any turn exists)."""
        _check_choice("channel", channel, CHANNELS)
        conversation_id = new_conversation_id()
        with self._transaction() as conn:
            _create(conn, conversation_id, channel)
        return conversation_id

    def add_conversation(self, conversation_id: str, channel: str) -> None:
        """Store a conversation under an id the caller chose (`new_conversation_id()`)."""
        _check_choice("channel", channel, CHANNELS)
        with self._transaction() as conn:
            _create(conn, conversation_id, channel)

    def exists(self, conversation_id: str) -> bool:
        with self.engine.connect() as conn:
            return _exists(conn, conversation_id)

    def require(self, conversation_id: str) -> str:
        """`conversation_id` if it is stored, else a `StoreError`."""
        if not conversation_id or not self.exists(conversation_id):
            raise StoreError(f"Unknown conversation {conversation_id!r}; start a new one by leaving conversation_id empty.")
        return conversation_id

    def add_turn(self, conversation_id: str, record: TurnRecord, *, create: bool = False) -> int:
        """Store one turn (one transaction); returns its number in the conversation. With `create`, a conversation
        that does not exist yet is created in the same transaction (one write instead of two for a first turn)."""
        _check_choice("channel", record.channel, CHANNELS)
        for attempt in range(3):
            try:
                with self._transaction() as conn:
                    if create and not _exists(conn, conversation_id):
                        _create(conn, conversation_id, record.channel)
                    # Lock the conversation's row (PostgreSQL; SQLite has one writer anyway), so that replicas
                    # writing the same conversation at once take turn numbers one after the other.
                    locked = conn.execute(
                        sa.select(conversations.c.id).where(conversations.c.id == conversation_id).with_for_update()
                    ).first()
                    if locked is None:
                        raise StoreError(f"Unknown conversation {conversation_id!r}.")
                    number = conn.execute(
                        sa.select(sa.func.coalesce(sa.func.max(turns.c.turn), 0)).where(turns.c.conversation_id == conversation_id)
                    ).scalar_one() + 1
                    now = _now()
                    values = {**record.__dict__, "sources": json.dumps(record.sources, ensure_ascii=False)}
                    conn.execute(turns.insert().values(conversation_id=conversation_id, turn=number, created_at=now, **values))
                    conn.execute(conversations.update().where(conversations.c.id == conversation_id).values(updated_at=now))
                return number
            except sa.exc.IntegrityError:  # another replica took the same number at the same moment: retry
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def count_turns(self, *, channel: str | None = None) -> int:
        """How many turns are stored (of one channel: ui, api, eval, agent)."""
        query = sa.select(sa.func.count()).select_from(turns)
        if channel is not None:
            query = query.where(turns.c.channel == channel)
        with self._transaction() as conn:
            return conn.execute(query).scalar_one()

    def turns(self, conversation_id: str, after_turn: int = 0) -> list[StoredTurn]:
        """The turns after `after_turn`, in order (agents' messages included)."""
        self.require(conversation_id)
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(turns).where(turns.c.conversation_id == conversation_id, turns.c.turn > after_turn).order_by(turns.c.turn)
            ).mappings()
            return [_stored_turn(r) for r in rows]

    def history(self, conversation_id: str, answered: tuple[str, ...]) -> list[dict]:
        """The conversation as chat messages for the model: each customer message with the answer it got when
        that answer's status is in `answered`, and agents' messages as the assistant's."""
        messages: list[dict] = []
        for t in self.turns(conversation_id):
            if t.author.startswith("agent"):
                messages.append({"role": "assistant", "content": t.answer})
            elif t.question is not None and t.status in answered:
                messages += [{"role": "user", "content": t.question}, {"role": "assistant", "content": t.answer}]
        return messages

    def last_answer(self, conversation_id: str) -> str | None:
        """The text of the conversation's last turn (the assistant's or an agent's), None before the first."""
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(turns.c.answer).where(turns.c.conversation_id == conversation_id)
                .order_by(turns.c.turn.desc()).limit(1)
            ).scalar()

    def recent_statuses(self, conversation_id: str, count: int) -> list[str]:
        """The statuses of the assistant's last `count` answers, newest first."""
        with self.engine.connect() as conn:
            return list(conn.execute(
                sa.select(turns.c.status).where(turns.c.conversation_id == conversation_id, turns.c.author == "assistant")
                .order_by(turns.c.turn.desc()).limit(count)
            ).scalars())

    # --- feedback ---

    def add_feedback(self, conversation_id: str, turn: int, rating: str, reason: str | None = None,
                     correction: str | None = None) -> None:
        _check_choice("rating", rating, RATINGS)
        if reason:
            _check_choice("reason", reason, REASONS)
        with self._transaction() as conn:
            if not _exists(conn, conversation_id):
                raise StoreError(f"Unknown conversation {conversation_id!r}.")
            found = conn.execute(
                sa.select(turns.c.id).where(turns.c.conversation_id == conversation_id, turns.c.turn == turn)
            ).first()
            if found is None:
                raise StoreError(f"Conversation {conversation_id!r} has no turn {turn}.")
            conn.execute(feedback.insert().values(
                conversation_id=conversation_id, turn=turn, rating=rating, reason=reason or None,
                correction=(correction or "").strip() or None, created_at=_now(),
            ))

    def feedback_for(self, conversation_id: str) -> dict[int, dict]:
        """The latest feedback on each rated turn: {turn: {rating, reason, correction}}."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(feedback).where(feedback.c.conversation_id == conversation_id).order_by(feedback.c.id)
            ).mappings()
            return {r["turn"]: {"rating": r["rating"], "reason": r["reason"], "correction": r["correction"]} for r in rows}

    # --- handoff tickets ---

    def open_ticket(self, conversation_id: str, reason: str, note: str = "") -> Ticket:
        """The conversation's open ticket, created now if it has none (one open ticket per conversation)."""
        _check_choice("reason", reason, TICKET_REASONS)
        with self._transaction() as conn:
            if not _exists(conn, conversation_id):
                raise StoreError(f"Unknown conversation {conversation_id!r}.")
            existing = _open_ticket(conn, conversation_id)
            if existing is not None:
                return existing
            conn.execute(tickets.insert().values(
                conversation_id=conversation_id, reason=reason, note=note, status="open", created_at=_now(),
            ))
            return _open_ticket(conn, conversation_id)

    def open_ticket_of(self, conversation_id: str) -> Ticket | None:
        with self.engine.connect() as conn:
            return _open_ticket(conn, conversation_id)

    def ticket(self, ticket_id: int) -> Ticket:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(tickets).where(tickets.c.id == int(ticket_id))).mappings().first()
        if row is None:
            raise StoreError(f"Unknown ticket {ticket_id!r}.")
        return _ticket(row)

    def tickets(self, status: str | None = "open") -> list[Ticket]:
        """Tickets of that status (all with None), oldest first: the queue an agent works through."""
        query = sa.select(tickets).order_by(tickets.c.created_at, tickets.c.id)
        if status:
            query = query.where(tickets.c.status == status)
        with self.engine.connect() as conn:
            return [_ticket(r) for r in conn.execute(query).mappings()]

    def close_ticket(self, ticket_id: int, agent: str) -> Ticket:
        ticket = self.ticket(ticket_id)
        if ticket.status == "closed":
            return ticket
        with self._transaction() as conn:
            conn.execute(tickets.update().where(tickets.c.id == ticket.id).values(status="closed", closed_at=_now(), closed_by=agent))
        return self.ticket(ticket.id)

    # --- retention ---

    def purge(self, before: datetime) -> int:
        """Delete every conversation last active before `before` (with its turns, feedback and tickets);
        returns how many were deleted."""
        before = _utc(before)
        with self._transaction() as conn:
            old = sa.select(conversations.c.id).where(conversations.c.updated_at < before).scalar_subquery()
            for table in (feedback, tickets, turns):
                conn.execute(table.delete().where(table.c.conversation_id.in_(old)))
            return conn.execute(conversations.delete().where(conversations.c.updated_at < before)).rowcount


def new_conversation_id() -> str:
    return uuid.uuid4().hex


def _create(conn: Connection, conversation_id: str, channel: str) -> None:
    now = _now()
    conn.execute(conversations.insert().values(id=conversation_id, channel=channel, created_at=now, updated_at=now))


def _exists(conn: Connection, conversation_id: str) -> bool:
    return conn.execute(sa.select(conversations.c.id).where(conversations.c.id == conversation_id)).first() is not None


def _open_ticket(conn: Connection, conversation_id: str) -> Ticket | None:
    row = conn.execute(
        sa.select(tickets).where(tickets.c.conversation_id == conversation_id, tickets.c.status == "open")
    ).mappings().first()
    return None if row is None else _ticket(row)


def _ticket(row) -> Ticket:
    return Ticket(
        id=row["id"], conversation_id=row["conversation_id"], reason=row["reason"], note=row["note"], status=row["status"],
        created_at=_utc(row["created_at"]), closed_at=_utc(row["closed_at"]), closed_by=row["closed_by"],
    )


def _stored_turn(row) -> StoredTurn:
    return StoredTurn(
        conversation_id=row["conversation_id"], turn=row["turn"], created_at=_utc(row["created_at"]),
        channel=row["channel"], scenario=row["scenario"], author=row["author"], language=row["language"],
        question=row["question"], answer=row["answer"], status=row["status"], sources=json.loads(row["sources"] or "[]"),
        model=row["model"], latency_s=row["latency_s"],
    )


def _check_choice(what: str, value, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise StoreError(f"Unknown {what} {value!r}; use one of {', '.join(choices)}.")
