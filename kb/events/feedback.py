"""Feedback on what was served: customers' votes and staff flags, checked, tied to the unit and
channel their receipt served, redacted and stored; and the list a unit's owner reads.

The API and the command line both come through here, so the rules hold whoever calls: a vote
says `helpful`, a flag says the unit is wrong (never helpful), each names a receipt or a unit,
and a comment is kept only after `kb.events.redaction` took out what identifies a customer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import col, select

from kb.errors import InvalidContent, Problem, UnitNotFound
from kb.events.redaction import redact
from kb.events.store import event_by_receipt, write_feedback
from kb.store.db import Database
from kb.store.models import Feedback

__all__ = [
    "COMMENT_CHARS",
    "FEEDBACK_KINDS",
    "LIST_LIMIT",
    "REASONS",
    "RECEIPT_PATTERN",
    "UNIT_ID_CHARS",
    "FeedbackNote",
    "give_feedback",
    "list_feedback",
]

#: Why an answer did not help, or why a unit is flagged.
REASONS = ("wrong", "outdated", "unclear", "incomplete", "other")
#: A customer's "was this helpful?" and a staff member's "this is wrong".
FEEDBACK_KINDS = ("vote", "flag")
#: A receipt as every delivery response carries it (`X-KB-Receipt`): 32 lowercase hex digits.
RECEIPT_PATTERN = r"^[0-9a-f]{32}$"
COMMENT_CHARS = 1000
UNIT_ID_CHARS = 200
#: Rows one listing returns at most.
LIST_LIMIT = 500

_RECEIPT = re.compile(RECEIPT_PATTERN)


@dataclass(frozen=True, slots=True)
class FeedbackNote:
    """What a caller says about a response or a unit, before it is checked."""

    receipt: str | None = None
    unit_id: str | None = None
    helpful: bool | None = None
    reason: str | None = None
    comment: str | None = None
    #: A flag (wrong or outdated, for the unit's owner) rather than a vote.
    flag: bool = False

    @property
    def kind(self) -> str:
        """ "flag" or "vote"."""
        return "flag" if self.flag else "vote"


def give_feedback(
    db: Database,
    note: FeedbackNote,
    *,
    actor: str | None = None,
    unit_exists: Callable[[str], bool] | None = None,
    now: datetime | None = None,
) -> Feedback:
    """Check `note`, take its unit and channel from its receipt when that is known, redact its
    comment and store it; InvalidContent (each problem by field) when it cannot be kept.

    `unit_exists` says whether a unit id the caller named (not taken from a receipt) is one
    they may give feedback on (UnitNotFound if not); without it any id is taken.
    """
    problems = _problems(note)
    if problems:
        raise InvalidContent(problems)
    event = event_by_receipt(db, note.receipt) if note.receipt else None
    if event is not None and event.unit_id is not None:
        unit_id: str | None = event.unit_id  # what was served, even if withdrawn since
    elif note.unit_id is not None and unit_exists is not None and not unit_exists(note.unit_id):
        raise UnitNotFound(f"unit_id: no published unit '{note.unit_id}'")
    else:
        unit_id = note.unit_id
    comment = (note.comment or "").strip()
    locale = event.locale if event is not None else None  # its region's phone numbers too
    row = Feedback(
        at=now or datetime.now(UTC),
        kind=note.kind,
        receipt=note.receipt,
        unit_id=unit_id,
        helpful=False if note.flag else note.helpful,
        reason=note.reason,
        comment=redact(comment, locale) if comment else None,
        channel=event.channel if event is not None else None,
        actor=actor,
    )
    return write_feedback(db, row)


def _problems(note: FeedbackNote) -> list[Problem]:
    """Everything wrong with `note`, by field."""
    problems = []
    if note.receipt is not None and not _RECEIPT.match(note.receipt):
        problems.append(Problem("a receipt is 32 lowercase hex digits", field="receipt"))
    if note.unit_id is not None and not 0 < len(note.unit_id) <= UNIT_ID_CHARS:
        problems.append(Problem(f"1 to {UNIT_ID_CHARS} characters", field="unit_id"))
    if note.receipt is None and note.unit_id is None:
        what = "flag" if note.flag else "vote"
        problems.append(
            Problem(f"a {what} needs the response's receipt or a unit_id", field="receipt")
        )
    if note.flag and note.helpful:
        problems.append(Problem("a flag says the unit is wrong: not helpful", field="helpful"))
    if not note.flag and note.helpful is None:
        problems.append(Problem("a vote needs helpful: true or false", field="helpful"))
    if note.reason is not None and note.reason not in REASONS:
        problems.append(Problem(f"one of {', '.join(REASONS)}", field="reason"))
    if note.comment is not None and len(note.comment) > COMMENT_CHARS:
        problems.append(Problem(f"at most {COMMENT_CHARS} characters", field="comment"))
    return problems


def list_feedback(
    db: Database,
    *,
    unit_id: str | None = None,
    kind: str | None = None,
    since: datetime | None = None,
    limit: int = LIST_LIMIT,
) -> list[Feedback]:
    """Feedback newest first, of one unit, one kind, since a moment (each optional)."""
    query = select(Feedback)
    if unit_id is not None:
        query = query.where(Feedback.unit_id == unit_id)
    if kind is not None:
        query = query.where(Feedback.kind == kind)
    if since is not None:
        # In UTC, as stored: SQLite compares the text of naive times.
        utc = since.astimezone(UTC) if since.tzinfo else since.replace(tzinfo=UTC)
        query = query.where(col(Feedback.at) >= utc)
    query = query.order_by(col(Feedback.at).desc(), col(Feedback.id).desc()).limit(limit)
    with db.read() as session:
        return list(session.exec(query))
