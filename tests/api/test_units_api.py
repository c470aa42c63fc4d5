"""Reading published units over HTTP: per channel, only what that channel may show."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from api import create_app
from kb import KnowledgeBase
from tests.conftest import make_unit

PROBLEM_JSON = "application/problem+json"

BALANCE_BODY = """\
Dial *100# to hear your balance.

::: internal
Verify the caller's identity before reading a balance aloud.
:::

::: only ivr
Press 1 to hear your balance now.
:::

::: only web
Your balance is also on the first screen of the web account page.
:::

::: only web chatbot
See also the tariffs page.
:::
"""


@pytest.fixture
def client(kb: KnowledgeBase) -> Iterator[TestClient]:
    with TestClient(create_app(kb)) as test_client:
        yield test_client


def publish(kb: KnowledgeBase, message: str = "") -> int:
    plan = kb.publish(author="tester", message=message)
    assert plan.release is not None
    return plan.release


def save_balance(kb: KnowledgeBase, **fields: object) -> None:
    values: dict[str, object] = {"title": "How do I check my balance?", "body": BALANCE_BODY}
    values.update(fields)
    kb.save_unit(make_unit("check-balance", **values), author="tester")


def get_unit(client: TestClient, unit_id: str = "check-balance", **params: str) -> httpx.Response:
    return client.get(
        f"/api/v1/units/{unit_id}", params={"channel": "web", "locale": "en", **params}
    )


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert isinstance(body["detail"], str) and body["detail"]
    return body


# -- health -----------------------------------------------------------------------------------


def test_healthz_says_alive_even_before_the_first_publish(client: TestClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_503_until_something_is_published(client: TestClient) -> None:
    body = assert_problem(client.get("/readyz"), 503)

    assert "published" in str(body["detail"])


def test_readyz_reports_the_release_whose_index_and_matchers_are_loaded(
    client: TestClient, kb: KnowledgeBase
) -> None:
    save_balance(kb)
    publish(kb)
    assert client.get("/readyz").json()["kb_version"] == 1

    kb.save_unit(make_unit("top-up"), author="tester")
    publish(kb)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "kb_version": 2,
        "current_release": 2,
        "locales": ["en"],
        "units": 2,
    }


# -- one unit ---------------------------------------------------------------------------------


def test_unit_returns_title_content_and_kb_version_in_body_and_header(
    client: TestClient, kb: KnowledgeBase
) -> None:
    save_balance(kb, category="billing", tags=("balance",))
    publish(kb)

    response = get_unit(client)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["unit_id"] == "check-balance"
    assert body["locale"] == "en"
    assert body["title"] == "How do I check my balance?"
    assert body["category"] == "billing"
    assert body["tags"] == ["balance"]
    assert body["kb_version"] == 1
    assert body["content"].startswith("<p>Dial *100# to hear your balance.")
    assert body["media_type"] == "text/html"
    assert response.headers["X-KB-Version"] == "1"


def test_web_content_never_contains_internal_notes(client: TestClient, kb: KnowledgeBase) -> None:
    save_balance(kb)
    publish(kb)

    content = get_unit(client).json()["content"]

    assert "Verify the caller" not in content
    assert "internal" not in content


def test_web_content_leaves_out_ivr_only_blocks_and_keeps_web_blocks(
    client: TestClient, kb: KnowledgeBase
) -> None:
    save_balance(kb)
    publish(kb)

    content = get_unit(client).json()["content"]

    assert "Press 1" not in content
    assert "first screen of the web account page" in content
    assert "See also the tariffs page." in content
    assert "Dial *100# to hear your balance." in content


def test_ivr_content_keeps_ivr_blocks_and_leaves_out_web_and_internal_ones(
    client: TestClient, kb: KnowledgeBase
) -> None:
    save_balance(kb)
    publish(kb)

    response = get_unit(client, channel="ivr")

    assert response.status_code == 200, response.text
    content = response.json()["content"]
    assert "Press 1 to hear your balance now." in content
    assert "web account page" not in content
    assert "tariffs" not in content
    assert "Verify the caller" not in content


def test_operator_channel_is_refused_without_a_key(client: TestClient, kb: KnowledgeBase) -> None:
    save_balance(kb)
    publish(kb)

    response = get_unit(client, channel="operator")
    body = assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"

    assert "Verify the caller" not in str(body)


def test_internal_audience_unit_is_not_found_for_web(client: TestClient, kb: KnowledgeBase) -> None:
    kb.save_unit(
        make_unit("fraud-procedure", audience="internal", body="Escalate to the fraud desk."),
        author="tester",
    )
    save_balance(kb)
    publish(kb)

    for channel in ("web", "chatbot", "ivr"):
        body = assert_problem(get_unit(client, "fraud-procedure", channel=channel), 404)
        assert "fraud desk" not in str(body)
    assert get_unit(client).status_code == 200


def test_unit_limited_to_other_channels_is_not_found_for_web(
    client: TestClient, kb: KnowledgeBase
) -> None:
    kb.save_unit(make_unit("press-one", channels=("ivr",)), author="tester")
    publish(kb)

    assert_problem(get_unit(client, "press-one"), 404)
    assert get_unit(client, "press-one", channel="ivr").status_code == 200


def test_unknown_unit_is_a_404_problem_with_a_detail(client: TestClient, kb: KnowledgeBase) -> None:
    save_balance(kb)
    publish(kb)

    body = assert_problem(get_unit(client, "no-such-unit"), 404)

    assert "no-such-unit" in str(body["detail"])


def test_unit_in_a_locale_it_is_not_written_in_falls_back_to_the_default_and_says_so(
    client: TestClient, kb: KnowledgeBase
) -> None:
    save_balance(kb)
    kb.save_unit(make_unit("top-up", locale="ru", title="Пополнение"), author="tester")
    publish(kb)

    fallback = get_unit(client, locale="ru").json()
    native = get_unit(client, "top-up", locale="ru").json()

    assert (fallback["locale"], fallback["fallback"]) == ("en", True)
    assert fallback["title"] == "How do I check my balance?"
    assert (native["locale"], native["fallback"], native["title"]) == ("ru", False, "Пополнение")
    assert get_unit(client).json()["fallback"] is False


def test_unknown_channel_is_a_422_problem(client: TestClient, kb: KnowledgeBase) -> None:
    save_balance(kb)
    publish(kb)

    body = assert_problem(get_unit(client, channel="fax"), 422)

    assert "fax" in str(body["detail"])


def test_overlong_channel_name_is_a_422_problem_like_any_unknown_channel(
    client: TestClient, kb: KnowledgeBase
) -> None:
    save_balance(kb)
    publish(kb)

    body = assert_problem(get_unit(client, channel="a-very-long-channel-name"), 422)

    assert "channel" in str(body["detail"])


def test_unit_before_the_first_publish_is_a_404(client: TestClient, kb: KnowledgeBase) -> None:
    save_balance(kb)

    assert_problem(get_unit(client), 404)


def test_draft_saved_after_publishing_is_invisible_until_the_next_publish(
    client: TestClient, kb: KnowledgeBase
) -> None:
    save_balance(kb)
    publish(kb)
    assert get_unit(client).status_code == 200  # the release is now read (and cached)

    save_balance(kb, title="Checking your balance", body="Open the app.")
    kb.save_unit(make_unit("top-up"), author="tester")

    served = get_unit(client).json()
    assert served["title"] == "How do I check my balance?"
    assert served["content"].startswith("<p>Dial *100#")
    assert served["kb_version"] == 1
    assert get_unit(client, "top-up").status_code == 404

    publish(kb)

    updated = get_unit(client)
    assert updated.json()["title"] == "Checking your balance"
    assert updated.json()["content"] == "<p>Open the app.</p>\n"
    assert updated.json()["kb_version"] == 2
    assert updated.headers["X-KB-Version"] == "2"
    assert get_unit(client, "top-up").status_code == 200


def test_archived_unit_is_served_until_the_next_publish(
    client: TestClient, kb: KnowledgeBase
) -> None:
    save_balance(kb)
    publish(kb)

    kb.archive_unit("check-balance", "en", author="tester")
    assert get_unit(client).status_code == 200

    publish(kb)
    assert_problem(get_unit(client), 404)


# -- releases ---------------------------------------------------------------------------------


def test_current_release_before_the_first_publish_is_a_404(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/releases/current"), 404)


def test_current_release_describes_the_release_being_served(
    client: TestClient, kb: KnowledgeBase
) -> None:
    save_balance(kb)
    kb.save_unit(make_unit("top-up"), author="tester")
    publish(kb, "first")
    kb.save_unit(make_unit("lost-phone"), author="tester")
    publish(kb, "second")

    response = client.get("/api/v1/releases/current")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["kb_version"] == 2
    assert body["message"] == "second"
    assert body["units"] == 3
    assert body["created_at"]
    assert response.headers["X-KB-Version"] == "2"
