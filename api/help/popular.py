"""The home page's answers: the site's promoted ones first, then the most viewed in the locale
over the last 30 days (kb.insights.popular), topped up in title order when few were viewed."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from api.caching import response_cache
from api.help.content import public_unit, public_units
from kb.insights.popular import most_viewed
from kb.knowledge_base import KnowledgeBase
from kb.store.snapshot import Snapshot

__all__ = ["POPULAR", "REFRESH_SECONDS", "popular_ids", "popular_now"]

_LOG = logging.getLogger("kb.api")
#: Answers the home page lists.
POPULAR = 6
#: How long a worker keeps a locale's counts before asking the database again.
REFRESH_SECONDS = 300


def popular_ids(
    snap: Snapshot, locale: str, promoted: Sequence[str], viewed: Sequence[str]
) -> tuple[str, ...]:
    """Up to POPULAR public answers of `locale`: `promoted`, then `viewed` (most first), then
    the rest by title; each once, and only those customers may read on the web."""
    picked: list[str] = []
    titled = (u.document.id for u in public_units(snap, locale))
    for unit_id in (*promoted, *viewed, *titled):
        if len(picked) == POPULAR:
            break
        if unit_id not in picked and public_unit(snap, unit_id, locale) is not None:
            picked.append(unit_id)
    return tuple(picked)


async def popular_now(
    request: Request, kb: KnowledgeBase, snap: Snapshot, locale: str, promoted: Sequence[str]
) -> tuple[str, ...]:
    """`popular_ids` with the views counted at most every REFRESH_SECONDS per worker, off the
    event loop (a database query)."""
    bucket = int(time.time() // REFRESH_SECONDS)
    key = ("help-popular", snap.number, locale, tuple(promoted), bucket)
    cache = response_cache(request)
    kept = cache.get(key)
    if isinstance(kept, bytes):  # the cache holds bytes: the ids, a line each
        return tuple(kept.decode("utf-8").split("\n")) if kept else ()
    try:
        viewed = await run_in_threadpool(most_viewed, kb.db, locale, limit=POPULAR * 4)
    except SQLAlchemyError as exc:  # events unreadable: the page goes on without their counts
        _LOG.warning("help: popular answers without view counts (%s)", type(exc).__name__)
        viewed = []
    found = popular_ids(snap, locale, promoted, viewed)
    cache.put(key, "\n".join(found).encode("utf-8"))
    return found
