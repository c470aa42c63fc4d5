"""Feedback over HTTP: customers vote on a response, operators flag a unit, editors read it.

The rules live in `kb.events.feedback`; this router translates HTTP: a small body (4 KiB), a
rate limit per client (its key, else its address), and who may flag and list.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.routing import APIRoute
from pydantic import BeforeValidator
from starlette.concurrency import run_in_threadpool

from api.auth import CallerDep, Editor, key_responses
from api.deps import KBDep
from api.openapi import KEY_OPTIONAL
from api.rate_limit import RateLimiter
from api.schemas import ProblemOut
from api.schemas.events import FeedbackIn, FeedbackListOut, FeedbackOut
from kb.events.feedback import (
    LIST_LIMIT,
    UNIT_ID_CHARS,
    FeedbackNote,
    give_feedback,
    list_feedback,
)
from kb.knowledge_base import KnowledgeBase
from kb.store.keys import Caller, Role
from kb.store.models import Feedback

#: A vote with a 1000-character comment fits several times over.
MAX_FEEDBACK_BYTES = 4096


class _SmallBody(Request):
    """A request whose body is refused (413) beyond MAX_FEEDBACK_BYTES, even sent chunked."""

    async def body(self) -> bytes:
        if not hasattr(self, "_body"):
            declared = self.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_FEEDBACK_BYTES:
                raise _too_large()
            chunks, size = [], 0
            async for chunk in self.stream():
                size += len(chunk)
                if size > MAX_FEEDBACK_BYTES:
                    raise _too_large()
                chunks.append(chunk)
            self._body = b"".join(chunks)
        return self._body


def _too_large() -> HTTPException:
    return HTTPException(413, f"request body over {MAX_FEEDBACK_BYTES} bytes")


class _SmallBodyRoute(APIRoute):
    """Routes that read their body through `_SmallBody` (the app-wide limit is 1 MiB)."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handle = super().get_route_handler()

        async def limited(request: Request) -> Response:
            return await handle(_SmallBody(request.scope, request.receive))

        return limited


router = APIRouter(
    prefix="/api/v1/feedback",
    tags=["feedback"],
    route_class=_SmallBodyRoute,
    responses={**key_responses("A flag needs an operator key; the list an editor key.")},
)


def limiter(request: Request) -> RateLimiter:
    """This process's feedback limiter, made on first use at KB_FEEDBACK_PER_MINUTE."""
    made = getattr(request.app.state, "feedback_limiter", None)
    if made is None:
        per_minute = request.app.state.kb.settings.feedback_per_minute
        made = request.app.state.feedback_limiter = RateLimiter(per_minute)
    return made  # type: ignore[no-any-return]


async def within_rate(request: Request, caller: CallerDep) -> Caller:
    """The caller, if their client has posts left this minute; 429 with Retry-After if not."""
    client = caller.key_id or (request.client.host if request.client else "unknown")
    rates = limiter(request)
    wait = rates.take(f"key:{client}" if caller.key_id else f"address:{client}")
    if wait:
        raise HTTPException(
            429,
            f"too many feedback posts from this client; at most {int(rates.capacity)} a minute",
            headers={"Retry-After": rates.retry_after(wait)},
        )
    return caller


def _may_flag(caller: Caller) -> None:
    if caller.role < Role.OPERATOR:
        if caller.key_id is None:
            raise HTTPException(401, "a flag needs an operator key", {"WWW-Authenticate": "Bearer"})
        raise HTTPException(403, "a flag needs a key with the operator role")


def _published_unit(kb: KnowledgeBase, staff: bool) -> Callable[[str], bool]:
    """Whether the current release has a unit by this id that the caller may judge (customers
    only public ones: feedback must not tell them which internal units exist)."""
    snap = kb.services().snapshot

    def exists(unit_id: str) -> bool:
        return any(
            unit.document.id == unit_id and (staff or unit.document.audience == "public")
            for unit in snap.units.values()
        )

    return exists


_RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)")


def _rfc3339(value: object) -> object:
    """Only an RFC 3339 date-time, as documented (pydantic alone takes numbers as Unix time)."""
    if isinstance(value, str) and not _RFC3339.fullmatch(value):
        raise ValueError("an RFC 3339 date-time, e.g. 2026-12-01T00:00:00Z")
    return value


def _out(row: Feedback) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "receipt": row.receipt,
        "unit_id": row.unit_id,
        "helpful": row.helpful,
        "reason": row.reason,
        "at": row.at,
        "comment": row.comment,
        "channel": row.channel,
        "actor": row.actor,
    }


@router.post(
    "",
    operation_id="postFeedback",
    response_model=FeedbackOut,
    status_code=201,
    responses={
        404: {"model": ProblemOut, "description": "No published unit has the `unit_id` given."},
        413: {"model": ProblemOut, "description": f"The body is over {MAX_FEEDBACK_BYTES} bytes."},
        422: {"model": ProblemOut, "description": "A field is missing or invalid, by name."},
        429: {
            "model": ProblemOut,
            "description": "Too many posts from this client (KB_FEEDBACK_PER_MINUTE); "
            "`Retry-After` says when to try again.",
        },
    },
    openapi_extra=KEY_OPTIONAL,
)
async def post_feedback(
    body: FeedbackIn, kb: KBDep, caller: Annotated[Caller, Depends(within_rate)]
) -> Any:
    """Was this helpful? A vote on a response (its receipt) or a unit; or, with an operator key,
    a flag that tells the unit's owner it is wrong or outdated."""
    if body.flag:
        _may_flag(caller)
    note = FeedbackNote(**body.model_dump())
    exists = _published_unit(kb, caller.staff) if body.unit_id is not None else None
    actor = caller.name if caller.key_id is not None else None

    def store() -> Feedback:
        kb.events.flush()  # a receipt this process just issued is then readable
        return give_feedback(kb.db, note, actor=actor, unit_exists=exists)

    return _out(await run_in_threadpool(store))


@router.get("", operation_id="listFeedback", response_model=FeedbackListOut)
def get_feedback(
    kb: KBDep,
    _caller: Editor,
    unit_id: Annotated[str | None, Query(min_length=1, max_length=UNIT_ID_CHARS)] = None,
    kind: Literal["vote", "flag"] | None = None,
    since: Annotated[
        datetime | None,
        BeforeValidator(_rfc3339),
        Query(description="Only feedback from this moment on (RFC 3339: 2026-12-01T00:00:00Z)."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=LIST_LIMIT)] = 100,
) -> Any:
    """Feedback newest first, e.g. a unit's flags with their comments for its owner."""
    rows = list_feedback(kb.db, unit_id=unit_id, kind=kind, since=since, limit=limit)
    return {"items": [_out(row) for row in rows]}
