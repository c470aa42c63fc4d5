"""`kb serve`: the HTTP API with uvicorn, after a check that the knowledge base opens."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import open_kb

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
    import uvicorn

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
        http="cli.serving:NoDelayH11Protocol",
    )
