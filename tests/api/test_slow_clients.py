"""Slow and half-open clients cannot hold a worker's connections: a request line and headers
must arrive within KB_HEADER_TIMEOUT_SECONDS (cli/serving.py), on a real `kb serve`, on each
HTTP protocol it may run (httptools, h11).

Raw sockets, since an HTTP client library sends whole requests.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import pytest

from tests.api.protocols import PROTOCOLS, protocol_env
from tests.api.servers import kb_server

PROBLEM = "application/problem+json"
#: Short, so the tests wait little; a socket waits far longer before a test gives up.
HEADER_TIMEOUT_S = 1.0
SOCKET_TIMEOUT_S = 20.0
MAX_CONNECTIONS = 5
HEALTH = b"GET /healthz HTTP/1.1\r\nHost: kb\r\n\r\n"


@dataclass(frozen=True)
class Reply:
    """One response read off a connection."""

    status: int
    headers: dict[str, str]
    body: bytes


@pytest.fixture(scope="module", params=PROTOCOLS)
def server(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[str]:
    """One `kb serve` with a one-second header timeout, on an empty knowledge base, on each
    HTTP protocol."""
    data = tmp_path_factory.mktemp("kb")
    env = {
        "KB_DATA_DIR": str(data),
        "KB_DATABASE_URL": "",
        "KB_HEADER_TIMEOUT_SECONDS": str(HEADER_TIMEOUT_S),
        **protocol_env(request.param, data),
    }
    with kb_server(env, log=data / "log") as url:
        yield url


@pytest.fixture(scope="module", params=PROTOCOLS)
def capped_server(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[str]:
    """One `kb serve` holding at most five connections, which may idle for a minute, on each
    HTTP protocol."""
    data = tmp_path_factory.mktemp("kb")
    env = {
        "KB_DATA_DIR": str(data),
        "KB_DATABASE_URL": "",
        "KB_HEADER_TIMEOUT_SECONDS": "60",
        "KB_MAX_CONNECTIONS": str(MAX_CONNECTIONS),
        **protocol_env(request.param, data),
    }
    with kb_server(env, log=data / "log") as url:
        yield url


def connect(url: str) -> socket.socket:
    address = urlsplit(url)
    assert address.hostname and address.port
    return socket.create_connection((address.hostname, address.port), timeout=SOCKET_TIMEOUT_S)


def read_reply(sock: socket.socket) -> Reply:
    """Read one response (head, then a Content-Length body), leaving the connection open."""
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(65536)
        assert chunk, f"closed without a response after {received!r}"
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, value in (x.split(":", 1) for x in lines)}
    while len(body) < int(headers.get("content-length", "0")):
        chunk = sock.recv(65536)
        assert chunk, "closed in the middle of a body"
        body += chunk
    return Reply(int(status_line.split()[1]), headers, body)


def assert_timed_out(reply: Reply) -> None:
    assert reply.status == 408, reply
    assert reply.headers["content-type"] == PROBLEM and reply.headers["connection"] == "close"
    problem = json.loads(reply.body)
    assert problem["status"] == 408 and problem["title"] == "Request timeout"
    assert problem["detail"] == "the request line and headers did not arrive within 1 s"


def test_half_sent_request_heads_get_a_408_and_are_closed_while_others_are_served(
    server: str,
) -> None:
    stalled = [connect(server) for _ in range(20)]
    silent = connect(server)
    for sock in stalled:
        sock.sendall(b"GET /heal")

    served = httpx.get(f"{server}/healthz", timeout=SOCKET_TIMEOUT_S)

    assert served.status_code == 200
    for sock in stalled:
        with sock:
            assert_timed_out(read_reply(sock))
            assert sock.recv(1) == b""  # then closed
    with silent:
        assert silent.recv(1) == b""  # nothing begun: closed without a word


def test_a_kept_alive_connection_has_a_new_deadline_for_each_request_head(server: str) -> None:
    with connect(server) as sock:
        sock.sendall(HEALTH)
        assert read_reply(sock).status == 200

        sock.sendall(b"GET /healthz HTTP/1.1\r\nHo")

        assert_timed_out(read_reply(sock))


def test_a_request_whose_head_arrived_in_time_may_send_its_body_slowly(server: str) -> None:
    body = json.dumps({"source": "---\nid: slow\n---\n" + "x" * 400}).encode()
    head = (
        b"POST /api/v1/drafts/preview HTTP/1.1\r\nHost: kb\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    pieces = [body[i : i + 100] for i in range(0, len(body), 100)]
    with connect(server) as sock:
        sock.sendall(head)
        for piece in pieces:  # the body takes about twice the header timeout
            time.sleep(2 * HEADER_TIMEOUT_S / len(pieces))
            sock.sendall(piece)

        reply = read_reply(sock)

    # The app read the whole body, then refused the missing key: no 408 cut it off.
    assert reply.status == 401, reply
    assert json.loads(reply.body)["status"] == 401


def test_a_connection_over_the_cap_gets_a_503_and_a_freed_place_serves_again(
    capped_server: str,
) -> None:
    held = [connect(capped_server) for _ in range(MAX_CONNECTIONS)]
    with connect(capped_server) as extra:
        extra.sendall(HEALTH)
        refused = read_reply(extra)
    assert refused.status == 503 and refused.headers["retry-after"] == "1"
    assert refused.headers["content-type"] == PROBLEM
    assert json.loads(refused.body)["detail"] == (
        f"this server holds its most connections ({MAX_CONNECTIONS}); retry soon"
    )

    held.pop().close()
    statuses = []
    while 200 not in statuses and len(statuses) < 100:  # until the server sees the close
        with connect(capped_server) as sock:
            sock.sendall(HEALTH)
            statuses.append(read_reply(sock).status)
    for sock in held:
        sock.close()

    assert statuses[-1] == 200 and set(statuses) <= {200, 503}
