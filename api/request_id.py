"""The id of the request being handled: taken from `X-Request-ID` when it is a safe one, else
made; every log line written while handling the request carries it (api/logging_setup.py).

A proxy or a client that names its requests keeps its ids across the hops; an id that is too
long or holds anything but letters, digits and `._:+/=-` (a space, a quote, a line break: a
forged log line) is replaced rather than written anywhere.
"""

from __future__ import annotations

import os
import re
from contextvars import ContextVar, Token

__all__ = [
    "HEADER",
    "MAX_CHARS",
    "current_request_id",
    "new_request_id",
    "request_id_from",
    "reset_request_id",
    "set_request_id",
]

#: The request and response header, lower-case as ASGI gives header names.
HEADER = b"x-request-id"
MAX_CHARS = 128
_SAFE = re.compile(rb"[A-Za-z0-9._:+/=-]{1,%d}" % MAX_CHARS)

_current: ContextVar[str | None] = ContextVar("kb_request_id", default=None)


def request_id_from(incoming: bytes | None) -> str:
    """The incoming id if it is safe to echo and log, else a new one (a UUID4, in hex)."""
    if incoming is not None and _SAFE.fullmatch(incoming):
        return incoming.decode("ascii")
    return new_request_id()


def new_request_id() -> str:
    """A random UUID (version 4) in hex, as `uuid.uuid4().hex` makes it but without the UUID
    object, which cost a cached answer 3 to 4 µs of its 40 in the app."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # the RFC 4122 variant
    return raw.hex()


def current_request_id() -> str | None:
    """The id of the request this code runs for, if any."""
    return _current.get()


def set_request_id(request_id: str | None) -> Token[str | None]:
    """Make `request_id` the current one; the token `reset_request_id` takes."""
    return _current.set(request_id)


def reset_request_id(token: Token[str | None]) -> None:
    """Back to the id current before `set_request_id` gave `token`."""
    _current.reset(token)
