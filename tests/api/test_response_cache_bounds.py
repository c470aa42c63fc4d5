"""Anonymous callers cannot grow a worker: unknown locales share the fallback's cache entry, and
distinct junk only pushes older entries out of a cache bounded by bytes (KB_RESPONSE_CACHE_MB)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.caching import MB, ResponseCache
from importers import read_folder
from kb import KnowledgeBase
from kb.settings import DEFAULT_CHANNELS, Settings
from tests.conftest import SAMPLE_CONTENT, make_unit

JUNK_REQUESTS = 10_000
#: Enough for the entries unknown locales share (the fallback FAQ and its page, about 1 MB)
#: and a few thousand junk ones, which must then be pushed out.
CACHE_MB = 2
#: RSS a worker may gain over 10,000 junk requests once its cache is full: allocator noise.
#: Before the fix each unknown locale kept another 450 KB FAQ, 900 MB for 2,000 of them.
RSS_GROWTH_LIMIT = 48 * MB
#: A paragraph of the long public unit that makes the FAQ about 450 KB.
PARAGRAPH = "The roaming allowance covers calls, texts and data in the listed countries. " * 8


def _rss() -> int:
    """This process's resident memory in bytes (the app runs in it, under TestClient)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app over the sample content plus one long public unit, with a CACHE_MB cache."""
    with KnowledgeBase.open(replace(settings, response_cache_mb=CACHE_MB)) as kb:
        kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
        body = "\n\n".join([PARAGRAPH] * 300)
        kb.save_unit(make_unit("long-read", title="A long read", body=body), author="t")
        kb.publish(author="t")
        with TestClient(create_app(kb)) as api:
            yield api


def _junk(n: int) -> tuple[str, dict[str, str]]:
    """The n-th junk request: an unknown locale, a junk parameter or a junk filter, each new."""
    junk = f"zz-x{n}"
    requests = [
        ("/api/v1/faq", {"locale": junk}),
        ("/faq", {"locale": junk}),
        ("/api/v1/units/check-balance", {"locale": junk, f"junk{n}": "1"}),
        ("/api/v1/search", {"q": "balance", "locale": junk}),
        ("/api/v1/answer", {"q": "what is my balance", "locale": junk, "channel": "web"}),
        ("/api/v1/faq", {"category": f"junk{n}"}),
        ("/faq", {"category": f"junk{n}", "utm_source": junk}),
        ("/api/v1/search", {"q": f"balance {junk}"}),
    ]
    return requests[n % len(requests)]


def _send(api: TestClient, numbers: range, etags: dict[str, set[str]]) -> None:
    for n in numbers:
        path, params = _junk(n)
        response = api.get(path, params=params)
        # /faq moved to the help center, where a category that does not exist is not found.
        status = 404 if path == "/faq" and "category" in params else 200
        assert response.status_code == status, (path, params, response.text[:200])
        if "locale" in params:
            etags.setdefault(path, set()).add(response.headers.get("ETag", ""))


def test_ten_thousand_junk_requests_leave_the_cache_within_its_bytes_and_memory_flat(
    client: TestClient,
) -> None:
    etags: dict[str, set[str]] = {}
    # Fills the cache to its bound: the baseline (the help center keeps no junk category).
    _send(client, range(3_000), etags)
    cache: ResponseCache = client.app.state.responses  # type: ignore[attr-defined]
    assert cache.bytes > CACHE_MB * MB * 3 // 4
    before = _rss()

    _send(client, range(3_000, 3_000 + JUNK_REQUESTS), etags)

    grown = _rss() - before
    assert cache.bytes <= CACHE_MB * MB
    # 3 of every 8 junk requests had a key never seen before; far fewer entries are kept.
    assert len(cache) < JUNK_REQUESTS * 3 // 8
    assert grown < RSS_GROWTH_LIMIT, f"RSS grew {grown / MB:.0f} MB"
    # Every unknown locale got the default locale's body under one key, not one each.
    assert {path: len(tags) for path, tags in etags.items() if path != "/faq"} == {
        "/api/v1/faq": 1,
        "/api/v1/units/check-balance": 1,
        "/api/v1/search": 1,
        "/api/v1/answer": 1,
    }
