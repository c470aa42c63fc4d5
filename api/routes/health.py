"""Liveness and readiness probes for process managers and load balancers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import KBDep
from api.errors import problem
from api.schemas import ProblemOut

router = APIRouter(tags=["health"])


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
                        "locales": ["en"],
                        "units": 148,
                    }
                }
            }
        },
        503: {"model": ProblemOut, "description": "Not ready, and why."},
    },
)
def readyz(kb: KBDep) -> Any:
    """Ready: the database answers and the current release's index and matchers are loaded."""
    try:
        if not kb.db.schema_is_current():
            return problem(503, "Not ready", "the database schema is not at the newest migration")
        release = kb.current_release()
    except Exception as exc:  # any failure to reach the database means not ready
        return problem(503, "Not ready", f"the database is unreachable: {type(exc).__name__}")
    if release is None:
        return problem(503, "Not ready", "nothing has been published yet")
    services = kb.services()
    return JSONResponse(
        {
            "status": "ready",
            "kb_version": services.release,
            "locales": sorted(services.matchers),
            "units": len(services.snapshot.units),
        },
        headers={"X-KB-Version": str(services.release)},
    )
