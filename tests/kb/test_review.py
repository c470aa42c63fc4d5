"""Review and approval: under four-eyes an author cannot approve their own change, and a release
takes only approved revisions, listing what waits (issue 18). SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from kb import KnowledgeBase, Settings, SnippetDocument, SnippetType
from kb.errors import ConfigError
from kb.review import ReviewRefused, Reviews, ReviewState
from kb.store.audit_models import AuditEntry
from kb.store.webhook_models import WebhookEndpoint, WebhookEvent
from renderers.checks import publish_gate
from tests.conftest import make_unit


@pytest.fixture
def four_eyes(settings: Settings) -> Iterator[KnowledgeBase]:
    """A knowledge base whose changes need someone else's approval before a release."""
    with KnowledgeBase.open(replace(settings, review_policy="four-eyes")) as kb:
        yield kb


def reviews(kb: KnowledgeBase) -> Reviews:
    return Reviews(kb.db, kb.settings)


def phone(value: str) -> SnippetDocument:
    return SnippetDocument("support_phone", "en", SnippetType.PHONE, value)


def test_four_eyes_refuses_an_authors_own_approval(four_eyes: KnowledgeBase) -> None:
    four_eyes.save_unit(make_unit("a"), author="ann")
    reviews(four_eyes).submit("unit", "a", "en", None, actor="ann")
    with pytest.raises(ReviewRefused, match="'ann' wrote this change"):
        reviews(four_eyes).approve("unit", "a", "en", None, actor="ann")
    assert reviews(four_eyes).review("unit", "a", "en").state is ReviewState.SUBMITTED
    done = reviews(four_eyes).approve("unit", "a", "en", None, actor="bob", comment="fine")
    assert (done.state, done.approved_by) == (ReviewState.APPROVED, "bob")


def test_four_eyes_refuses_anyone_who_wrote_part_of_the_change(four_eyes: KnowledgeBase) -> None:
    four_eyes.save_unit(make_unit("a", body="One."), author="ann")
    four_eyes.save_unit(make_unit("a", body="Two."), author="bob")
    with pytest.raises(ReviewRefused):
        reviews(four_eyes).approve("unit", "a", "en", 2, actor="ann")
    reviews(four_eyes).approve("unit", "a", "en", 2, actor="cy")


def test_self_policy_lets_an_author_approve_their_own_change(settings: Settings) -> None:
    with KnowledgeBase.open(replace(settings, review_policy="self")) as kb:
        kb.save_unit(make_unit("a"), author="ann")
        assert reviews(kb).approve("unit", "a", "en", None, actor="ann").approved_by == "ann"
        assert kb.publish(author="ann").added == (("a", "en"),)


def test_release_takes_only_approved_revisions_and_lists_the_waiting(
    four_eyes: KnowledgeBase,
) -> None:
    four_eyes.save_unit(make_unit("a", body="Approved text."), author="ann")
    reviews(four_eyes).approve("unit", "a", "en", 1, actor="bob")
    four_eyes.save_unit(make_unit("a", body="Waiting text."), author="ann")
    reviews(four_eyes).submit("unit", "a", "en", 2, actor="ann")
    four_eyes.save_unit(make_unit("b"), author="ann")

    plan = four_eyes.publish(author="pat")

    assert plan.release == 1 and plan.added == (("a", "en"),)
    live = four_eyes.snapshot()
    assert set(live.units) == {("a", "en")}
    assert live.unit("a", "en").document.body == "Approved text."
    assert plan.review is not None
    assert [(c.name, c.revision, c.approved_by) for c in plan.review.approved] == [("a", 1, "bob")]
    waiting = {(w.name, w.revision, w.state, w.taken) for w in plan.review.waiting}
    assert waiting == {("a", 2, ReviewState.SUBMITTED, 1), ("b", 1, ReviewState.DRAFT, None)}


def test_a_dry_run_says_what_is_approved_and_what_waits(four_eyes: KnowledgeBase) -> None:
    four_eyes.save_unit(make_unit("a"), author="ann")
    four_eyes.save_unit(make_unit("b"), author="ann")
    reviews(four_eyes).approve("unit", "b", "en", None, actor="bob")
    plan = four_eyes.publish(author="pat", dry_run=True)
    assert plan.release is None and four_eyes.current_release() is None
    assert plan.review is not None
    assert [c.name for c in plan.review.approved] == ["b"]
    assert [w.name for w in plan.review.waiting] == ["a"]


def test_changes_requested_withdraw_an_approval_and_keep_the_comment(
    four_eyes: KnowledgeBase,
) -> None:
    four_eyes.save_unit(make_unit("a"), author="ann")
    reviews(four_eyes).approve("unit", "a", "en", None, actor="bob")
    with pytest.raises(ReviewRefused, match="needs a comment"):
        reviews(four_eyes).request_changes("unit", "a", "en", None, actor="bob", comment=" ")
    reviews(four_eyes).request_changes(
        "unit", "a", "en", None, actor="bob", comment="Say which app."
    )
    review = reviews(four_eyes).review("unit", "a", "en", 1)
    assert review.state is ReviewState.CHANGES_REQUESTED
    assert [(s.action, s.actor, s.comment) for s in review.steps] == [
        (ReviewState.APPROVED, "bob", ""),
        (ReviewState.CHANGES_REQUESTED, "bob", "Say which app."),
    ]
    assert not four_eyes.publish(author="pat").has_changes


def test_a_snippet_change_waits_for_approval_and_its_review_lists_the_affected_units(
    four_eyes: KnowledgeBase,
) -> None:
    four_eyes.save_snippet(phone("+1 555 0100"), author="ann")
    four_eyes.save_unit(make_unit("call-us", body="Call {{ support_phone }}."), author="ann")
    four_eyes.save_unit(make_unit("other"), author="ann")
    for kind, name in (("snippet", "support_phone"), ("unit", "call-us"), ("unit", "other")):
        reviews(four_eyes).approve(kind, name, "en", None, actor="bob")  # type: ignore[arg-type]
    four_eyes.publish(author="pat")

    four_eyes.save_snippet(phone("+1 555 0199"), author="ann")
    review = reviews(four_eyes).submit("snippet", "support_phone", "en", None, actor="ann")
    assert review.affected_units == (("call-us", "en"),)
    plan = four_eyes.publish(author="pat")
    assert not plan.has_changes and plan.release is None
    assert plan.review is not None
    [waiting] = plan.review.waiting
    assert (waiting.kind, waiting.name, waiting.taken) == ("snippet", "support_phone", 1)
    assert waiting.affected_units == (("call-us", "en"),)
    assert four_eyes.snapshot().snippets[("support_phone", "en")].value == "+1 555 0100"

    reviews(four_eyes).approve("snippet", "support_phone", "en", None, actor="bob")
    plan = four_eyes.publish(author="pat")
    assert plan.snippets_changed == (("support_phone", "en"),)
    assert plan.affected_by_snippets == {("call-us", "en"): ("support_phone",)}


def test_turning_review_on_keeps_what_is_released(settings: Settings) -> None:
    with KnowledgeBase.open(settings) as kb:
        kb.save_unit(make_unit("a", body="Live."), author="ann")
        kb.publish(author="pat")
        kb.save_unit(make_unit("a", body="Edited."), author="ann")
    with KnowledgeBase.open(replace(settings, review_policy="four-eyes")) as kb:
        plan = kb.publish(author="pat")
        assert not plan.has_changes
        assert plan.review is not None and [w.taken for w in plan.review.waiting] == [1]
        assert kb.snapshot().unit("a", "en").document.body == "Live."


def test_an_approved_archive_withdraws_the_unit(four_eyes: KnowledgeBase) -> None:
    four_eyes.save_unit(make_unit("a"), author="ann")
    reviews(four_eyes).approve("unit", "a", "en", None, actor="bob")
    four_eyes.publish(author="pat")
    four_eyes.archive_unit("a", "en", author="ann")
    assert not four_eyes.publish(author="pat").has_changes
    reviews(four_eyes).approve("unit", "a", "en", None, actor="bob")
    assert four_eyes.publish(author="pat").removed == (("a", "en"),)


def test_a_rollback_is_not_undone_by_the_next_release(four_eyes: KnowledgeBase) -> None:
    four_eyes.save_unit(make_unit("a", body="First."), author="ann")
    reviews(four_eyes).approve("unit", "a", "en", None, actor="bob")
    four_eyes.publish(author="pat")
    four_eyes.save_unit(make_unit("a", body="Second."), author="ann")
    reviews(four_eyes).approve("unit", "a", "en", None, actor="bob")
    four_eyes.publish(author="pat")
    four_eyes.rollback(1, author="pat")
    assert not four_eyes.publish(author="pat").has_changes
    assert four_eyes.snapshot().unit("a", "en").document.body == "First."


def test_category_policy_file_puts_only_its_category_under_review(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "review-policy.yaml").write_text(
        "categories:\n  billing: four-eyes\n  news: off\n"
    )
    with KnowledgeBase.open(settings) as kb:
        kb.save_unit(make_unit("bill", category="billing"), author="ann")
        kb.save_unit(make_unit("news", category="news"), author="ann")
        plan = kb.publish(author="ann")
        assert plan.added == (("news", "en"),)
        assert plan.review is not None and [w.name for w in plan.review.waiting] == ["bill"]
        with pytest.raises(ReviewRefused):
            reviews(kb).approve("unit", "bill", "en", None, actor="ann")


def test_a_bad_policy_file_is_a_clear_error(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "review-policy.yaml").write_text("categories:\n  billing: maybe\n")
    with pytest.raises(ConfigError, match=r"categories\.billing must be one of"):
        Reviews(None, settings).rule()  # type: ignore[arg-type]  # reads no database


def test_review_steps_are_audited_and_cannot_be_rewritten(four_eyes: KnowledgeBase) -> None:
    four_eyes.save_unit(make_unit("a"), author="ann")
    reviews(four_eyes).submit("unit", "a", "en", None, actor="ann")
    reviews(four_eyes).approve("unit", "a", "en", None, actor="bob", comment="ok")
    with four_eyes.db.read() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.startswith("review."))
        ).all()
    assert actions == ["review.submitted", "review.approved"]
    with pytest.raises(Exception, match="immutable"), four_eyes.db.write() as session:
        session.execute(text("UPDATE review_event SET actor = 'ann'"))


def test_review_off_publishes_the_newest_revisions_as_before(kb: KnowledgeBase) -> None:
    kb.save_unit(make_unit("a"), author="ann")
    plan = kb.publish(author="ann")
    assert plan.added == (("a", "en"),) and plan.review is None


def test_submitting_and_approving_queue_their_webhook_events(four_eyes: KnowledgeBase) -> None:
    with four_eyes.db.write() as session:
        session.add(
            WebhookEndpoint(
                url="http://127.0.0.1:9/hook",
                event_types=["review.requested", "review.approved"],
                secret="whsec_" + "A" * 32,
                author="t",
            )
        )
    four_eyes.save_snippet(phone("+1 555 0100"), author="ann")
    four_eyes.save_unit(make_unit("call-us", body="Call {{ support_phone }}."), author="ann")
    reviews(four_eyes).submit("snippet", "support_phone", "en", None, actor="ann")
    reviews(four_eyes).approve("snippet", "support_phone", "en", None, actor="bob")
    with four_eyes.db.read() as session:
        bodies = [
            json.loads(e.body)
            for e in session.scalars(select(WebhookEvent).order_by(WebhookEvent.created_at))
        ]
    assert [b["type"] for b in bodies] == ["review.requested", "review.approved"]
    requested, approved = (b["data"] for b in bodies)
    assert (requested["kind"], requested["name"], requested["requested_by"]) == (
        "snippet",
        "support_phone",
        "ann",
    )
    assert requested["affected_units"] == [{"unit_id": "call-us", "locale": "en"}]
    assert (approved["approved_by"], approved["author"], approved["revision"]) == ("bob", "ann", 1)


def test_submitting_an_approved_revision_keeps_its_approval(four_eyes: KnowledgeBase) -> None:
    four_eyes.save_unit(make_unit("a"), author="ann")
    reviews(four_eyes).approve("unit", "a", "en", None, actor="bob")
    review = reviews(four_eyes).submit("unit", "a", "en", None, actor="ann", comment="again?")
    assert (review.state, review.approved_by, len(review.steps)) == (
        ReviewState.APPROVED,
        "bob",
        1,
    )


def test_an_approved_unit_waits_for_the_unapproved_snippet_it_uses(
    four_eyes: KnowledgeBase,
) -> None:
    four_eyes.save_unit(make_unit("call-us", body="Call us."), author="ann")
    four_eyes.save_unit(make_unit("other", body="Other."), author="ann")
    for name in ("call-us", "other"):
        reviews(four_eyes).approve("unit", name, "en", None, actor="bob")
    four_eyes.publish(author="pat")
    four_eyes.save_snippet(phone("+1 555 0100"), author="ann")
    four_eyes.save_unit(make_unit("call-us", body="Call {{ support_phone }}."), author="ann")
    four_eyes.save_unit(make_unit("other", body="Other, edited."), author="ann")
    for name in ("call-us", "other"):
        reviews(four_eyes).approve("unit", name, "en", None, actor="bob")

    plan = four_eyes.publish(author="pat", gate=publish_gate())

    assert plan.changed == (("other", "en"),)
    assert four_eyes.snapshot().unit("call-us", "en").document.body == "Call us."
    assert plan.review is not None
    [unit] = [w for w in plan.review.waiting if w.kind == "unit"]
    assert (unit.name, unit.state, unit.taken, unit.waits_for) == (
        "call-us",
        ReviewState.APPROVED,
        1,
        ("support_phone",),
    )
    assert [c.name for c in plan.review.approved] == ["other"]


def test_a_scheduled_release_takes_only_approved_revisions(four_eyes: KnowledgeBase) -> None:
    from kb.scheduling.scheduler import Scheduler
    from kb.scheduling.schedules import schedule_release

    four_eyes.save_unit(make_unit("a"), author="ann")
    four_eyes.save_unit(make_unit("b"), author="ann")
    reviews(four_eyes).approve("unit", "a", "en", None, actor="bob")
    start = datetime(2030, 1, 1, tzinfo=UTC)
    schedule_release(four_eyes, at=start + timedelta(hours=1), note="", author="pat", now=start)

    done = Scheduler(four_eyes, jobs=()).tick(start + timedelta(hours=2))

    assert [release for _, release in done.published] == [1]
    assert set(four_eyes.snapshot().units) == {("a", "en")}


def test_the_review_policy_setting_is_checked_where_it_is_read() -> None:
    assert Settings.from_env({"KB_REVIEW_POLICY": "Four-Eyes"}).review_policy == "four-eyes"
    assert Settings.from_env({}).review_policy == "off"
    with pytest.raises(ConfigError, match="KB_REVIEW_POLICY must be one of off, self, four-eyes"):
        Settings.from_env({"KB_REVIEW_POLICY": "maybe"})
