"""HTTP caching of delivery responses: ETags from the release and the request, 304s, headers."""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from datetime import date
from typing import Generic, TypeVar

from fastapi import Request, Response
from pydantic import BaseModel

from kb.store.keys import Caller
from kb.store.snapshot import Snapshot, StoredUnit
from renderers.base import RenderContext, Renderer, Rendering

__all__ = [
    "LRU",
    "CachePolicy",
    "ResponseCache",
    "from_cache",
    "not_modified",
    "release_etag",
    "rendered",
    "send",
]

#: Public responses may be stored by browsers and CDNs but are revalidated on every use (a
#: 304 from the ETag costs no work here), so a new release reaches every visitor at once: a
#: max-age of even 30 s let a returning visitor's widget show the old release after the
#: operator panel showed the new one, the inconsistency this service exists to end.
PUBLIC_CACHE_CONTROL = "public, no-cache"
VERSION_HEADER = "X-KB-Version"
#: Delivery bodies a process keeps, by ETag (a few KB each).
RESPONSE_CACHE_ENTRIES = 4096
#: Unit renderings a process keeps (one per unit, channel and locale is the working set).
RENDERING_CACHE_ENTRIES = 8192


def release_etag(release: int, *parts: object) -> str:
    """A strong ETag for what a release serves for these request parts (route, params, audience).

    Releases never change, so the same parts in the same release always get the same body;
    the parts must therefore include everything the body depends on (the asked locale too:
    the body says whether it fell back).
    """
    digest = hashlib.sha256(json.dumps(parts, default=str).encode("utf-8")).hexdigest()[:20]
    return f'"r{release}-{digest}"'


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
        self.etag = release_etag(release, caller.staff, date.today().isoformat(), *parts)
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


K = TypeVar("K")
V = TypeVar("V")


class LRU(Generic[K, V]):
    """A bounded mapping that forgets the least recently used entry first (one event loop
    uses it, so it needs no lock)."""

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        """The value kept under `key`, if still kept."""
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        """Keep a value, dropping the least recently used beyond the bound."""
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.entries:
            self._items.popitem(last=False)


class ResponseCache(LRU[str, bytes]):
    """Bodies recently sent, by ETag: a question asked again in the same release (customers
    repeat the same few) is answered from memory. Bounded, least recently used goes first;
    a new release changes every ETag, so nothing stale is ever served."""

    def __init__(self, entries: int = RESPONSE_CACHE_ENTRIES) -> None:
        super().__init__(entries)


def _cache(request: Request) -> ResponseCache:
    cache = getattr(request.app.state, "responses", None)
    if cache is None:
        cache = request.app.state.responses = ResponseCache()
    return cache  # type: ignore[no-any-return]


def from_cache(request: Request, policy: CachePolicy) -> Response | None:
    """A 304 if the client holds this response, the kept body if this process sent it
    before, or None: do the work."""
    if (unchanged := not_modified(request, policy)) is not None:
        return unchanged
    body = _cache(request).get(policy.etag)
    if body is None:
        return None
    return Response(body, media_type="application/json", headers=policy.headers())


def send(request: Request, policy: CachePolicy, model: type[BaseModel], body: object) -> Response:
    """Validate `body` against its documented model, send it with caching headers, keep it."""
    encoded = model.model_validate(body).model_dump_json().encode("utf-8")
    _cache(request).put(policy.etag, encoded)
    return Response(encoded, media_type="application/json", headers=policy.headers())


def rendered(
    request: Request, snapshot: Snapshot, unit: StoredUnit, renderer: Renderer
) -> Rendering:
    """`unit` as `renderer` shows it, rendered once per release, channel and day: many
    different questions get the same few answers."""
    cache = getattr(request.app.state, "renderings", None)
    if cache is None:
        cache = request.app.state.renderings = LRU[tuple[object, ...], Rendering](
            RENDERING_CACHE_ENTRIES
        )
    key = (snapshot.number, unit.key, renderer.name, date.today())
    rendering = cache.get(key)
    if rendering is None:
        public_url = request.app.state.kb.settings.public_url
        context = RenderContext.from_snapshot(snapshot, unit, public_url=public_url)
        rendering = renderer.render(context)
        cache.put(key, rendering)
    return rendering
