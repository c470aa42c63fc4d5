"""Requests refused for their size or form get problem documents from a real `kb serve`.

Some are refused by the app (api/limits.py), some by the HTTP protocol before the app sees them
(cli/serving.py), httptools's or h11's; the client cannot tell which, and must not need to. Raw
sockets, since httpx refuses to send a URL this long or a request this broken.
"""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from tests.api.protocols import PROTOCOLS, protocol_env
from tests.api.servers import kb_server

PROBLEM = "application/problem+json"


@dataclass(frozen=True)
class Reply:
    """What came back on a connection: one response, and how the connection ended."""

    status: int
    headers: dict[str, str]
    body: bytes
    ended: str  # "eof", or the error that ended reading (a reset)

    def problem(self) -> dict[str, object]:
        """The body as a problem document, after checking it is one and is whole."""
        assert self.headers.get("content-type") == PROBLEM, (self.status, self.headers, self.body)
        assert len(self.body) == int(self.headers["content-length"])
        document = json.loads(self.body)
        assert document["status"] == self.status and document["type"] == "about:blank"
        assert document["title"] and document["detail"]
        return dict(document)


@pytest.fixture(scope="module", params=PROTOCOLS)
def server(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[str]:
    """One `kb serve` on an empty knowledge base for the whole module, on each HTTP protocol."""
    data = tmp_path_factory.mktemp("kb")
    env = {"KB_DATA_DIR": str(data), "KB_DATABASE_URL": "", **protocol_env(request.param, data)}
    with kb_server(env, log=data / "log") as url:
        yield url


def talk(url: str, *parts: bytes) -> tuple[bytes, str]:
    """Send `parts` (0.2 s apart, so the server reads them apart) and read until the end: what
    came back, and how the connection ended ("eof", or the error that ended reading)."""
    address = urlsplit(url)
    received = b""
    ended = "eof"
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        try:
            for index, part in enumerate(parts):
                if index:
                    time.sleep(0.2)
                sock.sendall(part)
        except OSError:
            pass  # the server may close before taking it all in: its answer is still readable
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except OSError as error:
            ended = type(error).__name__
    return received, ended


def exchange(url: str, *parts: bytes) -> Reply:
    """The first response to `parts` (see `talk`), and how the connection ended."""
    received, ended = talk(url, *parts)
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, value in (x.split(":", 1) for x in lines)}
    return Reply(int(status_line.split()[1]), headers, body, ended)


def get_answer(query_bytes: int) -> bytes:
    """A GET of the answer route with a query string `query_bytes` long."""
    query = b"q=" + b"a" * (query_bytes - 2)
    return b"GET /api/v1/answer?" + query + b" HTTP/1.1\r\nHost: kb\r\n\r\n"


def get_health(cookie_bytes: int) -> bytes:
    """A GET of /healthz carrying a cookie `cookie_bytes` long."""
    return b"GET /healthz HTTP/1.1\r\nHost: kb\r\nCookie: " + b"c" * cookie_bytes + b"\r\n\r\n"


@pytest.mark.parametrize("size", [200_000, 2_000_000], ids=["200kB", "2MB"])
def test_an_overlong_query_string_gets_a_problem_document_414(server: str, size: int) -> None:
    reply = exchange(server, get_answer(size))

    assert reply.status == 414
    document = reply.problem()
    assert document["title"] == "URI too long"
    assert "over 4096 bytes" in str(document["detail"])


@pytest.mark.parametrize(
    ("size", "detail"),
    [
        (40_000, "request headers over 32768 bytes"),  # the app refuses it
        (1_000_000, "request line and headers over 65536 bytes"),  # the protocol does
    ],
    ids=["40kB", "1MB"],
)
def test_headers_too_large_get_a_problem_document_431(server: str, size: int, detail: str) -> None:
    reply = exchange(server, get_health(size))

    assert reply.status == 431
    assert reply.problem()["detail"] == detail


@pytest.mark.parametrize(
    ("request_bytes", "detail"),
    [
        (b"GARBAGE\r\n\r\n", "illegal request line"),
        (b" GET /healthz HTTP/1.1\r\nHost: kb\r\n\r\n", "illegal request line"),
        (b"GET /healthz HTTP/1.1\r\n\r\n", "Missing mandatory Host: header"),
        (b"GET /healthz HTTP/1.1\r\nHost: kb\r\nno colon\r\n\r\n", "illegal header line"),
        (
            b"POST /api/v1/drafts/preview HTTP/1.1\r\nHost: kb\r\n"
            b"Transfer-Encoding: chunked\r\n\r\nnot a chunk size\r\n",
            "illegal chunk header",
        ),
    ],
    ids=["request-line", "leading-space", "no-host", "header-line", "chunk"],
)
def test_a_malformed_request_gets_a_problem_document_400(
    server: str, request_bytes: bytes, detail: str
) -> None:
    reply = exchange(server, request_bytes)

    assert reply.status == 400
    assert reply.problem()["detail"] == f"malformed HTTP/1.1 request: {detail}"


def test_a_malformed_request_sent_behind_good_ones_is_refused_after_their_answers(
    server: str,
) -> None:
    # A client may send requests without waiting for answers (pipelining); a parser that reads
    # ahead meets the bad one while the good ones are being answered, and must not drop them.
    health = get_health(10)

    received, ended = talk(server, health + health + b"GET /healthz HTTP/1.1\r\n\r\n")

    assert re.findall(rb"HTTP/1\.1 (\d{3}) ", received) == [b"200", b"200", b"400"]
    assert received.count(b'{"status":"ok"}') == 2
    assert received.endswith(b'malformed HTTP/1.1 request: Missing mandatory Host: header"}')
    assert ended == "eof"


def test_a_request_head_arriving_in_pieces_reaches_the_app_within_its_limits(server: str) -> None:
    # Each piece leaves over 16 KiB of an unfinished head, where h11 would give up by default.
    cookie, long_query = get_health(20_000), get_answer(30_000)

    health = exchange(server, cookie[:17_000], cookie[17_000:])
    refused = exchange(server, long_query[:17_000], long_query[17_000:])

    assert health.status == 200 and health.body == b'{"status":"ok"}'
    assert refused.status == 414
    assert refused.problem()["detail"] == "query string over 4096 bytes"  # the app's own words


def test_a_refused_request_is_answered_then_closed_cleanly_not_reset(server: str) -> None:
    # The server refuses after its first read, with most of the request still unread: closing
    # at once would reset the connection, and a client may lose the answer with it.
    reply = exchange(server, get_answer(600_000))

    assert reply.status == 414 and reply.problem()
    assert reply.ended == "eof"
