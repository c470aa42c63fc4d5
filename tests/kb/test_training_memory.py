"""Training a large matcher holds a bounded part of its work at once (issue 22).

Counted in values and bytes allocated (tracemalloc, which numpy reports to), never seconds:
the pairs' design matrix one SGD trains on, and the example vectors being made. Below the
bounds training does what it always did: one SGD over every pair, the same weights.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import SGDClassifier

from kb.answers import features, training
from kb.answers.config import Example, MatcherConfig
from kb.answers.features import Vectorizer, l2_rows, normalize_text
from kb.answers.matcher import IntentMatcher
from tests.kb.test_publish_memory import examples

#: The generated questions of test_publish_memory, from a seed of their own here.
SEED = 5


def inputs(found: list[Example]) -> tuple[sp.csr_matrix, np.ndarray, sp.csr_matrix]:
    """Example vectors, labels and centroids, as a matcher's training makes them."""
    pairs = sorted({(e.unit_id, normalize_text(e.text)) for e in found})
    classes = sorted({unit for unit, _ in pairs})
    labels = np.array([classes.index(unit) for unit, _ in pairs])
    cfg = MatcherConfig()
    vectors = Vectorizer(cfg.word_weight, cfg.char_ngrams).fit_transform([t for _, t in pairs])
    members = sp.csr_matrix(
        (np.ones(len(labels), dtype=np.float32), (labels, np.arange(len(labels)))),
        shape=(len(classes), len(labels)),
    )
    centroids = l2_rows((members @ vectors).tocsr()).astype(np.float32)
    centroids.sort_indices()
    return vectors, labels, centroids


def test_below_the_bound_one_sgd_trains_on_every_pair_as_before() -> None:
    vectors, labels, centroids = inputs(examples(120, 6, SEED))
    cfg = MatcherConfig()
    weights, bias = training.linear_model(vectors, labels, centroids, cfg)
    # What training did before slices: one SGD over the design of every pair.
    rows, units = training._pairs(vectors, labels, centroids, cfg)
    target = (units == labels[rows]).astype(np.int8)
    order = np.argsort(units, kind="stable")
    rows, units, target = rows[order], units[order], target[order]
    model = SGDClassifier(
        loss="modified_huber",
        alpha=cfg.alpha / centroids.shape[0],
        max_iter=max(cfg.min_epochs, min(cfg.epochs, cfg.visit_budget // len(target))),
        tol=None,
        random_state=cfg.seed,
    )
    model.fit(training._pair_design(vectors, rows, units, centroids), target)
    coef = model.coef_.ravel()
    assert np.array_equal(weights, coef[: centroids.nnz])
    assert np.array_equal(bias, coef[centroids.nnz :] + model.intercept_[0])
    assert bias.dtype == np.float64  # a float32 bias plus a float64 intercept, as before


def test_above_the_bound_the_units_train_in_slices_of_bounded_design(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    found = examples(300, 8, SEED)
    whole = IntentMatcher.train(found, locale="en")
    designs: list[tuple[int, int]] = []
    fit = training._sgd

    def recorded(design: sp.csr_matrix, *args: object) -> object:
        designs.append((design.shape[0], design.nnz))
        return fit(design, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(training, "_sgd", recorded)
    monkeypatch.setattr(training, "_ONE_SGD_VALUES", 100_000)
    monkeypatch.setattr(training, "_SLICE_VALUES", 30_000)
    sliced = IntentMatcher.train(found, locale="en")
    pairs = sum(rows for rows, _ in designs)
    # Every pair trained once, in several slices, none of them much over the slice bound
    # (a slice ends after the unit that crosses it); one design of all pairs was 5 times it.
    assert len(designs) >= 5 and pairs > 5_000
    assert max(nnz for _, nnz in designs) <= 30_000 + 1_000
    assert sum(nnz for _, nnz in designs) > 5 * 30_000
    # The slices learn what the whole did: each example routes to the same unit as before.
    texts = [e.text for e in found[::7]]
    same = sum(whole.rank(t, 1)[0].unit_id == sliced.rank(t, 1)[0].unit_id for t in texts)
    assert same >= 0.95 * len(texts)


def test_unit_slices_cut_after_whole_units_near_the_slice_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(training, "_ONE_SGD_VALUES", 1_000)
    monkeypatch.setattr(training, "_SLICE_VALUES", 300)
    values = np.full(40, 25)  # 40 pairs of 25 values: 1,000 values, at the bound
    bounds = np.arange(0, 41, 4)  # 10 units of 4 pairs (100 values each)
    assert training.unit_slices(values, bounds) == [(0, 10)]
    values[0] = 26
    assert training.unit_slices(values, bounds) == [(0, 2), (2, 5), (5, 8), (8, 10)]


def test_example_vectors_are_made_a_block_of_texts_at_a_time_into_their_final_arrays(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = sorted({normalize_text(e.text) for e in examples(2000, 10, SEED)})
    monkeypatch.setattr(features, "_TEXT_BLOCK_VALUES", 1 << 30, raising=False)
    at_once = Vectorizer(0.5, (2, 4)).fit_transform(texts)
    monkeypatch.setattr(features, "_TEXT_BLOCK_VALUES", 4096, raising=False)
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        vectors = Vectorizer(0.5, (2, 4)).fit_transform(texts)
        most = tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()
    for name in ("data", "indices", "indptr"):
        assert np.array_equal(getattr(vectors, name), getattr(at_once, name))
        assert getattr(vectors, name).dtype == getattr(at_once, name).dtype
    kept = vectors.data.nbytes + vectors.indices.nbytes + vectors.indptr.nbytes
    # The result and the word counts (a tenth of it), and a block's work: the character
    # counts of every text, their weighted copy and the two parts stacked took 3.6 times.
    assert most < 1.6 * kept
