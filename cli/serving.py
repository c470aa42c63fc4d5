"""What the HTTP protocols of `kb serve` share: TCP_NODELAY, a deadline for request heads, a
cap on connections, refusals as problem documents and a lingering close.

`kb serve` runs uvicorn's httptools protocol where httptools is installed
(cli/protocol_httptools.py) and its pure-Python h11 protocol otherwise (cli/protocol_h11.py),
each with `HeadGuard` mixed in, so that clients see the same behaviour whichever runs:

Nagle's algorithm is off on every connection, whatever the socket. With `--workers` above 1,
uvicorn's supervisor created the listening socket without naming TCP as its protocol, so
asyncio did not set TCP_NODELAY on the connections it accepted (uvicorn issue #3149). A
response written in two parts then waits for the client's delayed acknowledgement: about
40 ms on every request of a kept-open connection.

Requests the protocol refuses before the app sees them (a request line and headers that have
not ended within `MAX_HEAD_BYTES`, or a malformed HTTP/1.1 request) get a problem document
like every other error, where uvicorn would answer `400 text/plain`: 414 when the request line
is the long part, 431 when the headers are, 400 for a malformed request, in h11's words
whichever parser read it. The connection is then half-closed and what the client still sends
is read and dropped, for at most `LINGER_SECONDS` and `LINGER_BYTES` (RFC 9112 section 9.6),
so that the client reads the answer rather than a reset.

A client must send a whole request line and headers within `KB_HEADER_TIMEOUT_SECONDS` of
its connection opening or of the previous response: one that sent part of them then gets a
408 problem document, one that sent nothing is closed, so slow or half-open connections
cannot pile up in a worker (uvicorn has no such timeout; its keep-alive timer stops at the
first byte). A request whose head arrived in time may send its body as slowly as it likes.
A worker holds at most `KB_MAX_CONNECTIONS` connections: one more is answered 503 at once and
closed, so a flood of slow connections costs bounded memory (uvicorn's `limit_concurrency`
would accept it, then answer its request in plain text).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import socket
from http import HTTPStatus
from typing import Any

from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.h11_impl import H11Protocol

from api.limits import MAX_QUERY_BYTES, problem_json
from kb.settings import Settings

__all__ = [
    "LINGER_BYTES",
    "LINGER_SECONDS",
    "MAX_HEAD_BYTES",
    "HeadGuard",
    "NoDelay",
    "NoDelayH11Protocol",
    "Refusal",
    "bad_request",
    "head_too_large",
    "header_timeout",
    "max_connections",
]

#: The most of a request line and headers that have not ended yet a worker holds (plus one
#: read, 256 KiB); the app's own limits (a 4 KiB query string, 32 KiB of headers) fit in it.
MAX_HEAD_BYTES = 64 * 1024
#: After refusing a request: how long, and how much, the client may still send before we close.
LINGER_SECONDS = 2.0
LINGER_BYTES = 1 << 20
#: A refusal's detail gives the parser's reason without the bytes it quotes ("illegal header
#: line: bytearray(b'...')"), and never more than this.
_QUOTED = re.compile(r":\s*(bytearray\()?b['\"].*", re.DOTALL)
_REASON_CHARS = 200

#: Status, title and detail of a refused request.
Refusal = tuple[int, str, str]


class NoDelay:
    """Mixin for an asyncio protocol: sends each response at once (TCP_NODELAY)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Turn Nagle's algorithm off on a TCP connection, then take it as the protocol does."""
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)  # type: ignore[misc]


class NoDelayH11Protocol(NoDelay, H11Protocol):
    """uvicorn's h11 protocol that sends each response at once (the bare route's benchmarks)."""


def head_too_large(request_line_long: bool) -> Refusal:
    """414 when the request line is what made a head too large, 431 when the headers did."""
    if request_line_long:
        return 414, "URI too long", f"request line over {MAX_QUERY_BYTES} bytes"
    detail = f"request line and headers over {MAX_HEAD_BYTES} bytes"
    return 431, "Request header fields too large", detail


def bad_request(reason: str, status: int = 400) -> Refusal:
    """The refusal of a malformed request, given the parser's `reason` (quoted bytes dropped)."""
    reason = _QUOTED.sub("", reason)
    if len(reason) > _REASON_CHARS:
        reason = reason[: _REASON_CHARS - 1] + "…"
    if status != 400:
        return status, HTTPStatus(status).phrase, reason
    return 400, "Bad request", f"malformed HTTP/1.1 request: {reason}"


class HeadGuard(NoDelay):
    """Mixin for uvicorn's HTTP protocols: a deadline for request heads, a cap on connections,
    refusals as problem documents, then a lingering close. Each protocol says how its parser
    shows a head begun, a response under way and a refusal's cause, and writes responses."""

    # Set by the uvicorn protocol this is mixed into.
    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    connections: set[Any]
    flow: FlowControl
    server_state: Any
    cycle: Any

    #: While lingering: how many more bytes the client may send before the connection closes.
    _droppable: int | None = None
    _linger_timer: asyncio.TimerHandle | None = None
    #: When the request head the connection waits for is overdue; None while none is awaited.
    _head_timer: asyncio.TimerHandle | None = None

    # -- what each protocol provides --------------------------------------------------------

    def _awaiting_head(self) -> bool:
        """Whether the connection waits for a request head (none is being answered or read)."""
        raise NotImplementedError

    def _head_begun(self) -> bool:
        """Whether part of a request head has arrived since the last request."""
        raise NotImplementedError

    def _responding(self) -> bool:
        """Whether a response has begun and not ended: nothing else can be said then."""
        raise NotImplementedError

    def _refusal(self) -> Refusal:
        """Why the request being read was refused (called while handling the parser's error)."""
        raise NotImplementedError

    def _write_response(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        """Write a whole response with `headers` and `body`, whatever the app is doing."""
        raise NotImplementedError

    # -- shared behaviour -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Take the connection and wait for its first request head, or refuse one too many."""
        super().connection_made(transport)
        if len(self.connections) > max_connections():
            detail = f"this server holds its most connections ({max_connections()}); retry soon"
            self._refuse(503, "Service unavailable", detail, (b"retry-after", b"1"))
            return
        self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the connection's deadlines with it."""
        if self._linger_timer is not None:
            self._linger_timer.cancel()
        self._stop_awaiting_head()
        super().connection_lost(exc)  # type: ignore[misc]

    def _dropped(self, data: bytes) -> bool:
        """After a refusal: drop what still comes, up to a bound, and say so."""
        if self._droppable is None:
            return False
        self._droppable -= len(data)
        if self._droppable < 0:
            self.transport.close()
        return True

    def _await_head(self) -> None:
        """Give the client `KB_HEADER_TIMEOUT_SECONDS` for its next request line and headers."""
        self._stop_awaiting_head()
        self._head_timer = self.loop.call_later(header_timeout(), self._head_overdue)

    def _stop_awaiting_head(self) -> None:
        """No deadline: a head is in, or the connection ends."""
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_overdue(self) -> None:
        """408 to a client that began a request head and did not end it in time; a client
        that sent nothing is closed without a word, as an idle keep-alive connection is."""
        self._head_timer = None
        if self.transport.is_closing() or not self._awaiting_head():
            return
        if not self._head_begun() or self._responding():
            self.transport.close()
            return
        detail = f"the request line and headers did not arrive within {header_timeout():g} s"
        self._refuse(408, "Request timeout", detail)

    def send_400_response(self, msg: str) -> None:
        """Answer a request the parser refused with a problem document, not uvicorn's plain
        text `msg`; uvicorn calls this while handling the parser's error."""
        self._refuse_request(self._refusal())

    def _refuse_request(self, refusal: Refusal) -> None:
        """Refuse the request being read; a response already under way is cut off instead."""
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.disconnected = True  # its request broke off: the app reads, writes no more
            self.cycle.message_event.set()
        if self._responding():
            self.transport.close()  # a response has begun: nothing else can be said
            return
        self._refuse(*refusal)

    def _refuse(self, status: int, title: str, detail: str, *extra: tuple[bytes, bytes]) -> None:
        """Send a problem document instead of a response from the app, then close lingering."""
        self._stop_awaiting_head()
        body = problem_json(status, title, detail)
        headers = [
            *self.server_state.default_headers,
            *extra,
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        self._write_response(status, headers, body)
        self._linger()

    def _linger(self) -> None:
        """Half-close after a refusal and read on, so that the client gets it, not a reset."""
        if not self.transport.can_write_eof():
            self.transport.close()
            return
        self.transport.write_eof()
        self._droppable = LINGER_BYTES
        self._linger_timer = self.loop.call_later(LINGER_SECONDS, self.transport.close)
        self.flow.resume_reading()


@functools.cache
def _settings() -> Settings:
    """This worker's settings, read once: the environment does not change under it."""
    return Settings.from_env()


def header_timeout() -> float:
    """`KB_HEADER_TIMEOUT_SECONDS`: how long a request line and headers may take to arrive."""
    return _settings().header_timeout_seconds


def max_connections() -> int:
    """`KB_MAX_CONNECTIONS`: how many connections one worker holds at once."""
    return _settings().max_connections
