"""The old public pages moved to the help center for good: /faq to the home or a category's
page, /units/ID to the answer's page, 301 with the new address in Location (the trail a caller
gave kept on); a unit customers may not read gets the help center's 404 either way."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/faq", "/help/en"),
        ("/faq?locale=ru", "/help/ru"),
        ("/faq?locale=en&category=billing", "/help/en/billing"),
        ("/faq?locale=de", "/help/de"),  # where the fallback says so
        ("/units/check-balance", "/help/en/billing/check-balance"),
        ("/units/check-balance?locale=ru", "/help/ru/billing/check-balance"),
        ("/units/check-balance?locale=de", "/help/de/billing/check-balance"),
        ("/units/lost-or-stolen-phone?locale=en", "/help/en/sim-and-device/lost-or-stolen-phone"),
        ("/faq?conversation=chat-1&via=widget", "/help/en?conversation=chat-1&via=widget"),
        (
            "/units/top-up?locale=ru&via=widget",
            "/help/ru/payments/top-up?via=widget",
        ),
    ],
)
def test_the_old_pages_move_permanently_to_the_help_center(
    sample_site: TestClient, old: str, new: str
) -> None:
    moved = sample_site.get(old)

    assert moved.status_code == 301
    assert moved.headers["location"] == new
    assert sample_site.get(new).status_code == 200


@pytest.mark.parametrize(
    "old",
    [
        "/units/goodwill-credit-policy?locale=en",  # internal
        "/units/goodwill-credit-policy?locale=ru",
        "/units/no-such-unit",
    ],
)
def test_a_unit_customers_may_not_read_has_no_new_address(
    sample_site: TestClient, old: str
) -> None:
    response = sample_site.get(old)

    assert response.status_code == 404 and "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    assert "Goodwill" not in response.text and "goodwill" not in response.text


def test_every_unit_link_of_the_web_channel_leads_to_its_help_page(
    sample_site: TestClient,
) -> None:
    web = sample_site.get("/api/v1/units/check-balance", params={"channel": "web"}).json()
    assert 'href="/units/check-data-usage?locale=en"' in web["content"]

    moved = sample_site.get("/units/check-data-usage?locale=en")

    assert moved.headers["location"] == "/help/en/internet/check-data-usage"
