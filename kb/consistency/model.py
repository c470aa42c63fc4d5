"""What the consistency report finds: values units state, duplicates, contradictions, repeats.

The report's data model (the editor's view, merge and snippet actions build on these names and
on the JSON shape of `ConsistencyReport.to_json`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "KINDS",
    "ConsistencyReport",
    "Contradiction",
    "Duplicate",
    "Mention",
    "RepeatedValue",
]

#: Every kind of fact the report extracts, in the order it lists them.
KINDS = ("phone", "email", "url", "money", "percent", "duration", "date", "time", "hours")


@dataclass(frozen=True)
class Mention:
    """One value as one unit states it, with the sentence it stands in."""

    unit_id: str
    locale: str
    #: The unit's `source.system` (the silo it came from), or "kb" when it was written here.
    source: str
    #: One of KINDS.
    kind: str
    #: The value as written ("020 7946 0123", "14 days").
    value: str
    #: The comparable form: E.164 phone, lowercased e-mail, "EUR 10.00", "P14D", "09:00-18:00".
    normalized: str
    #: The sentence the value stands in (snippet values resolved).
    sentence: str
    #: Whether the value came from a snippet (`{{ name }}`) rather than typed into the unit.
    from_snippet: bool = False

    def to_json(self) -> dict[str, Any]:
        """The mention as JSON-ready values."""
        return asdict(self)


@dataclass(frozen=True)
class Duplicate:
    """Units (two or more, one locale) that answer the same question."""

    locale: str
    units: tuple[str, ...]
    #: The unit suggested to keep: the merge folds the others' questions into it.
    keep: str
    #: How sure the report is, 0..1 (the weakest link's similarity within the group).
    score: float
    #: Why they were grouped, in words ("example question 'x' of a is a's title ...").
    reason: str

    def to_json(self) -> dict[str, Any]:
        """The group as JSON-ready values."""
        return {**asdict(self), "units": list(self.units)}


@dataclass(frozen=True)
class Contradiction:
    """Two units that answer the same question and state different values of one kind about the
    same thing."""

    locale: str
    kind: str
    first: Mention
    second: Mention

    def to_json(self) -> dict[str, Any]:
        """Both mentions with their units, sources, values and sentences."""
        return {
            "locale": self.locale,
            "kind": self.kind,
            "first": self.first.to_json(),
            "second": self.second.to_json(),
        }


@dataclass(frozen=True)
class RepeatedValue:
    """One value typed literally into many units: a snippet would let the next change be made
    once."""

    locale: str
    kind: str
    value: str
    normalized: str
    units: tuple[str, ...]
    #: The suggested snippet name (an existing snippet's, when one already holds the value).
    snippet: str
    #: Whether `snippet` names a snippet that already exists with this value.
    snippet_exists: bool = False

    def to_json(self) -> dict[str, Any]:
        """The repeat as JSON-ready values."""
        return {**asdict(self), "units": list(self.units)}


@dataclass
class ConsistencyReport:
    """Everything `kb consistency` finds in one snapshot."""

    duplicates: list[Duplicate] = field(default_factory=list)
    contradictions: list[Contradiction] = field(default_factory=list)
    repeated: list[RepeatedValue] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """Whether nothing was found."""
        return not (self.duplicates or self.contradictions or self.repeated)

    def summary(self) -> str:
        """One line of counts: "2 contradictions, 1 duplicate, 0 repeated values"."""
        parts = (
            (len(self.contradictions), "contradiction", "contradictions"),
            (len(self.duplicates), "duplicate", "duplicates"),
            (len(self.repeated), "repeated value", "repeated values"),
        )
        return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in parts)

    def to_json(self) -> dict[str, Any]:
        """{"duplicates": [...], "contradictions": [...], "repeated_values": [...]}."""
        return {
            "duplicates": [d.to_json() for d in self.duplicates],
            "contradictions": [c.to_json() for c in self.contradictions],
            "repeated_values": [r.to_json() for r in self.repeated],
        }
