"""Every response carries a request id (`X-Request-ID`): the caller's when it is a safe one, else
a new one; with KB_LOG_FORMAT=json and the access log on, `kb serve` writes one JSON line per
request with that id, and no line holds the question asked."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api import create_app
from api.logging_setup import RequestIdFilter
from api.request_id import MAX_CHARS
from importers import read_folder
from kb import KnowledgeBase
from kb.settings import DEFAULT_CHANNELS
from tests.api.servers import kb_server
from tests.conftest import SAMPLE_CONTENT

QUESTION = "how much money is left on my account"
ANSWER = "/api/v1/answer?" + str(httpx.QueryParams({"q": QUESTION, "channel": "ivr"}))
SEARCH = "/api/v1/search?q=roaming"
#: What a made id looks like: uuid4, in hex.
MADE = re.compile(r"[0-9a-f]{32}")
#: Ids a proxy or a client may send, echoed as they are.
SAFE = ["abc-123", "Root=1-67891233-abcdef012345678912345678", "a.b:c+d/e_f", "x" * MAX_CHARS]
#: Ids that are replaced: too long, or with what could forge or break a log line.
UNSAFE = ["x" * (MAX_CHARS + 1), "two words", 'say "hi"', "semi;colon", "", "tab\there"]


@pytest.fixture
def sample(kb: KnowledgeBase) -> KnowledgeBase:
    kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
    kb.publish(author="t")
    return kb


def _failing_routes(app: FastAPI) -> None:
    """Two routes that fail as a bug would, each after logging a line: on the event loop and
    on a worker thread (a sync route)."""

    async def fails_on_the_loop() -> None:
        logging.getLogger("kb.test").warning("about to fail on the loop")
        raise RuntimeError("a bug")

    def fails_on_a_thread() -> None:
        logging.getLogger("kb.test").warning("about to fail on a thread")
        raise RuntimeError("a bug")

    app.add_api_route("/test/fails-on-the-loop", fails_on_the_loop, include_in_schema=False)
    app.add_api_route("/test/fails-on-a-thread", fails_on_a_thread, include_in_schema=False)


@pytest.fixture
def client(sample: KnowledgeBase) -> Iterator[TestClient]:
    app = create_app(sample)
    _failing_routes(app)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_every_response_carries_a_new_request_id(client: TestClient) -> None:
    first = client.get(ANSWER)
    responses = {
        "answer": first,
        "cached answer (quick path)": client.get(ANSWER),
        "304": client.get(ANSWER, headers={"If-None-Match": first.headers["etag"]}),
        "HEAD": client.head(ANSWER),
        "search": client.get(SEARCH),
        "unit": client.get("/api/v1/units/check-balance"),
        "404 problem": client.get("/api/v1/units/no-such-unit"),
        "404 no route": client.get("/nowhere"),
        "405": client.post("/api/v1/answer"),
        "422 problem": client.get("/api/v1/answer"),
        "401 problem": client.get(SEARCH, headers={"Authorization": "Bearer wrong"}),
        "500 problem": client.get("/test/fails-on-the-loop"),
        "healthz": client.get("/healthz"),
        "static file": client.get("/static/widget.js"),
    }
    statuses = {name: r.status_code for name, r in responses.items()}
    assert statuses["304"] == 304 and statuses["500 problem"] == 500, statuses
    ids = {name: r.headers.get("x-request-id", "") for name, r in responses.items()}
    assert {name: bool(MADE.fullmatch(i)) for name, i in ids.items()} == dict.fromkeys(ids, True)
    assert len(set(ids.values())) == len(ids), "each request has an id of its own"


def test_a_safe_incoming_id_is_echoed(client: TestClient) -> None:
    for incoming in SAFE:
        for path in (ANSWER, ANSWER, "/nowhere"):  # computed, cached, and a 404
            response = client.get(path, headers={"X-Request-ID": incoming})
            assert response.headers["x-request-id"] == incoming


def test_an_unsafe_incoming_id_is_replaced_by_a_new_one(client: TestClient) -> None:
    for incoming in UNSAFE:
        for path in (ANSWER, ANSWER, "/nowhere"):
            response = client.get(path, headers={"X-Request-ID": incoming})
            assert MADE.fullmatch(response.headers["x-request-id"]), incoming


@pytest.mark.parametrize("where", ["loop", "thread"])
def test_records_written_while_handling_a_request_carry_its_id(
    client: TestClient, caplog: pytest.LogCaptureFixture, where: str
) -> None:
    caplog.handler.addFilter(RequestIdFilter())  # as kb serve's handler has it
    with caplog.at_level(logging.WARNING):
        response = client.get(f"/test/fails-on-{'the-loop' if where == 'loop' else 'a-thread'}")
        logging.getLogger("kb.test").warning("after the request")
    request_id = response.headers["x-request-id"]
    ids = {record.getMessage(): getattr(record, "request_id", "?") for record in caplog.records}
    route = f"about to fail on {'the loop' if where == 'loop' else 'a thread'}"
    handler = next(message for message in ids if message.startswith("unhandled error"))
    assert (ids[route], ids[handler], ids["after the request"]) == (request_id, request_id, None)


# -- through a real `kb serve` ------------------------------------------------------------------


def served_json_log(env: dict[str, str], log: Path, workers: int = 1) -> list[tuple[str, ...]]:
    """Ask `kb serve` (JSON log, access log on) a few things; (what, status, id) of each."""
    env = {**env, "KB_LOG_FORMAT": "json", "KB_ACCESS_LOG": "true"}
    asked = []
    with (
        kb_server(env, workers=workers, log=log, args=("--log-level", "info")) as url,
        httpx.Client(base_url=url) as client,
    ):
        for what, path, headers in (
            ("answer", ANSWER, {}),
            ("cached answer", ANSWER, {}),
            ("search", SEARCH, {}),
            ("named", ANSWER, {"X-Request-ID": "proxy-7f3a"}),
            ("misnamed", ANSWER, {"X-Request-ID": "two words"}),
            ("404", "/nowhere?q=" + QUESTION, {}),
        ):
            response = client.get(path, headers=headers)
            asked.append((what, str(response.status_code), response.headers["x-request-id"]))
    return asked


def access_lines(log: Path) -> dict[str, dict[str, object]]:
    """Every line of the log, each parsed as JSON (a line that is not fails the test), and
    the request lines by request id."""
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    assert lines, "kb serve wrote nothing"
    return {line["request_id"]: line for line in lines if line["logger"] == "kb.access"}


def test_kb_serve_writes_a_json_line_per_request_with_the_id_it_echoes(
    sample: KnowledgeBase, env: dict[str, str], tmp_path: Path
) -> None:
    log = tmp_path / "serve.log"
    asked = served_json_log(env, log)
    by_id = access_lines(log)
    ids = {what: request_id for what, _, request_id in asked}
    assert ids["named"] == "proxy-7f3a"
    assert MADE.fullmatch(ids["misnamed"]) and "two words" not in log.read_text()
    assert [(what, by_id[i]["status"]) for what, _, i in asked] == [
        (what, int(status)) for what, status, _ in asked
    ]
    answer, cached, search = by_id[ids["answer"]], by_id[ids["cached answer"]], by_id[ids["search"]]
    for line in (answer, cached):
        assert {k: line[k] for k in ("method", "route", "path", "release", "channel")} == {
            "method": "GET",
            "route": "/api/v1/answer",
            "path": "/api/v1/answer",
            "release": 1,
            "channel": "ivr",
        }
        assert isinstance(line["duration_ms"], float) and line["level"] == "INFO"
    assert (search["route"], search["channel"], search["release"]) == ("/api/v1/search", "web", 1)
    assert (by_id[ids["404"]]["route"], by_id[ids["404"]]["release"]) == (None, None)


def test_no_log_line_holds_the_question(
    sample: KnowledgeBase, env: dict[str, str], tmp_path: Path
) -> None:
    for log_format in ("json", "text"):
        log = tmp_path / f"serve-{log_format}.log"
        with (
            kb_server(
                {**env, "KB_LOG_FORMAT": log_format, "KB_ACCESS_LOG": "true"},
                log=log,
                args=("--log-level", "debug"),
            ) as url,
            httpx.Client(base_url=url) as client,
        ):
            for path in (ANSWER, ANSWER, "/api/v1/search?q=" + QUESTION, "/x?q=" + QUESTION):
                client.get(path)
        text = log.read_text()
        assert text.count("/api/v1/answer") >= 2, text  # the requests are logged...
        for words in (QUESTION, QUESTION.replace(" ", "+"), QUESTION.replace(" ", "%20")):
            assert words not in text  # ...without their question
