"""publish_after and expires: read from the front matter as UTC moments, kept with the revision,
and a release built at time T leaves out the units outside their window at T."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from kb import InvalidContent, KnowledgeBase, parse_unit
from kb.releases.publishing import publish
from kb.scheduling.scheduler import TIMED_AUTHOR, Scheduler
from kb.settings import Settings
from tests.conftest import make_unit

T0 = datetime(2027, 1, 1, tzinfo=UTC)


def unit_text(**fields: str) -> str:
    extra = "".join(f"{key}: {value}\n" for key, value in fields.items())
    return f"---\nid: spring-offer\nlocale: en\ntitle: Spring offer\n{extra}---\nTen percent off.\n"


def problems(text: str) -> list[str]:
    with pytest.raises(InvalidContent) as caught:
        parse_unit(text, source="offer.md")
    return [str(p) for p in caught.value.problems]


def test_dates_and_date_times_are_read_as_utc_moments() -> None:
    doc = parse_unit(unit_text(publish_after="2027-01-01", expires="2027-03-01T09:00+03:00"))
    assert doc.publish_after == datetime(2027, 1, 1, tzinfo=UTC)
    assert doc.expires == datetime(2027, 3, 1, 6, 0, tzinfo=UTC)
    assert parse_unit(doc.to_markdown()) == doc


def test_a_date_time_without_timezone_is_refused_naming_unit_and_field() -> None:
    found = problems(unit_text(expires="2027-03-01T09:00:00"))
    assert len(found) == 1
    assert "offer.md:5: expires: unit 'spring-offer': needs a timezone" in found[0]


def test_a_malformed_moment_is_refused_naming_unit_and_field() -> None:
    found = problems(unit_text(publish_after="next monday"))
    assert found[0].startswith("offer.md:5: publish_after: unit 'spring-offer': must be a date")
    assert "'next monday'" in found[0]


def test_expires_not_after_publish_after_is_refused() -> None:
    found = problems(unit_text(publish_after="2027-03-01", expires="2027-03-01T00:00Z"))
    assert len(found) == 1
    assert "expires: unit 'spring-offer': must be later than publish_after" in found[0]


def test_a_unit_without_a_window_keeps_its_hash() -> None:
    plain = make_unit()
    assert "expires" not in plain.metadata() and "publish_after" not in plain.metadata()
    windowed = make_unit(expires=T0)
    assert windowed.content_hash != plain.content_hash


def test_the_window_is_kept_with_the_stored_revision(kb: KnowledgeBase) -> None:
    kb.save_unit(unit_text(publish_after="2027-01-01", expires="2027-02-01"), author="ann")
    stored = kb.drafts().unit("spring-offer", "en").document
    assert (stored.publish_after, stored.expires) == (T0, datetime(2027, 2, 1, tzinfo=UTC))
    again = kb.save_unit(stored, author="ann")  # the same content: no new revision
    assert again.outcome.value == "unchanged"


def _publish_at(kb: KnowledgeBase, now: datetime) -> tuple[int | None, object]:
    plan = publish(kb.db, author="pat", message="", today=date(2027, 1, 1), now=now)
    return plan.release, plan


def test_a_release_built_before_publish_after_leaves_the_unit_out(kb: KnowledgeBase) -> None:
    kb.save_unit(make_unit("always"), author="ann")
    kb.save_unit(make_unit("price-2027", publish_after=T0), author="ann")
    release, plan = _publish_at(kb, T0 - timedelta(seconds=1))
    assert plan.not_yet == (("price-2027", "en"),)  # type: ignore[attr-defined]
    assert set(kb.snapshot(release).units) == {("always", "en")}
    release, plan = _publish_at(kb, T0)
    assert plan.added == (("price-2027", "en"),)  # type: ignore[attr-defined]
    assert set(kb.snapshot(release).units) == {("always", "en"), ("price-2027", "en")}


def test_expires_removes_a_unit_from_the_next_release_built_after_it(kb: KnowledgeBase) -> None:
    kb.save_unit(make_unit("always"), author="ann")
    kb.save_unit(make_unit("offer", expires=T0), author="ann")
    first, _ = _publish_at(kb, T0 - timedelta(minutes=1))
    assert ("offer", "en") in kb.snapshot(first).units
    second, plan = _publish_at(kb, T0)  # no draft changed: the expiry alone makes the release
    assert plan.removed == (("offer", "en"),) and plan.expired == (("offer", "en"),)  # type: ignore[attr-defined]
    assert set(kb.snapshot(second).units) == {("always", "en")}


def test_the_scheduler_withdraws_an_expired_unit_without_publishing_drafts(
    kb: KnowledgeBase,
) -> None:
    kb.save_unit(make_unit("always", body="Published."), author="ann")
    kb.save_unit(make_unit("offer", expires=T0), author="ann")
    first, _ = _publish_at(kb, T0 - timedelta(minutes=1))
    kb.save_unit(make_unit("always", body="A draft nobody published."), author="ann")
    scheduler = Scheduler(kb, jobs=())
    assert scheduler.tick(T0 - timedelta(seconds=1)).timed_release is None
    made = scheduler.tick(T0).timed_release
    assert made == (first or 0) + 1
    live = kb.snapshot(made)
    assert set(live.units) == {("always", "en")}
    assert live.unit("always", "en").document.body == "Published."
    assert kb.release(made).author == TIMED_AUTHOR
    assert Scheduler(kb, jobs=()).tick(T0 + timedelta(hours=1)).timed_release is None


def test_with_window_releases_off_the_unit_waits_for_the_next_publish(
    settings: Settings,
) -> None:
    with KnowledgeBase.open(replace(settings, window_releases=False)) as kb:
        kb.save_unit(make_unit("offer", expires=T0), author="ann")
        first, _ = _publish_at(kb, T0 - timedelta(minutes=1))
        assert Scheduler(kb, jobs=()).tick(T0).timed_release is None
        current = kb.current_release()
        assert current is not None and current.number == first


def test_the_scheduler_starts_a_unit_when_its_publish_after_comes(kb: KnowledgeBase) -> None:
    kb.save_unit(make_unit("always", body="Published."), author="ann")
    kb.save_unit(make_unit("price-2027", publish_after=T0), author="ann")
    first, plan = _publish_at(kb, T0 - timedelta(minutes=1))
    assert plan.not_yet == (("price-2027", "en"),)  # type: ignore[attr-defined]
    kb.save_unit(make_unit("always", body="A draft nobody published."), author="ann")
    scheduler = Scheduler(kb, jobs=())
    assert scheduler.tick(T0 - timedelta(seconds=1)).timed_release is None
    made = scheduler.tick(T0).timed_release
    assert made == (first or 0) + 1
    live = kb.snapshot(made)
    assert set(live.units) == {("always", "en"), ("price-2027", "en")}
    assert live.unit("always", "en").document.body == "Published."
    assert Scheduler(kb, jobs=()).tick(T0 + timedelta(hours=1)).timed_release is None


def test_a_unit_whose_start_had_come_before_the_release_waits_for_a_publish(
    kb: KnowledgeBase,
) -> None:
    kb.save_unit(make_unit("always"), author="ann")
    kb.publish(author="ann")  # built now, long after the unit's start below
    kb.save_unit(
        make_unit("late-draft", publish_after=datetime(2020, 1, 1, tzinfo=UTC)), author="a"
    )
    assert Scheduler(kb, jobs=()).tick().timed_release is None
    assert set(kb.snapshot().units) == {("always", "en")}


def test_under_four_eyes_a_unit_starts_only_once_approved(settings: Settings) -> None:
    from kb.review import Reviews

    with KnowledgeBase.open(replace(settings, review_policy="four-eyes")) as kb:
        kb.save_unit(make_unit("always"), author="ann")
        Reviews(kb.db, kb.settings).approve("unit", "always", "en", 1, actor="bob")
        kb.save_unit(make_unit("price-2027", publish_after=T0), author="ann")
        first, _ = _publish_at(kb, T0 - timedelta(minutes=1))
        assert Scheduler(kb, jobs=()).tick(T0).timed_release is None  # not approved
        Reviews(kb.db, kb.settings).approve("unit", "price-2027", "en", 1, actor="bob")
        made = Scheduler(kb, jobs=()).tick(T0).timed_release
        assert made == (first or 0) + 1
        assert ("price-2027", "en") in kb.snapshot(made).units
