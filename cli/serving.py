"""The HTTP protocol `kb serve` runs: uvicorn's h11 protocol, tuned for this service.

Nagle's algorithm is off on every connection, whatever the socket. With `--workers` above 1,
uvicorn's supervisor creates the listening socket itself without naming TCP as its protocol,
so asyncio does not set TCP_NODELAY on the connections it accepts (uvicorn issue #3149). A
response written in two parts then waits for the client's delayed acknowledgement: about
40 ms on every request of a kept-open connection.

Requests h11 refuses before the app sees them (a request line and headers over
`MAX_HEAD_BYTES`, or anything that is not HTTP/1.1) get a problem document like every other
error, where uvicorn would answer `400 text/plain`: 414 when the request line is the long part,
431 when the headers are, 400 for a malformed request. The connection is then half-closed and
what the client still sends is read and dropped, for at most `LINGER_SECONDS` and
`LINGER_BYTES` (RFC 9112 section 9.6), so that the client reads the answer rather than a reset.

A client must send a whole request line and headers within `KB_HEADER_TIMEOUT_SECONDS` of
its connection opening or of the previous response: one that sent part of them then gets a
408 problem document, one that sent nothing is closed, so slow or half-open connections
cannot pile up in a worker (uvicorn has no such timeout; its keep-alive timer stops at the
first byte). A request whose head arrived in time may send its body as slowly as it likes.
A worker holds at most `KB_MAX_CONNECTIONS` connections: one more is answered 503 at once and
closed, so a flood of slow connections costs bounded memory (uvicorn's `limit_concurrency`
would accept it, then answer its request in plain text).

`kb serve` names this protocol explicitly, so httptools never runs, installed or not.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import socket
import sys
from http import HTTPStatus

import h11
from h11._connection import DEFAULT_MAX_INCOMPLETE_EVENT_SIZE
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import STATUS_PHRASES, H11Protocol

from api.limits import MAX_QUERY_BYTES, problem_json
from kb.settings import Settings

__all__ = [
    "LINGER_BYTES",
    "LINGER_SECONDS",
    "MAX_HEAD_BYTES",
    "KbH11Protocol",
    "NoDelayH11Protocol",
    "header_timeout",
    "max_connections",
]

#: h11 holds at most this much of a request line and headers that have not ended yet (plus one
#: read, 256 KiB); the app's own limits (a 4 KiB query string, 32 KiB of headers) fit in it.
MAX_HEAD_BYTES = 64 * 1024
#: After refusing a request: how long, and how much, the client may still send before we close.
LINGER_SECONDS = 2.0
LINGER_BYTES = 1 << 20
#: A refusal's detail gives h11's reason without the bytes it quotes ("illegal header line:
#: bytearray(b'...')"), and never more than this.
_QUOTED = re.compile(r":\s*(bytearray\()?b['\"].*", re.DOTALL)
_REASON_CHARS = 200


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol that sends each response at once (TCP_NODELAY)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


class KbH11Protocol(NoDelayH11Protocol):
    """The protocol of `kb serve`: a deadline for request heads, h11's refusals as problem
    documents, then a lingering close."""

    #: While lingering: how many more bytes the client may send before the connection closes.
    _droppable: int | None = None
    _linger_timer: asyncio.TimerHandle | None = None
    #: When the request head the connection waits for is overdue; None while none is awaited.
    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Take the connection and wait for its first request head, or refuse one too many."""
        super().connection_made(transport)
        if len(self.connections) > max_connections():
            detail = f"this server holds its most connections ({max_connections()}); retry soon"
            self._refuse(503, "Service unavailable", detail, (b"retry-after", b"1"))
            return
        self._await_head()

    def data_received(self, data: bytes) -> None:
        """Parse requests as uvicorn does; after a refusal, drop what still comes, up to a bound."""
        if self._droppable is None:
            super().data_received(data)
            if self.conn.their_state is not h11.IDLE:  # the head is in: no deadline for the rest
                self._stop_awaiting_head()
            return
        self._droppable -= len(data)
        if self._droppable < 0:
            self.transport.close()

    def on_response_complete(self) -> None:
        """After a response the connection waits for the next head, with a deadline again."""
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the connection's deadlines with it."""
        if self._linger_timer is not None:
            self._linger_timer.cancel()
        self._stop_awaiting_head()
        super().connection_lost(exc)

    def _await_head(self) -> None:
        """Give the client `KB_HEADER_TIMEOUT_SECONDS` for its next request line and headers."""
        self._stop_awaiting_head()
        self._head_timer = self.loop.call_later(header_timeout(), self._head_overdue)

    def _stop_awaiting_head(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_overdue(self) -> None:
        """408 to a client that began a request head and did not end it in time; a client
        that sent nothing is closed without a word, as an idle keep-alive connection is."""
        self._head_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        begun, _ = self.conn.trailing_data
        if not begun or self.conn.our_state is not h11.IDLE:
            self.transport.close()
            return
        detail = f"the request line and headers did not arrive within {header_timeout():g} s"
        self._refuse(408, "Request timeout", detail)

    def send_400_response(self, msg: str) -> None:
        """Answer a request h11 refused with a problem document, not uvicorn's plain text `msg`."""
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.disconnected = True  # its request broke off: the app reads, writes no more
            self.cycle.message_event.set()
        if self.conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            self.transport.close()  # a response has begun: nothing else can be said
            return
        # uvicorn calls this while handling h11's error, which says what was wrong.
        error = sys.exception()
        status, title, detail = self._refusal(
            error if isinstance(error, h11.ProtocolError) else None
        )
        self._refuse(status, title, detail)

    def _refuse(self, status: int, title: str, detail: str, *extra: tuple[bytes, bytes]) -> None:
        """Send a problem document instead of a response from the app, then close lingering."""
        body = problem_json(status, title, detail)
        headers = [
            *self.server_state.default_headers,
            *extra,
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        reason = STATUS_PHRASES[status]
        for event in (
            h11.Response(status_code=status, headers=headers, reason=reason),
            h11.Data(data=body),
            h11.EndOfMessage(),
        ):
            self.transport.write(self.conn.send(event) or b"")
        self._linger()

    def _refusal(self, error: h11.ProtocolError | None) -> tuple[int, str, str]:
        """Status, title and detail for a request h11 refused with `error`."""
        if error is not None and error.error_status_hint == 431:  # the head did not end in time
            head, _ = self.conn.trailing_data
            if head.find(b"\n", 0, MAX_QUERY_BYTES + 2) < 0:
                return 414, "URI too long", f"request line over {MAX_QUERY_BYTES} bytes"
            limit = _head_limit(self.config)
            detail = f"request line and headers over {limit} bytes"
            return 431, "Request header fields too large", detail
        reason = _QUOTED.sub("", str(error)) if error is not None else "unreadable request"
        if len(reason) > _REASON_CHARS:
            reason = reason[: _REASON_CHARS - 1] + "…"
        status = error.error_status_hint if error is not None else 400
        if status != 400:
            return status, HTTPStatus(status).phrase, reason
        return 400, "Bad request", f"malformed HTTP/1.1 request: {reason}"

    def _linger(self) -> None:
        """Half-close after a refusal and read on, so that the client gets it, not a reset."""
        if not self.transport.can_write_eof():
            self.transport.close()
            return
        self.transport.write_eof()
        self._droppable = LINGER_BYTES
        self._linger_timer = self.loop.call_later(LINGER_SECONDS, self.transport.close)
        self.flow.resume_reading()


def _head_limit(config: Config) -> int:
    """The size at which h11 gives up on a request line and headers, as uvicorn sets it."""
    limit = config.h11_max_incomplete_event_size
    return DEFAULT_MAX_INCOMPLETE_EVENT_SIZE if limit is None else limit


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
