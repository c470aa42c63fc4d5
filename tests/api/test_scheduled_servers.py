"""Two real `kb serve` processes on one database, each running the scheduler: a scheduled
release is published once, by one of them; a cancelled one never. Waits poll the database up to
a deadline; nothing asserts how long anything took."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from kb import KnowledgeBase
from kb.scheduling.scheduler import utcnow
from kb.scheduling.schedules import cancel_release, schedule_release, scheduled
from kb.scheduling.store import Schedule
from kb.store.audit import entries
from tests.api.servers import kb_server
from tests.conftest import make_unit

#: The longest the test waits for the servers to publish what is due (a loaded machine).
DEADLINE_S = 90.0


def _wait_for(kb: KnowledgeBase, schedule_id: int, done: Callable[[Schedule], bool]) -> Schedule:
    deadline = time.monotonic() + DEADLINE_S
    while True:
        schedule = scheduled(kb, schedule_id)
        if done(schedule):
            return schedule
        assert time.monotonic() < deadline, f"schedule {schedule_id} is still {schedule.state}"
        time.sleep(0.2)


def test_a_scheduled_release_is_published_once_by_two_servers_and_a_cancelled_one_never(
    kb: KnowledgeBase, env: dict[str, str], tmp_path: Path
) -> None:
    kb.save_unit(make_unit("top-up", title="First edition"), author="ann")
    kb.publish(author="ann")
    kb.save_unit(make_unit("top-up", title="New prices"), author="ann")
    ticking = {**env, "KB_SCHEDULER_SECONDS": "0.3", "KB_RELEASE_POLL_SECONDS": "0.3"}
    with (
        kb_server({**ticking, "KB_DATA_DIR": str(tmp_path / "a")}, log=tmp_path / "a.log"),
        kb_server({**ticking, "KB_DATA_DIR": str(tmp_path / "b")}, log=tmp_path / "b.log"),
    ):
        soon = utcnow() + timedelta(seconds=2)
        dropped = schedule_release(kb, at=soon, note="never", author="sam").id
        cancel_release(kb, dropped, actor="sam")
        kept = schedule_release(kb, at=soon, note="scheduled prices", author="pat").id
        done = _wait_for(kb, kept, lambda s: s.state not in ("pending", "running"))
        # A later schedule, due after the first for both servers, shows both ticked past it.
        last = schedule_release(kb, at=utcnow() + timedelta(seconds=1), note="", author="pat")
        _wait_for(kb, last.id, lambda s: s.state == "published")

    assert (done.state, done.release_number) == ("published", 2), done
    assert [r.number for r in kb.releases()] == [2, 1]  # one release; the last had nothing new
    release = kb.release(2)
    assert (release.author, release.message) == ("pat", "scheduled prices")
    assert kb.snapshot(2).unit("top-up", "en").document.title == "New prices"
    assert scheduled(kb, dropped).state == "cancelled"
    with kb.db.read() as session:
        runs = [e.object_id for e in entries(session) if e.action == "schedule.published"]
    assert sorted(runs) == sorted([str(kept), str(last.id)])
