"""`kill -9` of `kb publish` while it builds the release it committed: nothing of it lives on.

Its matchers' training process and multiprocessing's resource tracker end with it, the hidden
folder it was building in is cleared by the next open (but not while a live build owns it),
and the next publish builds only its own release, not the killed one's as well. Real processes
on a real store; the matchers use words alone (KB_ENCODER=none: the encoder is not what is
tested, and it would cost each build seconds).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from kb import ContentBatch, KnowledgeBase, Settings, SourcedUnit
from kb.answers.build_child import PARALLEL_BUILD_UNITS
from tests.conftest import release_name

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(sys.platform != "linux", reason="reads processes from /proc"),
]

#: Enough units that the matchers train in a child process while the publish indexes.
UNITS = PARALLEL_BUILD_UNITS
#: Generous caps on waiting for work to happen (the test asserts on the work, not on time).
BUILD_START_LIMIT_S = 300
CHILDREN_GONE_LIMIT_S = 60
COMMAND_LIMIT_S = 300


def unit_text(i: int, edition: int) -> str:
    return (
        f"---\nid: topic-{i:05d}\nlocale: en\ntitle: Case {i} edition {edition}\n"
        f"questions: [what about case {i}, help with case {i} please]\n---\n"
        f"The answer for case {i}, edition {edition}: words alpha{i % 97} beta{i % 89}.\n"
    )


def import_edition(kb: KnowledgeBase, edition: int, count: int = UNITS) -> None:
    units = [
        SourcedUnit(kb.parse_unit(text), text)
        for text in map(unit_text, range(count), [edition] * count)
    ]
    kb.import_content(ContentBatch(units=units), author="faults")


def kb_process(env: Mapping[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    """Start `kb ARGS...`, its output going to `log` (a pipe nobody reads could fill up)."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "cli.main", *args],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def children(pid: int) -> set[int]:
    """The processes whose parent is `pid`."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    """Whether process `pid` exists and has not ended (a zombie has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def wait_for(what: Callable[[], object], limit_s: float) -> object:
    """Poll `what` until it returns something true, or None after `limit_s` seconds."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if found := what():
            return found
        time.sleep(0.05)
    return None


def hidden(index_dir: Path) -> list[str]:
    """What builds and prunes left in the index folder (their names begin with a dot)."""
    return sorted(p.name for p in index_dir.glob(".release-*"))


def staging_of(index_dir: Path, release: int) -> Path | None:
    """The hidden folder release `release` is being built in, once there is one."""
    return next((p for p in index_dir.glob(f".release-{release}-*") if p.is_dir()), None)


def test_a_publish_killed_mid_build_leaves_no_process_no_folder_and_costs_the_next_nothing(
    settings: Settings, env: dict[str, str], tmp_path: Path
) -> None:
    with KnowledgeBase.open(settings) as kb:
        import_edition(kb, 1)
    log = tmp_path / "publish.log"
    publish = kb_process(env, log, "publish", "-m", "to be killed")
    index_dir = settings.index_dir
    staging = wait_for(
        lambda: staging_of(index_dir, 1) or publish.poll() is not None, BUILD_START_LIMIT_S
    )
    assert isinstance(staging, Path), f"release 1 was never being built:\n{log.read_text()}"
    helpers = children(publish.pid)
    assert any("multiprocessing" in command_line(pid) for pid in helpers), "no training process"

    with KnowledgeBase.open(settings) as kb:  # while the build is live: its folder stays
        assert kb.current_release().number == 1  # type: ignore[union-attr]
        assert staging.is_dir(), "an open deleted the folder a live build works in"
    assert publish.poll() is None, "the publish ended before it was killed: nothing was tested"

    publish.send_signal(signal.SIGKILL)
    publish.wait()
    gone = wait_for(lambda: not any(map(running, helpers)), CHILDREN_GONE_LIMIT_S)
    left = [command_line(pid) for pid in helpers if running(pid)]
    for pid in helpers:  # a failing run leaves nothing either
        if running(pid):
            os.kill(pid, signal.SIGKILL)
    assert gone, f"still running after the publish was killed: {left}"
    assert hidden(index_dir), "the killed build left nothing to clear: the test proved nothing"

    with KnowledgeBase.open(settings) as kb:
        assert hidden(index_dir) == []
        import_edition(kb, 2, count=1)
    again = kb_process(env, log, "publish", "-m", "after the kill")
    assert again.wait(COMMAND_LIMIT_S) == 0, log.read_text()

    with KnowledgeBase.open(settings) as kb:
        assert kb.current_release().number == 2  # type: ignore[union-attr]
        built = sorted(p.name for p in index_dir.glob("release-*"))
        assert built == [release_name(kb, 2)], "the killed publish's release was built first"
        assert hidden(index_dir) == []
