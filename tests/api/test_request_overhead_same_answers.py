"""Cached answers and searches skip FastAPI's dependency resolution (issue 22) and answer every
request byte for byte as the routes do: status, headers and body, errors included."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import fastapi.routing
import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api import create_app
from importers import read_folder
from kb import KnowledgeBase
from kb.settings import DEFAULT_CHANNELS
from tests.conftest import SAMPLE_CONTENT

ANSWER = "/api/v1/answer?q=how+much+money+is+left+on+my+account"
SEARCH = "/api/v1/search?q=roaming"
#: Query strings added to an answer and a search: valid ones, and each way of being refused.
VARIANTS = [
    "",
    "&channel=web",
    "&channel=ivr",
    "&channel=operator",
    "&channel=nope",
    "&channel=" + "x" * 21,
    "&locale=en",
    "&locale=ru",
    "&locale=xx",
    "&locale=pt-BR",
    "&locale=EN",
    "&locale=",
    "&locale=en%0A",
    "&locale=e",
    "&locale=" + "a" * 36,
    "&q=again",
    "&zz=1&zz=2",
    "&zz=1",
    "&limit=5",
    "&limit=0",
    "&limit=51",
    "&limit=050",
    "&limit=%2B5",
    "&limit=abc",
    "&category=billing&tag=sim",
    "&category=" + "c" * 201,
]
PATHS = [
    *[base + extra for base in (ANSWER, SEARCH) for extra in VARIANTS],
    *[f"{route}?q={q}" for route in ("/api/v1/answer", "/api/v1/search") for q in ("", "x" * 501)],
    "/api/v1/answer",
    "/api/v1/answer?q=" + "x" * 500,
    "/api/v1/answer/?q=x",
]
#: A Server-Timing phase's milliseconds.
DURATION = re.compile(r"dur=[0-9.]+")
#: Authorization headers: none, keys of two roles, and each malformed or unknown one.
AUTHORIZATIONS = ["operator", "reader", "", "Bearer nope", "Basic eDp5", "Bearer", " Bearer x"]


@pytest.fixture
def sample(kb: KnowledgeBase) -> KnowledgeBase:
    kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
    kb.publish(author="t")
    return kb


def routes_only(kb: KnowledgeBase) -> FastAPI:
    """The app without its quick path: every request answered by FastAPI's routes."""
    app = create_app(kb)
    kept = [m for m in app.user_middleware if getattr(m.cls, "__name__", "") != "QuickDelivery"]
    assert len(kept) < len(app.user_middleware), "the app has a quick path"
    app.user_middleware = kept
    return app


def comparable(response: httpx.Response) -> list[tuple[str, str]]:
    """The response's headers, less what differs from one request to the next: its request id
    and receipt (new each time; both must be there) and the milliseconds of its Server-Timing
    phases."""
    new = {"x-request-id": "<id>", "x-kb-receipt": "<receipt>"}
    return [
        (name, new.get(name) or DURATION.sub("dur=<ms>", value))
        for name, value in response.headers.multi_items()
    ]


def exchanges(client: TestClient, headers: dict[str, str]) -> Iterator[tuple[Any, ...]]:
    """Every path asked twice (the second from the cache), then with If-None-Match and HEAD."""
    for path in PATHS:
        for _ in range(2):
            response = client.get(path, headers=headers)
            yield path, response.status_code, comparable(response), response.content
        etag = response.headers.get("etag", '"none"')
        for condition in (etag, f"W/{etag}", '"other"', f'"x", {etag}', "*"):
            conditional = client.get(path, headers={**headers, "If-None-Match": condition})
            yield path, condition, conditional.status_code, comparable(conditional)
        head = client.head(path, headers=headers)
        yield path, "HEAD", head.status_code, comparable(head), head.content


def test_every_request_gets_what_the_routes_send(
    sample: KnowledgeBase, key: Callable[[str], dict[str, str]]
) -> None:
    keys = {role: key(role)["Authorization"] for role in ("operator", "reader")}
    with TestClient(create_app(sample)) as quick, TestClient(routes_only(sample)) as routes:
        for authorization in AUTHORIZATIONS:
            headers = {"Authorization": keys.get(authorization, authorization)}
            for language in ("", "ru-RU,ru;q=0.9,en;q=0.8") if authorization == "" else ("",):
                headers["Accept-Language"] = language
                expected = list(exchanges(routes, headers))
                assert list(exchanges(quick, headers)) == expected
        assert quick.get("/openapi.json").content == routes.get("/openapi.json").content


def test_cached_answers_and_searches_resolve_no_dependency(
    sample: KnowledgeBase,
    key: Callable[[str], dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    solved: list[object] = []
    solve = fastapi.routing.solve_dependencies

    async def counted(*args: Any, **kwargs: Any) -> Any:
        solved.append(kwargs.get("dependant"))
        return await solve(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counted)
    operator = key("operator")
    with TestClient(create_app(sample)) as client:
        for path, headers in ((ANSWER, {}), (SEARCH, {}), (SEARCH + "&channel=operator", operator)):
            first = client.get(path, headers=headers)
            assert first.status_code == 200
            assert len(solved) == 1, "the first one is the route's"
            again = client.get(path, headers=headers)
            unchanged = client.get(
                path, headers={**headers, "If-None-Match": first.headers["etag"]}
            )
            assert (again.status_code, unchanged.status_code) == (200, 304)
            assert again.content == first.content
            assert len(solved) == 1, "a cached answer and its 304 are sent before the router"
            solved.clear()
