"""Not-found answers tell customers nothing about which units exist: one 404 for every reason,
and the precise reason for staff."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from fastapi.testclient import TestClient

from kb import KnowledgeBase
from tests.conftest import make_unit

Key = Callable[[str], dict[str, str]]
#: Why each id is not served to the web channel in English.
HIDDEN = {
    "fraud-desk": "internal",
    "press-one": "channel",
    "ru-only": "locale",
    "never-was": "missing",
}
#: Headers that differ between any two responses whatever they say (each request has its id).
_INCIDENTAL = {"date", "content-length", "x-request-id"}


@pytest.fixture
def published(kb: KnowledgeBase) -> KnowledgeBase:
    internal = {"audience": "internal", "body": "Escalate to extension 4411."}
    for unit in (
        make_unit("check-balance"),
        make_unit("fraud-desk", **internal),
        make_unit("fraud-desk", locale="ru", title="Мошенничество", **internal),
        make_unit("press-one", channels=("ivr",)),
        make_unit("ru-only", locale="ru", title="Только по-русски"),
    ):
        kb.save_unit(unit, author="t")
    kb.publish(author="t")
    return kb


def _requests(unit_id: str) -> dict[str, tuple[str, dict[str, str]]]:
    """Every public way to ask for one unit by id, by a name for the failure message."""
    asks: dict[str, tuple[str, dict[str, str]]] = {
        f"page {locale}": (f"/units/{unit_id}", {"locale": locale}) for locale in ("en", "de")
    }
    for locale in ("en", "de"):  # the help center's answer page, under any category
        asks[f"help {locale}"] = (f"/help/{locale}/general/{unit_id}", {})
    for channel in ("web", "chatbot"):
        for locale in (None, "en", "ru", "de"):
            params = {"channel": channel} | ({"locale": locale} if locale else {})
            asks[f"api {channel} {locale}"] = (f"/api/v1/units/{unit_id}", params)
    return asks


def _seen(response: httpx.Response, unit_id: str) -> tuple[int, dict[str, str], str]:
    """What a caller learns from a response, with the id it asked for taken out."""
    headers = {k: v for k, v in response.headers.items() if k not in _INCIDENTAL}
    return response.status_code, headers, response.text.replace(unit_id, "ID")


@pytest.mark.parametrize("role", [None, "reader"])
def test_customers_get_one_identical_404_for_internal_excluded_and_unknown_units(
    api: TestClient, published: KnowledgeBase, key: Key, role: str | None
) -> None:
    headers = key(role) if role else None
    answers = {
        unit_id: {
            name: _seen(api.get(path, params=params, headers=headers), unit_id)
            for name, (path, params) in _requests(unit_id).items()
        }
        for unit_id in HIDDEN
    }

    for name, (status, response_headers, body) in answers["never-was"].items():
        assert status == 404 and "etag" not in response_headers, name
        # The API says it in a problem document, the pages (old and help) in the site's page.
        media = "application/problem+json" if name.startswith("api") else "text/html"
        assert response_headers["content-type"].startswith(media), name
        for unit_id in HIDDEN:
            if unit_id == "ru-only" and " ru" in name:
                continue  # served: it is public in Russian
            assert answers[unit_id][name] == (status, response_headers, body), (unit_id, name)
    assert "4411" not in str(answers)


def test_staff_still_learn_why_a_unit_is_not_served(
    api: TestClient, published: KnowledgeBase, key: Key
) -> None:
    operator = key("operator")

    def detail(unit_id: str) -> str:
        params = {"channel": "web", "locale": "en"}
        response = api.get(f"/api/v1/units/{unit_id}", params=params, headers=operator)
        assert response.status_code == 404, response.text
        return str(response.json()["detail"])

    assert "is internal" in detail("fraud-desk")
    assert "is not enabled for channel 'web' (its channels: ivr)" in detail("press-one")
    assert detail("ru-only") == "no unit 'ru-only' in locale 'en' in release 1"
    assert detail("never-was") == "no unit 'never-was' in locale 'en' in release 1"
    operator_channel = {"channel": "operator", "locale": "en"}
    served = api.get("/api/v1/units/fraud-desk", params=operator_channel, headers=operator)
    assert served.status_code == 200 and "4411" in served.text
