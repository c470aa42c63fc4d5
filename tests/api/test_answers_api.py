"""GET /api/v1/answer and /api/v1/search, exactly as PRODUCT.md describes them."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from api import create_app
from importers import read_folder
from kb import KnowledgeBase
from kb.settings import DEFAULT_CHANNELS, Settings
from tests.conftest import SAMPLE_CONTENT


@pytest.fixture
def client(kb: KnowledgeBase) -> TestClient:
    kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
    kb.publish(author="t")
    return TestClient(create_app(kb))


def test_answer_returns_the_unit_rendered_for_the_channel(client: TestClient) -> None:
    response = client.get("/api/v1/answer", params={"q": "my phone was stolen", "channel": "ivr"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "answered"
    assert body["unit_id"] == "lost-or-stolen-phone"
    assert body["content"]["body"].startswith("<speak")
    assert body["kb_version"] == 1 and response.headers["X-KB-Version"] == "1"
    assert set(body) >= {
        "status",
        "unit_id",
        "title",
        "confidence",
        "content",
        "routing",
        "alternatives",
        "kb_version",
    }


def test_answer_says_no_answer_with_a_routing_hint(client: TestClient) -> None:
    body = client.get("/api/v1/answer", params={"q": "who won the football world cup"}).json()
    assert body["status"] == "no_answer"
    assert body["unit_id"] is None and body["content"] is None


def test_answer_in_russian(client: TestClient) -> None:
    body = client.get(
        "/api/v1/answer", params={"q": "у меня украли телефон", "locale": "ru"}
    ).json()
    assert (body["status"], body["unit_id"]) == ("answered", "lost-or-stolen-phone")
    assert "<p>" in body["content"]["body"] or body["content"]["body"]


def test_search_returns_ranked_highlighted_hits(client: TestClient) -> None:
    response = client.get("/api/v1/search", params={"q": "roamng", "limit": 3})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["did_you_mean"] == "roaming"
    assert len(body["hits"]) == 3 and body["total"] >= 3
    assert all("<mark>" in hit["snippet"] for hit in body["hits"])
    assert body["kb_version"] == 1


def test_search_never_shows_internal_units_to_anonymous_callers(client: TestClient) -> None:
    hits = client.get("/api/v1/search", params={"q": "goodwill credit"}).json()["hits"]
    assert "goodwill-credit-policy" not in [h["unit_id"] for h in hits]


def test_operator_channel_and_bad_parameters_are_refused(client: TestClient) -> None:
    operator = client.get("/api/v1/answer", params={"q": "balance", "channel": "operator"})
    assert operator.status_code == 401
    too_long = client.get("/api/v1/answer", params={"q": "x" * 501})
    assert too_long.status_code == 422
    assert too_long.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/v1/search", params={"q": "a", "limit": 500}).status_code == 422


def test_chatbot_answer_links_to_absolute_unit_pages_with_a_public_url(settings: Settings) -> None:
    site = replace(settings, public_url="https://help.aurora.example")
    with KnowledgeBase.open(site) as kb:
        kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
        kb.publish(author="t")
        body = (
            TestClient(create_app(kb))
            .get("/api/v1/answer", params={"q": "how do I check my balance", "locale": "en"})
            .json()
        )
    content = body["content"]
    assert content["more_url"] == "https://help.aurora.example/units/check-balance?locale=en"
    assert content["text"].endswith(
        "Open My Account (https://aurora-mobile.example/my-account) to see your balance. See also"
        " how to check your data usage"
        " (https://help.aurora.example/units/check-data-usage?locale=en) and how to top up"
        " (https://help.aurora.example/units/top-up?locale=en)."
    )


# -- which locale answers ---------------------------------------------------------------------


def test_a_russian_question_without_a_locale_is_answered_in_russian(client: TestClient) -> None:
    body = client.get("/api/v1/answer", params={"q": "у меня украли телефон"}).json()
    assert (body["status"], body["unit_id"]) == ("answered", "lost-or-stolen-phone")
    assert (body["locale"], body["locale_source"], body["fallback"]) == ("ru", "detected", False)
    assert body["confidence"] > 0.5
    assert body["content"]["text"].startswith("Сразу позвоните нам")


def test_accept_language_chooses_the_locale_by_q_value(client: TestClient) -> None:
    headers = {"Accept-Language": "de-DE, ru;q=0.8, en;q=0.5"}
    response = client.get("/api/v1/answer", params={"q": "украли телефон"}, headers=headers)
    body = response.json()
    assert (body["locale"], body["locale_source"]) == ("ru", "accept-language")
    assert body["unit_id"] == "lost-or-stolen-phone"
    assert "Accept-Language" in response.headers["Vary"]


def test_the_locale_parameter_wins_over_accept_language_and_the_words(
    client: TestClient,
) -> None:
    params = {"q": "у меня украли телефон", "locale": "en"}
    body = client.get("/api/v1/answer", params=params, headers={"Accept-Language": "ru"}).json()
    assert (body["locale"], body["locale_source"], body["fallback"]) == ("en", "parameter", False)


def test_an_english_question_is_detected_and_a_missing_locale_falls_back(
    client: TestClient,
) -> None:
    english = client.get("/api/v1/answer", params={"q": "my phone was stolen"}).json()
    assert (english["locale"], english["locale_source"]) == ("en", "detected")
    missing = client.get("/api/v1/answer", params={"q": "my phone was stolen", "locale": "de"})
    body = missing.json()
    assert (body["locale"], body["locale_source"], body["fallback"]) == ("en", "default", True)


def test_the_same_question_with_and_without_accept_language_has_two_etags(
    client: TestClient,
) -> None:
    params = {"q": "у меня украли телефон"}
    detected = client.get("/api/v1/answer", params=params)
    accepted = client.get("/api/v1/answer", params=params, headers={"Accept-Language": "ru"})
    assert detected.headers["ETag"] != accepted.headers["ETag"]
    assert accepted.json()["locale_source"] == "accept-language"


def test_search_without_a_locale_searches_in_the_words_language(client: TestClient) -> None:
    body = client.get("/api/v1/search", params={"q": "роуминг"}).json()
    assert (body["locale"], body["locale_source"]) == ("ru", "detected")
    assert body["hits"] and "roaming-europe" in [h["unit_id"] for h in body["hits"]]


def test_the_document_names_the_locale_sources_and_the_accept_language_header(
    client: TestClient,
) -> None:
    document = client.get("/openapi.json").json()
    answer = document["components"]["schemas"]["AnswerOut"]["properties"]["locale_source"]
    assert answer["enum"] == ["parameter", "accept-language", "detected", "default"]
    parameters = document["paths"]["/api/v1/answer"]["get"]["parameters"]
    assert {"name": "accept-language", "in": "header"}.items() <= next(
        p for p in parameters if p["in"] == "header"
    ).items()
