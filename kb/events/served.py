"""What a delivery response served: the facts its event and receipt keep."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["KINDS", "Served"]

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
