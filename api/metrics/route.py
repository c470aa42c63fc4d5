"""`GET /metrics` on the API port, for keys of the role `KB_METRICS_ROLE` names, or none.

Left out of the OpenAPI document: a scraper reads it, not the API's clients, and its body is
Prometheus's text format rather than JSON. A missing or unknown key is the API's usual 401, a
key of too weak a role its 403 (api.auth); with the setting `off` the route does not exist.
"""

from __future__ import annotations

from functools import cache

from fastapi import Depends, FastAPI, Request, Response
from prometheus_client import REGISTRY, CollectorRegistry, values
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool

import api.metrics.series  # noqa: F401  (the series exist from the start, even unscraped)
from api.auth import require
from api.metrics.events import count_events
from kb.store.keys import Role

__all__ = ["OFF", "PATH", "install_metrics", "scraped"]

PATH = "/metrics"
#: The `KB_METRICS_ROLE` that serves no /metrics on the API port.
OFF = "off"


@cache
def scraped() -> Collector:
    """What a scrape of this process reads: every worker's files when prometheus_client keeps
    its values in them (its multiprocess mode, PROMETHEUS_MULTIPROC_DIR set before it was
    imported, as `kb serve --workers` does), else this process's own registry."""
    if values.ValueClass is values.MutexValue:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry


async def _metrics(request: Request) -> Response:
    """The metrics in the format the scraper accepts (Prometheus text, or OpenMetrics)."""
    count_events(request.app.state.kb.events)  # what this process's recorder did by now
    encode, media_type = choose_encoder(request.headers.get("accept", ""))
    body = await run_in_threadpool(encode, scraped())  # every worker's files: off the loop
    return Response(body, headers={"Content-Type": media_type, "Cache-Control": "no-store"})


def install_metrics(app: FastAPI, role: str) -> None:
    """Serve `/metrics` to callers whose key holds `role` or a higher one (unless `role` is
    OFF): Role's names, as `KB_METRICS_ROLE` takes them."""
    if role == OFF:
        return
    app.add_api_route(
        PATH,
        _metrics,
        methods=["GET"],
        include_in_schema=False,
        dependencies=[Depends(require(Role.parse(role)))],
    )
