"""/docs and /redoc work offline: every request they make goes to the knowledge base itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Site, screenshot


@pytest.fixture
def offline(page: Any, site: Site) -> list[str]:
    """Block every request from `page` to another host than the site; returns those blocked."""
    ours = urlsplit(site.url).netloc
    blocked: list[str] = []

    def only_ours(route: Any) -> None:
        url = route.request.url
        if urlsplit(url).netloc == ours:
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    page.route("**/*", only_ours)
    return blocked


@pytest.fixture
def console_errors(page: Any) -> list[str]:
    """Errors the browser logs, such as a resource the Content-Security-Policy refused."""
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    return errors


def _open(page: Any, site: Site, path: str) -> Callable[[], None]:
    page.goto(f"{site.url}{path}")
    return lambda: screenshot(page, f"api-docs{path.replace('/', '-')}")


def test_swagger_ui_lists_the_operations_with_nothing_from_other_hosts(
    page: Any, site: Site, offline: list[str], console_errors: list[str]
) -> None:
    keep = _open(page, site, "/docs")
    answer = page.locator('.opblock-summary-path[data-path="/api/v1/answer"]')
    expect(answer).to_be_visible()
    expect(answer).to_have_text("/api/v1/answer")
    expect(
        page.locator('.opblock-summary-path[data-path="/api/v1/units/{unit_id}"]')
    ).to_be_visible()
    page.wait_for_load_state("networkidle")
    keep()
    assert offline == []
    assert console_errors == []


#: ReDoc shows its maker's logo from their CDN; the page's policy refuses it, and ReDoc then
#: leaves the image out. The only error either page may log.
_REDOC_LOGO = "'https://cdn.redoc.ly/redoc/logo-mini.svg' violates the following Content Security"


def test_redoc_shows_the_operations_with_nothing_from_other_hosts(
    page: Any, site: Site, offline: list[str], console_errors: list[str]
) -> None:
    keep = _open(page, site, "/redoc")
    expect(page.get_by_text("/api/v1/answer", exact=True).first).to_be_attached()
    expect(page.locator("h2", has_text="Answer").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    keep()
    assert offline == []
    assert [e for e in console_errors if _REDOC_LOGO not in e] == []
    assert page.locator("img[alt='redocly logo']").count() == 0
