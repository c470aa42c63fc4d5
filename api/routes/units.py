"""Reading published units, rendered per channel and locale."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from api.deps import KBDep, customer_channel
from kb.errors import UnitNotFound
from renderers.base import RenderContext
from renderers.checks import enabled_renderers

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
) -> dict[str, Any]:
    """One published unit as `channel` shows it; staff channels need an operator key."""
    renderer = customer_channel(channel)
    snap = kb.snapshot()
    unit = snap.unit(unit_id, locale or kb.settings.default_locale)
    if not enabled_renderers(unit, [renderer]):
        raise UnitNotFound(f"no unit '{unit_id}' for channel '{channel}'")
    rendering = renderer.render(RenderContext.from_snapshot(snap, unit))
    doc = unit.document
    response.headers["X-KB-Version"] = str(snap.number)
    extras = {k: v for k, v in rendering.data.items() if k not in ("title",)}
    return {
        "kb_version": snap.number,
        "unit_id": doc.id,
        "locale": doc.locale,
        "channel": channel,
        "title": doc.title,
        "category": doc.category,
        "tags": list(doc.tags),
        "routing": doc.routing,
        "revision": unit.revision,
        "media_type": rendering.media_type,
        "content": rendering.body,
        **extras,
    }
