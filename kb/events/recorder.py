"""Events recorded without making a request wait: a bounded queue, written in batches by a thread.

`record` costs the request a receipt id and a queue slot. The writer thread takes what waits,
up to a batch, and hands it to its sink: under `kb serve`, the writer process that redacts and
inserts it (kb/events/writer.py), otherwise `store_events` on this thread. When the queue is
full (the database is slow or down) new events are dropped and counted, never waited for. A
batch the database refuses is dropped and counted too: events serve insights, and losing a few
beats failing customers.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial

from kb.events.served import Served
from kb.events.store import purge_events
from kb.events.writer import RemoteSink, store_events
from kb.settings import Settings
from kb.store.db import Database

__all__ = ["BATCH", "EventRecorder", "new_receipt"]

_LOG = logging.getLogger("kb.events")
#: Events one insert writes at most.
BATCH = 500
#: Seconds the writer waits for more events before it writes what it has.
LINGER = 0.2
#: Seconds `flush` waits between looks at whether the writer is done.
FLUSH_POLL = 0.05
#: Seconds between purges of events older than the retention period.
PURGE_EVERY = 3600.0

Sink = Callable[[Sequence[dict[str, object]]], None]
Purge = Callable[[datetime], int]


def new_receipt() -> str:
    """A receipt id, 32 hex digits: the millisecond it was made (12 digits), then 80 random bits,
    not guessable from another. Time first, so that the database appends receipts to the end of
    its unique index instead of all over it (a third of an insert's cost, when random)."""
    return f"{time.time_ns() // 1_000_000:012x}{secrets.token_hex(10)}"


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
        #: Events waiting for the writer: a deque, whose append takes no lock (queue.Queue's
        #: did, and the writer's taking contended with every request's putting).
        self._pending: deque[dict[str, object]] = deque()
        #: Whether the writer holds events taken from `_pending` and not yet written.
        self._busy = False
        #: Events dropped because the queue was full or the database refused their batch.
        self.dropped = 0
        #: Events written.
        self.written = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
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
        receipt = new_receipt()
        row: dict[str, object] = {
            "receipt": receipt,
            "at": datetime.now(UTC),
            "kind": served.kind,
            "channel": served.channel,
            "locale": served.locale,
            "release": served.release,
            "unit_id": served.unit_id,
            "revision": served.revision,
            "status": served.status,
            "confidence": served.confidence,
            "hits": served.hits,
            "units": list(served.units) if served.units is not None else None,
            # Redacted by the sink, off the request path: the request pays for none of it.
            "question": question if self._store_text else None,
            "conversation": conversation,
            "via": via,
            "latency_ms": round(latency_ms, 3),
            "cached": cached,
        }
        if len(self._pending) >= self._size:
            with self._lock:
                self.dropped += 1
            return receipt  # the response is still real; only its record is lost
        self._pending.append(row)
        if self._thread is None:
            self._start()
        return receipt

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every event queued so far is written or dropped; False on timeout."""
        deadline = time.monotonic() + timeout
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
            self._stopping.wait(LINGER)
            # What waits, then at once each full batch that gathered meanwhile; a part batch
            # waits for the next look. Writing each few events that arrived during a write
            # kept the writer awake, taking the GIL from requests a hundred times a second.
            while self._pending:
                self._busy = True
                self._write(self._waiting(self._batch))
                self._busy = False
                if len(self._pending) < self._batch:
                    break
            self._written.set()

    def _waiting(self, most: int) -> list[dict[str, object]]:
        """Up to `most` of the events waiting, oldest first."""
        pending = self._pending
        return [pending.popleft() for _ in range(min(most, len(pending)))]

    def _write(self, rows: list[dict[str, object]]) -> None:
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
