"""The audit log: `record` appends who wrote what inside the write's own transaction, and
`entries` reads it back, newest first (issue 18).

Append-only on purpose, like revisions: an audit log that can be edited proves nothing, so this
module has no update or delete, and the database refuses both (migration 0008's triggers).
Entries commit or roll back with the write they describe: a refused write leaves none.

The actor is whoever the write names as its author: the API key's name for API calls, and for
the command line KB_AUTHOR, else the login name (Settings.author).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from kb.store.audit_models import AuditEntry
from kb.store.db import Database
from kb.store.models import utcnow

__all__ = ["MAX_PAGE", "AuditEntry", "AuditFilter", "audit_entries", "entries", "record"]

#: The most entries one page of the API or the command line shows.
MAX_PAGE = 1000
_ID_LENGTH = 300


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    object_kind: str,
    object_id: str | int,
    locale: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry in `session`'s transaction (it commits or rolls back with the write).

    `action` is `<object_kind>.<past participle>` (unit.updated, release.published,
    key.revoked, review.approved...); `detail` is a small JSON object (numbers, short
    strings), never content or secrets.
    """
    entry = AuditEntry(
        at=utcnow(),
        actor=(actor or "unknown")[:200],
        action=action,
        object_kind=object_kind,
        object_id=str(object_id)[:_ID_LENGTH],
        locale=locale,
        detail=dict(detail) if detail else None,
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to read: since a moment, by an actor or action, older than an id (the
    page cursor), at most `limit`."""

    since: datetime | None = None
    actor: str | None = None
    action: str | None = None
    object_kind: str | None = None
    object_id: str | None = None
    before: int | None = None
    limit: int = 100


def entries(session: Session, wanted: AuditFilter | None = None) -> list[AuditEntry]:
    """The entries `wanted` selects, newest first (by id: the order they were written in)."""
    wanted = wanted or AuditFilter()
    query = select(AuditEntry).order_by(AuditEntry.id.desc())  # type: ignore[union-attr]
    if wanted.since is not None:
        query = query.where(AuditEntry.at >= wanted.since)  # type: ignore[operator]
    if wanted.before is not None:
        query = query.where(AuditEntry.id < wanted.before)  # type: ignore[operator]
    for column, value in (
        (AuditEntry.actor, wanted.actor),
        (AuditEntry.action, wanted.action),
        (AuditEntry.object_kind, wanted.object_kind),
        (AuditEntry.object_id, wanted.object_id),
    ):
        if value is not None:
            query = query.where(column == value)
    rows = list(session.scalars(query.limit(max(1, wanted.limit))))
    for row in rows:
        session.expunge(row)  # detached first: a changed row would be flushed as an UPDATE
        row.at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
    return rows


def audit_entries(database: Database, wanted: AuditFilter | None = None) -> list[AuditEntry]:
    """`entries` in a read transaction of its own (the API's and the command line's reads)."""
    with database.read() as session:
        return entries(session, wanted)
