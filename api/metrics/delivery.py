"""Answers by status and searches without hits, counted where they are sent: by the routes
(api/routes/delivery.py) and by the quick path that sends cached ones (api/quick.py).

A cached body is the same for its ETag as when it was made, so what it counts as is
remembered by ETag when it is made, and a body sent again costs a dict lookup and the
counters' increments: no JSON is read on the quick path. A body sent again whose ETag was
forgotten (more than `REMEMBERED` made since) is read once. A 304 sends no answer (the client
has it) and is counted only as a request, in kb_http_requests_total.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prometheus_client import Counter
from pydantic_core import from_json
from starlette.responses import Response

from api.metrics.series import ANSWERS, SEARCHES, ZERO_HIT_SEARCHES

__all__ = ["REMEMBERED", "answer_again", "answered", "search_again", "searched"]

#: ETags whose counters are remembered (about 200 bytes each), oldest forgotten first.
REMEMBERED = 8192

#: A labelled counter, as `Counter.labels` returns it.
_Child = Counter
#: The counters a body adds one to, from the body (the fields it needs) and its channel.
_Counters = Callable[[dict[str, Any], str], tuple[_Child, ...]]
_children: dict[tuple[Counter, tuple[str, ...]], _Child] = {}
#: ETag -> the counters a body sent under it adds one to (one event loop: no lock needed).
_outcomes: dict[str, tuple[_Child, ...]] = {}


def _child(counter: Counter, *labels: str) -> _Child:
    """`counter.labels(*labels)`, kept: prometheus_client's lookup takes a lock and checks."""
    key = (counter, labels)
    child = _children.get(key)
    if child is None:
        child = _children[key] = counter.labels(*labels)
    return child


def _count(etag: str, counters: tuple[_Child, ...]) -> None:
    """Add one to each of `counters` and remember them for `etag`."""
    for counter in counters:
        counter.inc()
    _outcomes[etag] = counters
    if len(_outcomes) > REMEMBERED:
        del _outcomes[next(iter(_outcomes))]


def _answer_counters(body: dict[str, Any], channel: str) -> tuple[_Child, ...]:
    return (_child(ANSWERS, body["status"], channel),)


def _search_counters(body: dict[str, Any], channel: str) -> tuple[_Child, ...]:
    found = _child(SEARCHES, channel)
    return (found, _child(ZERO_HIT_SEARCHES, channel)) if body["total"] == 0 else (found,)


def answered(etag: str, status: str, channel: str) -> None:
    """An answer of `status` made and sent under `etag`."""
    _count(etag, _answer_counters({"status": status}, channel))


def searched(etag: str, total: int, channel: str) -> None:
    """A search that found `total` units made and sent under `etag`."""
    _count(etag, _search_counters({"total": total}, channel))


def _again(etag: str, response: Response, channel: str, counters: _Counters) -> None:
    """A cached response sent again: count its body (not a 304) as when it was made."""
    if response.status_code != 200:
        return
    remembered = _outcomes.get(etag)
    if remembered is None:
        remembered = counters(from_json(response.body), channel)
    _count(etag, remembered)


def answer_again(etag: str, response: Response, channel: str) -> None:
    """A cached answer (or its 304) sent again."""
    _again(etag, response, channel, _answer_counters)


def search_again(etag: str, response: Response, channel: str) -> None:
    """A cached search (or its 304) sent again."""
    _again(etag, response, channel, _search_counters)
