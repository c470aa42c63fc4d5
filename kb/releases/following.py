"""Follow the current release from a background thread, so a server switches within a second.

Several processes (workers, machines) serve one database; a publish through any of them must
reach all. The follower asks the database for the current release every `interval` seconds
and loads a new one's index and matchers off the request path; requests keep getting the
previous release, whole, until the swap. When loading fails (the database is away, the disk
is full or read-only) it keeps serving what it has, says so in one log line per try, and waits
twice as long before each next try, up to `max_delay`: a failing build is not rerun four times
a second.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from kb.errors import ReleaseNotFound, storage_fault

__all__ = ["MAX_RETRY_SECONDS", "ReleaseFollower", "failure_reason", "retry_delay"]

_LOG = logging.getLogger("kb.releases.following")

#: The longest wait between two tries after failures: a server recovers at most this late.
MAX_RETRY_SECONDS = 30.0
_REASON_CHARS = 300


def retry_delay(interval: float, failures: int, cap: float = MAX_RETRY_SECONDS) -> float:
    """Seconds before the next try after `failures` failures in a row: doubling, capped."""
    if failures <= 0:
        return interval
    return min(cap, interval * 2.0 ** min(failures, 32))


def failure_reason(exc: BaseException) -> str:
    """One short line for a log or a probe: what ran out, or the error's kind and first line
    (a database error's text goes on with its SQL and parameters: content, not for logs)."""
    fault = storage_fault(exc)
    if fault is not None:
        return fault
    first = str(exc).strip().split("\n", 1)[0]
    reason = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    return reason if len(reason) <= _REASON_CHARS else reason[: _REASON_CHARS - 3] + "..."


class ReleaseFollower:
    """A daemon thread that calls `load_current` every `interval` seconds until `stop`.

    `load_current` loads the current release if it changed (the knowledge base passes its own
    `services(wait=True)`), so this module needs nothing of the knowledge base.
    """

    def __init__(
        self,
        load_current: Callable[[], object],
        interval: float,
        *,
        max_delay: float = MAX_RETRY_SECONDS,
    ) -> None:
        self._load_current = load_current
        self.interval = interval
        self.max_delay = max(max_delay, interval)
        #: Failed tries in a row, and why the last one failed (None once a try succeeds).
        self.failures = 0
        self.failure: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kb-release-follower", daemon=True)

    def start(self) -> None:
        """Load the current release now (if any), then keep following it."""
        self._catch_up()
        self._thread.start()

    def stop(self) -> None:
        """Stop following; returns once the thread has finished its current step."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(retry_delay(self.interval, self.failures, self.max_delay)):
            self._catch_up()

    def _catch_up(self) -> None:
        try:
            self._load_current()
        except ReleaseNotFound:
            self.failures, self.failure = 0, None  # nothing published yet
        except Exception as exc:  # the database or the disk may be away: keep serving, retry
            self.failures += 1
            self.failure = failure_reason(exc)
            _LOG.warning(
                "could not load the current release (%s); serving the one loaded, retrying "
                "in %.2f s",
                self.failure,
                retry_delay(self.interval, self.failures, self.max_delay),
            )
            _LOG.debug("the failure to load the current release", exc_info=exc)
        else:
            if self.failures:
                _LOG.warning("loaded the current release after %d failed tries", self.failures)
            self.failures, self.failure = 0, None
