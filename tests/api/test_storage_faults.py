"""A full or read-only disk: the publish says what it committed, the server keeps serving the
release it has, `/readyz` says it is behind and why, and a refused write answers 507.

The storage's refusal is injected at the OS boundary: `os.mkdir` raises ENOSPC or EROFS for
paths under one server's index folder (where a release's index is built first), as the kernel
would on a full or read-only file system; chmod would not stop root, and a tiny tmpfs needs
privileges CI may not have. SQLite's own full database comes from `PRAGMA max_page_count`,
which makes SQLite refuse to grow the file exactly as on a full disk (SQLITE_FULL).
"""

from __future__ import annotations

import errno
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from api import create_app
from kb import KnowledgeBase
from kb.settings import Settings
from tests.api.test_units_api import assert_problem
from tests.conftest import make_unit
from tests.disk_faults import DiskFault

WAIT_BUDGET_S = 30.0


@pytest.fixture
def client(kb: KnowledgeBase) -> Iterator[TestClient]:
    with TestClient(create_app(kb)) as test_client:
        yield test_client


@pytest.fixture
def server_kb(settings: Settings, tmp_path: Path) -> Iterator[KnowledgeBase]:
    """A second knowledge base on the same database with an index folder of its own (another
    server), polling often so the test waits little."""
    server = replace(settings, data_dir=tmp_path / "server", release_poll_seconds=0.05)
    with KnowledgeBase.open(server) as knowledge_base:
        yield knowledge_base


def publish(kb: KnowledgeBase, title: str) -> int:
    kb.save_unit(make_unit("top-up", title=title), author="tester")
    plan = kb.publish(author="tester")
    assert plan.release is not None
    return plan.release


def readyz_until(client: TestClient, done: Callable[[dict[str, object]], bool]) -> dict:  # type: ignore[type-arg]
    """`/readyz`'s body once `done` holds for it (the follower works in the background)."""
    deadline = time.monotonic() + WAIT_BUDGET_S
    while True:
        response = client.get("/readyz")
        assert response.status_code == 200, response.text
        body = response.json()
        if done(body) or time.monotonic() > deadline:
            return body  # type: ignore[no-any-return]
        time.sleep(0.05)


def served_title(client: TestClient) -> tuple[str, str]:
    response = client.get("/api/v1/units/top-up", params={"channel": "web"})
    assert response.status_code == 200, response.text
    return response.headers["X-KB-Version"], response.json()["title"]


def test_a_publish_on_a_full_disk_answers_507_naming_the_release_it_committed(
    kb: KnowledgeBase, key: Callable[[str], dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(kb, "First edition")
    with TestClient(create_app(kb)) as client:
        disk = DiskFault(monkeypatch)
        disk.refuse(kb.settings.index_dir, errno.ENOSPC)
        kb.save_unit(make_unit("top-up", title="Second edition"), author="tester")

        response = client.post("/api/v1/releases", json={"message": "v2"}, headers=key("publisher"))

        body = assert_problem(response, 507)
        assert body["kb_version"] == 2 and body["committed"] is True
        assert "release 2 is committed" in str(body["detail"])
        assert "no space left on device" in str(body["detail"])
        assert response.headers["Location"] == "/api/v1/releases/2"
        assert client.get("/api/v1/releases/2", headers=key("editor")).status_code == 200
        assert served_title(client) == ("1", "First edition")
        ready = readyz_until(client, lambda b: "detail" in b and "space" in str(b["detail"]))
        assert ready["status"] == "behind"
        assert (ready["kb_version"], ready["current_release"]) == (1, 2)
        assert "no space left on device" in str(ready["detail"])


def test_a_read_only_index_folder_keeps_serving_the_release_loaded_and_recovers(
    kb: KnowledgeBase, server_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(kb, "First edition")
    with TestClient(create_app(server_kb)) as client:
        assert readyz_until(client, lambda b: b["status"] == "ready")["kb_version"] == 1
        disk = DiskFault(monkeypatch)
        disk.refuse(server_kb.settings.index_dir, errno.EROFS)

        publish(kb, "Second edition")  # by another server, whose disk is fine
        behind = readyz_until(client, lambda b: "read-only" in str(b.get("detail")))

        assert behind["status"] == "behind", behind
        assert (behind["kb_version"], behind["current_release"]) == (1, 2)
        assert "read-only file system" in str(behind["detail"])
        assert served_title(client) == ("1", "First edition")
        assert server_kb.following_failure() == "read-only file system"

        disk.clear()
        ready = readyz_until(client, lambda b: b["status"] == "ready")
        assert (ready["kb_version"], ready["current_release"]) == (2, 2)
        assert served_title(client) == ("2", "Second edition")


def test_a_write_the_database_has_no_room_for_answers_507_saying_so(
    kb: KnowledgeBase, key: Callable[[str], dict[str, str]], client: TestClient
) -> None:
    if kb.db.dialect != "sqlite":
        pytest.skip("SQLite is told to stay its size; a PostgreSQL server's disk is not ours")

    def no_growth(connection: object, _record: object, _proxy: object) -> None:
        connection.execute("PRAGMA max_page_count = 1")  # type: ignore[attr-defined]

    event.listen(kb.db.engine, "checkout", no_growth)
    source = "---\nid: roaming\nlocale: en\ntitle: Roaming\n---\n" + "Abroad. " * 5_000

    response = client.post("/api/v1/drafts/units", json={"source": source}, headers=key("editor"))

    body = assert_problem(response, 507)
    assert body["detail"] == "the server could not write: the database's disk is full"
    event.remove(kb.db.engine, "checkout", no_growth)
    assert "roaming" not in {unit_id for unit_id, _ in kb.drafts().units}
