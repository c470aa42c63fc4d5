"""Every connection a `kb serve` worker accepts has Nagle's algorithm off (TCP_NODELAY), with
several workers too, whatever event loop runs: otherwise a response written in two parts waits
for the client's delayed acknowledgement, about 40 ms a request on a kept-open connection.

The option is read on the server's own socket: a copy of its descriptor taken with
pidfd_getfd(2) (Linux 5.6+, and the right to trace the server, which a parent has).
"""

from __future__ import annotations

import ctypes
import os
import socket
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.api.servers import kb_server

SYS_PIDFD_GETFD = 438  # the same number on every Linux architecture


def server_end(local_port: int, server_port: int) -> int:
    """The socket inode of the server's end of the connection from `local_port`."""
    wanted = f"0100007F:{server_port:04X} 0100007F:{local_port:04X} 01"  # ESTABLISHED
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if " ".join(fields[1:4]) == wanted:
            return int(fields[9])
    raise AssertionError(f"no connection from port {local_port} to {server_port}")


def descriptor_of(inode: int) -> tuple[int, int]:
    """The process holding socket `inode` and its descriptor number there."""
    target = f"socket:[{inode}]"
    for fds in Path("/proc").glob("[0-9]*/fd"):
        try:
            for fd in fds.iterdir():
                if os.readlink(fd) == target:
                    return int(fds.parent.name), int(fd.name)
        except OSError:
            continue  # gone meanwhile, or not ours to read
    raise AssertionError(f"no process holds {target}")


def no_delay_of(pid: int, fd: int) -> int:
    """TCP_NODELAY of descriptor `fd` of process `pid`, read on a copy of it."""
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(pid)
    try:
        copy = libc.syscall(SYS_PIDFD_GETFD, pidfd, fd, 0)
        if copy < 0:
            pytest.skip(f"pidfd_getfd: {os.strerror(ctypes.get_errno())}")
        with socket.socket(fileno=copy) as sock:
            return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        os.close(pidfd)


@pytest.mark.parametrize("workers", [1, 2])
def test_every_accepted_connection_sends_without_delay(tmp_path: Path, workers: int) -> None:
    env = {"KB_DATA_DIR": str(tmp_path / "kb"), "KB_DATABASE_URL": ""}
    with kb_server(env, workers=workers, log=tmp_path / "log") as url:
        server_port = urlsplit(url).port
        assert server_port is not None
        checked = 0
        for _ in range(4):  # with two workers, connections land on either
            with socket.create_connection(("127.0.0.1", server_port)) as client:
                client.sendall(b"GET /healthz HTTP/1.1\r\nHost: kb\r\n\r\n")
                assert client.recv(65536).startswith(b"HTTP/1.1 200")  # accepted and served
                inode = server_end(client.getsockname()[1], server_port)
                assert no_delay_of(*descriptor_of(inode)) == 1
                assert no_delay_of(os.getpid(), client.fileno()) == 0  # the probe tells them apart
                checked += 1
        assert checked == 4
        assert httpx.get(f"{url}/healthz").status_code == 200
