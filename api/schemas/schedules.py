"""Scheduled release bodies: one to schedule, and a schedule as it stands (issue 18)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import Timestamp, _Body, _examples

__all__ = ["ScheduleIn", "ScheduleOut", "ScheduleState"]

ScheduleState = Literal["pending", "running", "published", "cancelled", "failed"]


class ScheduleIn(_Body):
    """A release of the drafts (their approved state) to publish at a future time."""

    model_config = _examples({"at": "2027-01-01T00:00Z", "message": "New year prices"})
    at: str = Field(
        min_length=10,
        max_length=40,
        description="When: an ISO 8601 date-time with its offset (`2027-01-01T09:00+03:00`, "
        "`2027-01-01T06:00Z`), or a date for 00:00 UTC; a past time is refused.",
    )
    message: str = Field("", max_length=2000, description="The release's message.")


class ScheduleOut(BaseModel):
    """A scheduled release: when, by whom, and what became of it."""

    model_config = _examples(
        {
            "id": 4,
            "at": "2027-01-01T00:00:00Z",
            "message": "New year prices",
            "author": "maria",
            "created_at": "2026-12-07T09:15:00Z",
            "state": "published",
            "kb_version": 13,
            "detail": None,
            "cancelled_by": None,
            "finished_at": "2027-01-01T00:00:03Z",
        }
    )
    id: int
    at: Timestamp
    message: str
    author: str
    created_at: Timestamp
    state: ScheduleState = Field(
        description="pending, then running (one server publishing it), then published, "
        "cancelled or failed (`detail` says why)."
    )
    kb_version: int | None = Field(
        description="The release it made; null until published, or when nothing had changed."
    )
    detail: str | None
    cancelled_by: str | None
    finished_at: Timestamp | None
