"""kb.insights.popular: the units served most in a locale over the last 30 days, counted by the
database (SQLite and PostgreSQL alike), most first and ties by id."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from kb import KnowledgeBase
from kb.insights.popular import most_viewed
from kb.store.models import DeliveryEvent

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _event(
    unit_id: str | None, *, kind: str = "unit", locale: str = "en", days: float = 1
) -> DeliveryEvent:
    return DeliveryEvent(
        receipt=uuid.uuid4().hex,
        at=NOW - timedelta(days=days),
        kind=kind,
        channel="web",
        locale=locale,
        release=1,
        unit_id=unit_id,
        revision=1 if unit_id else None,
    )


def _write(kb: KnowledgeBase, events: list[DeliveryEvent]) -> None:
    with kb.db.write() as session:
        session.add_all(events)


def test_the_most_viewed_units_come_first_counting_answers_and_unit_views(
    kb: KnowledgeBase,
) -> None:
    _write(
        kb,
        [
            *[_event("roaming") for _ in range(3)],
            *[_event("balance", kind="answer") for _ in range(2)],
            _event("balance"),
            _event("top-up"),
            _event("apn"),
        ],
    )

    assert most_viewed(kb.db, "en", limit=10, now=NOW) == ["balance", "roaming", "apn", "top-up"]
    assert most_viewed(kb.db, "en", limit=2, now=NOW) == ["balance", "roaming"]


def test_only_the_locale_the_period_and_events_that_served_a_unit_count(
    kb: KnowledgeBase,
) -> None:
    _write(
        kb,
        [
            _event("fresh"),
            *[_event("old", days=31) for _ in range(5)],  # before the 30 days
            *[_event("russian", locale="ru") for _ in range(5)],
            *[_event(None, kind="search") for _ in range(5)],
            *[_event(None, kind="faq") for _ in range(5)],
        ],
    )

    assert most_viewed(kb.db, "en", limit=10, now=NOW) == ["fresh"]
    assert most_viewed(kb.db, "ru", limit=10, now=NOW) == ["russian"]
    assert most_viewed(kb.db, "de", limit=10, now=NOW) == []


def test_a_limit_below_one_is_refused(kb: KnowledgeBase) -> None:
    with pytest.raises(ValueError, match="limit must be at least 1"):
        most_viewed(kb.db, "en", limit=0)
