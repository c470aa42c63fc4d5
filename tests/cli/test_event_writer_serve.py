"""`kb serve` hands its workers' events to one writer process of its own (KB_EVENTS_WRITER):
started before the workers, it stores every worker's events, and it ends with the server."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from sqlmodel import select

from importers import read_folder
from kb import KnowledgeBase
from kb.settings import DEFAULT_CHANNELS
from kb.store.models import DeliveryEvent
from tests.api.servers import kb_server
from tests.conftest import SAMPLE_CONTENT

QUESTION = "my phone was stolen, reach me at ann@example.com"


def writer_pid(log: Path) -> int:
    """The writer process's pid, as `kb serve` logged it when it started it."""
    found = re.search(r"Event writer process \[(\d+)\]", log.read_text())
    assert found, "kb serve said it started its writer process"
    return int(found.group(1))


def command_line(pid: int) -> list[str]:
    """What process `pid` runs, or [] when there is no such process (or it is a zombie)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")[:-1]
    except FileNotFoundError:
        return []


def test_kb_serve_writes_every_workers_events_through_its_writer_process(
    kb: KnowledgeBase, env: dict[str, str], tmp_path: Path
) -> None:
    kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
    kb.publish(author="t")
    log = tmp_path / "serve.log"
    receipts = set()
    with (
        kb_server(env, workers=2, log=log, args=("--log-level", "info")) as url,
        httpx.Client(base_url=url) as client,
    ):
        pid = writer_pid(log)
        assert command_line(pid)[1:3] == ["-m", "cli.event_writer"], "a process of its own"
        for n in range(20):  # new connections, spread over both workers
            response = client.get(
                "/api/v1/answer",
                params={"q": f"{QUESTION} ({n})", "locale": "en"},
                headers={"Connection": "close"},
            )
            assert response.status_code == 200
            receipts.add(response.headers["X-KB-Receipt"])
    assert command_line(pid) == [], "the writer process ended with the server"
    assert "cannot be reached" not in log.read_text(), "no worker wrote its events itself"
    with kb.db.read() as session:
        stored = list(session.exec(select(DeliveryEvent)))
    assert {event.receipt for event in stored} == receipts, "every worker's events, none lost"
    assert all("[email]" in str(e.question) and "@" not in str(e.question) for e in stored)
