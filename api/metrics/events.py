"""Delivery events written and dropped, as counters brought up to date from the recorder.

The recorder (kb.events) counts what its writer thread wrote and what it dropped; kb knows
nothing of metrics. Its counts are added to `kb_events_written_total` and
`kb_event_queue_dropped_total` as they grow: at every delivery response (api/events.py) and
before every scrape of this process. Counters, not a collect-time callback, so that under
`kb serve --workers` each worker's counts land in its own files and a scrape adds them up
(prometheus_client's multiprocess mode reads files, never a worker's callbacks).
"""

from __future__ import annotations

import threading
from weakref import WeakKeyDictionary

from api.metrics.series import EVENTS_DROPPED, EVENTS_WRITTEN
from kb.events.recorder import EventRecorder

__all__ = ["count_events"]

#: What each recorder had written and dropped when last counted.
_counted: WeakKeyDictionary[EventRecorder, tuple[int, int]] = WeakKeyDictionary()
_lock = threading.Lock()


def count_events(recorder: EventRecorder) -> None:
    """Add what `recorder` wrote and dropped since it was last counted to the counters."""
    written, dropped = recorder.written, recorder.dropped
    seen = _counted.get(recorder, (0, 0))
    if seen == (written, dropped):  # the usual case: nothing to take the lock for
        return
    with _lock:
        seen = _counted.get(recorder, (0, 0))
        if written > seen[0]:
            EVENTS_WRITTEN.inc(written - seen[0])
        if dropped > seen[1]:
            EVENTS_DROPPED.inc(dropped - seen[1])
        _counted[recorder] = (max(written, seen[0]), max(dropped, seen[1]))
