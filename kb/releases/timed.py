"""Releases the clock makes (KB_WINDOW_RELEASES): when a unit of the current release reaches its
`expires`, or a unit left out of it for its `publish_after` reaches that time, the scheduler
publishes the current release with just that change, so an offer that ends leaves every channel
when it ends and a new price arrives when it starts, and no other draft is published by it.

A unit that starts goes out at the revision the next publish would take (its newest, or under
KB_REVIEW_POLICY its newest approved one), with the current release's snippets, after the same
checks as any publish. Only units whose `publish_after` falls after the current release was
built start this way: one whose time had already come then waits for a publish like any draft.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select

from kb.content.availability import source_window
from kb.releases.publishing import PublishBlocked, PublishGate, _write_release
from kb.releases.windows import within_window
from kb.review import ReviewRule, reviewed_drafts
from kb.store.db import Database
from kb.store.models import Release, ReleaseUnit, UnitRevision
from kb.store.revisions import current_release, draft_snapshot, release_snapshot
from kb.store.snapshot import Snapshot, StoredUnit

__all__ = ["TimedRelease", "make_timed_release", "newest_revision_id", "next_moment"]

Key = tuple[str, str]


@dataclass(frozen=True)
class TimedRelease:
    """A release the clock made: its number, the units it took out and those it brought in."""

    number: int
    expired: tuple[Key, ...]
    started: tuple[Key, ...]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def next_moment(database: Database, release: Release) -> datetime | None:
    """The earliest moment after `release` was built at which a timed release may be due: an
    `expires` of one of its units, or a `publish_after` of a draft unit. Cheap enough per tick
    when cached by the release and the newest revision (the only things that change it): only
    sources naming the fields are read."""
    built = _aware(release.created_at)
    with database.read() as session:
        live = session.scalars(
            select(UnitRevision.source)
            .join(ReleaseUnit, ReleaseUnit.revision_id == UnitRevision.id)
            .where(ReleaseUnit.release_number == release.number)
            .where(UnitRevision.source.contains("expires:"))  # type: ignore[attr-defined]
        )
        ends = [m for m in (source_window(s)[1] for s in live) if m is not None]
        newest = select(func.max(UnitRevision.id)).group_by(
            UnitRevision.unit_id, UnitRevision.locale
        )
        heads = session.scalars(
            select(UnitRevision.source)
            .where(UnitRevision.id.in_(newest))  # type: ignore[union-attr]
            .where(UnitRevision.source.contains("publish_after:"))  # type: ignore[attr-defined]
        )
        starts = [m for m in (source_window(s)[0] for s in heads) if m is not None and m > built]
    return min([*ends, *starts], default=None)


def newest_revision_id(database: Database) -> int:
    """The id of the newest revision of any unit (0 before any): drafts changed when it did."""
    with database.read() as session:
        return int(session.scalar(select(func.max(UnitRevision.id))) or 0)


def make_timed_release(
    database: Database,
    now: datetime,
    *,
    author: str,
    review: ReviewRule | None = None,
    gate: PublishGate | None = None,
) -> TimedRelease | None:
    """Release N+1 = release N without its units expired at `now` and with the units whose
    `publish_after` came after N was built and by `now`; None when there are none, or when
    another process made a release meanwhile (its tick sees the new one next). PublishBlocked
    when the checks refuse the units that start."""
    with database.read(consistent=True) as session:
        base = current_release(session)
        if base is None:
            return None
        window = within_window(release_snapshot(session, base.number), now)
        drafts = reviewed_drafts(session, review)[0] if review else draft_snapshot(session)
        started = _starting(window.live, drafts.publishable(), _aware(base.created_at), now)
        if not window.expired and not started:
            return None
        target = Snapshot(
            base,
            {**window.live.units, **started},
            window.live.snippets,
            window.live.snippet_revision_ids,
        )
    if started and gate is not None:
        findings = gate(target)
        if any(f.blocking for f in findings):
            raise PublishBlocked(findings)
    with database.write(exclusive=True) as session:
        latest = current_release(session)
        if latest is None or latest.number != base.number:
            return None
        names = [f"expired: {u} ({loc})" for u, loc in window.expired]
        names += [f"started: {u} ({loc})" for u, loc in sorted(started)]
        message = "Timed release: " + ", ".join(names)
        number = _write_release(session, target, author=author, message=message, rollback_of=None)
    return TimedRelease(number, window.expired, tuple(sorted(started)))


def _starting(
    live: Snapshot, drafts: Snapshot, built: datetime, now: datetime
) -> dict[Key, StoredUnit]:
    """The draft units whose publish_after came after `built` and by `now`, live at `now`, and
    not already served at that revision."""
    found = {}
    for key, unit in drafts.units.items():
        start = unit.document.publish_after
        if start is None or not built < start <= now or not unit.document.live_at(now):
            continue
        served = live.units.get(key)
        if served is None or served.revision_id != unit.revision_id:
            found[key] = unit
    return found
