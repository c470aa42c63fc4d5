"""The pages people use: operator panel, editor, FAQ widget script; old pages redirected.

The panel and editor are static files (HTML, CSS and plain JavaScript modules, no build step)
that talk to the JSON API with the key the person enters. The old public pages, `/faq` and
`/units/ID`, moved to the help center (api.help): they redirect there for good (301).
"""

from __future__ import annotations

from html import escape
from pathlib import Path as FilePath
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from api.deps import KBDep
from api.events import Conversation, Via
from api.help import urls as help_urls
from api.help.content import category_of, public_unit
from api.help.errors import error_page
from kb import KnowledgeBase
from kb.errors import NotFound

if TYPE_CHECKING:
    import os

__all__ = ["STATIC_DIR", "AssetFiles", "router"]

STATIC_DIR = FilePath(__file__).resolve().parent.parent / "static"

router = APIRouter(include_in_schema=False)

#: Scripts are always served as this: browsers refuse a module script of any other type, and
#: the host's MIME table (which StaticFiles would ask) may say otherwise.
_JAVASCRIPT = "text/javascript; charset=utf-8"


class AssetFiles(StaticFiles):
    """/static: the pages' scripts (JavaScript modules, in subfolders too) and styles, never the
    pages themselves, which only their routes serve, with the headers that say who may frame
    them."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        """The file at `path`, or 404 for an HTML page."""
        if path.lower().endswith((".html", ".htm")):
            raise HTTPException(status_code=404)
        return await super().get_response(path, scope)

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        """The file's response, a script's always typed as JavaScript."""
        response = super().file_response(full_path, stat_result, scope, status_code)
        if isinstance(response, FileResponse) and str(full_path).lower().endswith(".js"):
            response.headers["Content-Type"] = _JAVASCRIPT
        return response


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


#: Where panel.html takes the origins it trusts (KB_PANEL_ORIGINS) for framing and messages.
_PANEL_ORIGINS_SLOT = "__KB_PANEL_ORIGINS__"


@router.get("/panel", response_class=HTMLResponse)
async def panel(kb: KBDep) -> HTMLResponse:
    """The operator side panel (360 px wide), framable and messageable only by KB_PANEL_ORIGINS."""
    origins = kb.settings.panel_origins
    html = (STATIC_DIR / "panel.html").read_text(encoding="utf-8")
    html = html.replace(_PANEL_ORIGINS_SLOT, escape(" ".join(origins)))
    # Without trusted origins only our own pages may frame the panel (it holds a key).
    frame = {"X-Frame-Options": "SAMEORIGIN"} if not origins else {}
    policy = " ".join(("frame-ancestors 'self'", *origins))
    headers = {**_STAFF_HEADERS, **frame, "Content-Security-Policy": policy}
    return HTMLResponse(html, headers=headers)


@router.get("/editor")
async def editor() -> FileResponse:
    """The editor: units, live preview of every channel, history, publishing."""
    return _page("editor.html", _EDITOR_HEADERS)


@router.get("/widget.js")
async def widget() -> FileResponse:
    """The embeddable FAQ widget: one script tag on any site."""
    return FileResponse(
        STATIC_DIR / "widget.js",
        media_type=_JAVASCRIPT,
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


def _public(kb: KnowledgeBase) -> None:
    """Public pages serve only a knowledge base open to anonymous readers."""
    if not kb.settings.anonymous_access:
        raise HTTPException(403, "this knowledge base is not public (KB_ANONYMOUS_ACCESS=false)")


def _moved(path: str, conversation: str | None, via: str | None) -> RedirectResponse:
    """A permanent redirect to the help center (api.prefix puts the proxy's prefix in front),
    the caller's conversation and surface carried on for the page's event."""
    trail = {k: v for k, v in (("conversation", conversation), ("via", via)) if v is not None}
    location = f"{path}?{urlencode(trail)}" if trail else path
    return RedirectResponse(location, 301, headers={"Cache-Control": "public, no-cache"})


@router.get("/faq")
async def web_faq(
    kb: KBDep,
    locale: Annotated[str | None, Query(max_length=35)] = None,
    category: Annotated[str | None, Query(max_length=200)] = None,
    conversation: Conversation = None,
    via: Via = None,
) -> RedirectResponse:
    """The old plain FAQ page: moved to the help center's home (or the category's page), in
    the locale asked (an unknown one falls back there, visibly)."""
    _public(kb)
    asked = locale or kb.settings.default_locale
    if category:
        return _moved(help_urls.category_path(asked, category), conversation, via)
    return _moved(help_urls.home_path(asked), conversation, via)


@router.get("/units/{unit_id}")
async def web_unit(
    unit_id: Annotated[str, Path(max_length=200)],
    kb: KBDep,
    request: Request,
    locale: Annotated[str | None, Query(max_length=35)] = None,
    conversation: Conversation = None,
    via: Via = None,
) -> Response:
    """The old answer page, where the web channel's and the chatbot's links to a unit lead
    (`/units/ID?locale=L`): moved to its help page; the help center's 404 for a unit customers
    may not read (the same for one that does not exist)."""
    _public(kb)
    try:
        snap = kb.services().snapshot
    except NotFound:  # nothing published yet: no unit has a page
        return error_page(request, 404)
    served = kb.served_locale(snap, locale, unit_id)
    unit = public_unit(snap, unit_id, served)
    if unit is None:
        return error_page(request, 404)
    asked = locale or kb.settings.default_locale
    return _moved(help_urls.unit_path(asked, category_of(unit), unit_id), conversation, via)
