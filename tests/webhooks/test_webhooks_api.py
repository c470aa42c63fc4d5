"""Webhooks over HTTP: admins register endpoints (the secret shown once), and the server's own
worker delivers a publish to a real receiver, signed so that a Standard Webhooks verifier
accepts it; deliveries, attempts and redeliveries are listed and audited (issue 18)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from standardwebhooks import Webhook

from api import create_app
from kb import KnowledgeBase
from kb.store.audit import AuditFilter, audit_entries
from tests.conftest import make_unit
from tests.webhooks.receiver import receiver

Headers = dict[str, str]


@pytest.fixture
def key(kb: KnowledgeBase) -> Callable[[str], Headers]:
    def make(role: str) -> Headers:
        secret = kb.create_key(name=f"{role} key", role=role, author="tester").secret
        return {"Authorization": f"Bearer {secret}"}

    return make


@pytest.fixture
def api(kb: KnowledgeBase) -> Iterator[TestClient]:
    with TestClient(create_app(kb)) as client:
        yield client


def _until(check: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    """Wait for work another thread does (the server's worker), failing after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


def test_the_secret_is_shown_once_and_never_listed(
    api: TestClient, key: Callable[[str], Headers]
) -> None:
    admin = key("admin")
    body = {"url": "https://cdn.example.com/purge", "events": ["release.published"]}
    created = api.post("/api/v1/webhooks", json=body, headers=admin)
    assert created.status_code == 201
    assert created.json()["secret"].startswith("whsec_")
    listed = api.get("/api/v1/webhooks", headers=admin).json()
    assert [e["url"] for e in listed] == ["https://cdn.example.com/purge"]
    assert "secret" not in listed[0]
    assert created.json()["secret"] not in api.get("/api/v1/webhooks", headers=admin).text


def test_only_admins_manage_webhooks(api: TestClient, key: Callable[[str], Headers]) -> None:
    body = {"url": "https://cdn.example.com/purge", "events": ["release.published"]}
    assert api.post("/api/v1/webhooks", json=body, headers=key("publisher")).status_code == 403
    assert api.get("/api/v1/webhooks").status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.com/x", "events": ["release.published"]}, "url"),
        ({"url": "/relative", "events": ["release.published"]}, "url"),
        ({"url": "https://example.com/x", "events": ["release.exploded"]}, "events"),
        ({"url": "https://example.com/x", "events": []}, "events"),
    ],
)
def test_a_bad_endpoint_is_refused_naming_the_field(
    api: TestClient, key: Callable[[str], Headers], body: dict[str, Any], field: str
) -> None:
    refused = api.post("/api/v1/webhooks", json=body, headers=key("admin"))
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert field in refused.text


def test_the_server_delivers_a_publish_signed_and_redelivers_it_on_request(
    kb: KnowledgeBase, api: TestClient, key: Callable[[str], Headers]
) -> None:
    admin = key("admin")
    with receiver() as hooks:
        body = {"url": hooks.url, "events": ["release.published"], "description": "cdn"}
        created = api.post("/api/v1/webhooks", json=body, headers=admin).json()
        kb.save_unit(make_unit("a"), author="ann")
        number = kb.publish(author="pat").release
        (got,) = hooks.wait_for(1)
        payload = Webhook(created["secret"]).verify(got.body, got.headers)
        assert (payload["type"], payload["data"]["release"]) == ("release.published", number)
        base = f"/api/v1/webhooks/{created['id']}/deliveries"

        def delivered() -> list[dict[str, Any]]:
            rows = api.get(base, headers=admin).json()
            return rows if rows and all(r["status"] == "delivered" for r in rows) else []

        (delivery,) = _until(delivered, "the delivery is recorded as delivered")
        assert (delivery["event_type"], delivery["last_status"]) == ("release.published", 200)
        assert delivery["event_id"] == got.headers["webhook-id"]
        tried = api.get(f"{base}/{delivery['id']}/attempts", headers=admin).json()
        assert [a["status"] for a in tried] == [200]
        again = api.post(f"{base}/{delivery['id']}/redeliver", headers=admin)
        assert again.status_code == 202
        second = hooks.wait_for(2)[1]
        assert second.headers["webhook-id"] == got.headers["webhook-id"]
        assert Webhook(created["secret"]).verify(second.body, second.headers)
    actions = [e.action for e in audit_entries(kb.db, AuditFilter(object_kind="webhook"))]
    assert sorted(actions) == ["webhook.created", "webhook.redelivered"]


def test_an_endpoint_switched_off_then_removed(
    kb: KnowledgeBase, api: TestClient, key: Callable[[str], Headers]
) -> None:
    admin = key("admin")
    body = {"url": "https://cdn.example.com/purge", "events": ["release.published"]}
    endpoint = api.post("/api/v1/webhooks", json=body, headers=admin).json()["id"]
    off = api.patch(f"/api/v1/webhooks/{endpoint}", json={"enabled": False}, headers=admin)
    assert off.json()["enabled"] is False
    kb.save_unit(make_unit("a"), author="ann")
    kb.publish(author="pat")
    assert api.get(f"/api/v1/webhooks/{endpoint}/deliveries", headers=admin).json() == []
    assert api.delete(f"/api/v1/webhooks/{endpoint}", headers=admin).status_code == 200
    gone = api.get(f"/api/v1/webhooks/{endpoint}/deliveries", headers=admin)
    assert gone.status_code == 404
    assert api.delete(f"/api/v1/webhooks/{endpoint}", headers=admin).status_code == 404
    actions = [e.action for e in audit_entries(kb.db, AuditFilter(object_kind="webhook"))]
    assert sorted(actions) == ["webhook.created", "webhook.deleted", "webhook.disabled"]


def test_a_redelivery_of_another_endpoints_delivery_is_not_found(
    api: TestClient, key: Callable[[str], Headers]
) -> None:
    admin = key("admin")
    body = {"url": "https://cdn.example.com/purge", "events": ["release.published"]}
    endpoint = api.post("/api/v1/webhooks", json=body, headers=admin).json()["id"]
    missing = api.post(f"/api/v1/webhooks/{endpoint}/deliveries/999/redeliver", headers=admin)
    assert missing.status_code == 404
