"""The process a large release's matchers train in: started early, and gone with its parent.

It is spawned (not forked: the parent may hold threads and database connections) as the one
worker of a process pool. Killed, the parent could not stop it, and an orphaned worker would
train on for minutes and then wait for work for ever (it holds its own queue's write end), with
multiprocessing's resource tracker waiting on it; so it watches its parent and exits with it.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import wait

__all__ = ["ORPHANED_EXIT", "PARALLEL_BUILD_UNITS", "prepare_build", "training_pool"]

#: From this many units a release's matchers train in a child process while this one parses
#: and indexes the units (benchmarks/search_answer.py, 10,000 units, two cores). Below it,
#: starting a process costs more than it saves.
PARALLEL_BUILD_UNITS = 2_000
#: The exit status of a training process whose parent died (EX_SOFTWARE: nothing to report to).
ORPHANED_EXIT = 70

_spare_pool: ProcessPoolExecutor | None = None
_spare_lock = threading.Lock()


def prepare_build(units: int) -> None:
    """Start the process that trains the matchers of a release of `units` units (if it trains
    in one), so it has imported its libraries, some seconds, by the time the build needs it.
    Publishing calls this as soon as it knows what it releases; a pool left unused (the release
    was refused) waits for the next build."""
    global _spare_pool
    if units < PARALLEL_BUILD_UNITS:
        return
    with _spare_lock:
        if _spare_pool is None:
            _spare_pool = _new_pool()
            _spare_pool.submit(_started)  # the process starts, importing the matchers' modules


def training_pool() -> ProcessPoolExecutor:
    """The pool `prepare_build` started, or a new one."""
    global _spare_pool
    with _spare_lock:
        pool, _spare_pool = _spare_pool, None
    return pool if pool is not None else _new_pool()


def _started() -> None:
    """Import what training needs (scikit-learn, the encoders), so the build need not wait."""
    import kb.answers.hybrid
    import kb.answers.routing  # noqa: F401


def _new_pool() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=die_with_parent,
    )


def die_with_parent() -> None:
    """In a spawned process: exit as soon as the process that started it is gone.

    multiprocessing gives a spawned child the read end of a pipe whose only write end its
    parent holds, open until it exits (`parent_process().sentinel`): readable at once when the
    parent dies, however it dies, with nothing to poll. Linux's PR_SET_PDEATHSIG would not do:
    it fires when the parent *thread* that started the child ends (a server's request thread
    may start it, and end long before the parent process), and it is Linux only."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(
            target=_exit_when_closed, args=(parent.sentinel,), name="parent-watch", daemon=True
        ).start()


def _exit_when_closed(sentinel: int) -> None:
    wait([sentinel])
    os._exit(ORPHANED_EXIT)  # no clean-up to run: the parent that wanted the result is gone
