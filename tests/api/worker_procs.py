"""A `kb serve --workers N` process tree as /proc shows it (Linux): its workers, the sockets
each one holds, and a burst of keep-alive connections opened at once, as a load tester does."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.api.servers import START_TIMEOUT_S, free_port

__all__ = [
    "Serving",
    "burst",
    "connections_per_worker",
    "listening_workers",
    "serving",
    "wait_until_serving",
    "worker_pids",
]

PROC = Path("/proc")
_LISTEN, _ESTABLISHED = "0A", "01"


@dataclass(frozen=True)
class Serving:
    """A running `kb serve`: its process (the supervisor when there are workers) and port."""

    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def serving(
    env: Mapping[str, str], workers: int, log: Path, cwd: Path | None = None
) -> Iterator[Serving]:
    """`kb serve --workers N` until the block ends, once all its workers serve; always stopped,
    and whatever of its process group is left killed (a test may have stopped or killed it)."""
    port = free_port()
    command = [sys.executable, "-m", "cli.main", "serve", "--port", str(port)]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, "--workers", str(workers), "--log-level", "info"],
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            start_new_session=True,
        )
        try:
            running = Serving(process, port)
            wait_until_serving(running, workers)
            yield running
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(5)
            with contextlib.suppress(ProcessLookupError):  # workers it left behind
                os.killpg(process.pid, signal.SIGKILL)


def worker_pids(supervisor: int) -> set[int]:
    """The supervisor's worker processes: its spawned children (not multiprocessing's tracker)."""
    found = set()
    try:
        for task in (PROC / str(supervisor) / "task").iterdir():
            for child in (task / "children").read_text().split():
                args = (PROC / child / "cmdline").read_bytes()
                if b"spawn_main" in args and b"resource_tracker" not in args:
                    found.add(int(child))
    except OSError:
        pass  # gone meanwhile
    return found


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    try:
        for fd in (PROC / str(pid) / "fd").iterdir():
            with_target = os.readlink(fd) if fd.is_symlink() else ""
            if with_target.startswith("socket:["):
                inodes.add(with_target[len("socket:[") : -1])
    except OSError:
        pass
    return inodes


def _tcp_inodes(port: int, state: str) -> set[str]:
    """Inodes of TCP sockets whose local port is `port`, in `state` (hex, as /proc says it)."""
    inodes = set()
    for table in ("tcp", "tcp6"):
        path = PROC / "net" / table
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
                inodes.add(fields[9])
    return inodes


def connections_per_worker(supervisor: int, port: int) -> Counter[int]:
    """How many accepted connections on `port` each worker holds right now (0 included)."""
    established = _tcp_inodes(port, _ESTABLISHED)
    return Counter({pid: len(_socket_inodes(pid) & established) for pid in worker_pids(supervisor)})


def listening_workers(supervisor: int, port: int) -> set[int]:
    """Workers that hold a socket listening on `port`."""
    listening = _tcp_inodes(port, _LISTEN)
    return {pid for pid in worker_pids(supervisor) if _socket_inodes(pid) & listening}


def _cpu_ticks(pids: set[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total


def wait_until_serving(running: Serving, workers: int, timeout: float = START_TIMEOUT_S) -> None:
    """Until `workers` workers listen on the port and are idle (done loading the app).

    A worker's own SO_REUSEPORT socket listens once its app has started; a socket shared by
    all (uvicorn's supervisor) listens from the start, hence the wait for idle workers too.
    """
    supervisor = running.process.pid
    deadline = time.monotonic() + timeout
    before = -1
    while time.monotonic() < deadline:
        if running.process.poll() is not None:
            raise RuntimeError(f"kb serve exited with {running.process.returncode}")
        pids = listening_workers(supervisor, running.port)
        ticks = _cpu_ticks(pids)
        if len(pids) == workers and len(worker_pids(supervisor)) == workers:
            if ticks - before <= 2:  # hundredths of a second in the last half second
                return
            before = ticks
        time.sleep(0.5)
    raise RuntimeError(f"{workers} workers did not start serving within {timeout} s")


def _accepted(pid: int, port: int) -> int:
    return len(_socket_inodes(pid) & _tcp_inodes(port, _ESTABLISHED))


def _resume(pid: int, port: int) -> None:
    """SIGCONT to `pid`, then wait until it has accepted what it will (no change for 0.5 s)."""
    os.kill(pid, signal.SIGCONT)
    seen, steady_since = -1, time.monotonic()
    while time.monotonic() - steady_since < 0.5:
        time.sleep(0.1)
        if (now := _accepted(pid, port)) != seen:
            seen, steady_since = now, time.monotonic()


def burst(
    port: int, count: int, path: str, workers: Sequence[int] = ()
) -> list[http.client.HTTPConnection]:
    """`count` keep-alive connections, all opened before any request, then a request on each;
    returned open (the caller closes them). Every response must be 200.

    With `workers`, they are opened while those workers are stopped (SIGSTOP), as when a
    burst arrives while the workers are busy, and the workers go on one at a time: what each
    then finds waiting for it is all it can accept.
    """
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(count)]
    for pid in workers:
        os.kill(pid, signal.SIGSTOP)
    try:
        for connection in connections:
            connection.connect()  # the kernel completes the handshake; the app accepts later
    finally:
        for pid in workers:
            _resume(pid, port)
    for connection in connections:
        connection.request("GET", path)
    for connection in connections:
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200, body
    return connections
