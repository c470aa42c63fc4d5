"""What an evaluation reports, and the arithmetic behind it: rates, ranks, MRR, percentiles.

The reports are frozen records with a JSON-ready `summary()`; `operating_point` recomputes an
intent report at one threshold from its recorded predictions, without asking anything again.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

__all__ = [
    "FaqReport",
    "IntentReport",
    "Latency",
    "OperatingPoint",
    "Prediction",
    "SearchReport",
    "SetupTimes",
    "first_rank",
    "hit_rate",
    "mrr",
    "operating_point",
    "rate",
]


# -- reports ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Latency:
    """Milliseconds per call: percentiles and mean."""

    p50: float
    p95: float
    p99: float
    mean: float

    @classmethod
    def of(cls, millis: Sequence[float]) -> Latency:
        """Summarise a list of timings (all zero when there are none)."""
        if not millis:
            return cls(0.0, 0.0, 0.0, 0.0)
        ordered = sorted(millis)
        return cls(
            _percentile(ordered, 50),
            _percentile(ordered, 95),
            _percentile(ordered, 99),
            statistics.fmean(ordered),
        )


@dataclass(frozen=True)
class SetupTimes:
    """Seconds spent filling the scratch store before the first question."""

    import_s: float = 0.0
    publish_s: float = 0.0
    index_s: float = 0.0


@dataclass(frozen=True)
class Prediction:
    """What the knowledge base did with one test row."""

    text: str
    gold: str | None
    status: str
    predicted: str | None
    top: str | None
    confidence: float
    alternatives: tuple[str, ...]
    millis: float

    @property
    def correct(self) -> bool:
        """Answered with the right unit, or not answered when nothing is right."""
        return self.predicted == self.gold


def _summary(report: object) -> dict[str, Any]:
    """Every field but the per-row details, as JSON-ready values."""
    out: dict[str, Any] = {}
    for f in fields(report):  # type: ignore[arg-type]
        if f.metadata.get("detail"):
            continue
        value = getattr(report, f.name)
        out[f.name] = _summary(value) if hasattr(value, "__dataclass_fields__") else value
    return out


@dataclass(frozen=True)
class IntentReport:
    """Intent accuracy of the knowledge base on labelled test rows."""

    n: int
    n_in_scope: int
    n_oos: int
    accuracy: float
    in_scope_accuracy: float
    oos_recall: float | None
    macro_f1: float
    top1_accuracy: float
    answered_rate: float
    clarify_rate: float
    no_answer_rate: float
    answered_precision: float | None
    clarify_hit_rate: float | None
    unseen_labels: int
    latency: Latency
    units: int = 0
    examples: int = 0
    setup: SetupTimes = field(default_factory=SetupTimes)
    predictions: tuple[Prediction, ...] = field(default=(), metadata={"detail": True}, repr=False)

    def summary(self) -> dict[str, Any]:
        """The report without its per-row predictions."""
        return _summary(self)


@dataclass(frozen=True)
class FaqReport:
    """FAQ retrieval: ranking quality on answerable queries, refusals on unanswerable ones."""

    n: int
    n_answerable: int
    n_unanswerable: int
    recall_at_1: float
    answered_recall_at_1: float
    recall_at_5: float
    mrr_at_5: float
    search_recall_at_1: float
    search_mrr_at_5: float
    no_answer_rate: float
    not_answered_rate: float
    wrongly_refused_rate: float
    latency: Latency
    units: int = 0
    setup: SetupTimes = field(default_factory=SetupTimes)

    def summary(self) -> dict[str, Any]:
        """The report as JSON-ready values."""
        return _summary(self)


@dataclass(frozen=True)
class SearchReport:
    """Search relevance of one engine on held-back queries."""

    engine: str
    n_queries: int
    n_documents: int
    hit_at_1: float
    hit_at_5: float
    mrr_at_10: float
    latency: Latency
    setup: SetupTimes = field(default_factory=SetupTimes)

    def summary(self) -> dict[str, Any]:
        """The report as JSON-ready values."""
        return _summary(self)


@dataclass(frozen=True)
class OperatingPoint:
    """In-scope accuracy and OOS recall if the top unit were answered above `threshold`."""

    threshold: float
    in_scope_accuracy: float
    oos_recall: float


# -- metrics ----------------------------------------------------------------------------------


def _percentile(ordered: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    rank = max(1, -(-len(ordered) * q // 100))
    return float(ordered[int(rank) - 1])


def rate(count: int, total: int) -> float:
    """`count` out of `total` (0 when there is nothing to count)."""
    return count / total if total else 0.0


def operating_point(report: IntentReport, *, min_oos_recall: float) -> OperatingPoint | None:
    """The best in-scope accuracy of "answer the top unit if confident" at that OOS recall.

    Recomputed from the recorded top units and confidences, as if the matcher had one
    threshold and no clarify band; None when the report has no out-of-scope rows.
    """
    rows = report.predictions
    in_scope = [p for p in rows if p.gold is not None]
    oos = [p for p in rows if p.gold is None]
    if not oos or not in_scope:
        return None
    best: OperatingPoint | None = None
    for threshold in sorted({p.confidence for p in rows} | {0.0, 1.0 + 1e-9}):
        recall = rate(sum(p.confidence < threshold for p in oos), len(oos))
        if recall < min_oos_recall:
            continue
        accuracy = rate(
            sum(p.top == p.gold and p.confidence >= threshold for p in in_scope), len(in_scope)
        )
        if best is None or accuracy > best.in_scope_accuracy:
            best = OperatingPoint(threshold, accuracy, recall)
    return best


def first_rank(ranked: Sequence[str], relevant: frozenset[str]) -> int | None:
    """The 1-based rank of the first relevant unit in `ranked`, None when there is none."""
    return next((i for i, unit_id in enumerate(ranked, start=1) if unit_id in relevant), None)


def mrr(ranks: Sequence[int | None], depth: int) -> float:
    """Mean reciprocal rank, counting ranks below `depth` (and none) as 0."""
    if not ranks:
        return 0.0
    return statistics.fmean(1 / r if r is not None and r <= depth else 0.0 for r in ranks)


def hit_rate(ranks: Sequence[int | None], depth: int) -> float:
    """Share of the ranks that are `depth` or better (hit@depth)."""
    return rate(sum(r is not None and r <= depth for r in ranks), len(ranks))
