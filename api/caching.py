"""HTTP caching of delivery responses: ETags from the release and the request, 304s, headers."""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import fields, is_dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Generic, TypeVar

from fastapi import Request, Response
from pydantic import BaseModel
from pydantic_core import to_json
from starlette.concurrency import run_in_threadpool

from kb.events.served import Served
from kb.store.keys import Caller
from kb.store.snapshot import Snapshot, StoredUnit
from renderers.base import RenderContext, Renderer, Rendering

__all__ = [
    "LRU",
    "CachePolicy",
    "ResponseCache",
    "approximate_size",
    "from_cache",
    "kept_or_made",
    "kept_served",
    "not_modified",
    "release_etag",
    "rendered",
    "response_cache",
    "send",
    "today",
]

#: Public responses may be stored by browsers and CDNs but are revalidated on every use (a
#: 304 from the ETag costs no work here), so a new release reaches every visitor at once: a
#: max-age of even 30 s let a returning visitor's widget show the old release after the
#: operator panel showed the new one, the inconsistency this service exists to end.
PUBLIC_CACHE_CONTROL = "public, no-cache"
VERSION_HEADER = "X-KB-Version"
#: Megabytes of responses, pages and renderings a process keeps unless settings say otherwise.
RESPONSE_CACHE_MB = 64
MB = 1024 * 1024


#: ETags a process remembers, least recently used forgotten first: the same few questions come
#: again and again in a release. An entry holds its request parts (a question is at most 500
#: characters): a few megabytes at most.
ETAG_ENTRIES = 4096
_etags: OrderedDict[tuple[object, ...], str] = OrderedDict()


def release_etag(release: int, *parts: object) -> str:
    """A strong ETag for what a release serves for these request parts (route, params, audience).

    Releases never change, so the same parts in the same release always get the same body;
    the parts must therefore include everything the body depends on (the asked locale too:
    the body says whether it fell back). Remembered per release and parts, so a request asked
    before costs no hashing; the value is the same either way, so clients' If-None-Match match.
    """
    # Typed: JSON tells apart values Python finds equal (True and 1).
    key = (release, parts, tuple(map(type, parts)))
    try:
        etag = _etags.get(key)
    except TypeError:  # a dict part (a unit's locale and fallback): keyed by its items
        key = (release, tuple(map(_frozen, parts)), key[2])
        try:
            etag = _etags.get(key)
        except TypeError:  # a part no key can hold (a list): hashed every time
            return _etag(release, parts)
    if etag is None:
        etag = _etags[key] = _etag(release, parts)
        if len(_etags) > ETAG_ENTRIES:
            _etags.popitem(last=False)
    else:
        _etags.move_to_end(key)  # the event loop is the only caller: no other thread pops it
    return etag


def _frozen(part: object) -> object:
    """A dict part as its items, with its type, so that no tuple can stand for it."""
    return (dict, tuple(part.items())) if isinstance(part, dict) else part


def _etag(release: int, parts: tuple[object, ...]) -> str:
    digest = hashlib.sha256(json.dumps(parts, default=str).encode("utf-8")).hexdigest()[:20]
    return f'"r{release}-{digest}"'


#: Today's local date as ETags name it, and the time.time() at which that day ends.
_day: tuple[str, float] = ("", 0.0)


def today() -> str:
    """Today's local date (ISO), looked up again only once the day is over: date.today() asks
    the clock and the time zone, more than a remembered ETag costs."""
    global _day
    name, ends = _day
    if time.time() < ends:
        return name
    day = date.today()
    midnight = datetime.combine(day + timedelta(days=1), datetime.min.time())
    _day = (day.isoformat(), midnight.timestamp())
    return _day[0]


def _matches(header: str, etag: str) -> bool:
    """Weak comparison (RFC 9110 13.1.2), as If-None-Match asks: W/ prefixes are ignored."""
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


class CachePolicy:
    """Caching headers for one delivery response, and the 304 when the client is up to date."""

    def __init__(
        self, release: int, caller: Caller, *parts: object, vary: tuple[str, ...] = ()
    ) -> None:
        self.release = release
        #: Request headers besides the key that the body depends on (the parts name their values).
        self.vary = ", ".join(("Authorization", *vary))
        # The day too: staff views flag units past their review date.
        self.etag = release_etag(release, caller.staff, today(), *parts)
        # Staff responses may hold internal notes: never in a shared cache.
        self.cache_control = "private, no-cache" if caller.staff else PUBLIC_CACHE_CONTROL

    def headers(self) -> dict[str, str]:
        """The headers every response of this resource carries, 200 or 304."""
        return {
            "ETag": self.etag,
            "Cache-Control": self.cache_control,
            "Vary": self.vary,
            VERSION_HEADER: str(self.release),
        }


def not_modified(request: Request, policy: CachePolicy) -> Response | None:
    """A 304 if the client already holds this release's response, else None (do the work)."""
    header = request.headers.get("if-none-match")
    if header and _matches(header, policy.etag):
        return Response(status_code=304, headers=policy.headers())
    return None


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

#: Bytes an entry costs besides its value: its key, the mapping's slot, the object headers.
ENTRY_OVERHEAD = 256


def approximate_size(value: object) -> int:
    """Bytes `value` holds, counted through strings, containers and dataclasses (an object
    reached twice counts once): what keeping it costs, close enough to bound a cache by."""
    seen: set[int] = set()
    stack = [value]
    total = 0
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        total += sys.getsizeof(item)
        if isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend(item)
        elif is_dataclass(item) and not isinstance(item, type):
            stack.extend(getattr(item, f.name) for f in fields(item))
    return total


class LRU(Generic[K, V]):
    """A mapping bounded by the bytes its entries take, forgetting the least recently used
    first (one event loop uses it, so it needs no lock). A value larger than the whole bound
    is not kept."""

    def __init__(self, max_bytes: int, size: Callable[[V], int] = approximate_size) -> None:
        self.max_bytes = max_bytes
        #: What the entries kept now take, as counted when each was put.
        self.bytes = 0
        self._size = size
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: K) -> V | None:
        """The value kept under `key`, if still kept."""
        kept = self._items.get(key)
        if kept is None:
            return None
        self._items.move_to_end(key)
        return kept[0]

    def put(self, key: K, value: V) -> None:
        """Keep a value, dropping the least recently used beyond the bound."""
        if (old := self._items.pop(key, None)) is not None:
            self.bytes -= old[1]
        cost = self._size(value) + ENTRY_OVERHEAD
        if cost > self.max_bytes:
            return
        self._items[key] = (value, cost)
        self.bytes += cost
        while self.bytes > self.max_bytes:
            _, (_, dropped) = self._items.popitem(last=False)
            self.bytes -= dropped


class ResponseCache(LRU[Hashable, bytes | Rendering | Served]):
    """Bodies recently sent (by ETag), public pages and unit renderings: a question asked again
    in the same release (customers repeat the same few) is answered from memory; beside a body,
    what it served (`kept_served`), which its event records when it is sent again. Bounded by
    bytes (KB_RESPONSE_CACHE_MB), least recently used goes first; a new release changes every
    key, so nothing stale is ever served."""

    def __init__(self, max_bytes: int = RESPONSE_CACHE_MB * MB) -> None:
        super().__init__(max_bytes)


def response_cache(request: Request) -> ResponseCache:
    """This process's cache, made on first use with the bound the settings give."""
    cache = getattr(request.app.state, "responses", None)
    if cache is None:
        megabytes = request.app.state.kb.settings.response_cache_mb
        cache = request.app.state.responses = ResponseCache(megabytes * MB)
    return cache  # type: ignore[no-any-return]


async def kept_or_made(request: Request, key: Hashable, make: Callable[[], bytes]) -> bytes:
    """The bytes kept under `key`, else `make()`'s, kept. It runs in a worker thread, so that
    a long page holds up no other request on the event loop, and once: requests asking while
    it runs wait for it (a client that leaves does not stop it; the next one finds it kept)."""
    cache = response_cache(request)
    kept = cache.get(key)
    if isinstance(kept, bytes):
        return kept
    making: dict[Hashable, asyncio.Task[bytes]] | None = getattr(request.app.state, "making", None)
    if making is None:
        making = request.app.state.making = {}
    task = making.get(key)
    if task is None:
        task = making[key] = asyncio.create_task(run_in_threadpool(make))
        task.add_done_callback(partial(_made, cache, making, key))
    return await asyncio.shield(task)


def _made(
    cache: ResponseCache,
    making: dict[Hashable, asyncio.Task[bytes]],
    key: Hashable,
    task: asyncio.Task[bytes],
) -> None:
    """Keep what `task` made; on failure each waiter gets the error (taken here, so that none
    is reported as never retrieved when no one waits any more)."""
    making.pop(key, None)
    if not task.cancelled() and task.exception() is None:
        cache.put(key, task.result())


def from_cache(request: Request, policy: CachePolicy) -> Response | None:
    """A 304 if the client holds this response, the kept body if this process sent it
    before, or None: do the work."""
    if (unchanged := not_modified(request, policy)) is not None:
        return unchanged
    body = response_cache(request).get(policy.etag)
    if not isinstance(body, bytes):
        return None
    return Response(body, media_type="application/json", headers=policy.headers())


def kept_served(request: Request, etag: str) -> Served | None:
    """What the body sent under `etag` served, if this process still keeps it (`send`)."""
    served = response_cache(request).get(("served", etag))
    return served if isinstance(served, Served) else None


def send(
    request: Request,
    policy: CachePolicy,
    body: object,
    model: type[BaseModel] | None = None,
    *,
    served: Served | None = None,
) -> Response:
    """Send `body` as JSON with caching headers, and keep it (and what it `served`, for the
    events of its sending again). A route builds it in its documented
    model's field order and it is encoded as it is, a quarter of what validating it first costs
    (tests/api/test_delivery_encoding.py checks every delivery body against its model); `model`
    validates it first, for a body that needs the model's conversions."""
    if model is not None:
        encoded = model.model_validate(body).model_dump_json().encode("utf-8")
    else:
        encoded = to_json(body)
    cache = response_cache(request)
    cache.put(policy.etag, encoded)
    if served is not None:
        cache.put(("served", policy.etag), served)
    return Response(encoded, media_type="application/json", headers=policy.headers())


def rendered(
    request: Request, snapshot: Snapshot, unit: StoredUnit, renderer: Renderer
) -> Rendering:
    """`unit` as `renderer` shows it, rendered once per release, channel and day: many
    different questions get the same few answers."""
    cache = response_cache(request)
    key = ("rendering", snapshot.number, unit.key, renderer.name, today())
    rendering = cache.get(key)
    if not isinstance(rendering, Rendering):
        context = RenderContext.configured(snapshot, unit, request.app.state.kb.settings)
        rendering = renderer.render(context)
        cache.put(key, rendering)
    return rendering
