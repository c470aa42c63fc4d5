"""`kb webhooks`: register an endpoint (the secret printed once), list it, send what a publish
queued with `kb webhooks deliver --once`, list the deliveries, redeliver, remove (issue 18)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable

import pytest
from click.testing import Result
from standardwebhooks import Webhook
from typer.testing import CliRunner

from cli.main import app
from kb import KnowledgeBase
from kb.store.outbox import enqueue
from kb.webhooks.endpoints import create_endpoint
from tests.conftest import REPO, make_unit
from tests.webhooks.receiver import receiver

Run = Callable[..., Result]


@pytest.fixture
def run(env: dict[str, str]) -> Run:
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(app, list(args), env=env, catch_exceptions=False, prog_name="kb")

    return invoke


def test_add_deliver_list_redeliver_and_remove(run: Run, kb: KnowledgeBase) -> None:
    with receiver() as hooks:
        added = run("webhooks", "add", hooks.url, "--events", "release.published,unit.unverified")
        assert added.exit_code == 0, added.output
        secret = added.stdout.strip().splitlines()[-1]
        assert secret.startswith("whsec_")
        listed = json.loads(run("webhooks", "list", "--json").stdout)
        assert [(e["id"], e["events"]) for e in listed] == [
            (1, ["release.published", "unit.unverified"])
        ]
        assert secret not in run("webhooks", "list", "--json").stdout
        kb.save_unit(make_unit("a"), author="ann")
        kb.publish(author="pat")
        sent = run("webhooks", "deliver", "--once")
        assert sent.exit_code == 0, sent.output
        assert "Attempted 1 delivery; 0 pending." in sent.stdout
        (got,) = hooks.requests
        assert Webhook(secret).verify(got.body, got.headers)["type"] == "release.published"
        rows = json.loads(run("webhooks", "deliveries", "1", "--json").stdout)
        assert [(r["status"], r["last_status"]) for r in rows] == [("delivered", 200)]
        again = run("webhooks", "redeliver", str(rows[0]["id"]))
        assert again.exit_code == 0, again.output
        assert "Attempted 1 delivery" in run("webhooks", "deliver", "--once").stdout
        assert len(hooks.requests) == 2
    removed = run("webhooks", "remove", "1")
    assert removed.exit_code == 0 and "Removed webhook 1" in removed.stdout
    assert json.loads(run("webhooks", "list", "--json").stdout) == []


def test_a_bad_event_type_is_an_error_naming_it(run: Run) -> None:
    refused = run("webhooks", "add", "https://example.com/h", "--events", "release.exploded")
    assert refused.exit_code == 1
    assert "events: unknown event 'release.exploded'" in refused.stderr
    assert "error:" in refused.stderr


def test_an_unknown_endpoint_is_an_error(run: Run) -> None:
    missing = run("webhooks", "remove", "42")
    assert missing.exit_code == 1
    assert "error: no webhook endpoint 42" in missing.stderr


def test_two_sender_processes_never_send_a_delivery_twice(
    env: dict[str, str], kb: KnowledgeBase
) -> None:
    gate = threading.Event()
    with receiver(gate=gate) as hooks:
        create_endpoint(kb.db, hooks.url, ["feedback.negative"], author="admin")
        with kb.db.write() as session:
            for n in range(40):
                enqueue(session, "feedback.negative", {"feedback_id": n})
        command = [sys.executable, "-m", "cli.main", "webhooks", "deliver", "--once"]
        senders = [
            subprocess.Popen(
                command, env={**os.environ, **env}, cwd=REPO, stdout=subprocess.PIPE, text=True
            )
            for _ in range(2)
        ]
        # Each sender holds its first request open until the other has sent one too: both are
        # sending at once, each with its own claim.
        hooks.wait_for(2, timeout=120)
        gate.set()
        outputs = [sender.communicate(timeout=120)[0] for sender in senders]
    assert [sender.returncode for sender in senders] == [0, 0]
    ids = [r.headers["webhook-id"] for r in hooks.requests]
    assert len(ids) == 40 and len(set(ids)) == 40
    counts = [int(re.search(r"Attempted (\d+)", out).group(1)) for out in outputs]  # type: ignore[union-attr]
    assert sum(counts) == 40 and min(counts) > 0
