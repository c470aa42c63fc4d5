"""What editors learn from the delivery events and feedback of a period, counted by the database.

Every figure is a GROUP BY in SQL (SQLite and PostgreSQL alike), so a period of millions of
events costs a few scans of the time index, never their rows in Python.

Definitions:
- questions: answer events (each `GET /api/v1/answer`, cached ones and 304s included);
- answered / clarify / no_answer: those events by the status the matcher gave;
- self-service rate: answered / questions (a clarification or a refusal is not self-service);
  None when there were no questions;
- served (top units): events that served a unit (an answer with a unit, a unit view);
- helpful ratio: helpful votes / (helpful + not helpful votes) on the unit in the period, the unit
  taken from the vote or from the event its receipt names; None without votes;
- searches with no hits: search events with zero hits, by their redacted text (case aside).

The channel filter applies to events and to feedback (its own channel, else its receipt's); the
locale filter to events and to feedback through its receipt (a vote without one has no locale).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, String, and_, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from kb.insights.period import Period, event_filter
from kb.store.models import DeliveryEvent, Feedback

if TYPE_CHECKING:
    from sqlalchemy.sql.compiler import SQLCompiler

    from kb.knowledge_base import KnowledgeBase

__all__ = [
    "ChannelLocale",
    "ChannelSeries",
    "DayRate",
    "EmptySearch",
    "FlaggedUnit",
    "InsightsReport",
    "TopUnit",
    "insights_report",
    "rate",
]

_E = DeliveryEvent.__table__.c  # type: ignore[attr-defined]
_F = Feedback.__table__.c  # type: ignore[attr-defined]
#: Rows each list of the report holds at most (top units, empty searches, flagged units).
LIMIT = 20


def rate(part: int, whole: int) -> float | None:
    """`part / whole` rounded to 4 places, or None when there is nothing to divide."""
    return round(part / whole, 4) if whole else None


def _utc(moment: datetime) -> datetime:
    """SQLite gives back our UTC times without their offset."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class UtcDay(FunctionElement[str]):
    """The UTC calendar day of a timestamp column as `YYYY-MM-DD` text, in either database."""

    type = String()
    inherit_cache = True


@compiles(UtcDay)
def _utc_day_sqlite(element: UtcDay, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps SQLAlchemy's UTC text, `YYYY-MM-DD HH:MM:SS.ffffff`: the day is its start.
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 10)"


@compiles(UtcDay, "postgresql")
def _utc_day_postgresql(element: UtcDay, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"to_char(({column}) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


@dataclass(frozen=True)
class ChannelLocale:
    """One channel and locale's questions by outcome, and its searches."""

    channel: str
    locale: str
    questions: int
    answered: int
    clarify: int
    no_answer: int
    searches: int = 0
    empty_searches: int = 0

    @property
    def self_service_rate(self) -> float | None:
        """answered / questions (see the module's docstring)."""
        return rate(self.answered, self.questions)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "self_service_rate": self.self_service_rate}


@dataclass(frozen=True)
class DayRate:
    """One UTC day's questions and self-service rate in one channel."""

    day: date
    questions: int
    answered: int

    @property
    def self_service_rate(self) -> float | None:
        return rate(self.answered, self.questions)

    def to_json(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "questions": self.questions,
            "answered": self.answered,
            "self_service_rate": self.self_service_rate,
        }


@dataclass(frozen=True)
class ChannelSeries:
    """A channel's self-service rate day by day, every day of the period (0 questions: None)."""

    channel: str
    days: tuple[DayRate, ...]

    def to_json(self) -> dict[str, Any]:
        return {"channel": self.channel, "days": [d.to_json() for d in self.days]}


@dataclass(frozen=True)
class TopUnit:
    """A unit by how often it was served, with the votes on it."""

    unit_id: str
    title: str | None
    served: int
    helpful: int = 0
    not_helpful: int = 0

    @property
    def helpful_ratio(self) -> float | None:
        """helpful / votes, or None without votes."""
        return rate(self.helpful, self.helpful + self.not_helpful)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "helpful_ratio": self.helpful_ratio}


@dataclass(frozen=True)
class EmptySearch:
    """A search text (redacted) that found nothing, and how often it was searched."""

    question: str
    count: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FlaggedUnit:
    """A unit staff flagged in the period: how often, and the newest flag's reason and comment."""

    unit_id: str
    title: str | None
    flags: int
    last_at: datetime
    last_reason: str | None
    last_comment: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class InsightsReport:
    """The period's figures (see the module's docstring for what each counts)."""

    period: Period
    channel: str | None
    locale: str | None
    by_channel: tuple[ChannelLocale, ...] = ()
    series: tuple[ChannelSeries, ...] = ()
    top_units: tuple[TopUnit, ...] = ()
    empty_searches: tuple[EmptySearch, ...] = ()
    flagged: tuple[FlaggedUnit, ...] = ()
    totals: ChannelLocale = field(default_factory=lambda: ChannelLocale("*", "*", 0, 0, 0, 0))

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready values (times as datetimes: the caller's encoder writes them)."""
        return {
            "since": self.period.since,
            "until": self.period.until,
            "channel": self.channel,
            "locale": self.locale,
            "totals": self.totals.to_json(),
            "channels": [row.to_json() for row in self.by_channel],
            "series": [s.to_json() for s in self.series],
            "top_units": [u.to_json() for u in self.top_units],
            "empty_searches": [s.to_json() for s in self.empty_searches],
            "flagged_units": [f.to_json() for f in self.flagged],
        }


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


#: Per channel, locale and UTC day: (questions, answered, clarify, no_answer, searches, empty).
_Counts = dict[tuple[str, str, str], tuple[int, ...]]


def _counted(kb: KnowledgeBase, where: list[ColumnElement[bool]]) -> _Counts:
    """Answers by status and searches by hits, per channel, locale and UTC day: one scan of the
    period's answers and searches, which both the table and the daily series are sums of."""
    answer, search = _E.kind == "answer", _E.kind == "search"
    day = UtcDay(_E.at)
    query = (
        select(
            _E.channel,
            _E.locale,
            day,
            _count_if(answer),
            _count_if(and_(answer, _E.status == "answered")),
            _count_if(and_(answer, _E.status == "clarify")),
            _count_if(and_(answer, _E.status == "no_answer")),
            _count_if(search),
            _count_if(and_(search, _E.hits == 0)),
        )
        .where(*where, _E.kind.in_(("answer", "search")))
        .group_by(_E.channel, _E.locale, day)
    )
    with kb.db.read() as session:
        return {(c, loc, d): tuple(int(v) for v in n) for c, loc, d, *n in session.execute(query)}


def _by_channel(counts: _Counts) -> list[ChannelLocale]:
    """The counts per channel and locale, the days summed."""
    sums: dict[tuple[str, str], list[int]] = {}
    for (channel, locale, _day), values in counts.items():
        total = sums.setdefault((channel, locale), [0] * len(values))
        for i, value in enumerate(values):
            total[i] += value
    return [ChannelLocale(c, loc, *values) for (c, loc), values in sorted(sums.items())]


def _series(counts: _Counts, period: Period) -> list[ChannelSeries]:
    """Each channel's questions and answers per UTC day (locales summed), every day of the
    period filled in; channels without questions left out."""
    days: dict[str, dict[str, list[int]]] = {}
    for (channel, _locale, day), values in counts.items():
        if values[0]:
            pair = days.setdefault(channel, {}).setdefault(day, [0, 0])
            pair[0] += values[0]
            pair[1] += values[1]
    return [
        ChannelSeries(
            channel,
            tuple(DayRate(d, *counted.get(d.isoformat(), (0, 0))) for d in period.days),
        )
        for channel, counted in sorted(days.items())
    ]


#: The event a feedback row's receipt names (if any): its unit, channel and locale.
_SERVED = DeliveryEvent.__table__.alias("served")  # type: ignore[attr-defined]
_FEEDBACK = Feedback.__table__.outerjoin(_SERVED, _SERVED.c.receipt == _F.receipt)  # type: ignore[attr-defined]
#: The unit feedback is about: its own, else its receipt's.
_FEEDBACK_UNIT = func.coalesce(_F.unit_id, _SERVED.c.unit_id)


def _feedback_filter(
    period: Period, channel: str | None, locale: str | None
) -> list[ColumnElement[bool]]:
    """The period, channel and locale for feedback (see the module's docstring)."""
    found = [_F.at >= period.since, _F.at < period.until]
    if channel is not None:
        found.append(func.coalesce(_F.channel, _SERVED.c.channel) == channel)
    if locale is not None:
        found.append(_SERVED.c.locale == locale)
    return found


def _top_units(
    kb: KnowledgeBase,
    where: list[ColumnElement[bool]],
    feedback: list[ColumnElement[bool]],
    titles: dict[str, str],
    limit: int,
) -> list[TopUnit]:
    """The units served most, with the period's votes on each."""
    served = func.count().label("served")
    query = (
        select(_E.unit_id, served)
        .where(*where, _E.kind.in_(("answer", "unit")), _E.unit_id.is_not(None))
        .group_by(_E.unit_id)
        .order_by(served.desc(), _E.unit_id)
        .limit(limit)
    )
    with kb.db.read() as session:
        top = list(session.execute(query))
        unit = _FEEDBACK_UNIT
        votes = (
            select(unit, _count_if(_F.helpful.is_(True)), _count_if(_F.helpful.is_(False)))
            .select_from(_FEEDBACK)
            .where(*feedback, _F.kind == "vote", unit.in_([row[0] for row in top]))
            .group_by(unit)
        )
        voted = {row[0]: (row[1], row[2]) for row in session.execute(votes)} if top else {}
    return [
        TopUnit(unit_id, titles.get(unit_id), count, *voted.get(unit_id, (0, 0)))
        for unit_id, count in top
    ]


def _empty_searches(
    kb: KnowledgeBase, where: list[ColumnElement[bool]], limit: int
) -> list[EmptySearch]:
    """The texts searched most often without a hit (case aside), most frequent first."""
    text = func.lower(_E.question)
    count = func.count().label("n")
    query = (
        select(func.min(_E.question), count)
        .where(*where, _E.kind == "search", _E.hits == 0, _E.question.is_not(None))
        .group_by(text)
        .order_by(count.desc(), text)
        .limit(limit)
    )
    with kb.db.read() as session:
        return [EmptySearch(question, n) for question, n in session.execute(query)]


def _flagged(
    kb: KnowledgeBase, feedback: list[ColumnElement[bool]], titles: dict[str, str], limit: int
) -> list[FlaggedUnit]:
    """Units flagged in the period, most flags first, with their newest flag's words."""
    unit = _FEEDBACK_UNIT
    newest = (_F.at.desc(), _F.id.desc())
    ranked = (
        select(
            unit.label("unit_id"),
            func.count().over(partition_by=unit).label("flags"),
            func.row_number().over(partition_by=unit, order_by=newest).label("place"),
            _F.at,
            _F.reason,
            _F.comment,
        )
        .select_from(_FEEDBACK)
        .where(*feedback, _F.kind == "flag", unit.is_not(None))
        .subquery()
    )
    query = (
        select(ranked.c.unit_id, ranked.c.flags, ranked.c.at, ranked.c.reason, ranked.c.comment)
        .where(ranked.c.place == 1)
        .order_by(ranked.c.flags.desc(), ranked.c.at.desc(), ranked.c.unit_id)
        .limit(limit)
    )
    with kb.db.read() as session:
        rows = list(session.execute(query))
    return [
        FlaggedUnit(unit_id, titles.get(unit_id), flags, _utc(at), reason, comment)
        for unit_id, flags, at, reason, comment in rows
    ]


def _titles(kb: KnowledgeBase, locale: str | None) -> dict[str, str]:
    """Unit id -> title in the current release: in `locale` (else the default) if it has one."""
    if kb.current_release() is None:
        return {}
    preferred = locale or kb.settings.default_locale
    titles: dict[str, str] = {}
    for (unit_id, unit_locale), unit in sorted(kb.snapshot().units.items()):
        if unit_locale == preferred or unit_id not in titles:
            titles[unit_id] = unit.document.title
    return titles


def _totals(rows: Iterable[ChannelLocale]) -> ChannelLocale:
    """Every channel and locale summed."""
    rows = list(rows)
    columns = ("questions", "answered", "clarify", "no_answer", "searches", "empty_searches")
    return ChannelLocale("*", "*", *(sum(getattr(r, c) for r in rows) for c in columns))


def insights_report(
    kb: KnowledgeBase,
    period: Period,
    *,
    channel: str | None = None,
    locale: str | None = None,
    limit: int = LIMIT,
) -> InsightsReport:
    """The period's figures for `channel` and `locale` (default: every one)."""
    where = event_filter(period, channel, locale)
    feedback = _feedback_filter(period, channel, locale)
    titles = _titles(kb, locale)
    counts = _counted(kb, where)
    rows: Sequence[ChannelLocale] = _by_channel(counts)
    return InsightsReport(
        period=period,
        channel=channel,
        locale=locale,
        by_channel=tuple(rows),
        series=tuple(_series(counts, period)),
        top_units=tuple(_top_units(kb, where, feedback, titles, limit)),
        empty_searches=tuple(_empty_searches(kb, where, limit)),
        flagged=tuple(_flagged(kb, feedback, titles, limit)),
        totals=_totals(rows),
    )
