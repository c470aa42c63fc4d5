"""`kb serve`'s side of the metrics: the loopback port (`KB_METRICS_PORT`) and, under
`--workers`, the folder prometheus_client's multiprocess mode keeps every worker's metrics in.

The folder is made fresh and private (mode 0700) for each run before any worker starts, so no
count of an earlier run or of another user's server is added in, and removed when the server
stops. Each worker inherits it through PROMETHEUS_MULTIPROC_DIR, which prometheus_client reads
when the worker imports it; a worker that ends is marked dead (its live gauges drop out, its
counts stay). The port is served from this process: the workers' files added up under
`--workers`, this process's own registry otherwise. It listens on 127.0.0.1 only and asks for
no key, for a scraper (or an agent) on the same machine.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import typer
from prometheus_client import REGISTRY, CollectorRegistry, start_http_server
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector
from uvicorn.config import STARTUP_FAILURE

__all__ = ["LOOPBACK", "MULTIPROC_VARIABLE", "serving_metrics", "worker_gone"]

LOOPBACK = "127.0.0.1"
#: Where prometheus_client's multiprocess mode looks for its folder.
MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

#: The folder of the workers' metrics while `serving_metrics(..., shared=True)` runs.
_folder: Path | None = None


@contextmanager
def serving_metrics(port: int | None, *, shared: bool) -> Iterator[None]:
    """While the block runs: with `shared`, the workers' metrics folder; with `port`, the
    metrics on 127.0.0.1:`port`. A port that cannot be listened on ends `kb serve` (exit 3)."""
    with ExitStack() as stack:
        collector: Collector = REGISTRY
        if shared:
            folder = stack.enter_context(_workers_folder())
            collector = CollectorRegistry()
            MultiProcessCollector(collector, path=str(folder))
        if port is not None:
            stack.enter_context(_loopback(port, collector))
        yield


def worker_gone(pid: int) -> None:
    """A worker ended: its live gauges no longer count (its counters stay in the sums)."""
    if _folder is not None:
        mark_process_dead(pid, str(_folder))


@contextmanager
def _workers_folder() -> Iterator[Path]:
    """A fresh private folder named by PROMETHEUS_MULTIPROC_DIR until the block ends."""
    global _folder
    folder = Path(tempfile.mkdtemp(prefix="kb-metrics-"))
    os.environ[MULTIPROC_VARIABLE] = str(folder)  # the workers, spawned later, inherit it
    _folder = folder
    try:
        yield folder
    finally:
        _folder = None
        os.environ.pop(MULTIPROC_VARIABLE, None)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _loopback(port: int, collector: Collector) -> Iterator[None]:
    """prometheus_client's own HTTP server on 127.0.0.1:`port`, in a thread, until the end."""
    try:
        server, thread = start_http_server(port, addr=LOOPBACK, registry=collector)
    except OSError as exc:
        typer.echo(f"error: KB_METRICS_PORT: cannot listen on {LOOPBACK}:{port}: {exc}", err=True)
        raise typer.Exit(STARTUP_FAILURE) from None
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
