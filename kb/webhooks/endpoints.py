"""Managing webhook endpoints and their deliveries: what the API's admin routes and
`kb webhooks` call, each write recorded in the audit log in its own transaction.

An endpoint's secret is returned once, by `create_endpoint`; nothing else hands it out.
Removing an endpoint removes its deliveries and their attempts with it; disabling keeps them,
and its pending deliveries wait until it is enabled again. A redelivery is a new delivery of
the same event (same `webhook-id`, so a receiver can tell it has seen it), tried afresh.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from kb.errors import InvalidContent, NotFound, Problem
from kb.store.audit import record
from kb.store.db import Database
from kb.store.outbox import EVENT_TYPES, WAKE
from kb.store.webhook_models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from kb.webhooks.signing import new_secret

__all__ = [
    "DESCRIPTION_CHARS",
    "LIST_LIMIT",
    "URL_CHARS",
    "URL_PATTERN",
    "NewEndpoint",
    "WebhookNotFound",
    "attempts",
    "create_endpoint",
    "deliveries",
    "endpoint",
    "endpoints",
    "event_types",
    "redeliver",
    "remove_endpoint",
    "set_enabled",
]

URL_CHARS = 2000
#: What an endpoint URL may be (the API's schema states it too): http(s), a host or [IPv6]
#: address, a port, then a path or query of printable ASCII; no user, password or fragment.
URL_PATTERN = r'^https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?([/?][!-"$-~]*)?$'
_URL = re.compile(URL_PATTERN)
DESCRIPTION_CHARS = 200
#: Deliveries one listing returns at most.
LIST_LIMIT = 500


class WebhookNotFound(NotFound):
    """No webhook endpoint or delivery with this id."""


@dataclass(frozen=True)
class NewEndpoint:
    """An endpoint just created, with its secret: the only time the secret is given out."""

    endpoint: WebhookEndpoint
    secret: str


def _problems(url: str, event_types: Iterable[str], description: str) -> list[Problem]:
    problems = []
    if len(url) > URL_CHARS:
        problems.append(Problem(f"at most {URL_CHARS} characters", field="url"))
    elif not _URL.fullmatch(url):
        problems.append(
            Problem(
                "an absolute http:// or https:// URL: a host name or [IPv6] address, an optional "
                "port, then a path or query of printable ASCII; no user, password or fragment",
                field="url",
            )
        )
    types = list(event_types)
    if not types:
        problems.append(Problem(f"at least one of {', '.join(EVENT_TYPES)}", field="events"))
    for unknown in sorted(set(types) - set(EVENT_TYPES)):
        problems.append(
            Problem(f"unknown event {unknown!r}: one of {', '.join(EVENT_TYPES)}", field="events")
        )
    if len(description) > DESCRIPTION_CHARS:
        problems.append(Problem(f"at most {DESCRIPTION_CHARS} characters", field="description"))
    return problems


def create_endpoint(
    database: Database,
    url: str,
    event_types: Iterable[str],
    *,
    author: str,
    description: str = "",
) -> NewEndpoint:
    """Register `url` for `event_types` with a new secret; InvalidContent by field when the
    URL or an event type is not one we can send to."""
    types = list(dict.fromkeys(event_types))
    problems = _problems(url, types, description)
    if problems:
        raise InvalidContent(problems)
    secret = new_secret()
    with database.write() as session:
        row = WebhookEndpoint(
            url=url,
            event_types=[t for t in EVENT_TYPES if t in types],
            secret=secret,
            description=description,
            author=author,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        detail = {"url": url, "events": row.event_types}
        record(
            session,
            actor=author,
            action="webhook.created",
            object_kind="webhook",
            object_id=row.id,
            detail=detail,
        )
    return NewEndpoint(row, secret)


def endpoints(database: Database) -> list[WebhookEndpoint]:
    """Every endpoint, oldest first (callers must not show their secrets)."""
    with database.read() as session:
        return list(session.exec(select(WebhookEndpoint).order_by(col(WebhookEndpoint.id))))


def endpoint(database: Database, endpoint_id: int) -> WebhookEndpoint:
    """One endpoint; WebhookNotFound when there is none with this id."""
    with database.read() as session:
        return _endpoint(session, endpoint_id)


def _endpoint(session: Session, endpoint_id: int) -> WebhookEndpoint:
    row = session.get(WebhookEndpoint, endpoint_id)
    if row is None:
        raise WebhookNotFound(f"no webhook endpoint {endpoint_id}")
    return row


def remove_endpoint(database: Database, endpoint_id: int, *, author: str) -> WebhookEndpoint:
    """Remove an endpoint with its deliveries and their attempts (the events stay)."""
    with database.write() as session:
        row = _endpoint(session, endpoint_id)
        ids = select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint_id)
        session.execute(delete(WebhookAttempt).where(col(WebhookAttempt.delivery_id).in_(ids)))
        session.execute(
            delete(WebhookDelivery).where(col(WebhookDelivery.endpoint_id) == endpoint_id)
        )
        session.delete(row)
        record(
            session,
            actor=author,
            action="webhook.deleted",
            object_kind="webhook",
            object_id=endpoint_id,
            detail={"url": row.url},
        )
    return row


def set_enabled(
    database: Database, endpoint_id: int, enabled: bool, *, author: str
) -> WebhookEndpoint:
    """Enable or disable an endpoint; a disabled one gets no new deliveries and sends none."""
    with database.write() as session:
        row = _endpoint(session, endpoint_id)
        if row.enabled != enabled:
            row.enabled = enabled
            session.add(row)
            record(
                session,
                actor=author,
                action="webhook.enabled" if enabled else "webhook.disabled",
                object_kind="webhook",
                object_id=endpoint_id,
            )
    return row


def deliveries(
    database: Database, endpoint_id: int, *, status: str | None = None, limit: int = LIST_LIMIT
) -> list[WebhookDelivery]:
    """An endpoint's deliveries, newest first; WebhookNotFound for an unknown endpoint."""
    with database.read() as session:
        _endpoint(session, endpoint_id)
        query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
        if status is not None:
            query = query.where(WebhookDelivery.status == status)
        return list(session.exec(query.order_by(col(WebhookDelivery.id).desc()).limit(limit)))


def attempts(
    database: Database, delivery_id: int, *, endpoint_id: int | None = None
) -> list[WebhookAttempt]:
    """Every attempt of one delivery (of `endpoint_id`'s, when given), oldest first."""
    with database.read() as session:
        row = session.get(WebhookDelivery, delivery_id)
        if row is None or endpoint_id not in (None, row.endpoint_id):
            raise WebhookNotFound(f"no webhook delivery {delivery_id}")
        query = select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id)
        return list(session.exec(query.order_by(col(WebhookAttempt.id))))


def event_types(database: Database, rows: Iterable[WebhookDelivery]) -> dict[str, str]:
    """The type of each delivery's event, by event id (for listings)."""
    ids = {row.event_id for row in rows}
    if not ids:
        return {}
    with database.read() as session:
        query = select(WebhookEvent.id, WebhookEvent.type).where(col(WebhookEvent.id).in_(ids))
        return dict(session.exec(query).all())


def redeliver(
    database: Database, delivery_id: int, *, author: str, endpoint_id: int | None = None
) -> WebhookDelivery:
    """Queue delivery `delivery_id`'s event again for its endpoint, due now: a new delivery
    with the same `webhook-id`, whatever became of the first. With `endpoint_id`, the
    delivery must be that endpoint's (WebhookNotFound if not)."""
    now = datetime.now(UTC)
    with database.write() as session:
        old = session.get(WebhookDelivery, delivery_id)
        if old is None or endpoint_id not in (None, old.endpoint_id):
            where = f" of webhook endpoint {endpoint_id}" if endpoint_id is not None else ""
            raise WebhookNotFound(f"no webhook delivery {delivery_id}{where}")
        again = WebhookDelivery(
            event_id=old.event_id, endpoint_id=old.endpoint_id, next_attempt_at=now, created_at=now
        )
        session.add(again)
        session.flush()
        record(
            session,
            actor=author,
            action="webhook.redelivered",
            object_kind="webhook",
            object_id=old.endpoint_id,
            detail={"delivery": delivery_id, "redelivery": again.id, "event": old.event_id},
        )
    WAKE.set()  # this process's worker sends it at once
    return again
