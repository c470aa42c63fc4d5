"""The audit log's table: who wrote what, when (issue 18); models.py registers it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, Integer
from sqlmodel import Field, SQLModel

__all__ = ["AuditEntry"]

_BIG_ID = BigInteger().with_variant(Integer(), "sqlite")


class AuditEntry(SQLModel, table=True):
    """One write: its actor, time, action and object. Rows are only ever inserted; the
    database refuses to update or delete them (triggers of migration 0008), like revisions."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_actor", "actor", "id"),
        Index("ix_audit_log_object", "object_kind", "object_id"),
    )

    #: Increasing: the order entries were written in, and the API's page cursor.
    id: int | None = Field(default=None, sa_column=Column(_BIG_ID, primary_key=True))
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    #: The API key's name for API calls; KB_AUTHOR or the login name for the command line.
    actor: str = Field(max_length=200)
    #: `<kind>.<verb>`: unit.created, release.published, key.revoked... (kb.store.audit).
    action: str = Field(max_length=60)
    #: What was written: unit, snippet, release, key, import, review, schedule, webhook...
    object_kind: str = Field(max_length=30)
    #: Its id: a unit's or snippet's id, a release number, a key id...
    object_id: str = Field(max_length=300)
    #: A unit's or snippet's locale; None for objects without one.
    locale: str | None = Field(default=None, max_length=35)
    #: A small JSON object: the revision number, a release's counts, a key's role...
    detail: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
