"""Dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from kb.knowledge_base import KnowledgeBase
from renderers import registry
from renderers.base import Renderer

__all__ = ["KBDep", "customer_channel", "get_kb"]


def get_kb(request: Request) -> KnowledgeBase:
    """The knowledge base the app was started with."""
    return request.app.state.kb  # type: ignore[no-any-return]


KBDep = Annotated[KnowledgeBase, Depends(get_kb)]


def customer_channel(name: str) -> Renderer:
    """The renderer for a channel anonymous callers may use (staff channels need a key)."""
    if name not in registry.names():
        raise HTTPException(422, f"unknown channel '{name}'; known: {', '.join(registry.names())}")
    renderer = registry.get(name)
    if renderer.for_staff:
        raise HTTPException(403, "this channel needs an operator key")
    return renderer
