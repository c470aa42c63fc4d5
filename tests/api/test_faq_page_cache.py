"""The help center's home page (where /faq now leads) is made once per release and locale, and
off the event loop: its FAQPage data renders every public unit, and one of them, huge, holds up
no other request."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from api import create_app
from api.help import views as pages
from importers import read_folder
from kb import KnowledgeBase
from kb.settings import DEFAULT_CHANNELS
from tests.api.servers import free_port
from tests.conftest import SAMPLE_CONTENT, make_unit

#: Seconds a step may wait before the test gives up: only reached when the page blocks the loop.
GIVE_UP_S = 30.0


@pytest.fixture
def sample(kb: KnowledgeBase) -> KnowledgeBase:
    kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
    kb.publish(author="t")
    return kb


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int | None, str]]:
    """(release, locale) of each FAQ the page route renders, the real rendering still done."""
    made: list[tuple[int | None, str]] = []
    real = pages.faq_page

    def counted(snapshot: Any, locale: str, **options: Any) -> Any:
        made.append((snapshot.number, locale))
        return real(snapshot, locale, **options)

    monkeypatch.setattr(pages, "faq_page", counted)
    return made


def test_the_faq_page_is_rendered_once_per_release_and_locale(
    api: TestClient, sample: KnowledgeBase, renders: list[tuple[int | None, str]]
) -> None:
    asked = [None, None, "en", "zz-unknown", "xx", "ru", "ru", None, "ru"]
    pages_seen = [api.get("/faq", params={"locale": loc} if loc else {}) for loc in asked]

    assert {p.status_code for p in pages_seen} == {200}
    assert {p.history[0].status_code for p in pages_seen} == {301}  # /faq moved to /help
    assert renders == [(1, "en"), (1, "ru")]  # unknown locales get the English page, kept
    fallback = pages_seen[3].text  # the same page, with a notice that says so
    assert 'class="kb-fallback"' in fallback and 'class="kb-fallback"' not in pages_seen[0].text
    notice = next(line for line in fallback.splitlines() if 'class="kb-fallback"' in line)
    assert fallback.replace(f"{notice}\n", "") == pages_seen[0].text
    assert '<html lang="en"' in fallback and '<html lang="ru"' in pages_seen[5].text


def test_a_new_release_gets_its_own_faq_page(
    api: TestClient, sample: KnowledgeBase, renders: list[tuple[int | None, str]]
) -> None:
    first = api.get("/faq")
    sample.save_unit(make_unit("check-balance", title="Your balance today"), author="t")
    sample.publish(author="t")

    second, again = api.get("/faq"), api.get("/faq")

    assert "Your balance today" not in first.text and first.headers["X-KB-Version"] == "1"
    assert "Your balance today" in second.text and second.headers["X-KB-Version"] == "2"
    assert again.text == second.text
    assert renders == [(1, "en"), (2, "en")]


@contextmanager
def _serving(kb: KnowledgeBase) -> Iterator[str]:
    """The app on a real uvicorn server on 127.0.0.1, in this process (so its page rendering can
    be watched); yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(kb), port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(int(GIVE_UP_S * 20)):
            if server.started:
                break
            time.sleep(0.05)
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(GIVE_UP_S)


def _watched(
    monkeypatch: pytest.MonkeyPatch, started: threading.Event, answered: threading.Event
) -> None:
    """The page's rendering says when it starts, then waits for /healthz to have been answered
    before it renders: on the event loop it would wait in vain, and /healthz would never come."""
    real: Callable[..., Any] = pages.faq_page

    def watched(snapshot: Any, locale: str, **options: Any) -> Any:
        started.set()
        answered.wait(GIVE_UP_S)
        return real(snapshot, locale, **options)

    monkeypatch.setattr(pages, "faq_page", watched)


def test_healthz_answers_while_a_huge_faq_page_renders(
    sample: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = "\n\n".join(f"Paragraph {n}: roaming rules, in some detail. " * 10 for n in range(440))
    assert len(body) > 200_000
    sample.save_unit(
        make_unit("huge-unit", title="Everything about roaming", body=body), author="t"
    )
    sample.publish(author="t")
    started, answered = threading.Event(), threading.Event()
    _watched(monkeypatch, started, answered)
    order: list[str] = []
    page: list[httpx.Response] = []

    def load_page(url: str) -> None:
        page.append(httpx.get(f"{url}/faq", timeout=GIVE_UP_S * 3, follow_redirects=True))
        order.append("faq")

    with _serving(sample) as url:
        loading = threading.Thread(target=load_page, args=(url,))
        loading.start()
        assert started.wait(GIVE_UP_S), "the page never began rendering"
        try:
            health = httpx.get(f"{url}/healthz", timeout=GIVE_UP_S)
            order.append("healthz")
        finally:
            answered.set()
            loading.join(GIVE_UP_S * 3)

    assert health.status_code == 200
    assert order == ["healthz", "faq"]
    assert page[0].status_code == 200 and "Paragraph 439: roaming rules" in page[0].text
