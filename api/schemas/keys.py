"""API key bodies: a key to create, its record, and its secret shown once."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import Timestamp, _Body, _examples

__all__ = ["KeyIn", "KeyOut", "NewKeyOut"]


class KeyIn(_Body):
    """A key to create."""

    model_config = _examples({"name": "website widget", "role": "reader"})
    name: str = Field(min_length=1, max_length=200)
    role: Literal["reader", "operator", "editor", "publisher", "admin"]


class KeyOut(BaseModel):
    """A key's record; never its secret."""

    model_config = _examples(
        {
            "key_id": "3f9a1c2b7d4e",
            "name": "website widget",
            "role": "reader",
            "author": "admin",
            "created_at": "2026-11-30T09:15:00Z",
            "revoked_at": None,
        }
    )

    key_id: str
    name: str
    role: str
    author: str
    created_at: Timestamp
    revoked_at: Timestamp | None


class NewKeyOut(KeyOut):
    """A key just created: `key` is shown this once."""

    model_config = _examples(
        {
            "key_id": "3f9a1c2b7d4e",
            "name": "website widget",
            "role": "reader",
            "author": "admin",
            "created_at": "2026-11-30T09:15:00Z",
            "revoked_at": None,
            "key": "kb_3f9a1c2b7d4e_Vh2f0Jx9lq7T3mQwZ8rY1cKpN5sD6uE4",
        }
    )

    key: str = Field(description="Send as `Authorization: Bearer KEY`; it is not shown again.")
