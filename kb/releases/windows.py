"""Leave out of a release the units outside their window at the moment it is built: those
whose `publish_after` is still ahead and those whose `expires` has come
(kb.content.availability)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kb.store.snapshot import Snapshot

__all__ = ["Window", "within_window"]

Key = tuple[str, str]


@dataclass(frozen=True)
class Window:
    """What `within_window` found: the live snapshot, and the keys it left out and why."""

    live: Snapshot
    #: Units whose publish_after is after the moment: a release built later takes them.
    not_yet: tuple[Key, ...] = ()
    #: Units whose expires is at or before the moment: no release built now serves them.
    expired: tuple[Key, ...] = ()


def within_window(snapshot: Snapshot, moment: datetime) -> Window:
    """`snapshot` without the units a release built at `moment` may not serve."""
    not_yet: list[Key] = []
    expired: list[Key] = []
    for key, unit in snapshot.units.items():
        doc = unit.document
        if doc.publish_after is None and doc.expires is None:
            continue
        if doc.publish_after is not None and doc.publish_after > moment:
            not_yet.append(key)
        elif not doc.live_at(moment):
            expired.append(key)
    if not not_yet and not expired:
        return Window(snapshot)
    out = {*not_yet, *expired}
    units = {k: u for k, u in snapshot.units.items() if k not in out}
    live = Snapshot(snapshot.release, units, snapshot.snippets, snapshot.snippet_revision_ids)
    return Window(live, tuple(sorted(not_yet)), tuple(sorted(expired)))
