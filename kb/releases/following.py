"""Follow the current release from a background thread, so a server switches within a second.

Several processes (workers, machines) serve one database; a publish through any of them must
reach all. On PostgreSQL the follower LISTENs (kb.releases.notify): the NOTIFY a release commit
sends wakes it at once, and it asks the database itself only every `LISTENING_POLL_SECONDS`, in
case a notification went missing. Elsewhere (SQLite, `KB_RELEASE_NOTIFY=false`, or while the
LISTEN connection is down) it asks every `POLL_SECONDS`; a `KB_RELEASE_POLL_SECONDS` that is
set is used in both cases. Either way it loads a new release's index and matchers off the
request path; requests keep getting the previous release, whole, until the swap. When loading
fails (the database is away, the disk is full or read-only) it keeps serving what it has, says
so in one log line per try, and waits twice as long before each next try, up to `max_delay`: a
failing build is not rerun four times a second. When the LISTEN connection breaks (the database
restarts) it says so once, polls fast, and reconnects with the same backoff; listening again,
it says so once and catches up at once, since a publish meanwhile notified no one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Protocol

from kb.errors import ReleaseNotFound, storage_fault

__all__ = [
    "LISTENING_POLL_SECONDS",
    "MAX_RETRY_SECONDS",
    "POLL_SECONDS",
    "Listener",
    "ReleaseFollower",
    "failure_reason",
    "retry_delay",
]

_LOG = logging.getLogger("kb.releases.following")

#: The longest wait between two tries after failures: a server recovers at most this late.
MAX_RETRY_SECONDS = 30.0
#: How often a follower asks for the current release when nothing notifies it of one.
POLL_SECONDS = 0.25
#: How often it asks while it LISTENs: only for a NOTIFY lost with a connection that died
#: unnoticed (each poll also tries the connection), so a 120-process cluster costs the
#: database a query every quarter second, not 480 a second.
LISTENING_POLL_SECONDS = 30.0
_REASON_CHARS = 300
#: The longest a wait on the LISTEN connection lasts before checking for `stop`.
_WAIT_SLICE_S = 0.1


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


class Listener(Protocol):
    """A connection that waits for new releases (kb.releases.notify.ReleaseListener)."""

    @property
    def connected(self) -> bool:
        """Whether it listens (open succeeded, nothing broke since)."""
        ...

    def open(self) -> None:
        """Connect and listen; raises when it cannot."""

    def wait(self, timeout: float) -> bool:
        """Up to `timeout` s for a new release (True); raises, closed, when the connection broke."""
        ...

    def check(self) -> None:
        """A round trip on the connection; raises, closed, when it broke."""

    def close(self) -> None:
        """Stop listening."""


class ReleaseFollower:
    """A daemon thread that calls `load_current` when `listener` hears of a new release and
    every poll interval besides, until `stop`.

    `load_current` loads the current release if it changed (the knowledge base passes its own
    `services(wait=True)`), so this module needs nothing of the knowledge base. `interval`, if
    given, is the poll interval whether listening or not; None: the defaults above.
    """

    def __init__(
        self,
        load_current: Callable[[], object],
        interval: float | None,
        *,
        listener: Listener | None = None,
        max_delay: float = MAX_RETRY_SECONDS,
    ) -> None:
        self._load_current = load_current
        #: Seconds between polls without a listener (or while it is down), and with one.
        self.interval = interval or POLL_SECONDS
        self.listening_interval = interval or LISTENING_POLL_SECONDS
        self.max_delay = max(max_delay, self.interval)
        #: Failed tries in a row, and why the last one failed (None once a try succeeds).
        self.failures = 0
        self.failure: str | None = None
        self._listener = listener
        self._listen_down = False  # said it cannot listen, and has not said it listens again
        self._listen_failures = 0  # failed tries to (re)connect since it last listened
        self._listen_at = 0.0  # when to try next (time.monotonic)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kb-release-follower", daemon=True)

    @property
    def listening(self) -> bool:
        """Whether a NOTIFY wakes this follower now (else it polls every `interval`)."""
        return self._listener is not None and self._listener.connected

    def start(self) -> None:
        """Listen (if it can), load the current release now (if any), then keep following it."""
        if self._listener is not None:
            self._listen()  # before loading: a release committed from now on wakes it
        self._catch_up()
        self._thread.start()

    def stop(self) -> None:
        """Stop following; returns once the thread has finished its current step."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        if self._listener is not None:
            self._listener.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._news():
                self._catch_up()

    def _next_poll(self) -> float:
        """Seconds to the next poll: the backoff after failures, else the interval in use."""
        if self.failures:
            return retry_delay(self.interval, self.failures, self.max_delay)
        return self.listening_interval if self.listening else self.interval

    def _news(self) -> bool:
        """Wait until a poll is due or a release was announced (True), or until `stop`."""
        deadline = time.monotonic() + self._next_poll()
        listener = self._listener
        while not self._stop.is_set():
            now = time.monotonic()
            if listener is not None and not listener.connected and now >= self._listen_at:
                if self._listen():
                    return True  # whatever was published while it was down notified no one
                continue
            if now >= deadline:
                if listener is not None and listener.connected:
                    self._try_listener(listener.check)  # one that died unnoticed is found
                return True
            if listener is None:
                self._stop.wait(deadline - now)
            elif not listener.connected:
                self._stop.wait(min(deadline, self._listen_at) - now)
            elif self._try_listener(partial(listener.wait, min(deadline - now, _WAIT_SLICE_S))):
                return True
            elif not listener.connected:
                return True  # broken: catch up now (the database may have restarted), poll fast
        return False

    def _try_listener(self, call: Callable[[], bool | None]) -> bool:
        """`call` on the listener; when the connection broke, say so once and plan reconnecting."""
        try:
            return bool(call())
        except Exception as exc:
            self._listen_down, self._listen_failures = True, 0
            self._listen_at = time.monotonic() + POLL_SECONDS
            _LOG.warning(
                "the LISTEN connection for new releases broke (%s); polling every %.2f s and "
                "reconnecting",
                failure_reason(exc),
                self.interval,
            )
            _LOG.debug("the LISTEN connection's failure", exc_info=exc)
            return False

    def _listen(self) -> bool:
        """Connect the listener; says so once when it listens, and once when it first cannot."""
        assert self._listener is not None
        try:
            self._listener.open()
        except Exception as exc:
            self._listen_failures += 1
            delay = retry_delay(POLL_SECONDS, self._listen_failures)
            self._listen_at = time.monotonic() + delay
            (_LOG.debug if self._listen_down else _LOG.warning)(
                "cannot LISTEN for new releases (%s); polling every %.2f s, trying again in %.2f s",
                failure_reason(exc),
                self.interval,
                delay,
            )
            self._listen_down = True
            return False
        if self._listen_down:
            _LOG.warning(
                "listening for new releases again (after %d failed tries to reconnect); "
                "polling every %.2f s besides",
                self._listen_failures,
                self.listening_interval,
            )
        else:
            _LOG.info(
                "listening for new releases; polling every %.2f s besides",
                self.listening_interval,
            )
        self._listen_down, self._listen_failures = False, 0
        return True

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
