"""A response's head sent in one write with its body, so no client ever gets a head alone.

uvicorn writes a response's status line and headers as soon as the app starts the response,
and its body when the app sends it: two writes, with Python work (and other threads holding
the GIL) between them. A server killed in that gap has sent a head without its body, and no
proxy can send that request again: under load a killed replica cut about 1 response in 8,000
(benchmarks/results/cluster.md). `HeadWithBody` stands between a response cycle and the
connection's transport and holds the head until the first body write, so both leave in one
write (and one system call). A response that has no body to come (HEAD, 204, 304) is written
as before; closing the connection sends a held head first, as uvicorn would have.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

__all__ = ["HeadWithBody"]

#: Statuses whose responses carry no body, so the head is the whole response.
_NO_BODY_STATUSES = (b"204", b"304")


class _Cycle(Protocol):
    """What this module reads of uvicorn's response cycles (h11's and httptools' alike)."""

    scope: Any
    response_started: bool


class HeadWithBody:
    """The transport one response cycle writes to: the head waits for the body's first write."""

    def __init__(self, transport: asyncio.Transport, cycle: _Cycle) -> None:
        self._transport = transport
        self._cycle = cycle
        self._head: bytes | None = None
        self._head_seen = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Write `data`, after a held head; hold `data` instead when it is a head with a body
        to come (the first write once the response has started)."""
        if self._head is not None:
            data, self._head = self._head + bytes(data), None
        elif not self._head_seen and self._cycle.response_started:
            self._head_seen = True
            if self._cycle.scope["method"] != "HEAD" and bytes(data[9:12]) not in _NO_BODY_STATUSES:
                self._head = bytes(data)
                return
        self._transport.write(data)

    def close(self) -> None:
        """Send a held head (the app ended before its body), then close as asked."""
        if self._head is not None:
            self._transport.write(self._head)
            self._head = None
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        """Everything else is the connection's transport's (is_closing, get_extra_info, ...)."""
        return getattr(self._transport, name)
