"""A release that only takes out of the current one the units whose `expires` has come: the
scheduler makes it when time passes with no publish, so an offer that ends leaves every channel
when it ends, and no draft is published by it (KB_EXPIRY_RELEASES)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from kb.content.availability import source_window
from kb.releases.publishing import _write_release
from kb.releases.windows import within_window
from kb.store.db import Database
from kb.store.models import ReleaseUnit, UnitRevision
from kb.store.revisions import current_release, release_snapshot

__all__ = ["expire_units", "next_expiry"]


def next_expiry(database: Database, release: int) -> datetime | None:
    """The earliest `expires` among the units of `release`, or None: read once per release
    (releases never change), from the few units whose source names the field."""
    with database.read() as session:
        sources = session.scalars(
            select(UnitRevision.source)
            .join(ReleaseUnit, ReleaseUnit.revision_id == UnitRevision.id)
            .where(ReleaseUnit.release_number == release)
            .where(UnitRevision.source.contains("expires:"))  # type: ignore[attr-defined]
        )
        moments = [m for m in (source_window(s)[1] for s in sources) if m is not None]
    return min(moments, default=None)


def expire_units(
    database: Database, now: datetime, *, author: str
) -> tuple[int, tuple[tuple[str, str], ...]] | None:
    """Release N+1 = release N without the units expired at `now`, and those units; None when
    the current release serves none. Under the exclusive write lock, so of several processes
    asking at once the first makes the release and the others find nothing left to do."""
    with database.write(exclusive=True) as session:
        base = current_release(session)
        if base is None:
            return None
        window = within_window(release_snapshot(session, base.number), now)
        if not window.expired:
            return None
        names = ", ".join(f"{unit} ({locale})" for unit, locale in window.expired)
        number = _write_release(
            session,
            window.live,
            author=author,
            message=f"Expired: {names}"[:2000],
            rollback_of=None,
        )
        return number, window.expired
