"""Serving under a proxy's path prefix (`kb serve --root-path /kb`): the server puts the prefix
in front of each request's path (ASGI's root_path), routes match what follows it, and the
Location headers the app sends carry it, so that a client reaches them through the proxy."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["RootPathLocations", "route_path"]


def route_path(scope: Scope) -> str:
    """The request's path as the routes see it: without the root path in front, as Starlette's
    router strips it (uvicorn puts it there; an ASGI test transport may not)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root) : len(root) + 1] in ("", "/"):
        return path[len(root) :] or "/"
    return path


class RootPathLocations:
    """Pure ASGI middleware: a Location the routes give from / (`/api/v1/releases/7`) gets the
    root path in front; absolute ones (Starlette's redirects) carry it already."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        root = scope.get("root_path", "").encode("latin-1") if scope["type"] == "http" else b""
        if not root:
            await self.app(scope, receive, send)
            return

        async def prefixed(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, root + v if k.lower() == b"location" and _from_root(v) else v)
                    for k, v in message.get("headers", ())
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, prefixed)


def _from_root(location: bytes) -> bool:
    """Whether `location` is a path from the site's root (`/x`, not `//host/x` or `x`)."""
    return location.startswith(b"/") and not location.startswith(b"//")
