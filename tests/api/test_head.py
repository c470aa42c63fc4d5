"""Every GET route answers HEAD with the GET's status and headers and no body (load balancers
and uptime checks ask with HEAD), and a 405 names in Allow every method the path takes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from string import Formatter

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from api import create_app
from importers import read_folder
from kb import KnowledgeBase
from kb.scheduling.schedules import schedule_release
from kb.settings import DEFAULT_CHANNELS, Settings
from kb.store.models import DeliveryEvent
from kb.webhooks.endpoints import create_endpoint
from tests.api.servers import kb_server
from tests.conftest import SAMPLE_CONTENT

#: Path parameters filled with what the published sample content has (and the event `sample`
#: writes for the receipt).
PARAMETERS = {
    "unit_id": "check-balance",
    "name": "support_phone",
    "revision": 1,
    "number": 1,
    "receipt": "0123456789abcdef0123456789abcdef",
    "conversation": "chat-1",
    "schedule_id": 1,
    "endpoint_id": 1,
    "delivery_id": 1,
    "locale": "en",
    "category": "billing",
    "rest": "en",  # the help center's catch-all 404: filled so that it reaches a page
}
#: Query strings that make a route do its real work rather than refuse the request; every
#: request names the locale (the drafts' routes need it, the others ignore what they do not take).
QUERIES = {
    "/api/v1/answer": {"q": "How do I check my balance?"},
    "/api/v1/search": {"q": "balance"},
    "/api/v1/drafts/units/{unit_id}/diff": {"from": "1", "to": "1"},
}


def _routes(app: FastAPI) -> list[BaseRoute]:
    """The app's routes, those of included routers too (FastAPI >= 0.150 nests them)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI lists every route in app.routes
        return list(app.routes)
    return list(iter_route_contexts(app.routes))  # type: ignore[arg-type]


def _get_paths(app: FastAPI) -> Iterator[str]:
    """A request path for every GET route and static mount of `app`, parameters filled in."""
    for route in _routes(app):
        if isinstance(getattr(route, "app", None), StaticFiles):
            directory = Path(str(route.app.directory))  # type: ignore[attr-defined]
            asset = min(p for p in directory.iterdir() if p.suffix in (".js", ".css"))
            yield f"{route.path}/{asset.name}"
        elif "GET" in (getattr(route, "methods", None) or ()):
            template: str = route.path_format  # type: ignore[attr-defined]
            names = [name for _, name, _, _ in Formatter().parse(template) if name]
            assert set(names) <= set(PARAMETERS), f"fill {template}'s parameters in PARAMETERS"
            yield template.format(**PARAMETERS)


def _query(path: str) -> dict[str, str]:
    asked = next((q for t, q in QUERIES.items() if t.format(**PARAMETERS) == path), {})
    return {"locale": "en", **asked}


# Describing the routes needs no knowledge base, as in test_openapi_schema.py.
GET_PATHS = sorted(_get_paths(create_app()))


def test_every_kind_of_get_route_is_collected() -> None:
    kinds = {APIRoute, Route, Mount}
    assert {type(getattr(r, "original_route", r)) for r in _routes(create_app())} >= kinds
    for path in ("/healthz", "/faq", "/panel", "/docs", "/openapi.json", "/static/editor.css"):
        assert path in GET_PATHS
    assert "/api/v1/units/check-balance" in GET_PATHS


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    """The sample content, published, on SQLite: one knowledge base for the module."""
    root = tmp_path_factory.mktemp("head")
    settings = Settings(data_dir=root, database_url=f"sqlite:///{root / 'kb.sqlite3'}")
    with KnowledgeBase.open(settings) as knowledge_base:
        content = read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS)
        knowledge_base.import_content(content, author="t")
        # Webhook endpoint 1, whose delivery 1 the publish queues (to a port nothing answers).
        create_endpoint(knowledge_base.db, "http://127.0.0.1:9/", ["release.published"], author="t")
        knowledge_base.publish(author="t")
        schedule_release(
            knowledge_base, at=datetime.now(UTC) + timedelta(days=365), note="", author="t"
        )
        with knowledge_base.db.write() as session:  # what a unit view records, this receipt
            session.add(
                DeliveryEvent(
                    receipt=str(PARAMETERS["receipt"]),
                    at=datetime.now(UTC),
                    kind="unit",
                    channel="web",
                    locale="en",
                    release=1,
                    unit_id="check-balance",
                    revision=1,
                )
            )
        yield knowledge_base


@pytest.fixture(scope="module")
def client(sample: KnowledgeBase) -> Iterator[TestClient]:
    with TestClient(create_app(sample)) as started:
        yield started


@pytest.fixture(scope="module", params=["anonymous", "admin"])
def caller(request: pytest.FixtureRequest, sample: KnowledgeBase) -> dict[str, str]:
    if request.param == "anonymous":
        return {}
    secret = sample.create_key(name="head", role="admin", author="t").secret
    return {"Authorization": f"Bearer {secret}"}


def _less(headers: httpx.Headers, names: tuple[str, ...]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k not in names}


@pytest.mark.parametrize("path", GET_PATHS)
def test_head_answers_as_get_without_the_body(
    client: TestClient, caller: dict[str, str], path: str
) -> None:
    head = client.head(path, params=_query(path), headers=caller)
    get = client.get(path, params=_query(path), headers=caller)
    if caller:  # with a key every GET route answers; anonymously some say 401, as HEAD must
        assert get.status_code == 200, get.text
    assert head.status_code == get.status_code
    assert head.content == b""
    # Each request has its own id and receipt (a delivery one), and says what it ran: the GET
    # after the HEAD is a cache hit.
    per_request = ("x-request-id", "server-timing", "x-kb-receipt")
    if path == "/metrics":  # the HEAD itself is counted, so the GET's series are longer
        per_request += ("content-length",)
    assert "x-request-id" in head.headers
    assert _less(head.headers, per_request) == _less(get.headers, per_request)
    for name in ("Content-Type", "ETag", "Cache-Control", "X-KB-Version"):
        assert head.headers.get(name) == get.headers.get(name)


def test_head_of_a_delivery_route_carries_its_caching_headers(client: TestClient) -> None:
    head = client.head("/api/v1/units/check-balance")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["ETag"] and head.headers["X-KB-Version"] == "1"
    assert head.headers["Cache-Control"] == "public, no-cache"
    again = client.head(
        "/api/v1/units/check-balance", headers={"If-None-Match": head.headers["ETag"]}
    )
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "/healthz", "GET, HEAD"),
        ("PUT", "/faq", "GET, HEAD"),
        ("DELETE", "/panel", "GET, HEAD"),
        ("POST", "/api/v1/units/check-balance", "GET, HEAD"),
        ("PATCH", "/api/v1/drafts/units/check-balance", "DELETE, GET, HEAD, PUT"),
        ("DELETE", "/api/v1/drafts/units", "GET, HEAD, POST"),
        ("POST", "/static/editor.css", "GET, HEAD"),
        ("POST", "/openapi.json", "GET, HEAD"),
        ("HEAD", "/api/v1/drafts/preview", "POST"),
    ],
)
def test_a_405_lists_every_method_the_path_takes(
    client: TestClient, method: str, path: str, allow: str
) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["Allow"] == allow


def test_the_openapi_document_has_no_head_operations(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert [p for p, item in paths.items() if "head" in item] == []
    assert "get" in paths["/healthz"]


def test_a_real_server_answers_head_for_uptime_checks(tmp_path: Path) -> None:
    env = {"KB_DATA_DIR": str(tmp_path), "KB_DATABASE_URL": "", "KB_AUTHOR": "t"}
    with kb_server(env, log=tmp_path / "server.log") as url:
        health = httpx.head(f"{url}/healthz")
        docs = httpx.head(f"{url}/docs")
    assert (health.status_code, health.headers["content-length"], health.content) == (
        200,
        "15",
        b"",
    )
    assert docs.status_code == 200 and docs.headers["content-type"].startswith("text/html")
