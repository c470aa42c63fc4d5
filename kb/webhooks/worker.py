"""The delivery worker: sends the due webhook deliveries, signed, off every request's path.

A daemon thread in each `kb serve` process (KB_WEBHOOKS), or `kb webhooks deliver` on its own.
It waits for a commit in this process that queued something (kb.store.outbox.WAKE) or for the
next poll, claims due deliveries (kb.webhooks.queue), POSTs each with a short timeout and no
redirects, and writes down every attempt. A publish only inserts the outbox rows: it never
waits for a receiver, and the worker holds no transaction while it sends.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from kb.settings import Settings
from kb.store.db import Database
from kb.store.outbox import WAKE
from kb.webhooks.queue import (
    Claimed,
    DeliveryPolicy,
    Outcome,
    claim_due,
    has_due,
    record_outcome,
)
from kb.webhooks.signing import signed_headers

__all__ = ["POLL_SECONDS", "DeliveryWorker", "send", "start_worker", "stop_worker"]

_LOG = logging.getLogger("kb.webhooks")
#: Seconds between looks for deliveries queued by other processes (or due after a backoff).
POLL_SECONDS = 1.0
#: Deliveries one claim takes at most.
BATCH = 20
_ERROR_CHARS = 500

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def send(client: httpx.Client, claimed: Claimed) -> Outcome:
    """POST one delivery, signed now; what came back (never raises for the receiver's faults)."""
    headers = signed_headers(claimed.secret, claimed.message_id, int(time.time()), claimed.body)
    started = time.perf_counter()
    try:
        with client.stream(
            "POST", claimed.url, content=claimed.body.encode(), headers=headers
        ) as response:
            status = response.status_code
    except Exception as exc:  # the URL is an admin's data: whatever fails is this attempt's
        elapsed = (time.perf_counter() - started) * 1000
        return Outcome(None, elapsed, f"{type(exc).__name__}: {exc}"[:_ERROR_CHARS])
    elapsed = (time.perf_counter() - started) * 1000
    if 200 <= status < 300:
        return Outcome(status, elapsed, None)
    note = " (redirects are not followed)" if 300 <= status < 400 else ""
    return Outcome(status, elapsed, f"HTTP {status}{note}")


class DeliveryWorker:
    """Sends due deliveries of one database: `run_once` for one round, `start` for a thread."""

    def __init__(
        self,
        database: Database,
        policy: DeliveryPolicy | None = None,
        *,
        clock: Clock = _utcnow,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self._db = database
        self.policy = policy or DeliveryPolicy()
        self._clock = clock
        self._poll = poll_seconds
        self._client = httpx.Client(
            timeout=httpx.Timeout(self.policy.timeout_seconds), follow_redirects=False
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        """Send every delivery due now, a claim of BATCH at a time; how many were attempted."""
        attempted = 0
        while True:
            now = self._clock()
            if not has_due(self._db, now):
                return attempted
            claimed = claim_due(self._db, now, self.policy, limit=BATCH)
            if not claimed:
                return attempted  # another worker took them
            for item in claimed:
                outcome = send(self._client, item)
                record_outcome(self._db, item, outcome, self._clock(), self.policy)
                attempted += 1
                if self._stop.is_set():
                    return attempted

    def run(self) -> None:
        """Send until `stop`: a round at each wake-up or poll; a database error waits a poll
        (said once, not every second, while it lasts)."""
        failing = False
        while not self._stop.is_set():
            WAKE.clear()
            try:
                self.run_once()
            except Exception as exc:  # the database may be down for a while: try again later
                if not failing:
                    _LOG.warning("webhook deliveries wait, the database failed: %s", exc)
                failing = True
            else:
                if failing:
                    _LOG.warning("webhook deliveries go out again")
                failing = False
            WAKE.wait(self._poll)

    def start(self) -> None:
        """Run in a daemon thread of this process."""
        self._thread = threading.Thread(target=self.run, name="kb-webhooks", daemon=True)
        self._thread.start()

    def halt(self) -> None:
        """Ask `run` to return after the attempt under way (safe in a signal handler)."""
        self._stop.set()
        WAKE.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the attempt under way, stop, and close the HTTP client."""
        self.halt()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._client.close()


def start_worker(database: Database, settings: Settings) -> DeliveryWorker | None:
    """The worker a server process runs (started), or None when KB_WEBHOOKS is off."""
    if not settings.webhooks:
        return None
    worker = DeliveryWorker(database, DeliveryPolicy.from_settings(settings))
    worker.start()
    return worker


def stop_worker(worker: DeliveryWorker | None) -> None:
    """Stop a server process's worker, if it runs one (after the attempt under way)."""
    if worker is not None:
        worker.stop()
