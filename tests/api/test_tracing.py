"""OpenTelemetry traces: off unless KB_TRACE_EXPORTER names an exporter; when on, a request's
server span holds the spans of kb's phases (match, search, render) and of its SQL queries, and
no span holds the question asked."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from api import create_app
from api.tracing import Tracing, check_tracing, redacted
from importers import read_folder
from kb import KnowledgeBase
from kb.errors import ConfigError
from kb.phases import phase
from kb.settings import DEFAULT_CHANNELS, Settings
from tests.api.servers import kb_server
from tests.conftest import SAMPLE_CONTENT

QUESTION = "how much money is left on my account"
ANSWER = "/api/v1/answer?q=" + QUESTION.replace(" ", "+") + "&channel=web"
SEARCH = "/api/v1/search?q=roaming"

Spans = Callable[[], list[ReadableSpan]]


@pytest.fixture
def sample(kb: KnowledgeBase) -> KnowledgeBase:
    kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
    kb.publish(author="t")
    return kb


@pytest.fixture
def traced(sample: KnowledgeBase) -> Iterator[tuple[TestClient, Spans]]:
    """A client of the app traced into memory, and what it traced so far."""
    exporter = InMemorySpanExporter()
    app = create_app(sample, span_exporter=exporter)
    with TestClient(app) as client:
        tracing: Tracing = app.state.tracing
        assert tracing.provider is not None

        def spans() -> list[ReadableSpan]:
            assert tracing.provider is not None
            tracing.provider.force_flush()
            return list(exporter.get_finished_spans())

        yield client, spans


def trace_of(spans: list[ReadableSpan], server: ReadableSpan) -> dict[str, ReadableSpan]:
    """The spans of the server span's trace, by name, each checked to descend from it."""
    by_id = {s.context.span_id: s for s in spans if s.context.trace_id == server.context.trace_id}
    for span in by_id.values():
        ancestor = span
        while ancestor.parent is not None and ancestor is not server:
            ancestor = by_id[ancestor.parent.span_id]
        assert ancestor is server, f"{span.name} is not inside {server.name}"
    return {s.name: s for s in by_id.values()}


def printed_objects(text: str) -> list[dict[str, Any]]:
    """The JSON objects printed in `text`, each starting a line (the console exporter prints
    each span as an indented one), whatever else is printed between them."""
    decoder = json.JSONDecoder()
    found, at = [], 0
    while (at := text.find("\n{", at)) != -1:
        value, end = decoder.raw_decode(text, at + 1)
        found.append(value)
        at = end
    return found


def server_span(spans: list[ReadableSpan], name: str) -> ReadableSpan:
    (server,) = [s for s in spans if s.kind is SpanKind.SERVER and s.name == name]
    return server


def test_a_trace_of_an_answer_has_its_match_and_render_spans(
    traced: tuple[TestClient, Spans],
) -> None:
    client, spans = traced
    response = client.get(ANSWER)
    assert response.json()["status"] == "answered"
    found = spans()
    server = server_span(found, "GET /api/v1/answer")
    inside = trace_of(found, server)
    assert {"match", "render"} <= set(inside)
    assert inside["match"].parent is not None
    assert inside["match"].parent.span_id == server.context.span_id
    assert inside["match"].attributes == {"kb.release": 1, "kb.locale": "en"}
    assert server.attributes is not None
    assert server.attributes["kb.request_id"] == response.headers["x-request-id"]
    assert server.attributes["http.status_code"] == 200


def test_a_trace_of_a_search_has_its_search_span(traced: tuple[TestClient, Spans]) -> None:
    client, spans = traced
    assert client.get(SEARCH).json()["hits"]
    found = spans()
    inside = trace_of(found, server_span(found, "GET /api/v1/search"))
    assert inside["search"].attributes == {"kb.release": 1, "kb.locale": "en"}


def test_a_cached_answer_runs_no_phase(traced: tuple[TestClient, Spans]) -> None:
    client, spans = traced
    client.get(ANSWER)
    before = len([s for s in spans() if s.name == "match"])
    client.get(ANSWER)  # answered by the quick path
    found = spans()
    assert len([s for s in found if s.name == "GET /api/v1/answer"]) == 2
    assert len([s for s in found if s.name == "match"]) == before == 1


def test_sql_queries_are_spans_of_the_request_that_made_them(
    traced: tuple[TestClient, Spans],
) -> None:
    client, spans = traced
    assert client.get("/readyz").status_code == 200  # asks the database, on a worker thread
    found = spans()
    inside = trace_of(found, server_span(found, "GET /readyz"))
    queries = [s for s in inside.values() if s.attributes and "db.statement" in s.attributes]
    assert queries, sorted(inside)


def test_no_span_holds_the_question(traced: tuple[TestClient, Spans]) -> None:
    client, spans = traced
    client.get(ANSWER)
    client.get("/api/v1/search?q=" + QUESTION.replace(" ", "%20"))
    dumped = "\n".join(span.to_json() for span in spans())
    assert "GET /api/v1/answer" in dumped and "REDACTED" in dumped
    for words in (QUESTION, QUESTION.replace(" ", "+"), QUESTION.replace(" ", "%20")):
        assert words not in dumped


def test_redacted_hides_the_question_only() -> None:
    assert redacted("http://h/api/v1/answer?q=my+pin&channel=ivr") == (
        "http://h/api/v1/answer?q=REDACTED&channel=ivr"
    )
    assert redacted("q=my+pin&locale=en", query_only=True) == "q=REDACTED&locale=en"
    assert redacted("http://h/api/v1/units/x?channel=web") == "http://h/api/v1/units/x?channel=web"
    assert redacted("http://h/healthz") == "http://h/healthz"


def test_tracing_is_off_by_default(sample: KnowledgeBase) -> None:
    app = create_app(sample)
    with TestClient(app) as client:
        assert app.state.tracing.provider is None
        assert not getattr(app, "_is_instrumented_by_opentelemetry", False)
        assert client.get(ANSWER).status_code == 200
        with phase("match"):  # as the route's: a span nobody records
            assert not trace.get_current_span().is_recording()
    assert not isinstance(trace.get_tracer_provider(), TracerProvider)  # the API's stand-in


def test_kb_s_spans_go_back_to_the_global_provider_when_the_app_stops(
    sample: KnowledgeBase,
) -> None:
    app = create_app(sample, span_exporter=InMemorySpanExporter())
    with TestClient(app), phase("inside"):
        assert trace.get_current_span().is_recording()
    with phase("after"):
        assert not trace.get_current_span().is_recording()


def test_an_exporter_without_the_tracing_extra_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # As if the extra were not installed: importing the instrumentation fails.
    monkeypatch.setitem(sys.modules, "opentelemetry.instrumentation.fastapi", None)
    for exporter in ("otlp", "console"):
        with pytest.raises(ConfigError, match=r"pip install 'kb\[tracing\]'"):
            check_tracing(Settings(tmp_path, trace_exporter=exporter))
    check_tracing(Settings(tmp_path))  # not asked for: not needed


def test_kb_trace_exporter_takes_otlp_or_console_only() -> None:
    assert Settings.from_env({"KB_TRACE_EXPORTER": "OTLP"}).trace_exporter == "otlp"
    assert Settings.from_env({}).trace_exporter is None
    with pytest.raises(ConfigError, match="KB_TRACE_EXPORTER"):
        Settings.from_env({"KB_TRACE_EXPORTER": "jaeger"})


def test_kb_serve_with_the_console_exporter_prints_an_answer_s_spans(
    sample: KnowledgeBase, env: dict[str, str], tmp_path: Path
) -> None:
    log = tmp_path / "serve.log"
    with (
        kb_server({**env, "KB_TRACE_EXPORTER": "console"}, log=log) as url,
        httpx.Client(base_url=url) as client,
    ):
        request_id = client.get(ANSWER).headers["x-request-id"]
    spans = printed_objects(log.read_text())
    names = {span["name"] for span in spans}
    assert {"GET /api/v1/answer", "match", "render"} <= names, names
    server = next(s for s in spans if s["name"] == "GET /api/v1/answer")
    assert server["attributes"]["kb.request_id"] == request_id
    assert server["resource"]["attributes"]["service.name"] == "kb"
