"""The webhooks' outbox: an event queued inside the transaction of the write it tells of.

`enqueue` writes the event and one pending delivery for each enabled endpoint subscribed to
its type, in the caller's session: a publish that rolls back queues nothing, and one that
commits has its deliveries on record before anything is sent. Sending is the worker's
(kb.webhooks.worker), off the request path; a commit that queued something wakes this
process's worker at once, other processes' workers find it on their next poll.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlmodel import Session, select

from kb.store.webhook_models import WebhookDelivery, WebhookEndpoint, WebhookEvent

__all__ = [
    "EVENT_TYPES",
    "RELEASE_UNITS_LISTED",
    "WAKE",
    "enqueue",
    "event_body",
    "new_message_id",
    "release_data",
]

#: Every event type an endpoint may subscribe to.
EVENT_TYPES = (
    "release.published",
    "release.rolled_back",
    "review.requested",
    "review.approved",
    "unit.unverified",
    "feedback.negative",
)

#: Set when a transaction that queued deliveries commits in this process: the worker waits on
#: it between polls, so a release is sent at once rather than at the next poll.
WAKE = threading.Event()


def new_message_id() -> str:
    """A Standard Webhooks message id: `msg_` and 32 random hex digits."""
    return f"msg_{uuid.uuid4().hex}"


def event_body(event_type: str, data: Mapping[str, Any], at: datetime) -> str:
    """The JSON body every delivery of an event sends: Standard Webhooks' recommended
    {"type", "timestamp", "data"}, compact and with keys in order."""
    body = {
        "type": event_type,
        "timestamp": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "data": dict(data),
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def enqueue(session: Session, event_type: str, data: Mapping[str, Any]) -> str | None:
    """Queue `event_type` with `data` (a JSON-able mapping) for every enabled endpoint that
    subscribed to it, inside `session`'s transaction; the event's id (`webhook-id`), or None
    when no endpoint wants it (then nothing is written). ValueError for an unknown type."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}: one of {EVENT_TYPES}")
    endpoints = [
        endpoint
        for endpoint in session.exec(select(WebhookEndpoint).where(WebhookEndpoint.enabled))
        if event_type in endpoint.event_types
    ]
    if not endpoints:
        return None
    now = datetime.now(UTC)
    message = WebhookEvent(
        id=new_message_id(),
        type=event_type,
        body=event_body(event_type, data, now),
        created_at=now,
    )
    session.add(message)
    session.flush()
    for endpoint in endpoints:
        assert endpoint.id is not None
        session.add(
            WebhookDelivery(
                event_id=message.id, endpoint_id=endpoint.id, next_attempt_at=now, created_at=now
            )
        )
    session.flush()
    sa_event.listen(session, "after_commit", _wake, once=True)
    return message.id


#: Units a release event lists at most (a first publish may have thousands).
RELEASE_UNITS_LISTED = 1000


def release_data(
    number: int,
    previous: int | None,
    *,
    author: str,
    message: str,
    units: Iterable[tuple[str, str]],
    rollback_of: int | None = None,
) -> dict[str, Any]:
    """The `data` of release.published and release.rolled_back: the release, the one it
    follows, and the units whose output it changes or removes (what a cache should purge)."""
    keys = sorted(set(units))
    data: dict[str, Any] = {
        "release": number,
        "previous_release": previous,
        "author": author,
        "message": message,
        "units": [{"unit_id": u, "locale": loc} for u, loc in keys[:RELEASE_UNITS_LISTED]],
        "units_truncated": len(keys) > RELEASE_UNITS_LISTED,
    }
    if rollback_of is not None:
        data["rollback_of"] = rollback_of
    return data


def _wake(_session: Session) -> None:
    WAKE.set()
