"""A serving worker computes on one BLAS thread: it answers one question at a time, and more
cores mean more workers (kb/answers/threads.py says what two threads cost at 10,000 units);
`kb serve --workers 2` starts so on either HTTP protocol (httptools, h11)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli.serve_cmd import ONE_THREAD
from kb import KnowledgeBase
from tests.api.protocols import PROTOCOLS, protocol_env
from tests.api.servers import kb_server

PROC = Path("/proc")


#: Run in a fresh process, so that no earlier test's limits are in force: BLAS on two threads
#: (as on a two-core machine), then the app starting as uvicorn starts it, on the main thread.
_STARTUP_PROBE = """
import asyncio, json
import numpy
from threadpoolctl import threadpool_info, threadpool_limits
from api import create_app

def blas():
    return sorted({p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"})

threadpool_limits(limits=2, user_api="blas")
before = blas()
app = create_app()

async def start():
    async with app.router.lifespan_context(app):
        return blas()

print(json.dumps({"before": before, "serving": asyncio.run(start())}))
"""


def test_the_app_starting_up_puts_blas_on_one_thread(env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _STARTUP_PROBE],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"before": [2], "serving": [1]}


def _session_members(leader: int) -> list[int]:
    """Processes of the session `leader` started (kb serve and its workers), leader excluded."""
    found = []
    for entry in PROC.iterdir():
        if entry.name.isdigit() and int(entry.name) != leader:
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == leader:  # the session id, after state, ppid and pgrp
                found.append(int(entry.name))
    return found


def _server_pid(port: str) -> int:
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                args = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"serve" in args and port.encode() in args:
                return int(entry.name)
    raise AssertionError(f"no kb serve on port {port}")


@pytest.mark.skipif(not PROC.is_dir(), reason="reads worker environments from /proc (Linux)")
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_kb_serve_workers_start_with_one_thread_for_numerical_libraries(
    kb: KnowledgeBase,
    env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    protocol: str,
) -> None:
    for name in ONE_THREAD:
        monkeypatch.delenv(name, raising=False)
    server_env = {**env, **protocol_env(protocol, tmp_path)}
    with kb_server(server_env, workers=2, log=tmp_path / "server.log") as url:
        workers = _session_members(_server_pid(url.rsplit(":", 1)[1]))
        assert len(workers) >= 2
        for pid in workers:
            environ = (PROC / str(pid) / "environ").read_bytes().split(b"\0")
            assert all(f"{name}=1".encode() in environ for name in ONE_THREAD), pid
