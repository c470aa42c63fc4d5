"""Scheduled releases for the command line and the API: schedule one, list them, cancel one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from kb.content.availability import parse_moment
from kb.errors import InvalidContent, Problem
from kb.scheduling.scheduler import utcnow
from kb.scheduling.store import (
    Schedule,
    cancel_schedule,
    create_schedule,
    get_schedule,
    list_schedules,
)

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase

__all__ = ["cancel_release", "parse_at", "schedule_release", "scheduled", "scheduled_releases"]


def parse_at(text: str) -> datetime:
    """A schedule's time as written (`2027-01-01T00:00Z`, `2027-01-01T09:00+03:00`, or a date
    for 00:00 UTC) as a UTC moment; a clear error for anything else."""
    moment, error = parse_moment(text)
    if error or moment is None:
        raise InvalidContent([Problem(f"{error or 'is required'}, not {text!r}", field="at")])
    return moment


def schedule_release(
    kb: KnowledgeBase, *, at: datetime, note: str, author: str, now: datetime | None = None
) -> Schedule:
    """Schedule a release of the drafts (their approved state) at `at`; refused if it is past."""
    with kb.db.write() as session:
        return create_schedule(session, at=at, note=note, author=author, now=now or utcnow())


def scheduled_releases(kb: KnowledgeBase, states: Sequence[str] = ()) -> list[Schedule]:
    """Scheduled releases in `states` (default all): the pending ones first, next due first."""
    with kb.db.read() as session:
        return list_schedules(session, states)


def scheduled(kb: KnowledgeBase, schedule_id: int) -> Schedule:
    """One scheduled release by id."""
    with kb.db.read() as session:
        return get_schedule(session, schedule_id)


def cancel_release(kb: KnowledgeBase, schedule_id: int, *, actor: str) -> Schedule:
    """Cancel a pending scheduled release: it never publishes; a conflict once it has started."""
    with kb.db.write() as session:
        return cancel_schedule(session, schedule_id, actor=actor, now=utcnow())
