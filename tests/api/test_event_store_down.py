"""A dead or stuck event store never fails a delivery request (issue 16): with the event table
gone, or the queue full behind a database that does not answer, every delivery route still
answers with its receipt, and what was lost is counted in kb_event_queue_dropped_total."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlmodel import func, select

from api import create_app
from importers import read_folder
from kb import KnowledgeBase
from kb.events.recorder import EventRecorder
from kb.events.served import Wire
from kb.events.store import purge_events
from kb.events.writer import store_events
from kb.settings import DEFAULT_CHANNELS, Settings
from kb.store.models import DeliveryEvent
from tests.conftest import SAMPLE_CONTENT

Headers = Callable[[str], dict[str, str]]

#: One request of every delivery route, each sent twice (made, then from the cache).
REQUESTS = (
    ("/api/v1/answer", {"q": "my phone was stolen"}),
    ("/api/v1/search", {"q": "stolen phone"}),
    ("/api/v1/units/lost-or-stolen-phone", {}),
    ("/api/v1/faq", {}),
    ("/faq", {}),  # the help center's home, through the redirect
    ("/units/lost-or-stolen-phone", {}),  # its answer page, through the redirect
    ("/help/en/search", {"q": "stolen phone"}),
)
#: Seconds the blocking sink waits for the test at most, so that no thread outlives it.
BLOCK_LIMIT_S = 30.0


def publish_sample(kb: KnowledgeBase) -> KnowledgeBase:
    kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
    kb.publish(author="t")
    return kb


def counters(client: TestClient, headers: dict[str, str]) -> dict[str, float]:
    """The event counters as /metrics shows them now."""
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    wanted = ("kb_event_queue_dropped", "kb_events_written")
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(response.text)
        if family.name in wanted
        for sample in family.samples
        if sample.name.endswith("_total")
    }


def send_all(client: TestClient, times: int = 2) -> list[str]:
    """Every delivery request `times` times; each must succeed. Their receipts."""
    receipts = []
    for _ in range(times):
        for path, params in REQUESTS:
            response = client.get(path, params=params)
            assert response.status_code == 200, (path, response.text)
            receipts.append(response.headers["X-KB-Receipt"])
    return receipts


def stored(kb: KnowledgeBase) -> int:
    with kb.db.read() as session:
        return int(session.exec(select(func.count()).select_from(DeliveryEvent)).one())


def test_with_the_event_table_gone_every_request_succeeds_and_the_drops_are_counted(
    kb: KnowledgeBase, key: Headers
) -> None:
    publish_sample(kb)
    admin = key("admin")
    with TestClient(create_app(kb)) as client:
        before = counters(client, admin)
        with kb.db.engine.begin() as connection:
            connection.execute(text("DROP TABLE delivery_event"))
        receipts = send_all(client)
        assert len(set(receipts)) == len(receipts) == 2 * len(REQUESTS)
        assert kb.events.flush()
        assert kb.events.dropped == len(receipts) and kb.events.written == 0
        after = counters(client, admin)
    dropped = after["kb_event_queue_dropped_total"] - before["kb_event_queue_dropped_total"]
    assert dropped == len(receipts)
    assert after["kb_events_written_total"] == before["kb_events_written_total"]


@pytest.fixture
def small_queue(settings: Settings) -> Iterator[KnowledgeBase]:
    """The sample content with a queue of one event (KB_EVENTS_QUEUE_SIZE=1)."""
    with KnowledgeBase.open(replace(settings, events_queue_size=1)) as kb:
        yield publish_sample(kb)


def test_with_the_queue_full_every_request_succeeds_and_the_drops_are_counted(
    small_queue: KnowledgeBase, key: Headers
) -> None:
    kb = small_queue
    writing, answer = threading.Event(), threading.Event()

    def stuck_database(rows: Sequence[Wire]) -> None:
        """The real insert, after the database has kept the writer waiting until told."""
        writing.set()
        answer.wait(BLOCK_LIMIT_S)
        store_events(kb.db, rows)

    kb.events = EventRecorder(
        kb.settings, stuck_database, lambda before: purge_events(kb.db, before)
    )
    admin = key("admin")
    try:
        with TestClient(create_app(kb)) as client:
            before = counters(client, admin)
            first = client.get("/api/v1/answer", params={"q": "my phone was stolen"})
            assert first.status_code == 200 and first.headers["X-KB-Receipt"]
            assert writing.wait(BLOCK_LIMIT_S), "the writer took the first event"
            # The writer is stuck on the first: the next event fills the queue, the rest drop.
            receipts = send_all(client)
            assert kb.events.dropped == len(receipts) - 1
            answer.set()
            assert kb.events.flush()
            assert kb.events.written == 2 and stored(kb) == 2
            after = counters(client, admin)
    finally:
        answer.set()
    grown = {name: after[name] - before[name] for name in after}
    assert grown == {
        "kb_event_queue_dropped_total": len(receipts) - 1,
        "kb_events_written_total": 2,
    }
