"""Publishes while two servers answer a steady load: every response comes from one release.

One `kb serve --workers 2` shares its data folder with the `kb publish` processes; a second
`kb serve` has a data folder of its own, as on another machine, and builds each release's
index itself. Client threads send delivery requests (JSON and pages) to both without pause
while release after release is published; release N's units and snippet all say "edition N",
so every response is checked whole: its body's release, its `X-KB-Version` header and every
edition it shows must agree, and nothing may fail (no 5xx, no dropped connection).
"""

from __future__ import annotations

import itertools
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from kb import KnowledgeBase
from tests.api.servers import kb_server
from tests.faults.editions import SNIPPET, editions, kb_command, save_edition, unit_ids

pytestmark = pytest.mark.faults

UNITS = 30
#: Releases published while the load runs, after release 1.
PUBLISHES = 2
CLIENTS_PER_SERVER = 1
#: Responses each server must give from the last release once it is out: the load then stops.
FINAL_RESPONSES = 30
#: The most requests one client sends once the last release is out: the loop ends even if a
#: server never switches (before that, the publishes end it: each `kb` command has a limit).
REQUEST_BUDGET = 3_000
#: The release a help page was made from, for support staff (customers never see it as text).
PAGE_RELEASE = re.compile(r'<meta name="kb-release" content="(\d+)">')


def request_paths(ids: list[str]) -> list[str]:
    """One of each delivery route, JSON and pages, on units every release has."""
    return [
        "/api/v1/faq",
        "/api/v1/search?q=edition&channel=web",
        f"/api/v1/answer?q=how+do+I+handle+{ids[3]}&channel=chatbot",
        f"/api/v1/units/{ids[5]}?channel=web",
        f"/api/v1/units/{ids[6]}?channel=ivr",
        "/help/en",
        f"/help/en/general/{ids[7]}",
    ]


def release_problem(response: httpx.Response) -> str | None:
    """What is wrong with a response, if anything: its status, or parts of other releases."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:300]}"
    try:
        header = int(response.headers["X-KB-Version"])
        if response.headers["content-type"].startswith("application/json"):
            body = int(response.json()["kb_version"])
        else:
            body = int(PAGE_RELEASE.findall(response.text)[0])
    except (KeyError, IndexError, ValueError) as exc:
        return f"no release in it ({exc!r}): {response.text[:300]}"
    shown = editions(response.text)
    if body != header or shown - {header} or not shown:
        return f"X-KB-Version {header}, body release {body}, editions {sorted(shown)}"
    return None


@dataclass
class Load:
    """What the clients saw: releases per server, and every problem, with its request."""

    final: int = 0  # the last release, once it is published (0 before)
    stopped: bool = False  # set when the test failed before the load was done
    releases: dict[str, Counter[int]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, server: str, path: str, outcome: int | str) -> None:
        with self.lock:
            self.requests += 1
            if isinstance(outcome, str):
                self.problems.append(f"{server} {path}: {outcome}")
            else:
                self.releases.setdefault(server, Counter())[outcome] += 1

    def done(self) -> bool:
        with self.lock:
            seen = [c[self.final] for c in self.releases.values()] if self.final else [0]
            return self.stopped or (len(seen) == 2 and min(seen) >= FINAL_RESPONSES)


def client(load: Load, server: str, url: str, paths: list[str]) -> None:
    """Send the paths round and round until the load is done or the budget spent."""
    sent_after_final = 0
    with httpx.Client(base_url=url, timeout=30) as http:
        for n in itertools.count():
            if load.done() or sent_after_final == REQUEST_BUDGET:
                return
            sent_after_final += load.final > 0
            path = paths[n % len(paths)]
            try:
                response = http.get(path)
            except httpx.TransportError as exc:
                load.record(server, path, f"{type(exc).__name__}: {exc}")
                continue
            problem = release_problem(response)
            load.record(server, path, problem or int(response.headers["X-KB-Version"]))


@contextmanager
def running(load: Load, servers: dict[str, str], paths: list[str]) -> Iterator[Callable[[], None]]:
    """Clients on every server until the block ends and the load is done; yields a waiter."""
    threads = [
        threading.Thread(target=client, args=(load, name, url, paths), daemon=True)
        for name, url in servers.items()
        for _ in range(CLIENTS_PER_SERVER)
    ]
    for thread in threads:
        thread.start()

    def wait() -> None:
        for thread in threads:
            thread.join()

    try:
        yield wait
    finally:
        load.stopped = not load.done()  # the block failed: stop the clients too
        wait()


def test_responses_stay_whole_while_releases_switch_under_load(
    kb: KnowledgeBase, env: dict[str, str], tmp_path: Path
) -> None:
    ids = unit_ids(UNITS)
    save_edition(kb, ids, 1, snippet=SNIPPET)
    kb.publish(author="faults")
    load = Load()
    with ExitStack() as stack:
        servers = {
            "workers": stack.enter_context(kb_server(env, workers=2, log=tmp_path / "w.log")),
            "other": stack.enter_context(
                kb_server({**env, "KB_DATA_DIR": str(tmp_path / "other")}, log=tmp_path / "o.log")
            ),
        }
        with running(load, servers, request_paths(ids)) as wait:
            for number in range(2, PUBLISHES + 2):
                save_edition(kb, ids, number, snippet=SNIPPET)
                kb_command(env, "publish", "-m", f"edition {number}")
            load.final = PUBLISHES + 1
            wait()

    assert load.problems == [], f"{len(load.problems)} of {load.requests}: {load.problems[:10]}"
    for server, seen in load.releases.items():
        assert seen[load.final] >= FINAL_RESPONSES, f"{server} never served the last: {seen}"
        assert seen[1] > 0, f"{server} served no request before the first switch: {seen}"
