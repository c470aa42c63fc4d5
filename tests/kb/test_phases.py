"""kb.phases: a phase counts for the request recording it, threads it starts included, and is a
span of the tracer provider kb is pointed at (none records by default)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from kb.phases import Timings, phase, use_tracer_provider


def work(name: str) -> None:
    with phase(name):
        pass


def test_phases_run_on_worker_threads_count_for_the_request() -> None:
    """Routes run kb on worker threads, which get a copy of the request's context."""

    async def request() -> list[str]:
        with Timings() as timings:
            await asyncio.gather(asyncio.to_thread(work, "match"), asyncio.to_thread(work, "x"))
            work("match")
        return list(timings.phases)

    # On a thread of its own: a page test's Playwright may keep an event loop running on this one.
    with ThreadPoolExecutor(1) as pool:
        assert sorted(pool.submit(asyncio.run, request()).result()) == ["match", "x"]


def test_repeated_phases_add_up_and_each_request_has_its_own() -> None:
    with Timings() as outer:
        work("match")
        with Timings() as inner:
            work("search")
        work("match")
    assert (list(outer.phases), list(inner.phases)) == (["match"], ["search"])
    assert all(ms >= 0 for ms in outer.phases.values())
    work("outside")  # nothing records it, and nothing fails


def test_a_phase_is_a_span_of_the_provider_kb_uses() -> None:
    with phase("before"):
        assert not trace.get_current_span().is_recording()
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    use_tracer_provider(provider)
    try:
        with phase("match", {"kb.locale": "en"}), phase("render"):
            pass
    finally:
        use_tracer_provider(None)
    match, render = sorted(exporter.get_finished_spans(), key=lambda s: s.name)
    assert (match.name, dict(match.attributes or {})) == ("match", {"kb.locale": "en"})
    assert render.parent is not None and render.parent.span_id == match.context.span_id
    with phase("after"):
        assert not trace.get_current_span().is_recording()
