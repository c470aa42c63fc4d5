"""Where events are redacted and inserted: in the recording process, or in one writer process
that `kb serve` starts for all its workers (KB_EVENTS_WRITER=process, the default).

A worker's event loop and its writer thread share one interpreter lock: while the thread
redacted and inserted a batch, answers waited, and a cached answer (under 200 us of work) cost
a third more with events on (benchmarks/results/api_load_events.md). With a writer process the
worker's thread only pickles each batch and sends it down a Unix socket; the process redacts,
inserts, and answers with the count, so `EventRecorder.flush` still means "written".

The socket lies in a folder only the server's user can enter (mode 0700), which is the whole of
its protection: a batch is pickled, and only our own processes may speak to it. When the writer
process cannot be reached (it died, or is restarting), a worker writes its batches itself and
tries the process again after `RETRY_SECONDS`: events are never lost for want of it.

`kb serve` runs it as `python -m cli.event_writer SOCKET LEVEL` (cli/event_writer.py); it
ends when its standard input closes, so it never outlives the `kb serve` that started it,
however that ended. It ignores SIGTERM and SIGINT, which a terminal's Ctrl-C or a
supervisor sends the whole process group: the workers still write their last events through it
as they stop, and `kb serve` closes its input once they have.
"""

from __future__ import annotations

import logging
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Client, Connection, Listener

from kb.events.redaction import redact
from kb.events.served import Recorded, Wire
from kb.events.store import Values, recorded_values, write_values
from kb.settings import Settings
from kb.store.db import Database

__all__ = [
    "RETRY_SECONDS",
    "RemoteSink",
    "WriterRefused",
    "serve_writer",
    "store_events",
]

_LOG = logging.getLogger("kb.events")
#: Seconds a worker writes its own events after losing the writer process before it tries again.
RETRY_SECONDS = 5.0

Events = Sequence[Wire]
_PROTOCOL = pickle.HIGHEST_PROTOCOL


class WriterRefused(RuntimeError):
    """The writer process reached the database, which refused the batch (the events are lost,
    as they would be had the worker written them)."""


def store_events(db: Database, events: Events) -> None:
    """Insert `events`, the customers' words redacted: what a batch needs to be kept."""
    write_values(db, [_row(Recorded.of(event)) for event in events])


def _row(event: Recorded) -> Values:
    """`event`'s row, its question redacted."""
    question = event.question
    redacted = redact(question, event.served.locale) if question is not None else None
    return recorded_values(event, redacted)


class RemoteSink:
    """A recorder's sink that hands batches to the writer process at `path`, or to `fallback`
    (the worker's own `store_events`) while that process cannot be reached."""

    def __init__(self, path: str, fallback: Callable[[Events], None]) -> None:
        self.path = path
        self._fallback = fallback
        self._connection: Connection | None = None
        #: When, by time.monotonic(), to try the writer process again after losing it.
        self._retry_at = 0.0

    def __call__(self, rows: Events) -> None:
        """Write `rows` through the writer process, or here when it is gone."""
        connection = self._connect()
        if connection is not None:
            try:
                connection.send_bytes(pickle.dumps(list(rows), _PROTOCOL))
                refused: str | None = connection.recv()
            except (OSError, EOFError):
                self._lost("it went away")
            else:
                if refused is not None:
                    raise WriterRefused(refused)
                return
        self._fallback(rows)

    def close(self) -> None:
        """Hang up on the writer process."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _connect(self) -> Connection | None:
        if self._connection is None and time.monotonic() >= self._retry_at:
            try:
                self._connection = Client(self.path, family="AF_UNIX")
            except OSError as exc:
                self._lost(str(exc))
        return self._connection

    def _lost(self, why: str) -> None:
        self.close()
        self._retry_at = time.monotonic() + RETRY_SECONDS
        _LOG.warning(
            "the event writer process at %s cannot be reached (%s): this process writes its "
            "events itself for %.0f s",
            self.path,
            why,
            RETRY_SECONDS,
        )


def _serve_connection(db: Database, connection: Connection) -> None:
    """Write every batch one worker sends, answering None when written or why not."""
    with connection:
        while True:
            try:
                rows = pickle.loads(connection.recv_bytes())
            except (EOFError, OSError):
                return  # the worker hung up
            try:
                store_events(db, rows)
            except Exception as exc:  # the database refused: the worker counts them dropped
                _LOG.warning("the event store refused %d events", len(rows), exc_info=True)
                connection.send(f"{type(exc).__name__}: {exc}")
            else:
                connection.send(None)


def _serve(db: Database, listener: Listener) -> None:
    """Accept workers until the listener closes, each on a thread of its own."""
    while True:
        try:
            connection = listener.accept()
        except OSError:
            return
        threading.Thread(
            target=_serve_connection, args=(db, connection), name="kb-events-in", daemon=True
        ).start()


def serve_writer(path: str, settings: Settings) -> None:
    """Write the batches of every worker that connects to `path`, until standard input closes
    (the body of `python -m cli.event_writer`, which sets up its log first)."""
    for stop in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop, signal.SIG_IGN)  # the server's workers stop first (module docstring)
    db = Database(settings.sqlalchemy_url)
    listener = Listener(path, family="AF_UNIX")
    threading.Thread(target=_serve, args=(db, listener), name="kb-events", daemon=True).start()
    print("ready", flush=True)  # what `kb serve` waits for before it starts the workers
    sys.stdin.read()  # until the server that started this process ends, however it ends
    listener.close()
    db.dispose()
