"""The series themselves (see api/metrics' table), and what the domain tells them.

Made once, when this module is imported, in prometheus_client's default registry: as usual
for prometheus_client, and what its multiprocess mode expects (each worker writes the same
series to its own file). Builds and switches are heard through kb.observers from import on,
so a release a test or an embedder loads before the app starts is heard too.
"""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client import Counter, Gauge, Histogram

from kb import observers

__all__ = [
    "ANSWERS",
    "BUILD_DURATIONS",
    "EVENTS_DROPPED",
    "EVENTS_WRITTEN",
    "PUBLISHED",
    "REQUESTS",
    "REQUEST_DURATION",
    "SEARCHES",
    "SERVED_RELEASE",
    "ZERO_HIT_SEARCHES",
]

#: A cached answer takes a fraction of a millisecond, a page or a first answer milliseconds.
REQUEST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
#: A release of a few units builds in under a second, of 40,000 in minutes.
BUILD_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800)

REQUESTS = Counter(
    "kb_http_requests",
    "HTTP requests answered, by route template, method, status and channel served.",
    ["route", "method", "status", "channel"],
)
REQUEST_DURATION = Histogram(
    "kb_http_request_duration_seconds",
    "Time from a request's arrival in the app to its last byte sent, by route template.",
    ["route"],
    buckets=REQUEST_BUCKETS,
)
ANSWERS = Counter(
    "kb_answers",
    "Answers sent with a body (cached ones too), by answer status and channel.",
    ["status", "channel"],
)
SEARCHES = Counter("kb_searches", "Searches sent with a body (cached ones too).", ["channel"])
ZERO_HIT_SEARCHES = Counter(
    "kb_zero_hit_searches", "Searches sent with a body that found nothing.", ["channel"]
)
EVENTS_WRITTEN = Counter(
    "kb_events_written", "Delivery events written to the event table (kb.events)."
)
EVENTS_DROPPED = Counter(
    "kb_event_queue_dropped",
    "Delivery events dropped: the queue was full or the event store refused their batch.",
)
# livemin: under workers, the release every live worker serves at least (0: one has none yet).
SERVED_RELEASE = Gauge(
    "kb_served_release", "The release this server serves.", multiprocess_mode="livemin"
)
PUBLISHED = Gauge(
    "kb_served_release_published_timestamp_seconds",
    "When the served release was published, in seconds since the Unix epoch.",
    multiprocess_mode="livemin",
)
BUILD_DURATIONS = {
    observers.INDEX_BUILD: Histogram(
        "kb_index_build_duration_seconds",
        "Building a release's search index and sentence vectors, where it was built.",
        buckets=BUILD_BUCKETS,
    ),
    observers.MATCHER_BUILD: Histogram(
        "kb_matcher_build_duration_seconds",
        "Training a release's intent matchers, where they were trained.",
        buckets=BUILD_BUCKETS,
    ),
    observers.RELEASE_LOAD: Histogram(
        "kb_release_load_duration_seconds",
        "Opening a built release's index and matchers, at every switch.",
        buckets=BUILD_BUCKETS,
    ),
}


class _Watcher:
    """Puts what kb.observers says into the series."""

    def took(self, what: str, seconds: float) -> None:
        histogram = BUILD_DURATIONS.get(what)
        if histogram is not None:
            histogram.observe(seconds)

    def served(self, release: int, published: datetime) -> None:
        if published.tzinfo is None:  # SQLite hands back our UTC times without their offset
            published = published.replace(tzinfo=UTC)
        SERVED_RELEASE.set(release)
        PUBLISHED.set(published.timestamp())


observers.watch(_Watcher())
