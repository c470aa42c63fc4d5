"""The consistency report and its actions through the API: editor keys only, every refusal a
problem document, a stale revision changing nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.routes.consistency import _REPORTS
from kb import KnowledgeBase
from tests.conftest import make_unit

Key = Callable[[str], dict[str, str]]
REPORT = "/api/v1/consistency"
MERGE = "/api/v1/consistency/merge"
SNIPPETS = "/api/v1/consistency/snippets"
PHONE = "+44 20 7946 0123"


@pytest.fixture
def content(kb: KnowledgeBase) -> KnowledgeBase:
    """Two duplicates that contradict each other on the refund period, and one phone number
    typed into four units."""
    for unit in (
        make_unit("refunds", title="How do I get a refund?",
                  questions=("how do I get a refund", "refund my order"),
                  body="You can ask for a refund within 14 days of delivery."),
        make_unit("refund-request", title="How can I get a refund?",
                  questions=("how can I get a refund", "get my money back"),
                  body="Refunds are accepted within 30 days of delivery."),
        make_unit("lost-card", title="I lost my card", questions=("card stolen",),
                  body=f"Block your card at once: call {PHONE}."),
        make_unit("complaints", title="How do I complain?", questions=("make a complaint",),
                  body=f"Write to us, or call {PHONE}."),
        make_unit("delivery", title="When will my order arrive?", questions=("delivery time",),
                  body=f"Orders arrive in 3 to 5 working days. Questions: {PHONE}."),
    ):  # fmt: skip
        kb.save_unit(unit, author="t")
    return kb


@pytest.fixture
def editor(key: Key) -> dict[str, str]:
    return key("editor")


def _report(api: TestClient, headers: dict[str, str], **params: str) -> dict[str, Any]:
    response = api.get(REPORT, params={"drafts": "true", **params}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()  # type: ignore[no-any-return]


def test_the_report_names_duplicates_contradictions_repeats_and_each_units_revision(
    api: TestClient, editor: dict[str, str], content: KnowledgeBase
) -> None:
    content.save_unit(
        make_unit("lost-card", title="I lost my card", questions=("card stolen", "lost card"),
                  body=f"Block your card at once: call {PHONE}."), author="t",
    )  # fmt: skip
    report = _report(api, editor)

    assert report["kb_version"] is None and report["drafts"] is True
    assert [(d["units"], d["keep"]) for d in report["duplicates"]] == [
        (["refund-request", "refunds"], "refunds")
    ]
    [contradiction] = report["contradictions"]
    assert {contradiction["first"]["value"], contradiction["second"]["value"]} == {
        "14 days",
        "30 days",
    }
    assert contradiction["first"]["sentence"].endswith("days of delivery.")
    [repeated] = report["repeated_values"]
    assert repeated["value"] == PHONE and re.fullmatch(r"[a-z][a-z0-9_]*", repeated["snippet"])
    assert repeated["units"] == ["complaints", "delivery", "lost-card"]
    revisions = {u["unit_id"]: (u["revision"], u["source"]) for u in report["units"]}
    assert revisions == {
        "complaints": (1, "kb"),
        "delivery": (1, "kb"),
        "lost-card": (2, "kb"),
        "refund-request": (1, "kb"),
        "refunds": (1, "kb"),
    }


def test_the_report_reads_the_release_unless_asked_for_the_drafts(
    api: TestClient, editor: dict[str, str], content: KnowledgeBase
) -> None:
    assert _report(api, editor, drafts="false")["drafts"] is True  # nothing published yet
    content.publish(author="t")
    content.archive_unit("refund-request", "en", author="t")

    published = _report(api, editor, drafts="false")
    assert (published["kb_version"], published["drafts"]) == (1, False)
    assert len(published["duplicates"]) == 1
    assert _report(api, editor)["duplicates"] == []
    assert _report(api, editor, locale="ru")["units"] == []


@pytest.mark.parametrize(("method", "path"), [("GET", REPORT), ("POST", MERGE), ("POST", SNIPPETS)])
def test_only_editors_and_above_may_use_the_report_or_its_actions(
    api: TestClient, key: Key, method: str, path: str
) -> None:
    body = {"locale": "en", "keep": "a", "others": ["b"], "revisions": {"a": 1, "b": 1}}
    assert _problem(api.request(method, path, json=body), 401)["status"] == 401
    for role in ("reader", "operator"):
        refused = _problem(api.request(method, path, json=body, headers=key(role)), 403)
        assert "editor" in refused["detail"]


def test_merge_archives_the_duplicate_and_the_report_no_longer_lists_it(
    api: TestClient, editor: dict[str, str], content: KnowledgeBase
) -> None:
    response = api.post(
        MERGE,
        json={
            "locale": "en",
            "keep": "refunds",
            "others": ["refund-request"],
            "revisions": {"refunds": 1, "refund-request": 1},
            "message": "One refund answer",
        },
        headers=editor,
    )

    assert response.status_code == 200, response.text
    assert response.json() == {
        "locale": "en",
        "keep": "refunds",
        "revision": 2,
        "archived": [{"unit_id": "refund-request", "revision": 2}],
        "added_questions": ["How can I get a refund?", "get my money back"],
        "relinked": [],
    }
    assert content.draft_unit("refund-request", "en").archived
    assert content.history("refunds", "en")[-1].message == "One refund answer"
    assert content.history("refunds", "en")[-1].author == "editor key"
    report = _report(api, editor)
    assert report["duplicates"] == [] and report["contradictions"] == []


def test_a_stale_revision_is_a_conflict_naming_the_unit_and_nothing_changes(
    api: TestClient, editor: dict[str, str], content: KnowledgeBase
) -> None:
    content.save_unit(make_unit("refund-request", body="Refunds within 30 days."), author="t")
    response = api.post(
        MERGE,
        json={
            "locale": "en",
            "keep": "refunds",
            "others": ["refund-request"],
            "revisions": {"refunds": 1, "refund-request": 1},
        },
        headers=editor,
    )

    problem = _problem(response, 409)
    assert "unit 'refund-request' (en) is at revision 2, not 1" in problem["detail"]
    assert content.draft_unit("refunds", "en").number == 1
    assert not content.draft_unit("refund-request", "en").archived


def test_merge_refusals_are_problem_documents_naming_the_field(
    api: TestClient, editor: dict[str, str], content: KnowledgeBase
) -> None:
    base = {"locale": "en", "keep": "refunds", "others": ["refund-request"]}

    missing = api.post(MERGE, json={**base, "revisions": {"refunds": 1}}, headers=editor)
    assert _problem(missing, 422)["errors"] == [
        {
            "message": "give the revision you read of unit 'refund-request'",
            "source": None,
            "line": None,
            "field": "revisions",
        }
    ]
    unknown = {**base, "others": ["no-such"], "revisions": {"refunds": 1, "no-such": 1}}
    not_found = _problem(api.post(MERGE, json=unknown, headers=editor), 404)
    assert "no unit 'no-such'" in not_found["detail"]
    bad = _problem(api.post(MERGE, json={**base, "others": []}, headers=editor), 422)
    assert {e["field"] for e in bad["errors"]} == {"others", "revisions"}
    assert content.draft_unit("refunds", "en").number == 1


def test_making_a_snippet_replaces_the_value_in_each_unit(
    api: TestClient, editor: dict[str, str], content: KnowledgeBase
) -> None:
    units = ["complaints", "delivery", "lost-card"]
    response = api.post(
        SNIPPETS,
        json={
            "locale": "en",
            "name": "support_phone",
            "value": PHONE,
            "units": units,
            "revisions": dict.fromkeys(units, 1),
        },
        headers=editor,
    )

    assert response.status_code == 201, response.text
    assert response.headers["Location"] == "/api/v1/drafts/snippets/support_phone?locale=en"
    body = response.json()
    assert (body["type"], body["value"], body["revision"]) == ("markdown", PHONE, 1)
    assert body["units"] == [{"unit_id": u, "revision": 2, "replaced": 1} for u in units]
    for unit_id in units:
        assert "{{ support_phone }}" in content.draft_unit(unit_id, "en").body
    assert _report(api, editor)["repeated_values"] == []


def test_a_unit_without_the_value_refuses_the_snippet_naming_the_unit(
    api: TestClient, editor: dict[str, str], content: KnowledgeBase
) -> None:
    units = ["complaints", "refunds"]
    body = {
        "locale": "en",
        "name": "support_phone",
        "value": PHONE,
        "units": units,
        "revisions": dict.fromkeys(units, 1),
    }
    response = api.post(SNIPPETS, json=body, headers=editor)

    problem = _problem(response, 422)
    assert [(e["field"], e["message"]) for e in problem["errors"]] == [
        ("units[1]", f"unit 'refunds' (en) does not contain '{PHONE}'")
    ]
    assert content.draft_unit("complaints", "en").number == 1
    assert content.drafts().snippets == {}
    bad_name = api.post(SNIPPETS, json={**body, "name": "Support Phone"}, headers=editor)
    assert [e["field"] for e in _problem(bad_name, 422)["errors"]] == ["name"]


def test_the_report_is_made_once_per_drafts_state(
    api: TestClient, editor: dict[str, str], content: KnowledgeBase
) -> None:
    first = _REPORTS.get(content.draft_state().snapshot, None)
    assert _REPORTS.get(content.draft_state().snapshot, None) is first
    content.archive_unit("refund-request", "en", author="t")
    again = _REPORTS.get(content.draft_state().snapshot, None)
    assert again is not first and again.duplicates == []
    assert _report(api, editor)["duplicates"] == []
