"""Optimistic concurrency for drafts: a revision's ETag, and the If-Match every change needs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import HTTPException

from kb.errors import VersionConflict

__all__ = ["expected_revision", "revision_etag", "stale_is_412"]

_ETAG = re.compile(r'^(?:W/)?"rev-(\d{1,9})"$')


def revision_etag(revision: int) -> str:
    """The ETag of a draft at `revision`; send it back as If-Match to change that revision."""
    return f'"rev-{revision}"'


def expected_revision(if_match: str | None, what: str) -> int:
    """The revision a change is based on; 428 without If-Match, 412 for an ETag we never made."""
    if not if_match:
        raise HTTPException(428, f"changing {what} needs If-Match with the ETag you read it with")
    found = _ETAG.match(if_match.strip())
    if found is None:
        raise HTTPException(412, f"If-Match {if_match!r} is not an ETag of {what}")
    return int(found.group(1))


@contextmanager
def stale_is_412(what: str) -> Iterator[None]:
    """Someone saved in between: 412 (nothing was written), so the caller reloads and merges."""
    try:
        yield
    except VersionConflict as exc:
        raise HTTPException(412, f"{what} changed since you read it: {exc}") from exc
