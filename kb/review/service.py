"""Reviewing changes: submit a revision, approve it or ask for changes (each step recorded in
the audit log and told to webhooks in its own transaction), read a review, and what waits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session

from kb.review.policy import ReviewPolicy, ReviewRule, review_rule
from kb.review.selection import ReviewSummary, WaitingChange, reviewed_drafts, snippet_users
from kb.review.steps import (
    Kind,
    ReviewState,
    ReviewStep,
    Revision,
    change_authors,
    check_step,
    may_approve,
    released_ids,
    revision_row,
    state_of,
    steps_by_revision,
)
from kb.settings import Settings
from kb.store.audit import record
from kb.store.db import Database
from kb.store.models import UnitRevision
from kb.store.outbox import enqueue
from kb.store.review_models import ReviewEvent
from kb.store.revisions import current_release, head_units

__all__ = ["Reviews", "RevisionReview"]

Key = tuple[str, str]
_AUDIT_ACTIONS = {
    ReviewState.SUBMITTED: "review.submitted",
    ReviewState.APPROVED: "review.approved",
    ReviewState.CHANGES_REQUESTED: "review.changes_requested",
}
_WEBHOOKS = {
    ReviewState.SUBMITTED: ("review.requested", "requested_by"),
    ReviewState.APPROVED: ("review.approved", "approved_by"),
}


@dataclass(frozen=True)
class RevisionReview:
    """One revision's review: its state and steps with their comments, the policy it falls
    under, who wrote the change (since `since`, the revision approved or released before it),
    and for a snippet the units whose output it changes."""

    kind: Kind
    name: str
    locale: str
    revision: int
    author: str
    message: str
    state: ReviewState
    steps: tuple[ReviewStep, ...]
    policy: ReviewPolicy
    change_authors: tuple[str, ...]
    since: int
    affected_units: tuple[Key, ...]

    @property
    def approved_by(self) -> str | None:
        """Who approved it, while it stands approved."""
        return self.steps[-1].actor if self.state is ReviewState.APPROVED else None

    def approvable_by(self, actor: str) -> bool:
        """Whether the policy lets `actor` approve this change (their role aside)."""
        return may_approve(self.policy, self.change_authors, actor)


def _name(row: Revision) -> str:
    return row.unit_id if isinstance(row, UnitRevision) else row.name


class Reviews:
    """The review steps of one knowledge base's revisions, under the configured policy."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self.db = database
        self.settings = settings

    def rule(self) -> ReviewRule:
        """The policy in force now (KB_REVIEW_POLICY and the policy file's categories)."""
        return review_rule(self.settings)

    def active_rule(self) -> ReviewRule | None:
        """The rule when any change needs approval; None when review is off everywhere."""
        rule = self.rule()
        return rule if rule.active else None

    def review(
        self, kind: Kind, name: str, locale: str, revision: int | None = None
    ) -> RevisionReview:
        """A revision's review (default: the newest revision's)."""
        with self.db.read() as session:
            return self._review(session, revision_row(session, kind, name, locale, revision))

    def submit(self, kind: Kind, name: str, locale: str, revision: int | None, *,
               actor: str, comment: str = "") -> RevisionReview:  # fmt: skip
        """Ask for a revision's review (default: the newest); webhooks hear review.requested."""
        return self._step(kind, name, locale, revision, ReviewState.SUBMITTED, actor, comment)

    def approve(self, kind: Kind, name: str, locale: str, revision: int | None, *,
                actor: str, comment: str = "") -> RevisionReview:  # fmt: skip
        """Approve a revision, so a release may take it; four-eyes refuses its own authors."""
        return self._step(kind, name, locale, revision, ReviewState.APPROVED, actor, comment)

    def request_changes(self, kind: Kind, name: str, locale: str, revision: int | None, *,
                        actor: str, comment: str) -> RevisionReview:  # fmt: skip
        """Send a revision back with a comment saying what to change (withdraws an approval)."""
        state = ReviewState.CHANGES_REQUESTED
        return self._step(kind, name, locale, revision, state, actor, comment)

    def summary(self) -> ReviewSummary:
        """What a release made now would take that was approved, and what waits (empty when
        review is off)."""
        rule = self.active_rule()
        if rule is None:
            return ReviewSummary()
        with self.db.read(consistent=True) as session:
            return reviewed_drafts(session, rule)[1]

    def pending(self) -> tuple[WaitingChange, ...]:
        """Every unit's and snippet's newest revision that a release would not take yet."""
        return self.summary().waiting

    def _step(self, kind: Kind, name: str, locale: str, revision: int | None,
              action: ReviewState, actor: str, comment: str) -> RevisionReview:  # fmt: skip
        with self.db.write() as session:
            row = revision_row(session, kind, name, locale, revision)
            before = self._review(session, row)
            check_step(action, actor, comment, before.policy, set(before.change_authors))
            if _nothing_new(before.state, action, comment):
                return before
            event = ReviewEvent(
                kind=kind,
                revision_id=row.id or 0,
                action=action.value,
                actor=actor,
                comment=comment.strip(),
                at=datetime.now(UTC),
            )
            session.add(event)
            session.flush()
            _tell(session, before, event)
            return self._review(session, row)

    def _review(self, session: Session, row: Revision) -> RevisionReview:
        kind: Kind = "unit" if isinstance(row, UnitRevision) else "snippet"
        base = current_release(session)
        key = (_name(row), row.locale)
        released = released_ids(session, kind, base.number if base else None, key)
        authors, since = change_authors(session, kind, row, released.get(key))
        steps = tuple(steps_by_revision(session, kind, [row.id or 0]).get(row.id or 0, []))
        rule = self.rule()
        if isinstance(row, UnitRevision):
            before = released.get(key)
            was = session.get(UnitRevision, before) if before is not None else None
            policy = rule.for_categories([row.category, was.category if was else None])
            affected: tuple[Key, ...] = ()
        else:
            heads = head_units(session)
            live = [h for h in heads.values() if not h.archived]
            affected = snippet_users(live).get(key, ())
            policy = rule.for_categories([None, *(heads[k].category for k in affected)])
        return RevisionReview(
            kind, key[0], row.locale, row.number, row.author, row.message, state_of(steps),
            steps, policy, tuple(sorted(authors)), since, affected,
        )  # fmt: skip


def _nothing_new(state: ReviewState, action: ReviewState, comment: str) -> bool:
    """Whether a step would only repeat where the review stands: submitting what is submitted
    or approved already (a submit must not withdraw an approval), or approving again without
    a comment."""
    if action is ReviewState.SUBMITTED and state is ReviewState.APPROVED:
        return True
    return state is action and not comment.strip()


def _tell(session: Session, review: RevisionReview, event: ReviewEvent) -> None:
    """Record the step in the audit log, and queue its webhook event, in the step's transaction."""
    action = ReviewState(event.action)
    detail = {"revision": review.revision, "review_id": event.id, "comment": event.comment[:500]}
    record(
        session,
        actor=event.actor,
        action=_AUDIT_ACTIONS[action],
        object_kind=review.kind,
        object_id=review.name,
        locale=review.locale,
        detail=detail,
    )
    if action in _WEBHOOKS:
        event_type, by = _WEBHOOKS[action]
        data = {
            "review_id": event.id,
            "kind": review.kind,
            "name": review.name,
            "locale": review.locale,
            "revision": review.revision,
            "author": review.author,
            by: event.actor,
            "comment": event.comment,
            "affected_units": [{"unit_id": u, "locale": loc} for u, loc in review.affected_units],
        }
        enqueue(session, event_type, data)
