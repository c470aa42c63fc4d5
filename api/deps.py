"""Dependencies shared by the routers."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError

from kb.knowledge_base import KnowledgeBase

__all__ = ["KBDep", "get_kb", "single_valued_query"]


async def get_kb(request: Request) -> KnowledgeBase:
    """The knowledge base the app was started with (async: no thread hop for a lookup)."""
    return request.app.state.kb  # type: ignore[no-any-return]


KBDep = Annotated[KnowledgeBase, Depends(get_kb)]


async def single_valued_query(request: Request) -> None:
    """Every query parameter here takes one value: refuse one given twice rather than guess
    which counts (Starlette would quietly keep the last)."""
    counts = Counter(name for name, _ in request.query_params.multi_items())
    repeated = sorted(name for name, count in counts.items() if count > 1)
    if repeated:
        raise RequestValidationError(
            [
                {"type": "repeated", "loc": ("query", name), "msg": "give it once", "input": None}
                for name in repeated
            ]
        )
