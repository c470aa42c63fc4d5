"""Two `kb serve` processes on PostgreSQL that poll only every 30 s switch at once on a publish:
its NOTIFY wakes them (each LISTENs), within the issue's one second on an idle machine."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from kb import KnowledgeBase
from tests.api.servers import kb_server
from tests.conftest import make_unit

#: Polling every 30 s, a server that serves a release within this many seconds of its publish
#: was woken by the NOTIFY; the issue asks for 1 s, this leaves room for a loaded machine.
NOTIFY_BOUND_S = 5.0
PUBLISHES = 3


def publish(kb: KnowledgeBase, title: str) -> int:
    kb.save_unit(make_unit("top-up", title=title), author="tester")
    release = kb.publish(author="tester").release
    assert release is not None
    return release


def seconds_until(client: httpx.Client, release: int, since: float) -> float:
    """Seconds from `since` until the server answers from `release` (header and body agree)."""
    while True:
        response = client.get("/api/v1/units/top-up", params={"channel": "web"})
        assert response.status_code == 200, response.text
        served = int(response.headers["X-KB-Version"])
        assert response.json()["kb_version"] == served
        waited = time.monotonic() - since
        if served == release:
            return waited
        assert waited < NOTIFY_BOUND_S, f"{client.base_url} still serves {served}, not {release}"
        time.sleep(0.01)


def test_two_servers_polling_every_30_s_switch_at_once_on_a_publish(
    kb: KnowledgeBase,
    env: dict[str, str],
    tmp_path: Path,
    record_property: Callable[[str, object], None],
) -> None:
    if kb.db.dialect != "postgresql":
        pytest.skip("NOTIFY is PostgreSQL's; test_release_switch.py has SQLite's polling")
    publish(kb, "First edition")
    slow = {**env, "KB_RELEASE_POLL_SECONDS": "30"}
    with (
        kb_server({**slow, "KB_DATA_DIR": str(tmp_path / "a")}, log=tmp_path / "a.log") as a,
        kb_server({**slow, "KB_DATA_DIR": str(tmp_path / "b")}, log=tmp_path / "b.log") as b,
        httpx.Client(base_url=a, timeout=10) as first,
        httpx.Client(base_url=b, timeout=10) as second,
    ):
        for client in (first, second):
            seconds_until(client, 1, time.monotonic())
        times: dict[str, list[float]] = {"a": [], "b": []}
        for edition in range(2, 2 + PUBLISHES):
            release = publish(kb, f"Edition {edition}")
            published_at = time.monotonic()
            times["a"].append(seconds_until(first, release, published_at))
            times["b"].append(seconds_until(second, release, published_at))

    for name, waited in times.items():
        print(
            f"server {name}: {len(waited)} switches after a publish, median "
            f"{statistics.median(waited) * 1000:.0f} ms, max {max(waited) * 1000:.0f} ms"
        )
    record_property("switch_seconds", times)
