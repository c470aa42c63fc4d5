"""Releases: what publishing would change, publishing it atomically, and rolling back."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Protocol

from sqlalchemy import insert
from sqlmodel import Session

from kb.content.snippets import SnippetDocument
from kb.errors import KBError, ReleaseNotFound, VersionConflict
from kb.releases.reverting import RolledBackDraft, revert_message, settle_drafts
from kb.releases.rolled_back import rolled_back_changes
from kb.releases.windows import within_window
from kb.review import ReviewRule, ReviewSummary, approve_restored, reviewed_drafts
from kb.store.audit import record
from kb.store.db import Database, announce_release
from kb.store.models import Release, ReleaseSnippet, ReleaseUnit
from kb.store.outbox import enqueue, release_data
from kb.store.revisions import current_release, draft_snapshot, release_snapshot
from kb.store.snapshot import Snapshot, StoredUnit

__all__ = [
    "GateFinding",
    "PublishBlocked",
    "PublishGate",
    "PublishPlan",
    "plan_changes",
    "publish",
    "rollback",
]

Key = tuple[str, str]


class GateFinding(Protocol):
    """Something a publishing check found; blocking findings stop the release."""

    @property
    def blocking(self) -> bool:
        """Whether this finding must be fixed before publishing."""
        ...

    #: A short name of the kind of finding ("unit-link", "routing-regression"...).
    code: str

    @property
    def unit_id(self) -> str | None:
        """The unit it is about, if one."""
        ...

    @property
    def locale(self) -> str | None:
        """The locale it is about, if one."""
        ...

    @property
    def message(self) -> str:
        """What it says, without where or its code: tools show those apart."""
        ...


#: A check run on exactly the content about to be released, before the write lock is taken.
PublishGate = Callable[[Snapshot], Sequence[GateFinding]]


class WriteClaim(Protocol):
    """Something a publish holds from before its release is written (the build lock of the
    machine's release folders: the other processes wait for this build, not make their own)."""

    def take(self) -> None:
        """Hold it (waiting for another holder)."""

    def give_back(self) -> None:
        """Let it go: this try wrote no release."""


class PublishBlocked(KBError):
    """The checks found errors in the drafts; nothing was published."""

    def __init__(self, findings: Sequence[GateFinding]) -> None:
        self.findings = tuple(findings)
        blocking = [f for f in self.findings if f.blocking]
        lines = "\n".join(f"  {f}" for f in blocking)
        super().__init__(f"publishing refused, {len(blocking)} error(s) to fix first:\n{lines}")


@dataclass(frozen=True)
class PublishPlan:
    """What a release made from `target` would change for customers, compared with `base`."""

    base_release: int | None
    added: tuple[Key, ...] = ()
    changed: tuple[Key, ...] = ()
    removed: tuple[Key, ...] = ()
    #: Units whose own text is unchanged but whose output changes through a snippet.
    affected_by_snippets: dict[Key, tuple[str, ...]] = field(default_factory=dict)
    snippets_added: tuple[Key, ...] = ()
    snippets_changed: tuple[Key, ...] = ()
    snippets_removed: tuple[Key, ...] = ()
    stale: tuple[Key, ...] = ()
    #: Units marked `draft: true`: left out of the release, however ready they look.
    held_back: tuple[Key, ...] = ()
    #: Units left out because the release is built before their publish_after, or at or after
    #: their expires (front matter; kb.releases.windows).
    not_yet: tuple[Key, ...] = ()
    expired: tuple[Key, ...] = ()
    release: int | None = None
    #: What the publishing checks reported (errors block a real publish, never a dry run).
    findings: tuple[GateFinding, ...] = ()
    #: After a rollback: the drafts it changed that were not at the restored content, reverted
    #: to it (a revision each) or, if the drafts were kept, left ahead of it.
    drafts: tuple[RolledBackDraft, ...] = ()
    #: Under review (KB_REVIEW_POLICY): what the release takes approved, and what waits.
    review: ReviewSummary | None = None

    @property
    def has_changes(self) -> bool:
        """False when a release would serve exactly what is served now."""
        return bool(
            self.added
            or self.changed
            or self.removed
            or self.snippets_added
            or self.snippets_changed
            or self.snippets_removed
        )

    @property
    def units_with_new_output(self) -> list[Key]:
        """Every unit whose output in some channel changes: edited, new, or via a snippet."""
        return sorted({*self.added, *self.changed, *self.affected_by_snippets})


def plan_changes(base: Snapshot | None, target: Snapshot, today: date) -> PublishPlan:
    """Compare two snapshots by content, so a re-saved but identical unit is not a change."""
    old_units = base.units if base else {}
    old_snippets = base.snippets if base else {}
    new_units, new_snippets = target.units, target.snippets

    def changed_keys(old: dict, new: dict) -> tuple[list[Key], list[Key], list[Key]]:  # type: ignore[type-arg]
        added = sorted(k for k in new if k not in old)
        removed = sorted(k for k in old if k not in new)
        changed = sorted(k for k in new if k in old and _hash(new[k]) != _hash(old[k]))
        return added, changed, removed

    added, changed, removed = changed_keys(dict(old_units), dict(new_units))
    s_added, s_changed, s_removed = changed_keys(dict(old_snippets), dict(new_snippets))
    touched = {*s_added, *s_changed, *s_removed}
    affected: dict[Key, tuple[str, ...]] = {}
    for key, unit in new_units.items():
        if key in old_units and key not in changed:
            names = sorted(n for n in unit.document.snippet_names if (n, key[1]) in touched)
            if names:
                affected[key] = tuple(names)
    return PublishPlan(
        base_release=base.number if base else None,
        added=tuple(added),
        changed=tuple(changed),
        removed=tuple(removed),
        affected_by_snippets=dict(sorted(affected.items())),
        snippets_added=tuple(s_added),
        snippets_changed=tuple(s_changed),
        snippets_removed=tuple(s_removed),
        stale=tuple(u.key for u in target.stale(today)),
    )


def _hash(item: StoredUnit | SnippetDocument) -> str:
    """Stored units carry the hash saved with their revision, so nothing is rehashed here."""
    return item.content_hash


#: How many times a publish checks the drafts again when another release was made meanwhile.
PUBLISH_ATTEMPTS = 3


def publish(
    database: Database,
    *,
    author: str,
    message: str,
    today: date,
    dry_run: bool = False,
    gate: PublishGate | None = None,
    claim: WriteClaim | None = None,
    now: datetime | None = None,
    on_release: Callable[[Session, int], None] | None = None,
    review: ReviewRule | None = None,
) -> PublishPlan:
    """Make the drafts release N+1, checked by `gate` first; a no-op if nothing changed.
    The release is built at `now` (default: the clock), leaving out units outside their
    window then; `on_release` runs in the transaction that writes it (a scheduled release
    marks itself published there, so it is published once or not at all).
    Under a `review` rule the drafts are the approved revisions (kb.review.reviewed_drafts).
    `claim` is taken before each try to write the release (holding no database lock) and
    given back when the try finds another release made meanwhile; the caller holds it on.

    The check (every unit rendered in every channel: seconds for thousands of units) reads one
    snapshot without the write lock, so that edits go on meanwhile; the lock is taken only to
    write the release, which is exactly the snapshot checked (its revisions), so an edit saved
    meanwhile stays a draft for the next publish and is never released unchecked. A release
    made meanwhile by another process means the plan compared with an old one (and releasing
    older drafts would undo it), so the drafts are checked again: refused after a few tries.
    """
    for _ in range(PUBLISH_ATTEMPTS):
        with database.read(consistent=True) as session:
            plan, target = _checked(session, today, gate, now or datetime.now(UTC), review)
        if dry_run or not plan.has_changes:
            return plan
        if any(f.blocking for f in plan.findings):
            raise PublishBlocked(plan.findings)
        if claim is not None:
            claim.take()
        with database.write(exclusive=True) as session:
            latest = current_release(session)
            if (latest.number if latest else None) == plan.base_release:
                number = _write_release(
                    session, target, author=author, message=message, rollback_of=None
                )
                _tell_webhooks(session, plan, number, author=author, message=message)
                if on_release is not None:
                    on_release(session, number)
                return _with_release(plan, number)
        if claim is not None:
            claim.give_back()  # the other release's build goes first; check against it
    raise VersionConflict(
        f"other releases were made while this one was being checked, {PUBLISH_ATTEMPTS} times "
        "in a row; nothing was published: publish again"
    )


def _checked(
    session: Session,
    today: date,
    gate: PublishGate | None,
    now: datetime,
    review: ReviewRule | None = None,
) -> tuple[PublishPlan, Snapshot]:
    """What releasing the drafts would change, with what the checks found, and the drafts."""
    base_row = current_release(session)
    base = release_snapshot(session, base_row.number) if base_row else None
    drafts, summary = (
        reviewed_drafts(session, review) if review else (draft_snapshot(session), None)
    )
    window = within_window(drafts.publishable(), now)
    target = window.live
    plan = replace(
        plan_changes(base, target, today),
        held_back=tuple(drafts.held_back()),
        not_yet=window.not_yet,
        expired=window.expired,
        review=summary,
    )
    if plan.has_changes:
        found = [*_rolled_back_before(session, plan, target), *(gate(target) if gate else ())]
        plan = replace(plan, findings=tuple(found))
    return plan, target


def _rolled_back_before(session: Session, plan: PublishPlan, target: Snapshot) -> list[GateFinding]:
    """Warnings for the planned changes that a rollback undid before."""
    units = {k: _state(target.units, k) for k in (*plan.added, *plan.changed, *plan.removed)}
    snippets = {
        k: _state(target.snippets, k)
        for k in (*plan.snippets_added, *plan.snippets_changed, *plan.snippets_removed)
    }
    return list(rolled_back_changes(session, units, snippets))


def _state(items: Mapping[Key, StoredUnit | SnippetDocument], key: Key) -> str | None:
    item = items.get(key)
    return _hash(item) if item is not None else None


def rollback(
    session: Session,
    to: int,
    *,
    author: str,
    message: str,
    today: date | None = None,
    keep_drafts: bool = False,
) -> PublishPlan:
    """Publish a new release whose content equals release `to`; history stays as it was.

    The drafts of what it changed go back to release `to`'s content (new revisions), so the
    next publish does not bring the change back; `keep_drafts` leaves them, and lists them.
    """
    base_row = current_release(session)
    if base_row is None:
        raise ReleaseNotFound("nothing has been published yet, so there is nothing to roll back")
    target = release_snapshot(session, to)
    if to == base_row.number:
        raise VersionConflict(f"release {to} is already the current release")
    plan = plan_changes(release_snapshot(session, base_row.number), target, today or date.today())
    number = _write_release(
        session,
        target,
        author=author,
        message=message or f"Roll back to release {to}",
        rollback_of=to,
    )
    _tell_webhooks(
        session,
        plan,
        number,
        author=author,
        message=message or f"Roll back to release {to}",
        rollback_of=to,
    )
    drafts = settle_drafts(
        session,
        (*plan.added, *plan.changed, *plan.removed),
        (*plan.snippets_added, *plan.snippets_changed, *plan.snippets_removed),
        target,
        author=author,
        message=revert_message(to, number),
        keep=keep_drafts,
    )
    restored = [(d.kind, d.name, d.locale, d.revision) for d in drafts if d.revision is not None]
    approve_restored(session, restored, actor=author, comment=f"restores release {to}")
    return replace(plan, release=number, drafts=drafts)


def _tell_webhooks(
    session: Session,
    plan: PublishPlan,
    number: int,
    *,
    author: str,
    message: str,
    rollback_of: int | None = None,
) -> None:
    """Queue release.published (or release.rolled_back) in the release's own transaction, so
    the webhooks tell of exactly the releases that commit."""
    event = "release.published" if rollback_of is None else "release.rolled_back"
    units = (*plan.units_with_new_output, *plan.removed)
    data = release_data(
        number,
        plan.base_release,
        author=author,
        message=message,
        units=units,
        rollback_of=rollback_of,
    )
    enqueue(session, event, data)


def _with_release(plan: PublishPlan, number: int) -> PublishPlan:
    return PublishPlan(**{**plan.__dict__, "release": number})


def _write_release(
    session: Session, target: Snapshot, *, author: str, message: str, rollback_of: int | None
) -> int:
    """Insert the release row and its members in one go; callers hold the exclusive lock."""
    latest = current_release(session)
    number = (latest.number if latest else 0) + 1
    session.add(
        Release(
            number=number,
            author=author,
            message=message,
            rollback_of=rollback_of,
            unit_count=len(target.units),
            snippet_count=len(target.snippets),
        )
    )
    session.flush()
    if target.units:
        session.execute(
            insert(ReleaseUnit),
            [
                {
                    "release_number": number,
                    "revision_id": u.revision_id,
                    "unit_id": k[0],
                    "locale": k[1],
                }
                for k, u in target.units.items()
            ],
        )
    if target.snippets:
        ids = target.snippet_revision_ids
        session.execute(
            insert(ReleaseSnippet),
            [
                {"release_number": number, "revision_id": ids[k], "name": k[0], "locale": k[1]}
                for k in target.snippets
            ],
        )
    announce_release(session, number)  # publish and rollback both: the servers switch at once
    record(
        session,
        actor=author,
        action="release.rolled_back" if rollback_of is not None else "release.published",
        object_kind="release",
        object_id=number,
        detail={"units": len(target.units), "snippets": len(target.snippets)}
        | ({"to": rollback_of} if rollback_of is not None else {}),
    )
    return number
