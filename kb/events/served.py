"""What a delivery response served: the facts its event and receipt keep, and the event as the
recorder queues it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any, NamedTuple

__all__ = ["KINDS", "Recorded", "Served", "Wire", "served_fields"]

#: The kinds of delivery response an event records.
KINDS = ("answer", "search", "unit", "faq")


@dataclass(frozen=True, slots=True)
class Served:
    """One response's facts, the same whether it was made now or sent again from a cache."""

    kind: str
    channel: str
    locale: str
    release: int
    unit_id: str | None = None
    revision: int | None = None
    #: An answer's status ("answered", "clarify", "no_answer") and confidence.
    status: str | None = None
    confidence: float | None = None
    #: A search's hit count and the units it listed, in order.
    hits: int | None = None
    units: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"an event's kind is one of {', '.join(KINDS)}, not {self.kind!r}")


#: A `Served`'s fields in order, as one tuple (what `Served(*values)` takes back).
served_fields: Callable[[Served], tuple[Any, ...]] = attrgetter(*(f.name for f in fields(Served)))

#: One event as a request queues it and the writer process receives it: the fields of a
#: `Recorded`, its `Served` as `served_fields`. Plain values pickle in C; a named tuple or a
#: dataclass pickles field by field through Python code, ten times slower, on the worker's
#: thread that hands batches over while requests wait for the interpreter lock.
Wire = tuple[str, int, tuple[Any, ...], str | None, str | None, str | None, float, bool]


class Recorded(NamedTuple):
    """One response's event: what differs from one sending to the next, beside what it
    served. The writer makes the table's row of it (kb/events/writer.py), off the request
    path, which queues only its `Wire`."""

    receipt: str
    #: When it was sent, in nanoseconds since the epoch (the clock read once for the receipt).
    at_ns: int
    served: Served
    #: The customer's words as asked (the writer redacts them), or None.
    question: str | None
    conversation: str | None
    via: str | None
    latency_ms: float
    cached: bool

    @classmethod
    def of(cls, wire: Wire) -> Recorded:
        """The event a request queued as `wire`."""
        receipt, at_ns, served, question, conversation, via, latency_ms, cached = wire
        return cls(receipt, at_ns, Served(*served), question, conversation, via, latency_ms, cached)
