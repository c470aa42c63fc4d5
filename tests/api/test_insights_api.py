"""GET /api/v1/insights, GET /api/v1/insights/gaps and POST /api/v1/insights/gaps/questions through
the real app: figures of what the delivery routes recorded, editor keys only, named 422s."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from importers import read_folder
from kb import KnowledgeBase
from kb.settings import DEFAULT_CHANNELS
from tests.conftest import SAMPLE_CONTENT, make_unit

Key = Callable[[str], dict[str, str]]
#: Two needs the sample content lacks, asked in the chatbot in words that share little.
GAPS = {
    "trade-in": (
        "can I trade in my old phone",
        "how do I get money for my old handset",
        "do you offer a trade-in scheme for used phones",
    ),
    "pets": (
        "is my dog covered by your insurance",
        "do you sell pet insurance",
        "insurance for my cat",
    ),
}


@pytest.fixture
def sample(kb: KnowledgeBase) -> KnowledgeBase:
    kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
    kb.publish(author="t")
    return kb


@pytest.fixture
def client(sample: KnowledgeBase, api: TestClient) -> TestClient:
    return api


@pytest.fixture
def drafts_only(kb: KnowledgeBase, api: TestClient) -> TestClient:
    """The app around one unit saved as a draft, nothing published (nor needed)."""
    kb.save_unit(make_unit("top-up"), author="t")
    return api


def _ask(client: TestClient, question: str, channel: str = "chatbot", **params: str) -> dict:
    response = client.get(
        "/api/v1/answer", params={"q": question, "channel": channel, "locale": "en", **params}
    )
    assert response.status_code == 200, response.text
    return {"receipt": response.headers["X-KB-Receipt"], **response.json()}


def _traffic(client: TestClient) -> dict[str, int]:
    """Questions through the delivery routes, votes through the feedback route; the statuses."""
    statuses = {"answered": 0, "clarify": 0, "no_answer": 0}
    stolen = _ask(client, "my phone was stolen")
    assert stolen["unit_id"] == "lost-or-stolen-phone"
    statuses["answered"] += 1
    _ask(client, "my phone was stolen")  # a cached answer is a question too
    statuses["answered"] += 1
    for questions in GAPS.values():
        for question in questions:
            statuses[_ask(client, question)["status"]] += 1
    _ask(client, "how do I top up", channel="web")
    client.get("/api/v1/search", params={"q": "zzqx flurble", "locale": "en"})
    for helpful in (True, True, False):
        vote = {"receipt": stolen["receipt"], "helpful": helpful}
        assert client.post("/api/v1/feedback", json=vote).status_code == 201
    return statuses


def test_insights_and_gaps_count_what_this_process_served_just_before(
    client: TestClient, key: Key
) -> None:
    # No flush here: the writer looks once a second, the report must not wait for it.
    for question in GAPS["pets"]:
        assert _ask(client, question)["status"] == "no_answer"
    body = client.get("/api/v1/insights", headers=key("editor")).json()
    assert body["totals"]["questions"] == len(GAPS["pets"])
    _ask(client, "can I trade in my old phone")
    clusters = client.get("/api/v1/insights/gaps", headers=key("editor")).json()["clusters"]
    asked = sorted(q for cluster in clusters for q in cluster["examples"])
    assert "can I trade in my old phone" in asked


def test_insights_count_what_the_delivery_routes_recorded(
    client: TestClient, sample: KnowledgeBase, key: Key
) -> None:
    statuses = _traffic(client)
    sample.events.flush()
    response = client.get("/api/v1/insights", params={"channel": "chatbot"}, headers=key("editor"))
    assert response.status_code == 200, response.text
    body = response.json()
    [chatbot] = body["channels"]
    asked = sum(statuses.values())
    assert (chatbot["channel"], chatbot["locale"], chatbot["questions"]) == ("chatbot", "en", asked)
    assert {s: chatbot[s] for s in statuses} == statuses
    assert chatbot["self_service_rate"] == round(statuses["answered"] / asked, 4)
    assert body["totals"]["questions"] == asked
    top = body["top_units"][0]
    assert (top["unit_id"], top["served"], top["helpful"], top["not_helpful"]) == (
        "lost-or-stolen-phone",
        2,
        2,
        1,
    )
    assert top["helpful_ratio"] == round(2 / 3, 4)
    assert [s["channel"] for s in body["series"]] == ["chatbot"]
    assert sum(d["questions"] for d in body["series"][0]["days"]) == asked
    every = client.get("/api/v1/insights", params={"since": "24h"}, headers=key("editor")).json()
    assert every["totals"]["questions"] == asked + 1
    assert every["empty_searches"] == [{"question": "zzqx flurble", "count": 1}]


def test_gaps_and_their_one_step_fix(client: TestClient, sample: KnowledgeBase, key: Key) -> None:
    for questions in GAPS.values():
        for question in questions:
            assert _ask(client, question)["status"] != "answered"
    sample.events.flush()
    editor = key("editor")
    gaps = client.get("/api/v1/insights/gaps", params={"since": "1d"}, headers=editor)
    assert gaps.status_code == 200, gaps.text
    clusters = gaps.json()["clusters"]
    assert {frozenset(c["questions"]) for c in clusters} == {frozenset(q) for q in GAPS.values()}
    pets = next(c for c in clusters if "insurance for my cat" in c["questions"])
    assert pets["size"] == 3 and pets["locale"] == "en" and pets["nearest"]["unit_id"]
    fix = {"unit_id": "accessibility-support", "locale": "en", "questions": pets["questions"]}
    done = client.post("/api/v1/insights/gaps/questions", json=fix, headers=editor)
    assert done.status_code == 200, done.text
    assert done.json()["added"] == pets["questions"]
    assert done.json()["revision"] == sample.draft_unit("accessibility-support", "en").number
    published = client.post("/api/v1/releases", json={"message": "gap"}, headers=key("publisher"))
    assert published.status_code in (200, 201), published.text
    for question in pets["questions"]:
        answer = _ask(client, question)
        assert (answer["status"], answer["unit_id"]) == ("answered", "accessibility-support")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/insights"),
        ("GET", "/api/v1/insights/gaps"),
        ("POST", "/api/v1/insights/gaps/questions"),
    ],
)
def test_only_editors_and_above_see_insights(
    drafts_only: TestClient, key: Key, method: str, path: str
) -> None:
    client = drafts_only
    body = {"unit_id": "top-up", "locale": "en", "questions": ["top up credit"]}
    kwargs = {"json": body} if method == "POST" else {}
    anonymous = client.request(method, path, **kwargs)
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    for role in ("reader", "operator"):
        refused = client.request(method, path, headers=key(role), **kwargs)
        assert refused.status_code == 403, role
        assert "editor" in refused.json()["detail"]
    for role in ("editor", "admin"):
        assert client.request(method, path, headers=key(role), **kwargs).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "7x"}, "since"),
        ({"since": "last week"}, "since"),
        ({"since": "0d"}, "since"),
        ({"since": "2026-12-01"}, "since"),
        ({"channel": "fax"}, "channel"),
        ({"locale": "English"}, "locale"),
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/insights", "/api/v1/insights/gaps"])
def test_a_bad_parameter_is_a_422_naming_it(
    drafts_only: TestClient, key: Key, path: str, params: dict[str, str], field: str
) -> None:
    response = drafts_only.get(path, params=params, headers=key("editor"))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert [(e["source"], e["field"]) for e in problem["errors"]] == [("query", field)]
    assert field in problem["detail"]


def test_adding_questions_to_an_unknown_unit_or_with_a_bad_body_says_what(
    drafts_only: TestClient, key: Key
) -> None:
    client = drafts_only
    editor = key("editor")
    path = "/api/v1/insights/gaps/questions"
    unknown = {"unit_id": "no-such-unit", "locale": "en", "questions": ["q"]}
    missing = client.post(path, json=unknown, headers=editor)
    assert missing.status_code == 404
    assert "no-such-unit" in missing.json()["detail"]
    for body, field in (
        ({"unit_id": "top-up", "locale": "en", "questions": []}, "questions"),
        ({"unit_id": "top-up", "locale": "en", "questions": "q"}, "questions"),
        ({"unit_id": "Top Up", "locale": "en", "questions": ["q"]}, "unit_id"),
        ({"unit_id": "top-up", "questions": ["q"]}, "locale"),
    ):
        response = client.post(path, json=body, headers=editor)
        assert response.status_code == 422, body
        assert [e["field"] for e in response.json()["errors"]] == [field]
