"""The webhooks' tables: endpoints and their deliveries (issue 18); models.py registers it.

An event is written once (its body as sent, so every attempt and a redelivery sign the same
bytes); each endpoint subscribed to its type gets a delivery, retried until it succeeds or
runs out of attempts; each attempt is kept with its status and response time.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

__all__ = [
    "DELIVERY_STATES",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
]

#: A delivery waits (`pending`, also between retries), succeeded, or ran out of attempts.
DELIVERY_STATES = ("pending", "delivered", "failed")


def _now() -> datetime:
    return datetime.now(UTC)


def _when(*, nullable: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(DateTime(timezone=True), nullable=nullable)


class WebhookEndpoint(SQLModel, table=True):
    """A URL an admin registered for some event types, with the secret its deliveries are
    signed with (Standard Webhooks `whsec_...`: shown once, never listed)."""

    __tablename__ = "webhook_endpoint"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(sa_column=Column(Text, nullable=False))
    event_types: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    secret: str = Field(max_length=100)
    enabled: bool = True
    description: str = Field(default="", max_length=200)
    author: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=_now, sa_column=_when())


class WebhookEvent(SQLModel, table=True):
    """One event as sent: its id is the `webhook-id` every attempt and redelivery carries."""

    __tablename__ = "webhook_event"

    #: `msg_` and 32 hex digits.
    id: str = Field(primary_key=True, max_length=40)
    type: str = Field(max_length=40)
    #: The JSON body exactly as signed and sent: {"type", "timestamp", "data"}.
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=_now, sa_column=_when())


class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint: its state, attempts so far, when it is next due, and how
    the last attempt went."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_endpoint", "endpoint_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(
        sa_column=Column(String(40), ForeignKey("webhook_event.id"), nullable=False)
    )
    endpoint_id: int = Field(
        sa_column=Column(Integer, ForeignKey("webhook_endpoint.id"), nullable=False)
    )
    status: str = Field(default="pending", max_length=10)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=_now, sa_column=_when())
    #: The last attempt's HTTP status (None: no response: refused, timed out...).
    last_status: int | None = None
    last_response_ms: float | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=_now, sa_column=_when())
    delivered_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))


class WebhookAttempt(SQLModel, table=True):
    """One try to send a delivery, kept with what came back and how long it took."""

    __tablename__ = "webhook_attempt"
    __table_args__ = (Index("ix_webhook_attempt_delivery", "delivery_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(
        sa_column=Column(Integer, ForeignKey("webhook_delivery.id"), nullable=False)
    )
    at: datetime = Field(default_factory=_now, sa_column=_when())
    status: int | None = None
    response_ms: float | None = None
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
