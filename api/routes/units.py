"""Reading published units, per channel and locale."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response

from api.deps import KBDep
from kb.errors import UnitNotFound
from renderers import channel_markdown
from renderers.markdown_source import STAFF_CHANNELS

router = APIRouter(prefix="/api/v1", tags=["delivery"])


@router.get("/releases/current")
def current_release(kb: KBDep, response: Response) -> dict[str, object]:
    """The release every channel serves now."""
    snap = kb.snapshot()
    assert snap.release is not None
    response.headers["X-KB-Version"] = str(snap.number)
    return {
        "kb_version": snap.number,
        "created_at": snap.release.created_at.isoformat(),
        "message": snap.release.message,
        "units": len(snap.units),
    }


@router.get("/units/{unit_id}")
def read_unit(
    unit_id: str,
    kb: KBDep,
    response: Response,
    channel: Annotated[str, Query(max_length=20)] = "web",
    locale: Annotated[str | None, Query(max_length=35)] = None,
) -> dict[str, object]:
    """One published public unit as the channel may show it."""
    if channel not in kb.settings.channels:
        raise HTTPException(422, f"unknown channel '{channel}'")
    if channel in STAFF_CHANNELS:
        raise HTTPException(403, "this channel needs an operator key")
    snap = kb.snapshot()
    unit = snap.unit(unit_id, locale or kb.settings.default_locale)
    doc = unit.document
    enabled = doc.channels is None or channel in doc.channels
    if doc.audience != "public" or not enabled:
        raise UnitNotFound(f"no unit '{unit_id}' for channel '{channel}'")
    response.headers["X-KB-Version"] = str(snap.number)
    return {
        "kb_version": snap.number,
        "unit_id": doc.id,
        "locale": doc.locale,
        "title": doc.title,
        "category": doc.category,
        "tags": list(doc.tags),
        "revision": unit.revision,
        "content": channel_markdown(doc.body, channel),
        "content_type": "text/markdown",
    }
