"""The matcher's settings: model sizes, training budgets, and the fitted ranking and confidence."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Example", "MatcherConfig"]


@dataclass(frozen=True, slots=True)
class Example:
    """One training sentence for a unit: a `questions` entry or the title (slots: a build
    holds every example of a locale, 426,000 at 40,000 units, issue 22)."""

    unit_id: str
    text: str


@dataclass(frozen=True)
class MatcherConfig:
    """Model settings; the defaults are the ones measured in benchmarks/matcher_tuning.py."""

    word_weight: float = 0.5  # share of word n-grams in the vector; the rest is characters
    char_ngrams: tuple[int, int] = (2, 4)
    hard_negatives: int = 10  # most similar other units paired with each training example
    random_negatives: int = 10  # plus random ones; all others when these would cover them
    pair_budget: int = 500_000  # beyond this many pairs, fewer negatives per example
    example_negatives_up_to: int = 50_000_000  # examples x units; beyond, per unit (cheaper)
    prune: int = 64  # features per centroid kept when searching hard negatives among ...
    prune_above: int = 2_000  # ... more units than this
    alpha: float = 3e-4  # L2 regularisation of each unit's weights, as in one-vs-rest
    epochs: int = 25
    min_epochs: int = 5
    visit_budget: int = 6_000_000  # pair visits; many pairs need fewer epochs
    candidates: int = 20  # units whose signals are measured in full per question
    # Weights of (linear, lead, cosine, fuzz, centroid) and of the same times the size signal.
    ranking: tuple[float, ...] = (
        4.932,
        -3.676,
        3.371,
        -3.043,
        33.095,
        -0.903,
        2.901,
        1.535,
        5.612,
        -24.801,
    )
    # Confidence = logistic(a * score + b * lead of the score over the runner-up + c).
    confidence: tuple[float, float, float] = (0.081, 0.599, -1.37)
    # With an encoder: units nearest in meaning added to the candidates, and the ranking and
    # confidence over seven signals (the five above, then the nearest example's and the
    # centroid's sentence cosine), fitted like the above on the same data plus a small
    # knowledge base's regime (40 intents x 7 examples, asked the other intents' questions).
    semantic_candidates: int = 10
    semantic_ranking: tuple[float, ...] = (
        0.64,
        -1.194,
        4.064,
        -3.091,
        10.601,
        -0.815,
        17.448,
        2.331,
        0.707,
        -2.548,
        4.335,
        -13.042,
        11.908,
        -9.768,
    )
    semantic_confidence: tuple[float, float, float] = (0.13, 0.649, -2.344)
    seed: int = 0
