"""Webhook endpoints over HTTP (admin key): register one (its secret shown once), list them,
switch one off, remove it, list its deliveries and their attempts, and redeliver one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from api.auth import Admin, key_responses
from api.deps import KBDep
from api.schemas import ProblemOut
from api.schemas.webhooks import (
    AttemptOut,
    DeliveryOut,
    NewWebhookOut,
    WebhookIn,
    WebhookOut,
    WebhookUpdate,
)
from kb.store.webhook_models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from kb.webhooks import endpoints as hooks

router = APIRouter(
    prefix="/api/v1/webhooks",
    tags=["access"],
    responses={**key_responses("Only admin keys manage webhooks.")},
)

EndpointId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The endpoint's id.")]
DeliveryId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The delivery's id.")]
_NOT_FOUND = {404: {"model": ProblemOut, "description": "No such endpoint or delivery."}}


def _endpoint(row: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": row.id,
        "url": row.url,
        "events": row.event_types,
        "enabled": row.enabled,
        "description": row.description,
        "author": row.author,
        "created_at": row.created_at,
    }


def _delivery(row: WebhookDelivery, event_type: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "endpoint_id": row.endpoint_id,
        "event_id": row.event_id,
        "event_type": event_type,
        "status": row.status,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at,
        "last_status": row.last_status,
        "last_response_ms": row.last_response_ms,
        "last_error": row.last_error,
        "created_at": row.created_at,
        "delivered_at": row.delivered_at,
    }


def _attempt(row: WebhookAttempt) -> dict[str, Any]:
    return {"at": row.at, "status": row.status, "response_ms": row.response_ms, "error": row.error}


@router.get("", operation_id="listWebhooks", response_model=list[WebhookOut])
def list_webhooks(kb: KBDep, _caller: Admin) -> Any:
    """Every registered endpoint, oldest first; never a secret."""
    return [_endpoint(row) for row in hooks.endpoints(kb.db)]


@router.post(
    "",
    operation_id="createWebhook",
    response_model=NewWebhookOut,
    status_code=201,
    responses={422: {"model": ProblemOut, "description": "A bad URL or event; it is named."}},
)
def create_webhook(body: WebhookIn, kb: KBDep, caller: Admin) -> Any:
    """Register an endpoint for some events; its signing secret is in this response only.
    Deliveries follow Standard Webhooks (`webhook-id`, `webhook-timestamp`,
    `webhook-signature`), sent by a worker with retries."""
    new = hooks.create_endpoint(
        kb.db, body.url, body.events, author=caller.name, description=body.description
    )
    return {**_endpoint(new.endpoint), "secret": new.secret}


@router.patch(
    "/{endpoint_id}",
    operation_id="updateWebhook",
    response_model=WebhookOut,
    responses=_NOT_FOUND,
)
def update_webhook(endpoint_id: EndpointId, body: WebhookUpdate, kb: KBDep, caller: Admin) -> Any:
    """Switch an endpoint off (no new deliveries, pending ones wait) or on again."""
    return _endpoint(hooks.set_enabled(kb.db, endpoint_id, body.enabled, author=caller.name))


@router.delete(
    "/{endpoint_id}",
    operation_id="deleteWebhook",
    response_model=WebhookOut,
    responses=_NOT_FOUND,
)
def delete_webhook(endpoint_id: EndpointId, kb: KBDep, caller: Admin) -> Any:
    """Remove an endpoint with its deliveries; nothing more is sent to it."""
    return _endpoint(hooks.remove_endpoint(kb.db, endpoint_id, author=caller.name))


@router.get(
    "/{endpoint_id}/deliveries",
    operation_id="listWebhookDeliveries",
    response_model=list[DeliveryOut],
    responses=_NOT_FOUND,
)
def list_deliveries(
    endpoint_id: EndpointId,
    kb: KBDep,
    _caller: Admin,
    status: Annotated[str | None, Query(pattern="^(pending|delivered|failed)$")] = None,
    limit: Annotated[int, Query(ge=1, le=hooks.LIST_LIMIT)] = 100,
) -> Any:
    """An endpoint's deliveries, newest first, each with how its last attempt went."""
    rows = hooks.deliveries(kb.db, endpoint_id, status=status, limit=limit)
    types = hooks.event_types(kb.db, rows)
    return [_delivery(row, types.get(row.event_id, "")) for row in rows]


@router.get(
    "/{endpoint_id}/deliveries/{delivery_id}/attempts",
    operation_id="listWebhookAttempts",
    response_model=list[AttemptOut],
    responses=_NOT_FOUND,
)
def list_attempts(
    endpoint_id: EndpointId, delivery_id: DeliveryId, kb: KBDep, _caller: Admin
) -> Any:
    """Every attempt of one delivery, oldest first: status and response time."""
    return [_attempt(a) for a in hooks.attempts(kb.db, delivery_id, endpoint_id=endpoint_id)]


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/redeliver",
    operation_id="redeliverWebhook",
    response_model=DeliveryOut,
    status_code=202,
    responses=_NOT_FOUND,
)
def redeliver(endpoint_id: EndpointId, delivery_id: DeliveryId, kb: KBDep, caller: Admin) -> Any:
    """Send a delivery's event again (same `webhook-id`) as a new delivery, due now."""
    again = hooks.redeliver(kb.db, delivery_id, author=caller.name, endpoint_id=endpoint_id)
    types = hooks.event_types(kb.db, [again])
    return _delivery(again, types.get(again.event_id, ""))
