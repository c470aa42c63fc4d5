"""Releases: list them (editor), publish the drafts or roll back (publisher)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from api.auth import Editor, Publisher, key_responses
from api.deps import KBDep
from api.routes.delivery import release_body
from api.routes.review import summary_body
from api.schemas import ProblemOut, PublishIn, PublishOut, ReleaseOut, RollbackIn
from kb.releases.publishing import PublishPlan
from renderers.checks import publish_gate

router = APIRouter(
    prefix="/api/v1/releases",
    tags=["publishing"],
    responses={
        **key_responses("The key's role is too low."),
    },
)

_NOT_BUILT = (
    "The release is committed (`kb_version` names it, `Location` points at it; other servers "
    "switch to it) but this server's disk is full or read-only, so it could not build the "
    "release's index and still serves the previous one; free space and it retries. Any other "
    "failure to build a committed release answers 500 with the same fields."
)


def _plan(plan: PublishPlan, *, dry_run: bool) -> dict[str, Any]:
    def keys(values: Any) -> list[list[str]]:
        return [list(k) for k in sorted(values)]

    return {
        "dry_run": dry_run,
        "kb_version": plan.release,
        "base": plan.base_release,
        "added": keys(plan.added),
        "changed": keys(plan.changed),
        "removed": keys(plan.removed),
        "affected_by_snippets": keys(plan.affected_by_snippets),
        "snippets_added": keys(plan.snippets_added),
        "snippets_changed": keys(plan.snippets_changed),
        "snippets_removed": keys(plan.snippets_removed),
        "held_back": keys(plan.held_back),
        "not_yet": keys(plan.not_yet),
        "expired": keys(plan.expired),
        "review": summary_body(plan.review) if plan.review is not None else None,
        "findings": [
            {"blocking": f.blocking, "code": f.code, "message": str(f)} for f in plan.findings
        ],
        "drafts": [
            {
                "kind": d.kind,
                "id": d.name,
                "locale": d.locale,
                "revision": d.revision,
                "in_release": d.in_release,
            }
            for d in plan.drafts
        ],
    }


@router.get("", operation_id="listReleases", response_model=list[ReleaseOut])
def list_releases(kb: KBDep, _caller: Editor) -> Any:
    """Every release, newest first."""
    return [release_body(r) for r in kb.releases()]


@router.get(
    "/{number:int}",  # digits only: /releases/rollback is no release number (GET there is 405)
    operation_id="getRelease",
    response_model=ReleaseOut,
    responses={404: {"model": ProblemOut, "description": "No such release."}},
)
def read_release(
    number: Annotated[int, Path(ge=1, le=1_000_000_000)], kb: KBDep, _caller: Editor
) -> Any:
    """One release."""
    return release_body(kb.release(number))


@router.post(
    "",
    operation_id="publishRelease",
    response_model=PublishOut,
    status_code=201,
    responses={
        200: {
            "model": PublishOut,
            "description": "Dry run, or nothing to publish: what a release would change.",
        },
        422: {"model": ProblemOut, "description": "The checks found errors: nothing published."},
        507: {"model": ProblemOut, "description": _NOT_BUILT},
    },
)
def publish(body: PublishIn, kb: KBDep, caller: Publisher, response: Response) -> Any:
    """Publish the drafts as the next release, after the same checks as `kb publish`.

    With `dry_run`, report what would change and every finding (a `rolled-back` warning names
    a change a rollback undid before), and publish nothing. The new release is live, in this
    process, when the response comes; others switch within a second.
    """
    plan = kb.publish(
        author=caller.name,
        message=body.message,
        dry_run=body.dry_run,
        gate=publish_gate(settings=kb.settings),
    )
    if body.dry_run or plan.release is None:
        response.status_code = 200
    else:
        response.headers["X-KB-Version"] = str(plan.release)
        response.headers["Location"] = f"/api/v1/releases/{plan.release}"
    return _plan(plan, dry_run=body.dry_run)


@router.post(
    "/rollback",
    operation_id="rollbackRelease",
    response_model=PublishOut,
    status_code=201,
    responses={
        404: {"model": ProblemOut, "description": "No such release to go back to."},
        409: {"model": ProblemOut, "description": "That release is the current one already."},
        507: {"model": ProblemOut, "description": _NOT_BUILT},
    },
)
def rollback(body: RollbackIn, kb: KBDep, caller: Publisher, response: Response) -> Any:
    """Publish a new release equal to release `to`; nothing published is ever lost.

    The drafts of what it changed go back to release `to`'s content (new revisions, listed in
    `drafts`), so the next publish does not bring the change back, unless `keep_drafts`.
    """
    plan = kb.rollback(
        body.to, author=caller.name, message=body.message, keep_drafts=body.keep_drafts
    )
    if plan.release is not None:
        response.headers["X-KB-Version"] = str(plan.release)
        response.headers["Location"] = f"/api/v1/releases/{plan.release}"
    return _plan(plan, dry_run=False)
