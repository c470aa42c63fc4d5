"""A revision's review: its steps (submitted, approved, changes requested, each with who, when
and a comment), the state they leave it in, and appending a step within the policy."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from sqlalchemy import select
from sqlmodel import Session, col

from kb.errors import KBError, RevisionNotFound, SnippetNotFound, UnitNotFound
from kb.review.policy import ReviewPolicy
from kb.store.models import ReleaseSnippet, ReleaseUnit, SnippetRevision, UnitRevision
from kb.store.review_models import ReviewEvent

__all__ = [
    "Kind",
    "ReviewRefused",
    "ReviewState",
    "ReviewStep",
    "Revision",
    "approve_restored",
    "change_authors",
    "check_step",
    "may_approve",
    "released_ids",
    "revision_row",
    "state_of",
    "steps_by_revision",
]

Kind = Literal["unit", "snippet"]
Revision = UnitRevision | SnippetRevision
Key = tuple[str, str]


class ReviewState(StrEnum):
    """Where a revision's review stands: its newest step, or draft when it has none."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"


class ReviewRefused(KBError):
    """A review step the policy forbids (approving one's own change under four-eyes) or that
    lacks what it needs (a request for changes without a comment); nothing was written."""


@dataclass(frozen=True)
class ReviewStep:
    """One step of a revision's review."""

    action: ReviewState
    actor: str
    comment: str
    at: datetime


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def state_of(steps: Sequence[ReviewStep]) -> ReviewState:
    """The state the steps leave a revision in: the newest one's action."""
    return steps[-1].action if steps else ReviewState.DRAFT


def steps_by_revision(
    session: Session, kind: Kind, ids: Iterable[int] | None = None
) -> dict[int, list[ReviewStep]]:
    """Revision id -> its review steps, oldest first (of `ids`, or of every revision)."""
    query = select(ReviewEvent).where(ReviewEvent.kind == kind).order_by(col(ReviewEvent.id))
    if ids is not None:
        query = query.where(col(ReviewEvent.revision_id).in_(list(ids)))
    found: dict[int, list[ReviewStep]] = {}
    for row in session.scalars(query):
        step = ReviewStep(ReviewState(row.action), row.actor, row.comment, _aware(row.at))
        found.setdefault(row.revision_id, []).append(step)
    return found


def _table(kind: Kind) -> type[UnitRevision] | type[SnippetRevision]:
    return UnitRevision if kind == "unit" else SnippetRevision


def _of_key(kind: Kind, name: str, locale: str):  # type: ignore[no-untyped-def]
    """The where-clause selecting every revision of one unit or snippet."""
    if kind == "unit":
        return (UnitRevision.unit_id == name, UnitRevision.locale == locale)
    return (SnippetRevision.name == name, SnippetRevision.locale == locale)


def revision_row(
    session: Session, kind: Kind, name: str, locale: str, number: int | None = None
) -> Revision:
    """A unit's or snippet's revision by number (None: its newest); NotFound errors say which."""
    table = _table(kind)
    query = select(table).where(*_of_key(kind, name, locale))
    if number is not None:
        query = query.where(table.number == number)
    row = session.scalars(query.order_by(col(table.number).desc()).limit(1)).first()
    if row is not None:
        return row
    what = f"unit '{name}'" if kind == "unit" else f"snippet '{name}'"
    exists = session.scalars(select(table.id).where(*_of_key(kind, name, locale))).first()
    if exists is None:
        missing = UnitNotFound if kind == "unit" else SnippetNotFound
        raise missing(f"no {what} in locale '{locale}'")
    raise RevisionNotFound(f"{what} ({locale}) has no revision {number}")


def released_ids(
    session: Session, kind: Kind, release: int | None, only: Key | None = None
) -> dict[Key, int]:
    """(id or name, locale) -> the revision id release `release` serves (none: empty), of
    every unit or snippet, or `only` of one."""
    if release is None:
        return {}
    table = ReleaseUnit if kind == "unit" else ReleaseSnippet
    name = ReleaseUnit.unit_id if kind == "unit" else ReleaseSnippet.name
    query = select(name, table.locale, table.revision_id).where(table.release_number == release)
    if only is not None:
        query = query.where(name == only[0], table.locale == only[1])
    return {(n, locale): revision_id for n, locale, revision_id in session.execute(query)}


def change_authors(
    session: Session, kind: Kind, row: Revision, released: int | None
) -> tuple[set[str], int]:
    """Who wrote the change `row` makes, and the revision number it starts from: every author
    of a revision after the newest one approved or released (`released`: the released one's
    id) up to `row`. Under four-eyes none of them may approve it."""
    name = row.unit_id if isinstance(row, UnitRevision) else row.name
    table = _table(kind)
    earlier = list(
        session.scalars(
            select(table)
            .where(*_of_key(kind, name, row.locale), table.number <= row.number)
            .order_by(col(table.number))
        )
    )
    steps = steps_by_revision(session, kind, [r.id for r in earlier if r.id is not None])
    base = 0
    for older in earlier[:-1]:
        if older.id == released or state_of(steps.get(older.id or 0, [])) is ReviewState.APPROVED:
            base = older.number
    return {r.author for r in earlier if r.number > base}, base


def may_approve(policy: ReviewPolicy, authors: Collection[str], actor: str) -> bool:
    """Whether the policy lets `actor` approve a change `authors` wrote (four-eyes: none of
    them may)."""
    return policy is not ReviewPolicy.FOUR_EYES or actor not in authors


def check_step(
    action: ReviewState, actor: str, comment: str, policy: ReviewPolicy, authors: set[str]
) -> None:
    """Refuse a step the policy forbids or that lacks its comment (ReviewRefused)."""
    if action is ReviewState.CHANGES_REQUESTED and not comment.strip():
        raise ReviewRefused("asking for changes needs a comment saying what to change")
    if action is ReviewState.APPROVED and not may_approve(policy, authors, actor):
        raise ReviewRefused(
            f"'{actor}' wrote this change and the review policy is four-eyes: "
            "someone else must approve it"
        )


def approve_restored(
    session: Session, items: Iterable[tuple[Kind, str, str, int]], *, actor: str, comment: str
) -> None:
    """Mark the draft revisions a rollback added (kind, name, locale, number) approved: they
    hold content a release served, and left unapproved the next release under review would
    take the newer approved revision back, undoing the rollback."""
    now = datetime.now(UTC)
    for kind, name, locale, number in items:
        row = revision_row(session, kind, name, locale, number)
        session.add(
            ReviewEvent(
                kind=kind,
                revision_id=row.id or 0,
                action=ReviewState.APPROVED.value,
                actor=actor,
                comment=comment,
                at=now,
            )
        )
    session.flush()
