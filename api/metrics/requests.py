"""Every request counted and timed by route template, method, status and channel.

A pure ASGI middleware outside the quick path (api/quick.py), so that cached answers it sends
before the router runs are counted like the rest. The route is the template the router matched
(`/api/v1/units/{unit_id}`, never the raw path, so that the series stay few); a request the
router never saw (the quick path's, a 405 made outside it) takes the template its path is
exactly, and a path no route has is `unmatched`. The channel is the `channel` parameter of a
route that takes one, or its default; a value no renderer has is `other`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from urllib.parse import unquote_plus

from fastapi.routing import APIRoute, iter_route_contexts
from prometheus_client import Counter, Histogram
from starlette.routing import BaseRoute, get_route_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.metrics.series import REQUEST_DURATION, REQUESTS
from renderers import registry

__all__ = ["METHODS", "OTHER", "UNMATCHED", "RequestMetrics"]

#: The route label of a path no route has.
UNMATCHED = "unmatched"
#: The method or channel label of one that is not among the known.
OTHER = "other"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_CHANNEL = b"channel="
#: Query strings whose channel is remembered, and the longest remembered (a few MB at most).
ASKED = 4096
ASKED_BYTES = 1024
_CHANNEL_VALUE = re.compile(rb"(?:^|&)channel=([^&]*)")


class RequestMetrics:
    """Pure ASGI middleware: counts and times each HTTP request of `routes` (the app's list)."""

    def __init__(self, app: ASGIApp, *, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self._routes = routes
        # Made on the first request, when every route is in: routes are added after this.
        self._exact: dict[str, str] | None = None
        self._templates: dict[int, str] = {}  # by id(): routes compare by value, not hash
        self._channels: dict[str, str] = {}
        # Labelled series and channels asked, kept: prometheus_client's `labels` takes a lock
        # and checks the labels, and a query string takes microseconds to read.
        self._series: dict[tuple[str, str, int, str], tuple[Counter, Histogram]] = {}
        self._asked: dict[tuple[bytes, str], str] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before it answers

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self._record(scope, status, time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        if self._exact is None:
            self._learn_routes()
        route = self._route(scope)
        default = self._channels.get(route)
        channel = "" if default is None else self._channel(scope["query_string"], default)
        method = scope["method"] if scope["method"] in METHODS else OTHER
        key = (route, method, status, channel)
        series = self._series.get(key)
        if series is None:
            counter = REQUESTS.labels(route, method, str(status), channel)
            series = self._series[key] = (counter, REQUEST_DURATION.labels(route))
        series[0].inc()
        series[1].observe(seconds)

    def _channel(self, query: bytes, default: str) -> str:
        """`_channel`, remembered for the query strings asked again (a cached answer's)."""
        key = (query, default)
        channel = self._asked.get(key)
        if channel is None:
            channel = _channel(query, default)
            if len(query) <= ASKED_BYTES:
                if len(self._asked) >= ASKED:
                    self._asked.clear()
                self._asked[key] = channel
        return channel

    def _route(self, scope: Scope) -> str:
        """The template of the route that answered, or that the path exactly is."""
        route = scope.get("route")
        if route is not None:
            return self._templates.get(id(route)) or str(getattr(route, "path", UNMATCHED))
        assert self._exact is not None
        return self._exact.get(get_route_path(scope), UNMATCHED)

    def _learn_routes(self) -> None:
        """Each route's template (as FastAPI includes it), the paths that are one exactly, and
        which routes take a channel (with its default)."""
        templates, exact, channels = {}, {}, {}
        for context in iter_route_contexts(self._routes):
            path, route = context.path, context.original_route
            if path is None:
                continue
            templates[id(route)] = path
            if "{" not in path:
                exact[path] = path
            if isinstance(route, APIRoute):
                for param in route.dependant.query_params:
                    if param.name == "channel" and isinstance(param.default, str):
                        channels[path] = param.default
        self._templates, self._exact, self._channels = templates, exact, channels


def _channel(query: bytes, default: str) -> str:
    """The channel a query string asks (`default` when none), as a label."""
    if _CHANNEL not in query:
        return default
    asked = _CHANNEL_VALUE.findall(query)  # a regular expression: parse_qsl took 8 µs
    if not asked:
        return default
    raw = asked[0].decode("latin-1")
    name = unquote_plus(raw) if "%" in raw or "+" in raw else raw
    return name if len(asked) == 1 and name in registry.names() else OTHER
