"""`kb serve --workers N`: N uvicorn workers, each listening on a socket of its own on one port.

uvicorn's own supervisor binds one socket and hands it to every worker. Each worker's event
loop then accepts every connection waiting on it at once, so a burst of keep-alive connections
(a load tester, a proxy's pool) opened together lands on whichever worker woke first: in every
2-worker run of benchmarks/api_load.py one worker did 97% or more of the work. Here each worker
binds its own socket to host:port with SO_REUSEPORT, and the kernel spreads new connections
across the listening sockets by a hash of their addresses.

The supervisor (this process) starts the workers with the spawn start method, so each is a
fresh interpreter that inherits the environment (cli/serve_cmd.py sets ONE_THREAD first). A
worker that dies unexpectedly is started again, at once if it had run a while, after a delay
doubling up to `MAX_DELAY_S` if it died young, so that a crash loop does not spin. SIGTERM or
SIGINT stops every worker (each finishes what it is answering, for at most `STOP_TIMEOUT_S`)
and the supervisor exits 0; a second signal kills them at once. The supervisor keeps a socket
bound to the port, not listening, so that nothing else takes the port while a worker restarts.
A worker whose supervisor died stops too. A worker socket listens only once its app has
started: the kernel sends no connection to a worker still loading the knowledge base.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE

from cli.metrics_port import worker_gone
from cli.proxying import Proxying
from cli.uvicorn_options import APP, uvicorn_options

__all__ = ["Backoff", "can_share_port", "check_port_free", "serve_workers", "shared_port_socket"]

logger = logging.getLogger("uvicorn.error")

#: A worker that ran this long before it died had been serving: its slot starts again at once.
STEADY_S = 30.0
#: The first delay after a worker that died young; each young death in a row doubles it.
FIRST_DELAY_S = 0.5
MAX_DELAY_S = 30.0
#: After SIGTERM/SIGINT, how long workers may take to finish their requests before SIGKILL.
STOP_TIMEOUT_S = 15.0
#: The supervisor's exit status when a second signal made it kill the workers.
KILLED = 1
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_spawn = multiprocessing.get_context("spawn")


def can_share_port() -> bool:
    """Whether this platform lets several sockets listen on one port (SO_REUSEPORT)."""
    if not hasattr(socket, "SO_REUSEPORT"):
        return False
    try:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    except OSError:  # defined, but not supported by this kernel
        return False
    return True


def _tcp_socket(host: str, *, share: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past TIME_WAIT, as uvicorn
    if share:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    return sock


def check_port_free(host: str, port: int) -> None:
    """Raise OSError if something listens on host:port already. SO_REUSEPORT would let this
    user's sockets share it, and another `kb serve` then took half of its connections."""
    with _tcp_socket(host, share=False) as probe:
        probe.bind((host, port))


def shared_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to host:port that other such sockets may bind too; not listening."""
    sock = _tcp_socket(host, share=True)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def config_options(log_level: str, proxying: Proxying) -> dict[str, Any]:
    """uvicorn_options(...) less what only uvicorn.run takes (uvicorn.Config refuses it)."""
    accepted = inspect.signature(uvicorn.Config).parameters
    options = uvicorn_options(log_level, proxying)
    for name in sorted(set(options) - set(accepted)):
        logger.warning("uvicorn option %s applies to uvicorn.run only: not used", name)
    return {k: v for k, v in options.items() if k in accepted}


# -- a worker -----------------------------------------------------------------------------------


class _ReportingServer(uvicorn.Server):
    """uvicorn's server that tells the supervisor once it listens (its app has started)."""

    def __init__(self, config: uvicorn.Config, ready: Connection) -> None:
        super().__init__(config)
        self._ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self._ready.send_bytes(b"ready")
            self._ready.close()


def _stop_with_parent() -> None:
    """SIGTERM to this worker when its supervisor's process ends, however it ended."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        wait([parent.sentinel])
        os.kill(os.getpid(), signal.SIGTERM)


def _worker_main(
    host: str, port: int, log_level: str, proxying: Proxying, ready: Connection
) -> None:
    """A worker process: its own socket on host:port, uvicorn serving the app on it."""
    threading.Thread(target=_stop_with_parent, name="parent-watch", daemon=True).start()
    try:
        options = config_options(log_level, proxying)
        config = uvicorn.Config(APP, host=host, port=port, **options)
        try:
            sock = shared_port_socket(host, port)
        except OSError as exc:
            logger.error("worker [%d] cannot bind %s:%d: %s", os.getpid(), host, port, exc)
            raise SystemExit(STARTUP_FAILURE) from None
        # asyncio calls listen() when the server starts, after the app's startup: until then
        # the kernel sends this port's connections to the sockets of the other workers.
        _ReportingServer(config, ready).run(sockets=[sock])
    except KeyboardInterrupt:  # Ctrl-C reaches every process of the terminal's group
        pass


# -- the supervisor -----------------------------------------------------------------------------


@dataclass
class Backoff:
    """When a worker slot starts again: at once after a worker that served a while, after a
    delay that doubles with each young death in a row otherwise (a crash loop waits)."""

    steady_s: float = STEADY_S
    first_s: float = FIRST_DELAY_S
    max_s: float = MAX_DELAY_S
    young_deaths: int = 0

    def delay(self, lived_s: float) -> float:
        """Seconds to wait before starting the slot again after a worker that lived `lived_s`."""
        if lived_s >= self.steady_s:
            self.young_deaths = 0
            return 0.0
        self.young_deaths += 1
        return min(self.max_s, self.first_s * 2 ** (self.young_deaths - 1))


@dataclass
class _Worker:
    process: BaseProcess
    ready: Connection | None  # until the worker says it serves, or is gone
    started_at: float


@dataclass
class _Supervisor:
    host: str
    port: int
    count: int
    log_level: str
    proxying: Proxying
    workers: dict[int, _Worker] = field(default_factory=dict)
    due: dict[int, float] = field(default_factory=dict)  # slot -> when it may start again
    backoff: dict[int, Backoff] = field(default_factory=dict)
    signals: int = 0
    ever_served: bool = False
    status: int = 0

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.signals += 1  # the loop acts on it: the wake-up fd ends its wait

    def start(self, slot: int) -> None:
        reader, writer = _spawn.Pipe(duplex=False)
        process = _spawn.Process(
            target=_worker_main,
            args=(self.host, self.port, self.log_level, self.proxying, writer),
            name=f"kb-serve-worker-{slot}",
        )
        process.start()
        writer.close()  # the worker holds its own copy; EOF here means it is gone
        self.workers[slot] = _Worker(process, reader, time.monotonic())
        logger.info("Started worker [%s]", process.pid)

    def heard(self, worker: _Worker) -> None:
        """The worker said it serves, or its end of the pipe closed."""
        assert worker.ready is not None
        try:
            worker.ready.recv_bytes()
            self.ever_served = True
        except (EOFError, OSError):
            pass
        worker.ready.close()
        worker.ready = None

    def reaped(self, slot: int, stopping: bool) -> None:
        """A worker ended: start its slot again, later if it died young; or give up."""
        worker = self.workers.pop(slot)
        worker.process.join()
        if worker.ready is not None:
            worker.ready.close()
        if worker.process.pid is not None:
            worker_gone(worker.process.pid)  # its metrics' live gauges drop out
        code = worker.process.exitcode
        if stopping:
            return
        if code == STARTUP_FAILURE and not self.ever_served:
            logger.error("Worker [%s] failed to start: stopping", worker.process.pid)
            self.status = STARTUP_FAILURE
            return
        lived = time.monotonic() - worker.started_at
        delay = self.backoff.setdefault(slot, Backoff()).delay(lived)
        logger.warning(
            "Worker [%s] exited with %s after %.1f s: starting another in %.1f s",
            worker.process.pid,
            code,
            lived,
            delay,
        )
        self.due[slot] = time.monotonic() + delay

    def signal_all(self, signum: int) -> None:
        for worker in self.workers.values():
            if worker.process.pid is not None and worker.process.exitcode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(worker.process.pid, signum)

    def loop(self, wakeup: socket.socket) -> int:
        """Keep `count` workers running until a signal (or a failed first start) stops it."""
        self.due = {slot: 0.0 for slot in range(self.count)}
        stop_by: float | None = None  # when stopping: when workers still alive are killed
        killed = False
        while True:
            stopping = self.signals > 0 or self.status != 0
            if stopping and stop_by is None:
                self.due.clear()
                self.signal_all(signal.SIGTERM)
                stop_by = time.monotonic() + STOP_TIMEOUT_S
            if stop_by and not killed and (self.signals > 1 or time.monotonic() > stop_by):
                self.signal_all(signal.SIGKILL)
                self.status, killed = self.status or KILLED, True
            if stopping and not self.workers:
                return self.status
            now = time.monotonic()
            for slot in [s for s, at in self.due.items() if at <= now]:
                del self.due[slot]
                self.start(slot)
            waits = [at - now for at in self.due.values()] + [1.0]
            if stop_by is not None and not killed:
                waits.append(stop_by - now)
            self.wait_once(wakeup, max(0.0, min(waits)), stopping)

    def wait_once(self, wakeup: socket.socket, timeout: float, stopping: bool) -> None:
        """Wait for a worker to end or to report, or a signal; deal with what happened."""
        by_sentinel = {w.process.sentinel: slot for slot, w in self.workers.items()}
        by_reader = {id(w.ready): w for w in self.workers.values() if w.ready is not None}
        readers = [w.ready for w in self.workers.values() if w.ready is not None]
        for ready in wait([wakeup, *by_sentinel, *readers], timeout):
            if ready is wakeup:
                wakeup.recv(512)
            elif isinstance(ready, Connection):
                self.heard(by_reader[id(ready)])
        for slot in list(by_sentinel.values()):
            if not self.workers[slot].process.is_alive():
                self.reaped(slot, stopping or self.signals > 0)


def _supervise(host: str, port: int, count: int, log_level: str, proxying: Proxying) -> int:
    """Reserve the port, then run the workers until a signal; the exit status."""
    try:
        check_port_free(host, port)
        reserved = shared_port_socket(host, port)
    except OSError as exc:
        logger.error("cannot bind %s:%d: %s", host, port, exc)
        return STARTUP_FAILURE
    wakeup, wake_writer = socket.socketpair()
    wake_writer.setblocking(False)
    supervisor = _Supervisor(host, reserved.getsockname()[1], count, log_level, proxying)
    previous = {sig: signal.signal(sig, supervisor.on_signal) for sig in _STOP_SIGNALS}
    old_wakeup = signal.set_wakeup_fd(wake_writer.fileno())
    logger.info(
        "Started supervisor [%d]: %d workers, each on its own socket (SO_REUSEPORT)",
        os.getpid(),
        count,
    )
    try:
        return supervisor.loop(wakeup)
    finally:
        signal.set_wakeup_fd(old_wakeup)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for sock in (reserved, wakeup, wake_writer):
            sock.close()
        logger.info("Stopped supervisor [%d]", os.getpid())


def serve_workers(
    host: str, port: int, count: int, log_level: str, proxying: Proxying | None = None
) -> int:
    """Serve with `count` worker processes until stopped; the exit status of `kb serve`.
    Every worker runs with the same options, `proxying` included."""
    proxying = proxying or Proxying()
    options = config_options(log_level, proxying)
    uvicorn.Config(APP, host=host, port=port, **options)  # sets up logging, as run's does
    if can_share_port():
        return _supervise(host, port, count, log_level, proxying)
    logger.warning(
        "SO_REUSEPORT is not available here: uvicorn's workers share one socket, so "
        "connections opened together may all go to one worker"
    )
    uvicorn.run(APP, host=host, port=port, workers=count, **uvicorn_options(log_level, proxying))
    return 0
