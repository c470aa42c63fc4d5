"""Over HTTP: a caller's search shows only what its channel renders (the widget asks as "web").

A unit's `::: only operator` script must not reach anonymous or reader callers through
`/api/v1/search` in any customer channel: not as a hit, a snippet, a "did you mean" or a
completion. Operators, in their channel, find it.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from kb import KnowledgeBase
from tests.api.test_access import Key
from tests.conftest import make_unit

SCRIPT = "Offer the quixotical goodwill credit when the customer insists."
BODY = f"Refunds reach your card in five days.\n\n::: only operator\n{SCRIPT}\n:::\n"


@pytest.fixture
def published(kb: KnowledgeBase) -> KnowledgeBase:
    kb.save_unit(make_unit("refunds", body=BODY, questions=("when is my refund",)), author="t")
    kb.publish(author="t")
    return kb


def search(api: TestClient, q: str, channel: str, headers: dict[str, str] | None = None) -> dict:
    response = api.get(
        "/api/v1/search", params={"q": q, "channel": channel, "locale": "en"}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("role", [None, "reader"])
@pytest.mark.parametrize("channel", ["web", "chatbot", "ivr"])
def test_operator_only_text_never_reaches_customer_channels_searches(
    api: TestClient, published: KnowledgeBase, key: Key, role: str | None, channel: str
) -> None:
    headers = key(role) if role else None
    for typed in ("quixotical", "quixo", "quixoticl", "goodwill credit", "refunds"):
        found = search(api, typed, channel, headers)
        assert "quixotical" not in str(found) and "goodwill" not in str(found), (typed, found)
    assert search(api, "quixotical", channel, headers)["total"] == 0


def test_operators_find_their_channels_script(
    api: TestClient, published: KnowledgeBase, key: Key
) -> None:
    found = search(api, "quixotical", "operator", key("operator"))
    assert [hit["unit_id"] for hit in found["hits"]] == ["refunds"]
    assert "<mark>quixotical</mark>" in found["hits"][0]["snippet"]
