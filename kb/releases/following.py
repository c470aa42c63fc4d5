"""Follow the current release from a background thread, so a server switches within a second.

Several processes (workers, machines) serve one database; a publish through any of them must
reach all. The follower asks the database for the current release every `interval` seconds
and loads a new one's index and matchers off the request path; requests keep getting the
previous release, whole, until the swap.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from kb.errors import ReleaseNotFound

__all__ = ["ReleaseFollower"]

_LOG = logging.getLogger("kb.releases.following")


class ReleaseFollower:
    """A daemon thread that calls `load_current` every `interval` seconds until `stop`.

    `load_current` loads the current release if it changed (the knowledge base passes its own
    `services(wait=True)`), so this module needs nothing of the knowledge base.
    """

    def __init__(self, load_current: Callable[[], object], interval: float) -> None:
        self._load_current = load_current
        self.interval = interval
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
        while not self._stop.wait(self.interval):
            self._catch_up()

    def _catch_up(self) -> None:
        try:
            self._load_current()
        except ReleaseNotFound:
            pass  # nothing published yet
        except Exception:  # the database may be away for a moment: keep serving, retry
            _LOG.exception("could not load the current release; retrying")
