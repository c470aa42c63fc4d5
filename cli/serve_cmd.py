"""`kb serve`: the HTTP API with uvicorn, after a check that the knowledge base opens;
with --workers above 1, in worker processes that cli/workers.py supervises."""

from __future__ import annotations

import logging.config
import os
from collections.abc import Callable
from typing import Annotated

import typer

from cli.common import open_kb
from cli.proxying import LOOPBACK, Proxying, parse_forwarded_allow_ips, parse_root_path

#: A worker answers one question at a time and more cores mean more workers, so numerical
#: libraries get one thread each unless the operator set these (kb/answers/threads.py).
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

__all__ = ["serve"]


def _checked(parse: Callable[[str], str]) -> Callable[[str | None], str | None]:
    """A typer callback: `parse` the option's value, its ValueError a usage error naming it."""

    def callback(value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return parse(value)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None

    return callback


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="Server processes sharing the port and the database.")
    ] = 1,
    log_level: Annotated[
        str,
        typer.Option(
            help="Level of the server's log (uvicorn's names), in KB_LOG_FORMAT; a line per "
            "request also needs KB_ACCESS_LOG=true."
        ),
    ] = "info",
    proxy_headers: Annotated[
        bool,
        typer.Option(
            "--proxy-headers",
            help="Take the client's address and scheme from X-Forwarded-For and "
            "X-Forwarded-Proto, on connections from --forwarded-allow-ips only.",
        ),
    ] = False,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            callback=_checked(parse_forwarded_allow_ips),
            show_default=LOOPBACK,
            help="With --proxy-headers: the proxies' IP addresses or networks, comma-separated, "
            "or * for any.",
        ),
    ] = None,
    root_path: Annotated[
        str,
        typer.Option(
            callback=_checked(parse_root_path),
            help="The path prefix a proxy serves the app under and strips (/kb for "
            "https://example.com/kb/...), put back into the links the app makes.",
        ),
    ] = "",
) -> None:
    """Serve the HTTP API with uvicorn (each worker opens the knowledge base from KB_*)."""
    if forwarded_allow_ips is not None and not proxy_headers:
        raise typer.BadParameter(
            "is used only with --proxy-headers: add --proxy-headers",
            param_hint="--forwarded-allow-ips",
        )
    proxying = Proxying(proxy_headers, forwarded_allow_ips or LOOPBACK, root_path)
    for name, value in ONE_THREAD.items():  # before any numerical library loads, here or in
        os.environ.setdefault(name, value)  # the workers, which inherit the environment
    from api.help.theme import load_theme
    from api.logging_setup import log_config
    from api.tracing import check_tracing
    from cli.event_writer import serving_events
    from cli.metrics_port import serving_metrics

    with open_kb() as kb:  # fail here, with a clear message, rather than in every worker
        check_tracing(kb.settings)  # KB_TRACE_EXPORTER set without the `tracing` extra
        load_theme(kb.settings)  # a KB_THEME file the help center cannot use
        # From here on each line is a log record in KB_LOG_FORMAT, as the workers' are.
        logging.config.dictConfig(log_config(kb.settings.log_format, log_level))
        release = kb.current_release()
        logging.getLogger("kb.serve").info(
            "Serving release %s from %s on http://%s:%d%s with %d worker(s)",
            release.number if release else "(none yet)",
            kb.db.safe_url,
            host,
            port,
            root_path or "",
            workers,
        )
    with (  # both before any worker
        serving_metrics(kb.settings.metrics_port, shared=workers > 1),
        serving_events(kb.settings, log_level),
    ):
        status = _run(host, port, workers, log_level, proxying)
    if status:
        raise typer.Exit(status)


def _run(host: str, port: int, workers: int, log_level: str, proxying: Proxying) -> int:
    """Serve until stopped: in this process with one worker, else in supervised workers;
    the exit status."""
    import uvicorn

    from cli.uvicorn_options import APP, uvicorn_options
    from cli.workers import serve_workers

    if workers == 1:  # in this process, as uvicorn runs it
        options = uvicorn_options(log_level, proxying)
        uvicorn.run(APP, host=host, port=port, workers=1, **options)
        return 0
    # Each worker on a socket of its own (SO_REUSEPORT), so that connections opened together
    # are spread across the workers rather than all accepted by one (cli/workers.py).
    return serve_workers(host, port, workers, log_level, proxying)
