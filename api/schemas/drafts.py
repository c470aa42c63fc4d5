"""Authoring bodies: draft units and snippets, their front matter, revisions and diffs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas.common import Timestamp, _Body, _examples

__all__ = [
    "DiffOut",
    "DraftIn",
    "DraftOut",
    "DraftSummary",
    "RevisionOut",
    "SnippetIn",
    "SnippetKind",
    "SnippetOut",
    "SnippetUpdate",
    "UnitFields",
]


_UNIT_SOURCE = """---
id: check-balance
locale: en
title: How do I check my balance?
questions: [what is my balance]
---
Dial {{ balance_ussd }} or open the app.
"""


_UNIT_FIELDS: dict[str, Any] = {
    "id": "check-balance",
    "locale": "en",
    "title": "How do I check my balance?",
    "questions": ["what is my balance"],
    "category": None,
    "tags": [],
    "audience": "public",
    "channels": None,
    "routing": None,
    "owner": None,
    "review_by": None,
}


class UnitFields(BaseModel):
    """A unit's front matter as JSON, every field present (null or [] when not given)."""

    model_config = _examples(_UNIT_FIELDS)
    id: str
    locale: str
    title: str
    questions: list[str]
    category: str | None
    tags: list[str]
    audience: Literal["public", "internal"]
    channels: list[str] | None = Field(description="null: every channel.")
    routing: str | None
    owner: str | None
    review_by: date | None = Field(description="After this date the unit is stale.")
    verify_every: int | None = Field(
        None, description="Days between the owner's verifications (null: its category's, or none)."
    )
    draft: bool = Field(False, description="Kept and edited, never published.")
    publish_after: datetime | None = Field(
        None, description="A release built before this moment (UTC) leaves the unit out."
    )
    expires: datetime | None = Field(
        None, description="A release built at or after this moment (UTC) leaves the unit out."
    )
    source: dict[str, str] | None = Field(
        None, description="The silo it was imported from: system, id, url, updated_at."
    )


class DraftIn(_Body):
    """A unit in the content format: Markdown with YAML front matter."""

    model_config = _examples({"source": _UNIT_SOURCE, "message": "Clearer first sentence"})
    source: str = Field(min_length=1, max_length=200_000)
    message: str = Field("", max_length=2000, description="Why: kept in the history.")


class DraftSummary(BaseModel):
    """A draft unit in a list."""

    model_config = _examples(
        {
            "unit_id": "check-balance",
            "locale": "en",
            "title": "How do I check my balance?",
            "revision": 4,
            "archived": False,
            "author": "maria",
            "updated_at": "2026-11-30T09:15:00Z",
        }
    )

    unit_id: str
    locale: str
    title: str
    revision: int
    archived: bool
    author: str
    updated_at: Timestamp


class DraftOut(DraftSummary):
    """A draft unit with its source; its revision is also its ETag for If-Match."""

    model_config = _examples(
        {
            "unit_id": "check-balance",
            "locale": "en",
            "title": "How do I check my balance?",
            "revision": 4,
            "archived": False,
            "author": "maria",
            "updated_at": "2026-11-30T09:15:00Z",
            "source": _UNIT_SOURCE,
            "outcome": "updated",
            "fields": _UNIT_FIELDS,
            "body": "Dial {{ balance_ussd }} or open the app.",
        }
    )
    source: str
    outcome: str | None = Field(None, description="created, updated, unchanged... (on saves)")
    fields: UnitFields = Field(description="The front matter, every field with its default.")
    body: str = Field(description="The Markdown after the front matter.")


class RevisionOut(BaseModel):
    """One saved state of a unit."""

    model_config = _examples(
        {
            "revision": 4,
            "title": "How do I check my balance?",
            "archived": False,
            "author": "maria",
            "message": "Clearer first sentence",
            "created_at": "2026-11-30T09:15:00Z",
        }
    )

    revision: int
    title: str
    archived: bool
    author: str
    message: str
    created_at: Timestamp


class DiffOut(BaseModel):
    """A unified diff of two revisions' sources."""

    model_config = _examples(
        {
            "unit_id": "check-balance",
            "locale": "en",
            "from_revision": 3,
            "to_revision": 4,
            "diff": "--- check-balance.en.md@3\n+++ check-balance.en.md@4\n@@ ...",
        }
    )
    unit_id: str
    locale: str
    from_revision: int | None
    to_revision: int
    diff: str


SnippetKind = Literal["text", "phone", "money", "date", "url", "markdown"]


class SnippetUpdate(_Body):
    """A snippet's new value."""

    model_config = _examples({"type": "phone", "value": "+1 800 555 0100", "message": "New line"})
    type: SnippetKind
    value: str = Field(min_length=1, max_length=20_000)
    message: str = Field("", max_length=2000)


class SnippetIn(SnippetUpdate):
    """A new snippet: a shared value used in many units as {{ name }}."""

    model_config = _examples(
        {"name": "support_phone", "locale": "en", "type": "phone", "value": "+1 800 555 0100"}
    )
    # The rules kb.content.snippets.validate_snippet applies, so the document shows them.
    name: str = Field(min_length=1, max_length=200, pattern=r"^[a-z][a-z0-9_]*$")
    locale: str = Field(min_length=2, max_length=35, pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")


class SnippetOut(BaseModel):
    """A draft snippet; its revision is its ETag."""

    model_config = _examples(
        {
            "name": "support_phone",
            "locale": "en",
            "type": "phone",
            "value": "+1 800 555 0100",
            "revision": 2,
            "archived": False,
            "author": "maria",
            "updated_at": "2026-11-30T09:15:00Z",
            "used_by": ["contact-support", "lost-or-stolen-phone"],
        }
    )

    name: str
    locale: str
    type: str
    value: str
    revision: int
    archived: bool
    author: str
    updated_at: Timestamp
    used_by: list[str] = Field(
        default_factory=list, description="Ids of the draft units in its locale that use it."
    )
