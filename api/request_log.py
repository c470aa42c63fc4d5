"""Every response carries its request's id (`X-Request-ID`), a delivery response where its time
went (`Server-Timing`), and, with the access log on (KB_ACCESS_LOG), each request is one log line.

The middleware wraps the whole app, outside Starlette's error middleware too, so that a 500, a
404, a problem document and a cached answer sent before the router (api/quick.py) all get the
id. The line says the request id, method, route template and path, status, the release that
answered (its `X-KB-Version`), the channel and the time taken; the path is logged without its
query string, which holds the customer's question (`q`).

`Server-Timing` names the phases kb ran for the request (kb/phases.py: match, search, render),
in milliseconds; a delivery response for which none ran came from this process's caches and
says `cache;desc=hit`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from urllib.parse import parse_qsl, quote

from fastapi import FastAPI
from starlette.routing import get_route_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.events import STARTED
from api.request_id import HEADER, request_id_from, reset_request_id, set_request_id
from api.routes import delivery
from kb.phases import Timings
from renderers import registry

__all__ = ["DELIVERY_ROUTES", "RequestLog", "install_request_log", "server_timing"]

_LOG = logging.getLogger("kb.access")
#: Delivery routes, by template, and the channel each serves when none is asked: their
#: responses say where their time went; the quick path (api/quick.py) answers the first two.
DELIVERY_ROUTES = {
    "/api/v1/answer": delivery.ANSWER_CHANNEL,
    "/api/v1/search": delivery.SEARCH_CHANNEL,
    "/api/v1/units/{unit_id}": "web",
    "/api/v1/faq": "web",
}
_VERSION = b"x-kb-version"
_TEXT = '%s - "%s %s HTTP/%s" %d %.1f ms release=%s channel=%s id=%s'


def server_timing(timings: Timings) -> str:
    """A `Server-Timing` value: each phase run and its milliseconds, or a cache hit."""
    if not timings.phases:
        return "cache;desc=hit"
    return ", ".join(f"{name};dur={ms:.3f}" for name, ms in timings.phases.items())


def _route(scope: Scope) -> str | None:
    """The template of the route that answered, if one did (or the quick path's path)."""
    route = scope.get("route")
    if route is not None:
        return getattr(route, "path", None)
    path = get_route_path(scope)
    return path if path in DELIVERY_ROUTES else None


class RequestLog:
    """Pure ASGI middleware: the request id, Server-Timing and the request's log line."""

    def __init__(self, app: ASGIApp, *, access_log: bool) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope["headers"]:
            if name == HEADER:
                incoming = value
        request_id = request_id_from(incoming)
        echoed = (HEADER, request_id.encode("ascii"))
        token = set_request_id(request_id)
        # Noted in the scope too: a delivery event's latency counts from here (api.events).
        started = scope[STARTED] = time.perf_counter()
        status = 500  # if the app fails before it answers
        release: bytes | None = None
        try:
            with Timings() as timings:

                async def respond(message: Message) -> None:
                    nonlocal status, release
                    if message["type"] == "http.response.start":
                        status = message["status"]
                        headers = [*message.get("headers", ()), echoed]
                        delivered = status in (200, 304) and _route(scope) in DELIVERY_ROUTES
                        if timings.phases or delivered:
                            headers.append((b"server-timing", server_timing(timings).encode()))
                        if self.access_log:
                            release = next((v for k, v in headers if k.lower() == _VERSION), None)
                        message["headers"] = headers
                    await send(message)

                await self.app(scope, receive, respond)
        finally:
            if self.access_log and _LOG.isEnabledFor(logging.INFO):
                took = (time.perf_counter() - started) * 1000.0
                _log(scope, request_id, status, release, took)
            reset_request_id(token)


def _log(scope: Scope, request_id: str, status: int, release: bytes | None, took: float) -> None:
    """The request's line, its fields given apart as well for a JSON log."""
    route = _route(scope)
    asked = dict(parse_qsl(scope["query_string"].decode("latin-1"))).get("channel")
    channel = DELIVERY_ROUTES.get(route or "") if asked is None else asked
    if channel not in registry.names():  # the caller's words: none is written as it came (the
        channel = None  # path is quoted too), so that no one can forge a line
    client = scope.get("client")
    address = f"{client[0]}:{client[1]}" if client else "-"
    version = int(release) if release and release.isdigit() else None
    method, path, http = scope["method"], quote(scope["path"]), scope["http_version"]
    fields = {
        "request_id": request_id,
        "method": method,
        "route": route,
        "path": path,
        "status": status,
        "release": version,
        "duration_ms": round(took, 3),
        "channel": channel,
        "client": address,
    }
    absent = "-"  # in the text line, as access logs write it
    args = (address, method, path, http, status, took, version or absent, channel or absent)
    _LOG.info(_TEXT, *args, request_id, extra=fields)


def install_request_log(app: FastAPI, *, access_log: bool) -> None:
    """Wrap everything `app` builds, its error middleware included, in a RequestLog: call last,
    after anything else that wraps the stack (api/tracing.py), so that this one is outermost."""
    build: Callable[[], ASGIApp] = app.build_middleware_stack

    def build_with_request_log() -> ASGIApp:
        return RequestLog(build(), access_log=access_log)

    app.build_middleware_stack = build_with_request_log  # type: ignore[method-assign]
