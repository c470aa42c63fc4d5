"""The HTTP API: thin FastAPI routers over `kb.KnowledgeBase`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from api.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    """`create_app`, imported when first asked for: a process that needs only a module of this
    package (kb serve's event writer wants api.logging_setup) does not load FastAPI's app, its
    routes and its metrics."""
    if name == "create_app":
        from api.app import create_app

        return create_app
    raise AttributeError(f"module 'api' has no attribute {name!r}")
