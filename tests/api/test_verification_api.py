"""GET /api/v1/units/{id}/verification and POST /api/v1/units/{id}/verify through the real app:
verifying adds no revision, editors verify any unit, an operator only the units it owns."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from kb import KnowledgeBase
from kb.store.audit import AuditFilter, entries
from kb.verification import load_policy, verify_unit

Key = Callable[[str], dict[str, str]]


@pytest.fixture
def unit(kb: KnowledgeBase) -> KnowledgeBase:
    kb.save_unit(
        "---\nid: lost-card\nlocale: en\ntitle: I lost my card\ncategory: cards\n"
        "owner: card-team\nverify_every: 30\n---\nBlock it in the app.\n",
        author="ann",
    )
    kb.publish(author="pat")
    return kb


def _operator(kb: KnowledgeBase, name: str) -> dict[str, str]:
    secret = kb.create_key(name=name, role="operator", author="tester").secret
    return {"Authorization": f"Bearer {secret}"}


def test_an_editor_verifies_in_one_call_and_no_revision_is_added(
    api: TestClient, key: Key, unit: KnowledgeBase
) -> None:
    before = api.get("/api/v1/units/lost-card/verification", headers=key("operator"))
    assert before.status_code == 200, before.text
    assert before.json()["last_verified_at"] is None and before.json()["verify_every"] == 30

    done = api.post(
        "/api/v1/units/lost-card/verify", params={"locale": "en"}, headers=key("editor")
    )

    assert done.status_code == 200, done.text
    state = done.json()
    assert (state["verified_by"], state["verified_revision"], state["unverified"]) == (
        "editor key",
        1,
        False,
    )
    assert state["last_verified_at"].endswith("Z") and state["rule"] == "unit"
    assert [r.number for r in unit.history("lost-card", "en")] == [1]
    after = api.get("/api/v1/units/lost-card/verification", headers=key("operator")).json()
    assert after == state
    with unit.db.read() as session:
        (entry,) = entries(session, AuditFilter(action="unit.verified"))
    assert (entry.actor, entry.object_id) == ("editor key", "lost-card")


def test_an_operator_verifies_only_the_units_it_owns(api: TestClient, unit: KnowledgeBase) -> None:
    stranger = api.post("/api/v1/units/lost-card/verify", headers=_operator(unit, "web-team"))
    owner = api.post("/api/v1/units/lost-card/verify", headers=_operator(unit, "card-team"))

    assert stranger.status_code == 403
    assert stranger.headers["content-type"] == "application/problem+json"
    assert "owned by 'card-team', not 'web-team'" in stranger.json()["detail"]
    assert owner.status_code == 200 and owner.json()["verified_by"] == "card-team"


def test_verification_needs_a_key_and_a_unit_that_exists(
    api: TestClient, key: Key, unit: KnowledgeBase
) -> None:
    anonymous = api.post("/api/v1/units/lost-card/verify")
    reader = api.get("/api/v1/units/lost-card/verification", headers=key("reader"))
    missing = api.post("/api/v1/units/no-such-unit/verify", headers=key("editor"))
    other_locale = api.get(
        "/api/v1/units/lost-card/verification", params={"locale": "ru"}, headers=key("editor")
    )

    assert anonymous.status_code == 401 and reader.status_code == 403
    assert missing.status_code == 404 and "no-such-unit" in missing.json()["detail"]
    assert other_locale.status_code == 404
    bad = api.get(
        "/api/v1/units/lost-card/verification", params={"locale": "x!"}, headers=key("editor")
    )
    assert bad.status_code == 422


def test_the_unverified_list_has_the_lapsed_units_for_editors(
    api: TestClient, key: Key, unit: KnowledgeBase
) -> None:
    fresh = api.get("/api/v1/verification/unverified", headers=key("editor"))
    policy = load_policy(unit.settings.data_dir)
    old = datetime(2020, 1, 1, tzinfo=UTC)
    verify_unit(unit.db, "lost-card", "en", actor="card-team", policy=policy, now=old)
    lapsed = api.get("/api/v1/verification/unverified", headers=key("editor"))
    other_locale = api.get(
        "/api/v1/verification/unverified", params={"locale": "ru"}, headers=key("editor")
    )

    assert fresh.status_code == 200 and fresh.json() == []
    assert [(v["unit_id"], v["due_at"]) for v in lapsed.json()] == [
        ("lost-card", "2020-01-31T00:00:00Z")
    ]
    assert other_locale.json() == []
    assert api.get("/api/v1/verification/unverified", headers=key("operator")).status_code == 403
