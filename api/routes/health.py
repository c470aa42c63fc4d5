"""Liveness and readiness probes for process managers and load balancers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import KBDep
from api.errors import problem
from api.schemas import ProblemOut

router = APIRouter(tags=["health"])

_READY_200 = (
    "Serving one whole release (`kb_version`). `status` is `ready` when that is the current "
    "release (`current_release`), and `behind` when a newer one is committed but not loaded "
    "here yet: being loaded (a switch, normally under a second), or failing to load "
    "(`detail` says why: disk full, read-only...; retried with back-off). A load balancer "
    "keeps sending requests to a server that is behind, since it answers from one release, "
    "whole, and taking every server out when a shared disk fills would stop all answers; "
    "monitoring should alert on `status` `behind` with a `detail`."
)


@router.get(
    "/healthz",
    operation_id="healthz",
    responses={200: {"content": {"application/json": {"example": {"status": "ok"}}}}},
)
async def healthz() -> dict[str, str]:
    """Alive: the process answers (touches nothing else, so it never flaps with the database)."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    operation_id="readyz",
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "status": "ready",
                        "kb_version": 12,
                        "current_release": 12,
                        "locales": ["en"],
                        "units": 148,
                    }
                }
            },
            "description": _READY_200,
        },
        503: {"model": ProblemOut, "description": "Not ready, and why."},
    },
)
def readyz(kb: KBDep) -> Any:
    """Ready: the database answers and a release's index and matchers are loaded; `status`
    says whether it is the current release or `behind` it, and why."""
    try:
        if not kb.db.schema_is_current():
            return problem(503, "Not ready", "the database schema is not at the newest migration")
        release = kb.current_release()
    except Exception as exc:  # any failure to reach the database means not ready
        return problem(503, "Not ready", f"the database is unreachable: {type(exc).__name__}")
    if release is None:
        return problem(503, "Not ready", "nothing has been published yet")
    services = kb.services()
    body: dict[str, Any] = {
        "status": "ready" if services.release == release.number else "behind",
        "kb_version": services.release,
        "current_release": release.number,
        "locales": sorted(services.matchers),
        "units": len(services.snapshot.units),
    }
    if body["status"] == "behind":
        failure = kb.following_failure()
        body["detail"] = (
            f"release {release.number} could not be loaded here: {failure}"
            if failure
            else f"loading release {release.number}"
        )
    return JSONResponse(body, headers={"X-KB-Version": str(services.release)})
