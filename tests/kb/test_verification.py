"""Verification by owners (issue 18): the period, verifying without a revision, the category
policy, and the `unit.unverified` webhook raised once per lapse, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from kb import KnowledgeBase
from kb.content.document import parse_unit
from kb.errors import ConfigError, InvalidContent, UnitNotFound
from kb.store.audit import AuditFilter, entries
from kb.store.verification_models import UnitVerification
from kb.store.webhook_models import WebhookEvent
from kb.verification import (
    POLICY_FILE,
    NotOwner,
    load_policy,
    notify_unverified,
    unit_verification,
    verify_unit,
)
from kb.webhooks.endpoints import create_endpoint


def _unit(unit_id: str = "check-balance", extra: str = "", category: str = "billing") -> str:
    return (
        f"---\nid: {unit_id}\nlocale: en\ntitle: Title of {unit_id}\ncategory: {category}\n"
        f"owner: ann\n{extra}---\nAnswer for {unit_id}.\n"
    )


def _later(days: float) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


@pytest.mark.parametrize("value", ["0", "-3", "true", "'30'", "1.5", "[30]"])
def test_verify_every_that_is_not_a_positive_whole_number_is_refused_naming_unit_and_field(
    value: str,
) -> None:
    with pytest.raises(InvalidContent) as caught:
        parse_unit(_unit(extra=f"verify_every: {value}\n"), source="en/check-balance.md")
    (problem,) = caught.value.problems
    assert (problem.source, problem.line, problem.field) == (
        "en/check-balance.md",
        7,
        "verify_every",
    )
    assert "whole number of days above 0" in problem.message and "check-balance" in problem.message


def test_verify_every_is_kept_by_the_store_and_written_back(kb: KnowledgeBase) -> None:
    kb.save_unit(_unit(extra="verify_every: 30  # a month\n"), author="ann")

    stored = kb.drafts().unit("check-balance", "en")

    assert stored.document.verify_every == 30
    assert parse_unit(stored.document.to_markdown()).verify_every == 30
    plain = parse_unit(_unit(unit_id="other"))
    assert plain.verify_every is None and "verify_every" not in plain.metadata()


def test_a_unit_is_unverified_once_its_period_passes_since_it_was_written(
    kb: KnowledgeBase,
) -> None:
    kb.save_unit(_unit(extra="verify_every: 30\n"), author="ann")
    policy = load_policy(kb.settings.data_dir)

    fresh = unit_verification(kb.db, "check-balance", "en", policy, _later(29))
    lapsed = unit_verification(kb.db, "check-balance", "en", policy, _later(31))

    assert (fresh.verify_every, fresh.rule, fresh.unverified) == (30, "unit", False)
    assert lapsed.unverified and lapsed.last_verified_at is None
    assert lapsed.due_at is not None and lapsed.due_at <= _later(30)


def test_verifying_records_who_and_which_revision_without_a_new_revision(
    kb: KnowledgeBase,
) -> None:
    kb.save_unit(_unit(extra="verify_every: 30\n"), author="ann")
    kb.save_unit(_unit(extra="verify_every: 30\ntags: [b]\n"), author="ann")
    kb.publish(author="pat")
    policy = load_policy(kb.settings.data_dir)
    moment = _later(40)

    state = verify_unit(kb.db, "check-balance", "en", actor="ann", policy=policy, now=moment)

    assert [r.number for r in kb.history("check-balance", "en")] == [1, 2]
    assert (state.verified_by, state.verified_revision, state.unverified) == ("ann", 2, False)
    assert state.due_at == moment + timedelta(days=30)
    with kb.db.read() as session:
        (row,) = session.scalars(select(UnitVerification))
        (audit,) = entries(session, AuditFilter(action="unit.verified"))
    assert (row.revision, row.release, row.verified_by) == (2, 1, "ann")
    assert (audit.actor, audit.object_id, audit.locale) == ("ann", "check-balance", "en")
    assert audit.detail == {"revision": 2, "release": 1}
    later = unit_verification(kb.db, "check-balance", "en", policy, moment + timedelta(days=31))
    assert later.unverified


def test_only_the_owner_verifies_when_owner_only_and_a_missing_unit_is_not_found(
    kb: KnowledgeBase,
) -> None:
    kb.save_unit(_unit(), author="ann")
    policy = load_policy(kb.settings.data_dir)

    with pytest.raises(NotOwner, match="owned by 'ann', not 'bob'"):
        verify_unit(kb.db, "check-balance", "en", actor="bob", policy=policy, owner_only=True)
    with pytest.raises(UnitNotFound):
        verify_unit(kb.db, "nothing", "en", actor="ann", policy=policy)
    verify_unit(kb.db, "check-balance", "en", actor="ann", policy=policy, owner_only=True)


def test_a_category_period_applies_and_the_units_own_wins(kb: KnowledgeBase) -> None:
    _write_policy(kb, "categories:\n  billing:\n    verify_every: 10\n    review: four-eyes\n")
    kb.save_unit(_unit("by-category"), author="ann")
    kb.save_unit(_unit("own-period", extra="verify_every: 90\n"), author="ann")
    kb.save_unit(_unit("elsewhere", category="cards"), author="ann")
    policy = load_policy(kb.settings.data_dir)

    states = {
        u: unit_verification(kb.db, u, "en", policy, _later(11))
        for u in ("by-category", "own-period", "elsewhere")
    }

    assert (states["by-category"].rule, states["by-category"].unverified) == ("category", True)
    assert (states["own-period"].rule, states["own-period"].unverified) == ("unit", False)
    assert (states["elsewhere"].verify_every, states["elsewhere"].unverified) == (None, False)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("categories:\n  billing:\n    verify_every: 0\n", "categories.billing.verify_every"),
        ("categories:\n  billing: 30\n", "categories.billing must be a mapping"),
        ("categories: [billing]\n", "categories must map"),
        ("categories: {\n", "not valid YAML"),
    ],
)
def test_a_bad_policy_file_is_an_error_naming_file_category_and_key(
    tmp_path: Path, text: str, where: str
) -> None:
    (tmp_path / POLICY_FILE).write_text(text, encoding="utf-8")

    with pytest.raises(ConfigError, match=POLICY_FILE) as caught:
        load_policy(tmp_path)
    assert where in str(caught.value)


def test_an_unverified_unit_is_raised_through_the_webhook_once_per_lapse(
    kb: KnowledgeBase,
) -> None:
    create_endpoint(kb.db, "https://hooks.example/kb", ["unit.unverified"], author="root")
    kb.save_unit(_unit(extra="verify_every: 30\n"), author="ann")
    kb.save_unit(_unit("bimonthly", extra="verify_every: 60\n"), author="ann")
    kb.save_unit(_unit("unchecked"), author="ann")
    kb.publish(author="pat")
    policy = load_policy(kb.settings.data_dir)

    assert notify_unverified(kb, _later(10)) == 0
    assert notify_unverified(kb, _later(31)) == 1
    assert notify_unverified(kb, _later(32)) == 0  # the same lapse: not raised again
    assert notify_unverified(kb, _later(61)) == 1  # another unit's, beside the one raised
    verify_unit(kb.db, "check-balance", "en", actor="ann", policy=policy, now=_later(62))
    assert notify_unverified(kb, _later(80)) == 0
    assert notify_unverified(kb, _later(93)) == 1  # the next lapse

    with kb.db.read() as session:
        bodies = [json.loads(e.body) for e in session.scalars(select(WebhookEvent))]
    assert [b["type"] for b in bodies] == ["unit.unverified"] * 3
    first, other, again = (b["data"] for b in bodies)
    assert (first["unit_id"], first["locale"], first["owner"]) == ("check-balance", "en", "ann")
    assert (first["verify_every_days"], first["last_verified_at"]) == (30, None)
    assert (other["unit_id"], other["verify_every_days"]) == ("bimonthly", 60)
    assert again["unit_id"] == "check-balance" and again["last_verified_at"] is not None
    assert again["due_at"] > first["due_at"]


def test_verifications_cannot_be_changed_or_deleted(kb: KnowledgeBase) -> None:
    kb.save_unit(_unit(), author="ann")
    verify_unit(kb.db, "check-balance", "en", actor="ann", policy=load_policy(Path("/nowhere")))

    for statement in (
        "UPDATE unit_verification SET verified_by = 'eve'",
        "DELETE FROM unit_verification",
    ):
        with pytest.raises(DBAPIError, match="immutable"), kb.db.write() as session:
            session.execute(text(statement))


def _write_policy(kb: KnowledgeBase, text_: str) -> None:
    kb.settings.data_dir.mkdir(parents=True, exist_ok=True)
    (kb.settings.data_dir / POLICY_FILE).write_text(text_, encoding="utf-8")


def test_the_schedulers_tick_raises_a_lapse_once(kb: KnowledgeBase) -> None:
    from kb.scheduling.scheduler import Scheduler

    create_endpoint(kb.db, "https://hooks.example/kb", ["unit.unverified"], author="root")
    kb.save_unit(_unit(extra="verify_every: 30\n"), author="ann")
    kb.publish(author="pat")
    first, second = Scheduler(kb), Scheduler(kb)  # two processes' schedulers, default jobs

    ticks = [first.tick(_later(31)), second.tick(_later(31)), first.tick(_later(32))]

    assert [t.jobs.count("verification.unverified") for t in ticks] == [1, 0, 1]
    with kb.db.read() as session:
        types = [e.type for e in session.scalars(select(WebhookEvent))]
    assert types == ["unit.unverified"]
