"""Database tables: immutable revisions of units and snippets, and numbered releases of them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

__all__ = [
    "IMMUTABLE_TABLES",
    "ApiKey",
    "BodyText",
    "DeliveryEvent",
    "Feedback",
    "Release",
    "ReleaseSnippet",
    "ReleaseUnit",
    "SnippetRevision",
    "UnitRevision",
    "utcnow",
]


def utcnow() -> datetime:
    """The current time in UTC; every timestamp we store is UTC."""
    return datetime.now(UTC)


def _created_at() -> datetime:
    return Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


class UnitRevision(SQLModel, table=True):
    """One saved state of a unit in one locale; rows are only ever inserted, never changed."""

    __tablename__ = "unit_revision"
    __table_args__ = (
        UniqueConstraint("unit_id", "locale", "number", name="uq_unit_revision_number"),
        Index("ix_unit_revision_content_hash", "content_hash"),
    )

    id: int | None = Field(default=None, primary_key=True)
    unit_id: str = Field(max_length=200)
    locale: str = Field(max_length=35)
    number: int
    title: str = Field(sa_column=Column(Text, nullable=False))
    questions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    category: str | None = Field(default=None, max_length=200)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    audience: str = Field(default="public", max_length=20)
    channels: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    routing: str | None = Field(default=None, max_length=200)
    owner: str | None = Field(default=None, max_length=200)
    review_by: date | None = None
    #: Kept and edited, never published (`draft: true` in the front matter).
    draft: bool = False
    #: The silo it was imported from (`source:` in the front matter: system, id, url,
    #: updated_at), or None; a newer import of the same (system, id) updates this unit.
    silo: dict[str, str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    body: str = Field(sa_column=Column(Text, nullable=False))
    source: str = Field(sa_column=Column(Text, nullable=False))
    content_hash: str = Field(max_length=64)
    archived: bool = False
    author: str = Field(max_length=200)
    message: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = _created_at()


class SnippetRevision(SQLModel, table=True):
    """One saved state of a snippet in one locale; insert-only like unit revisions."""

    __tablename__ = "snippet_revision"
    __table_args__ = (
        UniqueConstraint("name", "locale", "number", name="uq_snippet_revision_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    locale: str = Field(max_length=35)
    number: int
    type: str = Field(max_length=20)
    value: str = Field(sa_column=Column(Text, nullable=False))
    content_hash: str = Field(max_length=64)
    archived: bool = False
    author: str = Field(max_length=200)
    message: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = _created_at()


class Release(SQLModel, table=True):
    """A numbered, immutable snapshot of the whole knowledge base that every channel serves."""

    __tablename__ = "release"

    number: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    author: str = Field(max_length=200)
    message: str = Field(default="", sa_column=Column(Text, nullable=False))
    rollback_of: int | None = Field(default=None, description="the release this one restores")
    unit_count: int = 0
    snippet_count: int = 0
    created_at: datetime = _created_at()


class ReleaseUnit(SQLModel, table=True):
    """Which revision of a unit is live in a release."""

    __tablename__ = "release_unit"
    __table_args__ = (
        UniqueConstraint("release_number", "unit_id", "locale", name="uq_release_unit_key"),
    )

    release_number: int = Field(foreign_key="release.number", primary_key=True)
    revision_id: int = Field(foreign_key="unit_revision.id", primary_key=True)
    unit_id: str = Field(max_length=200)
    locale: str = Field(max_length=35)


class ReleaseSnippet(SQLModel, table=True):
    """Which revision of a snippet is live in a release."""

    __tablename__ = "release_snippet"
    __table_args__ = (
        UniqueConstraint("release_number", "name", "locale", name="uq_release_snippet_key"),
    )

    release_number: int = Field(foreign_key="release.number", primary_key=True)
    revision_id: int = Field(foreign_key="snippet_revision.id", primary_key=True)
    name: str = Field(max_length=200)
    locale: str = Field(max_length=35)


class ApiKey(SQLModel, table=True):
    """An API key: its public id, role and the hash of the secret; revoked keys stay on record."""

    __tablename__ = "api_key"

    key_id: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    role: str = Field(max_length=20)
    digest: str = Field(max_length=64)
    author: str = Field(max_length=200)
    created_at: datetime = _created_at()
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


#: Tables whose rows the database itself refuses to update or delete.
IMMUTABLE_TABLES = (
    "unit_revision",
    "snippet_revision",
    "release",
    "release_unit",
    "release_snippet",
)


class BodyText(SQLModel, table=True):
    """A unit body's index words, kept when the body is saved so that building a release's
    search index parses no Markdown (derived data: rows are added, never changed)."""

    __tablename__ = "body_text"

    #: kb.content.markdown.body_digest: the body and the version of the extraction.
    digest: str = Field(primary_key=True, max_length=64)
    public_text: str = Field(sa_column=Column(Text, nullable=False))
    internal_text: str = Field(sa_column=Column(Text, nullable=False))
    #: Words of `::: only` blocks per channel, as a JSON object (channel -> words).
    only_text: str = Field(
        default="{}", sa_column=Column(Text, nullable=False, server_default="{}")
    )


_BIG_ID = BigInteger().with_variant(Integer(), "sqlite")


class DeliveryEvent(SQLModel, table=True):
    """One delivery response (an answer, a search, a unit or an FAQ list) as its receipt says:
    what was served from which release, never the rendered text (the release keeps that).

    Millions of rows: written in batches off the request path (kb.events), read by time range
    (insights), by receipt (feedback, the hand-over) and by conversation; purged by age.
    """

    __tablename__ = "delivery_event"
    __table_args__ = (
        Index("ix_delivery_event_at", "at"),
        Index("ix_delivery_event_conversation", "conversation", "at"),
        # What insights count, read from the index alone (migration 0007).
        Index(
            "ix_delivery_event_kind_at",
            *("kind", "at", "channel", "locale", "status", "hits", "unit_id"),
        ),
    )

    #: 64 bits on PostgreSQL; SQLite's INTEGER PRIMARY KEY is its rowid, 64 bits already.
    id: int | None = Field(default=None, sa_column=Column(_BIG_ID, primary_key=True))
    #: The id every response carries (`X-KB-Receipt`): 32 hex digits, random.
    receipt: str = Field(max_length=32, unique=True)
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    #: "answer", "search", "unit" or "faq".
    kind: str = Field(max_length=10)
    channel: str = Field(max_length=20)
    locale: str = Field(max_length=35)
    release: int
    #: The unit served (an answer's, a unit view's), or None (a refusal, a search, a list).
    unit_id: str | None = Field(default=None, max_length=200)
    revision: int | None = None
    #: An answer's status and confidence.
    status: str | None = Field(default=None, max_length=10)
    confidence: float | None = None
    #: A search's hit count, and the units it listed first, in order (JSON list).
    hits: int | None = None
    units: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    #: The customer's words after kb.events.redaction, or None (KB_EVENTS_STORE_TEXT=false).
    question: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    #: The caller's conversation id (`conversation` parameter), and what asked (`via`: widget).
    conversation: str | None = Field(default=None, max_length=200)
    via: str | None = Field(default=None, max_length=20)
    latency_ms: float = 0.0
    #: Whether the response came from this process's cache or a 304.
    cached: bool = False


class Feedback(SQLModel, table=True):
    """A customer's vote on a response, or a staff member's flag on a unit (KCS "flag it")."""

    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_at", "at"), Index("ix_feedback_unit", "unit_id", "at"))

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    #: "vote" (helpful or not, anyone) or "flag" (wrong or outdated, an operator).
    kind: str = Field(max_length=10)
    receipt: str | None = Field(default=None, max_length=32, index=True)
    unit_id: str | None = Field(default=None, max_length=200)
    helpful: bool | None = None
    reason: str | None = Field(default=None, max_length=40)
    #: Redacted like questions.
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    channel: str | None = Field(default=None, max_length=20)
    #: The key's name for staff, None for an anonymous customer.
    actor: str | None = Field(default=None, max_length=200)


# The editorial workflow's tables live beside this module and register here, so that every
# table is on SQLModel.metadata once kb.store.models is imported (migrations/env.py).
from kb.store import (  # noqa: E402, F401
    audit_models,
    review_models,
    schedule_models,
    verification_models,
    webhook_models,
)
