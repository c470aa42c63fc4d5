"""Audit log bodies: one entry, and a page of them with the cursor of the next (issue 18)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from api.schemas.common import Timestamp, _examples

__all__ = ["AuditEntryOut", "AuditPageOut"]

_ENTRY_EXAMPLE: dict[str, Any] = {
    "id": 812,
    "at": "2026-12-07T09:15:40Z",
    "actor": "content team",
    "action": "unit.updated",
    "object_kind": "unit",
    "object_id": "check-balance",
    "locale": "en",
    "detail": {"revision": 4},
}


class AuditEntryOut(BaseModel):
    """One write: who (`actor`), when, what (`action`) and on what (`object_kind`, `object_id`)."""

    model_config = _examples(_ENTRY_EXAMPLE)

    id: int = Field(description="Increasing in the order entries were written.")
    at: Timestamp
    actor: str = Field(description="The API key's name, or the command line's KB_AUTHOR/login.")
    action: str = Field(description="`<kind>.<what happened>`: unit.updated, key.revoked...")
    object_kind: str = Field(description="unit, snippet, release, key, import...")
    object_id: str = Field(description="A unit's id, a release number, a key id...")
    locale: str | None = Field(description="A unit's or snippet's locale; null otherwise.")
    detail: dict[str, Any] | None = Field(description="Small facts: a revision number, counts.")


class AuditPageOut(BaseModel):
    """Entries newest first; `next_before` fetches the next (older) page, null at the end."""

    model_config = _examples(
        {
            "items": [
                _ENTRY_EXAMPLE,
                {
                    **_ENTRY_EXAMPLE,
                    "id": 811,
                    "at": "2026-12-07T09:02:11Z",
                    "action": "release.published",
                    "object_kind": "release",
                    "object_id": "42",
                    "locale": None,
                    "detail": {"units": 120, "snippets": 8},
                },
            ],
            "next_before": 811,
        }
    )

    items: list[AuditEntryOut]
    next_before: int | None = Field(description="Pass as `before` for the next page.")
