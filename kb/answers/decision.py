"""The decision a ranking leads to: answer, ask which unit was meant, or hand over to a person.

Candidates carry a confidence (the probability that the unit is right); `Thresholds` turn a
ranking into a `Status`. Kept apart from the models so that callers which only read answers
(the command line, the API's schemas) load no numerical library.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "OFFER_SHARE",
    "Candidate",
    "MatchResult",
    "Status",
    "Thresholds",
    "configured_thresholds",
    "decide",
]

OFFER_SHARE = 0.25  # a clarification offers the runners-up with this share of the best


@dataclass(frozen=True)
class Candidate:
    """A unit the question may be about, with the probability (0..1) that it is the right one."""

    unit_id: str
    confidence: float


class Status(StrEnum):
    """What the caller should do: answer, ask which unit was meant, or hand over to a person."""

    ANSWERED = "answered"
    CLARIFY = "clarify"
    NO_ANSWER = "no_answer"


@dataclass(frozen=True)
class Thresholds:
    """Confidence cut-offs; defaults tuned in benchmarks/matcher_tuning.py (see the module).

    answered: best >= answer and best - second >= margin. clarify: otherwise, when the two
    best together reach `clarify` (one of them is likely right; near-duplicate units split
    the confidence between them); offered are the best and the runners-up with at least a
    quarter of its confidence. no_answer: below that (out of scope: hand over to a person,
    to the best unit's team when its confidence reaches `route`, else to the default team).
    """

    answer: float = 0.5
    clarify: float = 0.55
    margin: float = 0.35
    route: float = 0.35


@dataclass(frozen=True)
class MatchResult:
    """The decision and its candidates, best first; for `clarify` the candidates to offer."""

    status: Status
    candidates: tuple[Candidate, ...]


def decide(ranked: Sequence[Candidate], thresholds: Thresholds, limit: int) -> MatchResult:
    """Apply `thresholds` to a ranking (best first); see `Thresholds`."""
    best = ranked[0].confidence if ranked else 0.0
    second = ranked[1].confidence if len(ranked) > 1 else 0.0
    if best >= thresholds.answer and best - second >= thresholds.margin:
        return MatchResult(Status.ANSWERED, tuple(ranked[:limit]))
    if not ranked or best + second < thresholds.clarify:
        return MatchResult(Status.NO_ANSWER, tuple(ranked[:limit]))
    offered = [c for c in ranked[:limit] if c.confidence >= OFFER_SHARE * best]
    return MatchResult(Status.CLARIFY, tuple(offered))


def configured_thresholds(
    answer: float | None, clarify: float | None, margin: float | None
) -> Thresholds | None:
    """Thresholds from settings, each unset one at its tuned default (None: all unset)."""
    if answer is None and clarify is None and margin is None:
        return None
    default = Thresholds()
    return Thresholds(
        answer=answer if answer is not None else default.answer,
        clarify=clarify if clarify is not None else default.clarify,
        margin=margin if margin is not None else default.margin,
    )
