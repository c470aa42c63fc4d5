"""A delivery response's event and its receipt: what it served, recorded off the request path
(kb.events), and the `X-KB-Receipt` header that names the record.

The routes (api/routes/delivery.py, the pages) and the quick path that sends cached answers
and searches (api/quick.py) call `recorded` just before they return, with the response's facts
(`kb.events.served.Served`): for a body sent again from the cache or a 304, the facts kept
beside it (api/caching.py `kept_served`); a 304 for a body this process never sent (another
worker's, or one from before a restart) has none kept, so the route makes the response again
to learn them (the quick path declines it). The latency counts from the request's arrival in
the app, as api/request_log.py (the outermost middleware) notes it in the ASGI scope.

`conversation` and `via` are the caller's: a conversation id to list the receipts of a chat or
call in order, and the surface that asked (`widget`, `panel`, `ivr`). They are recorded, never
part of a cache key or ETag.
"""

from __future__ import annotations

import re
import time
from typing import Annotated, NamedTuple

from fastapi import Query
from starlette.requests import Request
from starlette.responses import Response

from api.metrics.events import count_events
from kb.events.served import Served

__all__ = [
    "CONVERSATION_CHARS",
    "CONVERSATION_PATTERN",
    "CONVERSATION_RE",
    "RECEIPT_HEADER",
    "STARTED",
    "VIA_CHARS",
    "VIA_PATTERN",
    "VIA_RE",
    "Conversation",
    "Trail",
    "Via",
    "record",
    "recorded",
    "stamp",
]

RECEIPT_HEADER = "X-KB-Receipt"
#: The header as the response's raw list holds it (starlette's own lower-case bytes).
_RECEIPT_RAW = RECEIPT_HEADER.lower().encode("latin-1")
#: The ASGI scope key under which api/request_log.py notes `time.perf_counter()` at arrival.
STARTED = "kb.started"
CONVERSATION_CHARS = 200
CONVERSATION_PATTERN = r"^[A-Za-z0-9._:@-]+$"
VIA_CHARS = 20
VIA_PATTERN = r"^[a-z][a-z0-9-]*$"
#: The patterns as the quick path checks them (fullmatch, as pydantic reads `^...$`).
CONVERSATION_RE = re.compile(CONVERSATION_PATTERN.removeprefix("^").removesuffix("$"))
VIA_RE = re.compile(VIA_PATTERN.removeprefix("^").removesuffix("$"))

Conversation = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=CONVERSATION_CHARS,
        pattern=CONVERSATION_PATTERN,
        description="The caller's conversation id (a chat or call): its receipts are listed in "
        "order by GET /api/v1/conversations/{conversation}. Recorded, never cached by.",
        openapi_examples={"chat": {"value": "chatwoot:4711"}},
    ),
]
Via = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=VIA_CHARS,
        pattern=VIA_PATTERN,
        description="The surface that asked (`widget`, `panel`, `ivr`...). Recorded, never "
        "cached by.",
        openapi_examples={"widget": {"value": "widget"}},
    ),
]


class Trail(NamedTuple):
    """What the caller said besides the request's facts: the question (answers and searches),
    its conversation id and the surface that asked."""

    question: str | None = None
    conversation: str | None = None
    via: str | None = None


def record(request: Request, served: Served, trail: Trail, *, cached: bool = False) -> str | None:
    """Queue the event of the response being sent for `request`; its receipt, or None when
    events are off (KB_EVENTS=false)."""
    events = request.app.state.kb.events
    started = request.scope.get(STARTED)
    latency = (time.perf_counter() - started) * 1000.0 if started is not None else 0.0
    receipt: str | None = events.record(
        served,
        question=trail.question,
        conversation=trail.conversation,
        via=trail.via,
        latency_ms=latency,
        cached=cached,
    )
    count_events(events)
    return receipt


def stamp(response: Response, receipt: str | None) -> Response:
    """`response` carrying `receipt` (when there is one) in X-KB-Receipt: appended to its raw
    headers, as no response carries one before, without the search for one to replace that
    setting it through `response.headers` makes."""
    if receipt is not None:
        response.raw_headers.append((_RECEIPT_RAW, receipt.encode("latin-1")))
    return response


def recorded(
    request: Request, response: Response, served: Served, trail: Trail, *, cached: bool = False
) -> Response:
    """`response` (200 or 304) with its event recorded and its receipt in X-KB-Receipt;
    `cached`: sent again from the cache or as a 304."""
    return stamp(response, record(request, served, trail, cached=cached))
