"""Review over HTTP (issue 18): editors submit, publishers approve or ask for changes; under
four-eyes an author's own approval is a 403, and a release takes only approved revisions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from kb import KnowledgeBase, Settings

PROBLEM = "application/problem+json"


@pytest.fixture
def kb(settings: Settings) -> Iterator[KnowledgeBase]:
    """A knowledge base under four-eyes review (the `api` fixture serves it)."""
    with KnowledgeBase.open(replace(settings, review_policy="four-eyes")) as knowledge_base:
        yield knowledge_base


def bearer(kb: KnowledgeBase, role: str, name: str) -> dict[str, str]:
    secret = kb.create_key(name=name, role=role, author="tester").secret
    return {"Authorization": f"Bearer {secret}"}


def unit(unit_id: str, body: str) -> dict[str, str]:
    return {"source": f"---\nid: {unit_id}\nlocale: en\ntitle: About {unit_id}\n---\n{body}\n"}


def test_an_authors_own_approval_is_refused_and_anothers_counts(
    api: TestClient, kb: KnowledgeBase
) -> None:
    ann, bob = bearer(kb, "publisher", "ann"), bearer(kb, "publisher", "bob")
    assert api.post("/api/v1/drafts/units", json=unit("a", "Text."), headers=ann).status_code == 201
    submitted = api.post(
        "/api/v1/review/units/a/submit?locale=en", json={"comment": "please"}, headers=ann
    )
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"

    own = api.post("/api/v1/review/units/a/approve?locale=en", json={}, headers=ann)
    assert own.status_code == 403 and own.headers["content-type"] == PROBLEM
    assert "four-eyes" in own.json()["detail"]

    other = api.post("/api/v1/review/units/a/approve?locale=en&revision=1", json={}, headers=bob)
    assert other.status_code == 200
    body = other.json()
    assert (body["state"], body["approved_by"], body["change_authors"]) == (
        "approved",
        "bob",
        ["ann"],
    )
    assert [(s["action"], s["actor"], s["comment"]) for s in body["steps"]] == [
        ("submitted", "ann", "please"),
        ("approved", "bob", ""),
    ]


def test_an_editor_submits_but_cannot_approve(api: TestClient, kb: KnowledgeBase) -> None:
    ed = bearer(kb, "editor", "ed")
    api.post("/api/v1/drafts/units", json=unit("a", "Text."), headers=ed)
    assert (
        api.post("/api/v1/review/units/a/submit?locale=en", json={}, headers=ed).status_code == 200
    )
    refused = api.post("/api/v1/review/units/a/approve?locale=en", json={}, headers=ed)
    assert refused.status_code == 403 and "publisher" in refused.json()["detail"]


def test_asking_for_changes_needs_a_comment(api: TestClient, kb: KnowledgeBase) -> None:
    ed, pub = bearer(kb, "editor", "ed"), bearer(kb, "publisher", "pub")
    api.post("/api/v1/drafts/units", json=unit("a", "Text."), headers=ed)
    url = "/api/v1/review/units/a/request-changes?locale=en"
    assert api.post(url, json={"comment": "  "}, headers=pub).status_code == 422
    done = api.post(url, json={"comment": "Name the app."}, headers=pub)
    assert done.json()["state"] == "changes_requested"
    got = api.get("/api/v1/review/units/a?locale=en&revision=1", headers=ed).json()
    assert got["steps"][-1]["comment"] == "Name the app."


def test_a_release_takes_only_approved_revisions_and_the_summary_lists_the_waiting(
    api: TestClient, kb: KnowledgeBase
) -> None:
    ed, pub = bearer(kb, "editor", "ed"), bearer(kb, "publisher", "pub")
    api.post("/api/v1/drafts/units", json=unit("a", "Approved."), headers=ed)
    api.post("/api/v1/drafts/units", json=unit("b", "Waiting."), headers=ed)
    api.post("/api/v1/review/units/a/approve?locale=en", json={}, headers=pub)

    summary = api.get("/api/v1/review/summary", headers=ed).json()
    assert (summary["policy"], summary["active"]) == ("four-eyes", True)
    assert [(c["id"], c["approved_by"]) for c in summary["approved"]] == [("a", "pub")]
    assert [(w["id"], w["state"], w["taken_revision"]) for w in summary["waiting"]] == [
        ("b", "draft", None)
    ]
    published = api.post("/api/v1/releases", json={}, headers=pub)
    assert published.status_code == 201 and published.json()["added"] == [["a", "en"]]
    assert api.get("/api/v1/units/b?channel=web").status_code == 404
    assert [w["id"] for w in api.get("/api/v1/review/pending", headers=ed).json()] == ["b"]


def test_a_snippet_review_lists_the_units_it_changes(api: TestClient, kb: KnowledgeBase) -> None:
    ed, pub = bearer(kb, "editor", "ed"), bearer(kb, "publisher", "pub")
    snippet = {"name": "support_phone", "locale": "en", "type": "phone", "value": "+1 555 0100"}
    api.post("/api/v1/drafts/snippets", json=snippet, headers=ed)
    api.post("/api/v1/drafts/units", json=unit("call-us", "Call {{ support_phone }}."), headers=ed)

    review = api.post(
        "/api/v1/review/snippets/support_phone/submit?locale=en", json={}, headers=ed
    ).json()
    assert review["kind"] == "snippet" and review["affected_units"] == [["call-us", "en"]]
    [waiting] = api.get("/api/v1/review/pending?kind=snippet", headers=ed).json()
    assert waiting["affected_units"] == [["call-us", "en"]]
    approved = api.post(
        "/api/v1/review/snippets/support_phone/approve?locale=en", json={}, headers=pub
    )
    assert approved.json()["approved_by"] == "pub"


def test_reviewing_what_does_not_exist_is_a_404(api: TestClient, kb: KnowledgeBase) -> None:
    ed = bearer(kb, "editor", "ed")
    missing = api.get("/api/v1/review/units/nope?locale=en", headers=ed)
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    api.post("/api/v1/drafts/units", json=unit("a", "Text."), headers=ed)
    assert api.get("/api/v1/review/units/a?locale=en&revision=9", headers=ed).status_code == 404


def test_a_review_says_whether_the_calling_key_may_approve_it(
    api: TestClient, kb: KnowledgeBase
) -> None:
    ann, bob = bearer(kb, "publisher", "ann"), bearer(kb, "publisher", "bob")
    ed = bearer(kb, "editor", "ed")
    api.post("/api/v1/drafts/units", json=unit("a", "Text."), headers=ann)
    submitted = api.post("/api/v1/review/units/a/submit?locale=en", json={}, headers=ann).json()
    assert submitted["may_approve"] is False, "under four-eyes, not the change's author"
    url = "/api/v1/review/units/a?locale=en"
    assert api.get(url, headers=bob).json()["may_approve"] is True
    assert api.get(url, headers=ed).json()["may_approve"] is False, "an editor never approves"
