"""Role boundaries: what anonymous callers and each key role may see and do."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from api import create_app
from kb import KnowledgeBase
from kb.settings import Settings
from tests.conftest import make_unit

INTERNAL_NOTE = "Verify the caller's identity first."
BODY = f"Dial *100# to hear your balance.\n\n::: internal\n{INTERNAL_NOTE}\n:::\n"
SOURCE = """---
id: new-unit
locale: en
title: A new unit
questions: [how does the new thing work]
---
It works like this.
"""

Key = Callable[[str], dict[str, str]]


@pytest.fixture
def published(kb: KnowledgeBase) -> KnowledgeBase:
    kb.save_unit(
        make_unit("check-balance", body=BODY, questions=("what is my balance",)), author="t"
    )
    kb.save_unit(
        make_unit(
            "fraud-desk",
            audience="internal",
            title="Fraud desk procedure",
            body="Escalate suspected fraud to the fraud desk on extension 4411.",
            questions=("how do I escalate fraud",),
        ),
        author="t",
    )
    kb.publish(author="t")
    return kb


def unit(api: TestClient, unit_id: str, channel: str, headers: dict[str, str] | None = None):
    return api.get(
        f"/api/v1/units/{unit_id}", params={"channel": channel, "locale": "en"}, headers=headers
    )


def search_ids(api: TestClient, q: str, channel: str, headers: dict[str, str] | None = None):
    response = api.get("/api/v1/search", params={"q": q, "channel": channel}, headers=headers)
    assert response.status_code == 200, response.text
    return [hit["unit_id"] for hit in response.json()["hits"]], response.text


@pytest.mark.parametrize("role", [None, "reader"])
def test_anonymous_and_reader_callers_never_see_internal_content(
    api: TestClient, published: KnowledgeBase, key: Key, role: str | None
) -> None:
    headers = key(role) if role else None
    for channel in ("web", "chatbot", "ivr"):
        response = unit(api, "check-balance", channel, headers)
        assert response.status_code == 200, response.text
        assert INTERNAL_NOTE not in response.text
        assert unit(api, "fraud-desk", channel, headers).status_code == 404
        ids, text = search_ids(api, "fraud desk escalate", channel, headers)
        assert "fraud-desk" not in ids and "4411" not in text
    operator = unit(api, "check-balance", "operator", headers)
    assert operator.status_code == (403 if role else 401)
    assert INTERNAL_NOTE not in operator.text


@pytest.mark.parametrize("role", ["operator", "editor", "publisher", "admin"])
def test_operator_and_higher_roles_get_the_operator_channel_with_internal_notes(
    api: TestClient, published: KnowledgeBase, key: Key, role: str
) -> None:
    headers = key(role)
    response = unit(api, "check-balance", "operator", headers)
    assert response.status_code == 200, response.text
    assert INTERNAL_NOTE in response.text
    assert unit(api, "fraud-desk", "operator", headers).status_code == 200
    ids, _ = search_ids(api, "fraud desk escalate", "operator", headers)
    assert ids[0] == "fraud-desk"
    # Staff keys still get customer channels without internal content.
    assert INTERNAL_NOTE not in unit(api, "check-balance", "web", headers).text


def test_staff_responses_are_never_stored_in_shared_caches(
    api: TestClient, published: KnowledgeBase, key: Key
) -> None:
    staff = unit(api, "check-balance", "operator", key("operator"))
    public = unit(api, "check-balance", "web")
    assert staff.headers["Cache-Control"] == "private, no-cache"
    assert public.headers["Cache-Control"].startswith("public")
    assert "Authorization" in public.headers["Vary"]


@pytest.mark.parametrize(
    ("role", "drafts", "publish", "keys"),
    [
        (None, 401, 401, 401),
        ("reader", 403, 403, 403),
        ("operator", 403, 403, 403),
        ("editor", 201, 403, 403),
        ("publisher", 201, 201, 403),
        ("admin", 201, 201, 201),
    ],
)
def test_each_role_may_do_exactly_its_share(
    api: TestClient,
    published: KnowledgeBase,
    key: Key,
    role: str | None,
    drafts: int,
    publish: int,
    keys: int,
) -> None:
    headers = key(role) if role else {}
    created = api.post("/api/v1/drafts/units", json={"source": SOURCE}, headers=headers)
    released = api.post("/api/v1/releases", json={"message": "x"}, headers=headers)
    new_key = api.post("/api/v1/keys", json={"name": "n", "role": "reader"}, headers=headers)

    assert (created.status_code, released.status_code, new_key.status_code) == (
        drafts,
        publish,
        keys,
    )
    for response in (created, released, new_key):
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json")
    if drafts == 403:
        assert published.drafts().units.get(("new-unit", "en")) is None
    if publish == 403:
        assert published.current_release().number == 1  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer kb_000000000000_not-a-real-secret",
        "Bearer nonsense",
        "Basic dXNlcjpwYXNz",
        "Bearer",
    ],
)
def test_wrong_or_malformed_keys_get_the_same_401_with_no_hint(
    api: TestClient, published: KnowledgeBase, authorization: str
) -> None:
    response = api.get(
        "/api/v1/answer", params={"q": "balance"}, headers={"Authorization": authorization}
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["detail"] == (
        "missing or invalid API key; send Authorization: Bearer KEY"
    )


def test_a_revoked_key_stops_working_at_once(
    api: TestClient, published: KnowledgeBase, key: Key
) -> None:
    admin = key("admin")
    created = api.post("/api/v1/keys", json={"name": "panel", "role": "operator"}, headers=admin)
    assert created.status_code == 201
    operator = {"Authorization": f"Bearer {created.json()['key']}"}
    assert unit(api, "check-balance", "operator", operator).status_code == 200

    revoked = api.delete(f"/api/v1/keys/{created.json()['key_id']}", headers=admin)

    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert unit(api, "check-balance", "operator", operator).status_code == 401
    listed = api.get("/api/v1/keys", headers=admin).json()
    assert {k["key_id"] for k in listed} >= {created.json()["key_id"]}
    assert all("key" not in k and "digest" not in k for k in listed)


def test_keys_are_stored_only_as_hashes(published: KnowledgeBase) -> None:
    new = published.create_key(name="bot", role="reader", author="t")
    stored = published.api_keys()[-1]
    assert new.secret not in repr(stored.model_dump())
    assert stored.digest != new.secret and len(stored.digest) == 64


def test_anonymous_access_can_be_turned_off(settings: Settings, published: KnowledgeBase) -> None:
    closed = KnowledgeBase.open(Settings(**{**settings.__dict__, "anonymous_access": False}))
    secret = closed.create_key(name="site", role="reader", author="t").secret
    try:
        with TestClient(create_app(closed)) as api:
            assert api.get("/api/v1/answer", params={"q": "balance"}).status_code == 401
            ok = api.get(
                "/api/v1/answer",
                params={"q": "balance"},
                headers={"Authorization": f"Bearer {secret}"},
            )
            assert ok.status_code == 200
            assert api.get("/healthz").status_code == 200  # probes stay open
    finally:
        closed.close()
