"""Insights for editors (editor key): the period's figures, its content gaps, and adding a gap's
questions to a unit as a draft revision."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError

from api.auth import Editor, key_responses
from api.deps import KBDep
from api.schemas import ProblemOut
from api.schemas.insights import GapQuestionsIn, GapQuestionsOut, GapsOut, InsightsOut
from kb.errors import InvalidContent
from kb.insights import Period, add_gap_questions, content_gaps, insights_report, parse_age
from kb.insights.period import AGE_PATTERN
from renderers import registry

router = APIRouter(
    prefix="/api/v1/insights",
    tags=["insights"],
    responses={
        **key_responses("The key's role is below editor."),
        422: {"model": ProblemOut, "description": "A parameter is not valid; it is named."},
    },
)

Since = Annotated[
    str,
    Query(
        max_length=5,
        description="How far back from now: minutes, hours, days or weeks (30m, 24h, 7d, 2w).",
        openapi_examples={"a week": {"value": "7d"}},
        # Stated here, checked by the route: its message says what is accepted.
        json_schema_extra={"pattern": AGE_PATTERN},
    ),
]


def _registered_channels(schema: dict[str, Any]) -> None:
    """The channels as the document is made, plug-ins included (they register at run time)."""
    schema["enum"] = list(registry.names())


ChannelFilter = Annotated[
    str | None,
    Query(
        max_length=20,
        description="One channel (default: every one).",
        json_schema_extra=_registered_channels,
    ),
]
LocaleFilter = Annotated[
    str | None,
    Query(
        max_length=35,
        pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$",
        description="One locale (default: every one).",
    ),
]


def _invalid(name: str, message: str) -> RequestValidationError:
    """A 422 naming query parameter `name`, as FastAPI's own validation says it."""
    error = {"type": "value_error", "loc": ("query", name), "msg": message, "input": None}
    return RequestValidationError([error])


def _period(since: str, channel: str | None) -> Period:
    """The period from `since` ago until now, the channel checked: a bad value is a 422 naming
    its parameter."""
    if channel is not None and channel not in registry.names():
        known = ", ".join(registry.names())
        raise _invalid("channel", f"unknown channel '{channel}'; known: {known}")
    try:
        age = parse_age(since, "since")
    except InvalidContent as exc:
        raise _invalid("since", exc.problems[0].message) from None
    now = datetime.now(UTC)
    return Period(now - age, now)


@router.get("", operation_id="getInsights", response_model=InsightsOut)
def insights(
    kb: KBDep,
    _caller: Editor,
    since: Since = "7d",
    channel: ChannelFilter = None,
    locale: LocaleFilter = None,
) -> Any:
    """Questions by channel and locale with the self-service rate (answered / questions), the
    rate day by day per channel, top units with their votes, searches with no hits and flagged
    units, counted in the database over the period's events and feedback."""
    span = _period(since, channel)
    kb.events.flush()  # what this process served until now is counted too
    return insights_report(kb, span, channel=channel, locale=locale).to_json()


@router.get("/gaps", operation_id="getGaps", response_model=GapsOut)
def gaps(
    kb: KBDep,
    _caller: Editor,
    since: Since = "7d",
    channel: ChannelFilter = None,
    locale: LocaleFilter = None,
) -> Any:
    """The period's unanswered and clarified questions and empty searches, grouped per locale
    into clusters of one need, each with the nearest published unit and its score."""
    span = _period(since, channel)
    kb.events.flush()  # what this process served until now is counted too
    return content_gaps(kb, span, channel=channel, locale=locale).to_json()


@router.post(
    "/gaps/questions",
    operation_id="addGapQuestions",
    response_model=GapQuestionsOut,
    responses={
        404: {"model": ProblemOut, "description": "No such unit in that locale."},
        409: {"model": ProblemOut, "description": "The unit was saved meanwhile; retry."},
    },
)
def add_questions(body: GapQuestionsIn, kb: KBDep, caller: Editor) -> Any:
    """Add the questions the unit lacks (case aside) to its example questions as a new draft
    revision, published with the next release like any other change."""
    fix = add_gap_questions(
        kb,
        unit_id=body.unit_id,
        locale=body.locale,
        questions=body.questions,
        author=caller.name,
        message=body.message,
    )
    return {
        "unit_id": fix.unit_id,
        "locale": fix.locale,
        "revision": fix.revision,
        "added": list(fix.added),
    }
