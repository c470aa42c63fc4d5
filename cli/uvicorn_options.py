"""The uvicorn options every `kb serve` process runs with, in one place for each way of starting."""

from __future__ import annotations

from importlib.util import find_spec
from typing import Any

from cli.serving import MAX_HEAD_BYTES
from kb.settings import Settings

__all__ = ["APP", "uvicorn_options"]

#: The app factory each worker calls (it opens the knowledge base from KB_*).
APP = "api.app:create_app"


def uvicorn_options(log_level: str) -> dict[str, Any]:
    """Keyword arguments for `uvicorn.run` / `uvicorn.Config` besides host, port and workers."""
    return {
        "factory": True,
        "log_level": log_level,
        # A line per request only when asked for (KB_ACCESS_LOG): it costs more than serving a
        # cached answer's ETag and body.
        "access_log": Settings.from_env().access_log,
        # A worker loads the current release's index and matchers before it serves; on a busy
        # machine that can take longer than uvicorn's default 5 s ping timeout.
        "timeout_worker_healthcheck": 60,
        # uvloop's event loop where it is installed (it sets TCP_NODELAY on every connection
        # too); under h11 it saves little, h11 itself being most of a request's protocol cost
        # (benchmarks/results/request_overhead.md).
        "loop": "uvloop" if find_spec("uvloop") is not None else "asyncio",
        # Requests h11 refuses before the app sees them (a request line and headers that have
        # not ended within MAX_HEAD_BYTES, or not HTTP/1.1) get problem documents from there.
        "http": "cli.serving:KbH11Protocol",
        "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
        # No WebSocket routes: an Upgrade request is answered as plain HTTP, whatever is installed.
        "ws": "none",
    }
