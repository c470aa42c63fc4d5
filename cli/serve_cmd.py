"""`kb serve`: the HTTP API with uvicorn, after a check that the knowledge base opens;
with --workers above 1, in worker processes that cli/workers.py supervises."""

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
        str, typer.Option(help="uvicorn log level; the access log also needs KB_ACCESS_LOG=true.")
    ] = "info",
) -> None:
    """Serve the HTTP API with uvicorn (each worker opens the knowledge base from KB_*)."""
    for name, value in ONE_THREAD.items():  # before any numerical library loads, here or in
        os.environ.setdefault(name, value)  # the workers, which inherit the environment
    import uvicorn

    from cli.uvicorn_options import APP, uvicorn_options
    from cli.workers import serve_workers

    with open_kb() as kb:  # fail here, with a clear message, rather than in every worker
        release = kb.current_release()
        typer.echo(
            f"Serving release {release.number if release else '(none yet)'} from "
            f"{kb.db.safe_url} on http://{host}:{port} with {workers} worker(s)",
            err=True,
        )
    if workers == 1:  # in this process, as uvicorn runs it
        uvicorn.run(APP, host=host, port=port, workers=1, **uvicorn_options(log_level))
        return
    # Each worker on a socket of its own (SO_REUSEPORT), so that connections opened together
    # are spread across the workers rather than all accepted by one (cli/workers.py).
    status = serve_workers(host, port, workers, log_level)
    if status:
        raise typer.Exit(status)
