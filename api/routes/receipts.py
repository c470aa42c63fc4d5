"""Answer receipts for the hand-over (operator key): exactly what a customer was served.

A receipt keeps references (release, unit, revision, channel), never a copy: releases never
change, so the content is rendered again from the receipt's own release and is what the
customer saw or heard, however many releases came since. Each read first writes the events
this process has queued, so a receipt just issued is found.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from starlette.concurrency import run_in_threadpool

from api.auth import key_responses, require
from api.caching import rendered
from api.deps import KBDep
from api.events import CONVERSATION_CHARS, CONVERSATION_PATTERN
from api.schemas import ProblemOut
from api.schemas.events import ConversationOut, ReceiptOut
from kb.errors import NotFound
from kb.events.feedback import RECEIPT_PATTERN
from kb.events.store import conversation_events, event_by_receipt
from kb.knowledge_base import KnowledgeBase
from kb.store.keys import Caller, Role
from kb.store.models import DeliveryEvent
from kb.store.snapshot import Snapshot
from renderers import registry
from renderers.bidi import without_bidi_controls

Operator = Annotated[Caller, Depends(require(Role.OPERATOR))]
#: Receipts a conversation shows at most: its latest ones.
CONVERSATION_LIMIT = 500

router = APIRouter(
    prefix="/api/v1",
    tags=["hand-over"],
    responses={
        **key_responses("The key's role is below operator."),
        422: {"model": ProblemOut, "description": "The id is malformed."},
    },
)

ReceiptId = Annotated[
    str,
    Path(
        pattern=RECEIPT_PATTERN,
        description="The `X-KB-Receipt` of a delivery response: 32 lowercase hex digits.",
        openapi_examples={"receipt": {"value": "6f1c2a9e4b7d40c1a3e5f7091b2d4c6e"}},
    ),
]
ConversationId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=CONVERSATION_CHARS,
        pattern=CONVERSATION_PATTERN,
        description="The `conversation` the delivery requests named.",
        openapi_examples={"chatwoot": {"value": "chatwoot:4711"}},
    ),
]


@router.get(
    "/receipts/{receipt}",
    operation_id="getReceipt",
    response_model=ReceiptOut,
    responses={404: {"model": ProblemOut, "description": "No response has this receipt."}},
)
async def get_receipt(receipt: ReceiptId, kb: KBDep, _caller: Operator, request: Request) -> Any:
    """What one response served, rendered as its channel showed it from its own release."""

    def load() -> tuple[DeliveryEvent | None, dict[int, Snapshot]]:
        kb.events.flush()
        event = event_by_receipt(kb.db, receipt)
        return event, _snapshots(kb, [event] if event else [])

    event, snapshots = await run_in_threadpool(load)
    if event is None:
        raise NotFound(f"no response with receipt '{receipt}' (or it was purged)")
    return receipt_body(request, event, snapshots, kb.services().snapshot)


@router.get(
    "/conversations/{conversation}", operation_id="getConversation", response_model=ConversationOut
)
async def get_conversation(
    conversation: ConversationId, kb: KBDep, _caller: Operator, request: Request
) -> Any:
    """What a conversation was served, oldest first: what the customer was told so far."""

    def load() -> tuple[list[DeliveryEvent], dict[int, Snapshot]]:
        kb.events.flush()
        events = conversation_events(kb.db, conversation)[-CONVERSATION_LIMIT:]
        return events, _snapshots(kb, events)

    events, snapshots = await run_in_threadpool(load)
    current = kb.services().snapshot
    return {
        "conversation": conversation,
        "receipts": [receipt_body(request, e, snapshots, current) for e in events],
    }


def _snapshots(kb: KnowledgeBase, events: list[DeliveryEvent]) -> dict[int, Snapshot]:
    """The releases that served `events`, by number (read from the database if not kept)."""
    return {number: kb.snapshot(number) for number in {e.release for e in events if e.unit_id}}


def receipt_body(
    request: Request, event: DeliveryEvent, snapshots: Mapping[int, Snapshot], current: Snapshot
) -> dict[str, Any]:
    """ReceiptOut of `event`: its unit rendered from its own release; what the current serves."""
    unit = title = rendering = current_revision = None
    if event.unit_id is not None:
        unit = snapshots[event.release].units.get((event.unit_id, event.locale))
        now = current.units.get((event.unit_id, event.locale))
        current_revision = now.revision if now is not None else None
    if unit is not None:
        title = without_bidi_controls(unit.document.title)
        if event.channel in registry.names():  # a channel plug-in removed since: no content
            rendering = rendered(
                request, snapshots[event.release], unit, registry.get(event.channel)
            )
    return {
        "receipt": event.receipt,
        "at": event.at,
        "kind": event.kind,
        "channel": event.channel,
        "locale": event.locale,
        "kb_version": event.release,
        "unit_id": event.unit_id,
        "title": title,
        "revision": event.revision,
        "status": event.status,
        "confidence": event.confidence,
        "hits": event.hits,
        "units": event.units,
        "conversation": event.conversation,
        "via": event.via,
        "question": event.question,
        "content": rendering.body if rendering is not None else None,
        "media_type": rendering.media_type if rendering is not None else None,
        "current_revision": current_revision,
        "changed_since": current_revision != event.revision,
    }
