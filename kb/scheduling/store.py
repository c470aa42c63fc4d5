"""Scheduled releases in the database: create, list, cancel, and claim one so that exactly one
process publishes it.

A claim is one conditional UPDATE (pending -> running, or a running one whose claim is older
than `LEASE`, its process presumably dead): the database applies it to the row once, so of two
processes claiming together one changes the row and the other finds it changed (SQLite's write
transactions are serial; PostgreSQL re-checks the condition on the row a concurrent update
committed). The release and the schedule's `published` are written in one transaction, with the
claim's owner as a condition, so a schedule makes at most one release even when a claim is
taken over. A cancel is the same kind of update (pending -> cancelled): of a cancel and a claim,
exactly one wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, or_, select, update
from sqlmodel import Session

from kb.errors import InvalidContent, NotFound, Problem, VersionConflict
from kb.store.audit import record
from kb.store.schedule_models import SCHEDULE_STATES, ScheduledRelease

__all__ = [
    "LEASE",
    "Schedule",
    "ScheduleNotFound",
    "aware",
    "cancel_schedule",
    "claim_schedule",
    "create_schedule",
    "due_schedules",
    "finish_schedule",
    "get_schedule",
    "list_schedules",
    "release_claim",
]

#: How long a claim holds before another process may take the schedule over (its process
#: died mid-publish): longer than any publish takes.
LEASE = timedelta(minutes=30)
_NOTE_CHARS = 2000


class ScheduleNotFound(NotFound):
    """No scheduled release has this id."""


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every moment stored here is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Schedule:
    """A scheduled release as read: its moments timezone-aware (UTC) whatever the database."""

    id: int
    at: datetime
    note: str
    author: str
    created_at: datetime
    state: str
    release_number: int | None
    detail: str | None
    claimed_by: str | None
    claimed_at: datetime | None
    cancelled_by: str | None
    finished_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        """The fields as JSON-ready values (moments in ISO 8601, UTC)."""
        return {
            name: value.isoformat() if isinstance(value, datetime) else value
            for name, value in self.__dict__.items()
        }


def _fixed(row: ScheduledRelease) -> Schedule:
    """The row as a value, its moments timezone-aware."""
    values = {name: getattr(row, name) for name in Schedule.__dataclass_fields__}
    for name in ("at", "created_at", "claimed_at", "finished_at"):
        if values[name] is not None:
            values[name] = aware(values[name])
    return Schedule(**values)


def create_schedule(
    session: Session, *, at: datetime, note: str, author: str, now: datetime
) -> Schedule:
    """Schedule a release of the drafts at `at`; refused when `at` has no timezone or is past."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidContent(
            [Problem("needs a timezone: end the time with Z (UTC) or an offset", field="at")]
        )
    if at < now:
        raise InvalidContent(
            [
                Problem(
                    f"{at.astimezone(UTC).isoformat()} is in the past (it is now "
                    f"{now.astimezone(UTC).isoformat(timespec='seconds')}): schedule a later "
                    "time, or publish now",
                    field="at",
                )
            ]
        )
    if len(note) > _NOTE_CHARS:
        raise InvalidContent([Problem(f"must be at most {_NOTE_CHARS} characters", field="note")])
    moment = at.astimezone(UTC)
    row = ScheduledRelease(at=moment, note=note, author=author, created_at=now, state="pending")
    session.add(row)
    session.flush()
    assert row.id is not None
    record(
        session,
        actor=author,
        action="schedule.created",
        object_kind="schedule",
        object_id=row.id,
        detail={"at": moment.isoformat()},
    )
    return _fixed(row)


def get_schedule(session: Session, schedule_id: int) -> Schedule:
    """One scheduled release; ScheduleNotFound if there is none with this id."""
    row = session.get(ScheduledRelease, schedule_id, populate_existing=True)
    if row is None:
        raise ScheduleNotFound(f"no scheduled release {schedule_id}")
    return _fixed(row)


def list_schedules(
    session: Session, states: Sequence[str] = (), *, limit: int = 1000
) -> list[Schedule]:
    """Scheduled releases in `states` (default: all), the next due first, then the newest."""
    unknown = [s for s in states if s not in SCHEDULE_STATES]
    if unknown:
        known = ", ".join(SCHEDULE_STATES)
        raise InvalidContent(
            [Problem(f"unknown state {', '.join(unknown)}; known: {known}", field="state")]
        )
    query = select(ScheduledRelease)
    if states:
        query = query.where(ScheduledRelease.state.in_(states))
    query = query.order_by(ScheduledRelease.at.desc(), ScheduledRelease.id.desc())
    rows = [_fixed(r) for r in session.scalars(query.limit(limit))]
    pending = sorted((r for r in rows if r.state in ("pending", "running")), key=lambda r: r.at)
    return pending + [r for r in rows if r.state not in ("pending", "running")]


def cancel_schedule(session: Session, schedule_id: int, *, actor: str, now: datetime) -> Schedule:
    """Cancel a pending scheduled release; a conflict when it is no longer pending."""
    changed = _rows(
        session.execute(
            update(ScheduledRelease)
            .where(ScheduledRelease.id == schedule_id, ScheduledRelease.state == "pending")
            .values(state="cancelled", cancelled_by=actor[:200], finished_at=now)
        )
    )
    row = get_schedule(session, schedule_id)
    if not changed:
        raise VersionConflict(
            f"scheduled release {schedule_id} is {row.state}"
            + (f" (release {row.release_number})" if row.release_number else "")
            + ": only a pending one can be cancelled"
        )
    record(
        session,
        actor=actor,
        action="schedule.cancelled",
        object_kind="schedule",
        object_id=schedule_id,
    )
    return _fixed(row)


def due_schedules(session: Session, now: datetime) -> list[int]:
    """Ids of the schedules to publish now: pending and due, or running past their lease."""
    query = (
        select(ScheduledRelease.id)
        .where(ScheduledRelease.at <= now)
        .where(_claimable(now))
        .order_by(ScheduledRelease.at, ScheduledRelease.id)
    )
    return [i for i in session.scalars(query) if i is not None]


def _claimable(now: datetime) -> Any:
    """Pending, or running under a claim older than the lease (a SQL condition)."""
    return or_(
        ScheduledRelease.state == "pending",
        (ScheduledRelease.state == "running") & (ScheduledRelease.claimed_at < now - LEASE),
    )


def claim_schedule(session: Session, schedule_id: int, *, me: str, now: datetime) -> bool:
    """Take a due schedule for this process (True), or find another took it first (False)."""
    return bool(
        _rows(
            session.execute(
                update(ScheduledRelease)
                .where(ScheduledRelease.id == schedule_id, ScheduledRelease.at <= now)
                .where(_claimable(now))
                .values(state="running", claimed_by=me, claimed_at=now)
            )
        )
    )


def finish_schedule(
    session: Session,
    schedule_id: int,
    *,
    me: str,
    state: str,
    release: int | None,
    detail: str | None,
    now: datetime,
) -> bool:
    """End a schedule this process holds as `state` (published or failed), with its audit
    entry; False when the claim is no longer this process's (taken over after the lease)."""
    changed = _rows(
        session.execute(
            update(ScheduledRelease)
            .where(
                ScheduledRelease.id == schedule_id,
                ScheduledRelease.state == "running",
                ScheduledRelease.claimed_by == me,
            )
            .values(state=state, release_number=release, detail=detail, finished_at=now)
        )
    )
    if changed:
        row = get_schedule(session, schedule_id)
        detail_json: dict[str, object] = {"release": release} if release else {}
        if detail:
            detail_json["detail"] = detail[:300]
        record(
            session,
            actor=row.author,
            action=f"schedule.{state}",
            object_kind="schedule",
            object_id=schedule_id,
            detail=detail_json,
        )
    return bool(changed)


def release_claim(session: Session, schedule_id: int, *, me: str) -> bool:
    """Give a schedule this process holds back to pending (publishing failed for a passing
    reason: the database was away), so that the next tick of any process tries again."""
    return bool(
        _rows(
            session.execute(
                update(ScheduledRelease)
                .where(
                    ScheduledRelease.id == schedule_id,
                    ScheduledRelease.state == "running",
                    ScheduledRelease.claimed_by == me,
                )
                .values(state="pending", claimed_by=None, claimed_at=None)
            )
        )
    )


def _rows(result: object) -> int:
    """How many rows an UPDATE changed."""
    assert isinstance(result, CursorResult)
    return int(result.rowcount)
