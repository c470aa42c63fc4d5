"""The audit log's meta-test: every write route under /api/v1 leaves an audit entry naming the
calling key, on SQLite and PostgreSQL; routes that write nothing editorial are exempt, each
with its reason, and an exemption or a call for a route that no longer exists fails too.

A new POST, PUT, PATCH or DELETE route fails `test_every_write_route_is_called_or_exempt`
until it is added to CALLS (how to call it so that it succeeds, and the action it records)
or to NOT_WRITES (why it is no editorial write).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api import create_app
from kb import KnowledgeBase
from kb.content.snippets import SnippetDocument, SnippetType
from kb.store.audit import audit_entries
from tests.conftest import make_unit

PREFIX = "/api/v1"
PHONE = "+44 20 7946 0123"
ADMIN = "audit admin"
#: Methods that never write.
READS = {"GET", "HEAD", "OPTIONS"}

#: Write routes that are no editorial write, and why; each must still exist.
NOT_WRITES: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/drafts/preview"): "renders an unsaved unit; nothing is stored",
    ("POST", "/api/v1/drafts/preview/audio"): "speaks an unsaved unit; nothing is stored",
    ("POST", "/api/v1/feedback"): (
        "a customer's vote or an operator's flag on a response: kept with its actor in the "
        "feedback table, it changes no content, release or access"
    ),
}


@dataclass(frozen=True)
class Call:
    """How to call a write route so that it succeeds, and the audit action it must record.

    `prepare` runs first (as another actor) and returns the path's parameters.
    """

    action: str
    json: dict[str, Any] | None = None
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    prepare: Callable[[KnowledgeBase], dict[str, str]] = lambda _kb: {}


def _two_releases(kb: KnowledgeBase) -> dict[str, str]:
    kb.publish(author="tester")
    kb.save_unit(make_unit("refunds", body="Refunds within 60 days."), author="tester")
    kb.publish(author="tester")
    return {}


def _a_key(kb: KnowledgeBase) -> dict[str, str]:
    return {"key_id": kb.create_key(name="old widget", role="reader", author="tester").key.key_id}


def _a_schedule(kb: KnowledgeBase) -> dict[str, str]:
    from kb.scheduling.schedules import schedule_release

    at = datetime(2099, 1, 1, tzinfo=UTC)
    return {"schedule_id": str(schedule_release(kb, at=at, note="later", author="tester").id)}


def _an_endpoint(kb: KnowledgeBase) -> dict[str, str]:
    from kb.webhooks import endpoints as hooks

    made = hooks.create_endpoint(kb.db, HOOK_URL, ["release.published"], author="tester")
    return {"endpoint_id": str(made.endpoint.id)}


def _a_delivery(kb: KnowledgeBase) -> dict[str, str]:
    from kb.webhooks import endpoints as hooks

    made = _an_endpoint(kb)
    kb.publish(author="tester")  # queues a release.published delivery to it
    sent = hooks.deliveries(kb.db, int(made["endpoint_id"]))
    return {**made, "delivery_id": str(sent[0].id)}


#: Nothing listens there: deliveries fail and wait for their retry, off the request path.
HOOK_URL = "http://127.0.0.1:9/kb"
UNIT = {"unit_id": "refunds"}
SNIPPET = {"name": "greeting"}
COMMENT = {"comment": "Looks right."}
REV1 = {"If-Match": '"rev-1"'}
EN = {"locale": "en"}

#: Every write route's call; keys are (method, route path).
CALLS: dict[tuple[str, str], Call] = {
    ("POST", "/api/v1/drafts/units"): Call(
        "unit.created", json={"source": make_unit("new-unit").to_markdown()}
    ),
    ("PUT", "/api/v1/drafts/units/{unit_id}"): Call(
        "unit.updated",
        json={"source": make_unit("refunds", body="Refunds within 30 days.").to_markdown()},
        params=EN,
        headers=REV1,
        prepare=lambda _kb: UNIT,
    ),
    ("DELETE", "/api/v1/drafts/units/{unit_id}"): Call(
        "unit.archived", params=EN, headers=REV1, prepare=lambda _kb: UNIT
    ),
    ("POST", "/api/v1/drafts/snippets"): Call(
        "snippet.created",
        json={"name": "support_hours", "locale": "en", "type": "markdown", "value": "9 to 5"},
    ),
    ("PUT", "/api/v1/drafts/snippets/{name}"): Call(
        "snippet.updated",
        json={"type": "markdown", "value": "Hello there"},
        params=EN,
        headers=REV1,
        prepare=lambda _kb: {"name": "greeting"},
    ),
    ("DELETE", "/api/v1/drafts/snippets/{name}"): Call(
        "snippet.archived", params=EN, headers=REV1, prepare=lambda _kb: {"name": "greeting"}
    ),
    ("POST", "/api/v1/releases"): Call("release.published", json={"message": "audited"}),
    ("POST", "/api/v1/releases/rollback"): Call(
        "release.rolled_back", json={"to": 1}, prepare=_two_releases
    ),
    ("POST", "/api/v1/keys"): Call("key.created", json={"name": "widget", "role": "reader"}),
    ("DELETE", "/api/v1/keys/{key_id}"): Call("key.revoked", prepare=_a_key),
    ("POST", "/api/v1/consistency/merge"): Call(
        "unit.archived",
        json={
            "locale": "en",
            "keep": "refunds",
            "others": ["refund-request"],
            "revisions": {"refunds": 1, "refund-request": 1},
        },
    ),
    ("POST", "/api/v1/consistency/snippets"): Call(
        "snippet.created",
        json={
            "locale": "en",
            "name": "support_phone",
            "value": PHONE,
            "units": ["complaints", "lost-card"],
            "revisions": {"complaints": 1, "lost-card": 1},
        },
    ),
    ("POST", "/api/v1/review/units/{unit_id}/submit"): Call(
        "review.submitted", json=COMMENT, params=EN, prepare=lambda _kb: UNIT
    ),
    ("POST", "/api/v1/review/units/{unit_id}/approve"): Call(
        "review.approved", json=COMMENT, params=EN, prepare=lambda _kb: UNIT
    ),
    ("POST", "/api/v1/review/units/{unit_id}/request-changes"): Call(
        "review.changes_requested",
        json={"comment": "Say which app."},
        params=EN,
        prepare=lambda _kb: UNIT,
    ),
    ("POST", "/api/v1/review/snippets/{name}/submit"): Call(
        "review.submitted", json=COMMENT, params=EN, prepare=lambda _kb: SNIPPET
    ),
    ("POST", "/api/v1/review/snippets/{name}/approve"): Call(
        "review.approved", json=COMMENT, params=EN, prepare=lambda _kb: SNIPPET
    ),
    ("POST", "/api/v1/review/snippets/{name}/request-changes"): Call(
        "review.changes_requested",
        json={"comment": "Too short."},
        params=EN,
        prepare=lambda _kb: SNIPPET,
    ),
    ("POST", "/api/v1/units/{unit_id}/verify"): Call(
        "unit.verified", params=EN, prepare=lambda _kb: UNIT
    ),
    ("POST", "/api/v1/schedules"): Call(
        "schedule.created", json={"at": "2099-01-01T00:00Z", "message": "later"}
    ),
    ("POST", "/api/v1/schedules/{schedule_id}/cancel"): Call(
        "schedule.cancelled", prepare=_a_schedule
    ),
    ("POST", "/api/v1/webhooks"): Call(
        "webhook.created", json={"url": HOOK_URL, "events": ["release.published"]}
    ),
    ("PATCH", "/api/v1/webhooks/{endpoint_id}"): Call(
        "webhook.disabled", json={"enabled": False}, prepare=_an_endpoint
    ),
    ("DELETE", "/api/v1/webhooks/{endpoint_id}"): Call("webhook.deleted", prepare=_an_endpoint),
    ("POST", "/api/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver"): Call(
        "webhook.redelivered", prepare=_a_delivery
    ),
    ("POST", "/api/v1/insights/gaps/questions"): Call(
        "unit.updated",
        json={"unit_id": "refunds", "locale": "en", "questions": ["money back for my order"]},
    ),
}


def _write_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route under /api/v1 that takes a method other than a read."""
    try:
        from fastapi.routing import iter_route_contexts

        routes: list[Any] = list(iter_route_contexts(app.routes))  # type: ignore[arg-type]
    except ImportError:  # older FastAPI lists every route in app.routes
        routes = list(app.routes)
    found = set()
    for route in routes:
        path, methods = getattr(route, "path", ""), getattr(route, "methods", None) or set()
        if path.startswith(PREFIX + "/"):
            found |= {(method, path) for method in methods - READS}
    return found


def test_every_write_route_is_called_or_exempt() -> None:
    routes = _write_routes(create_app(None))

    missing = sorted(routes - CALLS.keys() - NOT_WRITES.keys())
    assert not missing, f"record an audit entry and add to CALLS, or to NOT_WRITES: {missing}"


def test_every_exemption_and_call_names_a_route_that_exists() -> None:
    routes = _write_routes(create_app(None))

    assert sorted((CALLS.keys() | NOT_WRITES.keys()) - routes) == []
    assert CALLS.keys() & NOT_WRITES.keys() == set()


@pytest.fixture
def content(kb: KnowledgeBase) -> KnowledgeBase:
    """Duplicates to merge, a phone number typed into two units, and a snippet."""
    for unit in (
        make_unit("refunds", title="How do I get a refund?", questions=("refund my order",),
                  body="You can ask for a refund within 14 days of delivery."),
        make_unit("refund-request", title="How can I get a refund?",
                  questions=("get my money back",), body="Refunds are accepted within 30 days."),
        make_unit("lost-card", title="I lost my card", questions=("card stolen",),
                  body=f"Block your card at once: call {PHONE}."),
        make_unit("complaints", title="How do I complain?", questions=("make a complaint",),
                  body=f"Write to us, or call {PHONE}."),
    ):  # fmt: skip
        kb.save_unit(unit, author="tester")
    kb.save_snippet(SnippetDocument("greeting", "en", SnippetType.MARKDOWN, "Hi"), author="tester")
    return kb


def _call(
    api: TestClient, admin: dict[str, str], route: tuple[str, str], kb: Any
) -> httpx.Response:
    method, path = route
    call = CALLS[route]
    url = path.format(**call.prepare(kb))
    return api.request(
        method, url, params=call.params, json=call.json, headers={**admin, **call.headers}
    )


@pytest.mark.parametrize("route", sorted(CALLS), ids=" ".join)
def test_each_write_route_records_its_action_by_the_calling_key(
    route: tuple[str, str], content: KnowledgeBase, api: TestClient
) -> None:
    admin = {
        "Authorization": "Bearer " + content.create_key(name=ADMIN, role="admin", author="t").secret
    }
    before = max((e.id or 0 for e in audit_entries(content.db)), default=0)

    response = _call(api, admin, route, content)

    assert response.status_code < 300, response.text
    written = [e for e in audit_entries(content.db) if (e.id or 0) > before and e.actor == ADMIN]
    assert CALLS[route].action in [e.action for e in written]
