"""Event and feedback rows: written in batches, read by receipt and conversation, purged by age."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, insert
from sqlmodel import select

from kb.store.db import Database
from kb.store.models import DeliveryEvent, Feedback

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


def write_events(db: Database, rows: Sequence[dict[str, object]]) -> None:
    """Insert a batch of event rows (DeliveryEvent's columns) in one statement."""
    if not rows:
        return
    with db.write() as session:
        session.execute(insert(DeliveryEvent), list(rows))


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
    """Store one feedback row and return it with its id."""
    with db.write() as session:
        session.add(feedback)
        session.flush()
        session.refresh(feedback)
        session.expunge(feedback)
    return feedback


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
