"""Quality of a knowledge base's own examples: cross-validated routing, and regressions."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from kb.answers.config import Example, MatcherConfig
from kb.answers.decision import Candidate
from kb.answers.features import normalize_text
from kb.answers.matcher import IntentMatcher
from kb.answers.recipe import LEXICAL, MatcherRecipe

__all__ = ["Confusion", "SelfReport", "regressions", "self_evaluation"]


@dataclass(frozen=True)
class Confusion:
    """Questions of unit `expected` that went to unit `predicted`: how many, and samples."""

    expected: str
    predicted: str  # "" when nothing matched at all
    count: int
    texts: tuple[str, ...]


@dataclass(frozen=True)
class SelfReport:
    """Cross-validated quality of a set of examples (what `kb publish --dry-run` can show)."""

    accuracy: float  # share of held-out examples whose top-1 is their own unit
    evaluated: int  # examples held out; units with a single example are never held out
    folds: int
    unit_recall: dict[str, float] = field(default_factory=dict)
    confusions: tuple[Confusion, ...] = ()  # most frequent first


def self_evaluation(
    examples: Sequence[Example],
    *,
    locale: str,
    folds: int = 5,
    config: MatcherConfig | None = None,
    top: int = 20,
    recipe: MatcherRecipe = LEXICAL,
) -> SelfReport:
    """Hold each example out once (k folds within each unit) and see where its question goes."""
    cache = recipe.cache()  # every fold reuses the vectors of the others
    by_unit: dict[str, list[Example]] = defaultdict(list)
    for ex in examples:
        if normalize_text(ex.text):
            by_unit[ex.unit_id].append(ex)
    rng = random.Random(0)
    fold_of: list[tuple[Example, int]] = []
    for unit in sorted(by_unit):
        items = by_unit[unit]
        rng.shuffle(items)
        start = rng.randrange(folds)
        # A unit's examples go round the folds, so a unit always keeps one to train on.
        fold_of += [
            (ex, (start + i) % folds if len(items) > 1 else -1) for i, ex in enumerate(items)
        ]
    hits: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    wrong: dict[tuple[str, str], list[str]] = defaultdict(list)
    for fold in range(folds):
        held = [ex for ex, f in fold_of if f == fold]
        if not held:
            continue
        train = [ex for ex, f in fold_of if f != fold]
        matcher = recipe.train(train, locale, config=config, cache=cache)
        for ex in held:
            seen[ex.unit_id] += 1
            ranked = matcher.rank(ex.text, limit=1)
            got = ranked[0].unit_id if ranked else ""
            if got == ex.unit_id:
                hits[ex.unit_id] += 1
            else:
                wrong[(ex.unit_id, got)].append(ex.text)
    total = sum(seen.values())
    confusions = sorted(
        (Confusion(a, b, len(texts), tuple(texts[:3])) for (a, b), texts in wrong.items()),
        key=lambda c: (-c.count, c.expected, c.predicted),
    )
    return SelfReport(
        accuracy=sum(hits.values()) / total if total else 1.0,
        evaluated=total,
        folds=folds,
        unit_recall={unit: hits[unit] / n for unit, n in sorted(seen.items())},
        confusions=tuple(confusions[:top]),
    )


def regressions(
    matcher: IntentMatcher, examples: Sequence[Example]
) -> list[tuple[Example, Candidate | None]]:
    """Examples whose top-1 is not their own unit, with what they got instead (None: nothing)."""
    out: list[tuple[Example, Candidate | None]] = []
    for ex in examples:
        ranked = matcher.rank(ex.text, limit=1)
        if not ranked or ranked[0].unit_id != ex.unit_id:
            out.append((ex, ranked[0] if ranked else None))
    return out
