"""Webhook deliveries reach a real receiver, signed as Standard Webhooks verifiers expect, are
retried after a 500 and a closed port, are queued only by writes that commit, and never make a
publish wait for a receiver (issue 18)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select
from standardwebhooks import Webhook

from kb import KnowledgeBase
from kb.events.feedback import FeedbackNote, give_feedback
from kb.store.outbox import enqueue
from kb.store.webhook_models import WebhookDelivery, WebhookEvent
from kb.webhooks.endpoints import attempts, create_endpoint, deliveries, redeliver, set_enabled
from kb.webhooks.queue import DeliveryPolicy
from kb.webhooks.worker import DeliveryWorker
from tests.conftest import make_unit
from tests.webhooks.receiver import free_port, receiver


class Clock:
    """The real clock, which the test may move ahead: backoff waits pass without sleeping."""

    def __init__(self) -> None:
        self.ahead = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead

    def advance(self, seconds: float) -> None:
        self.ahead += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _worker(kb: KnowledgeBase, clock: Clock, **policy: float) -> DeliveryWorker:
    return DeliveryWorker(kb.db, DeliveryPolicy(timeout_seconds=5.0, **policy), clock=clock)  # type: ignore[arg-type]


def _publish(kb: KnowledgeBase, unit_id: str = "a") -> int:
    kb.save_unit(make_unit(unit_id), author="ann")
    plan = kb.publish(author="pat", message=f"with {unit_id}")
    assert plan.release is not None
    return plan.release


def test_a_publish_reaches_the_receiver_signed_as_standard_webhooks_verifies(
    kb: KnowledgeBase, clock: Clock
) -> None:
    with receiver() as hooks:
        new = create_endpoint(kb.db, hooks.url, ["release.published"], author="admin")
        number = _publish(kb)
        worker = _worker(kb, clock)
        assert worker.run_once() == 1
        worker.stop()
    (got,) = hooks.requests
    payload = Webhook(new.secret).verify(got.body, got.headers)
    assert payload["type"] == "release.published"
    assert payload["data"]["release"] == number
    assert payload["data"]["units"] == [{"unit_id": "a", "locale": "en"}]
    assert got.headers["webhook-id"].startswith("msg_")
    assert new.secret.startswith("whsec_")
    (delivery,) = deliveries(kb.db, new.endpoint.id or 0)
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("delivered", 1, 200)
    assert delivery.last_response_ms is not None


def test_a_wrong_secret_fails_verification(kb: KnowledgeBase, clock: Clock) -> None:
    from standardwebhooks.webhooks import WebhookVerificationError

    with receiver() as hooks:
        create_endpoint(kb.db, hooks.url, ["release.published"], author="admin")
        _publish(kb)
        _worker(kb, clock).run_once()
    other = create_endpoint(kb.db, "https://example.com/x", ["unit.unverified"], author="admin")
    (got,) = hooks.requests
    with pytest.raises(WebhookVerificationError):
        Webhook(other.secret).verify(got.body, got.headers)


def test_a_500_is_retried_after_the_backoff_with_the_same_message(
    kb: KnowledgeBase, clock: Clock
) -> None:
    with receiver(statuses=[500]) as hooks:
        new = create_endpoint(kb.db, hooks.url, ["release.published"], author="admin")
        _publish(kb)
        worker = _worker(kb, clock)
        assert worker.run_once() == 1
        (delivery,) = deliveries(kb.db, new.endpoint.id or 0)
        assert (delivery.status, delivery.attempts, delivery.last_status) == ("pending", 1, 500)
        assert worker.run_once() == 0  # not due before its backoff ends
        clock.advance(worker.policy.retry_after(1))
        assert worker.run_once() == 1
    (delivery,) = deliveries(kb.db, new.endpoint.id or 0)
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert [a.status for a in attempts(kb.db, delivery.id or 0)] == [500, 200]
    first, second = hooks.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert Webhook(new.secret).verify(second.body, second.headers)["type"] == "release.published"


def test_a_closed_port_is_retried_until_a_receiver_listens_there(
    kb: KnowledgeBase, clock: Clock
) -> None:
    port = free_port()
    new = create_endpoint(
        kb.db, f"http://127.0.0.1:{port}/hooks", ["release.published"], author="admin"
    )
    _publish(kb)
    worker = _worker(kb, clock)
    assert worker.run_once() == 1
    (delivery,) = deliveries(kb.db, new.endpoint.id or 0)
    assert (delivery.status, delivery.last_status) == ("pending", None)
    assert "ConnectError" in (delivery.last_error or "")
    with receiver(port=port) as hooks:
        clock.advance(worker.policy.retry_after(1))
        assert worker.run_once() == 1
    assert len(hooks.requests) == 1
    (delivery,) = deliveries(kb.db, new.endpoint.id or 0)
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    tried = attempts(kb.db, delivery.id or 0)
    assert [a.status for a in tried] == [None, 200]
    assert all(a.response_ms is not None for a in tried)


def test_the_wait_doubles_up_to_a_cap_and_the_last_attempt_fails_the_delivery(
    kb: KnowledgeBase, clock: Clock
) -> None:
    policy = DeliveryPolicy(first_retry_seconds=5, max_retry_seconds=30)
    assert [policy.retry_after(n) for n in (1, 2, 3, 4, 5)] == [5, 10, 20, 30, 30]
    with receiver(statuses=[500, 503, 500]) as hooks:
        new = create_endpoint(kb.db, hooks.url, ["release.published"], author="admin")
        _publish(kb)
        worker = _worker(kb, clock, max_attempts=3)
        for n in (1, 2, 3):
            assert worker.run_once() == 1
            clock.advance(worker.policy.retry_after(n))
        clock.advance(3600)
        assert worker.run_once() == 0
    (delivery,) = deliveries(kb.db, new.endpoint.id or 0)
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("failed", 3, 500)
    assert len(hooks.requests) == 3


def test_a_write_that_rolls_back_queues_nothing(kb: KnowledgeBase) -> None:
    create_endpoint(kb.db, "https://example.com/hooks", ["release.published"], author="admin")
    with pytest.raises(RuntimeError), kb.db.write() as session:
        assert enqueue(session, "release.published", {"release": 99}) is not None
        raise RuntimeError("the publish failed after queuing")
    with kb.db.read() as session:
        assert list(session.exec(select(WebhookEvent))) == []
        assert list(session.exec(select(WebhookDelivery))) == []


def test_only_enabled_endpoints_subscribed_to_the_type_get_a_delivery(kb: KnowledgeBase) -> None:
    wanted = create_endpoint(kb.db, "https://a.example/h", ["release.published"], author="x")
    create_endpoint(kb.db, "https://b.example/h", ["review.approved"], author="x")
    off = create_endpoint(kb.db, "https://c.example/h", ["release.published"], author="x")
    set_enabled(kb.db, off.endpoint.id or 0, False, author="x")
    _publish(kb)
    with kb.db.read() as session:
        rows = list(session.exec(select(WebhookDelivery)))
    assert [d.endpoint_id for d in rows] == [wanted.endpoint.id]


def test_a_publish_never_waits_for_a_receiver_that_hangs(kb: KnowledgeBase) -> None:
    gate = threading.Event()
    with receiver(gate=gate) as hooks:
        new = create_endpoint(kb.db, hooks.url, ["release.published"], author="admin")
        worker = DeliveryWorker(kb.db, DeliveryPolicy(timeout_seconds=60))
        worker.start()
        try:
            first = _publish(kb, "a")
            hooks.wait_for(1)  # the worker is inside its POST now, held by the receiver
            second = _publish(kb, "b")  # and a publish goes through meanwhile
            assert not gate.is_set()
            states = {d.event_id: d for d in deliveries(kb.db, new.endpoint.id or 0)}
            assert [d.status for d in states.values()] == ["pending", "pending"]
            assert [d.attempts for d in states.values()] == [0, 0]
            gate.set()
            got = hooks.wait_for(2)
        finally:
            gate.set()
            worker.stop()
    releases = [json.loads(r.body)["data"]["release"] for r in got]
    assert releases == [first, second]


def test_two_workers_never_send_the_same_delivery_twice(kb: KnowledgeBase, clock: Clock) -> None:
    with receiver() as hooks:
        create_endpoint(kb.db, hooks.url, ["feedback.negative"], author="admin")
        with kb.db.write() as session:
            for n in range(30):
                enqueue(session, "feedback.negative", {"feedback_id": n})
        workers = [_worker(kb, clock), _worker(kb, clock)]
        counts: list[int] = []
        threads = [
            threading.Thread(target=lambda w=w: counts.append(w.run_once())) for w in workers
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    ids = [r.headers["webhook-id"] for r in hooks.requests]
    assert len(ids) == 30 and len(set(ids)) == 30
    assert sum(counts) == 30


def test_a_redelivery_sends_the_same_event_again(kb: KnowledgeBase, clock: Clock) -> None:
    with receiver() as hooks:
        new = create_endpoint(kb.db, hooks.url, ["release.published"], author="admin")
        _publish(kb)
        worker = _worker(kb, clock)
        worker.run_once()
        (delivered,) = deliveries(kb.db, new.endpoint.id or 0)
        again = redeliver(kb.db, delivered.id or 0, author="admin")
        assert again.status == "pending"
        assert worker.run_once() == 1
    first, second = hooks.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    listed = deliveries(kb.db, new.endpoint.id or 0)
    assert [d.status for d in listed] == ["delivered", "delivered"]


def test_a_rollback_tells_of_itself(kb: KnowledgeBase, clock: Clock) -> None:
    with receiver() as hooks:
        new = create_endpoint(kb.db, hooks.url, ["release.rolled_back"], author="admin")
        _publish(kb, "a")
        _publish(kb, "b")
        plan = kb.rollback(1, author="pat")
        assert _worker(kb, clock).run_once() == 1
    (got,) = hooks.requests
    payload = Webhook(new.secret).verify(got.body, got.headers)
    assert payload["type"] == "release.rolled_back"
    assert payload["data"]["release"] == plan.release
    assert payload["data"]["rollback_of"] == 1
    assert payload["data"]["units"] == [{"unit_id": "b", "locale": "en"}]


def test_a_not_helpful_vote_is_a_negative_feedback_event(kb: KnowledgeBase) -> None:
    create_endpoint(kb.db, "https://example.com/h", ["feedback.negative"], author="admin")
    give_feedback(kb.db, FeedbackNote(unit_id="a", helpful=True))
    vote = give_feedback(kb.db, FeedbackNote(unit_id="a", helpful=False, reason="outdated"))
    with kb.db.read() as session:
        events = list(session.exec(select(WebhookEvent).order_by(col(WebhookEvent.created_at))))
    assert [e.type for e in events] == ["feedback.negative"]
    data = json.loads(events[0].body)["data"]
    assert data == {
        "feedback_id": vote.id,
        "kind": "vote",
        "unit_id": "a",
        "receipt": None,
        "channel": None,
        "reason": "outdated",
    }
