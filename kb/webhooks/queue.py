"""The deliveries waiting to be sent: which are due, claiming some for one sender, and writing
down how an attempt went (the next try, with exponential backoff, or done).

Claiming is one short write transaction that pushes the claimed deliveries' next attempt a
lease ahead: another process's worker does not see them as due until then (PostgreSQL skips
rows another claim holds, FOR UPDATE SKIP LOCKED; SQLite's write transactions take turns), so
two processes never send the same delivery twice, and one that died mid-send leaves it to be
tried again when the lease ends. No transaction is open while a delivery is being sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from kb.settings import Settings
from kb.store.db import Database
from kb.store.webhook_models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

__all__ = [
    "Claimed",
    "DeliveryPolicy",
    "Outcome",
    "claim_due",
    "has_due",
    "pending_count",
    "record_outcome",
    "utc",
]


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard a delivery is tried: attempts in all, the wait before each retry (doubling from
    `first_retry_seconds` up to `max_retry_seconds`), and the timeout of one attempt."""

    max_attempts: int = 10
    timeout_seconds: float = 5.0
    first_retry_seconds: float = 5.0
    max_retry_seconds: float = 3600.0

    @classmethod
    def from_settings(cls, settings: Settings) -> DeliveryPolicy:
        """The policy KB_WEBHOOK_MAX_ATTEMPTS and KB_WEBHOOK_TIMEOUT_SECONDS set."""
        return cls(
            max_attempts=settings.webhook_max_attempts,
            timeout_seconds=settings.webhook_timeout_seconds,
        )

    def retry_after(self, attempts: int) -> float:
        """Seconds to wait after the `attempts`-th failed attempt: 5, 10, 20... up to the cap."""
        return min(self.max_retry_seconds, self.first_retry_seconds * 2 ** max(attempts - 1, 0))

    @property
    def lease_seconds(self) -> float:
        """How long a claim keeps other workers off a delivery: well past one attempt."""
        return self.timeout_seconds + 60.0


@dataclass(frozen=True)
class Claimed:
    """A delivery one worker holds, with all it needs to send it."""

    delivery_id: int
    message_id: str
    body: str
    url: str
    secret: str


@dataclass(frozen=True)
class Outcome:
    """How one attempt went: the HTTP status (None when no response came), its time, and an
    error saying what went wrong (None on success)."""

    status: int | None
    response_ms: float
    error: str | None

    @property
    def ok(self) -> bool:
        """A 2xx response: the receiver has it."""
        return self.status is not None and 200 <= self.status < 300


def _due(now: datetime) -> SelectOfScalar[int | None]:
    """The ids of the deliveries due at `now` whose endpoint is enabled."""
    return (
        select(WebhookDelivery.id)
        .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id))
        .where(
            WebhookDelivery.status == "pending",
            col(WebhookDelivery.next_attempt_at) <= now,
            col(WebhookEndpoint.enabled),
        )
    )


def has_due(database: Database, now: datetime) -> bool:
    """Whether any delivery waits to be sent now: a read, so idle polling takes no write lock."""
    with database.read() as session:
        return session.exec(_due(now).limit(1)).first() is not None


def claim_due(
    database: Database, now: datetime, policy: DeliveryPolicy, *, limit: int
) -> list[Claimed]:
    """Take up to `limit` due deliveries, oldest due first, for this worker (see the module)."""
    query = (
        _due(now)
        .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
        .limit(limit)
        .with_for_update(skip_locked=True, of=WebhookDelivery)  # SQLite: not rendered
    )
    with database.write() as session:
        ids = list(session.exec(query))
        if not ids:
            return []
        lease = now + timedelta(seconds=policy.lease_seconds)
        session.execute(
            update(WebhookDelivery)
            .where(col(WebhookDelivery.id).in_(ids))
            .values(next_attempt_at=lease)
        )
        rows = session.exec(
            select(WebhookDelivery, WebhookEvent, WebhookEndpoint)
            .join(WebhookEvent, col(WebhookEvent.id) == col(WebhookDelivery.event_id))
            .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id))
            .where(col(WebhookDelivery.id).in_(ids))
            .order_by(col(WebhookDelivery.id))
        )
        return [
            Claimed(
                delivery_id=delivery.id or 0,
                message_id=event.id,
                body=event.body,
                url=endpoint.url,
                secret=endpoint.secret,
            )
            for delivery, event, endpoint in rows
        ]


def record_outcome(
    database: Database, claimed: Claimed, outcome: Outcome, at: datetime, policy: DeliveryPolicy
) -> str | None:
    """Keep the attempt and move its delivery on: delivered, failed after the last attempt, or
    pending until the backoff ends. The delivery's new status; None if it is gone (its endpoint
    was removed meanwhile) or no longer pending."""
    with database.write() as session:
        delivery = session.get(WebhookDelivery, claimed.delivery_id)
        if delivery is None or delivery.status != "pending":
            return None
        delivery.attempts += 1
        delivery.last_status = outcome.status
        delivery.last_response_ms = outcome.response_ms
        delivery.last_error = outcome.error
        if outcome.ok:
            delivery.status, delivery.delivered_at = "delivered", at
        elif delivery.attempts >= policy.max_attempts:
            delivery.status = "failed"
        else:
            wait = policy.retry_after(delivery.attempts)
            delivery.next_attempt_at = at + timedelta(seconds=wait)
        session.add(delivery)
        session.add(
            WebhookAttempt(
                delivery_id=claimed.delivery_id,
                at=at,
                status=outcome.status,
                response_ms=outcome.response_ms,
                error=outcome.error,
            )
        )
        return delivery.status


def pending_count(database: Database) -> int:
    """Deliveries still waiting (due or backing off), for `kb webhooks deliver --once`."""
    with database.read() as session:
        query = select(func.count()).select_from(WebhookDelivery)
        return int(session.exec(query.where(WebhookDelivery.status == "pending")).one())


def utc(moment: datetime) -> datetime:
    """A stored time as UTC: SQLite gives naive datetimes back, all of them written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
