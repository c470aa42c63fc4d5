"""Review and approval of draft changes (issue 18): editors submit a unit's or snippet's
revision and read its review; publishers (and admins) approve it or ask for changes with a
comment. Approval is a permission of the publisher role, not a role of its own: whoever may
release a change may vouch for it. Under KB_REVIEW_POLICY=four-eyes nobody who wrote a change
may approve it (403). A release then takes only approved revisions; the summary says which,
and what waits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query

from api.auth import Editor, Publisher, key_responses
from api.deps import KBDep
from api.routes.drafts import LocaleQ, SnippetName, UnitId
from api.schemas import ProblemOut
from api.schemas.review import (
    ChangesIn,
    ReviewStepIn,
    ReviewSummaryOut,
    RevisionReviewOut,
    WaitingChangeOut,
)
from kb.knowledge_base import KnowledgeBase
from kb.review import (
    ReviewRefused,
    Reviews,
    ReviewSummary,
    RevisionReview,
    WaitingChange,
    summary_fields,
    waiting_fields,
)
from kb.store.keys import Caller, Role

__all__ = ["router", "summary_body"]

router = APIRouter(
    prefix="/api/v1/review",
    tags=["review"],
    responses={
        **key_responses("Reading and submitting needs an editor key; approving, a publisher's."),
        404: {"model": ProblemOut, "description": "No such unit, snippet or revision."},
    },
)

RevisionQ = Annotated[
    int | None,
    Query(ge=1, le=1_000_000_000, description="The revision number; by default the newest."),
]
_REFUSED = {
    403: {
        "model": ProblemOut,
        "description": "Four-eyes: you wrote part of this change, so someone else approves it "
        "(or the key's role is below publisher).",
    }
}


def _reviews(kb: KnowledgeBase) -> Reviews:
    return Reviews(kb.db, kb.settings)


def _review(review: RevisionReview, caller: Caller) -> dict[str, Any]:
    """A review as RevisionReviewOut, with whether `caller` may approve it."""
    return {
        "may_approve": caller.role >= Role.PUBLISHER and review.approvable_by(caller.name),
        "kind": review.kind,
        "id": review.name,
        "locale": review.locale,
        "revision": review.revision,
        "author": review.author,
        "message": review.message,
        "state": review.state.value,
        "approved_by": review.approved_by,
        "policy": review.policy.value,
        "change_authors": list(review.change_authors),
        "since_revision": review.since,
        "steps": [
            {"action": s.action.value, "actor": s.actor, "comment": s.comment, "at": s.at}
            for s in review.steps
        ],
        "affected_units": [list(k) for k in review.affected_units],
    }


def _waiting(change: WaitingChange) -> dict[str, Any]:
    return waiting_fields(change, list)


def _step(run: Callable[[], RevisionReview], caller: Caller) -> dict[str, Any]:
    """A review step's result, or a 403 saying why the policy refuses it."""
    try:
        return _review(run(), caller)
    except ReviewRefused as exc:
        raise HTTPException(403, str(exc)) from None


def summary_body(summary: ReviewSummary) -> dict[str, Any]:
    """A release's review summary as ReviewSummaryOut's `approved` and `waiting` (for a
    publish's response too: PublishPlan.review)."""
    return summary_fields(summary, list)


@router.get("/summary", operation_id="getReviewSummary", response_model=ReviewSummaryOut)
def read_review_summary(kb: KBDep, _caller: Editor) -> Any:
    """What a release made now would take that was approved, by whom, and what waits: the
    publish summary. `kb publish --dry-run` says the same."""
    reviews = _reviews(kb)
    rule = reviews.rule()
    return {"policy": rule.default.value, "active": rule.active, **summary_body(reviews.summary())}


@router.get("/pending", operation_id="listPendingChanges", response_model=list[WaitingChangeOut])
def list_pending_changes(
    kb: KBDep,
    _caller: Editor,
    kind: Annotated[Literal["unit", "snippet"] | None, Query()] = None,
    locale: Annotated[str | None, Query(max_length=35)] = None,
) -> Any:
    """Every unit's and snippet's newest revision that a release would not take yet, with its
    review state (draft, submitted, changes_requested); a snippet with the units it changes."""
    return [
        _waiting(c)
        for c in _reviews(kb).pending()
        if (kind is None or c.kind == kind) and (locale is None or c.locale == locale)
    ]


# -- units ----------------------------------------------------------------------------------


@router.get("/units/{unit_id}", operation_id="getUnitReview", response_model=RevisionReviewOut)
def read_unit_review(
    unit_id: UnitId, locale: LocaleQ, kb: KBDep, caller: Editor, revision: RevisionQ = None
) -> Any:
    """A unit revision's review (default: the newest's): its state, steps and comments."""
    return _review(_reviews(kb).review("unit", unit_id, locale, revision), caller)


@router.post(
    "/units/{unit_id}/submit", operation_id="submitUnitReview", response_model=RevisionReviewOut
)
def submit_unit(
    unit_id: UnitId,
    locale: LocaleQ,
    body: ReviewStepIn,
    kb: KBDep,
    caller: Editor,
    revision: RevisionQ = None,
) -> Any:
    """Ask for a unit revision's review (default: the newest); webhooks hear review.requested."""
    reviews = _reviews(kb)
    return _step(
        lambda: reviews.submit(
            "unit", unit_id, locale, revision, actor=caller.name, comment=body.comment
        ),
        caller,
    )


@router.post(
    "/units/{unit_id}/approve",
    operation_id="approveUnitRevision",
    response_model=RevisionReviewOut,
    responses=_REFUSED,
)
def approve_unit(
    unit_id: UnitId,
    locale: LocaleQ,
    body: ReviewStepIn,
    kb: KBDep,
    caller: Publisher,
    revision: RevisionQ = None,
) -> Any:
    """Approve a unit revision so that a release may take it (publisher key); webhooks hear
    review.approved. Approving again changes nothing."""
    reviews = _reviews(kb)
    return _step(
        lambda: reviews.approve(
            "unit", unit_id, locale, revision, actor=caller.name, comment=body.comment
        ),
        caller,
    )


@router.post(
    "/units/{unit_id}/request-changes",
    operation_id="requestUnitChanges",
    response_model=RevisionReviewOut,
    responses=_REFUSED,
)
def request_unit_changes(
    unit_id: UnitId,
    locale: LocaleQ,
    body: ChangesIn,
    kb: KBDep,
    caller: Publisher,
    revision: RevisionQ = None,
) -> Any:
    """Send a unit revision back with a comment saying what to change (publisher key); an
    approval it had is withdrawn."""
    reviews = _reviews(kb)
    return _step(
        lambda: reviews.request_changes(
            "unit", unit_id, locale, revision, actor=caller.name, comment=body.comment
        ),
        caller,
    )


# -- snippets -------------------------------------------------------------------------------


@router.get("/snippets/{name}", operation_id="getSnippetReview", response_model=RevisionReviewOut)
def read_snippet_review(
    name: SnippetName, locale: LocaleQ, kb: KBDep, caller: Editor, revision: RevisionQ = None
) -> Any:
    """A snippet revision's review (default: the newest's), with every unit whose output it
    changes (`affected_units`)."""
    return _review(_reviews(kb).review("snippet", name, locale, revision), caller)


@router.post(
    "/snippets/{name}/submit",
    operation_id="submitSnippetReview",
    response_model=RevisionReviewOut,
)
def submit_snippet(
    name: SnippetName,
    locale: LocaleQ,
    body: ReviewStepIn,
    kb: KBDep,
    caller: Editor,
    revision: RevisionQ = None,
) -> Any:
    """Ask for a snippet revision's review (default: the newest); webhooks hear
    review.requested, with the units it changes."""
    reviews = _reviews(kb)
    return _step(
        lambda: reviews.submit(
            "snippet", name, locale, revision, actor=caller.name, comment=body.comment
        ),
        caller,
    )


@router.post(
    "/snippets/{name}/approve",
    operation_id="approveSnippetRevision",
    response_model=RevisionReviewOut,
    responses=_REFUSED,
)
def approve_snippet(
    name: SnippetName,
    locale: LocaleQ,
    body: ReviewStepIn,
    kb: KBDep,
    caller: Publisher,
    revision: RevisionQ = None,
) -> Any:
    """Approve a snippet revision so that a release may take it (publisher key)."""
    reviews = _reviews(kb)
    return _step(
        lambda: reviews.approve(
            "snippet", name, locale, revision, actor=caller.name, comment=body.comment
        ),
        caller,
    )


@router.post(
    "/snippets/{name}/request-changes",
    operation_id="requestSnippetChanges",
    response_model=RevisionReviewOut,
    responses=_REFUSED,
)
def request_snippet_changes(
    name: SnippetName,
    locale: LocaleQ,
    body: ChangesIn,
    kb: KBDep,
    caller: Publisher,
    revision: RevisionQ = None,
) -> Any:
    """Send a snippet revision back with a comment saying what to change (publisher key)."""
    reviews = _reviews(kb)
    return _step(
        lambda: reviews.request_changes(
            "snippet", name, locale, revision, actor=caller.name, comment=body.comment
        ),
        caller,
    )
