"""The audit log over HTTP (admin key): every write, newest first, filtered and paged."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError

from api.auth import Admin, key_responses
from api.deps import KBDep
from api.schemas import ProblemOut
from api.schemas.audit import AuditPageOut
from kb.errors import InvalidContent
from kb.insights.period import AGE_PATTERN, parse_moment
from kb.store.audit import MAX_PAGE, AuditEntry, AuditFilter, audit_entries

router = APIRouter(
    prefix="/api/v1/audit",
    tags=["access"],
    responses={
        **key_responses("Only admin keys read the audit log."),
        422: {"model": ProblemOut, "description": "A parameter is not valid; it is named."},
    },
)

Since = Annotated[
    str | None,
    Query(
        max_length=40,
        description="Only entries from this moment on: an age (30m, 24h, 7d, 2w) or an ISO 8601 "
        "date or time (2026-12-01, 2026-12-01T09:00:00Z; UTC unless it says otherwise).",
        openapi_examples={"a week": {"value": "7d"}, "a day": {"value": "2026-12-01"}},
        # Stated here, checked by the route: its message says what is accepted.
        json_schema_extra={
            "anyOf": [
                {"type": "string", "pattern": AGE_PATTERN},
                {"type": "string", "format": "date"},
                {"type": "string", "format": "date-time"},
            ]
        },
    ),
]


def _since(text: str | None) -> datetime | None:
    """`since` as a moment, or a 422 naming it that says what it takes."""
    if text is None:
        return None
    try:
        return parse_moment(text, "since", datetime.now(UTC))
    except InvalidContent as exc:
        message = exc.problems[0].message
    except OverflowError:  # year 1 an hour east of UTC: no moment in UTC
        message = f"'{text}' is out of range"
    error = {"type": "value_error", "loc": ("query", "since"), "input": text}
    raise RequestValidationError([{**error, "msg": message}])


def _out(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at,
        "actor": entry.actor,
        "action": entry.action,
        "object_kind": entry.object_kind,
        "object_id": entry.object_id,
        "locale": entry.locale,
        "detail": entry.detail,
    }


@router.get("", operation_id="listAuditEntries", response_model=AuditPageOut)
def list_audit(
    kb: KBDep,
    _caller: Admin,
    since: Since = None,
    actor: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    action: Annotated[
        str | None, Query(min_length=1, max_length=60, examples=["release.published"])
    ] = None,
    object_kind: Annotated[
        str | None, Query(min_length=1, max_length=30, examples=["unit"])
    ] = None,
    object_id: Annotated[
        str | None,
        Query(min_length=1, max_length=300, description="e.g. a unit's id: its whole history."),
    ] = None,
    before: Annotated[
        int | None, Query(ge=1, le=2**63 - 1, description="A `next_before` cursor.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> Any:
    """Who wrote what and when (saves, imports, publishes, rollbacks, keys...), newest first,
    a page at a time: pass the page's `next_before` as `before` for the older ones."""
    wanted = AuditFilter(
        since=_since(since),
        actor=actor,
        action=action,
        object_kind=object_kind,
        object_id=object_id,
        before=before,
        limit=limit + 1,
    )
    rows = audit_entries(kb.db, wanted)
    page = rows[:limit]
    more = len(rows) > limit
    return {"items": [_out(r) for r in page], "next_before": page[-1].id if more else None}
