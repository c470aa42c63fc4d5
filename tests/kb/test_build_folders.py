"""Hidden index folders: a live build's stays, whatever a killed build or prune left goes."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kb import KnowledgeBase, Settings
from kb.answers.build_folders import clear_unfinished

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="builds own folders by flock")

#: A build in another process: it takes its staging folder, says where, and waits.
BUILDER = """
import sys
from pathlib import Path
from kb.answers.build_folders import staging_folder
with staging_folder(Path(sys.argv[1]) / "release-7-whoosh") as staging:
    print(staging.name, flush=True)
    sys.stdin.read()
"""


def test_a_live_builds_folder_stays_and_goes_once_its_process_is_killed(tmp_path: Path) -> None:
    builder = subprocess.Popen(
        [sys.executable, "-c", BUILDER, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert builder.stdout is not None
        staging = tmp_path / builder.stdout.readline().strip()
        assert staging.name.startswith(".release-7-whoosh.") and staging.is_dir()

        assert clear_unfinished(tmp_path) == []
        assert staging.is_dir()
    finally:
        builder.send_signal(signal.SIGKILL)
        builder.wait()

    assert clear_unfinished(tmp_path) == [staging.name]
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_what_killed_builds_and_prunes_left_is_cleared_on_open(settings: Settings) -> None:
    index = settings.index_dir
    leftovers = [
        ".release-3-whoosh.0123abcd",  # a build killed before builds owned their folders
        ".release-2-tantivy+use-multilingual.old-89abcdef",  # a prune killed mid-way
    ]
    kept = ["release-4-whoosh", ".embeddings-x.npz.lock", "embeddings-x.npz"]
    for name in [*leftovers, *kept[:1]]:
        (index / name / "search").mkdir(parents=True)
    for name in [*kept[1:], ".release-5-whoosh.fedcba98.lock"]:  # a build killed before mkdir
        (index / name).write_bytes(b"")

    with KnowledgeBase.open(settings):
        assert sorted(p.name for p in index.iterdir()) == sorted(kept)
