"""Size limits on requests, enforced before any route runs: 414, 431 and 413 as problem details.

Requests larger still are refused below the app, by the HTTP protocol `kb serve` runs
(`cli/serving.py`), with the same problem documents.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["MAX_BODY_BYTES", "MAX_HEADER_BYTES", "MAX_QUERY_BYTES", "SizeLimits", "problem_json"]

#: A unit's Markdown is a few kilobytes; an import of thousands goes through `kb import`.
MAX_BODY_BYTES = 1 << 20
#: Questions are capped at 500 characters; percent-encoded Cyrillic takes six bytes each.
MAX_QUERY_BYTES = 4096
#: Headers as sent ("name: value" lines): room for a host site's cookies, as nginx allows.
MAX_HEADER_BYTES = 32 * 1024


class _TooLarge(Exception):
    pass


class SizeLimits:
    """Pure ASGI middleware: refuses long query strings and large bodies, even chunked ones."""

    def __init__(self, app: ASGIApp, *, max_body: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if len(scope.get("query_string", b"")) > MAX_QUERY_BYTES:
            await _problem(send, 414, "URI too long", f"query string over {MAX_QUERY_BYTES} bytes")
            return
        if sum(len(name) + len(value) + 4 for name, value in scope["headers"]) > MAX_HEADER_BYTES:
            detail = f"request headers over {MAX_HEADER_BYTES} bytes"
            await _problem(send, 431, "Request header fields too large", detail)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            await _problem(send, 413, "Content too large", self._body_detail())
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _problem(send, 413, "Content too large", self._body_detail())

    def _body_detail(self) -> str:
        return f"request body over {self.max_body} bytes"


def problem_json(status: int, title: str, detail: str) -> bytes:
    """A problem document's bytes, for responses sent from below the framework."""
    problem = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return json.dumps(problem).encode()


async def _problem(send: Send, status: int, title: str, detail: str) -> None:
    """Send a problem-details response from below the framework."""
    body = problem_json(status, title, detail)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
