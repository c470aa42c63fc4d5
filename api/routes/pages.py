"""The pages people use: operator panel, editor, FAQ widget script and the plain web FAQ.

The panel and editor are static files (HTML, CSS and plain JavaScript, no build step) that
talk to the JSON API with the key the person enters; only the web FAQ is rendered here,
because it is the page the widget falls back to when the API cannot be reached from a site.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, HTMLResponse

from api.deps import KBDep
from renderers.faq import faq_page

__all__ = ["STATIC_DIR", "router"]

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

router = APIRouter(include_in_schema=False)

#: Pages with a key in them must not be framed by strangers (clickjacking) or leak referrers.
_STAFF_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}
#: The panel is made to sit in a contact-center tool's iframe; the editor never is.
_EDITOR_HEADERS = {
    **_STAFF_HEADERS,
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
}


def _page(name: str, headers: dict[str, str]) -> FileResponse:
    return FileResponse(STATIC_DIR / name, media_type="text/html; charset=utf-8", headers=headers)


@router.get("/panel")
async def panel() -> FileResponse:
    """The operator side panel (360 px wide, iframe-friendly)."""
    return _page("panel.html", _STAFF_HEADERS)


@router.get("/editor")
async def editor() -> FileResponse:
    """The editor: units, live preview of every channel, history, publishing."""
    return _page("editor.html", _EDITOR_HEADERS)


@router.get("/widget.js")
async def widget() -> FileResponse:
    """The embeddable FAQ widget: one script tag on any site."""
    return FileResponse(
        STATIC_DIR / "widget.js",
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/faq", response_class=HTMLResponse)
async def web_faq(
    kb: KBDep,
    locale: Annotated[str | None, Query(max_length=35)] = None,
    category: Annotated[str | None, Query(max_length=200)] = None,
) -> HTMLResponse:
    """The public FAQ as a plain web page: the widget's fallback link, and crawlable."""
    snap = kb.services().snapshot
    served = kb.served_locale(snap, locale)
    page = faq_page(snap, served, category=category)
    heading = "FAQ" if not category else f"FAQ: {category}"
    html = (
        f'<!doctype html>\n<html lang="{escape(served)}">\n<head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(heading)}</title></head>\n<body>\n<main>\n"
        f"<h1>{escape(heading)}</h1>\n{page.html}"
        f'<p class="kb-release">Release {snap.number}</p>\n</main>\n</body>\n</html>\n'
    )
    return HTMLResponse(
        html,
        headers={"Cache-Control": "public, max-age=30", "X-KB-Version": str(snap.number)},
    )
