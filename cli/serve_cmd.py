"""`kb serve`: the HTTP API with uvicorn, after a check that the knowledge base opens."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from cli.common import open_kb

#: A worker answers one question at a time and more cores mean more workers, so numerical
#: libraries get one thread each unless the operator set these (kb/answers/threads.py).
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

__all__ = ["serve"]


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="Server processes sharing the port and the database.")
    ] = 1,
    log_level: Annotated[
        str, typer.Option(help="uvicorn log level; 'warning' drops the access log.")
    ] = "info",
) -> None:
    """Serve the HTTP API with uvicorn (each worker opens the knowledge base from KB_*)."""
    for name, value in ONE_THREAD.items():  # before any numerical library loads, here or in
        os.environ.setdefault(name, value)  # the workers, which inherit the environment
    import uvicorn

    from cli.serving import MAX_HEAD_BYTES

    with open_kb() as kb:  # fail here, with a clear message, rather than in every worker
        release = kb.current_release()
        typer.echo(
            f"Serving release {release.number if release else '(none yet)'} from "
            f"{kb.db.safe_url} on http://{host}:{port} with {workers} worker(s)",
            err=True,
        )
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        # A worker loads the current release's index and matchers before it serves; on a busy
        # machine that can take longer than uvicorn's default 5 s ping timeout.
        timeout_worker_healthcheck=60,
        # Requests h11 refuses before the app sees them (a request line and headers that have
        # not ended within MAX_HEAD_BYTES, or not HTTP/1.1) get problem documents from there.
        http="cli.serving:KbH11Protocol",
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        # No WebSocket routes: an Upgrade request is answered as plain HTTP, whatever is installed.
        ws="none",
    )
