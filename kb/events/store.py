"""Event and feedback rows: written in batches, read by receipt and conversation, purged by age."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from sqlalchemy import delete
from sqlmodel import select

from kb.store.db import Database
from kb.store.models import DeliveryEvent, Feedback
from kb.store.outbox import enqueue

__all__ = [
    "PURGE_BATCH",
    "conversation_events",
    "event_by_receipt",
    "purge_events",
    "write_events",
    "write_feedback",
]

#: Rows one purge statement deletes, so that a purge of millions holds no long lock.
PURGE_BATCH = 10_000


#: The columns a batch writes, in order (the id is the database's).
_COLUMNS = tuple(c.name for c in DeliveryEvent.__table__.c if c.name != "id")  # type: ignore[attr-defined]
_INSERT = f"INSERT INTO delivery_event ({', '.join(_COLUMNS)})"
#: What a row that leaves out a column holds there (the others: NULL), as the table's defaults.
_DEFAULTS: dict[str, object] = {"latency_ms": 0.0, "cached": False}
_WITH_DEFAULTS = tuple((name, _DEFAULTS.get(name)) for name in _COLUMNS)
_AT, _UNITS = _COLUMNS.index("at"), _COLUMNS.index("units")
#: Rows one INSERT holds at most: within SQLite's 32,766 parameters and PostgreSQL's 65,535.
_CHUNK = 30_000 // len(_COLUMNS)


def write_events(db: Database, rows: Sequence[dict[str, object]]) -> None:
    """Insert a batch of event rows (DeliveryEvent's columns): on SQLite one multi-row INSERT
    a chunk, on PostgreSQL one COPY.

    Not the driver's executemany nor SQLAlchemy's bulk insert: the writer thread then lets go
    of the GIL once a chunk while the database works, instead of once a row; with a row at a
    time, each handover to and from a server's event loop cost a cached answer more than the
    answer itself (benchmarks/results/api_load_events.md). The values are those SQLAlchemy
    would send: on SQLite a UTC time as its DATETIME text, JSON as text.
    """
    if not rows:
        return
    if db.dialect == "postgresql":
        _copy_events(db, rows)
        return
    marker = "(" + ", ".join(["?"] * len(_COLUMNS)) + ")"
    with db.write() as session:
        connection = session.connection()
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start : start + _CHUNK]
            values = [value for row in chunk for value in _driver_values(row, True)]
            sql = f"{_INSERT} VALUES {', '.join([marker] * len(chunk))}"
            connection.exec_driver_sql(sql, tuple(values))


def _copy_events(db: Database, rows: Sequence[dict[str, object]]) -> None:
    """PostgreSQL: the batch through COPY, whose rows psycopg encodes in C."""
    with db.write() as session:
        cursor = session.connection().connection.cursor()
        with cursor.copy(f"COPY delivery_event ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(_driver_values(row, False))


def _driver_values(row: Mapping[str, object], sqlite: bool) -> list[object]:
    """`row`'s values in column order as the driver takes them (a column left out: its
    default); the two that need converting are converted, the rest passed as they are."""
    values = [row.get(name, default) for name, default in _WITH_DEFAULTS]
    at, units = values[_AT], values[_UNITS]
    if sqlite and isinstance(at, datetime):
        # SQLAlchemy's SQLite DATETIME: naive UTC text, which the time-range queries compare.
        utc = at.astimezone(UTC) if at.tzinfo is not None else at
        values[_AT] = utc.strftime("%Y-%m-%d %H:%M:%S.%f")
    if units is not None:
        values[_UNITS] = json.dumps(units)
    return values


def event_by_receipt(db: Database, receipt: str) -> DeliveryEvent | None:
    """The event a receipt names, if it was written."""
    with db.read() as session:
        return session.exec(select(DeliveryEvent).where(DeliveryEvent.receipt == receipt)).first()  # type: ignore[call-overload,no-any-return]


def conversation_events(db: Database, conversation: str) -> list[DeliveryEvent]:
    """A conversation's events, oldest first."""
    query = (
        select(DeliveryEvent)
        .where(DeliveryEvent.conversation == conversation)
        .order_by(DeliveryEvent.at, DeliveryEvent.id)  # type: ignore[arg-type]
    )
    with db.read() as session:
        return list(session.exec(query))


def write_feedback(db: Database, feedback: Feedback) -> Feedback:
    """Store one feedback row and return it with its id; a not-helpful vote or a flag queues
    feedback.negative for the webhooks in the same transaction."""
    with db.write() as session:
        session.add(feedback)
        session.flush()
        session.refresh(feedback)
        if feedback.helpful is False:
            enqueue(session, "feedback.negative", _negative(feedback))
        session.expunge(feedback)
    return feedback


def _negative(feedback: Feedback) -> dict[str, object]:
    """The webhook data of a negative vote or a flag: which, on what, and why (no comment)."""
    return {
        "feedback_id": feedback.id,
        "kind": feedback.kind,
        "unit_id": feedback.unit_id,
        "receipt": feedback.receipt,
        "channel": feedback.channel,
        "reason": feedback.reason,
    }


def purge_events(db: Database, before: datetime) -> int:
    """Delete the events older than `before`, a batch at a time; how many went."""
    total = 0
    while True:
        with db.write() as session:
            ids = select(DeliveryEvent.id).where(DeliveryEvent.at < before).limit(PURGE_BATCH)  # type: ignore[arg-type]
            gone = session.execute(delete(DeliveryEvent).where(DeliveryEvent.id.in_(ids)))  # type: ignore[union-attr]
            count = gone.rowcount or 0
        total += count
        if count < PURGE_BATCH:
            return total
