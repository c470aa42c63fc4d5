"""The uvicorn options every `kb serve` process runs with, in one place for each way of starting."""

from __future__ import annotations

import importlib
from typing import Any

from api.logging_setup import log_config
from cli.proxying import Proxying
from cli.serving import MAX_HEAD_BYTES
from kb.settings import Settings

__all__ = ["APP", "H11_PROTOCOL", "HTTPTOOLS_PROTOCOL", "http_protocol", "uvicorn_options"]

#: The app factory each worker calls (it opens the knowledge base from KB_*).
APP = "api.app:create_app"
#: `kb serve`'s HTTP protocols (cli/serving.py): on httptools where it is installed, else on h11.
HTTPTOOLS_PROTOCOL = "cli.protocol_httptools:KbHttpToolsProtocol"
H11_PROTOCOL = "cli.protocol_h11:KbH11Protocol"


def _importable(name: str) -> bool:
    """Whether package `name` imports (not only whether it is found: a stand-in may refuse)."""
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


def http_protocol() -> str:
    """The HTTP protocol `kb serve` runs: httptools' parser (C) where it imports, costing about
    a third less CPU a request than h11's pure Python (benchmarks/results/request_overhead.md)."""
    return HTTPTOOLS_PROTOCOL if _importable("httptools") else H11_PROTOCOL


def uvicorn_options(log_level: str, proxying: Proxying | None = None) -> dict[str, Any]:
    """Keyword arguments for `uvicorn.run` / `uvicorn.Config` besides host, port and workers;
    `proxying`: how it sits behind a reverse proxy (none believed, no prefix, by default)."""
    return {
        "factory": True,
        "log_level": log_level,
        # Every process logs in KB_LOG_FORMAT, workers too; a request's line is api.request_log's
        # (only when KB_ACCESS_LOG asks for it: it costs more than a cached answer's ETag and
        # body), not uvicorn's, which logged the question in the query string.
        "log_config": log_config(Settings.from_env().log_format, log_level),
        "access_log": False,
        # A worker loads the current release's index and matchers before it serves; on a busy
        # machine that can take longer than uvicorn's default 5 s ping timeout.
        "timeout_worker_healthcheck": 60,
        # uvloop's event loop where it is installed (it sets TCP_NODELAY on every connection
        # too).
        "loop": "uvloop" if _importable("uvloop") else "asyncio",
        # Either protocol refuses requests before the app sees them (a request line and headers
        # that have not ended within MAX_HEAD_BYTES, or malformed) with problem documents.
        "http": http_protocol(),
        "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
        # No WebSocket routes: an Upgrade request is answered as plain HTTP, whatever is installed.
        "ws": "none",
        **(proxying or Proxying()).uvicorn_options(),
    }
