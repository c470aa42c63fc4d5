"""The FastAPI application factory: routes, errors, limits, CORS and the release at start-up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from starlette.concurrency import run_in_threadpool

from api.cors import DeliveryCORS
from api.deps import single_valued_query
from api.docs import install_docs
from api.errors import install_error_handlers
from api.limits import SizeLimits
from api.methods import HeadAsGet
from api.openapi import install_openapi, stable_operation_id
from api.quick import QuickDelivery
from api.routes import consistency, delivery, drafts, editing, health, keys, pages, releases
from kb.answers.threads import answer_on_one_thread
from kb.knowledge_base import KnowledgeBase
from kb.settings import Settings

__all__ = ["create_app"]

_DESCRIPTION = """\
One knowledge base for every support channel. Every response says which release served it
(`kb_version` and the `X-KB-Version` header). Send keys as `Authorization: Bearer KEY`;
without one you read public content in the web, chatbot and IVR channels. Errors are
RFC 9457 problem details.
"""


def create_app(kb: KnowledgeBase | None = None) -> FastAPI:
    """Build the app around `kb`, or around one opened from the environment at start-up."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = kb is None
        answer_on_one_thread()  # one question at a time per worker: BLAS threads only cost
        app.state.kb = kb or KnowledgeBase.open()
        # Load the current release before the first request, then follow new ones published
        # by any process on this database.
        await run_in_threadpool(app.state.kb.follow_releases)
        try:
            yield
        finally:
            app.state.kb.stop_following()
            if owned:
                app.state.kb.close()

    app = FastAPI(
        title="Knowledge base",
        version="1",
        description=_DESCRIPTION,
        lifespan=lifespan,
        dependencies=[Depends(single_valued_query)],
        # Each documented route names its operationId; the document refuses one that does not.
        generate_unique_id_function=stable_operation_id,
        # FastAPI's pages load their scripts from a CDN; api.docs serves them from the package.
        docs_url=None,
        redoc_url=None,
    )
    if kb is not None:
        app.state.kb = kb
    install_error_handlers(app)
    for router in (
        health.router,
        delivery.router,
        drafts.router,
        editing.router,
        releases.router,
        keys.router,
        consistency.router,
        pages.router,
    ):
        app.include_router(router)
    app.mount("/static", pages.AssetFiles(directory=pages.STATIC_DIR), name="static")
    install_docs(app)
    settings = kb.settings if kb else Settings.from_env()
    install_openapi(app, anonymous_access=settings.anonymous_access)
    # Innermost: a cached answer or search is sent before the router runs (api.quick).
    app.add_middleware(QuickDelivery)
    if settings.cors_origins:
        app.add_middleware(DeliveryCORS, origins=settings.cors_origins)
    app.add_middleware(SizeLimits)
    # Outermost: HEAD is a GET to everything inside, and every 405 gets its Allow here.
    app.add_middleware(HeadAsGet, router=app.router)
    return app
