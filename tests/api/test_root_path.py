"""`kb serve --root-path /kb`: a proxy serves the app under https://example.com/kb/ and strips
/kb before it passes a request on (issue 20). Every link, script and stylesheet of the pages,
read as a browser reads them at their public address, leads to something the app serves;
Location headers and the docs' requests carry the prefix; CORS still applies to delivery."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from importers import read_folder
from kb import KnowledgeBase
from kb.settings import DEFAULT_CHANNELS, Settings
from tests.api.servers import kb_server
from tests.conftest import SAMPLE_CONTENT

PREFIX = "/kb"
#: Where a visitor reaches the app through the proxy.
PUBLIC = f"https://help.example.com{PREFIX}"
SITE = "https://shop.example.com"
#: The pages people open, at their public address (what a browser resolves their links from).
PAGES = [
    "/help/en",
    "/help/en/billing",
    "/help/ru/billing",
    "/help/en/billing/check-balance",
    "/help/en/roaming/roaming-europe",
    "/help/ru/search?q=роуминг",
    "/help/de/billing/check-balance",
    "/help/en/no-such-page",
    "/panel",
    "/editor",
    "/docs",
    "/redoc",
]
_LINK = re.compile(r'(?:href|src)="([^"]*)"')


@dataclass
class Served:
    url: str  # where the test reaches the server itself, without the proxy
    editor_key: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The sample content, published, served with --root-path /kb."""
    tmp_path = tmp_path_factory.mktemp("root-path")
    settings = Settings(data_dir=tmp_path / "kb", author="tester", encoder="none")
    with KnowledgeBase.open(settings) as kb:
        kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
        kb.publish(author="tester", message="sample content")
        key = kb.create_key(name="editor", role="editor", author="tester").secret
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env |= {"KB_DATA_DIR": str(settings.data_dir), "KB_ENCODER": "none", "KB_CORS_ORIGINS": SITE}
    with kb_server(env, args=["--root-path", PREFIX]) as url:
        yield Served(url, key)


def _through_proxy(served: Served, public: str) -> httpx.Response:
    """GET `public` (an address under PUBLIC) as the proxy passes it on: without the prefix."""
    parts = urlsplit(public)
    assert parts.path.startswith(f"{PREFIX}/"), f"{public} is outside {PUBLIC}"
    path = parts.path[len(PREFIX) :] + (f"?{parts.query}" if parts.query else "")
    return httpx.get(f"{served.url}{path}", follow_redirects=False)


@pytest.mark.parametrize("page", PAGES)
def test_every_link_of_a_page_under_a_prefix_is_served(served: Served, page: str) -> None:
    address = f"{PUBLIC}{page}"
    response = _through_proxy(served, address)
    assert response.status_code == (404 if "no-such" in page else 200)
    links = [
        urljoin(address, link.replace("&amp;", "&"))
        for link in _LINK.findall(response.text)
        if not link.startswith(("#", "tel:", "mailto:"))
    ]
    ours = [link for link in links if link.startswith("https://help.example.com/")]

    assert ours, f"{page} links nothing of its own"
    for link in ours:
        assert _through_proxy(served, link).status_code == 200, f"{page} links {link}"


def test_answer_pages_link_other_answers_and_the_home_under_the_prefix(served: Served) -> None:
    address = f"{PUBLIC}/help/en/billing/check-balance"
    links = {urljoin(address, link) for link in _LINK.findall(_through_proxy(served, address).text)}

    assert f"{PUBLIC}/help/en/internet/check-data-usage" in links
    assert f"{PUBLIC}/help/en" in links
    assert f"{PUBLIC}/help/en/billing" in links


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/faq?locale=en&category=billing", "/help/en/billing"),
        ("/faq?locale=ru", "/help/ru"),
        ("/units/check-balance?locale=en", "/help/en/billing/check-balance"),
        ("/units/roaming-europe?locale=ru", "/help/ru/roaming/roaming-europe"),
        ("/help", "/help/en"),
    ],
)
def test_the_old_pages_and_the_help_root_redirect_under_the_prefix(
    served: Served, old: str, new: str
) -> None:
    response = _through_proxy(served, f"{PUBLIC}{old}")

    assert response.status_code in (301, 302)
    assert response.headers["location"] == f"{PREFIX}{new}"
    assert (
        _through_proxy(served, urljoin(PUBLIC + "/", response.headers["location"])).status_code
        == 200
    )


def test_docs_load_the_document_under_the_prefix(served: Served) -> None:
    docs = _through_proxy(served, f"{PUBLIC}/docs").text
    document = _through_proxy(served, f"{PUBLIC}/openapi.json").json()

    assert f"url: '{PREFIX}/openapi.json'" in docs
    assert document["servers"] == [{"url": PREFIX}]  # "Try it out" calls /kb/api/v1/...


def test_location_headers_carry_the_prefix(served: Served) -> None:
    source = (SAMPLE_CONTENT / "en" / "billing" / "check-balance.md").read_text(encoding="utf-8")
    created = httpx.post(
        f"{served.url}/api/v1/drafts/units",
        json={"source": source.replace("id: check-balance", "id: check-balance-2")},
        headers={"Authorization": f"Bearer {served.editor_key}"},
    )
    redirect = httpx.get(f"{served.url}/faq/?locale=en")

    assert created.status_code == 201, created.text
    assert created.headers["location"] == f"{PREFIX}/api/v1/drafts/units/check-balance-2?locale=en"
    assert urlsplit(redirect.headers["location"]).path == f"{PREFIX}/faq"


def test_delivery_routes_allow_the_sites_origin_under_the_prefix(served: Served) -> None:
    response = httpx.get(
        f"{served.url}/api/v1/search",
        params={"q": "balance", "channel": "web", "locale": "en"},
        headers={"Origin": SITE},
    )

    assert response.status_code == 200
    assert response.headers.get("access-control-allow-origin") == SITE
