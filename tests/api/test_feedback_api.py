"""POST and GET /api/v1/feedback through the real app: votes with and without a receipt, flags
for operators, the list a unit's owner reads, and the limits (size, fields, rate)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from api import create_app
from kb import KnowledgeBase
from kb.events.feedback import list_feedback
from kb.events.served import Served
from kb.settings import Settings
from tests.conftest import make_unit

Key = Callable[[str], dict[str, str]]
CARD = "4111 1111 1111 1111"  # a test Visa number: passes the Luhn check
EMAIL = "anna.petrova@example.com"
PHONE = "+359 888 123 456"


@pytest.fixture
def published(kb: KnowledgeBase) -> KnowledgeBase:
    kb.save_unit(make_unit("check-balance", body="Dial *100# to hear your balance."), author="t")
    kb.save_unit(make_unit("roaming", body="Turn on roaming in the app."), author="t")
    kb.save_unit(
        make_unit("fraud-desk", audience="internal", body="Escalate to the fraud desk."),
        author="t",
    )
    kb.publish(author="t")
    return kb


@pytest.fixture
def client(published: KnowledgeBase) -> Iterator[TestClient]:
    with TestClient(create_app(published)) as test_client:
        yield test_client


def answer_receipt(client: TestClient, q: str = "question about roaming") -> str:
    """The receipt of a real answer, as the delivery route issued it."""
    response = client.get("/api/v1/answer", params={"q": q, "locale": "en"})
    assert response.status_code == 200, response.text
    return response.headers["X-KB-Receipt"]


def recorded_receipt(kb: KnowledgeBase, unit_id: str, channel: str = "web") -> str:
    """A receipt recorded straight through the recorder, as a delivery route records one."""
    served = Served("unit", channel, "en", 1, unit_id=unit_id, revision=1)
    receipt = kb.events.record(served)
    assert receipt is not None
    return receipt


def problem(response, status: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, object] = response.json()
    return body


def test_a_vote_on_a_receipt_takes_the_unit_and_channel_from_it(
    client: TestClient, published: KnowledgeBase
) -> None:
    receipt = recorded_receipt(published, "roaming", channel="chatbot")
    response = client.post(
        "/api/v1/feedback", json={"receipt": receipt, "helpful": False, "reason": "outdated"}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["kind"], body["receipt"], body["unit_id"]) == ("vote", receipt, "roaming")
    assert (body["helpful"], body["reason"]) == (False, "outdated")
    assert isinstance(body["id"], int) and body["at"].endswith(("Z", "+00:00"))
    [row] = list_feedback(published.db)
    assert (row.channel, row.actor, row.unit_id) == ("chatbot", None, "roaming")


def test_the_receipt_wins_over_a_unit_id_given_beside_it(
    client: TestClient, published: KnowledgeBase
) -> None:
    receipt = recorded_receipt(published, "roaming")
    body = client.post(
        "/api/v1/feedback", json={"receipt": receipt, "unit_id": "check-balance", "helpful": True}
    ).json()
    assert body["unit_id"] == "roaming"


def test_a_vote_on_a_real_answer_receipt(client: TestClient) -> None:
    receipt = answer_receipt(client)
    body = client.post("/api/v1/feedback", json={"receipt": receipt, "helpful": True}).json()
    assert (body["unit_id"], body["helpful"]) == ("roaming", True)


def test_the_chatbot_quick_reply_payload_with_its_receipt_is_a_vote(
    client: TestClient, published: KnowledgeBase
) -> None:
    """What a bot platform posts back when the customer taps "No", after the unit was withdrawn:
    the receipt says what was served, so the vote still counts for it."""
    asked = client.get("/api/v1/answer", params={"q": "question about roaming", "locale": "en"})
    no = asked.json()["content"]["feedback"]["quick_replies"][1]["payload"]
    published.archive_unit("roaming", "en", author="t")
    published.publish(author="t")
    receipt = asked.headers["X-KB-Receipt"]
    response = client.post("/api/v1/feedback", json={**no, "receipt": receipt})
    assert response.status_code == 201, response.text
    assert (response.json()["unit_id"], response.json()["helpful"]) == ("roaming", False)
    [row] = list_feedback(published.db)
    assert row.channel == "chatbot"


def test_a_vote_without_a_receipt_names_its_unit(
    client: TestClient, published: KnowledgeBase
) -> None:
    response = client.post("/api/v1/feedback", json={"unit_id": "check-balance", "helpful": True})
    assert response.status_code == 201, response.text
    assert response.json()["receipt"] is None
    assert response.json()["unit_id"] == "check-balance"
    [row] = list_feedback(published.db, unit_id="check-balance")
    assert row.channel is None and row.kind == "vote"


def test_a_vote_on_an_unknown_or_internal_unit_is_refused_alike(client: TestClient) -> None:
    for unit_id in ("no-such-unit", "fraud-desk"):
        body = problem(
            client.post("/api/v1/feedback", json={"unit_id": unit_id, "helpful": True}), 404
        )
        assert body["detail"] == f"unit_id: no published unit '{unit_id}'"


def test_a_flag_needs_an_operator_key(client: TestClient, key: Key) -> None:
    flag = {"unit_id": "check-balance", "flag": True, "reason": "wrong", "comment": "Now *101#."}
    assert problem(client.post("/api/v1/feedback", json=flag), 401)["status"] == 401
    reader = client.post("/api/v1/feedback", json=flag, headers=key("reader"))
    assert "operator" in str(problem(reader, 403)["detail"])
    made = client.post("/api/v1/feedback", json=flag, headers=key("operator"))
    assert made.status_code == 201, made.text
    assert (made.json()["kind"], made.json()["helpful"]) == ("flag", False)
    # An operator may flag an internal unit too.
    internal = client.post(
        "/api/v1/feedback", json={"unit_id": "fraud-desk", "flag": True}, headers=key("operator")
    )
    assert internal.status_code == 201, internal.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"unit_id": "check-balance", "helpful": True, "mood": "happy"}, "mood"),
        ({"unit_id": "check-balance", "helpful": "yes"}, "helpful"),
        ({"unit_id": "check-balance", "helpful": 1}, "helpful"),
        ({"receipt": "ABC", "helpful": True}, "receipt"),
        ({"receipt": "g" * 32, "helpful": True}, "receipt"),
        ({"unit_id": "check-balance", "helpful": False, "reason": "boring"}, "reason"),
        ({"unit_id": "check-balance", "helpful": False, "comment": "x" * 1001}, "comment"),
        ({"unit_id": "", "helpful": True}, "unit_id"),
        ({"unit_id": "x" * 201, "helpful": True}, "unit_id"),
        ({"unit_id": "check-balance", "flag": "true"}, "flag"),
    ],
)
def test_a_bad_body_is_a_problem_naming_the_field(
    client: TestClient, body: dict[str, object], field: str
) -> None:
    errors = problem(client.post("/api/v1/feedback", json=body), 422)["errors"]
    assert isinstance(errors, list)
    assert [e["field"] for e in errors] == [field], errors


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"unit_id": "check-balance"}, "helpful"),  # a vote without its answer
        ({"helpful": True}, "receipt"),  # about nothing
        ({"unit_id": "check-balance", "flag": True, "helpful": True}, "helpful"),
    ],
)
def test_what_a_vote_or_flag_needs_is_named_by_field(
    client: TestClient, key: Key, body: dict[str, object], field: str
) -> None:
    response = client.post("/api/v1/feedback", json=body, headers=key("operator"))
    errors = problem(response, 422)["errors"]
    assert isinstance(errors, list)
    assert [e["field"] for e in errors] == [field], errors


def test_a_body_that_is_no_json_object_is_refused(client: TestClient) -> None:
    for content in (b"[]", b"not json", b'"helpful"'):
        response = client.post(
            "/api/v1/feedback", content=content, headers={"Content-Type": "application/json"}
        )
        problem(response, 422)


def test_a_body_over_four_kibibytes_is_413(client: TestClient, published: KnowledgeBase) -> None:
    padded = json.dumps({"unit_id": "check-balance", "helpful": True, "comment": "x" * 900})
    big = padded + " " * (4097 - len(padded))
    assert len(big.encode()) == 4097
    headers = {"Content-Type": "application/json"}
    body = problem(client.post("/api/v1/feedback", content=big, headers=headers), 413)
    assert "4096 bytes" in str(body["detail"])

    def chunked() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield big[:2000].encode()
        yield big[2000:].encode()

    problem(client.post("/api/v1/feedback", content=chunked(), headers=headers), 413)
    exact = padded + " " * (4096 - len(padded))
    assert client.post("/api/v1/feedback", content=exact, headers=headers).status_code == 201
    assert len(list_feedback(published.db)) == 1


def test_a_comment_is_stored_without_the_email_and_card_number(
    client: TestClient, published: KnowledgeBase, key: Key
) -> None:
    comment = f"Charged twice on {CARD}, write to {EMAIL} or call {PHONE} please"
    response = client.post(
        "/api/v1/feedback",
        json={"unit_id": "check-balance", "helpful": False, "comment": comment},
    )
    assert response.status_code == 201, response.text
    [row] = list_feedback(published.db)
    assert row.comment is not None and "Charged twice on" in row.comment
    assert CARD not in row.comment and "1111" not in row.comment
    assert EMAIL not in row.comment and "anna.petrova" not in row.comment
    assert "123 456" not in row.comment and "888" not in row.comment
    listed = client.get("/api/v1/feedback", headers=key("editor")).text
    assert "Charged twice" in listed and "1111" not in listed and "anna.petrova" not in listed


def test_the_list_shows_a_units_flags_newest_first_to_editors(client: TestClient, key: Key) -> None:
    operator = key("operator")
    for comment in ("first: the code changed", "second: the price is old"):
        flag = {"unit_id": "check-balance", "flag": True, "reason": "outdated", "comment": comment}
        assert client.post("/api/v1/feedback", json=flag, headers=operator).status_code == 201
    client.post("/api/v1/feedback", json={"unit_id": "check-balance", "helpful": True})
    client.post("/api/v1/feedback", json={"unit_id": "roaming", "flag": True}, headers=operator)

    query = {"unit_id": "check-balance", "kind": "flag"}
    for role in (None, "reader", "operator"):
        refused = client.get("/api/v1/feedback", params=query, headers=key(role) if role else None)
        assert refused.status_code == (401 if role is None else 403)
    response = client.get("/api/v1/feedback", params=query, headers=key("editor"))
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [i["comment"] for i in items] == ["second: the price is old", "first: the code changed"]
    assert {(i["kind"], i["unit_id"], i["actor"]) for i in items} == {
        ("flag", "check-balance", "operator key")
    }
    everything = client.get("/api/v1/feedback", headers=key("editor")).json()["items"]
    assert [(i["kind"], i["unit_id"]) for i in everything] == [
        ("flag", "roaming"),
        ("vote", "check-balance"),
        ("flag", "check-balance"),
        ("flag", "check-balance"),
    ]
    since = everything[1]["at"]
    recent = client.get("/api/v1/feedback", params={"since": since}, headers=key("editor"))
    assert [i["unit_id"] for i in recent.json()["items"]] == ["roaming", "check-balance"]
    for bad in ("0.5", "7d", "2026-12-01"):  # pydantic alone took a number as Unix time
        refused = client.get("/api/v1/feedback", params={"since": bad}, headers=key("editor"))
        assert problem(refused, 422)["errors"][0]["field"] == "since"  # type: ignore[index]


def test_the_rate_limit_answers_429_with_retry_after(settings: Settings, key: Key) -> None:
    with KnowledgeBase.open(replace(settings, feedback_per_minute=3)) as kb:
        kb.save_unit(make_unit("check-balance"), author="t")
        kb.publish(author="t")
        with TestClient(create_app(kb)) as client:
            vote = {"unit_id": "check-balance", "helpful": True}
            assert [client.post("/api/v1/feedback", json=vote).status_code for _ in range(3)] == [
                201
            ] * 3
            refused = client.post("/api/v1/feedback", json=vote)
            body = problem(refused, 429)
            assert 1 <= int(refused.headers["Retry-After"]) <= 20
            assert "3 a minute" in str(body["detail"])
            # Another client (a key) has its own allowance; the refused post was not stored.
            secret = kb.create_key(name="widget", role="reader", author="t").secret
            keyed = client.post(
                "/api/v1/feedback", json=vote, headers={"Authorization": f"Bearer {secret}"}
            )
            assert keyed.status_code == 201, keyed.text
            assert len(list_feedback(kb.db)) == 4


def test_anonymous_votes_need_anonymous_access(settings: Settings) -> None:
    with KnowledgeBase.open(replace(settings, anonymous_access=False)) as kb:
        kb.save_unit(make_unit("check-balance"), author="t")
        kb.publish(author="t")
        with TestClient(create_app(kb)) as client:
            vote = {"unit_id": "check-balance", "helpful": True}
            assert client.post("/api/v1/feedback", json=vote).status_code == 401
