"""The pages behind a proxy that serves the knowledge base under /kb/ and strips the prefix
(`kb serve --root-path /kb`, issue 20): the editor, the panel and the widget load their scripts
and call the API through the prefix. The proxy (Debian's haproxy) refuses any path outside
/kb/, so a page that asked for /static/... or /api/... directly would fail here."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from importers import read_folder
from kb import KnowledgeBase
from kb.settings import DEFAULT_CHANNELS, Settings
from tests.api.servers import free_port, kb_server
from tests.browser.conftest import Host, Site
from tests.conftest import SAMPLE_CONTENT, require_tool

PREFIX = "/kb"
BALANCE = "How do I check my balance and remaining allowance?"
_PROXY = """\
global
    maxconn 256
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
frontend public
    bind 127.0.0.1:{port}
    http-request return status 404 content-type text/plain string "outside {prefix}/" \
unless {{ path_beg {prefix}/ }}
    http-request replace-path ^{prefix}(/.*)$ \\1
    default_backend kb
backend kb
    server kb {upstream}
"""

pytestmark = pytest.mark.requires_tool("haproxy")


@pytest.fixture
def prefixed(tmp_path: Path, host: Host) -> Iterator[Site]:
    """The sample content served with --root-path /kb behind haproxy; Site.url is the proxy's
    address of the knowledge base (http://127.0.0.1:PORT/kb)."""
    settings = Settings(data_dir=tmp_path / "kb", author="tester", encoder="none")
    keys = {}
    with KnowledgeBase.open(settings) as kb:
        kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
        kb.publish(author="tester", message="sample content")
        for role in ("operator", "editor"):
            keys[role] = kb.create_key(name=role, role=role, author="tester").secret
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env |= {"KB_DATA_DIR": str(settings.data_dir), "KB_ENCODER": "none"}
    env["KB_CORS_ORIGINS"] = host.url
    with kb_server(env, args=["--root-path", PREFIX]) as upstream:
        port = free_port()
        config = tmp_path / "proxy.cfg"
        config.write_text(
            _PROXY.format(port=port, prefix=PREFIX, upstream=upstream.removeprefix("http://"))
        )
        proxy = subprocess.Popen(
            [require_tool("haproxy"), "-db", "-f", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}{PREFIX}"
            _wait_until_proxied(url)
            yield Site(url, settings, keys)
        finally:
            proxy.terminate()
            proxy.wait(10)


def _wait_until_proxied(url: str) -> None:
    for _ in range(100):  # bounded: 20 s
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the proxy did not answer on {url}")


def _failures(page: Any) -> list[str]:
    """Responses of 400 and above the page gets from here on (the proxy's 404s included)."""
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return failed


def test_the_proxy_refuses_paths_outside_the_prefix(prefixed: Site) -> None:
    outside = prefixed.url.removesuffix(PREFIX)

    assert httpx.get(f"{outside}/static/editor.js").status_code == 404
    assert httpx.get(f"{prefixed.url}/static/editor.js").status_code == 200


def test_editor_under_a_prefix_signs_in_lists_units_and_previews(page: Any, prefixed: Site) -> None:
    failed = _failures(page)
    page.goto(f"{prefixed.url}/editor?lang=en")
    page.get_by_label("API key").fill(prefixed.keys["editor"])
    page.get_by_role("button", name="Sign in").click()

    expect(page.locator("#release-badge")).to_have_text("Release 1")
    page.get_by_role("link", name=BALANCE).first.click()
    expect(page.locator("#pv-web .pv-body")).to_contain_text("Dial")
    assert failed == []


def test_panel_under_a_prefix_searches_and_opens_an_answer(page: Any, prefixed: Site) -> None:
    failed = _failures(page)
    page.goto(f"{prefixed.url}/panel?lang=en")
    page.get_by_label("Operator key").fill(prefixed.keys["operator"])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("combobox", name="Search answers").press_sequentially("balance", delay=30)

    first = page.get_by_role("option").first
    expect(first).to_contain_text(BALANCE)
    first.click()
    expect(page.locator("#unit-title")).to_have_text(BALANCE)
    assert failed == []


def test_widget_under_a_prefix_calls_the_api_where_its_script_is(
    page: Any, prefixed: Site, host: Host
) -> None:
    failed = _failures(page)
    calls: list[str] = []
    page.on("request", lambda r: calls.append(r.url) if "/api/" in r.url else None)
    page.goto(
        host.write(
            "index.html",
            '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Help</title>'
            f'</head><body><main><script src="{prefixed.url}/widget.js" data-kb-locale="en" '
            'data-kb-category="billing"></script></main></body></html>\n',
        )
    )

    widget = page.locator(".kb-widget")
    expect(widget.locator(".all .t").first).to_be_visible()
    expect(widget.locator(".all .t")).to_contain_text([BALANCE])
    assert calls and all(url.startswith(f"{prefixed.url}/api/v1/") for url in calls)
    assert failed == []


def test_help_center_under_a_prefix_from_the_old_faq_address(page: Any, prefixed: Site) -> None:
    failed = _failures(page)
    page.goto(f"{prefixed.url}/faq?locale=en")  # the old page: a 301 to the help center

    assert page.url == f"{prefixed.url}/help/en"
    page.get_by_role("link", name=BALANCE).first.click()
    expect(page).to_have_url(f"{prefixed.url}/help/en/billing/check-balance")
    expect(page.locator("article.kb-answer")).to_contain_text("Dial")
    expect(page.locator(".kb-feedback")).to_be_visible()  # feedback.js, under the prefix
    assert failed == []


def test_help_search_as_you_type_under_a_prefix_opens_the_answer(page: Any, prefixed: Site) -> None:
    failed = _failures(page)
    calls: list[str] = []
    page.on("request", lambda r: calls.append(r.url) if "/api/" in r.url else None)
    page.goto(f"{prefixed.url}/units/roaming-europe?locale=en")  # old address, moved

    page.get_by_role("combobox").press_sequentially("balanse", delay=30)  # with a typo
    option = page.locator("ul.kb-suggestions [role='option']", has_text=BALANCE)
    expect(option).to_be_visible()
    option.locator("a").click()
    expect(page).to_have_url(f"{prefixed.url}/help/en/billing/check-balance")
    assert calls and all(url.startswith(f"{prefixed.url}/api/v1/") for url in calls)
    assert failed == []
