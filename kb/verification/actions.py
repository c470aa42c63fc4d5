"""Verifying a unit (a row, never a new revision), one unit's state, and raising lapses.

`verify_unit` records who verified which unit, at which revision and release, with its audit
entry, in one transaction. `notify_unverified` runs on the scheduler's tick and queues the
`unit.unverified` webhook once per unit and due time (a `verification_notice` row remembers it).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from kb.content.document import UnitDocument
from kb.errors import KBError, UnitNotFound
from kb.settings import Settings
from kb.store.audit import record
from kb.store.db import Database
from kb.store.models import Release, UnitRevision
from kb.store.outbox import enqueue
from kb.store.revisions import current_release, newest_unit, to_document
from kb.store.snapshot import Snapshot
from kb.store.verification_models import UnitVerification, VerificationNotice
from kb.verification.policy import VerificationPolicy, load_policy
from kb.verification.state import VerificationState, aware, iso, verification_states

__all__ = [
    "NotOwner",
    "notify_unverified",
    "unit_verification",
    "unverified_units",
    "verify_unit",
]


class NotOwner(KBError):
    """A caller who may verify only the units they own asked to verify someone else's."""


class KnowledgeBaseLike(Protocol):
    """What the scheduler's job needs of a KnowledgeBase (kb.knowledge_base sits above)."""

    db: Database
    settings: Settings

    def current_release(self) -> Release | None:
        """The release served now."""

    def snapshot(self, number: int | None = None) -> Snapshot:
        """A release's content."""

    def drafts(self) -> Snapshot:
        """The newest revision of every unit."""


def _unit(session: Session, unit_id: str, locale: str) -> tuple[UnitRevision, UnitDocument]:
    """The unit's newest revision and its document, whose `owner`, `category` and
    `verify_every` apply at once: verifying and its period need no release."""
    head = newest_unit(session, unit_id, locale)
    if head is None or head.archived:
        raise UnitNotFound(f"no unit '{unit_id}' in locale '{locale}' to verify")
    return head, to_document(head)


def unit_verification(
    database: Database,
    unit_id: str,
    locale: str,
    policy: VerificationPolicy,
    now: datetime | None = None,
) -> VerificationState:
    """One unit's verification state (UnitNotFound for a unit that is not there)."""
    with database.read() as session:
        _head, document = _unit(session, unit_id, locale)
        (state,) = verification_states(session, [document], policy, now or datetime.now(UTC))
    return state


def verify_unit(
    database: Database,
    unit_id: str,
    locale: str,
    *,
    actor: str,
    policy: VerificationPolicy,
    owner_only: bool = False,
    now: datetime | None = None,
) -> VerificationState:
    """Record that `actor` verified the unit now, at its newest revision and the current
    release, with the audit entry `unit.verified`; no revision is added. `owner_only`: the
    actor must be the unit's `owner` (NotOwner otherwise)."""
    moment = now or datetime.now(UTC)
    with database.write() as session:
        head, document = _unit(session, unit_id, locale)
        if owner_only and document.owner != actor:
            owner = f"'{document.owner}'" if document.owner else "nobody"
            raise NotOwner(f"unit '{unit_id}' ({locale}) is owned by {owner}, not '{actor}'")
        release = current_release(session)
        number = release.number if release else None
        session.add(
            UnitVerification(
                unit_id=unit_id,
                locale=locale,
                revision=head.number,
                release=number,
                verified_by=actor,
                verified_at=moment,
            )
        )
        record(
            session,
            actor=actor,
            action="unit.verified",
            object_kind="unit",
            object_id=unit_id,
            locale=locale,
            detail={"revision": head.number, "release": number},
        )
        session.flush()
        (state,) = verification_states(session, [document], policy, moment)
    return state


def unverified_units(
    database: Database,
    snapshot: Snapshot,
    drafts: Snapshot,
    policy: VerificationPolicy,
    now: datetime,
) -> list[VerificationState]:
    """The units of `snapshot` (a release, or the drafts) whose period has run out, each
    judged by its newest draft's `owner`, `category` and `verify_every` (as verifying is)."""
    documents = [drafts.units.get(u.key, u).document for u in snapshot.iter_units()]
    if not any(policy.days_for(d)[0] for d in documents):
        return []
    with database.read() as session:
        states = verification_states(session, documents, policy, now)
    return [s for s in states if s.unverified]


def notify_unverified(kb: KnowledgeBaseLike, now: datetime) -> int:
    """Queue `unit.unverified` for each unit of the current release whose period ran out and
    was not raised for this due time yet; how many were raised. Runs on the scheduler's tick
    (kb.scheduling): however often it runs, a lapse is raised once, until the next one."""
    if kb.current_release() is None:
        return 0
    drafts = kb.drafts()
    documents = [drafts.units.get(u.key, u).document for u in kb.snapshot().iter_units()]
    policy = load_policy(kb.settings.data_dir)
    if not any(policy.days_for(d)[0] for d in documents):
        return 0
    try:
        with kb.db.write() as session:
            states = verification_states(session, documents, policy, now)
            return _raise_lapses(session, [s for s in states if s.unverified], now)
    except IntegrityError:
        return 0  # another process raised the same lapses at the same moment


def _raise_lapses(session: Session, lapsed: list[VerificationState], now: datetime) -> int:
    """A notice and a webhook event for each lapse not raised before."""
    if not lapsed:
        return 0
    units = {s.unit_id for s in lapsed}
    raised = {
        (n.unit_id, n.locale, aware(n.due_at))
        for n in session.scalars(
            select(VerificationNotice).where(VerificationNotice.unit_id.in_(units))  # type: ignore[attr-defined]
        )
    }
    count = 0
    for state in lapsed:
        assert state.due_at is not None
        if (state.unit_id, state.locale, state.due_at) in raised:
            continue
        session.add(
            VerificationNotice(
                unit_id=state.unit_id, locale=state.locale, due_at=state.due_at, raised_at=now
            )
        )
        enqueue(
            session,
            "unit.unverified",
            {
                "unit_id": state.unit_id,
                "locale": state.locale,
                "owner": state.owner,
                "verify_every_days": state.verify_every,
                "last_verified_at": iso(state.last_verified_at),
                "due_at": iso(state.due_at),
            },
        )
        count += 1
    session.flush()
    return count
