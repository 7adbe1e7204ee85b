"""The conversation store's schema: its tables, the values their coded columns take, and the migrations
that bring an older store forward (`migrate`, run when the store opens).

Adding a column or table: raise `SCHEMA_VERSION`, change the table below, and add the migration from the
previous version to `MIGRATIONS`, so that a store written by the previous version opens and is upgraded.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from support.errors import StoreError

SCHEMA_VERSION = 1
CHANNELS = ("ui", "api", "eval")
RATINGS = ("up", "down")
REASONS = ("wrong", "incomplete", "not_relevant", "outdated", "other")
TICKET_REASONS = ("requested", "no_answer", "thumbs_down", "agent")
# Turns that are not customer service: stored, but not conversations the dashboard or the export count.
OTHER_SCENARIOS = ("translate", "generate")

metadata = sa.MetaData()

store_meta = sa.Table(
    "store_meta", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(256), nullable=False),
)
conversations = sa.Table(
    "conversations", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, index=True),
)
turns = sa.Table(
    "turns", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(32), sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("turn", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("scenario", sa.String(16), nullable=False),  # answer | chat | translate | generate | agent
    sa.Column("author", sa.String(64), nullable=False),  # assistant | agent:NAME
    sa.Column("language", sa.String(8)),
    sa.Column("question", sa.Text),  # the customer's message (none for an agent's message)
    sa.Column("answer", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("sources", sa.Text, nullable=False, default="[]"),  # JSON: [{doc_id, title, score}]
    sa.Column("model", sa.String(256)),
    sa.Column("latency_s", sa.Float),
    sa.Column("ttft_s", sa.Float),
    sa.Column("prompt_tokens", sa.Integer),
    sa.Column("answer_tokens", sa.Integer),
    sa.UniqueConstraint("conversation_id", "turn"),
)
feedback = sa.Table(
    "feedback", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(32), sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("turn", sa.Integer, nullable=False),
    sa.Column("rating", sa.String(8), nullable=False),
    sa.Column("reason", sa.String(16)),
    sa.Column("correction", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
tickets = sa.Table(
    "tickets", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(32), sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("reason", sa.String(16), nullable=False),
    sa.Column("note", sa.Text, nullable=False, default=""),
    sa.Column("status", sa.String(8), nullable=False),  # open | closed
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
    sa.Column("closed_by", sa.String(64)),
)
sa.Index("tickets_by_status", tickets.c.status, tickets.c.created_at)

# Migrations from version N-1 to N, in order; version 1 is the tables above, created by `metadata`.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {}


def sqlite_pragmas(dbapi_connection, _record) -> None:
    """On every new SQLite connection: WAL with full fsync (a committed turn survives kill -9), foreign keys."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def migrate(conn: Connection) -> None:
    """Create the tables of a new store, or migrate an older one forward; a newer one is a `StoreError`."""
    metadata.create_all(conn, tables=[store_meta])
    row = conn.execute(sa.select(store_meta.c.value).where(store_meta.c.key == "schema_version")).scalar()
    if row is None:
        metadata.create_all(conn)
        conn.execute(store_meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
        return
    version = int(row)
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"The conversation store has schema version {version}, newer than this app's {SCHEMA_VERSION}; upgrade the app."
        )
    for target in range(version + 1, SCHEMA_VERSION + 1):
        MIGRATIONS[target](conn)
        conn.execute(store_meta.update().where(store_meta.c.key == "schema_version").values(value=str(target)))
