"""Verification bodies: a unit's verification state, as the editor and the panel show it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import Timestamp, _examples

__all__ = ["VerificationOut"]


class VerificationOut(BaseModel):
    """Whether the unit's owner verified it within its period (issue 18)."""

    model_config = _examples(
        {
            "unit_id": "check-balance",
            "locale": "en",
            "owner": "billing-team",
            "verify_every": 90,
            "rule": "unit",
            "last_verified_at": "2026-11-30T09:15:00Z",
            "verified_by": "billing-team",
            "verified_revision": 4,
            "due_at": "2027-02-28T09:15:00Z",
            "unverified": False,
        }
    )
    unit_id: str
    locale: str
    owner: str | None
    verify_every: int | None = Field(
        description="Days between verifications; null: verification is off for this unit."
    )
    rule: Literal["unit", "category"] | None = Field(
        description="Where the period comes from: the unit's front matter or its category."
    )
    last_verified_at: Timestamp | None
    verified_by: str | None
    verified_revision: int | None = Field(description="The newest revision when verified.")
    due_at: Timestamp | None = Field(
        description="When the period runs out: the last verification (else the unit's first "
        "revision) plus verify_every days."
    )
    unverified: bool = Field(description="The period ran out (since due_at).")
