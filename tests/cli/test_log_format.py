"""`kb serve` logs in KB_LOG_FORMAT: with "json" every line it and its workers write is one JSON
object; with "text" it keeps uvicorn's look. Either way a request's line is written only with
the access log on (KB_ACCESS_LOG), at --log-level info."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.logging_setup import JsonFormatter, RequestIdFilter, log_config
from api.request_id import reset_request_id, set_request_id
from kb.errors import ConfigError
from kb.settings import Settings
from tests.api.servers import kb_server


def served(tmp_path: Path, log: Path, workers: int, **env: str) -> None:
    """`kb serve` on an empty knowledge base, at --log-level info, asked /healthz ten times."""
    env = {"KB_DATA_DIR": str(tmp_path / "kb"), **env}
    with (
        kb_server(env, workers=workers, log=log, args=("--log-level", "info")) as url,
        httpx.Client(base_url=url) as client,
    ):
        for _ in range(10):
            assert client.get("/healthz").status_code == 200
        wait_for_started_workers(log, workers)


def wait_for_started_workers(log: Path, workers: int, timeout_s: float = 60.0) -> None:
    """Wait until `workers` processes have logged that they started: the first to answer
    /healthz lets the test in while another may still be importing the app."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if text.count("Started server") >= workers:
            return
        time.sleep(0.2)


def json_lines(log: Path) -> list[dict[str, Any]]:
    """Every line of `log`, each parsed as JSON (a line that is not fails the test)."""
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def test_every_line_of_kb_serve_with_workers_is_json(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    served(tmp_path, log, workers=2, KB_LOG_FORMAT="json", KB_ACCESS_LOG="true")
    lines = json_lines(log)
    started = {line["pid"] for line in lines if line["message"].startswith("Started server")}
    assert len(started) == 2, "both workers log, in JSON"
    requests = [line for line in lines if line["logger"] == "kb.access"]
    assert len(requests) >= 10 and {line["pid"] for line in requests} <= started
    assert {(line["route"], line["status"]) for line in requests} == {("/healthz", 200)}
    assert all(line["request_id"] and line["level"] == "INFO" for line in requests)
    assert any(line["logger"] == "kb.serve" for line in lines), "the supervisor's own line too"


def test_without_the_access_log_a_json_log_has_no_request_lines(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    served(tmp_path, log, workers=1, KB_LOG_FORMAT="json")
    lines = json_lines(log)
    assert any(line["message"] == "Application startup complete." for line in lines)
    assert not [line for line in lines if line["logger"] == "kb.access"]


def test_kb_serve_refuses_a_log_format_it_does_not_know(tmp_path: Path) -> None:
    env = {**os.environ, "KB_DATA_DIR": str(tmp_path / "kb"), "KB_LOG_FORMAT": "xml"}
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "serve"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "KB_LOG_FORMAT must be one of text, json, not 'xml'" in done.stderr


def test_log_config_refuses_an_unknown_level() -> None:
    with pytest.raises(ConfigError, match="--log-level must be one of"):
        log_config("json", "loud")
    assert Settings.from_env({"KB_LOG_FORMAT": "JSON"}).log_format == "json"


def test_a_json_record_holds_its_request_id_extras_and_exception() -> None:
    record = logging.LogRecord("kb.api", logging.ERROR, __file__, 1, "failed %s", ("x",), None)
    try:
        raise ValueError("boom")
    except ValueError:
        record.exc_info = sys.exc_info()
    record.route = "/api/v1/answer"
    token = set_request_id("req-1")
    try:
        RequestIdFilter().filter(record)
    finally:
        reset_request_id(token)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert (entry["message"], entry["level"], entry["request_id"]) == ("failed x", "ERROR", "req-1")
    assert entry["route"] == "/api/v1/answer" and "ValueError: boom" in entry["exception"]
    assert entry["time"].endswith("Z") and "args" not in entry and "msg" not in entry
