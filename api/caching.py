"""HTTP caching of delivery responses: ETags from the release and the request, 304s, headers."""

from __future__ import annotations

import hashlib
import json

from fastapi import Request, Response

from kb.keys import Caller

__all__ = ["CachePolicy", "not_modified", "release_etag"]

#: How long browsers and CDNs may reuse a public response before asking again (cheaply, with
#: If-None-Match); short, so a new release reaches customers within a minute even via caches.
PUBLIC_MAX_AGE = 30
VERSION_HEADER = "X-KB-Version"


def release_etag(release: int, *parts: object) -> str:
    """A strong ETag for what a release serves for these request parts (route, params, audience).

    Releases never change, so the same parts in the same release always get the same body.
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

    def __init__(self, release: int, caller: Caller, *parts: object) -> None:
        self.release = release
        self.etag = release_etag(release, caller.staff, *parts)
        # Staff responses may hold internal notes: never in a shared cache.
        self.cache_control = (
            "private, no-cache" if caller.staff else f"public, max-age={PUBLIC_MAX_AGE}"
        )

    def headers(self) -> dict[str, str]:
        """The headers every response of this resource carries, 200 or 304."""
        return {
            "ETag": self.etag,
            "Cache-Control": self.cache_control,
            "Vary": "Authorization",
            VERSION_HEADER: str(self.release),
        }

    def apply(self, response: Response) -> None:
        """Put the caching headers on a response about to be sent."""
        response.headers.update(self.headers())


def not_modified(request: Request, policy: CachePolicy) -> Response | None:
    """A 304 if the client already holds this release's response, else None (do the work)."""
    header = request.headers.get("if-none-match")
    if header and _matches(header, policy.etag):
        return Response(status_code=304, headers=policy.headers())
    return None
