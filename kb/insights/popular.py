"""The units customers read most in a locale lately: what the help center's home page offers
first. Counted by the database from the delivery events (answers that served a unit and unit
views, in any channel), so a month of events costs one GROUP BY over the time index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from kb.store.models import DeliveryEvent

if TYPE_CHECKING:
    from kb.store.db import Database

__all__ = ["POPULAR_DAYS", "most_viewed"]

_E = DeliveryEvent.__table__.c  # type: ignore[attr-defined]
#: How far back "lately" reaches.
POPULAR_DAYS = 30


def most_viewed(
    db: Database,
    locale: str,
    *,
    limit: int,
    days: int = POPULAR_DAYS,
    now: datetime | None = None,
) -> list[str]:
    """Ids of the units served most in `locale` over the `days` before `now`, most first (ties
    by id), at most `limit`; the caller keeps only those it may show."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    since = (now or datetime.now(UTC)) - timedelta(days=days)
    views = func.count().label("views")
    query = (
        select(_E.unit_id, views)
        .where(
            _E.kind.in_(("answer", "unit")),
            _E.at >= since,
            _E.locale == locale,
            _E.unit_id.is_not(None),
        )
        .group_by(_E.unit_id)
        .order_by(views.desc(), _E.unit_id)
        .limit(limit)
    )
    with db.read() as session:
        return [row[0] for row in session.execute(query)]
