"""A unit that expires leaves what customers see without anyone publishing: of two real
`kb serve` processes on one database, one makes the release without it, once, and both serve
it. Waits poll up to a deadline; nothing asserts how long anything took."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx

from kb import KnowledgeBase
from kb.scheduling.scheduler import TIMED_AUTHOR, utcnow
from kb.scheduling.schedules import schedule_release, scheduled
from tests.api.servers import kb_server
from tests.conftest import make_unit

DEADLINE_S = 90.0


def _until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not check():
        assert time.monotonic() < deadline, f"still not {what}"
        time.sleep(0.2)


def test_an_expired_unit_leaves_both_servers_in_one_release(
    kb: KnowledgeBase, env: dict[str, str], tmp_path: Path
) -> None:
    kb.save_unit(make_unit("top-up", title="Published title"), author="ann")
    ends = utcnow() + timedelta(seconds=10)
    kb.save_unit(make_unit("spring-offer", expires=ends), author="ann")
    kb.publish(author="ann")
    assert set(kb.snapshot(1).units) == {("top-up", "en"), ("spring-offer", "en")}
    kb.save_unit(make_unit("top-up", title="A draft nobody published"), author="ann")
    ticking = {**env, "KB_SCHEDULER_SECONDS": "0.3", "KB_RELEASE_POLL_SECONDS": "0.3"}
    with (
        kb_server({**ticking, "KB_DATA_DIR": str(tmp_path / "a")}, log=tmp_path / "a.log") as a,
        kb_server({**ticking, "KB_DATA_DIR": str(tmp_path / "b")}, log=tmp_path / "b.log") as b,
    ):

        def served_without_offer(url: str) -> bool:
            return httpx.get(f"{url}/api/v1/units/spring-offer", timeout=10).status_code == 404

        _until(lambda: all(served_without_offer(url) for url in (a, b)), "withdrawn")
        # A schedule due after the expiry shows both servers ticked past it.
        marker = schedule_release(kb, at=utcnow() + timedelta(seconds=1), note="", author="p")
        _until(lambda: scheduled(kb, marker.id).state == "published", "ticked past")

    timed = kb.release(2)
    assert timed.author == TIMED_AUTHOR and "spring-offer" in timed.message
    assert set(kb.snapshot(2).units) == {("top-up", "en")}
    assert kb.snapshot(2).unit("top-up", "en").document.title == "Published title"
    assert scheduled(kb, marker.id).release_number == 3  # the marker published the draft
    assert [r.number for r in kb.releases()] == [3, 2, 1]  # one timed release, not two
