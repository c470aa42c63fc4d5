"""The scheduler: a tick every few seconds that publishes the scheduled releases come due,
withdraws units whose `expires` came, and runs the periodic jobs, each in exactly one of the
processes ticking (every `kb serve` worker runs one, or `kb scheduler run` apart).

Exactly once, across processes and machines, rests on the database (kb.scheduling.store): a due
schedule is claimed by a conditional update before it is published, and marked published in the
transaction that writes its release; a periodic job is claimed by moving its next due time on;
an expiry release is written under the exclusive write lock, after checking again that the
current release still serves an expired unit. A tick that fails is logged and the next one tries
again: the thread never dies of a database that is away.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from kb.errors import KBError
from kb.releases.publishing import PublishBlocked, PublishGate
from kb.releases.timed import make_timed_release, newest_revision_id, next_moment
from kb.review import Reviews
from kb.scheduling.jobs import PeriodicJob, periodic_jobs
from kb.scheduling.store import (
    claim_schedule,
    due_schedules,
    finish_schedule,
    get_schedule,
    release_claim,
)
from kb.store.schedule_models import SchedulerJob

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase

__all__ = [
    "TIMED_AUTHOR",
    "Scheduler",
    "Tick",
    "process_name",
    "start_scheduler",
    "stop_scheduler",
]

_LOG = logging.getLogger("kb.scheduling")
#: The author of the releases the scheduler makes when units expire or start.
TIMED_AUTHOR = "scheduler"
#: How long the scheduler waits before trying a timed release again that made nothing (a unit
#: due to start that waits for an approval) or that the checks refused.
TIMED_RETRY = timedelta(seconds=60)


def process_name() -> str:
    """Who holds a claim: the machine, the process and the thread (two schedulers of one
    process, as tests run them, are told apart too)."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:200]


def utcnow() -> datetime:
    """The scheduler's clock."""
    return datetime.now(UTC)


@dataclass
class Tick:
    """What one tick of this process did (the others' ticks did the rest)."""

    #: (schedule id, release number or None when nothing had changed) for each one published.
    published: list[tuple[int, int | None]] = field(default_factory=list)
    #: Schedules that failed (the checks refused the release...).
    failed: list[int] = field(default_factory=list)
    #: The release made because units expired or started, if this process made one.
    timed_release: int | None = None
    #: Names of the periodic jobs this process ran.
    jobs: list[str] = field(default_factory=list)


class Scheduler:
    """Ticks every `interval` seconds on a daemon thread (`start`), or in the caller's thread
    (`run_until_stopped`, the command line), until `stop`."""

    def __init__(
        self,
        kb: KnowledgeBase,
        *,
        gate: PublishGate | None = None,
        interval: float | None = None,
        jobs: Sequence[PeriodicJob] | None = None,
    ) -> None:
        self.kb = kb
        self.gate = gate
        self.interval = interval or kb.settings.scheduler_seconds
        self.jobs = tuple(periodic_jobs() if jobs is None else jobs)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._me = ""
        #: ((release, newest revision), when a timed release may next be due): read again only
        #: when either changes (kb.releases.timed.next_moment).
        self._timed: tuple[tuple[int, int], datetime | None] | None = None

    def start(self) -> None:
        """Tick on a daemon thread from now on."""
        self._thread = threading.Thread(
            target=self.run_until_stopped, name="kb-scheduler", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop ticking; returns once the current tick (a publish, maybe) has finished."""
        self._stop.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join()

    def run_until_stopped(self) -> None:
        """Tick, wait `interval`, and again, until `stop`."""
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(self.interval)

    def tick(self, now: datetime | None = None) -> Tick:
        """Do what is due at `now` (default: the clock) that no other process did first."""
        self._me = process_name()
        done = Tick()
        for step in (self._publish_due, self._timed_release, self._run_jobs):
            try:
                step(now or utcnow(), done)
            except Exception as exc:  # the database may be away: the next tick tries again
                _LOG.warning("the scheduler's %s failed: %s", step.__name__.strip("_"), exc)
                _LOG.debug("the scheduler's failure", exc_info=exc)
        return done

    # -- scheduled releases -----------------------------------------------------------------

    def _publish_due(self, now: datetime, done: Tick) -> None:
        with self.kb.db.read() as session:
            due = due_schedules(session, now)
        for schedule_id in due:
            if self._stop.is_set():
                return
            with self.kb.db.write() as session:
                if not claim_schedule(session, schedule_id, me=self._me, now=now):
                    continue  # another process took it
            self._publish(schedule_id, done)

    def _publish(self, schedule_id: int, done: Tick) -> None:
        """Publish a schedule this process claimed, and end it published or failed."""
        with self.kb.db.read() as session:
            schedule = get_schedule(session, schedule_id)

        def published(session: Session, number: int) -> None:
            if not self._finish(session, schedule_id, "published", number, None):
                raise KBError(f"scheduled release {schedule_id} was taken over by another process")

        try:
            plan = self.kb.publish(
                author=schedule.author,
                message=schedule.note or f"Scheduled release {schedule_id}",
                gate=self.gate,
                on_release=published,
            )
        except KBError as exc:  # refused by the checks, or conflicts: it failed, say why
            with self.kb.db.write() as session:
                if self._finish(session, schedule_id, "failed", None, str(exc)):
                    done.failed.append(schedule_id)
                    _LOG.warning("scheduled release %d failed: %s", schedule_id, exc)
            return
        except Exception:
            with self.kb.db.write() as session:  # a passing failure: any process tries again
                release_claim(session, schedule_id, me=self._me)
            raise
        if plan.release is None:
            base = plan.base_release
            why = f"release {base} already served the drafts" if base else "there were no drafts"
            with self.kb.db.write() as session:
                self._finish(session, schedule_id, "published", None, f"nothing to publish: {why}")
        done.published.append((schedule_id, plan.release))
        _LOG.info("scheduled release %d published: release %s", schedule_id, plan.release)

    def _finish(
        self, session: Session, schedule_id: int, state: str, release: int | None, why: str | None
    ) -> bool:
        return finish_schedule(
            session,
            schedule_id,
            me=self._me,
            state=state,
            release=release,
            detail=why,
            now=utcnow(),
        )

    # -- timed releases ----------------------------------------------------------------------

    def _timed_release(self, now: datetime, done: Tick) -> None:
        """A release with just the units of the current one that expired and the units whose
        publish_after came (KB_WINDOW_RELEASES)."""
        if not self.kb.settings.window_releases:
            return
        current = self.kb.current_release()
        if current is None:
            return
        key = (current.number, newest_revision_id(self.kb.db))
        if self._timed is None or self._timed[0] != key:
            self._timed = (key, next_moment(self.kb.db, current))
        due = self._timed[1]
        if due is None or due > now:
            return
        self._timed = (key, now + TIMED_RETRY)  # unless it makes a release, which changes key
        try:
            made = make_timed_release(
                self.kb.db,
                now,
                author=TIMED_AUTHOR,
                review=Reviews(self.kb.db, self.kb.settings).active_rule(),
                gate=self.gate,
            )
        except PublishBlocked as exc:
            _LOG.warning("a unit due to start is held back: %s", exc)
            return
        if made is not None:
            done.timed_release = made.number
            _LOG.info(
                "release %d: expired %s, started %s",
                made.number,
                ", ".join(f"{u} ({loc})" for u, loc in made.expired) or "none",
                ", ".join(f"{u} ({loc})" for u, loc in made.started) or "none",
            )

    # -- periodic jobs ------------------------------------------------------------------------

    def _run_jobs(self, now: datetime, done: Tick) -> None:
        for job in self.jobs:
            if self._stop.is_set():
                return
            if not self._claim_job(job, now):
                continue
            try:
                job.run(self.kb, now)
            except Exception as exc:
                _LOG.warning("the periodic job %s failed: %s", job.name, exc)
                _LOG.debug("the periodic job's failure", exc_info=exc)
            done.jobs.append(job.name)

    def _claim_job(self, job: PeriodicJob, now: datetime) -> bool:
        """Move the job's next due time on (True), unless it is not due or another process did."""
        try:
            with self.kb.db.write() as session:
                if session.get(SchedulerJob, job.name) is None:
                    session.add(SchedulerJob(name=job.name, next_at=now))
        except IntegrityError:
            pass  # another process added it at the same moment
        with self.kb.db.write() as session:
            result = session.execute(
                update(SchedulerJob)
                .where(SchedulerJob.name == job.name, SchedulerJob.next_at <= now)
                .values(
                    next_at=now + timedelta(seconds=job.every_seconds),
                    claimed_by=self._me,
                    last_run_at=now,
                )
            )
            return bool(getattr(result, "rowcount", 0))


def start_scheduler(kb: KnowledgeBase, *, gate: PublishGate | None = None) -> Scheduler | None:
    """A scheduler ticking on its own thread, unless the settings leave it to `kb scheduler
    run` (KB_SCHEDULER=false): what each `kb serve` process starts."""
    if not kb.settings.scheduler:
        return None
    scheduler = Scheduler(kb, gate=gate)
    scheduler.start()
    return scheduler


def stop_scheduler(scheduler: Scheduler | None) -> None:
    """Stop what `start_scheduler` started, if it started one."""
    if scheduler is not None:
        scheduler.stop()
