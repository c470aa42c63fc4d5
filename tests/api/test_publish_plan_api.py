"""POST /api/v1/releases says, like `kb publish`, what a release takes approved and by whom,
what waits for review, and which units their publish_after or expires left out (issue 18)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from kb import KnowledgeBase, Settings


@pytest.fixture
def kb(settings: Settings) -> Iterator[KnowledgeBase]:
    """A knowledge base under four-eyes review (the `api` fixture serves it)."""
    with KnowledgeBase.open(replace(settings, review_policy="four-eyes")) as knowledge_base:
        yield knowledge_base


def bearer(kb: KnowledgeBase, role: str, name: str) -> dict[str, str]:
    secret = kb.create_key(name=name, role=role, author="tester").secret
    return {"Authorization": f"Bearer {secret}"}


def unit(unit_id: str, extra: str = "") -> dict[str, str]:
    front = f"id: {unit_id}\nlocale: en\ntitle: About {unit_id}\n{extra}"
    return {"source": f"---\n{front}---\nText of {unit_id}.\n"}


def test_a_publish_response_names_the_approved_the_waiting_and_the_left_out(
    api: TestClient, kb: KnowledgeBase
) -> None:
    ann, bob = bearer(kb, "publisher", "ann"), bearer(kb, "publisher", "bob")
    for source in (unit("approved"), unit("waiting"), unit("later", "publish_after: 2999-01-01\n")):
        assert api.post("/api/v1/drafts/units", json=source, headers=ann).status_code == 201
    for unit_id in ("approved", "later"):
        review = f"/api/v1/review/units/{unit_id}"
        api.post(f"{review}/submit?locale=en", json={}, headers=ann)
        assert api.post(f"{review}/approve?locale=en", json={}, headers=bob).status_code == 200

    dry = api.post("/api/v1/releases", json={"dry_run": True}, headers=bob)
    assert dry.status_code == 200
    plan = dry.json()
    assert plan["added"] == [["approved", "en"]]
    assert plan["not_yet"] == [["later", "en"]] and plan["expired"] == []
    review = plan["review"]
    assert {(c["id"], c["approved_by"], c["author"]) for c in review["approved"]} >= {
        ("approved", "bob", "ann")
    }
    assert [c["id"] for c in review["waiting"]] == ["waiting"]

    published = api.post("/api/v1/releases", json={}, headers=bob).json()
    assert published["kb_version"] == 1 and published["added"] == [["approved", "en"]]
    assert [c["id"] for c in published["review"]["waiting"]] == ["waiting"]


def test_without_review_a_publish_response_has_no_review_section(
    api: TestClient, kb: KnowledgeBase
) -> None:
    kb.settings = replace(kb.settings, review_policy="off")
    pub = bearer(kb, "publisher", "pub")
    api.post("/api/v1/drafts/units", json=unit("a"), headers=pub)
    plan = api.post("/api/v1/releases", json={"dry_run": True}, headers=pub).json()
    assert plan["added"] == [["a", "en"]] and plan["review"] is None
