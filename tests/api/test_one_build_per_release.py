"""One build per release on a machine: the publisher builds, every serving worker opens its work.

Real processes: `kb serve --workers 2` on a published knowledge base, and `kb publish` as a
separate process on the same data folder; the build journal (`index/builds.log`) says which
process built which release folder. A release published from another machine (another data
folder) is built once here too, by one worker, while the other waits and opens it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from kb import KnowledgeBase
from kb.answers.build_journal import Build, builds
from kb.settings import Settings
from tests.api.servers import kb_server
from tests.conftest import make_unit, release_name

SWITCH_BUDGET_S = 60.0
#: New connections in a row that must all be served from the new release.
IN_A_ROW = 12


def serves_everywhere(url: str, release: int) -> None:
    """Wait until `IN_A_ROW` requests on new connections in a row are ready on `release`."""
    deadline, streak = time.monotonic() + SWITCH_BUDGET_S, 0
    while streak < IN_A_ROW:
        assert time.monotonic() < deadline, f"release {release} not served everywhere in time"
        with httpx.Client() as fresh:  # a new connection: any worker may take it
            body = fresh.get(f"{url}/readyz").json()
        streak = streak + 1 if body.get("kb_version") == release else 0
        time.sleep(0.05)


def builds_of(kb: KnowledgeBase, release: int) -> list[Build]:
    folder = release_name(kb, release)
    return [b for b in builds(kb.settings.index_dir) if b.folder == folder]


def test_a_release_is_built_once_by_its_publisher_while_two_workers_serve(
    kb: KnowledgeBase, env: dict[str, str]
) -> None:
    kb.save_unit(make_unit("top-up", questions=("how do i top up",)), author="t")
    kb.publish(author="t")
    assert [b.pid for b in builds_of(kb, 1)] == [os.getpid()]  # built here, in this test

    with kb_server(env, workers=2) as url:
        serves_everywhere(url, 1)
        kb.save_unit(make_unit("roaming", questions=("can i use my phone abroad",)), author="t")
        publisher = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "publish", "-m", "second"],
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _, errors = publisher.communicate(timeout=300)
        assert publisher.returncode == 0, errors.decode()
        serves_everywhere(url, 2)

    assert [b.pid for b in builds_of(kb, 2)] == [publisher.pid]  # no worker built it too
    assert [b.pid for b in builds_of(kb, 1)] == [os.getpid()]  # nor rebuilt the first


def test_a_release_published_elsewhere_is_built_here_by_one_worker(
    kb: KnowledgeBase, env: dict[str, str], settings: Settings, tmp_path: Path
) -> None:
    kb.save_unit(make_unit("top-up", questions=("how do i top up",)), author="t")
    kb.publish(author="t")
    elsewhere = Settings(
        data_dir=tmp_path / "other-machine", database_url=settings.database_url, author="t"
    )

    with kb_server(env, workers=2) as url, KnowledgeBase.open(elsewhere) as other:
        serves_everywhere(url, 1)
        other.save_unit(make_unit("roaming", questions=("can i use my phone abroad",)), author="t")
        other.publish(author="t")  # built in the other machine's folder, not in ours
        serves_everywhere(url, 2)

    here = builds_of(kb, 2)
    assert len(here) == 1, here  # one worker built it; the other waited and opened it
    assert here[0].pid != os.getpid()
    assert [b.folder for b in builds(elsewhere.index_dir)] == [release_name(kb, 2)]
