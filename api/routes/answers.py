"""Answers for chatbots and the IVR, and search for operators: from the current release."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from api.deps import KBDep, customer_channel
from renderers.base import RenderContext

router = APIRouter(prefix="/api/v1", tags=["delivery"])

Question = Annotated[str, Query(min_length=1, max_length=500, description="The customer's words.")]
Channel = Annotated[str, Query(max_length=20)]
Locale = Annotated[str | None, Query(max_length=35)]


@router.get("/answer")
def answer(
    q: Question, kb: KBDep, response: Response, channel: Channel = "chatbot", locale: Locale = None
) -> dict[str, Any]:
    """The best answer: `answered`, `clarify` (with alternatives) or `no_answer` (hand over)."""
    renderer = customer_channel(channel)
    result = kb.ask(q, locale=locale, channel=channel)
    snap = kb.snapshot(result.release)  # the very release that answered: never a mix
    content = None
    if result.unit_id is not None:
        unit = snap.unit(result.unit_id, result.locale)
        content = renderer.render(RenderContext.from_snapshot(snap, unit)).to_json()
    response.headers["X-KB-Version"] = str(result.release)
    return {
        "status": result.status.value,
        "unit_id": result.unit_id,
        "title": result.title,
        "confidence": round(result.confidence, 4),
        "content": content,
        "routing": result.routing,
        "alternatives": [
            {"unit_id": a.unit_id, "title": a.title, "confidence": round(a.confidence, 4)}
            for a in result.alternatives
        ],
        "locale": result.locale,
        "kb_version": result.release,
    }


@router.get("/search")
def search(
    q: Annotated[str, Query(max_length=500)],
    kb: KBDep,
    response: Response,
    channel: Channel = "web",
    locale: Locale = None,
    category: Annotated[str | None, Query(max_length=200)] = None,
    tag: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> dict[str, Any]:
    """Ranked hits with highlighted snippets, for search as you type."""
    customer_channel(channel)
    results, release = kb.search(
        q, locale=locale, channel=channel, category=category, tag=tag, limit=limit
    )
    response.headers["X-KB-Version"] = str(release)
    return {
        "hits": [
            {
                "unit_id": h.unit_id,
                "title": h.title,
                "snippet": h.snippet,
                "score": round(h.score, 4),
            }
            for h in results.hits
        ],
        "total": results.total,
        "did_you_mean": results.did_you_mean,
        "kb_version": release,
    }
