"""/api/v1/schedules: publishers schedule and cancel releases, editors list them; bad times are
refused as problem documents naming `at`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from kb import KnowledgeBase

Key = Callable[[str], dict[str, str]]


def _later(hours: float = 1) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat(timespec="seconds")


def test_a_publisher_schedules_a_release_and_an_editor_lists_it(api: TestClient, key: Key) -> None:
    made = api.post(
        "/api/v1/schedules",
        json={"at": _later(), "message": "New year prices"},
        headers=key("publisher"),
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert made.headers["Location"] == f"/api/v1/schedules/{body['id']}"
    assert (body["state"], body["message"], body["author"], body["kb_version"]) == (
        "pending",
        "New year prices",
        "publisher key",
        None,
    )
    listed = api.get("/api/v1/schedules", headers=key("editor"))
    assert listed.status_code == 200
    assert [s["id"] for s in listed.json()] == [body["id"]]
    one = api.get(f"/api/v1/schedules/{body['id']}", headers=key("editor"))
    assert one.json() == body


def test_an_editor_may_not_schedule(api: TestClient, key: Key) -> None:
    refused = api.post("/api/v1/schedules", json={"at": _later()}, headers=key("editor"))
    assert refused.status_code == 403


def test_a_past_time_is_a_problem_naming_at(api: TestClient, key: Key) -> None:
    refused = api.post(
        "/api/v1/schedules", json={"at": "2020-01-01T00:00Z"}, headers=key("publisher")
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    error = refused.json()["errors"][0]
    assert error["field"] == "at" and "is in the past" in error["message"]


def test_a_time_without_offset_is_a_problem_naming_at(api: TestClient, key: Key) -> None:
    refused = api.post(
        "/api/v1/schedules", json={"at": "2030-01-01T09:00"}, headers=key("publisher")
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "at"
    assert "needs a timezone" in refused.json()["errors"][0]["message"]


def test_a_cancelled_schedule_is_listed_as_cancelled_and_cannot_be_cancelled_again(
    api: TestClient, key: Key, kb: KnowledgeBase
) -> None:
    publisher = key("publisher")
    made = api.post("/api/v1/schedules", json={"at": _later()}, headers=publisher).json()
    cancelled = api.post(f"/api/v1/schedules/{made['id']}/cancel", headers=publisher)
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["state"], cancelled.json()["cancelled_by"]) == (
        "cancelled",
        "publisher key",
    )
    again = api.post(f"/api/v1/schedules/{made['id']}/cancel", headers=publisher)
    assert again.status_code == 409
    assert "only a pending one can be cancelled" in again.json()["detail"]
    pending = api.get("/api/v1/schedules?state=pending", headers=publisher)
    assert pending.json() == []
    missing = api.post("/api/v1/schedules/999/cancel", headers=publisher)
    assert missing.status_code == 404
