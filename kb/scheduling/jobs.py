"""Periodic jobs the scheduler runs, each due time in exactly one process (the contract other
parts join by: a job is a name, an interval and a function of the knowledge base and now)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase

__all__ = ["PeriodicJob", "periodic_jobs"]


@dataclass(frozen=True)
class PeriodicJob:
    """A job run every `every_seconds` by one of the processes running the scheduler.

    `name` (at most 100 characters, unique) keys its row in `scheduler_job`; `run` gets the
    knowledge base and the tick's time (UTC) and makes its own transactions. One that raises is
    logged and runs again at its next due time.
    """

    name: str
    every_seconds: float
    run: Callable[[KnowledgeBase, datetime], object]


def periodic_jobs() -> tuple[PeriodicJob, ...]:
    """Every periodic job of the knowledge base besides scheduled releases and expiries (other
    parts add theirs here, imported inside so that this module stays cheap to import)."""
    from kb.verification import notify_unverified

    return (PeriodicJob("verification.unverified", 3600.0, notify_unverified),)
