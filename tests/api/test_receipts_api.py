"""GET /api/v1/receipts/{receipt} and /api/v1/conversations/{conversation} through the real app:
what a customer was told, exactly, for operators only, however many releases came since."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from api import create_app
from kb import KnowledgeBase
from kb.events.served import Served
from tests.conftest import make_unit

Key = Callable[[str], dict[str, str]]
ROAMING = "Turn on roaming in the app before you travel. It costs 5 EUR a day."


@pytest.fixture
def published(kb: KnowledgeBase) -> KnowledgeBase:
    kb.save_unit(make_unit("check-balance", body="Dial *100# to hear your balance."), author="t")
    kb.save_unit(make_unit("roaming", title="How do I turn on roaming?", body=ROAMING), author="t")
    kb.save_unit(
        make_unit(
            "fraud-desk",
            audience="internal",
            body="Escalate to the fraud desk on extension 4411.",
        ),
        author="t",
    )
    kb.publish(author="t")
    return kb


@pytest.fixture
def client(published: KnowledgeBase) -> Iterator[TestClient]:
    with TestClient(create_app(published)) as test_client:
        yield test_client


def republish(kb: KnowledgeBase, body: str) -> None:
    """A new release in which the roaming unit says `body`."""
    kb.save_unit(make_unit("roaming", title="How do I turn on roaming?", body=body), author="t")
    kb.publish(author="t")


def receipt_of(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    receipt: str = response.headers["X-KB-Receipt"]
    return receipt


def read(client: TestClient, key: Key, receipt: str) -> dict[str, object]:
    response = client.get(f"/api/v1/receipts/{receipt}", headers=key("operator"))
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


@pytest.mark.parametrize("channel", ["chatbot", "ivr", "web"])
def test_a_receipt_still_shows_what_was_served_after_two_releases_changed_the_unit(
    client: TestClient, published: KnowledgeBase, key: Key, channel: str
) -> None:
    asked = client.get(
        "/api/v1/answer",
        params={"q": "question about roaming", "channel": channel, "locale": "en"},
    )
    receipt = receipt_of(asked)
    answer = asked.json()
    assert (answer["status"], answer["unit_id"]) == ("answered", "roaming")
    republish(published, "Roaming is on by default now.")
    republish(published, "Roaming is free in the EU.")
    current = client.get("/api/v1/units/roaming", params={"channel": channel, "locale": "en"})
    assert current.json()["revision"] == 3 and "5 EUR" not in current.json()["content"]

    body = read(client, key, receipt)
    assert body["content"] == answer["content"]["body"]
    assert body["media_type"] == answer["content"]["media_type"]
    assert "5 EUR" in str(body["content"])
    assert (body["kb_version"], body["revision"], body["unit_id"]) == (1, 1, "roaming")
    assert (body["current_revision"], body["changed_since"]) == (3, True)
    assert (body["kind"], body["channel"], body["locale"]) == ("answer", channel, "en")
    assert (body["status"], body["confidence"]) == ("answered", answer["confidence"])
    assert body["title"] == "How do I turn on roaming?"
    assert body["question"] == "question about roaming"
    assert body["receipt"] == receipt and str(body["at"]).endswith(("Z", "+00:00"))
    # Another process (nothing rendered or loaded yet) renders it again from release 1.
    with KnowledgeBase.open(published.settings) as again, TestClient(create_app(again)) as fresh:
        assert read(fresh, key, receipt) == body


def test_a_receipt_of_an_unchanged_unit_says_so(client: TestClient, key: Key) -> None:
    receipt = receipt_of(client.get("/api/v1/units/check-balance", params={"locale": "en"}))
    body = read(client, key, receipt)
    assert (body["kind"], body["channel"], body["revision"]) == ("unit", "web", 1)
    assert (body["current_revision"], body["changed_since"]) == (1, False)
    assert body["content"] == client.get("/api/v1/units/check-balance").json()["content"]


def test_an_operator_channel_receipt_shows_the_internal_unit_as_the_operator_saw_it(
    client: TestClient, key: Key
) -> None:
    operator = key("operator")
    viewed = client.get(
        "/api/v1/units/fraud-desk", params={"channel": "operator"}, headers=operator
    )
    body = read(client, key, receipt_of(viewed))
    assert body["content"] == viewed.json()["content"] and "4411" in str(body["content"])


def test_a_receipt_of_a_withdrawn_unit_has_no_current_revision(
    client: TestClient, published: KnowledgeBase, key: Key
) -> None:
    asked = client.get("/api/v1/answer", params={"q": "question about roaming", "locale": "en"})
    receipt = receipt_of(asked)
    published.archive_unit("roaming", "en", author="t")
    published.publish(author="t")
    body = read(client, key, receipt)
    assert (body["current_revision"], body["changed_since"]) == (None, True)
    assert body["content"] == asked.json()["content"]["body"]


def test_a_search_receipt_lists_its_hits_and_has_no_content(client: TestClient, key: Key) -> None:
    searched = client.get("/api/v1/search", params={"q": "roaming", "locale": "en"})
    body = read(client, key, receipt_of(searched))
    assert body["kind"] == "search" and body["hits"] == searched.json()["total"]
    assert body["units"] == [hit["unit_id"] for hit in searched.json()["hits"]]
    assert (body["unit_id"], body["content"], body["media_type"]) == (None, None, None)
    assert body["changed_since"] is False


def test_receipts_and_conversations_are_for_operators_and_above(
    client: TestClient, key: Key
) -> None:
    receipt = receipt_of(client.get("/api/v1/units/check-balance"))
    for path in (f"/api/v1/receipts/{receipt}", "/api/v1/conversations/chat-1"):
        anonymous = client.get(path)
        assert anonymous.status_code == 401, anonymous.text
        assert anonymous.headers["content-type"].startswith("application/problem+json")
        assert anonymous.headers["WWW-Authenticate"] == "Bearer"
        reader = client.get(path, headers=key("reader"))
        assert reader.status_code == 403 and "operator" in reader.json()["detail"]
        for role in ("operator", "editor", "admin"):
            assert client.get(path, headers=key(role)).status_code == 200


def test_an_unknown_receipt_is_404_and_a_malformed_one_422(client: TestClient, key: Key) -> None:
    operator = key("operator")
    unknown = client.get(f"/api/v1/receipts/{'0' * 32}", headers=operator)
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
    for bad in ("0" * 31, "A" * 32, "0" * 33, "g" * 32):
        response = client.get(f"/api/v1/receipts/{bad}", headers=operator)
        assert response.status_code == 422, bad
        assert response.json()["errors"][0]["field"] == "receipt"
    bad_conversation = client.get("/api/v1/conversations/a%20b", headers=operator)
    assert bad_conversation.status_code == 422


def test_a_conversations_receipts_in_order_across_answer_search_and_unit(
    client: TestClient, published: KnowledgeBase, key: Key
) -> None:
    chat = {"conversation": "chatwoot:4711", "locale": "en"}
    question = {"q": "question about roaming", **chat}
    receipts = [
        receipt_of(client.get("/api/v1/answer", params=question)),
        receipt_of(client.get("/api/v1/search", params={"q": "balance", **chat})),
        receipt_of(client.get("/api/v1/units/check-balance", params=chat)),
        receipt_of(client.get("/api/v1/answer", params=question)),  # from this process's cache
    ]
    client.get("/api/v1/units/roaming", params={"conversation": "other", "locale": "en"})
    client.get("/api/v1/units/roaming", params={"locale": "en"})
    republish(published, "Roaming is free in the EU.")
    receipts.append(receipt_of(client.get("/api/v1/answer", params=question)))

    response = client.get("/api/v1/conversations/chatwoot:4711", headers=key("operator"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["conversation"] == "chatwoot:4711"
    listed = body["receipts"]
    assert [r["receipt"] for r in listed] == receipts
    assert [r["kind"] for r in listed] == ["answer", "search", "unit", "answer", "answer"]
    assert [r["kb_version"] for r in listed] == [1, 1, 1, 1, 2]
    assert [r["changed_since"] for r in listed] == [True, False, False, True, False]
    assert listed[0]["content"] == listed[3]["content"] and "5 EUR" in listed[0]["content"]
    assert "free in the EU" in listed[4]["content"]
    assert {r["conversation"] for r in listed} == {"chatwoot:4711"}
    other = client.get("/api/v1/conversations/other", headers=key("operator")).json()
    assert [r["unit_id"] for r in other["receipts"]] == ["roaming"]
    nobody = client.get("/api/v1/conversations/nobody", headers=key("operator"))
    assert (nobody.status_code, nobody.json()) == (
        200,
        {"conversation": "nobody", "receipts": []},
    )


def test_a_receipt_recorded_by_the_recorder_is_read_back_at_once(
    client: TestClient, published: KnowledgeBase, key: Key
) -> None:
    """The route writes what this process queued before it reads (no wait for the writer)."""
    served = Served("answer", "chatbot", "en", 1, "check-balance", 1, "answered", 0.91)
    receipt = published.events.record(served, question="my balance", via="ivr")
    assert receipt is not None
    body = read(client, key, receipt)
    assert (body["via"], body["confidence"], body["question"]) == ("ivr", 0.91, "my balance")
    assert "*100#" in str(body["content"])
