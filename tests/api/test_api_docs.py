"""/docs and /redoc load every script, stylesheet and icon from the app itself, never a CDN."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

DOC_PAGES = ["/docs", "/redoc"]


class _References(HTMLParser):
    """The URLs a page loads: scripts, stylesheets, icons, images, frames."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        url = found.get("href") if tag == "link" else found.get("src")
        if url is not None:
            self.urls.append(url)


def _references(html: str) -> list[str]:
    parser = _References()
    parser.feed(html)
    return parser.urls


@pytest.mark.parametrize("page", DOC_PAGES)
def test_every_script_and_stylesheet_of_the_docs_is_served_by_the_app(
    api: TestClient, page: str
) -> None:
    response = api.get(page)
    assert response.status_code == 200
    urls = _references(response.text)
    assert any(url.endswith(".js") for url in urls)
    for url in urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"{page} loads {url} from another host"
        asset = api.get(url)
        assert asset.status_code == 200, url
        assert asset.content
        if url.endswith(".js"):
            assert asset.headers["content-type"].startswith("text/javascript")
        if url.endswith(".css"):
            assert asset.headers["content-type"].startswith("text/css")


@pytest.mark.parametrize("page", DOC_PAGES)
def test_the_docs_may_load_only_from_the_app_and_never_be_framed(
    api: TestClient, page: str
) -> None:
    response = api.get(page)
    policy = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().partition(" ")[::2] for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "http" not in policy  # no other host anywhere
    assert "'unsafe-inline'" not in directives["script-src"]  # inline scripts by hash only
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_swagger_ui_reads_the_apps_document(api: TestClient) -> None:
    html = api.get("/docs").text
    assert "url: '/openapi.json'" in html
    assert api.get("/openapi.json").json()["paths"]["/api/v1/answer"]["get"]
