"""Webhook bodies: an endpoint to register, its record, its secret shown once, its deliveries
and their attempts (issue 18)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import Timestamp, _Body, _examples
from kb.webhooks.endpoints import DESCRIPTION_CHARS, URL_CHARS, URL_PATTERN

__all__ = [
    "AttemptOut",
    "DeliveryOut",
    "NewWebhookOut",
    "WebhookIn",
    "WebhookOut",
    "WebhookUpdate",
]

EventType = Literal[
    "release.published",
    "release.rolled_back",
    "review.requested",
    "review.approved",
    "unit.unverified",
    "feedback.negative",
]

_ENDPOINT = {
    "id": 3,
    "url": "https://cdn-purge.example.com/kb",
    "events": ["release.published", "release.rolled_back"],
    "enabled": True,
    "description": "purge the CDN",
    "author": "admin",
    "created_at": "2026-12-07T09:15:00Z",
}


class WebhookIn(_Body):
    """An endpoint to register: where to POST, and which events."""

    model_config = _examples(
        {
            "url": "https://cdn-purge.example.com/kb",
            "events": ["release.published", "release.rolled_back"],
            "description": "purge the CDN",
        }
    )
    url: str = Field(min_length=1, max_length=URL_CHARS, pattern=URL_PATTERN)
    events: list[EventType] = Field(min_length=1, max_length=6)
    description: str = Field(default="", max_length=DESCRIPTION_CHARS)


class WebhookUpdate(_Body):
    """Switch an endpoint on or off."""

    model_config = _examples({"enabled": False})
    enabled: bool


class WebhookOut(BaseModel):
    """An endpoint's record; never its secret."""

    model_config = _examples(_ENDPOINT)
    id: int
    url: str
    events: list[str]
    enabled: bool
    description: str
    author: str
    created_at: Timestamp


class NewWebhookOut(WebhookOut):
    """An endpoint just registered: `secret` is shown this once."""

    model_config = _examples({**_ENDPOINT, "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
    secret: str = Field(
        description="The Standard Webhooks signing secret (`whsec_` and base64): verify "
        "`webhook-signature` with it. It is not shown again."
    )


class DeliveryOut(BaseModel):
    """One event for one endpoint: its state, attempts so far and how the last one went."""

    model_config = _examples(
        {
            "id": 41,
            "endpoint_id": 3,
            "event_id": "msg_5f0c1e0b9a7d4c2e8f6a3b1d0c9e8f7a",
            "event_type": "release.published",
            "status": "pending",
            "attempts": 1,
            "next_attempt_at": "2026-12-07T09:15:05Z",
            "last_status": 500,
            "last_response_ms": 12.5,
            "last_error": "HTTP 500",
            "created_at": "2026-12-07T09:15:00Z",
            "delivered_at": None,
        }
    )
    id: int
    endpoint_id: int
    event_id: str = Field(description="The `webhook-id` every attempt of it carries.")
    event_type: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    next_attempt_at: Timestamp
    last_status: int | None
    last_response_ms: float | None
    last_error: str | None
    created_at: Timestamp
    delivered_at: Timestamp | None


class AttemptOut(BaseModel):
    """One try of a delivery: the HTTP status (null: no response) and how long it took."""

    model_config = _examples(
        {"at": "2026-12-07T09:15:00Z", "status": 500, "response_ms": 12.5, "error": "HTTP 500"}
    )
    at: Timestamp
    status: int | None
    response_ms: float | None
    error: str | None
