"""Training the learned part of the matcher: one binary SGD over (example, unit) pairs.

Every unit keeps one sparse weight vector on its own vocabulary. Pairs are each example with
its own unit, the units most similar to it (hard negatives) and random ones: with few units
plain one-vs-rest, with many it keeps training linear in the number of examples.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from kb.answers.config import MatcherConfig

__all__ = ["linear_model", "pruned"]

#: Example values gathered per slice of pairs while building the design matrix (each pair's
#: rows are made whole in one slice; the slice's work takes about 30 bytes a value).
_SLICE_NNZ = 4_000_000


def linear_model(
    vectors: sp.csr_matrix, labels: np.ndarray, centroids: sp.csr_matrix, cfg: MatcherConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Weights aligned with `centroids.data` and one bias per unit, from one binary SGD."""
    from sklearn.linear_model import SGDClassifier  # here: serving processes never train

    n_classes = centroids.shape[0]
    rows, units = _pairs(vectors, labels, centroids, cfg)
    target = (units == labels[rows]).astype(np.int8)
    order = np.argsort(units, kind="stable")
    rows, units, target = rows[order], units[order], target[order]
    design = _pair_design(vectors, rows, units, centroids)
    model = SGDClassifier(
        loss="modified_huber",
        alpha=cfg.alpha / n_classes,  # each unit sees about 1/n_classes of the pairs
        max_iter=max(cfg.min_epochs, min(cfg.epochs, cfg.visit_budget // len(target))),
        tol=None,
        random_state=cfg.seed,
    )
    model.fit(design, target)
    coef = model.coef_.ravel()
    return coef[: centroids.nnz], coef[centroids.nnz :] + model.intercept_[0]


def _pairs(
    vectors: sp.csr_matrix, labels: np.ndarray, centroids: sp.csr_matrix, cfg: MatcherConfig
) -> tuple[np.ndarray, np.ndarray]:
    """(example, unit) training pairs: each example with its own unit and negatives.

    With few units every other unit is a negative (plain one-vs-rest). Otherwise an example
    meets the units most similar to it (hard negatives) and random ones, so that every unit
    also sees unrelated questions; with very many examples, fewer of each.
    """
    n_examples, n_classes = len(labels), centroids.shape[0]
    share = min(1.0, cfg.pair_budget / (n_examples * (cfg.hard_negatives + cfg.random_negatives)))
    n_hard = max(1, round(cfg.hard_negatives * share))
    n_random = max(1, round(cfg.random_negatives * share))
    if n_hard + n_random >= n_classes - 1:
        rows = np.repeat(np.arange(n_examples), n_classes)
        return rows, np.tile(np.arange(n_classes), n_examples)
    rng = np.random.default_rng(cfg.seed)
    picked = rng.integers(0, n_classes - 1, size=(n_examples, n_random))
    picked += picked >= labels[:, None]  # skip the example's own unit
    if n_examples * n_classes > cfg.example_negatives_up_to:  # per unit: cheaper
        cut = pruned(centroids, cfg)
        hard = _most_similar(cut, np.arange(n_classes), cut, n_hard, cfg.seed)[labels]
    else:
        hard = _most_similar(vectors, labels, pruned(centroids, cfg), n_hard, cfg.seed)
    keys = np.unique(
        np.concatenate(
            [
                np.arange(n_examples) * n_classes + labels,
                (np.arange(n_examples)[:, None] * n_classes + np.hstack([hard, picked])).ravel(),
            ]
        )
    )
    return keys // n_classes, keys % n_classes


def pruned(centroids: sp.csr_matrix, cfg: MatcherConfig) -> sp.csr_matrix:
    """Centroids cut to their strongest features when there are very many units."""
    if centroids.shape[0] > cfg.prune_above:
        return _prune_rows(centroids, cfg.prune)
    return centroids


def _prune_rows(matrix: sp.csr_matrix, keep: int) -> sp.csr_matrix:
    """Keep the `keep` largest entries of each row (short, discriminative postings)."""
    counts = np.diff(matrix.indptr)
    rows = np.repeat(np.arange(matrix.shape[0]), counts)
    scaled = matrix.data / (float(matrix.data.max(initial=0.0)) * 1.001 + 1e-12)
    order = np.argsort(rows + (1.0 - scaled))  # by row, then largest first
    rank = np.arange(len(order)) - np.repeat(matrix.indptr[:-1], counts)
    chosen = np.sort(order[rank < keep])
    return sp.csr_matrix(
        (matrix.data[chosen], (rows[chosen], matrix.indices[chosen])), shape=matrix.shape
    )


def _most_similar(
    vectors: sp.csr_matrix, labels: np.ndarray, centroids: sp.csr_matrix, count: int, seed: int
) -> np.ndarray:
    """For each row, the `count` units other than its own whose centroids it is closest to."""
    n_classes = centroids.shape[0]
    rng = np.random.default_rng(seed)
    centroids_t = centroids.T.tocsr()
    out = np.empty((len(labels), count), dtype=np.int64)
    step = max(1, 4_000_000 // n_classes)
    for start in range(0, len(labels), step):
        stop = min(start + step, len(labels))
        sims = (vectors[start:stop] @ centroids_t).toarray()
        sims += rng.random(sims.shape, dtype=np.float32) * 1e-4  # random among ties
        sims[np.arange(stop - start), labels[start:stop]] = -np.inf
        out[start:stop] = np.argpartition(-sims, count - 1, axis=1)[:, :count]
    return out


def _pair_design(
    vectors: sp.csr_matrix, rows: np.ndarray, units: np.ndarray, support: sp.csr_matrix
) -> sp.csr_matrix:
    """Design matrix of (example, unit) pairs sorted by unit.

    Columns: every unit's weights on its own vocabulary (the postings of `support`, in order),
    then one bias column per unit. A pair keeps the example's values on its unit's vocabulary
    only. Built a slice of whole units at a time to bound memory.
    """
    n_classes = support.shape[0]
    lookup = np.full(vectors.shape[1], -1, dtype=np.int64)
    bounds = np.searchsorted(units, np.arange(n_classes + 1))
    per_slice = _SLICE_NNZ // max(1, vectors.nnz // max(1, vectors.shape[0]))
    matrix = _PairMatrix(vectors, rows, n_columns=support.nnz + n_classes)
    unit = 0
    while unit < n_classes:
        last = int(np.searchsorted(bounds, bounds[unit] + per_slice, "right")) - 1
        last = min(max(last, unit + 1), n_classes)
        lo, hi = bounds[unit], bounds[last]
        gathered = vectors[rows[lo:hi]]
        cols = np.empty(gathered.nnz, dtype=np.int64)
        for k in range(unit, last):
            own = support.indices[support.indptr[k] : support.indptr[k + 1]]
            a, b = gathered.indptr[bounds[k] - lo], gathered.indptr[bounds[k + 1] - lo]
            lookup[own] = np.arange(support.indptr[k], support.indptr[k + 1])
            cols[a:b] = lookup[gathered.indices[a:b]]
            lookup[own] = -1
        kept = cols >= 0
        pair_of = np.repeat(np.arange(hi - lo), np.diff(gathered.indptr))[kept]
        per_pair = np.bincount(pair_of, minlength=hi - lo) + 1  # + the bias entry
        out_cols, out_data = matrix.append(per_pair)
        place = np.arange(len(pair_of)) + pair_of  # each earlier pair added one bias entry
        out_cols[place] = cols[kept]
        out_data[place] = gathered.data[kept]
        out_cols[np.cumsum(per_pair) - 1] = support.nnz + units[lo:hi]
        unit = last
    return matrix.done()


class _PairMatrix:
    """The pairs' CSR arrays, filled slice by slice in place: allocated once at their largest
    possible size (every value of each pair's example, plus its bias) of which only the part
    written is ever resident, so that no slice is kept twice (a list of slices concatenated at
    the end held the matrix three times over: 5.3 GB at 40,000 units, issue 22)."""

    def __init__(self, vectors: sp.csr_matrix, rows: np.ndarray, *, n_columns: int) -> None:
        bound = int(np.diff(vectors.indptr)[rows].sum()) + len(rows)
        wide = max(bound, n_columns, len(rows)) >= np.iinfo(np.int32).max
        index = np.int64 if wide else np.int32  # what scipy would pick for these sizes
        self.shape = (len(rows), n_columns)
        self.data = np.empty(bound, dtype=np.float32)  # untouched pages cost nothing
        self.indices = np.empty(bound, dtype=index)
        self.indptr = np.zeros(len(rows) + 1, dtype=index)
        self.pairs = 0  # rows written so far
        self.nnz = 0

    def append(self, per_pair: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Room for the next pairs, of `per_pair` entries each: (columns, values) to fill;
        values are 1 (the bias entry's) until written."""
        stop = self.pairs + len(per_pair)
        self.indptr[self.pairs + 1 : stop + 1] = self.nnz + np.cumsum(per_pair)
        start, self.pairs, self.nnz = self.nnz, stop, int(self.indptr[stop])
        self.data[start : self.nnz] = 1.0
        return self.indices[start : self.nnz], self.data[start : self.nnz]

    def done(self) -> sp.csr_matrix:
        """The matrix, on the arrays filled (views: nothing copied)."""
        return sp.csr_matrix(
            (self.data[: self.nnz], self.indices[: self.nnz], self.indptr), shape=self.shape
        )
