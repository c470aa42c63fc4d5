"""Liveness: is the process up and can it reach its database."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import KBDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(kb: KBDep) -> dict[str, object]:
    """Alive, with the release being served (null before the first publish)."""
    release = kb.current_release()
    return {"status": "ok", "kb_version": release.number if release else None}
