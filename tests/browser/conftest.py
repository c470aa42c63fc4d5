"""Browser tests: a real `kb serve` with the sample content, Debian's Chromium, Playwright.

Every test gets a fresh knowledge base (SQLite in tmp_path) served on 127.0.0.1, keys of each
staff role, a second local origin (`host`) to embed pages from, and a page whose JavaScript
errors fail the test. Each test leaves a screenshot in `test-artifacts/browser/`.
Without Chromium or npm the tests are skipped, except in CI, where that fails (tests/conftest.py).
"""

from __future__ import annotations

import functools
import http.server
import itertools
import os
import re
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from importers import read_folder
from kb import KnowledgeBase
from kb.settings import DEFAULT_CHANNELS, Settings
from tests.api.servers import kb_server
from tests.conftest import REPO, SAMPLE_CONTENT, require_tool, skip_or_fail

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(os.environ.get("KB_TEST_ARTIFACTS", REPO / "test-artifacts")) / "browser"
NPM_DIR = Path(__file__).resolve().parent
AXE = NPM_DIR / "node_modules" / "axe-core" / "axe.min.js"
#: axe impacts that fail the accessibility check.
BLOCKING_IMPACTS = ("serious", "critical")
STAFF_ROLES = ("reader", "operator", "editor", "publisher")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, for the whole session."""
    executable = require_tool("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@dataclass
class Host:
    """A second origin on 127.0.0.1 serving files written into `root` (a customer's website)."""

    root: Path
    url: str

    def write(self, name: str, text: str) -> str:
        """Put a file on the host; returns its URL."""
        (self.root / name).write_text(text, encoding="utf-8")
        return f"{self.url}/{name}"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean."""


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Host]:
    """A static web server on a free port: another origin than the knowledge base."""
    root = tmp_path / "host"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Host(root, f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Site:
    """A running `kb serve` over the sample content, with one key per staff role."""

    url: str
    settings: Settings
    keys: dict[str, str] = field(default_factory=dict)

    def open(self) -> KnowledgeBase:
        """The same knowledge base, opened in the test process (to check what was stored)."""
        return KnowledgeBase.open(self.settings)


@pytest.fixture
def start_site(tmp_path: Path, host: Host) -> Iterator[Callable[..., Site]]:
    """Start a server over a published copy of the sample content; `env` adds settings."""
    stack = ExitStack()
    started = itertools.count()

    def start(**env: str) -> Site:
        settings = Settings(data_dir=tmp_path / f"site{next(started)}", author="tester")
        content = read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS)
        keys: dict[str, str] = {}
        with KnowledgeBase.open(settings) as kb:
            kb.import_content(content, author="tester")
            kb.publish(author="tester", message="sample content")
            for role in STAFF_ROLES:
                keys[role] = kb.create_key(name=f"{role} key", role=role, author="tester").secret
        server_env = {
            "KB_DATA_DIR": str(settings.data_dir),
            "KB_DATABASE_URL": "",
            "KB_AUTHOR": "tester",
            "KB_CORS_ORIGINS": host.url,
            **env,
        }
        url = stack.enter_context(kb_server(server_env, log=tmp_path / "server.log"))
        return Site(url, settings, keys)

    with stack:
        yield start


@pytest.fixture
def site(start_site: Callable[..., Site]) -> Site:
    """A server with the defaults (the `host` fixture's origin may call the delivery API)."""
    return start_site()


def _artifact_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1]).strip("_")


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context and page; JavaScript errors fail the test; a screenshot is kept."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield tab
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        try:
            tab.screenshot(path=str(ARTIFACTS / f"{_artifact_name(request.node.nodeid)}.png"))
        finally:
            context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def screenshot(page: Any, name: str) -> Path:
    """Save a named screenshot of `page` as a test artifact (besides the one at the end)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, installed from the npm registry by package-lock.json on first use."""
    if not AXE.exists():
        npm = require_tool("npm")
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=NPM_DIR,
            check=True,
            timeout=300,
        )
    return AXE.read_text(encoding="utf-8")


def serious_violations(page: Any, axe: str) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.add_script_tag(content=axe)
    result = page.evaluate("async () => await axe.run(document)")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"]],
        }
        for v in result["violations"]
        if v["impact"] in BLOCKING_IMPACTS
    ]
