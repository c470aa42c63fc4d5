"""HTTP methods in one place: every GET answers HEAD, and a 405 says in Allow what the path takes.

Load balancers and uptime checks ask with HEAD, which FastAPI routes refuse unless each one
lists it. Here a HEAD is routed as the GET it asks about and answered with that GET's status
and headers, without the body (RFC 9110 9.3.2), so no route or OpenAPI operation has to name it.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Match, Mount, Router
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HeadAsGet", "allowed_methods"]

#: The methods a route here may take; an Allow header names those the path takes.
_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
_BODY = ("http.response.body", "http.response.pathsend")


class HeadAsGet:
    """Pure ASGI middleware: HEAD as GET without the body, and a correct Allow on every 405."""

    def __init__(self, app: ASGIApp, *, router: Router) -> None:
        self.app = app
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        # Routing rewrites the scope's root_path as it goes: keep the request as it came.
        request = {"path": scope["path"], "root_path": scope.get("root_path", "")}

        async def answer(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                message = {**message, "headers": self._with_allow(message, request)}
            if head and message["type"] in _BODY:
                if message.get("more_body", False):
                    return  # the GET's body, dropped; the end is still told
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"} if head else scope, receive, answer)

    def _with_allow(self, message: Message, request: Scope) -> list[tuple[bytes, bytes]]:
        """The response's headers with Allow computed from the routes, not the one route tried."""
        allow = ", ".join(allowed_methods(self.router.routes, request))
        headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != b"allow"]
        return [*headers, (b"allow", allow.encode("latin-1"))]


def allowed_methods(routes: list[BaseRoute], request: Scope) -> list[str]:
    """Every method some route takes at the request's path (RFC 9110 15.5.6), HEAD wherever GET
    is. `request` needs only its `path` and `root_path`, as they came from the server."""
    allowed = {
        method for method in _METHODS for route in routes if _takes(route, _probe(request, method))
    }
    if "GET" in allowed:
        allowed.add("HEAD")
    return sorted(allowed)


def _probe(request: Scope, method: str) -> Scope:
    """A fresh request for `method` to match routes against (matching writes into the scope)."""
    return {
        "type": "http",
        "method": method,
        "path": request["path"],
        "root_path": request.get("root_path", ""),
        "headers": [],
        "query_string": b"",
    }


def _takes(route: BaseRoute, probe: Scope) -> bool:
    """Whether `route` answers the probe: a mount of static files takes GET and HEAD only."""
    match, _ = route.matches(probe)
    if match is not Match.FULL:
        return False
    return not isinstance(route, Mount) or (
        isinstance(route.app, StaticFiles) and probe["method"] in ("GET", "HEAD")
    )
