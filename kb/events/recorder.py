"""Events recorded without making a request wait: a bounded queue, written in batches by a thread.

`record` costs the request a receipt id and a queue slot (the event's plain values, a `Wire`;
the writer makes it a table row). The writer thread takes all that waits every LINGER seconds
(sooner when a batch has gathered or `flush` asks) and hands it a batch at a time to its sink:
under `kb serve`, the writer process that redacts and inserts it (kb/events/writer.py),
otherwise `store_events` on this thread. When the queue is full (the database is slow or down)
new events are dropped and counted, never waited for. A batch the database refuses is dropped
and counted too: events serve insights, and losing a few beats failing customers.

What events still cost a busy worker is mostly this thread's wanting the interpreter lock: on
CPython 3.11 a thread waiting for it is woken at each of the event loop's syscalls, which each
restart its 5 ms wait before it may ask for the lock, so it waits (and wakes) until the loop
idles (benchmarks/results/api_load_events.md). Hence one look every LINGER seconds, one swap of
the list and one pickled batch, each needing the lock as few times as they can.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial

from kb.events.served import Served, Wire, served_fields
from kb.events.store import purge_events
from kb.events.writer import RemoteSink, store_events
from kb.settings import Settings
from kb.store.db import Database

__all__ = ["BATCH", "EventRecorder", "new_receipt"]

_LOG = logging.getLogger("kb.events")
#: Events one hand-over to the sink holds at most (one look takes all that waits).
BATCH = 2_000
#: Seconds the writer waits for more events before it writes what it has, unless a batch
#: gathers sooner or `flush` asks (each look costs a busy worker its lock hand-overs: see above).
LINGER = 1.0
#: Seconds `flush` waits between looks at whether the writer is done.
FLUSH_POLL = 0.05
#: Seconds between purges of events older than the retention period.
PURGE_EVERY = 3600.0

Sink = Callable[[Sequence[Wire]], None]
Purge = Callable[[datetime], int]


def new_receipt(at_ns: int | None = None) -> str:
    """A receipt id, 32 hex digits: the millisecond it was made (12 digits; `at_ns`, nanoseconds
    since the epoch, or now), then 80 random bits, not guessable from another. Time first, so
    that the database appends receipts to the end of its unique index instead of all over it
    (a third of an insert's cost, when random)."""
    ns = time.time_ns() if at_ns is None else at_ns
    return f"{ns // 1_000_000:012x}{secrets.token_hex(10)}"


class EventRecorder:
    """One process's events on their way to the database (see the module's docstring)."""

    def __init__(
        self, settings: Settings, sink: Sink, purge: Purge | None = None, *, batch: int = BATCH
    ) -> None:
        self.enabled = settings.events
        self._store_text = settings.events_store_text
        self._retention = settings.events_retention_days
        self._sink = sink
        self._purge = purge
        self._batch = batch
        self._size = settings.events_queue_size
        #: Events waiting for the writer, which takes them all at once by swapping the list
        #: under `_queue` (taking them one by one kept it holding the interpreter lock, which
        #: it and the event loop then passed back and forth at each of the loop's syscalls).
        self._pending: list[Wire] = []
        self._queue = threading.Lock()
        #: Whether the writer holds events taken from `_pending` and not yet written.
        self._busy = False
        #: Events dropped because the queue was full or the database refused their batch.
        self.dropped = 0
        #: Events written.
        self.written = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        #: Set to end the writer's wait before LINGER: a full batch, `flush` or `close`.
        self._wake = threading.Event()
        #: Set by the writer after each batch: what `flush` waits on.
        self._written = threading.Event()
        self._purged_at = 0.0

    @classmethod
    def on(cls, db: Database, settings: Settings) -> EventRecorder:
        """A recorder writing to and purging `db`'s event table: through the writer process
        `kb serve` started, when it names one (KB_EVENTS_WRITER_SOCKET), else on its thread."""
        sink: Sink = partial(store_events, db)
        if settings.events_writer_socket:
            sink = RemoteSink(settings.events_writer_socket, fallback=sink)
        return cls(settings, sink, partial(purge_events, db))

    def record(
        self,
        served: Served,
        *,
        question: str | None = None,
        conversation: str | None = None,
        via: str | None = None,
        latency_ms: float = 0.0,
        cached: bool = False,
    ) -> str | None:
        """Queue the event of one response and return its receipt (None when events are off)."""
        if not self.enabled:
            return None
        now = time.time_ns()
        receipt = new_receipt(now)
        event: Wire = (
            receipt,
            now,
            served_fields(served),
            # Redacted by the sink, off the request path: the request pays for none of it.
            question if self._store_text else None,
            conversation,
            via,
            latency_ms,
            cached,
        )
        with self._queue:
            waiting = len(self._pending)
            queued = waiting < self._size
            if queued:
                self._pending.append(event)
        if waiting + 1 == self._batch:  # a batch has gathered: no need to wait for LINGER
            self._wake.set()
        if not queued:
            with self._lock:
                self.dropped += 1
            return receipt  # the response is still real; only its record is lost
        if self._thread is None:
            self._start()
        return receipt

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every event queued so far is written or dropped; False on timeout."""
        deadline = time.monotonic() + timeout
        self._wake.set()  # the writer looks now, not at the end of its LINGER
        while self._pending or self._busy:
            if self._thread is None or time.monotonic() >= deadline:
                return False
            self._written.wait(FLUSH_POLL)
            self._written.clear()
        return True

    def close(self, timeout: float = 5.0) -> None:
        """Write what waits (for at most `timeout` seconds) and stop the writer."""
        if self._thread is None:
            return
        self.flush(timeout)
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout)
        self._thread = None
        if isinstance(self._sink, RemoteSink):
            self._sink.close()

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._stopping.clear()
                self._thread = threading.Thread(target=self._run, name="kb-events", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._purge_old()
            # Events gather while the writer sleeps: waking for each one took the GIL from a
            # request (a cached answer cost half as much again:
            # benchmarks/results/api_load_events.md).
            self._wake.wait(LINGER)
            self._wake.clear()
            # All that waits, taken at once; each batch of it handed to the sink in turn.
            if self._pending:
                with self._queue:
                    self._busy = True
                    taken, self._pending = self._pending, []
                for start in range(0, len(taken), self._batch):
                    self._write(taken[start : start + self._batch])
                self._busy = False
            self._written.set()

    def _write(self, rows: list[Wire]) -> None:
        try:
            self._sink(rows)
        except Exception:  # the database is down or refused: count, log, go on
            with self._lock:
                self.dropped += len(rows)
            _LOG.warning(
                "dropped %d events: the event store refused them", len(rows), exc_info=True
            )
        else:
            with self._lock:
                self.written += len(rows)
        finally:
            self._written.set()

    def _purge_old(self) -> None:
        """Purge events past the retention period, at most once per PURGE_EVERY seconds."""
        if self._purge is None or self._retention is None:
            return
        now = time.monotonic()
        if self._purged_at and now - self._purged_at < PURGE_EVERY:
            return
        self._purged_at = now
        try:
            self._purge(datetime.now(UTC) - timedelta(days=self._retention))
        except Exception:
            _LOG.warning("could not purge old events", exc_info=True)
