"""The drafts as editors see them, kept in memory and brought up to date from new revisions only.

Revisions are insert-only, so the highest row id and the number of rows of each revision table
say whether anything was saved since: a stamp that costs two small queries. When it moved, only
the rows added since are read and applied, unless the count shows that a row with a lower id
arrived late (concurrent transactions on PostgreSQL commit out of id order); then everything is
read again. The editor's preview and overview call this as someone types, and a full read of
ten thousand units takes most of a second.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from types import MappingProxyType
from typing import TypeVar

from sqlalchemy import func, select
from sqlmodel import Session, col

from kb.store.models import SnippetRevision, UnitRevision
from kb.store.revisions import head_snippets, head_units, to_snippet, to_stored
from kb.store.snapshot import Snapshot, StoredUnit

__all__ = [
    "DraftState",
    "DraftUnit",
    "Stamp",
    "UnitStatus",
    "load_drafts",
    "refresh_drafts",
    "stamp",
    "unit_statuses",
]

Key = tuple[str, str]
_Row = TypeVar("_Row", UnitRevision, SnippetRevision)


@dataclass(frozen=True)
class Stamp:
    """Highest id and row count of each revision table: it changes with every save."""

    unit_max: int
    unit_count: int
    snippet_max: int
    snippet_count: int


@dataclass(frozen=True)
class DraftUnit:
    """A unit's newest revision, archived or not."""

    unit: StoredUnit
    archived: bool


@dataclass(frozen=True)
class DraftState:
    """Every unit's and snippet's newest revision at one stamp, and the drafts snapshot of them."""

    stamp: Stamp
    units: Mapping[Key, DraftUnit]
    snippet_rows: Mapping[Key, SnippetRevision]
    #: What the next release would contain: archived units and snippets left out. One object
    #: per state, so what is derived from it can be remembered by its identity.
    snapshot: Snapshot

    @cached_property
    def snippet_users(self) -> Mapping[Key, tuple[str, ...]]:
        """(snippet name, locale) -> ids of the draft units in that locale that use it, sorted."""
        users: dict[Key, list[str]] = {}
        for unit in self.snapshot.iter_units():
            doc = unit.document
            for name in doc.snippet_names:
                users.setdefault((name, doc.locale), []).append(doc.id)
        return MappingProxyType({k: tuple(sorted(v)) for k, v in users.items()})


def stamp(session: Session) -> Stamp:
    """The revision tables' stamp now."""
    units = session.execute(select(func.max(UnitRevision.id), func.count(UnitRevision.id))).one()
    snippets = session.execute(
        select(func.max(SnippetRevision.id), func.count(SnippetRevision.id))
    ).one()
    return Stamp(units[0] or 0, units[1], snippets[0] or 0, snippets[1])


def _state(
    now: Stamp, units: dict[Key, DraftUnit], snippet_rows: dict[Key, SnippetRevision]
) -> DraftState:
    live = {k: r for k, r in snippet_rows.items() if not r.archived}
    snapshot = Snapshot(
        release=None,
        units={k: u.unit for k, u in units.items() if not u.archived},
        snippets={k: to_snippet(r) for k, r in live.items()},
        snippet_revision_ids={k: r.id for k, r in live.items() if r.id is not None},
    )
    return DraftState(now, MappingProxyType(units), MappingProxyType(snippet_rows), snapshot)


def load_drafts(session: Session) -> DraftState:
    """Read every head revision (the stamp first: rows saved meanwhile only make it older)."""
    now = stamp(session)
    units = {k: DraftUnit(to_stored(r), r.archived) for k, r in head_units(session).items()}
    return _state(now, units, head_snippets(session))


def refresh_drafts(session: Session, state: DraftState | None) -> DraftState:
    """`state` if nothing was saved since, else a state with the revisions added since applied."""
    now = stamp(session)
    if state is not None and now == state.stamp:
        return state
    if state is None or now.unit_max < state.stamp.unit_max:
        return load_drafts(session)
    old = state.stamp
    unit_rows = _added(session, UnitRevision, old.unit_max, now.unit_max)
    snippet_rows = _added(session, SnippetRevision, old.snippet_max, now.snippet_max)
    if (old.unit_count + len(unit_rows), old.snippet_count + len(snippet_rows)) != (
        now.unit_count,
        now.snippet_count,
    ):
        return load_drafts(session)  # a row committed late with a lower id: read it all again
    units = dict(state.units)
    for row in unit_rows:
        head = units.get((row.unit_id, row.locale))
        if head is None or row.number > head.unit.revision:
            units[(row.unit_id, row.locale)] = DraftUnit(to_stored(row), row.archived)
    snippets = dict(state.snippet_rows)
    for snippet in snippet_rows:
        known = snippets.get((snippet.name, snippet.locale))
        if known is None or snippet.number > known.number:
            snippets[(snippet.name, snippet.locale)] = snippet
    return _state(now, units, snippets)


def _added(session: Session, table: type[_Row], after: int, upto: int) -> list[_Row]:
    """Rows of `table` with ids in (after, upto], in id order."""
    column = col(table.id)
    return list(
        session.scalars(select(table).where(column > after, column <= upto).order_by(column))
    )


@dataclass(frozen=True)
class UnitStatus:
    """Where a draft unit stands against the live release."""

    unit: StoredUnit
    archived: bool
    #: The revision the current release serves, or None when it serves none.
    published_revision: int | None
    #: Publishing now would change what customers get: new, edited or archived since.
    changed: bool
    stale: bool


def unit_statuses(state: DraftState, live: Snapshot | None, today: date) -> list[UnitStatus]:
    """Every draft unit, archived ones too, against the `live` release; by locale and id.

    Changes are compared by content, as publishing does: a unit edited and edited back is
    unchanged.
    """
    statuses = []
    for key in sorted(state.units, key=lambda k: (k[1], k[0])):
        draft = state.units[key]
        published = live.units.get(key) if live is not None else None
        if published is None:
            changed = True
        else:
            changed = draft.archived or published.content_hash != draft.unit.content_hash
        statuses.append(
            UnitStatus(
                unit=draft.unit,
                archived=draft.archived,
                published_revision=published.revision if published is not None else None,
                changed=changed,
                stale=draft.unit.document.is_stale(today),
            )
        )
    return statuses
