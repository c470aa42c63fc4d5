"""The FastAPI application factory: routes, errors, limits, CORS and the release at start-up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import Depends, FastAPI
from starlette.concurrency import run_in_threadpool

from api.cors import DeliveryCORS
from api.deps import single_valued_query
from api.docs import install_docs
from api.errors import install_error_handlers
from api.help import routes as help_pages
from api.help import seo_files
from api.help.theme import load_theme
from api.limits import SizeLimits
from api.methods import HeadAsGet
from api.metrics.requests import RequestMetrics
from api.metrics.route import install_metrics
from api.openapi import install_openapi, stable_operation_id
from api.prefix import RootPathLocations
from api.quick import QuickDelivery
from api.request_log import install_request_log
from api.routes import (
    audit,
    consistency,
    delivery,
    drafts,
    editing,
    feedback,
    health,
    insights,
    keys,
    pages,
    receipts,
    releases,
    review,
    schedules,
    verification,
    webhooks,
)
from api.tracing import Tracing, install_tracing
from kb.answers.threads import answer_on_one_thread
from kb.knowledge_base import KnowledgeBase
from kb.scheduling.scheduler import start_scheduler, stop_scheduler
from kb.settings import Settings
from kb.webhooks.worker import start_worker, stop_worker
from renderers import registry
from renderers.checks import publish_gate

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export import SpanExporter

__all__ = ["create_app"]

_DESCRIPTION = """\
One knowledge base for every support channel. Every response says which release served it
(`kb_version` and the `X-KB-Version` header). Send keys as `Authorization: Bearer KEY`;
without one you read public content in the web, chatbot and IVR channels. Errors are
RFC 9457 problem details.
"""


#: Every route of the API, in the order the OpenAPI document lists them.
ROUTERS = (
    health.router,
    delivery.router,
    drafts.router,
    editing.router,
    releases.router,
    schedules.router,
    review.router,
    verification.router,
    keys.router,
    audit.router,
    consistency.router,
    insights.router,
    receipts.router,
    feedback.router,
    pages.router,
    help_pages.router,
    seo_files.router,
    webhooks.router,
)


def create_app(
    kb: KnowledgeBase | None = None, *, span_exporter: SpanExporter | None = None
) -> FastAPI:
    """Build the app around `kb`, or around one opened from the environment at start-up;
    `span_exporter` traces it whatever KB_TRACE_EXPORTER says (tests)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = kb is None
        answer_on_one_thread()  # one question at a time per worker: BLAS threads only cost
        # Front matter may name every registered channel, plug-ins' too (like the CLI's).
        app.state.kb = kb or KnowledgeBase.open(channels=registry.names())
        tracing: Tracing = app.state.tracing
        tracing.start(app.state.kb)  # its database queries and phases too (api.tracing)
        # Load the current release before the first request, then follow new ones published
        # by any process on this database.
        await run_in_threadpool(app.state.kb.follow_releases)
        sender = start_worker(app.state.kb.db, app.state.kb.settings)  # webhooks, off requests
        # The scheduler (KB_SCHEDULER) runs in a served app, not around a given kb (tests).
        scheduler = (
            start_scheduler(
                app.state.kb,
                gate=publish_gate(settings=app.state.kb.settings),
            )
            if owned
            else None
        )
        try:
            yield
        finally:
            await run_in_threadpool(stop_scheduler, scheduler)
            stop_worker(sender)
            tracing.stop()
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
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", pages.AssetFiles(directory=pages.STATIC_DIR), name="static")
    install_docs(app)
    settings = kb.settings if kb else Settings.from_env()
    # The help center's theme, checked before serving: a bad KB_THEME file stops the start.
    app.state.theme = load_theme(settings)
    install_openapi(app, anonymous_access=settings.anonymous_access)
    install_metrics(app, settings.metrics_role)
    # Innermost: a cached answer or search is sent before the router runs (api.quick).
    app.add_middleware(QuickDelivery)
    if settings.cors_origins:
        app.add_middleware(DeliveryCORS, origins=settings.cors_origins)
    app.add_middleware(SizeLimits)
    # Under a proxy's path prefix (kb serve --root-path), Location headers carry it.
    app.add_middleware(RootPathLocations)
    # HEAD is a GET to everything inside, and every 405 gets its Allow here.
    app.add_middleware(HeadAsGet, router=app.router)
    # Outside the quick path and the middlewares above: every request counted and timed, those
    # the quick path answers too, and those they refuse (api.metrics).
    app.add_middleware(RequestMetrics, routes=app.router.routes)
    # Traces, if configured, then around everything, errors included: request ids, Server-Timing
    # and the access log (api.request_log). In this order: each wraps what the app builds.
    app.state.tracing = install_tracing(app, settings, exporter=span_exporter)
    install_request_log(app, access_log=settings.access_log)
    return app
