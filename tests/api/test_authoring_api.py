"""Drafts, revisions, diffs, snippets, publishing and rollback through the API."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from kb import KnowledgeBase

Key = Callable[[str], dict[str, str]]
UNITS = "/api/v1/drafts/units"


def source(title: str = "How do I top up?", body: str = "Use the app.", unit_id: str = "top-up"):
    return (
        f"---\nid: {unit_id}\nlocale: en\ntitle: {title}\n"
        f"questions: [how do I top up my account]\n---\n{body}\n"
    )


@pytest.fixture
def editor(key: Key) -> dict[str, str]:
    return key("publisher")  # publisher includes editor: the tests publish too


def create(api: TestClient, headers: dict[str, str], **kwargs: str):
    response = api.post(UNITS, json={"source": source(**kwargs)}, headers=headers)
    assert response.status_code == 201, response.text
    return response


def test_create_returns_the_first_revision_with_its_etag_and_location(
    api: TestClient, editor: dict[str, str]
) -> None:
    response = create(api, editor)

    body = response.json()
    assert (body["unit_id"], body["locale"], body["revision"]) == ("top-up", "en", 1)
    assert body["outcome"] == "created" and body["author"] == "publisher key"
    assert response.headers["ETag"] == '"rev-1"'
    assert response.headers["Location"] == "/api/v1/drafts/units/top-up?locale=en"
    read = api.get("/api/v1/drafts/units/top-up", params={"locale": "en"}, headers=editor)
    assert read.json()["source"] == source() and read.headers["ETag"] == '"rev-1"'


def test_creating_a_unit_that_exists_is_a_conflict_and_changes_nothing(
    api: TestClient, editor: dict[str, str], kb: KnowledgeBase
) -> None:
    create(api, editor)

    again = api.post(UNITS, json={"source": source(title="Other")}, headers=editor)

    assert again.status_code == 409
    assert "PUT" in again.json()["detail"]
    assert kb.draft_unit("top-up", "en").title == "How do I top up?"


def test_two_editors_one_wins_the_other_gets_412_and_nothing_is_lost(
    api: TestClient, editor: dict[str, str], kb: KnowledgeBase
) -> None:
    etag = create(api, editor).headers["ETag"]
    params = {"locale": "en"}
    first = api.put(
        f"{UNITS}/top-up",
        params=params,
        json={"source": source(body="Alice's answer.")},
        headers={**editor, "If-Match": etag},
    )
    second = api.put(
        f"{UNITS}/top-up",
        params=params,
        json={"source": source(body="Bob's answer.")},
        headers={**editor, "If-Match": etag},
    )

    assert first.status_code == 200 and first.headers["ETag"] == '"rev-2"'
    assert second.status_code == 412
    assert second.headers["content-type"].startswith("application/problem+json")
    history = [r.source for r in kb.history("top-up", "en")]
    assert len(history) == 2 and "Alice's answer." in history[-1]
    assert not any("Bob's answer." in s for s in history)


def test_update_without_if_match_is_428_and_a_foreign_etag_is_412(
    api: TestClient, editor: dict[str, str], kb: KnowledgeBase
) -> None:
    create(api, editor)
    url, params = f"{UNITS}/top-up", {"locale": "en"}
    body = {"source": source(body="Changed.")}

    missing = api.put(url, params=params, json=body, headers=editor)
    foreign = api.put(url, params=params, json=body, headers={**editor, "If-Match": '"r1-abc"'})

    assert (missing.status_code, foreign.status_code) == (428, 412)
    assert len(kb.history("top-up", "en")) == 1


def test_update_whose_source_names_another_unit_is_refused(
    api: TestClient, editor: dict[str, str]
) -> None:
    create(api, editor)
    response = api.put(
        f"{UNITS}/top-up",
        params={"locale": "en"},
        json={"source": source(unit_id="other")},
        headers={**editor, "If-Match": '"rev-1"'},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "id"


def test_invalid_source_is_a_422_naming_the_field_and_line(
    api: TestClient, editor: dict[str, str]
) -> None:
    bad = "---\nid: top-up\nlocale: en\nquestions: [x]\n---\nBody {{ nope\n"
    response = api.post(UNITS, json={"source": bad}, headers=editor)

    assert response.status_code == 422
    problem = response.json()
    assert problem["title"] == "Invalid content"
    assert any(e["field"] == "title" for e in problem["errors"])
    assert all(e["source"] == "body.source" for e in problem["errors"])


def test_archive_needs_if_match_and_keeps_the_history(
    api: TestClient, editor: dict[str, str], kb: KnowledgeBase
) -> None:
    create(api, editor)
    url, params = f"{UNITS}/top-up", {"locale": "en"}
    assert api.delete(url, params=params, headers=editor).status_code == 428

    archived = api.delete(url, params=params, headers={**editor, "If-Match": '"rev-1"'})

    assert archived.status_code == 200 and archived.json()["archived"] is True
    assert [r.archived for r in kb.history("top-up", "en")] == [False, True]
    listed = api.get(UNITS, headers=editor).json()
    assert "top-up" not in [d["unit_id"] for d in listed]


def test_revisions_and_diff_show_who_changed_what(api: TestClient, editor: dict[str, str]) -> None:
    create(api, editor)
    api.put(
        f"{UNITS}/top-up",
        params={"locale": "en"},
        json={"source": source(body="Use the app or dial *111#."), "message": "USSD too"},
        headers={**editor, "If-Match": '"rev-1"'},
    )

    revisions = api.get(f"{UNITS}/top-up/revisions", params={"locale": "en"}, headers=editor)
    diff = api.get(
        f"{UNITS}/top-up/diff", params={"locale": "en", "from": 1, "to": 2}, headers=editor
    )
    old = api.get(f"{UNITS}/top-up/revisions/1", params={"locale": "en"}, headers=editor)

    assert [r["message"] for r in revisions.json()] == ["", "USSD too"]
    assert "-Use the app." in diff.json()["diff"]
    assert "+Use the app or dial *111#." in diff.json()["diff"]
    assert old.json()["source"] == source()


def test_snippets_are_created_changed_with_if_match_and_archived(
    api: TestClient, editor: dict[str, str], kb: KnowledgeBase
) -> None:
    url = "/api/v1/drafts/snippets"
    new = {"name": "support_phone", "locale": "en", "type": "phone", "value": "+1 800 555 0100"}
    created = api.post(url, json=new, headers=editor)
    assert created.status_code == 201 and created.headers["ETag"] == '"rev-1"'
    assert api.post(url, json=new, headers=editor).status_code == 409

    change = {"type": "phone", "value": "+1 800 555 0199"}
    params = {"locale": "en"}
    stale = api.put(f"{url}/support_phone", params=params, json=change, headers=editor)
    changed = api.put(
        f"{url}/support_phone",
        params=params,
        json=change,
        headers={**editor, "If-Match": '"rev-1"'},
    )
    lost = api.put(
        f"{url}/support_phone",
        params=params,
        json={"type": "phone", "value": "+1 800 555 0111"},
        headers={**editor, "If-Match": '"rev-1"'},
    )

    assert (stale.status_code, changed.status_code, lost.status_code) == (428, 200, 412)
    assert kb.draft_snippet("support_phone", "en").value == "+1 800 555 0199"
    bad = api.post(url, json={**new, "name": "fax", "value": "call us"}, headers=editor)
    assert bad.status_code == 422
    archived = api.delete(
        f"{url}/support_phone", params=params, headers={**editor, "If-Match": '"rev-2"'}
    )
    assert archived.status_code == 200 and archived.json()["archived"] is True
    assert [s["archived"] for s in api.get(url, headers=editor).json()] == [True]


def test_publish_dry_run_reports_and_publishes_nothing_then_publish_and_rollback(
    api: TestClient, editor: dict[str, str], kb: KnowledgeBase
) -> None:
    create(api, editor)

    dry = api.post("/api/v1/releases", json={"dry_run": True}, headers=editor)
    assert dry.status_code == 200
    assert dry.json()["added"] == [["top-up", "en"]] and dry.json()["kb_version"] is None
    assert kb.current_release() is None

    first = api.post("/api/v1/releases", json={"message": "first"}, headers=editor)
    assert first.status_code == 201 and first.json()["kb_version"] == 1
    assert first.headers["X-KB-Version"] == "1"
    answer = api.get("/api/v1/answer", params={"q": "how do I top up my account"})
    assert answer.json()["unit_id"] == "top-up"

    api.put(
        f"{UNITS}/top-up",
        params={"locale": "en"},
        json={"source": source(title="Topping up")},
        headers={**editor, "If-Match": '"rev-1"'},
    )
    second = api.post("/api/v1/releases", json={"message": "second"}, headers=editor)
    assert second.json()["changed"] == [["top-up", "en"]]
    assert api.get("/api/v1/units/top-up").json()["title"] == "Topping up"

    back = api.post("/api/v1/releases/rollback", json={"to": 1}, headers=editor)
    assert back.status_code == 201 and back.json()["kb_version"] == 3
    assert api.get("/api/v1/units/top-up").json()["title"] == "How do I top up?"
    releases = api.get("/api/v1/releases", headers=editor).json()
    assert [(r["kb_version"], r["rollback_of"]) for r in releases] == [(3, 1), (2, None), (1, None)]
    assert api.get("/api/v1/releases/2", headers=editor).json()["message"] == "second"
    assert api.get("/api/v1/releases/9", headers=editor).status_code == 404


def _bad_change_published(api: TestClient, editor: dict[str, str]) -> None:
    """Release 1 with the good title, release 2 with a bad one."""
    create(api, editor)
    assert api.post("/api/v1/releases", json={"message": "good"}, headers=editor).is_success
    api.put(
        f"{UNITS}/top-up",
        params={"locale": "en"},
        json={"source": source(title="Bad title")},
        headers={**editor, "If-Match": '"rev-1"'},
    ).raise_for_status()
    assert api.post("/api/v1/releases", json={"message": "bad"}, headers=editor).is_success


def test_rollback_reverts_the_drafts_it_changed_so_the_next_publish_leaves_them(
    api: TestClient, editor: dict[str, str], kb: KnowledgeBase
) -> None:
    _bad_change_published(api, editor)

    back = api.post("/api/v1/releases/rollback", json={"to": 1}, headers=editor)

    assert back.status_code == 201
    assert back.json()["drafts"] == [
        {"kind": "unit", "id": "top-up", "locale": "en", "revision": 3, "in_release": True}
    ]
    draft = api.get(f"{UNITS}/top-up", params={"locale": "en"}, headers=editor)
    assert draft.headers["ETag"] == '"rev-3"' and draft.json()["title"] == "How do I top up?"
    again = api.post("/api/v1/releases", json={"dry_run": True}, headers=editor).json()
    assert again["changed"] == [] and again["findings"] == []


def test_rollback_keeping_the_drafts_and_the_dry_run_names_the_rolled_back_change(
    api: TestClient, editor: dict[str, str], kb: KnowledgeBase
) -> None:
    _bad_change_published(api, editor)

    back = api.post(
        "/api/v1/releases/rollback", json={"to": 1, "keep_drafts": True}, headers=editor
    )

    assert back.status_code == 201
    assert back.json()["drafts"] == [
        {"kind": "unit", "id": "top-up", "locale": "en", "revision": None, "in_release": True}
    ]
    assert kb.draft_unit("top-up", "en").title == "Bad title"
    dry = api.post("/api/v1/releases", json={"dry_run": True}, headers=editor).json()
    assert dry["changed"] == [["top-up", "en"]]
    (warning,) = [f for f in dry["findings"] if f["code"] == "rolled-back"]
    assert warning["blocking"] is False
    assert "was rolled back in release 3 (rollback to 1)" in warning["message"]


def test_publish_refused_by_the_checks_is_a_422_listing_the_errors(
    api: TestClient, editor: dict[str, str], kb: KnowledgeBase
) -> None:
    create(api, editor, body="Call {{ missing_snippet }}.")

    response = api.post("/api/v1/releases", json={}, headers=editor)

    assert response.status_code == 422
    assert response.json()["title"] == "Checks failed"
    assert any("missing_snippet" in e["message"] for e in response.json()["errors"])
    assert kb.current_release() is None
