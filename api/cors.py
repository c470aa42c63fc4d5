"""CORS for the delivery routes only, so a website on another domain can embed the widget."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from api.prefix import route_path

__all__ = ["DELIVERY_PATHS", "DeliveryCORS"]

#: Read-only routes a browser on a customer's site may call; authoring is never cross-origin.
DELIVERY_PATHS = (
    "/api/v1/answer",
    "/api/v1/search",
    "/api/v1/units/",
    "/api/v1/faq",
    "/api/v1/releases/current",
)
#: Where the widget on a customer's site posts a reader's "was this helpful?" (anonymously).
FEEDBACK_PATH = "/api/v1/feedback"


class DeliveryCORS:
    """Starlette's CORS handling, applied to delivery paths and the configured origins only."""

    def __init__(self, app: ASGIApp, *, origins: Sequence[str]) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=list(origins),
            allow_methods=["GET"],
            allow_headers=["Authorization", "If-None-Match", "X-Request-ID"],
            # X-KB-Receipt: the widget sends it back with a customer's feedback (issue 16).
            expose_headers=["ETag", "X-KB-Version", "X-Request-ID", "X-KB-Receipt"],
            max_age=600,
        )
        self.feedback = CORSMiddleware(
            app,
            allow_origins=list(origins),
            allow_methods=["POST"],
            allow_headers=["Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = route_path(scope) if scope["type"] == "http" else ""
        if path.startswith(DELIVERY_PATHS):
            await self.cors(scope, receive, send)
        elif path == FEEDBACK_PATH:
            await self.feedback(scope, receive, send)
        else:
            await self.app(scope, receive, send)
