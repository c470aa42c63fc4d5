"""Every delivery response records one event and carries its receipt (issue 16, contract 1):
each route (answer, search, unit, FAQ, the FAQ and unit pages) in each channel it serves, made
now, sent again from the cache or as a 304; `conversation` and `via` recorded, refused when
malformed, never part of the ETag; nothing recorded and no header with KB_EVENTS off."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api import create_app
from importers import read_folder
from kb import KnowledgeBase
from kb.events.store import event_by_receipt
from kb.settings import DEFAULT_CHANNELS, Settings
from kb.store.models import DeliveryEvent
from tests.conftest import SAMPLE_CONTENT

Headers = Callable[[str], dict[str, str]]

STOLEN = "lost-or-stolen-phone"
RECEIPT = "X-KB-Receipt"
CHANNELS = ("web", "chatbot", "operator", "ivr")


@pytest.fixture
def sample(kb: KnowledgeBase) -> KnowledgeBase:
    """The sample content published twice: the stolen-phone unit (en) is at revision 2 in
    release 2, every other unit at revision 1."""
    kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
    kb.publish(author="t")
    source = (SAMPLE_CONTENT / "en" / "sim-and-device" / f"{STOLEN}.md").read_text("utf-8")
    kb.save_unit(source.replace("straight away", "right away"), author="t")
    kb.publish(author="t")
    assert kb.snapshot().unit(STOLEN, "en").revision == 2
    return kb


@pytest.fixture
def client(sample: KnowledgeBase) -> Iterator[TestClient]:
    with TestClient(create_app(sample)) as client:
        yield client


def rows(kb: KnowledgeBase) -> list[DeliveryEvent]:
    """Every event written so far (the recorder flushed first), oldest first."""
    assert kb.events.flush()
    with kb.db.read() as session:
        return list(session.exec(select(DeliveryEvent).order_by(DeliveryEvent.id)))  # type: ignore[arg-type]


def the_event(kb: KnowledgeBase, response: httpx.Response, before: int) -> DeliveryEvent:
    """The one event `response` recorded (one row more than `before`), named by its receipt."""
    assert response.status_code in (200, 304), response.text
    receipt = response.headers[RECEIPT]
    assert len(receipt) == 32 and int(receipt, 16) >= 0
    written = rows(kb)
    assert len(written) == before + 1, "one request, one event"
    assert written[-1].receipt == receipt
    event = event_by_receipt(kb.db, receipt)
    assert event is not None
    return event


@dataclass
class Case:
    """A delivery request and what its event must say besides kind, channel and trail."""

    kind: str
    path: str
    channel: str
    params: dict[str, str] = field(default_factory=dict)


def cases() -> list[Case]:
    """Every delivery route in every channel it serves."""
    made = []
    for channel in CHANNELS:
        made += [
            Case("answer", "/api/v1/answer", channel, {"q": "my phone was stolen"}),
            Case("search", "/api/v1/search", channel, {"q": "stolen phone"}),
            Case("unit", f"/api/v1/units/{STOLEN}", channel),
        ]
    made += [
        Case("faq", "/api/v1/faq", "web", {"locale": "en"}),
        Case("faq", "/faq", "web", {"locale": "en"}),  # redirected to the help center
        Case("unit", f"/units/{STOLEN}", "web", {"locale": "en"}),  # to its answer page
        Case("faq", "/help/en", "web"),
        Case("faq", "/help/en/sim-and-device", "web"),
        Case("unit", f"/help/en/sim-and-device/{STOLEN}", "web"),
    ]
    return made


def _query(case: Case, n: int) -> dict[str, str]:
    channel = {"channel": case.channel} if case.path.startswith("/api/v1/") else {}
    if case.kind == "faq":
        channel = {}
    return {**case.params, **channel, "conversation": f"chat:{n}@site-1", "via": "widget"}


def _expected(sample: KnowledgeBase, case: Case, body: Any) -> dict[str, Any]:
    """What the event of `case` must hold, from the response's body and the release."""
    snap = sample.snapshot()
    expected: dict[str, Any] = {"release": 2, "locale": "en"}
    if case.kind == "answer":
        assert body["status"] == "answered" and body["unit_id"] == STOLEN
        expected |= {
            "unit_id": STOLEN,
            "revision": 2,
            "status": "answered",
            "confidence": pytest.approx(body["confidence"]),
            "question": "my phone was stolen",
        }
    elif case.kind == "search":
        units = [hit["unit_id"] for hit in body["hits"]]
        assert units and body["total"] >= len(units)
        expected |= {"hits": body["total"], "units": units, "question": "stolen phone"}
        expected |= {"unit_id": None, "status": None}
    elif case.kind == "unit":
        expected |= {"unit_id": STOLEN, "revision": snap.unit(STOLEN, "en").revision}
    else:
        expected |= {"unit_id": None, "revision": None, "hits": None}
    return expected


def test_every_delivery_route_and_channel_records_one_event_named_by_its_receipt(
    sample: KnowledgeBase, client: TestClient, key: Headers
) -> None:
    operator = key("operator")
    for n, case in enumerate(cases()):
        before = len(rows(sample))
        headers = operator if case.channel == "operator" else {}
        response = client.get(case.path, params=_query(case, n), headers=headers)
        event = the_event(sample, response, before)
        json = response.headers["content-type"].startswith("application/json")
        expected = _expected(sample, case, response.json() if json else None)
        expected |= {
            "kind": case.kind,
            "channel": case.channel,
            "conversation": f"chat:{n}@site-1",
            "via": "widget",
            "cached": False,
        }
        got = {name: getattr(event, name) for name in expected}
        assert got == expected, (case, got)
        assert event.latency_ms is not None and event.latency_ms > 0  # timed from arrival


def test_an_answer_sent_again_from_the_cache_or_as_a_304_is_recorded_with_its_unit(
    sample: KnowledgeBase, client: TestClient
) -> None:
    params = {"q": "my phone was stolen", "channel": "ivr"}
    first = client.get("/api/v1/answer", params=params)
    made = the_event(sample, first, 0)
    again = client.get("/api/v1/answer", params={**params, "conversation": "c-2", "via": "ivr"})
    cached = the_event(sample, again, 1)
    unchanged = client.get(
        "/api/v1/answer", params=params, headers={"If-None-Match": first.headers["ETag"]}
    )
    assert unchanged.status_code == 304
    not_modified = the_event(sample, unchanged, 2)
    receipts = {first.headers[RECEIPT], again.headers[RECEIPT], unchanged.headers[RECEIPT]}
    assert len(receipts) == 3, "every response its own receipt"
    # conversation and via are recorded, never part of the ETag: the same body, from the cache.
    assert again.headers["ETag"] == first.headers["ETag"] and again.content == first.content
    assert (made.cached, cached.cached, not_modified.cached) == (False, True, True)
    assert (cached.conversation, cached.via) == ("c-2", "ivr")
    for event in (made, cached, not_modified):
        facts = (event.kind, event.channel, event.unit_id, event.revision, event.status)
        assert facts == ("answer", "ivr", STOLEN, 2, "answered")
        assert event.confidence == made.confidence and event.release == 2
        assert event.question == "my phone was stolen"


def test_a_search_unit_and_faq_sent_again_are_recorded_too(
    sample: KnowledgeBase, client: TestClient
) -> None:
    for path, params in (
        ("/api/v1/search", {"q": "stolen phone"}),
        (f"/api/v1/units/{STOLEN}", {}),
        ("/api/v1/faq", {}),
    ):
        before = len(rows(sample))
        first = client.get(path, params=params)
        made = the_event(sample, first, before)
        again = client.get(path, params=params)
        etag = {"If-None-Match": first.headers["ETag"]}
        unchanged = client.get(path, params=params, headers=etag)
        assert unchanged.status_code == 304
        assert len(rows(sample)) == before + 3
        for response in (again, unchanged):
            event = event_by_receipt(sample.db, response.headers[RECEIPT])
            assert event is not None and event.cached, path
            facts = ("kind", "channel", "unit_id", "revision", "hits", "units", "release")
            assert [getattr(event, f) for f in facts] == [getattr(made, f) for f in facts]


def test_a_304_for_a_body_another_process_sent_still_names_what_it_served(
    sample: KnowledgeBase, client: TestClient
) -> None:
    """A new app (another worker, or after a restart) holds no facts for the client's ETag:
    it finds them again and still answers 304."""
    params = {"q": "my phone was stolen"}
    first = client.get("/api/v1/answer", params=params)
    with TestClient(create_app(sample)) as other:
        unchanged = other.get(
            "/api/v1/answer", params=params, headers={"If-None-Match": first.headers["ETag"]}
        )
        assert unchanged.status_code == 304 and unchanged.content == b""
        event = the_event(sample, unchanged, 1)
        assert (event.unit_id, event.revision, event.status, event.cached) == (
            STOLEN,
            2,
            "answered",
            True,
        )
        # and the body it found again is kept: the next one is sent from the cache
        again = other.get("/api/v1/answer", params=params)
        assert again.content == first.content
        assert the_event(sample, again, 2).cached


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("conversation", ""),
        ("conversation", "has space"),
        ("conversation", "x" * 201),
        ("conversation", "line\n"),
        ("via", ""),
        ("via", "Widget"),
        ("via", "1st"),
        ("via", "w" * 21),
    ],
)
def test_a_malformed_conversation_or_via_is_a_422_problem_on_every_route(
    sample: KnowledgeBase, client: TestClient, name: str, value: str
) -> None:
    question = {"q": "my phone was stolen"}
    client.get("/api/v1/answer", params=question)  # cached: the quick path must decline too
    client.get("/api/v1/search", params=question)
    before = len(rows(sample))
    for path in (
        "/api/v1/answer",
        "/api/v1/search",
        f"/api/v1/units/{STOLEN}",
        "/api/v1/faq",
        "/faq",
        f"/units/{STOLEN}",
        "/help/en",
        "/help/en/search",
        f"/help/en/sim-and-device/{STOLEN}",
    ):
        response = client.get(path, params={**question, name: value})
        assert response.status_code == 422, (path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert name in response.json()["detail"], response.json()
        assert RECEIPT not in response.headers
    assert len(rows(sample)) == before


def test_conversation_and_via_are_documented_on_every_delivery_route(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    for path in ("/api/v1/answer", "/api/v1/search", "/api/v1/units/{unit_id}", "/api/v1/faq"):
        params = {p["name"]: p for p in document["paths"][path]["get"]["parameters"]}
        for name, pattern, chars in (
            ("conversation", "^[A-Za-z0-9._:@-]+$", 200),
            ("via", "^[a-z][a-z0-9-]*$", 20),
        ):
            schema = params[name]["schema"]["anyOf"][0]  # or null: optional
            assert (schema["pattern"], schema["minLength"], schema["maxLength"]) == (
                pattern,
                1,
                chars,
            )
            assert not params[name]["required"] and params[name]["description"]


@pytest.fixture
def quiet(settings: Settings) -> Iterator[KnowledgeBase]:
    """The sample content, published, with events off (KB_EVENTS=false)."""
    with KnowledgeBase.open(replace(settings, events=False)) as kb:
        kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
        kb.publish(author="t")
        yield kb


def test_with_events_off_nothing_is_recorded_and_no_receipt_sent(quiet: KnowledgeBase) -> None:
    with TestClient(create_app(quiet)) as client:
        for case in cases():
            if case.channel == "operator":
                continue
            for _ in range(2):  # made, then from the cache
                response = client.get(case.path, params=_query(case, 0))
                assert response.status_code == 200, response.text
                assert RECEIPT not in response.headers
    assert rows(quiet) == []
