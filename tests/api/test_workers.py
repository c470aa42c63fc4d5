"""`kb serve --workers 2` shares the load: keep-alive connections opened together are spread
across the workers (each listens on a socket of its own, SO_REUSEPORT), a killed worker is
replaced, and SIGTERM stops them all. Real servers on 127.0.0.1; /proc shows which worker
holds which connection (Linux)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kb import KnowledgeBase
from tests.api.worker_procs import (
    PROC,
    Serving,
    burst,
    connections_per_worker,
    serving,
    wait_until_serving,
    worker_pids,
)
from tests.conftest import make_unit

pytestmark = pytest.mark.skipif(
    not PROC.is_dir() or not hasattr(socket, "SO_REUSEPORT"),
    reason="SO_REUSEPORT, and /proc to see which worker holds which connection (Linux)",
)

#: Connections opened at once while both workers are busy (stopped), then the workers go on
#: one after the other; each must then hold at least MIN_SHARE of them. The kernel hashes each
#: connection to one of the workers' own sockets, so a worker gets fewer than 1/5 of 64 about
#: once in two million runs. With one socket shared by both (uvicorn's own supervisor), the
#: first worker to run accepts every connection waiting.
BURST = 64
MIN_SHARE = 1 / 5
SEARCH = "/api/v1/search?q=balance&locale=en"
STOP_LIMIT_S = 20.0


@pytest.fixture
def server(kb: KnowledgeBase, env: dict[str, str], tmp_path: Path) -> Iterator[Serving]:
    """`kb serve --workers 2` on a published knowledge base of two units (on SQLite only: the
    database plays no part in which worker accepts a connection)."""
    if env["KB_DATABASE_URL"].startswith("postgresql"):
        pytest.skip("the same on every database; run on SQLite")
    kb.save_unit(make_unit("check-balance", questions=("how do I check my balance",)), author="t")
    kb.save_unit(make_unit("top-up", questions=("add money to my balance",)), author="t")
    kb.publish(author="t")
    with serving(env, workers=2, log=tmp_path / "server.log") as running:
        yield running


def assert_burst_spread(running: Serving) -> dict[int, int]:
    """A burst of BURST connections, then: each worker holds at least MIN_SHARE of them."""
    workers = sorted(worker_pids(running.process.pid))
    connections = burst(running.port, BURST, SEARCH, workers)
    try:
        held = connections_per_worker(running.process.pid, running.port)
    finally:
        for connection in connections:
            connection.close()
    assert sum(held.values()) == BURST, held
    assert len(held) == 2 and min(held.values()) >= BURST * MIN_SHARE, held
    return dict(held)


def _gone(pid: int) -> bool:
    """Exited (a zombie has closed its sockets already) or reaped."""
    try:
        return (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _wait(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_a_burst_of_keep_alive_connections_is_served_by_both_workers(server: Serving) -> None:
    assert_burst_spread(server)


def test_a_killed_worker_is_replaced_and_the_server_keeps_answering(server: Serving) -> None:
    assert_burst_spread(server)
    victim, survivor = sorted(worker_pids(server.process.pid))
    os.kill(victim, signal.SIGKILL)
    _wait(lambda: _gone(victim), 10, "the killed worker did not exit")
    for _ in range(20):  # new connections go to the sockets still listening
        assert httpx.get(f"{server.url}{SEARCH}", timeout=10).status_code == 200
    wait_until_serving(server, workers=2, timeout=60)
    workers = worker_pids(server.process.pid)
    assert survivor in workers and victim not in workers
    held = assert_burst_spread(server)
    assert (workers - {survivor}) <= held.keys()  # the replacement holds its share


def test_sigterm_stops_every_worker_and_the_server_exits_0(server: Serving) -> None:
    assert_burst_spread(server)
    workers = worker_pids(server.process.pid)
    kept_open = burst(server.port, 4, SEARCH)  # idle keep-alive connections do not hold it up
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(STOP_LIMIT_S) == 0
    _wait(lambda: all(_gone(pid) for pid in workers), 5, "a worker outlived the server")
    for connection in kept_open:
        connection.close()


def test_a_second_server_on_a_port_in_use_exits_3_and_takes_no_connection(
    server: Serving, env: dict[str, str]
) -> None:
    # SO_REUSEPORT lets one user's sockets share a port: a second server must not join in
    command = [sys.executable, "-m", "cli.main", "serve", "--port", str(server.port)]
    done = subprocess.run(
        [*command, "--workers", "2"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 3, done.stderr
    assert "in use" in done.stderr
    assert_burst_spread(server)  # and only the first server's two workers hold connections


def test_workers_stop_when_their_supervisor_is_killed(server: Serving) -> None:
    workers = worker_pids(server.process.pid)
    assert len(workers) == 2
    server.process.kill()  # SIGKILL: no chance to stop them itself
    server.process.wait(5)
    _wait(lambda: all(_gone(pid) for pid in workers), STOP_LIMIT_S, "orphaned workers serve on")
