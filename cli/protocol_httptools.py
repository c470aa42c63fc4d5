"""`kb serve`'s protocol where httptools is installed: uvicorn's httptools protocol (llhttp, in
C: about a third less CPU a request than h11) with the head deadline, connection cap and
refusals of cli/serving.py, answering as the h11 protocol does.

llhttp has no limit on a request head and other rules than h11, so this protocol adds what
clients got from h11: a head that has not ended within `MAX_HEAD_BYTES` (counted here, plus
one read, as h11 counts) is refused 414 or 431; an HTTP/1.1 request without exactly one Host
header, or without an HTTP version, is refused 400; llhttp's reasons are given in h11's words
(`_REASONS`), so a client reads the same problem document whichever parser ran.

llhttp is stricter than h11 in a few ways clients of this service never rely on, each answered
400 here where h11 passed the request to the app: folded header lines, lines ended by LF alone,
methods it does not know, a version other than HTTP/1.0, 1.1 or 2.0, Transfer-Encoding
beside Content-Length, a Content-Length repeated even with one value, and an HTTP/2 preface.
It passes to the app an empty line before a request and two spaces in a request line, which
h11 refused 400.
"""

from __future__ import annotations

import sys
from types import MappingProxyType

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from api.limits import MAX_QUERY_BYTES
from cli.response_writes import HeadWithBody
from cli.serving import (
    LINGER_BYTES,
    MAX_HEAD_BYTES,
    HeadGuard,
    Refusal,
    bad_request,
    head_too_large,
)

__all__ = ["KbHttpToolsProtocol"]

#: h11's status and words for what llhttp refuses, by a part of llhttp's reason (in lower case),
#: first match wins; a reason matching none is given as llhttp says it.
_REASONS = MappingProxyType(
    {
        "duplicate content-length": (400, "conflicting Content-Length headers"),
        "can't be present with content-length": (400, "both Transfer-Encoding and Content-Length"),
        "content-length": (400, "bad Content-Length"),
        "transfer-encoding": (501, "Only Transfer-Encoding: chunked is supported"),
        "after chunk data": (400, "malformed chunk footer"),
        "chunk": (400, "illegal chunk header"),
        "after start line": (400, "continuation line at start of headers"),
        "header": (400, "illegal header line"),
        "pri/upgrade": (400, "an HTTP/2 connection preface; this server speaks HTTP/1.1"),
        "method": (400, "illegal request line"),
        "url": (400, "illegal request line"),
        "version": (400, "illegal request line"),
        "expected http/": (400, "illegal request line"),
        "start char": (400, "illegal request line"),
    }
)


class _Refused(Exception):
    """Raised from a parser callback to refuse the request being read, with h11's reason."""


class KbHttpToolsProtocol(HeadGuard, HttpToolsProtocol):
    """The httptools protocol of `kb serve`: parser callbacks tell a head begun and ended, a
    byte count bounds unfinished heads, and refusals are written as plain bytes."""

    #: Whether the parser is between requests or inside a request line and headers.
    _in_head: bool = True
    #: Whether a message began (llhttp saw its first byte) and its headers have not ended.
    _head_started: bool = False
    #: Bytes of the unfinished head read so far (not those of a read that ended a request).
    _head_bytes: int = 0
    #: Whether a request ended during the read being parsed.
    _request_ended: bool = False
    #: A refusal of a request that came in behind one not yet answered, sent after the answer.
    _deferred: Refusal | None = None

    def data_received(self, data: bytes) -> None:
        """Parse requests as uvicorn does, refusing a head that grows past `MAX_HEAD_BYTES`;
        after a refusal, drop what still comes, up to a bound."""
        if self._dropped(data):
            return
        self._request_ended = False
        super().data_received(data)
        if not self._in_head or self._droppable is not None:
            return
        self._head_bytes = 0 if self._request_ended else self._head_bytes + len(data)
        if self._head_bytes > MAX_HEAD_BYTES and not self.transport.is_closing():
            url = getattr(self, "url", b"")  # uvicorn's: what arrived of the request target
            self._refuse_request(head_too_large(len(url) > MAX_QUERY_BYTES))

    def on_message_begin(self) -> None:
        """A request's first byte: a head has begun."""
        self._head_started = True
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        """The head is in: no deadline for the rest; refused if h11 would refuse it."""
        version = self.parser.get_http_version()
        if version == "0.9":  # a request line without "HTTP/1.x"
            raise _Refused("illegal request line")
        hosts = sum(name == b"host" for name, _ in self.headers)
        if hosts > 1:
            raise _Refused("Found multiple Host: headers")
        if not hosts and version == "1.1":
            raise _Refused("Missing mandatory Host: header")
        self._in_head = self._head_started = False
        self._head_bytes = 0
        self._stop_awaiting_head()
        super().on_headers_complete()
        cycle = self.cycle  # new, or the previous one (an upgrade request makes none)
        if cycle is not None and not isinstance(cycle.transport, HeadWithBody):
            cycle.transport = HeadWithBody(self.transport, cycle)  # type: ignore[assignment]

    def on_message_complete(self) -> None:
        """The request has ended: the parser is between requests again."""
        self._in_head = self._request_ended = True
        super().on_message_complete()

    def on_response_complete(self) -> None:
        """After a response the connection waits for the next head, with a deadline again,
        unless a request already came in behind it; or sends a refusal that was waiting."""
        super().on_response_complete()
        if self.transport.is_closing() or not self._awaiting_head():
            return
        if self._deferred is None:
            self._await_head()
            return
        refusal, self._deferred = self._deferred, None
        self._refuse(*refusal)

    def _refuse_request(self, refusal: Refusal) -> None:
        """Refuse the request being read; one that came in behind requests still being
        answered is refused after their answers (h11 reads no further until then)."""
        if self._in_head and not self._awaiting_head():
            self._deferred = refusal
            self._droppable = LINGER_BYTES  # the parser has stopped: what comes is dropped
            return
        super()._refuse_request(refusal)

    def _awaiting_head(self) -> bool:
        """Between requests, with every response sent (none queued behind)."""
        return self._in_head and (self.cycle is None or self.cycle.response_complete)

    def _head_begun(self) -> bool:
        """llhttp began a message whose headers have not ended."""
        return self._head_started

    def _responding(self) -> bool:
        """uvicorn has written part of the current response."""
        cycle = self.cycle
        return cycle is not None and cycle.response_started and not cycle.response_complete

    def _refusal(self) -> Refusal:
        """h11's status and words for the error llhttp or our callbacks raised."""
        error = sys.exception()
        if isinstance(error, httptools.HttpParserCallbackError):
            cause = error.__context__
            if isinstance(cause, _Refused):
                return bad_request(str(cause))
            if not isinstance(cause, httptools.HttpParserError):  # not the client's doing
                self.logger.error("HTTP parser callback failed", exc_info=cause)
                return bad_request("unreadable request")
            error = cause  # uvicorn's parse of the request target (a CONNECT's "host:port")
        if not isinstance(error, httptools.HttpParserError):
            return bad_request("unreadable request")
        reason = str(error)
        for part, (status, words) in _REASONS.items():
            if part in reason.lower():
                return bad_request(words, status)
        return bad_request(reason)

    def _write_response(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        """As plain bytes, in uvicorn's status-line format."""
        content = [STATUS_LINE[status]]
        for name, value in headers:
            content += [name, b": ", value, b"\r\n"]
        content += [b"\r\n", body]
        self.transport.write(b"".join(content))
