"""Whether units are verified: each unit's period, its last verification and when it is due.

A unit with a period (kb.verification.policy) is unverified once its last verification, or,
never verified, its first revision, is older than the period. Reading only: the writes are in
kb.verification.actions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from kb.content.document import UnitDocument
from kb.store.models import UnitRevision
from kb.store.verification_models import UnitVerification
from kb.verification.policy import VerificationPolicy

__all__ = ["VerificationState", "latest_verifications", "verification_states"]

Key = tuple[str, str]


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso(moment: datetime | None) -> str | None:
    """An ISO 8601 UTC time ending in Z, as the API and webhooks write them, or None."""
    if moment is None:
        return None
    return aware(moment).astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class VerificationState:
    """One unit's verification: its period (None: off), the last verification, and whether
    the period has run out (`unverified`, since `due_at`)."""

    unit_id: str
    locale: str
    owner: str | None
    verify_every: int | None
    #: Where the period comes from: `unit` (its front matter), `category`, or None (off).
    rule: str | None
    last_verified_at: datetime | None
    verified_by: str | None
    verified_revision: int | None
    #: What the period counts from: the last verification, else the unit's first revision.
    since: datetime | None
    due_at: datetime | None
    unverified: bool

    @property
    def key(self) -> Key:
        """(id, locale) of the unit."""
        return (self.unit_id, self.locale)

    def to_json(self) -> dict[str, Any]:
        """The state as the API and `--json` give it (times in ISO 8601 UTC)."""
        return {
            "unit_id": self.unit_id,
            "locale": self.locale,
            "owner": self.owner,
            "verify_every": self.verify_every,
            "rule": self.rule,
            "last_verified_at": iso(self.last_verified_at),
            "verified_by": self.verified_by,
            "verified_revision": self.verified_revision,
            "due_at": iso(self.due_at),
            "unverified": self.unverified,
        }


def latest_verifications(session: Session, keys: Iterable[Key]) -> dict[Key, UnitVerification]:
    """The newest verification of each unit in `keys` that has one."""
    wanted = set(keys)
    if not wanted:
        return {}
    ids = [i for i in session.scalars(_newest_ids(wanted)) if i is not None]
    rows = session.scalars(select(UnitVerification).where(UnitVerification.id.in_(ids)))  # type: ignore[union-attr]
    return {(r.unit_id, r.locale): r for r in rows}


def _newest_ids(keys: set[Key]) -> Any:
    """The query for the newest verification id per unit, narrowed to one unit when asked."""
    query = select(func.max(UnitVerification.id)).group_by(
        UnitVerification.unit_id, UnitVerification.locale
    )
    if len(keys) == 1:
        ((unit_id, locale),) = keys
        query = query.where(UnitVerification.unit_id == unit_id, UnitVerification.locale == locale)
    return query


def _first_revisions(session: Session, keys: set[Key]) -> dict[Key, datetime]:
    """When each unit in `keys` was first saved (a unit never verified is due from then)."""
    query = select(UnitRevision.unit_id, UnitRevision.locale, func.min(UnitRevision.created_at))
    if len(keys) == 1:
        ((unit_id, locale),) = keys
        query = query.where(UnitRevision.unit_id == unit_id, UnitRevision.locale == locale)
    query = query.group_by(UnitRevision.unit_id, UnitRevision.locale)
    return {(u, loc): aware(at) for u, loc, at in session.execute(query) if (u, loc) in keys}


def verification_states(
    session: Session,
    documents: Sequence[UnitDocument],
    policy: VerificationPolicy,
    now: datetime,
) -> list[VerificationState]:
    """The state of each unit in `documents`, in their order; two queries however many."""
    periods = {d.key: policy.days_for(d) for d in documents}
    keys = {d.key for d in documents}
    latest = latest_verifications(session, keys)
    timed = {k for k, (days, _) in periods.items() if days is not None}
    first = _first_revisions(session, timed - set(latest)) if timed - set(latest) else {}
    states = []
    for doc in documents:
        days, rule = periods[doc.key]
        last = latest.get(doc.key)
        last_at = aware(last.verified_at) if last else None
        since = last_at or first.get(doc.key)
        due = since + timedelta(days=days) if days is not None and since is not None else None
        states.append(
            VerificationState(
                unit_id=doc.id,
                locale=doc.locale,
                owner=doc.owner,
                verify_every=days,
                rule=rule,
                last_verified_at=last_at,
                verified_by=last.verified_by if last else None,
                verified_revision=last.revision if last else None,
                since=since,
                due_at=due,
                unverified=due is not None and due <= now,
            )
        )
    return states
