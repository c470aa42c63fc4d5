"""The pages' routes: each page only from its route, with the headers that say who may frame it."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.routes.pages import STATIC_DIR
from importers import read_folder
from kb import KnowledgeBase
from kb.settings import DEFAULT_CHANNELS, Settings
from tests.conftest import SAMPLE_CONTENT


@pytest.mark.parametrize("page", ["panel.html", "editor.html", "PANEL.HTML"])
def test_pages_are_not_served_as_static_files(api: TestClient, page: str) -> None:
    response = api.get(f"/static/{page}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("asset", ["panel.js", "panel.css", "editor.js", "editor.css"])
def test_page_scripts_and_styles_are_static_files(api: TestClient, asset: str) -> None:
    response = api.get(f"/static/{asset}")
    assert response.status_code == 200
    assert response.text


#: The pages' entry modules and every module they are made of (widget.js is a classic script).
PAGE_MODULES = [
    "editor.js",
    "panel.js",
    *sorted(
        path.relative_to(STATIC_DIR).as_posix()
        for folder in ("editor", "panel")
        for path in (STATIC_DIR / folder).rglob("*.js")
    ),
]


@pytest.mark.parametrize("module", PAGE_MODULES)
def test_page_modules_are_served_as_javascript(api: TestClient, module: str) -> None:
    # Browsers refuse a module script served with any other type.
    response = api.get(f"/static/{module}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"


def test_editor_may_not_be_framed(api: TestClient) -> None:
    response = api.get("/editor")
    assert response.status_code == 200
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_panel_may_be_framed_by_its_own_origin_only_without_trusted_origins(
    api: TestClient,
) -> None:
    response = api.get("/panel")
    assert response.status_code == 200
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'self'"


def test_widget_script_is_javascript_and_cacheable(api: TestClient) -> None:
    response = api.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "max-age" in response.headers["Cache-Control"]


@pytest.fixture
def sample(kb: KnowledgeBase) -> KnowledgeBase:
    kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
    kb.publish(author="t")
    return kb


def test_a_unit_link_of_the_web_and_chatbot_channels_is_a_public_page(
    api: TestClient, sample: KnowledgeBase
) -> None:
    more_url = api.get("/api/v1/units/lost-or-stolen-phone", params={"channel": "chatbot"}).json()[
        "more_url"
    ]
    moved = api.get(more_url, follow_redirects=False)
    assert moved.status_code == 301
    assert moved.headers["location"] == "/help/en/sim-and-device/lost-or-stolen-phone"
    page = api.get(moved.headers["location"])
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>My phone has been lost or stolen</h1>" in page.text
    web = api.get("/api/v1/units/lost-or-stolen-phone", params={"channel": "web"}).json()
    # The same web answer, its links to other units leading to their help pages.
    assert 'href="/help/en/' in page.text
    assert re.sub(r'href="[^"]*"', "", web["content"]) in re.sub(r'href="[^"]*"', "", page.text)
    assert "kb-internal" not in page.text and "Bar the SIM first" not in page.text
    assert page.headers["X-KB-Version"] == "1"


def test_internal_units_and_unknown_ids_have_no_public_page(
    api: TestClient, sample: KnowledgeBase
) -> None:
    internal = api.get("/units/goodwill-credit-policy", params={"locale": "en"})
    missing = api.get("/units/no-such-unit")
    assert internal.status_code == 404 and "Goodwill" not in internal.text
    assert missing.status_code == 404
    assert internal.text == missing.text  # one page for both: nothing learnt


def test_public_pages_close_with_anonymous_access(settings: Settings) -> None:
    closed = replace(settings, anonymous_access=False)
    with KnowledgeBase.open(closed) as kb:
        kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
        kb.publish(author="t")
        with TestClient(create_app(kb)) as client:
            for path in (
                "/faq",
                "/units/check-balance",
                "/help",
                "/help/en",
                "/help/en/billing",
                "/help/en/billing/check-balance",
                "/help/en/search?q=balance",
            ):
                response = client.get(path, follow_redirects=False)
                assert response.status_code == 403, path
                assert (
                    "Dial *100#" not in response.text and "Bills and charges" not in response.text
                )
