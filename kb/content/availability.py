"""When a unit may be served: `publish_after` and `expires` in its front matter (a price valid
from a date, an offer that ends), read as timezone-aware moments.

A date alone means the start of that day in UTC; a date-time must say its offset (`Z`,
`+03:00`), since a bank's "from 1 January" differs by hours across its offices. A release
built at time T leaves out the units whose `publish_after` is after T or whose `expires` is at
or before T (kb.releases.windows).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any

import yaml

__all__ = ["WINDOW_FIELDS", "live_at", "parse_moment", "source_window"]

#: The front-matter keys of a unit's window, in the order they are written.
WINDOW_FIELDS = ("publish_after", "expires")
_LINE = re.compile(r"^(publish_after|expires):[^\n]*$", re.MULTILINE)


def parse_moment(value: object) -> tuple[datetime | None, str | None]:
    """`value` (a YAML date, date-time or text) as a UTC moment, or why it cannot be one."""
    if value is None:
        return None, None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return datetime.combine(value, time(), UTC), None
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            if len(text) == 10:
                return datetime.combine(date.fromisoformat(text), time(), UTC), None
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None, _FORMAT
    else:
        return None, _FORMAT
    if moment.tzinfo is None or moment.utcoffset() is None:
        return None, "needs a timezone: end the time with Z (UTC) or an offset such as +03:00"
    return moment.astimezone(UTC), None


_FORMAT = (
    "must be a date (2027-01-01, meaning 00:00 UTC) or a date and time with its offset "
    "(2027-01-01T09:00+03:00, 2027-01-01T06:00Z)"
)


def live_at(publish_after: datetime | None, expires: datetime | None, moment: datetime) -> bool:
    """Whether a unit with this window may be in a release built at `moment`."""
    if publish_after is not None and publish_after > moment:
        return False
    return expires is None or expires > moment


def source_window(source: str) -> tuple[datetime | None, datetime | None]:
    """(publish_after, expires) of a stored unit's source text (validated when it was saved):
    revision rows keep no column for them. Costs a substring test for the many units without
    one; only the lines naming them are parsed."""
    if "publish_after:" not in source and "expires:" not in source:
        return None, None
    head = source.split("\n---", 1)[0]
    found: dict[str, Any] = {}
    for match in _LINE.finditer(head):
        loaded = yaml.safe_load(match.group(0))
        if isinstance(loaded, dict):
            found.update(loaded)
    publish_after, _ = parse_moment(found.get("publish_after"))
    expires, _ = parse_moment(found.get("expires"))
    return publish_after, expires
