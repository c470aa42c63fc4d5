"""Old delivery events go: `kb events purge --older-than AGE` now, and the server's recorder by
KB_EVENTS_RETENTION_DAYS when it starts writing (and hourly after)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from kb import KnowledgeBase
from kb.events.recorder import EventRecorder, new_receipt
from kb.events.served import Served
from kb.events.store import write_events
from kb.settings import Settings
from kb.store.models import DeliveryEvent
from tests.cli.conftest import Run

#: Events this old are written before each test, by name.
AGES = {
    "a year": timedelta(days=365),
    "100 days": timedelta(days=100),
    "10 days": timedelta(days=10),
    "2 hours": timedelta(hours=2),
    "a minute": timedelta(minutes=1),
}


def event_row(at: datetime, question: str) -> dict[str, object]:
    """An answer's event row at `at` (its question says which one it is)."""
    return {
        "receipt": new_receipt(),
        "at": at,
        "kind": "answer",
        "channel": "chatbot",
        "locale": "en",
        "release": 1,
        "unit_id": "check-balance",
        "revision": 1,
        "status": "answered",
        "confidence": 0.9,
        "hits": None,
        "units": None,
        "question": question,
        "conversation": None,
        "via": None,
        "latency_ms": 1.0,
        "cached": False,
    }


def left(kb: KnowledgeBase) -> set[str]:
    """The questions of the events still stored."""
    with kb.db.read() as session:
        return {str(e.question) for e in session.exec(select(DeliveryEvent))}


@pytest.fixture
def aged(kb: KnowledgeBase) -> KnowledgeBase:
    """The events of AGES, aged from now (not from the module's import: a long test run
    ages them past the bounds the tests draw)."""
    now = datetime.now(UTC)
    write_events(kb.db, [event_row(now - age, name) for name, age in AGES.items()])
    return kb


@pytest.mark.parametrize(
    ("older_than", "gone", "kept"),
    [
        ("90d", 2, {"10 days", "2 hours", "a minute"}),
        ("12h", 3, {"2 hours", "a minute"}),
        ("30m", 4, {"a minute"}),
        ("2w", 2, {"10 days", "2 hours", "a minute"}),
        ("400d", 0, set(AGES)),
    ],
)
def test_purge_deletes_the_events_older_than_the_age_and_says_how_many(
    run: Run, aged: KnowledgeBase, older_than: str, gone: int, kept: set[str]
) -> None:
    result = run("events", "purge", "--older-than", older_than)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Purged {gone} events older than {older_than.strip()} ")
    assert left(aged) == kept


def test_purge_of_one_event_says_event(run: Run, aged: KnowledgeBase) -> None:
    run("events", "purge", "--older-than", "90d")
    result = run("events", "purge", "--older-than", "5d")
    assert result.stdout.startswith("Purged 1 event older than 5d (before ")


@pytest.mark.parametrize("older_than", ["90", "90 days", "-1d", "d", "", "1.5d", "9x", "99999w"])
def test_a_bad_age_is_a_usage_error_that_says_what_it_takes(
    run: Run, aged: KnowledgeBase, older_than: str
) -> None:
    result = run("events", "purge", "--older-than", older_than)
    assert result.exit_code == 2
    said = " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.output).split())  # rich's box, unwrapped
    assert "Invalid value for '--older-than'" in said and "such as 30m, 24h, 7d or 2w" in said
    assert left(aged) == set(AGES), "nothing purged"


def test_purge_needs_an_age(run: Run) -> None:
    result = run("events", "purge")
    assert result.exit_code == 2 and "--older-than" in result.output


def _answer() -> Served:
    return Served("answer", "chatbot", "en", 1, "check-balance", 1, "answered", 0.9)


def test_the_recorder_purges_past_the_retention_when_it_starts_writing(
    aged: KnowledgeBase, settings: Settings
) -> None:
    recorder = EventRecorder.on(aged.db, replace(settings, events_retention_days=1))
    try:
        assert left(aged) == set(AGES), "nothing purged before the writer starts"
        recorder.record(_answer(), question="new")
        assert recorder.flush()
    finally:
        recorder.close()
    assert left(aged) == {"2 hours", "a minute", "new"}


def test_without_a_retention_the_recorder_keeps_every_event(
    aged: KnowledgeBase, settings: Settings
) -> None:
    recorder = EventRecorder.on(aged.db, replace(settings, events_retention_days=None))
    try:
        recorder.record(_answer(), question="new")
        assert recorder.flush()
    finally:
        recorder.close()
    assert left(aged) == {*AGES, "new"}
