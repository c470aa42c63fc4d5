"""uvicorn's HTTP protocol with Nagle's algorithm off on every connection, whatever the socket.

With `--workers` above 1, uvicorn's supervisor creates the listening socket itself without
naming TCP as its protocol, so asyncio does not set TCP_NODELAY on the connections it accepts
(uvicorn issue #3149). A response written in two parts then waits for the client's delayed
acknowledgement: about 40 ms on every request of a kept-open connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["NoDelayH11Protocol"]


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol that sends each response at once (TCP_NODELAY)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
