"""`/metrics`: Prometheus's format, parsed with prometheus_client's own parser, with the series
api/metrics lists and values that add up to the requests each test made, cached answers the
quick path sends included; who may read it; the loopback port, `kb serve`'s own; and under
`kb serve --workers 2`, scrapes that add up what both workers served."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC
from pathlib import Path
from typing import Any

import fastapi.routing
import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as openmetrics_families,
)
from prometheus_client.parser import text_string_to_metric_families

from api import create_app
from api.metrics import delivery as counted
from importers import read_folder
from kb import KnowledgeBase
from kb.settings import DEFAULT_CHANNELS, Settings
from tests.api.servers import free_port, kb_server
from tests.api.worker_procs import (
    PROC,
    burst,
    connections_per_worker,
    serving,
    wait_until_serving,
    worker_pids,
)
from tests.conftest import SAMPLE_CONTENT, make_unit

Scraped = dict[tuple[str, frozenset[tuple[str, str]]], float]
Headers = Callable[[str], dict[str, str]]

ANSWER = "/api/v1/answer"
SEARCH = "/api/v1/search"
STOLEN = {"q": "my phone was stolen", "channel": "chatbot"}
OFF_TOPIC = {"q": "who won the football world cup"}
NOTHING = {"q": "zzqxvw", "channel": "web"}
ROAMING = {"q": "roaming"}
#: Searches sent at once to `kb serve --workers 2` on fresh connections, both workers stopped:
#: the kernel spreads them over the two (tests/api/test_workers.py).
BURST = 32
SCRAPE_WAIT_S = 5.0
STOP_LIMIT_S = 20.0
OPENMETRICS = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"


def parsed(text: str) -> Scraped:
    """Every sample of an exposition, by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(scraped: Scraped, name: str, **labels: str) -> float:
    """One sample's value; 0 for a series with no sample yet (a counter not yet counted)."""
    return scraped.get((name, frozenset(labels.items())), 0.0)


def scrape(client: TestClient, headers: dict[str, str]) -> Scraped:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parsed(response.text)


def grown(before: Scraped, after: Scraped, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


@pytest.fixture
def sample(kb: KnowledgeBase) -> KnowledgeBase:
    kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
    kb.publish(author="t")
    return kb


@pytest.fixture
def solved(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Each dependency resolution of FastAPI's routes: none for what the quick path sends."""
    calls: list[object] = []
    solve = fastapi.routing.solve_dependencies

    async def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("dependant"))
        return await solve(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counting)
    return calls


def test_requests_answers_and_zero_hit_searches_are_counted_cached_ones_too(
    sample: KnowledgeBase, key: Headers, solved: list[object]
) -> None:
    admin = key("admin")
    with TestClient(create_app(sample)) as client:
        before = scrape(client, admin)
        first = client.get(ANSWER, params=STOLEN)
        assert first.json()["status"] == "answered"
        solved.clear()
        for _ in range(2):  # the same question again: the quick path sends the cached answer
            assert client.get(ANSWER, params=STOLEN).status_code == 200
        assert solved == [], "cached answers must come from the quick path"
        unchanged = client.get(
            ANSWER, params=STOLEN, headers={"If-None-Match": first.headers["etag"]}
        )
        assert unchanged.status_code == 304
        assert client.get(ANSWER, params=OFF_TOPIC).json()["status"] == "no_answer"
        for _ in range(2):
            assert client.get(SEARCH, params=NOTHING).json()["total"] == 0
        assert client.get(SEARCH, params=ROAMING).json()["total"] > 0
        assert (
            client.get("/api/v1/units/check-balance", params={"channel": "ivr"}).status_code == 200
        )
        assert client.get(ANSWER, params={**STOLEN, "channel": "fax"}).status_code == 422
        assert client.get("/no/such/path/42").status_code == 404
        assert client.post(ANSWER).status_code == 405
        after = scrape(client, admin)

    def requests(route: str, status: str, channel: str, method: str = "GET") -> float:
        labels = {"route": route, "method": method, "status": status, "channel": channel}
        return grown(before, after, "kb_http_requests_total", **labels)

    answers = "kb_answers_total"
    assert grown(before, after, answers, status="answered", channel="chatbot") == 3
    assert grown(before, after, answers, status="no_answer", channel="chatbot") == 1
    assert grown(before, after, answers, status="clarify", channel="chatbot") == 0
    assert grown(before, after, "kb_searches_total", channel="web") == 3
    assert grown(before, after, "kb_zero_hit_searches_total", channel="web") == 2
    assert requests(ANSWER, "200", "chatbot") == 4
    assert requests(ANSWER, "304", "chatbot") == 1
    assert requests(ANSWER, "422", "other") == 1
    assert requests(ANSWER, "405", "chatbot", method="POST") == 1
    assert requests(SEARCH, "200", "web") == 3
    assert requests("/api/v1/units/{unit_id}", "200", "ivr") == 1
    assert requests("unmatched", "404", "") == 1
    assert requests("/metrics", "200", "") == 1  # the first scrape; the second is not done yet
    count = "kb_http_request_duration_seconds_count"
    assert grown(before, after, count, route=ANSWER) == 7
    assert (
        grown(before, after, "kb_http_request_duration_seconds_bucket", route=ANSWER, le="+Inf")
        == 7
    )
    assert not [labels for name, labels in after if "/no/such" in str(labels)]


def test_cached_answers_the_route_sends_count_and_so_do_forgotten_ones(
    sample: KnowledgeBase, key: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(sample)
    app.user_middleware = [m for m in app.user_middleware if m.cls.__name__ != "QuickDelivery"]
    with TestClient(app) as client:
        before = scrape(client, key("admin"))
        for _ in range(2):  # made, then from the route's own look in the cache
            assert client.get(ANSWER, params=OFF_TOPIC).status_code == 200
            assert client.get(SEARCH, params=NOTHING).status_code == 200
        monkeypatch.setattr(counted, "_outcomes", {})  # as if more than REMEMBERED came since
        assert client.get(ANSWER, params=OFF_TOPIC).status_code == 200
        assert client.get(SEARCH, params=NOTHING).status_code == 200
        after = scrape(client, key("admin"))
    assert grown(before, after, "kb_answers_total", status="no_answer", channel="chatbot") == 3
    assert grown(before, after, "kb_searches_total", channel="web") == 3
    assert grown(before, after, "kb_zero_hit_searches_total", channel="web") == 3


def test_the_served_release_its_publish_time_and_build_durations(
    kb: KnowledgeBase, key: Headers
) -> None:
    kb.save_unit(make_unit("check-balance", questions=("how do I check my balance",)), author="t")
    kb.publish(author="t")
    admin = key("admin")
    with TestClient(create_app(kb)) as client:
        before = scrape(client, admin)
        assert value(before, "kb_served_release") == 1
        kb.save_unit(make_unit("top-up", questions=("add money to my balance",)), author="t")
        response = client.post(
            "/api/v1/releases", json={"message": "second"}, headers=key("publisher")
        )
        assert response.status_code == 201, response.text
        after = scrape(client, admin)
    release = kb.current_release()
    assert release is not None and release.number == 2
    published = release.created_at.replace(tzinfo=release.created_at.tzinfo or UTC)
    assert value(after, "kb_served_release") == 2
    assert value(after, "kb_served_release_published_timestamp_seconds") == pytest.approx(
        published.timestamp()
    )
    for built in ("index_build", "matcher_build", "release_load"):
        name = f"kb_{built}_duration_seconds"
        assert grown(before, after, f"{name}_count") == 1, name
        assert grown(before, after, f"{name}_sum") > 0, name


@pytest.mark.parametrize(
    ("role", "allowed", "refused"),
    [
        ("admin", "admin", "publisher"),
        ("editor", "editor", "operator"),
        ("operator", "publisher", None),
    ],
)
def test_a_key_of_the_metrics_role_or_higher_reads_metrics(
    settings: Settings, role: str, allowed: str, refused: str | None
) -> None:
    with (
        KnowledgeBase.open(replace(settings, metrics_role=role)) as kb,
        TestClient(create_app(kb)) as client,
    ):

        def bearer(name: str) -> dict[str, str]:
            secret = kb.create_key(name=name, role=name, author="t").secret
            return {"Authorization": f"Bearer {secret}"}

        anonymous = client.get("/metrics")
        assert anonymous.status_code == 401
        assert anonymous.headers["content-type"] == "application/problem+json"
        assert anonymous.headers["www-authenticate"] == "Bearer"
        assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
        if refused is not None:
            weak = client.get("/metrics", headers=bearer(refused))
            assert weak.status_code == 403
            assert weak.headers["content-type"] == "application/problem+json"
            assert role in weak.json()["detail"]
        scraped = parsed(client.get("/metrics", headers=bearer(allowed)).text)
        assert {name for name, _ in scraped} >= {"kb_served_release", "kb_http_requests_total"}
        assert "/metrics" not in client.get("/openapi.json").json()["paths"]


def test_reader_lets_anyone_who_reads_public_content_scrape(settings: Settings) -> None:
    with (
        KnowledgeBase.open(replace(settings, metrics_role="reader")) as kb,
        TestClient(create_app(kb)) as client,
    ):
        assert client.get("/metrics").status_code == 200
        assert client.head("/metrics").status_code == 200
        # Prometheus asks for OpenMetrics first: prometheus_client's own encoder answers.
        openmetrics = client.get("/metrics", headers={"Accept": OPENMETRICS})
        assert openmetrics.headers["content-type"].startswith("application/openmetrics-text")
        assert openmetrics.text.endswith("# EOF\n")
        assert "kb_http_requests" in {f.name for f in openmetrics_families(openmetrics.text)}


def test_off_serves_no_metrics_on_the_api_port(settings: Settings) -> None:
    with (
        KnowledgeBase.open(replace(settings, metrics_role="off")) as kb,
        TestClient(create_app(kb)) as client,
    ):
        secret = kb.create_key(name="admin", role="admin", author="t").secret
        refused = client.get("/metrics", headers={"Authorization": f"Bearer {secret}"})
        assert refused.status_code == 404
        assert refused.headers["content-type"] == "application/problem+json"


def _listening_addresses(port: int) -> set[str]:
    """The local addresses (hex, as /proc/net/tcp writes them) that listen on `port`."""
    found = set()
    for table in ("tcp", "tcp6"):
        path = PROC / "net" / table
        if path.exists():
            for line in path.read_text().splitlines()[1:]:
                fields = line.split()
                address, _, hex_port = fields[1].rpartition(":")
                if int(hex_port, 16) == port and fields[3] == "0A":
                    found.add(address)
    return found


def test_the_loopback_port_serves_metrics_without_a_key(
    kb: KnowledgeBase, env: dict[str, str], tmp_path: Path
) -> None:
    if env["KB_DATABASE_URL"].startswith("postgresql"):
        pytest.skip("the port is the same on every database; run on SQLite")
    kb.save_unit(make_unit("check-balance", questions=("how do I check my balance",)), author="t")
    kb.publish(author="t")
    port = free_port()
    with kb_server({**env, "KB_METRICS_PORT": str(port)}, log=tmp_path / "serve.log") as url:
        for _ in range(3):
            assert httpx.get(f"{url}{SEARCH}", params={"q": "balance"}).status_code == 200
        assert httpx.get(f"{url}/metrics").status_code == 401  # the API port still wants a key
        scraped = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
        assert scraped.status_code == 200
        if PROC.is_dir():
            assert _listening_addresses(port) == {"0100007F"}  # 127.0.0.1, nothing else
    samples = parsed(scraped.text)
    labels = {"route": SEARCH, "method": "GET", "status": "200", "channel": "web"}
    assert value(samples, "kb_http_requests_total", **labels) == 3
    assert value(samples, "kb_searches_total", channel="web") == 3
    assert value(samples, "kb_served_release") == 1


def _environment(pid: int) -> dict[str, str]:
    """A process's environment, as /proc shows it."""
    raw = (PROC / str(pid) / "environ").read_bytes()
    return dict(item.decode().partition("=")[::2] for item in raw.split(b"\0") if item)


def _scrape_until(
    url: str, headers: dict[str, str], name: str, wanted: float, **labels: str
) -> Scraped:
    """Scrape until `name` reaches `wanted` (a worker counts a request just after answering it),
    for a few seconds at most; the last scrape."""
    deadline = time.monotonic() + SCRAPE_WAIT_S
    while True:
        response = httpx.get(url, headers=headers, timeout=10)
        assert response.status_code == 200, response.text
        scraped = parsed(response.text)
        if value(scraped, name, **labels) >= wanted or time.monotonic() > deadline:
            return scraped
        time.sleep(0.1)


@pytest.mark.skipif(
    not PROC.is_dir() or not hasattr(socket, "SO_REUSEPORT"),
    reason="SO_REUSEPORT, and /proc to see which worker holds which connection (Linux)",
)
def test_under_workers_a_scrape_adds_up_what_every_worker_served(
    kb: KnowledgeBase, env: dict[str, str], tmp_path: Path
) -> None:
    if env["KB_DATABASE_URL"].startswith("postgresql"):
        pytest.skip("the same on every database; run on SQLite")
    kb.save_unit(make_unit("check-balance", questions=("how do I check my balance",)), author="t")
    kb.publish(author="t")
    admin = {"Authorization": f"Bearer {kb.create_key(name='a', role='admin', author='t').secret}"}
    port = free_port()
    searched = {"route": SEARCH, "method": "GET", "status": "200", "channel": "web"}
    with serving({**env, "KB_METRICS_PORT": str(port)}, 2, tmp_path / "serve.log") as running:
        loopback = f"http://127.0.0.1:{port}/metrics"
        workers = sorted(worker_pids(running.process.pid))
        folder = Path(_environment(workers[0])["PROMETHEUS_MULTIPROC_DIR"])
        assert folder.is_dir() and stat.S_IMODE(folder.stat().st_mode) == 0o700
        connections = burst(running.port, BURST, f"{SEARCH}?q=balance", workers)
        try:
            held = connections_per_worker(running.process.pid, running.port)
        finally:
            for connection in connections:
                connection.close()
        assert sum(held.values()) == BURST and len(held) == 2 and min(held.values()) > 0, held
        for url, headers in ((loopback, {}), (f"{running.url}/metrics", admin)):
            scraped = _scrape_until(url, headers, "kb_http_requests_total", BURST, **searched)
            assert value(scraped, "kb_http_requests_total", **searched) == BURST
            assert value(scraped, "kb_searches_total", channel="web") == BURST
            assert value(scraped, "kb_http_request_duration_seconds_count", route=SEARCH) == BURST
            assert value(scraped, "kb_served_release") == 1
        victim = workers[0]
        os.kill(victim, signal.SIGKILL)
        wait_until_serving(running, workers=2, timeout=60)
        assert victim not in worker_pids(running.process.pid)
        assert not list(folder.glob(f"gauge_live*_{victim}.db"))  # marked dead
        assert list(folder.glob(f"counter_{victim}.db"))  # what it counted still counts
        scraped = parsed(httpx.get(loopback, timeout=10).text)
        assert value(scraped, "kb_searches_total", channel="web") == BURST
        assert value(scraped, "kb_served_release") == 1
        running.process.send_signal(signal.SIGTERM)
        assert running.process.wait(STOP_LIMIT_S) == 0
    assert not folder.exists()


def test_a_metrics_port_in_use_stops_kb_serve_with_a_clear_error(env: dict[str, str]) -> None:
    if env["KB_DATABASE_URL"].startswith("postgresql"):
        pytest.skip("the port is the same on every database; run on SQLite")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [sys.executable, "-m", "cli.main", "serve", "--port", str(free_port())]
        done = subprocess.run(
            command,
            env={**os.environ, **env, "KB_METRICS_PORT": str(port)},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 3, done.stderr
    assert f"KB_METRICS_PORT: cannot listen on 127.0.0.1:{port}" in done.stderr
