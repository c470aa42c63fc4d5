"""A server that cannot load the current release keeps serving the one it has, says why in one
log line per try, and tries less and less often (doubling, capped), not four times a second."""

from __future__ import annotations

import errno
import logging
import os
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.releases.following import MAX_RETRY_SECONDS, retry_delay
from kb.settings import Settings
from tests.conftest import make_unit
from tests.disk_faults import DiskFault

TRIES = 4
WAIT_BUDGET_S = 30.0


def test_the_wait_before_a_retry_doubles_after_each_failure_up_to_a_cap() -> None:
    delays = [retry_delay(0.25, failures) for failures in range(12)]

    assert delays[:8] == [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, MAX_RETRY_SECONDS]
    assert set(delays[7:]) == {MAX_RETRY_SECONDS}
    assert retry_delay(0.25, 10_000) == MAX_RETRY_SECONDS


@pytest.fixture
def server(settings: Settings, tmp_path: Path) -> Iterator[KnowledgeBase]:
    """Another server on the same database, with an index folder of its own."""
    with KnowledgeBase.open(replace(settings, data_dir=tmp_path / "server")) as knowledge_base:
        yield knowledge_base


def publish(kb: KnowledgeBase, title: str) -> None:
    kb.save_unit(make_unit("top-up", title=title), author="tester")
    assert kb.publish(author="tester").release is not None


def test_a_follower_on_a_full_disk_logs_one_line_per_try_backs_off_and_keeps_serving(
    kb: KnowledgeBase,
    server: KnowledgeBase,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    publish(kb, "First edition")
    server.follow_releases(0.02)
    assert server.services().release == 1
    disk = DiskFault(monkeypatch)
    disk.refuse(server.settings.index_dir, errno.ENOSPC)
    caplog.set_level(logging.DEBUG, logger="kb.releases.following")

    publish(kb, "Second edition")
    deadline = time.monotonic() + WAIT_BUDGET_S
    while len(failures := _failures(caplog)) < TRIES and time.monotonic() < deadline:
        time.sleep(0.02)
    served, failure = server.services().release, server.following_failure()
    server.stop_following()

    failures = _failures(caplog)
    assert len(failures) >= TRIES
    for record in failures:
        assert record.exc_info is None and "\n" not in record.getMessage()
        assert "no space left on device" in record.getMessage()
    waits = [float(re.findall(r"retrying in ([0-9.]+) s", r.getMessage())[0]) for r in failures]
    assert waits[:TRIES] == [0.04, 0.08, 0.16, 0.32]
    assert (served, failure) == (1, "no space left on device")


def _failures(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "kb.releases.following"
        and r.levelno == logging.WARNING
        and "could not load" in r.getMessage()
    ]


def test_workers_sharing_an_index_folder_build_a_new_release_once(
    kb: KnowledgeBase, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(kb, "First edition")
    shared = replace(settings, data_dir=tmp_path / "server")
    built: list[str] = []
    real_mkdir = os.mkdir

    def mkdir(path: str | os.PathLike[str], *args: object, **kwargs: object) -> None:
        name = Path(path).name
        if name.startswith(".release-2-") and Path(path).parent == shared.index_dir:
            built.append(name)  # a build starts in a hidden folder of its own
        real_mkdir(path, *args, **kwargs)  # type: ignore[arg-type]

    with KnowledgeBase.open(shared) as first, KnowledgeBase.open(shared) as second:
        assert first.services().release == second.services().release == 1
        publish(kb, "Second edition")
        monkeypatch.setattr(os, "mkdir", mkdir)
        start = threading.Barrier(2)

        def switch(worker: KnowledgeBase) -> int:
            start.wait()
            return worker.services(wait=True).release

        with ThreadPoolExecutor(2) as pool:
            releases = list(pool.map(switch, [first, second]))

    assert releases == [2, 2]
    assert len(built) == 1, built
