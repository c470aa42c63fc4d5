"""What the domain tells whoever watches it: how long a release took to build and load, and
which release a process serves now.

A server's metrics (api/metrics) watch; the domain knows nothing of them. The domain calls
`took` and `served`, which cost a loop over no observers when nobody watches (the command
line). Process-wide rather than a context variable like kb.progress: releases load on the
release follower's thread, not in the request or command that is watching.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Protocol

__all__ = [
    "INDEX_BUILD",
    "MATCHER_BUILD",
    "RELEASE_LOAD",
    "Observer",
    "served",
    "timed",
    "took",
    "unwatch",
    "watch",
]

#: Building a release's search index (and the units' sentence vectors hybrid search ranks by).
INDEX_BUILD = "index_build"
#: Training a release's intent matchers, one per locale (in a child process for large ones).
MATCHER_BUILD = "matcher_build"
#: Opening a built release's index and matchers: what every process pays at every switch.
RELEASE_LOAD = "release_load"


class Observer(Protocol):
    """Something that watches the domain's work (a metrics registry, a test)."""

    def took(self, what: str, seconds: float) -> None:
        """`what` (INDEX_BUILD, MATCHER_BUILD, RELEASE_LOAD) took `seconds`, just now."""

    def served(self, release: int, published: datetime) -> None:
        """This process now serves `release`, published at `published` (UTC)."""


_observers: list[Observer] = []


def watch(observer: Observer) -> None:
    """Tell `observer` from now on (once, however often it asks)."""
    if not any(o is observer for o in _observers):
        _observers.append(observer)


def unwatch(observer: Observer) -> None:
    """Stop telling `observer`."""
    _observers[:] = [o for o in _observers if o is not observer]


def took(what: str, seconds: float) -> None:
    """Tell every observer that `what` took `seconds`."""
    for observer in tuple(_observers):
        observer.took(what, seconds)


@contextmanager
def timed(what: str) -> Iterator[None]:
    """Tell every observer how long the block took, if it finished."""
    started = time.monotonic()
    yield
    took(what, time.monotonic() - started)


def served(release: int, published: datetime) -> None:
    """Tell every observer that this process serves `release` now."""
    for observer in tuple(_observers):
        observer.served(release, published)
