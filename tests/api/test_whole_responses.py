"""A response leaves `kb serve` in one write, head and body together, on either HTTP protocol:
a server killed between two writes would have sent a head that no proxy can send again
(cli/response_writes.py). Read on loopback, one write arrives whole in the first read; two
writes often arrive as a head alone, since the client wakes before the second is made."""

from __future__ import annotations

import select
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.api.protocols import PROTOCOLS, protocol_env
from tests.api.servers import kb_server

REQUESTS = 150
SOCKET_TIMEOUT_S = 20.0


@pytest.fixture(scope="module", params=PROTOCOLS)
def server_port(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[int]:
    """The port of a `kb serve` with no release yet, on each HTTP protocol."""
    data = tmp_path_factory.mktemp("kb")
    env = {"KB_DATA_DIR": str(data), "KB_DATABASE_URL": "", **protocol_env(request.param, data)}
    with kb_server(env, log=data / "log") as url:
        port = urlsplit(url).port
        assert port is not None
        yield port


def first_read(client: socket.socket, request: bytes) -> bytes:
    """What the first read after `request` returns, as soon as anything has come."""
    client.sendall(request)
    readable, _, _ = select.select([client], [], [], SOCKET_TIMEOUT_S)
    assert readable, "no response"
    return client.recv(1 << 20)


def whole(response: bytes) -> bool:
    """Whether `response` holds its head and as many body bytes as its Content-Length says."""
    head, separator, body = response.partition(b"\r\n\r\n")
    if not separator:
        return False
    lengths = [
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")[1:]
        if line.lower().startswith(b"content-length:")
    ]
    return len(lengths) == 1 and len(body) == lengths[0]


@pytest.mark.parametrize(
    ("path", "status"),
    [("/healthz", b"200"), ("/readyz", b"503"), ("/no/such/route", b"404")],
)
def test_every_response_arrives_whole_in_the_first_read(
    server_port: int, path: str, status: bytes
) -> None:
    request = f"GET {path} HTTP/1.1\r\nHost: kb\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", server_port), SOCKET_TIMEOUT_S) as client:
        reads = [first_read(client, request) for _ in range(REQUESTS)]
    assert {read[9:12] for read in reads} == {status}
    cut = [read[:40] for read in reads if not whole(read)]
    assert cut == []


def test_a_head_only_response_is_not_held_back(server_port: int) -> None:
    request = b"HEAD /healthz HTTP/1.1\r\nHost: kb\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server_port), SOCKET_TIMEOUT_S) as client:
        for _ in range(3):
            read = first_read(client, request)
            assert read.startswith(b"HTTP/1.1 200") and read.endswith(b"\r\n\r\n")
            assert b"\r\n\r\n" not in read[: -len(b"\r\n\r\n")]  # a head, nothing after it
