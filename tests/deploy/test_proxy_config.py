"""deploy/haproxy.cfg, the proxy of compose.yaml (issue 20): haproxy accepts it, and, run with
its replicas' addresses swapped for `kb serve` processes on loopback, it takes a replica that
is not ready (/readyz 503) and one that is gone out of the rotation, retries a request whose
connection failed on another replica, and sets the scheme itself whatever the client claims."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from importers import read_folder
from kb import KnowledgeBase
from kb.settings import DEFAULT_CHANNELS, Settings
from tests.api.servers import free_port, kb_server
from tests.conftest import REPO, SAMPLE_CONTENT, require_tool

CONFIG = REPO / "deploy" / "haproxy.cfg"
START_TIMEOUT_S = 30.0
REQUESTS = 40


@pytest.mark.requires_tool("haproxy")
def test_haproxy_finds_the_config_valid() -> None:
    result = subprocess.run(
        [require_tool("haproxy"), "-c", "-f", str(CONFIG)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    warnings = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if "WARNING" in line and "could not resolve address 'kb'" not in line  # no Docker DNS
    ]

    assert result.returncode == 0, result.stderr
    assert warnings == []


def _local_config(servers: list[str], port: int) -> str:
    """deploy/haproxy.cfg with `servers` (host:port) for the replicas, listening on `port`."""
    text = CONFIG.read_text(encoding="utf-8")
    lines = "\n".join(f"    server kb{i} {address}" for i, address in enumerate(servers, 1))
    text, replaced = re.subn(r"^\s*server-template kb \d+ kb:8000$", lines, text, flags=re.M)
    assert replaced == 1
    text, replaced = re.subn(r"^\s*bind :8080$", f"    bind 127.0.0.1:{port}", text, flags=re.M)
    assert replaced == 1
    return text


@contextmanager
def _haproxy(tmp_path: Path, servers: list[str]) -> Iterator[tuple[str, Path]]:
    """haproxy in the foreground with the local config; its URL and its log."""
    port = free_port()
    config = tmp_path / "haproxy.cfg"
    config.write_text(_local_config(servers, port), encoding="utf-8")
    log = tmp_path / "haproxy.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [require_tool("haproxy"), "-db", "-f", str(config)], stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: _answers(f"{url}/haproxy-health"), f"haproxy on {url}", log)
        yield url, log
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(10)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _wait_for(done: Callable[[], bool], what: str, log: Path | None = None) -> None:
    """Wait, a bounded time, until `done()`; else fail saying `what`, with the log."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while not done():
        said = log.read_text(errors="replace") if log else ""
        assert time.monotonic() < deadline, f"{what}: {said}"
        time.sleep(0.2)


def _published(tmp_path: Path) -> Path:
    settings = Settings(data_dir=tmp_path / "kb", author="tester", encoder="none")
    with KnowledgeBase.open(settings) as kb:
        kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
        kb.publish(author="tester", message="sample content")
    return settings.data_dir


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    return env | {"KB_DATA_DIR": str(data_dir), "KB_ENCODER": "none"}


def _search_versions(url: str) -> list[str]:
    """X-KB-Version of REQUESTS searches through the proxy, which spreads them over the
    replicas; any failure fails the test."""
    versions = []
    with httpx.Client(base_url=url, timeout=10) as client:
        for _ in range(REQUESTS):
            response = client.get("/api/v1/search", params={"q": "balance", "locale": "en"})
            assert response.status_code == 200, response.text
            versions.append(response.headers["x-kb-version"])
    return versions


@pytest.mark.requires_tool("haproxy")
def test_replicas_not_ready_or_gone_are_taken_out(tmp_path: Path) -> None:
    data_dir = _published(tmp_path)
    gone = f"127.0.0.1:{free_port()}"  # nothing listens there
    with ExitStack() as stack:
        ready = stack.enter_context(kb_server(_env(data_dir), args=["--proxy-headers"]))
        behind = stack.enter_context(kb_server(_env(tmp_path / "nothing-published")))
        servers = [urlsplit(ready).netloc, urlsplit(behind).netloc, gone]
        url, log = stack.enter_context(_haproxy(tmp_path, servers))
        _wait_for(
            lambda: all(f"kb_replicas/kb{i} is DOWN" in log.read_text() for i in (2, 3)),
            "the checks did not take the unready and gone replicas out",
            log,
        )
        versions = _search_versions(url)
        text = log.read_text(errors="replace")

    assert set(versions) == {"1"}  # every answer from the ready replica
    assert "kb_replicas/kb2 is DOWN, reason: Layer7 wrong status, code: 503" in text
    assert "kb_replicas/kb3 is DOWN, reason: Layer4 connection problem" in text
    assert "kb_replicas/kb1 is DOWN" not in text


@pytest.mark.requires_tool("haproxy")
def test_a_replica_killed_while_up_loses_no_read(tmp_path: Path) -> None:
    data_dir = _published(tmp_path)
    with ExitStack() as stack:
        staying = stack.enter_context(kb_server(_env(data_dir)))
        log = tmp_path / "killed.log"
        killed = stack.enter_context(kb_server(_env(data_dir), log=log))
        servers = [urlsplit(staying).netloc, urlsplit(killed).netloc]
        url, proxy_log = stack.enter_context(_haproxy(tmp_path, servers))
        assert set(_search_versions(url)) == {"1"}  # both up and answering
        port = int(urlsplit(killed).port or 0)
        _kill_listener(port)
        versions = _search_versions(url)  # before the checks notice: retried on the other
        text = proxy_log.read_text(errors="replace")
    retried = re.findall(r" \d+/\d+/\d+/\d+/\+?([1-9]) \d+/\d+ \"GET /api/v1/search", text)

    assert set(versions) == {"1"}
    assert retried, f"no request was sent to the killed replica: {text}"
    assert "kb_replicas/kb1 is DOWN" not in text


def _kill_listener(port: int) -> None:
    """SIGKILL the `kb serve` listening on `port` (found through /proc, as ss would)."""
    inode = _listening_inode(port)
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target == f"socket:[{inode}]":
                os.kill(int(pid), signal.SIGKILL)
                _wait_for(lambda: not _answers(f"http://127.0.0.1:{port}/healthz"), "kill")
                return
    raise AssertionError(f"nothing listens on {port}")


def _listening_inode(port: int) -> str:
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(f":{port:04X}") and fields[3] == "0A":  # LISTEN
            return fields[9]
    raise AssertionError(f"nothing listens on {port}")


@pytest.mark.requires_tool("haproxy")
def test_the_scheme_is_the_proxys_whatever_the_client_claims(tmp_path: Path) -> None:
    with ExitStack() as stack:
        data_dir = _published(tmp_path)
        kb = stack.enter_context(kb_server(_env(data_dir), args=["--proxy-headers"]))
        url, _ = stack.enter_context(_haproxy(tmp_path, [urlsplit(kb).netloc]))
        direct = httpx.get(f"{kb}/faq/", headers={"X-Forwarded-Proto": "https"})
        proxied = httpx.get(f"{url}/faq/", headers={"X-Forwarded-Proto": "https"})

    assert urlsplit(direct.headers["location"]).scheme == "https"  # kb believes loopback
    assert proxied.status_code == 307
    assert urlsplit(proxied.headers["location"]).scheme == "http"  # haproxy set it: no TLS
