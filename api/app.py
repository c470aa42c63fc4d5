"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException

from api.errors import install_error_handlers, problem
from api.routes import answers, health, units
from kb.knowledge_base import KnowledgeBase

__all__ = ["create_app"]


def create_app(kb: KnowledgeBase | None = None) -> FastAPI:
    """Build the app around `kb`, or around one opened from the environment at start-up."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = kb is None
        app.state.kb = kb or KnowledgeBase.open()
        try:
            yield
        finally:
            if owned:
                app.state.kb.close()

    app = FastAPI(title="Knowledge base", version="1", lifespan=lifespan)
    if kb is not None:
        app.state.kb = kb
    install_error_handlers(app)

    @app.exception_handler(HTTPException)
    async def _http_problem(_request: Request, exc: HTTPException):  # type: ignore[no-untyped-def]
        return problem(exc.status_code, "Error", str(exc.detail))

    app.include_router(health.router)
    app.include_router(units.router)
    app.include_router(answers.router)
    return app
