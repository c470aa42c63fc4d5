"""OpenTelemetry traces of the API, off unless KB_TRACE_EXPORTER names an exporter.

"otlp" sends spans to the collector that the standard `OTEL_EXPORTER_OTLP_*` variables name
(the SDK reads them; http/protobuf, to localhost:4318 by default), "console" prints them. The
FastAPI instrumentation makes a server span per request, the SQLAlchemy one a span per query
on the knowledge base's engine, and kb's own phases (kb/phases.py: match, search, render) are
spans inside the request's. The service is `kb` (OTEL_SERVICE_NAME and
OTEL_RESOURCE_ATTRIBUTES may say more), its version kb's.

This app's spans go to a provider of its own rather than the process's global one, which is
left to whoever embeds kb. The question asked is not sent: the `q` parameter of the URL a
server span records is redacted, and the span carries the request id (`kb.request_id`).
"""

from __future__ import annotations

import importlib
from importlib import metadata
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI

from api.request_id import current_request_id
from kb import phases
from kb.errors import ConfigError
from kb.knowledge_base import KnowledgeBase
from kb.settings import Settings

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import Span

__all__ = ["SERVICE_NAME", "Tracing", "check_tracing", "install_tracing", "redacted"]

SERVICE_NAME = "kb"
#: Span attributes that hold a request's URL or query string (older and newer conventions).
_URL_ATTRIBUTES = ("http.url", "url.full", "http.target", "url.query")
#: What `install_tracing` and `Tracing.start` import, besides the SDK.
_INSTRUMENTATIONS = (
    "opentelemetry.instrumentation.fastapi",
    "opentelemetry.instrumentation.sqlalchemy",
)
#: The query parameters that hold a customer's words.
_PRIVATE = frozenset({"q"})


class Tracing:
    """Tracing of one app: nothing when off; else its provider, following the app's lifespan."""

    def __init__(self, provider: TracerProvider | None = None) -> None:
        self.provider = provider

    def start(self, kb: KnowledgeBase) -> None:
        """Trace kb's phases and the queries of its database engine from now on."""
        if self.provider is None:
            return
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

        SQLAlchemyInstrumentor().instrument(
            engine=kb.db.engine,
            tracer_provider=self.provider,
            # 0.66b2 declares SQLAlchemy < 2.1; 2.1 keeps the engine events it listens to
            # (tests/api/test_tracing.py sees a query's spans).
            skip_dep_check=True,
        )
        phases.use_tracer_provider(self.provider)

    def stop(self) -> None:
        """Stop tracing the database and the phases, and send the spans not sent yet."""
        if self.provider is None:
            return
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

        phases.use_tracer_provider(None)
        SQLAlchemyInstrumentor().uninstrument()
        self.provider.shutdown()  # flushes the batch: a stopping server loses no span


def check_tracing(settings: Settings) -> None:
    """Raise ConfigError if tracing is asked for and what it needs is not installed."""
    if settings.trace_exporter is not None:
        _exporter(settings.trace_exporter)


def install_tracing(
    app: FastAPI, settings: Settings, *, exporter: SpanExporter | None = None
) -> Tracing:
    """Instrument `app` if KB_TRACE_EXPORTER is set (or an `exporter` given: tests); call before
    anything else wraps the app's middleware stack (the instrumentation expects Starlette's)."""
    if exporter is None and settings.trace_exporter is None:
        return Tracing()
    if exporter is None:
        assert settings.trace_exporter is not None
        exporter = _exporter(settings.trace_exporter)
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.sdk.resources import OTELResourceDetector, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    ours = Resource.create({"service.name": SERVICE_NAME, "service.version": _version()})
    provider = TracerProvider(resource=ours.merge(OTELResourceDetector().detect()))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        server_request_hook=_on_request,
        exclude_spans=["receive", "send"],  # a span per ASGI message says nothing more
    )
    return Tracing(provider)


def _exporter(name: str) -> SpanExporter:
    """The exporter KB_TRACE_EXPORTER names; ConfigError if the `tracing` extra is missing."""
    try:
        for instrumentation in _INSTRUMENTATIONS:
            importlib.import_module(instrumentation)
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        if name == "console":
            return ConsoleSpanExporter()
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()
    except ImportError as exc:
        raise ConfigError(
            f"KB_TRACE_EXPORTER={name} needs OpenTelemetry's SDK, exporters and "
            f"instrumentations, and {exc.name} is not installed: pip install 'kb[tracing]'"
        ) from exc


def _version() -> str:
    """kb's installed version, the service.version of its spans."""
    try:
        return metadata.version("kb")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _on_request(span: Span, scope: dict[str, Any]) -> None:
    """The server span of a request: its id, and its URL without the question."""
    if not span.is_recording():
        return
    span.set_attribute("kb.request_id", current_request_id() or "")
    attributes = getattr(span, "attributes", None) or {}
    for name in _URL_ATTRIBUTES:
        value = attributes.get(name)
        if isinstance(value, str):
            span.set_attribute(name, redacted(value, query_only=name == "url.query"))


def redacted(url: str, *, query_only: bool = False) -> str:
    """`url` (or a bare query string) with the values of its private parameters replaced."""
    base, mark, query = ("", "", url) if query_only else url.partition("?")
    if not query_only and not mark:
        return url
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(name in _PRIVATE for name, _ in pairs):
        return url
    hidden = urlencode([(n, "REDACTED" if n in _PRIVATE else v) for n, v in pairs])
    return f"{base}{mark}{hidden}"
