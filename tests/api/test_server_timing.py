"""Delivery responses say where their time went (`Server-Timing`): the phases kb ran for them
(match, search, render), or that they came from the caches."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api import create_app
from importers import read_folder
from kb import KnowledgeBase
from kb.settings import DEFAULT_CHANNELS
from tests.conftest import SAMPLE_CONTENT

ANSWER = "/api/v1/answer?q=how+much+money+is+left+on+my+account"
SEARCH = "/api/v1/search?q=roaming"
#: A Server-Timing value: `name;dur=ms` or `name;desc=...`, comma-separated.
METRIC = re.compile(r"([a-z]+);(?:dur=([0-9]+\.[0-9]+)|desc=([a-z]+))")


@pytest.fixture
def client(kb: KnowledgeBase) -> Iterator[TestClient]:
    kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
    kb.publish(author="t")
    with TestClient(create_app(kb)) as client:
        yield client


def timing(client: TestClient, path: str, **headers: str) -> dict[str, str] | None:
    """The response's Server-Timing metrics, {name: duration or description}; None: none."""
    value = client.get(path, headers=headers).headers.get("server-timing")
    if value is None:
        return None
    metrics = [METRIC.fullmatch(part.strip()) for part in value.split(",")]
    assert all(metrics), value
    return {m[1]: m[2] or m[3] for m in metrics if m}


def test_a_computed_answer_says_how_long_it_matched_and_rendered(client: TestClient) -> None:
    assert set(timing(client, ANSWER) or ()) == {"match", "render"}
    out_of_scope = timing(client, "/api/v1/answer?q=zzzz+qqqq+xxxx")
    assert set(out_of_scope or ()) == {"match"}  # nothing to render


def test_a_computed_search_says_how_long_it_searched(client: TestClient) -> None:
    assert set(timing(client, SEARCH) or ()) == {"search"}


def test_units_and_the_faq_say_how_long_they_rendered(client: TestClient) -> None:
    assert set(timing(client, "/api/v1/units/check-balance?channel=ivr") or ()) == {"render"}
    assert set(timing(client, "/api/v1/faq") or ()) == {"render"}


def test_answers_and_searches_from_the_cache_say_so(client: TestClient) -> None:
    for path in (ANSWER, SEARCH, "/api/v1/faq"):
        first = client.get(path)
        assert timing(client, path) == {"cache": "hit"}  # ANSWER, SEARCH: the quick path's
        assert timing(client, path, **{"If-None-Match": first.headers["etag"]}) == {"cache": "hit"}


def test_what_is_not_delivered_has_no_server_timing(client: TestClient) -> None:
    for path in ("/healthz", "/api/v1/answer", "/api/v1/units/no-such-unit", "/nowhere"):
        assert timing(client, path) is None, path  # a 200 elsewhere, a 422, two 404s
