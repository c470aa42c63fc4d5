"""/docs (Swagger UI) and /redoc (ReDoc), served with scripts installed with the package.

FastAPI's own pages load Swagger UI and ReDoc from a CDN, so they are blank without the
internet and tell a third party who reads the docs. These follow FastAPI's "Self-hosting
JavaScript and CSS for docs" recipe with the files of the pinned `fastapi-offline` wheel, and
a Content-Security-Policy that lets the pages load nothing from anywhere else.
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib.resources import files
from pathlib import Path as FilePath

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

from api.routes.pages import AssetFiles

__all__ = ["ASSETS_DIR", "ASSETS_URL", "install_docs"]

#: Swagger UI's bundle and stylesheet, ReDoc's standalone bundle and a favicon.
ASSETS_DIR = FilePath(str(files("fastapi_offline") / "static"))
ASSETS_URL = "/docs/assets"

router = APIRouter(include_in_schema=False)

#: Swagger UI takes a key ("Authorize"), so the pages get the editor's headers: never framed,
#: no referrer. Scripts only from here (and FastAPI's inline start-up script, by its hash);
#: both UIs style elements inline, ReDoc searches in a worker it makes from a blob.
_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
    "X-Frame-Options": "DENY",
}
_POLICY = (
    "default-src 'self'; script-src 'self'{scripts}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; base-uri 'none'; frame-ancestors 'none'"
)
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI: every operation with its examples, and "Try it out"."""
    app, root = request.app, request.scope.get("root_path", "")
    page = get_swagger_ui_html(
        openapi_url=f"{root}{app.openapi_url}",
        title=f"{app.title} - Swagger UI",
        swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
        swagger_ui_parameters=app.swagger_ui_parameters,
    )
    return _secured(page)


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    """ReDoc: the same document as one readable page."""
    app, root = request.app, request.scope.get("root_path", "")
    page = get_redoc_html(
        openapi_url=f"{root}{app.openapi_url}",
        title=f"{app.title} - ReDoc",
        redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
        redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
        with_google_fonts=False,
    )
    return _secured(page)


def _secured(page: HTMLResponse) -> HTMLResponse:
    """`page` with the headers above, its inline scripts allowed by their SHA-256 only."""
    body = bytes(page.body).decode("utf-8")
    hashes = "".join(
        f" 'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
        for s in _INLINE_SCRIPT.findall(body)
    )
    page.headers.update({**_HEADERS, "Content-Security-Policy": _POLICY.format(scripts=hashes)})
    return page


def install_docs(app: FastAPI) -> None:
    """Serve /docs, /redoc and their assets; `app` must be made with docs_url and redoc_url None."""
    app.include_router(router)
    app.mount(ASSETS_URL, AssetFiles(directory=ASSETS_DIR), name="docs-assets")
