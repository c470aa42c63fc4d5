"""A full disk ends a command with one line saying so, not a traceback with the content in it.

The index folder's disk is made full at the OS boundary (tests/disk_faults.py). SQLite is told
not to grow its file (`PRAGMA max_page_count` on every connection the command opens) and then
refuses the import's writes exactly as on a full disk: "database or disk is full".
"""

from __future__ import annotations

import errno

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from kb import KnowledgeBase
from tests.cli.conftest import Run
from tests.conftest import SAMPLE_CONTENT
from tests.disk_faults import DiskFault


def no_growth(connection: object, _record: object) -> None:
    connection.execute("PRAGMA max_page_count = 1")  # type: ignore[attr-defined]


def test_a_disk_full_import_says_so_in_one_line_and_imports_nothing(
    kb: KnowledgeBase, run: Run
) -> None:
    if kb.db.dialect != "sqlite":
        pytest.skip("SQLite is told to stay its size; a PostgreSQL server's disk is not ours")
    event.listen(Engine, "connect", no_growth)
    try:
        result = run("import", str(SAMPLE_CONTENT))
    finally:
        event.remove(Engine, "connect", no_growth)

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: nothing was imported: could not write: the database's disk is full"
    ]
    assert result.stdout == ""
    assert not kb.drafts().units


def test_a_publish_on_a_full_disk_says_in_one_line_which_release_it_committed(
    kb: KnowledgeBase, run: Run, imported: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    DiskFault(monkeypatch).refuse(kb.settings.index_dir, errno.ENOSPC)

    result = run("publish", "-m", "sample")

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: release 1 is committed but not served yet: its index could not be built here "
        "(no space left on device); the previous release is served until it is"
    ]
    assert [r.number for r in kb.releases()] == [1]
