"""The phases of answering a request (match, search, render): each timed for the request that
runs it (the API's Server-Timing header) and traced as an OpenTelemetry span.

Spans go to the global tracer provider, a no-op unless someone configured OpenTelemetry, or to
the one `use_tracer_provider` names (api/tracing.py, from KB_TRACE_EXPORTER). Timings are kept
only inside `with Timings()`: elsewhere (the command line) a phase costs its span alone.

A request's `Timings` is one mutable object held by a context variable: code run in a worker
thread gets a copy of the context, and so the very same object, to add its phases to.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from time import perf_counter

from opentelemetry import trace
from opentelemetry.util.types import AttributeValue

__all__ = ["TRACER_NAME", "Timings", "phase", "use_tracer_provider"]

#: The instrumentation scope kb's own spans are reported under.
TRACER_NAME = "kb"

_tracer: trace.Tracer = trace.get_tracer(TRACER_NAME)


class Timings:
    """The phases one request ran so far: name -> milliseconds, summed over repeats (an answer
    asked in two locales matches twice), in the order each first ran. As a context manager, the
    one the phases run inside the block (and in threads it starts) are counted in."""

    __slots__ = ("_token", "phases")

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}
        self._token: Token[Timings | None] | None = None

    def add(self, name: str, milliseconds: float) -> None:
        """Count `milliseconds` more spent in phase `name`."""
        self.phases[name] = self.phases.get(name, 0.0) + milliseconds

    def __enter__(self) -> Timings:
        self._token = _timings.set(self)
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._token is not None
        _timings.reset(self._token)
        self._token = None


_timings: ContextVar[Timings | None] = ContextVar("kb_phase_timings", default=None)


@contextmanager
def phase(name: str, attributes: Mapping[str, AttributeValue] | None = None) -> Iterator[None]:
    """Time the block as phase `name` of the current request, inside a span of that name."""
    with _tracer.start_as_current_span(name, attributes=attributes):
        start = perf_counter()
        try:
            yield
        finally:
            timings = _timings.get()
            if timings is not None:
                timings.add(name, (perf_counter() - start) * 1000.0)


def use_tracer_provider(provider: trace.TracerProvider | None) -> None:
    """Send kb's spans to `provider`; None: back to the global one."""
    global _tracer
    source = provider if provider is not None else trace.get_tracer_provider()
    _tracer = source.get_tracer(TRACER_NAME)
