"""`kb publish --at`, `kb scheduler list|cancel|run --once`: through the real typer app."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from kb import KnowledgeBase
from kb.scheduling.schedules import scheduled
from kb.settings import Settings
from tests.cli.conftest import Run


def _later(seconds: float = 3600) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat(timespec="seconds")


def test_publish_at_schedules_a_release_that_is_listed(run: Run, imported: None) -> None:
    result = run("publish", "--at", _later(), "-m", "New prices", "--json")
    assert result.exit_code == 0, result.output
    schedule = json.loads(result.stdout)
    assert (schedule["state"], schedule["note"], schedule["author"]) == (
        "pending",
        "New prices",
        "tester",
    )
    listed = json.loads(run("scheduler", "list", "--json").stdout)
    assert [s["id"] for s in listed] == [schedule["id"]]
    text = run("scheduler", "list").stdout
    assert f"{schedule['id']:>5}" in text and "pending" in text and "New prices" in text
    assert run("releases", "--json").stdout.strip() == "[]"  # nothing published yet


def test_publish_at_a_past_time_is_refused(run: Run, imported: None) -> None:
    result = run("publish", "--at", "2020-01-01T00:00Z")
    assert result.exit_code == 1
    assert "at: 2020-01-01T00:00:00+00:00 is in the past" in result.stderr
    assert json.loads(run("scheduler", "list", "--json").stdout) == []


def test_publish_at_without_timezone_is_refused(run: Run, imported: None) -> None:
    result = run("publish", "--at", "2030-01-01T09:00")
    assert result.exit_code == 1
    assert "at: needs a timezone" in result.stderr


def test_cancel_then_tick_publishes_nothing(run: Run, imported: None, settings: Settings) -> None:
    from kb.store.schedule_models import ScheduledRelease

    made = json.loads(run("publish", "--at", _later(), "--json").stdout)
    result = run("scheduler", "cancel", str(made["id"]))
    assert result.exit_code == 0, result.output
    assert f"Cancelled scheduled release {made['id']}" in result.stdout
    again = run("scheduler", "cancel", str(made["id"]))
    assert again.exit_code == 1 and "is cancelled: only a pending one" in again.stderr
    with KnowledgeBase.open(settings) as kb:
        assert scheduled(kb, made["id"]).state == "cancelled"
    missing = run("scheduler", "cancel", "999")
    assert missing.exit_code == 1 and "no scheduled release 999" in missing.stderr
    with KnowledgeBase.open(settings) as kb, kb.db.write() as session:  # due now, but cancelled
        row = session.get(ScheduledRelease, made["id"])
        assert row is not None
        row.at = datetime.now(UTC) - timedelta(seconds=1)
    tick = run("scheduler", "run", "--once")
    assert tick.exit_code == 0, tick.output
    assert "published 0" in tick.stdout
    assert run("releases", "--json").stdout.strip() == "[]"


def test_scheduler_run_once_publishes_what_is_due(
    run: Run, imported: None, settings: Settings
) -> None:
    from kb.store.schedule_models import ScheduledRelease

    made = json.loads(run("publish", "--at", _later(), "--json").stdout)
    with KnowledgeBase.open(settings) as kb, kb.db.write() as session:  # due now: moved back
        row = session.get(ScheduledRelease, made["id"])
        assert row is not None
        row.at = datetime.now(UTC) - timedelta(seconds=1)
    result = run("scheduler", "run", "--once")
    assert result.exit_code == 0, result.output
    assert "published 1" in result.stdout
    listed = json.loads(run("scheduler", "list", "--json").stdout)
    assert (listed[0]["state"], listed[0]["release_number"]) == ("published", 1)
