"""kb.insights.report: the figures match the events and feedback recorded, counted by the database
(SQLite and PostgreSQL), for the period, channel and locale asked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from importers import read_folder
from kb import KnowledgeBase
from kb.errors import InvalidContent
from kb.events.served import Served
from kb.events.store import write_events, write_feedback
from kb.insights import insights_report, period
from kb.settings import DEFAULT_CHANNELS
from kb.store.models import Feedback
from tests.conftest import SAMPLE_CONTENT


@pytest.fixture
def sample(kb: KnowledgeBase) -> KnowledgeBase:
    kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
    kb.publish(author="t")
    return kb


def _answer(
    kb: KnowledgeBase, channel: str, status: str, unit: str | None = None, locale: str = "en"
) -> str:
    served = Served(
        "answer", channel, locale, 1, unit_id=unit, revision=1 if unit else None, status=status
    )
    receipt = kb.events.record(served, question=f"{status} question", via="widget")
    assert receipt is not None
    return receipt


def _search(kb: KnowledgeBase, channel: str, text: str, hits: int, locale: str = "en") -> None:
    served = Served("search", channel, locale, 1, hits=hits, units=("top-up",) * min(hits, 1))
    kb.events.record(served, question=text)


def _vote(
    kb: KnowledgeBase,
    helpful: bool,
    *,
    receipt: str | None = None,
    unit: str | None = None,
    channel: str | None = None,
) -> None:
    row = Feedback(
        at=datetime.now(UTC),
        kind="vote",
        receipt=receipt,
        unit_id=unit,
        helpful=helpful,
        channel=channel,
    )
    write_feedback(kb.db, row)


def _flag(kb: KnowledgeBase, unit: str, reason: str, comment: str, at: datetime) -> None:
    row = Feedback(at=at, kind="flag", unit_id=unit, helpful=False, reason=reason, comment=comment)
    write_feedback(kb.db, row)


def _record_a_week(kb: KnowledgeBase) -> dict[str, str]:
    """A known mix of events and feedback; the receipts of two answers, by name."""
    receipts = {
        "top-up": _answer(kb, "chatbot", "answered", "top-up"),
        "roaming": _answer(kb, "web", "answered", "roaming-europe"),
    }
    _answer(kb, "chatbot", "answered", "top-up")
    _answer(kb, "chatbot", "clarify")
    _answer(kb, "chatbot", "no_answer")
    _answer(kb, "web", "no_answer")
    _answer(kb, "ivr", "answered", "top-up", locale="ru")
    kb.events.record(Served("unit", "web", "en", 1, "top-up", 1))
    kb.events.record(Served("unit", "web", "en", 1, "check-balance", 1))
    _search(kb, "web", "Trade in", 0)
    _search(kb, "web", "trade in", 0)
    _search(kb, "chatbot", "pet insurance", 0)
    _search(kb, "web", "roaming", 4)
    assert kb.events.flush() and kb.events.dropped == 0
    _vote(kb, True, receipt=receipts["top-up"])  # its unit through the receipt
    _vote(kb, False, receipt=receipts["top-up"])
    _vote(kb, True, unit="top-up", channel="web")  # no receipt: the unit named
    _vote(kb, False, receipt=receipts["roaming"])
    now = datetime.now(UTC)
    _flag(kb, "top-up", "outdated", "old price", now - timedelta(hours=2))
    _flag(kb, "top-up", "wrong", "the fee is 3 now", now - timedelta(hours=1))
    _flag(kb, "apn-settings", "unclear", "which APN?", now - timedelta(minutes=5))
    return receipts


def test_counts_and_rates_match_what_was_recorded(sample: KnowledgeBase) -> None:
    _record_a_week(sample)
    report = insights_report(sample, period("7d"))
    rows = {(r.channel, r.locale): r for r in report.by_channel}
    assert set(rows) == {("chatbot", "en"), ("web", "en"), ("ivr", "ru")}
    chatbot = rows["chatbot", "en"]
    assert (chatbot.questions, chatbot.answered, chatbot.clarify, chatbot.no_answer) == (4, 2, 1, 1)
    assert chatbot.self_service_rate == 0.5
    assert (chatbot.searches, chatbot.empty_searches) == (1, 1)
    web = rows["web", "en"]
    assert (web.questions, web.answered, web.no_answer, web.self_service_rate) == (2, 1, 1, 0.5)
    assert (web.searches, web.empty_searches) == (3, 2)
    assert rows["ivr", "ru"].self_service_rate == 1.0
    totals = report.totals
    assert (totals.questions, totals.answered, totals.self_service_rate) == (7, 4, round(4 / 7, 4))
    top = {u.unit_id: u for u in report.top_units}
    assert report.top_units[0].unit_id == "top-up"
    # Two chatbot answers, the IVR's and a view on the web.
    assert (top["top-up"].served, top["top-up"].helpful, top["top-up"].not_helpful) == (4, 2, 1)
    assert top["top-up"].helpful_ratio == round(2 / 3, 4)
    assert top["top-up"].title == "How do I top up my Pay As You Go phone?"
    assert (top["roaming-europe"].helpful, top["roaming-europe"].not_helpful) == (0, 1)
    assert top["roaming-europe"].helpful_ratio == 0.0
    assert top["check-balance"].helpful_ratio is None
    assert [(s.question.lower(), s.count) for s in report.empty_searches] == [
        ("trade in", 2),
        ("pet insurance", 1),
    ]
    flagged = {f.unit_id: f for f in report.flagged}
    assert [f.unit_id for f in report.flagged] == ["top-up", "apn-settings"]
    assert (flagged["top-up"].flags, flagged["top-up"].last_reason) == (2, "wrong")
    assert flagged["top-up"].last_comment == "the fee is 3 now"
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    assert abs(flagged["top-up"].last_at - hour_ago) < timedelta(minutes=5)
    assert flagged["apn-settings"].flags == 1


def test_the_daily_series_has_every_day_of_the_period_per_channel(sample: KnowledgeBase) -> None:
    _record_a_week(sample)
    old = datetime.now(UTC) - timedelta(days=3)
    rows = [
        {
            "receipt": f"{n:032x}",
            "at": old,
            "kind": "answer",
            "channel": "chatbot",
            "locale": "en",
            "release": 1,
            "status": "answered" if n < 3 else "no_answer",
            "latency_ms": 1.0,
            "cached": False,
        }
        for n in range(4)
    ]
    write_events(sample.db, rows)
    report = insights_report(sample, period("7d"))
    assert [s.channel for s in report.series] == ["chatbot", "ivr", "web"]
    chatbot = {d.day: d for d in report.series[0].days}
    assert len(chatbot) in (7, 8)  # the period's days, a partial one at each end
    today, then = datetime.now(UTC).date(), old.date()
    assert (chatbot[today].questions, chatbot[today].self_service_rate) == (4, 0.5)
    assert (chatbot[then].questions, chatbot[then].answered) == (4, 3)
    quiet = [d for day, d in chatbot.items() if day not in (today, then)]
    assert quiet and all(d.questions == 0 and d.self_service_rate is None for d in quiet)


def test_channel_and_locale_filter_events_and_votes(sample: KnowledgeBase) -> None:
    _record_a_week(sample)
    web = insights_report(sample, period("7d"), channel="web")
    assert [(r.channel, r.questions) for r in web.by_channel] == [("web", 2)]
    top = {u.unit_id: u for u in web.top_units}
    # On the web: a view of top-up and the vote that named the web; not the chatbot's votes.
    assert (top["top-up"].served, top["top-up"].helpful, top["top-up"].not_helpful) == (1, 1, 0)
    assert [s.question.lower() for s in web.empty_searches] == ["trade in"]
    russian = insights_report(sample, period("7d"), locale="ru")
    assert [(r.channel, r.locale, r.answered) for r in russian.by_channel] == [("ivr", "ru", 1)]
    assert [u.unit_id for u in russian.top_units] == ["top-up"]
    assert russian.top_units[0].helpful == 0  # every vote on top-up was on an English answer


def test_events_before_the_period_are_left_out(sample: KnowledgeBase) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=20)
    rows = [
        {
            "receipt": f"{n:032x}",
            "at": long_ago,
            "kind": "answer",
            "channel": "web",
            "locale": "en",
            "release": 1,
            "status": "answered",
            "unit_id": "top-up",
            "latency_ms": 1.0,
            "cached": False,
        }
        for n in range(3)
    ]
    write_events(sample.db, rows)
    _answer(sample, "web", "no_answer")
    assert sample.events.flush()
    week = insights_report(sample, period("7d"))
    month = insights_report(sample, period("30d"))
    assert (week.totals.questions, week.totals.answered, week.top_units) == (1, 0, ())
    assert (month.totals.questions, month.totals.answered) == (4, 3)
    assert [(u.unit_id, u.served) for u in month.top_units] == [("top-up", 3)]
    earlier = insights_report(sample, period("30d", "10d"))
    assert (earlier.totals.questions, len(earlier.series[0].days)) == (3, 21)


@pytest.mark.parametrize(
    ("since", "until", "field"),
    [
        ("7x", None, "since"),
        ("yesterday", None, "since"),
        ("7d", "soon", "until"),
        ("1d", "2d", "since"),
        ("99999999d", None, "since"),
    ],
)
def test_a_bad_period_names_its_parameter(since: str, until: str | None, field: str) -> None:
    with pytest.raises(InvalidContent) as caught:
        period(since, until)
    assert caught.value.problems[0].field == field


def test_ages_and_iso_moments_make_the_period() -> None:
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    assert period("24h", now=now).since == datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    assert period("2w", "30m", now=now).until == datetime(2026, 12, 7, 11, 30, tzinfo=UTC)
    span = period("2026-12-01", "2026-12-03T00:00:00+02:00", now=now)
    assert (span.since, span.until) == (
        datetime(2026, 12, 1, tzinfo=UTC),
        datetime(2026, 12, 2, 22, 0, tzinfo=UTC),
    )
    assert len(span.days) == 2
