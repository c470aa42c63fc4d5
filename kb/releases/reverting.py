"""After a rollback to release N, the drafts it changed go back to N's content, so the next
publish does not silently send the rolled-back change out again.

Revisions are insert-only: a reverted draft is a new revision holding release N's content
(message "reverted by rollback to N"), and what the drafts held before stays in the history.
A unit or snippet that release N does not have is archived as a draft, which is how the
drafts say "not in the next release".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlmodel import Session

from kb.store.revisions import (
    newest_snippet,
    newest_unit,
    save_snippet,
    save_unit,
    to_document,
    to_snippet,
)
from kb.store.snapshot import Snapshot

__all__ = ["RolledBackDraft", "revert_message", "settle_drafts"]

Key = tuple[str, str]


@dataclass(frozen=True)
class RolledBackDraft:
    """A draft that a rollback changed and that was not at the restored release's content."""

    kind: Literal["unit", "snippet"]
    name: str
    locale: str
    #: The new draft revision holding the restored release's content; None when the drafts
    #: were kept (`keep_drafts`), so the next publish brings this change back.
    revision: int | None
    #: Whether the restored release has it; False means the draft is (or would be) archived.
    in_release: bool


def revert_message(to: int, release: int) -> str:
    """The message of a draft revision a rollback adds."""
    return f"reverted by rollback to {to} (release {release})"


def settle_drafts(
    session: Session,
    units: Iterable[Key],
    snippets: Iterable[Key],
    target: Snapshot,
    *,
    author: str,
    message: str,
    keep: bool,
) -> tuple[RolledBackDraft, ...]:
    """Bring the drafts of `units` and `snippets` (what a rollback changed) to `target`'s
    content, or with `keep` only list those that are not there; drafts already there are left."""
    done = [_settle_unit(session, key, target, author, message, keep) for key in sorted(units)]
    done += [
        _settle_snippet(session, key, target, author, message, keep) for key in sorted(snippets)
    ]
    return tuple(d for d in done if d is not None)


def _settle_unit(
    session: Session, key: Key, target: Snapshot, author: str, message: str, keep: bool
) -> RolledBackDraft | None:
    head = newest_unit(session, *key)
    assert head is not None  # the unit was in a release, so it has revisions
    wanted = target.units.get(key)
    if wanted is None:
        if head.archived:
            return None
        document, source, archived = to_document(head), head.source, True
    else:
        if not head.archived and head.content_hash == wanted.content_hash:
            return None
        document, source, archived = wanted.document, wanted.source, False
    saved = None
    if not keep:
        saved = save_unit(
            session, document, author=author, message=message, source=source, archived=archived
        )
    revision = saved.revision if saved is not None else None
    return RolledBackDraft("unit", key[0], key[1], revision, wanted is not None)


def _settle_snippet(
    session: Session, key: Key, target: Snapshot, author: str, message: str, keep: bool
) -> RolledBackDraft | None:
    head = newest_snippet(session, *key)
    assert head is not None
    wanted = target.snippets.get(key)
    if wanted is None:
        if head.archived:
            return None
        snippet, archived = to_snippet(head), True
    else:
        if not head.archived and head.content_hash == wanted.content_hash:
            return None
        snippet, archived = wanted, False
    saved = None
    if not keep:
        saved = save_snippet(session, snippet, author=author, message=message, archived=archived)
    revision = saved.revision if saved is not None else None
    return RolledBackDraft("snippet", key[0], key[1], revision, wanted is not None)
