"""Long work says how far it has got: the domain reports steps, whoever listens shows them.

The command line listens (progress bars on a terminal's standard error) by installing a
reporter around a command with `reporting`; the API and embedders install none, so reporting
costs them one context-variable lookup per step. A context variable, not an argument, because
the work that reports (checking, indexing, encoding) sits many calls below the commands.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

__all__ = ["Reporter", "StepCounter", "listening", "reporting", "step", "tracked"]

#: Called with what is being done, how many items are done and how many there are in all.
Reporter = Callable[[str, int, int], None]

_reporter: ContextVar[Reporter | None] = ContextVar("kb_progress_reporter", default=None)
#: Steps reported per task at most (plus the last): a bar needs no more, and 10,000 units
#: then cost 200 reports rather than 10,000.
_STEPS = 200

T = TypeVar("T")


@contextmanager
def reporting(reporter: Reporter) -> Iterator[None]:
    """Send the steps of the work done inside the block (in this thread) to `reporter`."""
    token = _reporter.set(reporter)
    try:
        yield
    finally:
        _reporter.reset(token)


def listening() -> bool:
    """Whether anybody listens to the steps reported here."""
    return _reporter.get() is not None


def step(what: str, done: int, total: int) -> None:
    """Report that `done` of `total` items of `what` are done (nothing when nobody listens)."""
    reporter = _reporter.get()
    if reporter is not None:
        reporter(what, done, total)


class StepCounter:
    """A progress callback that counts items one call at a time (`progress(1)`) and reports
    every so often, for code that takes a `Callable[[int], None]`."""

    def __init__(self, what: str, total: int) -> None:
        self.what, self.total, self.done = what, total, 0
        self._every = max(1, total // _STEPS)
        if total:
            step(what, 0, total)

    def __call__(self, count: int = 1) -> None:
        if not self.total:
            return
        before, self.done = self.done, self.done + count
        if self.done >= self.total or self.done // self._every != before // self._every:
            step(self.what, min(self.done, self.total), self.total)


def tracked(what: str, items: Iterable[T], total: int) -> Iterator[T]:
    """Yield `items`, reporting how many of `total` have been handed out (and finished with,
    as far as a loop over them goes)."""
    if not listening():
        yield from items
        return
    counter = StepCounter(what, total)
    for item in items:
        yield item
        counter()
