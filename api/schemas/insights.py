"""Insights bodies: the period's report, its gaps, and adding a gap's questions to a unit."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from api.schemas.common import Timestamp, _Body, _examples
from api.schemas.consistency import Locale, UnitId

__all__ = [
    "ChannelLocaleOut",
    "ChannelSeriesOut",
    "DayRateOut",
    "EmptySearchOut",
    "FlaggedUnitOut",
    "GapClusterOut",
    "GapQuestionsIn",
    "GapQuestionsOut",
    "GapsOut",
    "InsightsOut",
    "NearestOut",
    "TopUnitOut",
]

_Rate = Annotated[float | None, Field(ge=0, le=1)]


class _Period(BaseModel):
    since: Timestamp = Field(description="The period's start (included).")
    until: Timestamp = Field(description="Its end (excluded).")
    channel: str | None = Field(description="The channel asked for, or null: every one.")
    locale: str | None = Field(description="The locale asked for, or null: every one.")


class ChannelLocaleOut(BaseModel):
    """One channel and locale's questions (answer events) by outcome, and its searches."""

    channel: str = Field(description="The channel, or `*` in the totals.")
    locale: str = Field(description="The locale, or `*` in the totals.")
    questions: int
    answered: int
    clarify: int
    no_answer: int
    searches: int
    empty_searches: int = Field(description="Searches that found nothing.")
    self_service_rate: _Rate = Field(description="answered / questions; null without questions.")


class DayRateOut(BaseModel):
    """One UTC day of a channel."""

    day: str = Field(description="The UTC day, YYYY-MM-DD.")
    questions: int
    answered: int
    self_service_rate: _Rate


class ChannelSeriesOut(BaseModel):
    """A channel's self-service rate, every day of the period."""

    channel: str
    days: list[DayRateOut]


class TopUnitOut(BaseModel):
    """A unit by how often it was served (answers and views), with the period's votes."""

    unit_id: str
    title: str | None = Field(description="Its title in the current release; null if gone.")
    served: int
    helpful: int
    not_helpful: int
    helpful_ratio: _Rate = Field(description="helpful / votes; null without votes.")


class EmptySearchOut(BaseModel):
    """A search (redacted text, case aside) that found nothing."""

    question: str
    count: int


class FlaggedUnitOut(BaseModel):
    """A unit staff flagged in the period, with the newest flag's reason and comment."""

    unit_id: str
    title: str | None
    flags: int
    last_at: Timestamp
    last_reason: str | None
    last_comment: str | None = Field(description="Redacted like questions.")


class InsightsOut(_Period):
    """The period's figures; every count is of delivery events or feedback in the period."""

    model_config = _examples(
        {
            "since": "2026-11-30T09:00:00Z",
            "until": "2026-12-07T09:00:00Z",
            "channel": None,
            "locale": None,
            "totals": {
                "channel": "*",
                "locale": "*",
                "questions": 120,
                "answered": 90,
                "clarify": 12,
                "no_answer": 18,
                "searches": 40,
                "empty_searches": 6,
                "self_service_rate": 0.75,
            },
            "channels": [],
            "series": [],
            "top_units": [],
            "empty_searches": [{"question": "trade in", "count": 4}],
            "flagged_units": [],
        }
    )
    totals: ChannelLocaleOut
    channels: list[ChannelLocaleOut]
    series: list[ChannelSeriesOut]
    top_units: list[TopUnitOut]
    empty_searches: list[EmptySearchOut]
    flagged_units: list[FlaggedUnitOut]


class NearestOut(BaseModel):
    """The published unit the matcher ranks first for the cluster's central question."""

    unit_id: str
    title: str
    score: float = Field(description="The matcher's confidence, 0 to 1.")


class GapClusterOut(BaseModel):
    """Unanswered questions and empty searches of one need."""

    id: str = Field(description="Stable while the cluster's central question stays the same.")
    locale: str
    size: int = Field(description="Events in the cluster.")
    examples: list[str] = Field(max_length=5, description="Its most central questions.")
    questions: list[str] = Field(max_length=50, description="Distinct questions, most asked first.")
    nearest: NearestOut | None


class GapsOut(_Period):
    """The period's content gaps, largest first."""

    model_config = _examples(
        {
            "since": "2026-11-30T09:00:00Z",
            "until": "2026-12-07T09:00:00Z",
            "channel": None,
            "locale": None,
            "representation": "use-multilingual",
            "clusters": [
                {
                    "id": "c-3f2a9b1c",
                    "locale": "en",
                    "size": 14,
                    "examples": ["can I trade in my old phone", "trade-in for my old phone"],
                    "questions": [
                        "can I trade in my old phone",
                        "trade-in for my old phone",
                        "do you buy back used phones",
                    ],
                    "nearest": {
                        "unit_id": "unlock-phone",
                        "title": "Unlock your phone",
                        "score": 0.31,
                    },
                }
            ],
        }
    )

    representation: str = Field(
        description="What grouped them: the matchers' sentence encoder, or `lexical`."
    )
    clusters: list[GapClusterOut]


_Question = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class GapQuestionsIn(_Body):
    """Questions to add to a unit's example questions (a new draft revision)."""

    model_config = _examples(
        {
            "unit_id": "unlock-phone",
            "locale": "en",
            "questions": ["can I trade in my old phone", "trade-in for my old phone"],
        }
    )
    unit_id: UnitId
    locale: Locale
    questions: list[_Question] = Field(min_length=1, max_length=200)
    message: str = Field("", max_length=2000, description="Why: kept in the unit's history.")


class GapQuestionsOut(BaseModel):
    """The unit's new draft revision (its old one when nothing was new) and what it gained."""

    model_config = _examples(
        {
            "unit_id": "unlock-phone",
            "locale": "en",
            "revision": 4,
            "added": ["can I trade in my old phone", "trade-in for my old phone"],
        }
    )

    unit_id: str
    locale: str
    revision: int
    added: list[str] = Field(description="The questions the unit lacked (case aside), in order.")
