"""GET /api/v1/audit through the real app: admin keys only, newest first, filtered by since,
actor and action, paged through `next_before`, and a `since` it cannot read is a 422 naming it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from kb import KnowledgeBase
from kb.store.audit import AuditEntry, record

AUDIT = "/api/v1/audit"
Key = Callable[[str], dict[str, str]]


@pytest.fixture
def logged(kb: KnowledgeBase) -> KnowledgeBase:
    """One entry from 2020, then five by two actors."""
    with kb.db.write() as session:
        at = datetime(2020, 1, 1, tzinfo=UTC)
        session.add(AuditEntry(at=at, actor="old", action="key.created", object_kind="key",
                               object_id="k1"))  # fmt: skip
        for n in range(5):
            record(session, actor=f"a{n % 2}", action="unit.updated", object_kind="unit",
                   object_id=f"u{n}", locale="en", detail={"revision": n + 1})  # fmt: skip
    return kb


def _ids(body: dict[str, object]) -> list[str]:
    return [item["object_id"] for item in body["items"]]  # type: ignore[attr-defined, index]


@pytest.mark.parametrize("role", ["editor", "publisher"])
def test_only_admin_keys_read_the_audit_log(api: TestClient, key: Key, role: str) -> None:
    assert api.get(AUDIT).status_code == 401
    refused = api.get(AUDIT, headers=key(role))

    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_entries_come_newest_first_with_every_field(
    api: TestClient, key: Key, logged: KnowledgeBase
) -> None:
    response = api.get(AUDIT, headers=key("admin"))

    assert response.status_code == 200, response.text
    body = response.json()
    # The key made for the request is the newest entry: its creation is audited too.
    assert body["items"][0]["action"] == "key.created" and body["items"][0]["actor"] == "tester"
    assert _ids(body)[1:] == ["u4", "u3", "u2", "u1", "u0", "k1"]
    assert body["items"][1] == {
        "id": body["items"][1]["id"],
        "at": body["items"][1]["at"],
        "actor": "a0",
        "action": "unit.updated",
        "object_kind": "unit",
        "object_id": "u4",
        "locale": "en",
        "detail": {"revision": 5},
    }
    assert body["items"][-1]["at"] == "2020-01-01T00:00:00Z"
    assert body["next_before"] is None


def test_pages_follow_next_before_until_it_is_null(
    api: TestClient, key: Key, logged: KnowledgeBase
) -> None:
    admin = key("admin")
    seen: list[str] = []
    before: int | None = None
    for _ in range(10):
        params = {"limit": "3", "action": "unit.updated"}
        page = api.get(AUDIT, params={**params, **({"before": before} if before else {})},
                       headers=admin).json()  # fmt: skip
        seen += _ids(page)
        before = page["next_before"]
        if before is None:
            break

    assert seen == ["u4", "u3", "u2", "u1", "u0"]


def test_filters_by_actor_action_object_and_since(
    api: TestClient, key: Key, logged: KnowledgeBase
) -> None:
    admin = key("admin")

    def ids(**params: str) -> list[str]:
        response = api.get(AUDIT, params=params, headers=admin)
        assert response.status_code == 200, response.text
        return _ids(response.json())

    assert ids(actor="a1") == ["u3", "u1"]
    assert ids(object_kind="unit", object_id="u2") == ["u2"]
    assert ids(action="key.created", actor="old") == ["k1"]
    assert "k1" not in ids(since="7d") and "u0" in ids(since="7d")
    assert ids(since="2019-12-31", actor="old") == ["k1"]
    assert ids(since="2020-01-01T00:00:01Z", actor="old") == []


@pytest.mark.parametrize("since", ["yesterday", "7x", "2026-13-01"])
def test_a_since_it_cannot_read_is_a_422_naming_since(
    api: TestClient, key: Key, kb: KnowledgeBase, since: str
) -> None:
    response = api.get(AUDIT, params={"since": since}, headers=key("admin"))

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["since"]
    assert since in response.json()["errors"][0]["message"]


def test_the_route_is_documented_with_an_example_page(api: TestClient) -> None:
    document = api.get("/openapi.json").json()
    operation = document["paths"][AUDIT]["get"]
    schema = document["components"]["schemas"]["AuditPageOut"]

    assert operation["operationId"] == "listAuditEntries"
    assert {p["name"] for p in operation["parameters"]} >= {"since", "actor", "action", "before"}
    assert schema["examples"][0]["items"][0]["action"] == "unit.updated"
