"""Review bodies: a revision's review with its comments, a step's request, and what a release
under review takes approved and what waits (issue 18)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas.common import Timestamp, _Body, _examples

__all__ = [
    "ApprovedChangeOut",
    "ChangesIn",
    "ReviewStepIn",
    "ReviewStepOut",
    "ReviewSummaryOut",
    "RevisionReviewOut",
    "WaitingChangeOut",
]

State = Literal["draft", "submitted", "approved", "changes_requested"]
Policy = Literal["off", "self", "four-eyes"]


class ReviewStepIn(_Body):
    """Submit or approve a revision, with an optional comment."""

    model_config = _examples({"comment": "New prices from 1 January."})
    comment: str = Field("", max_length=4000)


class ChangesIn(_Body):
    """Ask for changes to a revision: the comment says what to change."""

    model_config = _examples({"comment": "Say which app: the bank's or the card's."})
    comment: str = Field(min_length=1, max_length=4000, pattern=r"\S")


class ReviewStepOut(BaseModel):
    """One step of a review."""

    action: Literal["submitted", "approved", "changes_requested"]
    actor: str = Field(description="The API key's name, or KB_AUTHOR on the command line.")
    comment: str
    at: Timestamp


_STEP = {"action": "submitted", "actor": "maria", "comment": "", "at": "2026-12-07T09:10:00Z"}
_REVIEW_EXAMPLE: dict[str, Any] = {
    "kind": "unit",
    "id": "check-balance",
    "locale": "en",
    "revision": 4,
    "author": "maria",
    "message": "New USSD code",
    "state": "approved",
    "approved_by": "oleg",
    "policy": "four-eyes",
    "change_authors": ["maria"],
    "since_revision": 3,
    "steps": [
        _STEP,
        {**_STEP, "action": "approved", "actor": "oleg", "at": "2026-12-07T09:40:00Z"},
    ],
    "affected_units": [],
}


class RevisionReviewOut(BaseModel):
    """A revision's review: its state, every step with its comment, the policy it falls under,
    who wrote the change, and for a snippet every unit whose output it changes."""

    model_config = _examples(
        _REVIEW_EXAMPLE,
        {
            **_REVIEW_EXAMPLE,
            "kind": "snippet",
            "id": "support_phone",
            "revision": 2,
            "message": "",
            "state": "submitted",
            "approved_by": None,
            "since_revision": 1,
            "steps": [_STEP],
            "affected_units": [["call-us", "en"], ["lost-card", "en"]],
            "may_approve": True,
        },
    )
    kind: Literal["unit", "snippet"]
    id: str = Field(description="The unit's id or the snippet's name.")
    locale: str
    revision: int
    author: str
    message: str
    state: State = Field(description="The newest step's action; draft when never submitted.")
    approved_by: str | None
    policy: Policy = Field(description="four-eyes: none of `change_authors` may approve it.")
    change_authors: list[str] = Field(
        description="Who wrote a revision after `since_revision` up to this one."
    )
    since_revision: int = Field(
        description="The revision approved or released before this change (0: none)."
    )
    steps: list[ReviewStepOut]
    affected_units: list[tuple[str, str]] = Field(
        description="A snippet's units (id, locale) whose output it changes; empty for a unit."
    )
    may_approve: bool = Field(
        description="Whether the calling key may approve it: a publisher's or admin's, and "
        "under four-eyes not one of `change_authors`."
    )


class ApprovedChangeOut(BaseModel):
    """A revision the next release takes because it was approved."""

    kind: Literal["unit", "snippet"]
    id: str
    locale: str
    revision: int
    author: str
    approved_by: str
    approved_at: Timestamp
    comment: str


_WAITING = {
    "kind": "snippet",
    "id": "support_phone",
    "locale": "en",
    "revision": 2,
    "author": "maria",
    "state": "submitted",
    "taken_revision": 1,
    "affected_units": [["call-us", "en"]],
    "waits_for": [],
}


class WaitingChangeOut(BaseModel):
    """A newest revision the next release does not take: it waits for approval."""

    model_config = _examples(_WAITING)

    kind: Literal["unit", "snippet"]
    id: str
    locale: str
    revision: int
    author: str
    state: State
    taken_revision: int | None = Field(
        description="What the release takes instead (approved or released); null: left out."
    )
    affected_units: list[tuple[str, str]] = Field(
        description="For a snippet: the units whose output waits with it."
    )
    waits_for: list[str] = Field(
        description="For a unit: snippets it uses whose own change waits, so it waits too."
    )


class ReviewSummaryOut(BaseModel):
    """What a release made now would take that was approved (and by whom), and what waits.
    Both lists are empty when the policy is off everywhere."""

    model_config = _examples(
        {
            "policy": "four-eyes",
            "active": True,
            "approved": [
                {
                    "kind": "unit",
                    "id": "check-balance",
                    "locale": "en",
                    "revision": 4,
                    "author": "maria",
                    "approved_by": "oleg",
                    "approved_at": "2026-12-07T09:40:00Z",
                    "comment": "",
                }
            ],
            "waiting": [_WAITING],
        }
    )
    policy: Policy = Field(description="KB_REVIEW_POLICY: the default for every category.")
    active: bool = Field(description="Whether any change needs approval (a category may).")
    approved: list[ApprovedChangeOut]
    waiting: list[WaitingChangeOut]
