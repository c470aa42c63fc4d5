"""uvicorn's access log is a setting, KB_ACCESS_LOG, off by default (issue 22): a line per
request cost a cached answer more than its ETag and body, and `kb serve --log-level info`
wrote one whether or not anyone wanted it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from kb.errors import ConfigError
from kb.settings import Settings
from tests.api.servers import free_port

START_TIMEOUT_S = 60.0


def served_log(tmp_path: Path, access_log: str | None) -> str:
    """What `kb serve --log-level info` writes while it answers /healthz three times."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env |= {"KB_DATA_DIR": str(tmp_path / "kb"), "KB_HEADER_TIMEOUT_SECONDS": "30"}
    if access_log is not None:
        env["KB_ACCESS_LOG"] = access_log
    port = free_port()
    command = [sys.executable, "-m", "cli.main", "serve", "--port", str(port)]
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "--log-level", "info"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while "Application startup complete" not in log.read_text(errors="replace"):
                assert process.poll() is None, log.read_text(errors="replace")
                assert time.monotonic() < deadline, "kb serve did not start"
                time.sleep(0.1)
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
                for _ in range(3):
                    assert client.get("/healthz").status_code == 200
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(20)
    return log.read_text(errors="replace")


def test_with_kb_access_log_on_each_request_writes_a_line(tmp_path: Path) -> None:
    lines = served_log(tmp_path, "true").splitlines()

    assert sum('"GET /healthz HTTP/1.1" 200' in line for line in lines) == 3


def test_without_kb_access_log_requests_write_no_line(tmp_path: Path) -> None:
    output = served_log(tmp_path, None)

    assert "Application startup complete" in output  # info lines are written...
    assert "GET /healthz" not in output  # ...but none for a request


def test_kb_access_log_takes_yes_or_no_only() -> None:
    assert Settings.from_env({"KB_ACCESS_LOG": "on"}).access_log is True
    assert Settings.from_env({"KB_ACCESS_LOG": "0"}).access_log is False
    assert Settings.from_env({}).access_log is False
    with pytest.raises(ConfigError, match="KB_ACCESS_LOG"):
        Settings.from_env({"KB_ACCESS_LOG": "verbose"})
