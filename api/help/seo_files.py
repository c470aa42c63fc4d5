"""The files crawlers and browsers ask every site for: /sitemap.xml (api/help/sitemap.py, kept per
release), /robots.txt (the help center open to crawling, staff pages and the API closed) and
/favicon.ico with /favicon.svg (browsers ask for it on every page: a 404 is a console error).

With KB_ANONYMOUS_ACCESS=false nothing is public: the sitemap is 403 and robots.txt closes all.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path as FilePath
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Path
from fastapi.responses import FileResponse, PlainTextResponse
from starlette.requests import Request
from starlette.responses import Response

from api.caching import kept_or_made
from api.deps import KBDep
from api.help.sitemap import (
    help_pages,
    sitemap_files,
    sitemap_index,
    w3c_datetime,
)
from api.help.urls import HELP, public_base
from kb import KnowledgeBase
from kb.store.snapshot import Snapshot

__all__ = ["ROBOTS_DISALLOWED", "router"]

router = APIRouter(include_in_schema=False)

_STATIC = FilePath(__file__).resolve().parent.parent / "static"
_XML = "application/xml; charset=utf-8"
#: What crawlers must not index: the API, the staff pages and their assets, the API's docs,
#: the service's own probes and metrics. The help center's assets under /static/help stay open,
#: as search engines render a page with its styles and scripts.
ROBOTS_DISALLOWED = (
    "/api/",
    "/panel",
    "/editor",
    "/static/panel",
    "/static/editor",
    "/docs",
    "/redoc",
    "/openapi.json",
    "/metrics",
    "/healthz",
    "/readyz",
)
#: An icon changes with a deploy, not a release: browsers may keep it a day.
_ICON_HEADERS = {"Cache-Control": "public, max-age=86400"}


def _public(kb: KnowledgeBase) -> None:
    """The sitemap lists a knowledge base open to anonymous readers only."""
    if not kb.settings.anonymous_access:
        raise HTTPException(403, "this knowledge base is not public (KB_ANONYMOUS_ACCESS=false)")


def _headers(release: int | None) -> dict[str, str]:
    """What the sitemap is sent with: revalidated on each use, naming its release."""
    return {"Cache-Control": "public, no-cache", "X-KB-Version": str(release)}


def _files(snap: Snapshot, base: str, default_locale: str) -> list[bytes]:
    """The release's sitemap files under `base`."""
    assert snap.release is not None
    lastmod = w3c_datetime(snap.release.created_at)
    return sitemap_files(help_pages(snap, default_locale), base, lastmod)


def _document(snap: Snapshot, base: str, default_locale: str, number: int) -> bytes:
    """Sitemap document `number`: 0 is /sitemap.xml (the only file, or the index of the files),
    1 and on are the files (/sitemap-1.xml is /sitemap.xml's content when it is the only one)."""
    files = _files(snap, base, default_locale)
    if number == 0:
        if len(files) == 1:
            return files[0]
        assert snap.release is not None
        locations = [f"{base}/sitemap-{n}.xml" for n in range(1, len(files) + 1)]
        return sitemap_index(locations, w3c_datetime(snap.release.created_at))
    return files[number - 1] if number <= len(files) else b""


async def _sitemap(request: Request, kb: KnowledgeBase, number: int) -> Response:
    """Sitemap document `number` of the current release, made once per release and base URL."""
    _public(kb)
    snap = kb.services().snapshot
    base = public_base(request, kb.settings)
    key = ("sitemap", snap.number, base, number)
    make = partial(_document, snap, base, kb.settings.default_locale, number)
    body = await kept_or_made(request, key, make)
    if not body:
        raise HTTPException(404, f"no sitemap-{number}.xml: the sitemap is {base}/sitemap.xml")
    return Response(body, media_type=_XML, headers=_headers(snap.number))


@router.get("/sitemap.xml")
async def sitemap(request: Request, kb: KBDep) -> Response:
    """Every public page of the help center in every locale, with its translations."""
    return await _sitemap(request, kb, 0)


@router.get("/sitemap-{number}.xml")
async def sitemap_part(
    request: Request, kb: KBDep, number: Annotated[int, Path(ge=1, le=50_000)]
) -> Response:
    """One file of a sitemap too large for one (listed by the index at /sitemap.xml)."""
    return await _sitemap(request, kb, number)


@router.get("/robots.txt", response_class=PlainTextResponse)
async def robots(request: Request, kb: KBDep) -> PlainTextResponse:
    """The help center open to crawlers, the rest closed, and where the sitemap is; all closed
    when the knowledge base is not public."""
    if not kb.settings.anonymous_access:
        return PlainTextResponse("User-agent: *\nDisallow: /\n")
    base = public_base(request, kb.settings)
    prefix = urlsplit(base).path.rstrip("/")  # under a proxy's path prefix (--root-path)
    lines = [
        "User-agent: *",
        f"Allow: {prefix}{HELP}",
        *(f"Disallow: {prefix}{path}" for path in ROBOTS_DISALLOWED),
        "",
        f"Sitemap: {base}/sitemap.xml",
    ]
    return PlainTextResponse("\n".join(lines) + "\n")


@router.get("/favicon.ico")
async def favicon_ico() -> FileResponse:
    """The site's icon where browsers look for it."""
    return FileResponse(_STATIC / "favicon.ico", media_type="image/x-icon", headers=_ICON_HEADERS)


@router.get("/favicon.svg")
async def favicon_svg() -> FileResponse:
    """The icon as SVG, for pages that link it (sharp at every size)."""
    return FileResponse(_STATIC / "favicon.svg", media_type="image/svg+xml", headers=_ICON_HEADERS)
