"""Event and feedback rows: written in batches, read by receipt and conversation, purged by age."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlmodel import select

from kb.events.served import Recorded
from kb.store.db import Database
from kb.store.models import DeliveryEvent, Feedback
from kb.store.outbox import enqueue

__all__ = [
    "PURGE_BATCH",
    "conversation_events",
    "event_by_receipt",
    "purge_events",
    "recorded_values",
    "write_events",
    "write_feedback",
    "write_values",
]

#: Rows one purge statement deletes, so that a purge of millions holds no long lock.
PURGE_BATCH = 10_000


#: The columns a batch writes, in order (the id is the database's).
_COLUMNS = tuple(c.name for c in DeliveryEvent.__table__.c if c.name != "id")  # type: ignore[attr-defined]
#: The same, as `recorded_values` writes them: the table's order, checked at import below.
_RECORDED = (
    *("receipt", "at", "kind", "channel", "locale", "release", "unit_id", "revision"),
    *("status", "confidence", "hits", "units", "question", "conversation", "via"),
    *("latency_ms", "cached"),
)
if _COLUMNS != _RECORDED:  # a migration changed the table: recorded_values must follow it
    raise RuntimeError(
        f"delivery_event's columns are {_COLUMNS}, recorded_values writes {_RECORDED}"
    )
_INSERT = f"INSERT INTO delivery_event ({', '.join(_COLUMNS)})"
#: What a row that leaves out a column holds there (the others: NULL), as the table's defaults.
_DEFAULTS: dict[str, object] = {"latency_ms": 0.0, "cached": False}
_WITH_DEFAULTS = tuple((name, _DEFAULTS.get(name)) for name in _COLUMNS)
_AT, _UNITS = _COLUMNS.index("at"), _COLUMNS.index("units")
#: Rows one INSERT holds at most: within SQLite's 32,766 parameters and PostgreSQL's 65,535.
_CHUNK = 30_000 // len(_COLUMNS)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

#: One event's values in the table's column order, `at` a datetime and `units` a list or None.
Values = Sequence[object]


def recorded_values(event: Recorded, question: str | None) -> Values:
    """`event`'s row in the table's column order, with `question` (redacted) for its words."""
    served = event.served
    return (
        event.receipt,
        _EPOCH + timedelta(microseconds=event.at_ns // 1000),
        served.kind,
        served.channel,
        served.locale,
        served.release,
        served.unit_id,
        served.revision,
        served.status,
        served.confidence,
        served.hits,
        list(served.units) if served.units is not None else None,
        question,
        event.conversation,
        event.via,
        round(event.latency_ms, 3),
        event.cached,
    )


def write_events(db: Database, rows: Sequence[Mapping[str, object]]) -> None:
    """Insert a batch of event rows given by column name (DeliveryEvent's columns; one left out
    holds its default): `write_values` of them."""
    write_values(db, [[row.get(name, default) for name, default in _WITH_DEFAULTS] for row in rows])


def write_values(db: Database, rows: Sequence[Values]) -> None:
    """Insert a batch of event rows in the table's column order: on SQLite one multi-row INSERT
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
            values: list[object] = []
            for row in chunk:
                at, units = row[_AT], row[_UNITS]
                base = len(values)
                values.extend(row)
                if isinstance(at, datetime):
                    values[base + _AT] = _sqlite_time(at)
                if units is not None:
                    values[base + _UNITS] = json.dumps(units)
            sql = f"{_INSERT} VALUES {', '.join([marker] * len(chunk))}"
            connection.exec_driver_sql(sql, tuple(values))


def _sqlite_time(at: datetime) -> str:
    """`at` as SQLAlchemy's SQLite DATETIME writes it: naive UTC text, which the time-range
    queries compare (isoformat writes what its strftime does, in a fifth of the time)."""
    if at.tzinfo is UTC:  # a recorded event's: its offset cut off ("+00:00")
        return at.isoformat(" ", "microseconds")[:-6]
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(" ", "microseconds")


def _copy_events(db: Database, rows: Sequence[Values]) -> None:
    """PostgreSQL: the batch through COPY, whose rows psycopg encodes in C."""
    with db.write() as session:
        cursor = session.connection().connection.cursor()
        with cursor.copy(f"COPY delivery_event ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                units = row[_UNITS]
                if units is not None:
                    row = list(row)
                    row[_UNITS] = json.dumps(units)
                copy.write_row(row)


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
