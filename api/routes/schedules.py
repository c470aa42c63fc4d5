"""Scheduled releases over HTTP: schedule one and cancel it (publisher), list them (editor).
The scheduler in every `kb serve` publishes each once when it is due (kb.scheduling)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from api.auth import Editor, Publisher, key_responses
from api.deps import KBDep
from api.schemas import ProblemOut
from api.schemas.schedules import ScheduleIn, ScheduleOut, ScheduleState
from kb.scheduling.schedules import (
    cancel_release,
    parse_at,
    schedule_release,
    scheduled,
    scheduled_releases,
)
from kb.scheduling.store import Schedule

router = APIRouter(
    prefix="/api/v1/schedules",
    tags=["publishing"],
    responses={**key_responses("Editors list schedules; publishers make and cancel them.")},
)

ScheduleId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The schedule's id.")]
_NOT_FOUND = {404: {"model": ProblemOut, "description": "No such scheduled release."}}


def _body(schedule: Schedule) -> dict[str, Any]:
    return {
        "id": schedule.id,
        "at": schedule.at,
        "message": schedule.note,
        "author": schedule.author,
        "created_at": schedule.created_at,
        "state": schedule.state,
        "kb_version": schedule.release_number,
        "detail": schedule.detail,
        "cancelled_by": schedule.cancelled_by,
        "finished_at": schedule.finished_at,
    }


@router.get("", operation_id="listSchedules", response_model=list[ScheduleOut])
def list_schedules(
    kb: KBDep,
    _caller: Editor,
    state: Annotated[ScheduleState | None, Query(description="Only those in this state.")] = None,
) -> Any:
    """Scheduled releases: the pending ones first, the next due first, then the rest."""
    return [_body(s) for s in scheduled_releases(kb, (state,) if state else ())]


@router.post(
    "",
    operation_id="createSchedule",
    response_model=ScheduleOut,
    status_code=201,
    responses={
        422: {"model": ProblemOut, "description": "A malformed or past time: `at` is named."}
    },
)
def create_schedule(body: ScheduleIn, kb: KBDep, caller: Publisher, response: Response) -> Any:
    """Schedule a release of the drafts (their approved state, under a review policy) at `at`:
    the first server to tick after it publishes it, once, as `POST /api/v1/releases` would."""
    schedule = schedule_release(kb, at=parse_at(body.at), note=body.message, author=caller.name)
    response.headers["Location"] = f"/api/v1/schedules/{schedule.id}"
    return _body(schedule)


@router.get(
    "/{schedule_id}", operation_id="getSchedule", response_model=ScheduleOut, responses=_NOT_FOUND
)
def read_schedule(schedule_id: ScheduleId, kb: KBDep, _caller: Editor) -> Any:
    """One scheduled release."""
    return _body(scheduled(kb, schedule_id))


@router.post(
    "/{schedule_id}/cancel",
    operation_id="cancelSchedule",
    response_model=ScheduleOut,
    responses={
        **_NOT_FOUND,
        409: {"model": ProblemOut, "description": "It is no longer pending: it ran or ended."},
    },
)
def cancel_schedule(schedule_id: ScheduleId, kb: KBDep, caller: Publisher) -> Any:
    """Cancel a pending scheduled release: it is never published."""
    return _body(cancel_release(kb, schedule_id, actor=caller.name))
