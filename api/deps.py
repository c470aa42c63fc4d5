"""Dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from kb.knowledge_base import KnowledgeBase

__all__ = ["KBDep", "get_kb"]


def get_kb(request: Request) -> KnowledgeBase:
    """The knowledge base the app was started with."""
    return request.app.state.kb  # type: ignore[no-any-return]


KBDep = Annotated[KnowledgeBase, Depends(get_kb)]
