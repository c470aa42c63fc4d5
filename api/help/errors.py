"""The help center's failures as pages in the site's style, not problem documents: an unknown
address or unit is a 404 page with the search box, a closed knowledge base a 403 page, a bug
a 500 page (logged). The JSON API keeps its problem+json (api.errors)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from api.help.layout import Where
from api.help.site import site_of
from api.help.urls import public_base
from api.help.views import error_html
from kb.errors import NotFound

__all__ = ["HelpRoute", "error_page", "where_of"]

_LOG = logging.getLogger("kb.api")
_HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}


def where_of(request: Request) -> Where:
    """Where the page is: the proxy's prefix, the absolute base, the site."""
    settings = request.app.state.kb.settings
    return Where(
        root=str(request.scope.get("root_path", "")),
        base=public_base(request, settings),
        site=site_of(request),
        default_locale=settings.default_locale,
    )


def error_page(request: Request, status: int) -> HTMLResponse:
    """The site's page for `status`, in the locale of the path when the release has it."""
    kb = request.app.state.kb
    locale = kb.settings.default_locale
    release: int | None = None
    try:
        snap = kb.services().snapshot
        release = snap.number
        asked = str(request.path_params.get("locale", ""))
        if asked in snap.locales:
            locale = asked
    except Exception:  # nothing published, or the release cannot load: still say something
        _LOG.debug("help error page without a release", exc_info=True)
    html = error_html(where_of(request), locale, release, status).replace("<!--kb-notice-->\n", "")
    headers = dict(_HEADERS)
    if release is not None:
        headers["X-KB-Version"] = str(release)
    return HTMLResponse(html, status_code=status, headers=headers)


class HelpRoute(APIRoute):
    """A help page's route: its failures become the site's error pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The route's handler, answering errors with pages."""
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except NotFound:
                return error_page(request, 404)
            except RequestValidationError as exc:
                # A path segment no page has (too long): not found. A bad query parameter
                # (conversation, via) is the linking site's mistake: the API's 422 says which.
                if all(error.get("loc", ("",))[0] == "path" for error in exc.errors()):
                    return error_page(request, 404)
                raise
            except HTTPException as exc:
                if exc.status_code in (403, 404):
                    return error_page(request, exc.status_code)
                raise
            except Exception as exc:
                _LOG.error("help page failed: %s", request.url.path, exc_info=exc)
                return error_page(request, 500)

        return guarded
