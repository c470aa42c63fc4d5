"""`kb serve` sends webhooks itself: with two worker processes, a release published through the
API is answered while the receiver still holds its delivery, and reaches it once (issue 18)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
from standardwebhooks import Webhook

from kb import KnowledgeBase
from kb.webhooks.endpoints import create_endpoint, deliveries
from tests.api.servers import kb_server
from tests.conftest import make_unit
from tests.webhooks.receiver import receiver


def test_two_server_processes_deliver_a_release_once_without_making_the_publish_wait(
    kb: KnowledgeBase, env: dict[str, str], tmp_path: Path
) -> None:
    kb.save_unit(make_unit("a"), author="ann")
    kb.publish(author="ann")
    publisher = kb.create_key(name="publisher", role="publisher", author="tester").secret
    gate = threading.Event()
    with receiver(gate=gate) as hooks:
        new = create_endpoint(kb.db, hooks.url, ["release.published"], author="admin")
        with (
            kb_server(env, workers=2, log=tmp_path / "serve.log") as base,
            httpx.Client(base_url=base, timeout=60) as client,
        ):
            kb.save_unit(make_unit("b"), author="ann")
            # Published by a server process: its own sender is woken by the commit.
            made = client.post(
                "/api/v1/releases",
                json={"message": "with b"},
                headers={"Authorization": f"Bearer {publisher}"},
            )
            assert made.status_code == 201, made.text
            (held,) = hooks.wait_for(1)  # a sender is in its POST, held by the receiver
            assert not gate.is_set()  # and the publish was answered meanwhile
            kb.save_unit(make_unit("c"), author="ann")
            kb.publish(author="ann")  # by this process: a server's sender finds it polling
            gate.set()
            got = hooks.wait_for(2)
            states = {d.status for d in deliveries(kb.db, new.endpoint.id or 0)}
    ids = [r.headers["webhook-id"] for r in got]
    assert len(ids) == len(set(ids)) == 2, ids
    releases = sorted(json.loads(r.body)["data"]["release"] for r in got)
    assert releases == [2, 3]
    assert all(Webhook(new.secret).verify(r.body, r.headers) for r in got)
    assert json.loads(held.body)["data"]["release"] == made.json()["kb_version"] == 2
    assert states <= {"delivered", "pending"}
