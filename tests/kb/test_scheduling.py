"""Scheduled releases in one process: created for a future time only, published once when due,
never when cancelled; periodic jobs run once per due time whoever ticks."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from kb import InvalidContent, KnowledgeBase, VersionConflict
from kb.releases.publishing import GateFinding
from kb.review import Reviews
from kb.scheduling.jobs import PeriodicJob
from kb.scheduling.scheduler import Scheduler, utcnow
from kb.scheduling.schedules import (
    cancel_release,
    parse_at,
    schedule_release,
    scheduled,
    scheduled_releases,
)
from kb.scheduling.store import LEASE, ScheduleNotFound, claim_schedule, finish_schedule
from kb.settings import Settings
from kb.store.audit import entries
from kb.store.snapshot import Snapshot
from tests.conftest import make_unit


def _due_soon(kb: KnowledgeBase, note: str = "launch") -> tuple[int, datetime]:
    """A schedule a second from now, and a moment after it (ticks are given their time)."""
    at = utcnow() + timedelta(seconds=1)
    return schedule_release(kb, at=at, note=note, author="pat").id, at + timedelta(seconds=1)


def test_a_time_in_the_past_is_refused(kb: KnowledgeBase) -> None:
    with pytest.raises(InvalidContent) as caught:
        schedule_release(kb, at=utcnow() - timedelta(minutes=1), note="", author="pat")
    assert caught.value.problems[0].field == "at"
    assert "is in the past" in caught.value.problems[0].message
    assert scheduled_releases(kb) == []


def test_a_time_without_timezone_is_refused() -> None:
    with pytest.raises(InvalidContent) as caught:
        parse_at("2027-01-01T09:00")
    assert "needs a timezone" in str(caught.value)
    assert parse_at("2027-01-01T00:00Z") == datetime(2027, 1, 1, tzinfo=UTC)


def test_a_due_schedule_publishes_once_as_its_author(kb: KnowledgeBase) -> None:
    kb.save_unit(make_unit("a"), author="ann")
    schedule_id, after = _due_soon(kb)
    scheduler = Scheduler(kb, jobs=())
    assert scheduler.tick(after - timedelta(seconds=5)).published == []  # not due yet
    assert kb.current_release() is None
    assert scheduler.tick(after).published == [(schedule_id, 1)]
    release = kb.release(1)
    assert (release.author, release.message) == ("pat", "launch")
    done = scheduled(kb, schedule_id)
    assert (done.state, done.release_number) == ("published", 1)
    assert Scheduler(kb, jobs=()).tick(after + timedelta(minutes=1)).published == []
    assert [r.number for r in kb.releases()] == [1]


def test_two_schedulers_ticking_together_publish_once(kb: KnowledgeBase) -> None:
    kb.save_unit(make_unit("a"), author="ann")
    schedule_id, after = _due_soon(kb)
    schedulers = [Scheduler(kb, jobs=()) for _ in range(2)]
    start = threading.Barrier(2)
    ticks = []

    def tick(scheduler: Scheduler) -> None:
        start.wait()
        ticks.append(scheduler.tick(after))

    threads = [threading.Thread(target=tick, args=(s,)) for s in schedulers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(p for t in ticks for p in t.published) == [(schedule_id, 1)]
    assert [r.number for r in kb.releases()] == [1]


def test_a_cancelled_schedule_never_publishes(kb: KnowledgeBase) -> None:
    kb.save_unit(make_unit("a"), author="ann")
    schedule_id, after = _due_soon(kb)
    cancelled = cancel_release(kb, schedule_id, actor="sam")
    assert (cancelled.state, cancelled.cancelled_by) == ("cancelled", "sam")
    assert Scheduler(kb, jobs=()).tick(after + timedelta(hours=1)).published == []
    assert kb.current_release() is None
    with pytest.raises(VersionConflict, match="is cancelled: only a pending one"):
        cancel_release(kb, schedule_id, actor="sam")


def test_a_published_schedule_cannot_be_cancelled(kb: KnowledgeBase) -> None:
    kb.save_unit(make_unit("a"), author="ann")
    schedule_id, after = _due_soon(kb)
    Scheduler(kb, jobs=()).tick(after)
    with pytest.raises(VersionConflict, match=r"is published \(release 1\)"):
        cancel_release(kb, schedule_id, actor="sam")
    with pytest.raises(ScheduleNotFound):
        cancel_release(kb, 999, actor="sam")


def test_a_schedule_with_nothing_to_publish_ends_without_a_release(kb: KnowledgeBase) -> None:
    kb.save_unit(make_unit("a"), author="ann")
    kb.publish(author="ann")
    schedule_id, after = _due_soon(kb)
    assert Scheduler(kb, jobs=()).tick(after).published == [(schedule_id, None)]
    done = scheduled(kb, schedule_id)
    assert (done.state, done.release_number) == ("published", None)
    assert done.detail == "nothing to publish: release 1 already served the drafts"


class _Blocking:
    """A finding of the publish gate that refuses the release."""

    blocking = True
    code = "test"
    unit_id = "a"
    locale = "en"
    message = "refused by the test's gate"


def test_a_schedule_the_checks_refuse_fails_and_says_why(kb: KnowledgeBase) -> None:
    kb.save_unit(make_unit("a"), author="ann")
    schedule_id, after = _due_soon(kb)

    def gate(_target: Snapshot) -> list[GateFinding]:
        return [_Blocking()]

    assert Scheduler(kb, gate=gate, jobs=()).tick(after).failed == [schedule_id]
    done = scheduled(kb, schedule_id)
    assert done.state == "failed" and "publishing refused" in (done.detail or "")
    assert kb.current_release() is None


def test_scheduling_cancelling_and_publishing_are_audited(kb: KnowledgeBase) -> None:
    kb.save_unit(make_unit("a"), author="ann")
    kept, after = _due_soon(kb)
    dropped, _ = _due_soon(kb)
    cancel_release(kb, dropped, actor="sam")
    Scheduler(kb, jobs=()).tick(after)
    with kb.db.read() as session:
        found = [
            (e.action, e.object_id, e.actor)
            for e in entries(session)
            if e.object_kind == "schedule"
        ]
    assert sorted(found) == sorted(
        [
            ("schedule.cancelled", str(dropped), "sam"),
            ("schedule.created", str(dropped), "pat"),
            ("schedule.created", str(kept), "pat"),
            ("schedule.published", str(kept), "pat"),
        ]
    )


def test_a_periodic_job_runs_once_per_due_time_whoever_ticks(kb: KnowledgeBase) -> None:
    runs: list[datetime] = []
    job = PeriodicJob("test.count", 60.0, lambda _kb, now: runs.append(now))
    first, second = Scheduler(kb, jobs=[job]), Scheduler(kb, jobs=[job])
    now = utcnow()
    assert first.tick(now).jobs == ["test.count"]
    assert second.tick(now).jobs == []
    assert first.tick(now + timedelta(seconds=30)).jobs == []
    assert second.tick(now + timedelta(seconds=61)).jobs == ["test.count"]
    assert len(runs) == 2


def test_a_claimed_schedule_cannot_be_claimed_again_until_its_lease_ends(
    kb: KnowledgeBase,
) -> None:
    schedule_id, after = _due_soon(kb)
    with kb.db.write() as session:
        assert claim_schedule(session, schedule_id, me="a", now=after)
    with kb.db.write() as session:
        assert not claim_schedule(session, schedule_id, me="b", now=after)
    taken_over = after + LEASE + timedelta(seconds=1)  # "a" died mid-publish
    with kb.db.write() as session:
        assert claim_schedule(session, schedule_id, me="b", now=taken_over)
    with kb.db.write() as session:  # "a" was only slow: its release must not count
        for me, counts in (("a", False), ("b", True)):
            finished = finish_schedule(
                session, schedule_id, me=me, state="published", release=1, detail=None, now=after
            )
            assert finished is counts
    assert scheduled(kb, schedule_id).claimed_by == "b"


def test_a_scheduled_release_under_four_eyes_publishes_only_approved_revisions(
    settings: Settings,
) -> None:
    with KnowledgeBase.open(replace(settings, review_policy="four-eyes")) as kb:
        reviews = Reviews(kb.db, kb.settings)
        kb.save_unit(make_unit("a", body="Approved text."), author="ann")
        reviews.approve("unit", "a", "en", 1, actor="bob")
        kb.save_unit(make_unit("a", body="Waiting text."), author="ann")  # not approved
        kb.save_unit(make_unit("b"), author="ann")  # never approved
        schedule_id, after = _due_soon(kb)
        assert Scheduler(kb, jobs=()).tick(after).published == [(schedule_id, 1)]
        live = kb.snapshot(1)
        assert set(live.units) == {("a", "en")}
        assert live.unit("a", "en").document.body == "Approved text."
