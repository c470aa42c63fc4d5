"""What a release takes when changes need approval: per unit and snippet, the newest revision
approved or already released, and the list of what waits."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from kb.review.policy import ReviewPolicy, ReviewRule
from kb.review.steps import (
    Kind,
    ReviewState,
    ReviewStep,
    Revision,
    released_ids,
    state_of,
    steps_by_revision,
)
from kb.store.models import SnippetRevision, UnitRevision
from kb.store.revisions import (
    current_release,
    head_snippets,
    head_units,
    to_document,
    to_snippet,
    to_stored,
)
from kb.store.snapshot import Snapshot

__all__ = ["ApprovedChange", "ReviewSummary", "WaitingChange", "reviewed_drafts", "snippet_users"]

Key = tuple[str, str]
#: Ids per query when reading revisions by id (well under every database's parameter limit).
_IDS_PER_QUERY = 500


@dataclass(frozen=True)
class ApprovedChange:
    """A revision the release takes because it was approved (newer than the one released)."""

    kind: Kind
    name: str
    locale: str
    revision: int
    author: str
    approved_by: str
    approved_at: datetime
    comment: str


@dataclass(frozen=True)
class WaitingChange:
    """A unit's or snippet's newest revision that the release does not take: not approved."""

    kind: Kind
    name: str
    locale: str
    revision: int
    author: str
    state: ReviewState
    #: The revision the release takes instead (approved or released), or None: left out.
    taken: int | None
    #: For a snippet: the units in its locale that use it (their output waits with it).
    affected_units: tuple[Key, ...] = ()
    #: For a unit: the snippets it uses whose own change waits, so it waits for them too.
    waits_for: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReviewSummary:
    """What a release under review takes that was approved, and what waits."""

    approved: tuple[ApprovedChange, ...] = ()
    waiting: tuple[WaitingChange, ...] = ()


def approved_fields(change: ApprovedChange) -> dict[str, Any]:
    """An approved change as plain fields: what the API's body and `--json` both show."""
    return {
        "kind": change.kind,
        "id": change.name,
        "locale": change.locale,
        "revision": change.revision,
        "author": change.author,
        "approved_by": change.approved_by,
        "approved_at": change.approved_at,
        "comment": change.comment,
    }


def waiting_fields(change: WaitingChange, unit: Callable[[Key], object]) -> dict[str, Any]:
    """A waiting change as plain fields; `unit` writes each affected unit (id, locale) as its
    reader takes it (the API a pair, `--json` an object)."""
    return {
        "kind": change.kind,
        "id": change.name,
        "locale": change.locale,
        "revision": change.revision,
        "author": change.author,
        "state": change.state.value,
        "taken_revision": change.taken,
        "affected_units": [unit(k) for k in change.affected_units],
        "waits_for": list(change.waits_for),
    }


def summary_fields(summary: ReviewSummary, unit: Callable[[Key], object]) -> dict[str, Any]:
    """A release's review summary as plain fields: `approved` and `waiting`."""
    return {
        "approved": [approved_fields(c) for c in summary.approved],
        "waiting": [waiting_fields(c, unit) for c in summary.waiting],
    }


def snippet_users(units: Iterable[UnitRevision]) -> dict[Key, tuple[Key, ...]]:
    """(snippet name, locale) -> the units (id, locale) among `units` that use it, sorted."""
    users: dict[Key, set[Key]] = {}
    for row in units:
        for name in to_document(row).snippet_names:
            users.setdefault((name, row.locale), set()).add((row.unit_id, row.locale))
    return {k: tuple(sorted(v)) for k, v in users.items()}


def _rows_by_id(session: Session, table: type[Revision], ids: set[int]) -> dict[int, Revision]:
    found: dict[int, Revision] = {}
    wanted = sorted(ids)
    for start in range(0, len(wanted), _IDS_PER_QUERY):
        chunk = wanted[start : start + _IDS_PER_QUERY]
        for row in session.scalars(select(table).where(col(table.id).in_(chunk))):
            found[row.id or 0] = row
    return found


@dataclass
class _Choice:
    """Per kind: the heads, the revisions released, and the steps of every reviewed revision."""

    kind: Kind
    heads: Mapping[Key, Revision]
    released: dict[Key, int]
    steps: dict[int, list[ReviewStep]]
    rows: dict[int, Revision]
    #: The approved revisions of each key.
    approved: dict[Key, list[Revision]]

    def taken(self, key: Key, policy: ReviewPolicy) -> Revision | None:
        """The revision a release takes: the head when review is off for it, else the newest
        approved or released one."""
        head = self.heads[key]
        if policy is ReviewPolicy.OFF:
            return head
        candidates = list(self.approved.get(key, ()))
        released = self.rows.get(self.released.get(key, -1))
        if released is not None:
            candidates.append(released)
        return max(candidates, key=lambda r: r.number, default=None)

    def _approved(self, row: Revision) -> bool:
        return state_of(self.steps.get(row.id or 0, [])) is ReviewState.APPROVED

    def approval(self, row: Revision) -> ApprovedChange | None:
        """The approval of `row` if the release takes it newly approved (not as released)."""
        if not self._approved(row) or self.released.get(_key(row)) == row.id:
            return None
        step = self.steps[row.id or 0][-1]
        name, locale = _key(row)
        return ApprovedChange(
            self.kind, name, locale, row.number, row.author, step.actor, step.at, step.comment
        )

    def waiting(self, key: Key, taken: Revision | None) -> WaitingChange | None:
        """The head, if the release does not take it (nor the same content)."""
        head = self.heads[key]
        if taken is not None and (taken.id == head.id or _same(taken, head)):
            return None
        if taken is None and head.archived:
            return None  # withdrawn before it was ever published: nothing waits
        state = state_of(self.steps.get(head.id or 0, []))
        number = taken.number if taken is not None else None
        return WaitingChange(self.kind, key[0], key[1], head.number, head.author, state, number)


def _key(row: Revision) -> Key:
    return (row.unit_id, row.locale) if isinstance(row, UnitRevision) else (row.name, row.locale)


def _same(a: Revision, b: Revision) -> bool:
    return a.content_hash == b.content_hash and a.archived == b.archived


def _choice(
    session: Session, kind: Kind, heads: Mapping[Key, Revision], base: int | None
) -> _Choice:
    released = released_ids(session, kind, base)
    steps = steps_by_revision(session, kind)
    approved = {i for i, s in steps.items() if state_of(s) is ReviewState.APPROVED}
    table = UnitRevision if kind == "unit" else SnippetRevision
    rows = _rows_by_id(session, table, approved | set(released.values()))
    by_key: dict[Key, list[Revision]] = {}
    for revision_id in approved:
        if (row := rows.get(revision_id)) is not None:
            by_key.setdefault(_key(row), []).append(row)
    return _Choice(kind, heads, released, steps, rows, by_key)


def reviewed_drafts(session: Session, rule: ReviewRule) -> tuple[Snapshot, ReviewSummary]:
    """What the next release takes under `rule` (archived items left out), and the summary.

    A unit or snippet whose policy is off goes out at its newest revision, as without review.
    Otherwise the release takes its newest approved revision, or keeps the one the current
    release serves when that is newer or nothing was approved: turning review on never
    withdraws what customers already see, and a new unit waits until it is approved.
    """
    base_row = current_release(session)
    base = base_row.number if base_row else None
    unit_heads = head_units(session)
    units = _choice(session, "unit", unit_heads, base)
    snippets = _choice(session, "snippet", head_snippets(session), base)
    released_units = {k: units.rows.get(i) for k, i in units.released.items()}
    approved: list[ApprovedChange] = []
    waiting: list[WaitingChange] = []
    taken_units: dict[Key, UnitRevision] = {}
    for key, head in sorted(unit_heads.items()):
        before = released_units.get(key)
        policy = rule.for_categories([head.category, before.category if before else None])
        taken = units.taken(key, policy)
        _note(units, key, taken, approved, waiting, ())
        if isinstance(taken, UnitRevision) and not taken.archived:
            taken_units[key] = taken
    users = snippet_users(unit_heads.values())
    taken_snippets: dict[Key, SnippetRevision] = {}
    for key in sorted(snippets.heads):
        used_by = users.get(key, ())
        policy = rule.for_categories([None, *(unit_heads[k].category for k in used_by)])
        taken = snippets.taken(key, policy)
        _note(snippets, key, taken, approved, waiting, used_by)
        if isinstance(taken, SnippetRevision) and not taken.archived:
            taken_snippets[key] = taken
    _hold_back_unresolved(units, snippets.heads, taken_units, taken_snippets, approved, waiting)
    waiting.sort(key=lambda w: (w.kind != "unit", w.locale, w.name))
    snapshot = Snapshot(
        release=None,
        units={k: to_stored(r) for k, r in taken_units.items()},
        snippets={k: to_snippet(r) for k, r in taken_snippets.items()},
        snippet_revision_ids={k: r.id for k, r in taken_snippets.items() if r.id is not None},
    )
    return snapshot, ReviewSummary(tuple(approved), tuple(waiting))


def _note(
    choice: _Choice,
    key: Key,
    taken: Revision | None,
    approved: list[ApprovedChange],
    waiting: list[WaitingChange],
    affected: tuple[Key, ...],
) -> None:
    """Add the key's approval and what of it waits to the summary's lists."""
    if taken is not None and (approval := choice.approval(taken)) is not None:
        approved.append(approval)
    if (wait := choice.waiting(key, taken)) is not None:
        waiting.append(WaitingChange(**{**wait.__dict__, "affected_units": affected}))


def _hold_back_unresolved(
    units: _Choice,
    snippet_heads: Mapping[Key, Revision],
    taken_units: dict[Key, UnitRevision],
    taken_snippets: Mapping[Key, SnippetRevision],
    approved: list[ApprovedChange],
    waiting: list[WaitingChange],
) -> None:
    """A unit approved with a snippet whose own change still waits (a new snippet, say) cannot
    go out without it: it keeps its released revision (or stays out) and waits for the snippet,
    instead of failing the release's checks for everyone else's changes."""

    def missing(row: UnitRevision) -> tuple[str, ...]:
        names = to_document(row).snippet_names
        return tuple(
            sorted(
                n
                for n in names
                if (n, row.locale) not in taken_snippets and (n, row.locale) in snippet_heads
            )
        )

    for key, row in list(taken_units.items()):
        released = units.released.get(key)
        if released == row.id or not (needs := missing(row)):
            continue
        fallback = units.rows.get(released) if released is not None else None
        if isinstance(fallback, UnitRevision) and not fallback.archived and not missing(fallback):
            taken_units[key] = fallback
        else:
            del taken_units[key]
        approved[:] = [c for c in approved if (c.kind, c.name, c.locale) != ("unit", *key)]
        waiting[:] = [w for w in waiting if (w.kind, w.name, w.locale) != ("unit", *key)]
        head = units.heads[key]
        state = state_of(units.steps.get(head.id or 0, []))
        kept = taken_units[key].number if key in taken_units else None
        waiting.append(
            WaitingChange("unit", key[0], key[1], head.number, head.author, state, kept, (), needs)
        )
