"""Which changes about to be published were rolled back before, so a publish can say so.

A rollback release M (equal to an older release) undid, for every unit and snippet it
changed, the state that release M-1 served: that content, or that the item was absent. A
change now planned that would bring one of those states back is named with M.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Literal

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from kb.store.models import Release, ReleaseSnippet, ReleaseUnit, SnippetRevision, UnitRevision

__all__ = ["RolledBackChange", "rolled_back_changes"]

Key = tuple[str, str]
#: (name, locale) -> the content hash a release would serve, None for "not in the release".
States = Mapping[Key, str | None]


@dataclass(frozen=True)
class RolledBackChange:
    """A planned change that restores what rollback release `release` took away."""

    kind: Literal["unit", "snippet"]
    name: str
    locale: str
    #: The rollback release that undid this very change.
    release: int
    #: The release that rollback restored.
    rollback_of: int
    #: The change is a removal (the rollback had brought the item back).
    removal: bool
    code: ClassVar[str] = "rolled-back"

    @property
    def blocking(self) -> bool:
        """Publishing it again may be meant (the change was fixed elsewhere), so only warn."""
        return False

    @property
    def unit_id(self) -> str | None:
        """The unit it is about; None for a snippet, which the message names."""
        return self.name if self.kind == "unit" else None

    @property
    def message(self) -> str:
        """What it says without where (a snippet is named, having no unit to stand under)."""
        if self.kind == "unit":
            return self._said("removing it" if self.removal else "this change")
        snippet = f"snippet {self.name}"
        return self._said(f"removing {snippet}" if self.removal else f"this change to {snippet}")

    def __str__(self) -> str:
        what = "snippet " if self.kind == "snippet" else ""
        said = self._said("removing it" if self.removal else "this change")
        return f"warning: {what}{self.name} {self.locale}: {said} [{self.code}]"

    def _said(self, change: str) -> str:
        return (
            f"{change} was rolled back in release {self.release} (rollback to "
            f"{self.rollback_of}); publishing brings it back"
        )


def rolled_back_changes(
    session: Session, units: States, snippets: States
) -> list[RolledBackChange]:
    """The planned `units` and `snippets` states that some rollback undid (the newest one)."""
    found: list[RolledBackChange] = []
    if units:
        found += _matches("unit", units, _undone(session, ReleaseUnit, UnitRevision, "unit_id"))
    if snippets:
        undone = _undone(session, ReleaseSnippet, SnippetRevision, "name")
        found += _matches("snippet", snippets, undone)
    return found


def _matches(
    kind: Literal["unit", "snippet"],
    planned: States,
    undone: Mapping[tuple[Key, str | None], tuple[int, int]],
) -> list[RolledBackChange]:
    found = []
    for key in sorted(planned):
        state = planned[key]
        hit = undone.get((key, state))
        if hit is not None:
            found.append(RolledBackChange(kind, *key, *hit, removal=state is None))
    return found


def _undone(
    session: Session,
    member: type[ReleaseUnit] | type[ReleaseSnippet],
    revision: type[UnitRevision] | type[SnippetRevision],
    name: str,
) -> dict[tuple[Key, str | None], tuple[int, int]]:
    """(key, state) -> (rollback release, release it restored), for every state a rollback
    release took away from the release before it; the newest rollback wins."""
    before, after = aliased(member), aliased(member)
    rev_before, rev_after = aliased(revision), aliased(revision)
    rollbacks = col(Release.rollback_of).is_not(None)

    def same_key(a: type, b: type) -> object:
        return and_(getattr(a, name) == getattr(b, name), a.locale == b.locale)

    replaced = (  # served before the rollback, gone or different after it
        select(getattr(before, name), before.locale, rev_before.content_hash, Release.number)
        .add_columns(Release.rollback_of)
        .select_from(Release)
        .join(before, before.release_number == Release.number - 1)
        .join(rev_before, rev_before.id == before.revision_id)
        .outerjoin(after, and_(after.release_number == Release.number, same_key(after, before)))
        .outerjoin(rev_after, rev_after.id == after.revision_id)
        .where(
            rollbacks,
            or_(rev_after.id.is_(None), rev_after.content_hash != rev_before.content_hash),
        )
    )
    restored = (  # absent before the rollback, brought back by it: its removal was undone
        select(getattr(after, name), after.locale, Release.number, Release.rollback_of)
        .select_from(Release)
        .join(after, after.release_number == Release.number)
        .outerjoin(
            before, and_(before.release_number == Release.number - 1, same_key(before, after))
        )
        .where(rollbacks, before.revision_id.is_(None))
    )
    undone: dict[tuple[Key, str | None], tuple[int, int]] = {}
    rows = [(n, loc, h, r, of) for n, loc, h, r, of in session.execute(replaced)]
    rows += [(n, loc, None, r, of) for n, loc, r, of in session.execute(restored)]
    for item, locale, state, number, rollback_of in sorted(rows, key=lambda row: row[3]):
        undone[((item, locale), state)] = (number, rollback_of)
    return undone
