"""Real `kb serve` processes on 127.0.0.1 for tests: started on a free port, always stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

__all__ = ["free_port", "kb_server"]

START_TIMEOUT_S = 60.0


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def kb_server(
    env: Mapping[str, str],
    *,
    workers: int = 1,
    log: Path | None = None,
    cwd: Path | None = None,
    args: Sequence[str] = (),
) -> Iterator[str]:
    """Run `kb serve` with `env` until the block ends; yields its base URL once it is ready.
    `cwd` is where it runs (with PYTHONPATH, another checkout's code: benchmarks/baseline.py);
    `args` are more options of `kb serve` (a later --log-level wins)."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "cli.main",
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        *args,
    ]
    output = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        command,
        env={**os.environ, **env},
        stdout=output,
        stderr=subprocess.STDOUT,
        cwd=cwd,
        start_new_session=True,  # so the workers are stopped with it
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"kb serve exited with {process.returncode}")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"kb serve did not answer within {START_TIMEOUT_S} s")
            time.sleep(0.2)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
        if log:
            output.close()  # type: ignore[union-attr]
