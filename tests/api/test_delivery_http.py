"""HTTP behaviour of delivery: ETag and 304, Cache-Control, CORS, size limits, problems, FAQ."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.caching import ENTRY_OVERHEAD, ResponseCache, approximate_size
from importers import read_folder
from kb import KnowledgeBase
from kb.settings import DEFAULT_CHANNELS, Settings
from tests.conftest import SAMPLE_CONTENT, make_unit

PROBLEM = "application/problem+json"
ROUTES = [
    ("/api/v1/answer", {"q": "what is my balance"}),
    ("/api/v1/search", {"q": "roaming"}),
    ("/api/v1/units/check-balance", {"channel": "web"}),
    ("/api/v1/faq", {"locale": "en"}),
    ("/api/v1/releases/current", {}),
]


@pytest.fixture
def sample(kb: KnowledgeBase) -> KnowledgeBase:
    kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
    kb.publish(author="t")
    return kb


@pytest.mark.parametrize(("path", "params"), ROUTES)
def test_every_delivery_route_carries_the_release_and_answers_304_to_a_current_etag(
    api: TestClient, sample: KnowledgeBase, path: str, params: dict[str, str]
) -> None:
    first = api.get(path, params=params)
    assert first.status_code == 200, first.text
    assert first.headers["X-KB-Version"] == "1" and first.json()["kb_version"] == 1
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, no-cache"

    again = api.get(path, params=params, headers={"If-None-Match": etag})
    weak = api.get(path, params=params, headers={"If-None-Match": f'"x", W/{etag}'})

    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == etag and again.headers["X-KB-Version"] == "1"
    assert weak.status_code == 304


def test_etag_differs_by_channel_and_by_release(api: TestClient, sample: KnowledgeBase) -> None:
    def etag(channel: str) -> str:
        response = api.get("/api/v1/units/check-balance", params={"channel": channel})
        return response.headers["ETag"]

    web, ivr = etag("web"), etag("ivr")
    assert web != ivr
    sample.save_unit(make_unit("brand-new"), author="t")
    sample.publish(author="t")

    stale = api.get("/api/v1/units/check-balance", headers={"If-None-Match": web})
    assert stale.status_code == 200 and stale.headers["X-KB-Version"] == "2"
    assert stale.headers["ETag"] != web


def test_locale_a_release_lacks_falls_back_to_the_default_in_answers_search_and_faq(
    api: TestClient, sample: KnowledgeBase
) -> None:
    answer = api.get("/api/v1/answer", params={"q": "what is my balance", "locale": "de"}).json()
    search = api.get("/api/v1/search", params={"q": "roaming", "locale": "de"}).json()
    faq = api.get("/api/v1/faq", params={"locale": "de"}).json()
    russian = api.get("/api/v1/faq", params={"locale": "ru"}).json()

    assert (answer["locale"], answer["fallback"], answer["status"]) == ("en", True, "answered")
    assert (search["locale"], search["fallback"]) == ("en", True) and search["hits"]
    assert (faq["locale"], faq["fallback"]) == ("en", True)
    assert (russian["locale"], russian["fallback"]) == ("ru", False)


def test_faq_lists_public_web_units_of_a_category_with_safe_html(
    api: TestClient, sample: KnowledgeBase
) -> None:
    everything = api.get("/api/v1/faq").json()
    billing = api.get("/api/v1/faq", params={"category": "billing"}).json()

    ids = [item["unit_id"] for item in everything["items"]]
    assert ids and "goodwill-credit-policy" not in ids  # internal unit
    assert billing["items"] and all(i["category"] == "billing" for i in billing["items"])
    assert len(billing["items"]) < len(ids)
    assert everything["json_ld"]["@type"] == "FAQPage"
    assert all("<script" not in item["answer"] for item in everything["items"])


def test_cors_lets_configured_origins_read_delivery_routes_only(
    settings: Settings, sample: KnowledgeBase
) -> None:
    allowed = "https://shop.example.com"
    cors = KnowledgeBase.open(Settings(**{**settings.__dict__, "cors_origins": (allowed,)}))
    try:
        with TestClient(create_app(cors)) as api:
            ok = api.get("/api/v1/faq", headers={"Origin": allowed})
            other = api.get("/api/v1/faq", headers={"Origin": "https://evil.example"})
            preflight = api.options(
                "/api/v1/search",
                headers={"Origin": allowed, "Access-Control-Request-Method": "GET"},
            )
            authoring = api.options(
                "/api/v1/drafts/units",
                headers={"Origin": allowed, "Access-Control-Request-Method": "POST"},
            )
            assert ok.headers["Access-Control-Allow-Origin"] == allowed
            assert "ETag" in ok.headers["Access-Control-Expose-Headers"]
            # A widget on the shop's site may send its own request id and read the one used.
            assert "X-Request-ID" in ok.headers["Access-Control-Expose-Headers"]
            assert "Access-Control-Allow-Origin" not in other.headers
            assert preflight.status_code == 200
            assert preflight.headers["Access-Control-Allow-Origin"] == allowed
            with_id = api.options(
                "/api/v1/answer",
                headers={
                    "Origin": allowed,
                    "Access-Control-Request-Method": "GET",
                    "Access-Control-Request-Headers": "x-request-id",
                },
            )
            assert with_id.status_code == 200
            assert "Access-Control-Allow-Origin" not in authoring.headers
    finally:
        cors.close()


def test_no_cors_headers_unless_origins_are_configured(
    api: TestClient, sample: KnowledgeBase
) -> None:
    response = api.get("/api/v1/faq", headers={"Origin": "https://shop.example.com"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_size_limits_refuse_long_questions_queries_and_bodies_as_problems(
    api: TestClient, sample: KnowledgeBase, key
) -> None:
    question = api.get("/api/v1/answer", params={"q": "balance " * 100})
    query = api.get("/api/v1/search", params={"q": "x" * 5000})
    body = api.post(
        "/api/v1/drafts/units", content=b"{" + b" " * (2 << 20) + b"}", headers=key("editor")
    )

    assert question.status_code == 422 and "q" in question.json()["detail"]
    assert query.status_code == 414
    assert body.status_code == 413
    for response in (question, query, body):
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.json()["detail"]


def test_unknown_routes_wrong_methods_and_bad_json_are_problems(
    api: TestClient, sample: KnowledgeBase, key
) -> None:
    missing = api.get("/api/v1/nothing-here")
    method = api.put("/api/v1/answer")
    bad_json = api.post(
        "/api/v1/drafts/units",
        content=b"{not json",
        headers={**key("editor"), "Content-Type": "application/json"},
    )

    assert (missing.status_code, method.status_code, bad_json.status_code) == (404, 405, 422)
    for response in (missing, method, bad_json):
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.json()["status"] == response.status_code


def test_openapi_documents_every_route_with_examples(api: TestClient) -> None:
    document = api.get("/openapi.json").json()
    operations = [
        (path, method, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
    ]
    assert len(operations) >= 20
    schemas = document["components"]["schemas"]
    for name in ("AnswerOut", "SearchOut", "UnitOut", "FaqOut", "DraftOut", "PublishOut"):
        assert schemas[name].get("examples"), name
    for path, method, op in operations:
        assert op.get("summary") and op.get("description"), (method, path)
        assert has_example(op, schemas), (method, path)
    assert api.get("/docs").status_code == 200


def has_example(operation: dict, schemas: dict) -> bool:
    """Whether the docs show an example of what this route returns."""

    def schema_example(schema: dict) -> bool:
        schema = schema.get("items", schema)
        ref = schema.get("$ref", "").rsplit("/", 1)[-1]
        return bool(schema.get("examples") or (ref and schemas[ref].get("examples")))

    for status, response in operation["responses"].items():
        if not status.startswith("2"):
            continue
        for media in response.get("content", {}).values():
            if media.get("example") or media.get("examples") or schema_example(media["schema"]):
                return True
    return False


def test_a_repeated_question_is_answered_from_memory_until_the_next_release(
    api: TestClient, sample: KnowledgeBase
) -> None:
    params = {"q": "what is my balance", "channel": "chatbot"}
    first = api.get("/api/v1/answer", params=params)
    kept = api.app.state.responses.get(first.headers["ETag"])  # type: ignore[attr-defined]
    again = api.get("/api/v1/answer", params=params)

    assert kept == first.content == again.content
    assert again.headers["ETag"] == first.headers["ETag"]
    sample.save_unit(
        make_unit("check-balance", title="Your balance", questions=("what is my balance",)),
        author="t",
    )
    sample.publish(author="t")

    newer = api.get("/api/v1/answer", params=params).json()
    assert (newer["kb_version"], newer["title"]) == (2, "Your balance")


def test_the_response_cache_keeps_the_recent_bodies_that_fit_its_bytes() -> None:
    body = b"x" * 1000
    cache = ResponseCache(max_bytes=2 * (approximate_size(body) + ENTRY_OVERHEAD))
    cache.put("a", body)
    cache.put("b", body)
    assert cache.get("a") == body  # now the most recent
    cache.put("c", body)

    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (body, None, body)
    assert cache.bytes == cache.max_bytes
    cache.put("a", body + b"!")  # a byte more: a and c no longer both fit
    assert (cache.get("a"), cache.get("c"), len(cache)) == (body + b"!", None, 1)
    cache.put("big", b"y" * cache.max_bytes)  # larger than the whole bound: not kept
    assert (cache.get("big"), cache.get("a")) == (None, body + b"!")
    assert cache.bytes <= cache.max_bytes
