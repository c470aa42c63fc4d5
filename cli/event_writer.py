"""`kb serve`'s event writer process (kb/events/writer.py): started before any worker, named to
them through KB_EVENTS_WRITER_SOCKET, and stopped after the last one has written its events.

Started only when events are on and KB_EVENTS_WRITER is "process" (the default). If it cannot
start, the server runs on, each worker writing its own events as with KB_EVENTS_WRITER=thread,
and says so in its log: a server is never refused for the sake of its statistics.
"""

from __future__ import annotations

import logging
import logging.config
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kb.events.writer import serve_writer
from kb.settings import Settings

__all__ = ["SOCKET_VARIABLE", "STOP_TIMEOUT_S", "serving_events"]

SOCKET_VARIABLE = "KB_EVENTS_WRITER_SOCKET"
#: Seconds the writer process has to end once told to.
STOP_TIMEOUT_S = 30.0
_LOG = logging.getLogger("kb.serve")


@contextmanager
def serving_events(settings: Settings, log_level: str = "warning") -> Iterator[str | None]:
    """While the block runs, the writer process (logging at `log_level`, in KB_LOG_FORMAT),
    its socket in KB_EVENTS_WRITER_SOCKET (which the workers inherit); yields the socket's
    path, or None when there is no writer process."""
    if not settings.events or settings.events_writer != "process":
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="kb-events-"))  # mode 0700: only our user may connect
    path = str(folder / "writer.sock")
    process = _start(path, settings, log_level)
    try:
        if process is not None:
            os.environ[SOCKET_VARIABLE] = path  # before the workers start: they inherit it
        yield path if process is not None else None
    finally:
        os.environ.pop(SOCKET_VARIABLE, None)
        if process is not None:
            _stop(process)
        shutil.rmtree(folder, ignore_errors=True)


def _start(path: str, settings: Settings, log_level: str) -> subprocess.Popen[bytes] | None:
    """The writer process listening on `path`, once it said it is ready; None if it failed.
    It reads the server's environment, with the database `settings` name."""
    from cli.metrics_port import MULTIPROC_VARIABLE

    # Not a worker: it keeps no metrics in the workers' folder (a scrape would add it in).
    env = {k: v for k, v in os.environ.items() if k != MULTIPROC_VARIABLE}
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.event_writer", path, log_level],
        env={**env, "KB_DATABASE_URL": settings.sqlalchemy_url},
        stdin=subprocess.PIPE,  # closed when this process ends: the writer's cue to end
        stdout=subprocess.PIPE,
    )
    assert process.stdout is not None
    ready = process.stdout.readline()  # the writer prints "ready" once listening
    if ready.strip() != b"ready":
        _stop(process)
        _LOG.warning(
            "the event writer process did not start (exit code %s): each worker writes its "
            "own events",
            process.returncode,
        )
        return None
    _LOG.info("Event writer process [%d] on %s", process.pid, path)
    return process


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End the writer: close its standard input, then wait (terminating it if it hangs)."""
    if process.stdin is not None:
        process.stdin.close()
    try:
        process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


def main(argv: list[str]) -> int:
    """`python -m cli.event_writer SOCKET LEVEL`: the writer process, logging as the server."""
    if len(argv) != 2:
        print("usage: python -m cli.event_writer SOCKET LEVEL", file=sys.stderr)
        return 2
    from api.logging_setup import log_config

    settings = Settings.from_env()
    logging.config.dictConfig(log_config(settings.log_format, argv[1]))
    serve_writer(argv[0], settings)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
