"""The period an insight covers: `since` and `until` as ages (`7d`, `24h`) or ISO 8601 moments."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement

from kb.errors import InvalidContent, Problem
from kb.store.models import DeliveryEvent

__all__ = ["AGE_PATTERN", "Period", "event_filter", "parse_age", "parse_moment", "period"]

#: An age as the API's `since` states it: 1 to 9999 minutes, hours, days or weeks.
AGE_PATTERN = r"^[1-9][0-9]{0,3}[mhdw]$"
_AGE = re.compile(AGE_PATTERN)
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}
_UNITS["w"] = timedelta(weeks=1)
_HINT = "an age such as 30m, 24h, 7d or 2w, or an ISO 8601 date or time (2026-11-30)"


@dataclass(frozen=True)
class Period:
    """From `since` (included) to `until` (excluded), both in UTC."""

    since: datetime
    until: datetime

    @property
    def days(self) -> list[date]:
        """Every calendar day (UTC) the period touches, oldest first."""
        first, last = self.since.date(), (self.until - timedelta(microseconds=1)).date()
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def parse_age(text: str, field: str = "older_than") -> timedelta:
    """`7d`, `24h`, `30m` or `2w` as a timedelta; anything else is InvalidContent on `field`."""
    if not _AGE.match(text):
        raise InvalidContent([Problem(f"'{text}' is not {_HINT.split(', or')[0]}", field=field)])
    return int(text[:-1]) * _UNITS[text[-1]]


def parse_moment(text: str, field: str, now: datetime) -> datetime:
    """An age before `now` or an ISO 8601 date or time (UTC unless it says otherwise)."""
    if _AGE.match(text):
        return now - parse_age(text, field)
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidContent([Problem(f"'{text}' is not {_HINT}", field=field)]) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def period(
    since: str | None = "7d", until: str | None = None, *, now: datetime | None = None
) -> Period:
    """The period `since` .. `until` (default: the last 7 days until now); a `since` not
    before `until` is InvalidContent naming `since`."""
    now = now or datetime.now(UTC)
    start = parse_moment(since or "7d", "since", now)
    end = parse_moment(until, "until", now) if until else now
    if start >= end:
        raise InvalidContent([Problem("must be before until (default: now)", field="since")])
    return Period(start, end)


def event_filter(
    period: Period, channel: str | None, locale: str | None
) -> list[ColumnElement[bool]]:
    """The period, and the channel and locale when given: what every event query keeps."""
    events = DeliveryEvent.__table__.c  # type: ignore[attr-defined]
    found = [events.at >= period.since, events.at < period.until]
    if channel is not None:
        found.append(events.channel == channel)
    if locale is not None:
        found.append(events.locale == locale)
    return found
