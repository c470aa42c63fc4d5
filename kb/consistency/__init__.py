"""The consistency report: units that answer the same question, the facts they contradict each
other on, and values typed into many units that a snippet should hold."""

from kb.consistency.model import (
    KINDS,
    ConsistencyReport,
    Contradiction,
    Duplicate,
    Mention,
    RepeatedValue,
)
from kb.consistency.report import check_consistency

__all__ = [
    "KINDS",
    "ConsistencyReport",
    "Contradiction",
    "Duplicate",
    "Mention",
    "RepeatedValue",
    "check_consistency",
]
