"""Training the learned part of the matcher: a binary SGD over (example, unit) pairs.

Every unit keeps one sparse weight vector on its own vocabulary. Pairs are each example with
its own unit, the units most similar to it (hard negatives) and random ones: with few units
plain one-vs-rest, with many it keeps training linear in the number of examples. Beyond
`_ONE_SGD_VALUES` the units train in slices, one SGD each, so that one slice's pairs are held
at a time (issue 22).
"""

from __future__ import annotations

import itertools

import numpy as np
import scipy.sparse as sp

from kb.answers.config import MatcherConfig
from kb.answers.features import l2_rows, take_rows

__all__ = ["linear_model", "pruned", "unit_centroids", "unit_slices"]

#: Example values gathered per slice of pairs while building the design matrix (each pair's
#: rows are made whole in one slice; the slice's work takes about 50 bytes a value: 4 M
#: were 0.2 GB of the training process's peak at 40,000 units, issue 22).
_SLICE_NNZ = 1_000_000
#: Pairs' values (each pair's example values and its bias, at most) up to which one SGD trains
#: on all pairs at once (a design matrix of up to about 380 MB); the data sets of `kb eval`
#: have 9-32 M (CLINC150), 10,000 generated units 78 M and 40,000 187 M.
_ONE_SGD_VALUES = 48_000_000
#: Centroid values sorted at once when cutting each to its strongest features.
_PRUNE_VALUES = 1 << 20
#: Example vectors' values summed into centroids at once (a block of whole units).
_CENTROID_VALUES = 4_000_000
#: Beyond that, the pairs' values of each slice of units trained apart (about 130 MB each).
_SLICE_VALUES = 16_000_000


def linear_model(
    vectors: sp.csr_matrix,
    labels: np.ndarray,
    centroids: sp.csr_matrix,
    cfg: MatcherConfig,
) -> tuple[np.ndarray, np.ndarray]:
    """Weights aligned with `centroids.data` and one bias per unit, from one binary SGD, or
    from one per slice of units when the pairs are too many to hold at once."""
    rows, units = _pairs(vectors, labels, centroids, cfg)
    target = (units == labels[rows]).astype(np.int8)
    order = np.argsort(units, kind="stable")
    rows, units, target = rows[order], units[order], target[order]
    epochs = max(cfg.min_epochs, min(cfg.epochs, cfg.visit_budget // len(target)))
    weights = np.empty(centroids.nnz, dtype=np.float32)  # the SGD's own type
    bias = np.empty(centroids.shape[0], dtype=np.float64)
    bounds = np.searchsorted(units, np.arange(centroids.shape[0] + 1))
    for first, last in unit_slices(np.diff(vectors.indptr)[rows] + 1, bounds):
        lo, hi = bounds[first], bounds[last]
        design = _pair_design(vectors, rows[lo:hi], units[lo:hi], centroids, first, last)
        coef, intercept = _sgd(design, target[lo:hi], last - first, epochs, cfg)
        del design
        a, b = centroids.indptr[first], centroids.indptr[last]
        weights[a:b] = coef[: b - a]
        bias[first:last] = coef[b - a :] + intercept
    return weights, bias


def unit_centroids(vectors: sp.csr_matrix, starts: np.ndarray) -> sp.csr_matrix:
    """Each unit's centroid (unit k owns example rows starts[k]:starts[k + 1]): the
    L2-normalised sum of its examples' vectors, a block of units at a time. Each row is its
    own examples' sum, so blocks make the same rows; vectors set aside in a file are read from
    it a block at a time (features.take_rows), never all at once."""
    blocks = []
    unit, n_classes = 0, len(starts) - 1
    while unit < n_classes:
        lo = int(starts[unit])
        end = int(np.searchsorted(vectors.indptr, vectors.indptr[lo] + _CENTROID_VALUES))
        last = int(np.searchsorted(starts, min(end, int(starts[-1])), "right")) - 1
        last = min(max(last, unit + 1), n_classes)
        hi = int(starts[last])
        counts = np.diff(starts[unit : last + 1])
        membership = sp.csr_matrix(
            (
                np.ones(hi - lo, dtype=np.float32),
                (np.repeat(np.arange(last - unit), counts), np.arange(hi - lo)),
            ),
            shape=(last - unit, hi - lo),
        )
        sums = (membership @ take_rows(vectors, np.arange(lo, hi))).tocsr()
        sums.sum_duplicates()
        sums.sort_indices()
        blocks.append(l2_rows(sums, copy=False).astype(np.float32))  # no copy of the sums kept
        del sums
        unit = last
    return sp.vstack(blocks, format="csr") if len(blocks) > 1 else blocks[0]


def unit_slices(values: np.ndarray, bounds: np.ndarray) -> list[tuple[int, int]]:
    """Ranges of units whose pairs train together: all units, while the pairs' design matrix
    has at most `_ONE_SGD_VALUES` values (`values`: each pair's most, `bounds`: unit k's
    pairs are bounds[k]:bounds[k + 1]), else slices of about `_SLICE_VALUES` values each.

    Each unit has its own weight and bias columns, so the slices are independent problems
    but for the learning rate's schedule and the shared intercept: one design matrix of
    1.3 M pairs (1 GB at 40,000 units) was the training process's peak (issue 22)."""
    n_classes = len(bounds) - 1
    ends = np.concatenate([[0], np.cumsum(values)])[bounds]  # values before each unit's pairs
    if ends[-1] <= _ONE_SGD_VALUES:
        return [(0, n_classes)]
    cuts = [0]
    while cuts[-1] < n_classes:
        last = int(np.searchsorted(ends, ends[cuts[-1]] + _SLICE_VALUES, "right")) - 1
        cuts.append(min(max(last, cuts[-1] + 1), n_classes))
    return list(itertools.pairwise(cuts))


def _sgd(
    design: sp.csr_matrix, target: np.ndarray, n_units: int, epochs: int, cfg: MatcherConfig
) -> tuple[np.ndarray, np.float64]:
    """Coefficients and intercept of one binary SGD over the pairs of `n_units` units (the
    intercept a float64 scalar: added to the float32 biases in float64, as before)."""
    from sklearn.linear_model import SGDClassifier  # here: serving processes never train

    model = SGDClassifier(
        loss="modified_huber",
        alpha=cfg.alpha / n_units,  # each unit sees about 1/n_units of the pairs
        max_iter=epochs,
        tol=None,
        random_state=cfg.seed,
    )
    model.fit(design, target)
    return model.coef_.ravel(), np.float64(model.intercept_[0])


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
    """Keep the `keep` largest entries of each row (short, discriminative postings), a block
    of rows at a time: sort keys of every entry at once were 0.5 GB at 40,000 units."""
    chosen, owners = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    start = 0
    while start < matrix.shape[0]:
        stop = int(np.searchsorted(matrix.indptr, matrix.indptr[start] + _PRUNE_VALUES, "right"))
        stop = min(max(stop - 1, start + 1), matrix.shape[0])
        lo, hi = int(matrix.indptr[start]), int(matrix.indptr[stop])
        counts = np.diff(matrix.indptr[start : stop + 1])
        rows = np.repeat(np.arange(start, stop), counts)
        order = np.lexsort((-matrix.data[lo:hi], rows))  # by row, then largest first
        rank = np.arange(hi - lo) - np.repeat(matrix.indptr[start:stop] - lo, counts)
        picked = np.sort(order[rank < keep])
        chosen.append(picked + lo)
        owners.append(rows[picked])
        start = stop
    at, rows = np.concatenate(chosen), np.concatenate(owners)
    return sp.csr_matrix((matrix.data[at], (rows, matrix.indices[at])), shape=matrix.shape)


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
    vectors: sp.csr_matrix,
    rows: np.ndarray,
    units: np.ndarray,
    support: sp.csr_matrix,
    first: int = 0,
    last: int | None = None,
) -> sp.csr_matrix:
    """Design matrix of (example, unit) pairs sorted by unit, units `first` to `last`.

    Columns: every unit's weights on its own vocabulary (the postings of `support`, in order),
    then one bias column per unit. A pair keeps the example's values on its unit's vocabulary
    only. Built a slice of whole units at a time to bound memory.
    """
    last = support.shape[0] if last is None else last
    base, n_weights = support.indptr[first], support.indptr[last] - support.indptr[first]
    lookup = np.full(vectors.shape[1], -1, dtype=np.int64)
    bounds = np.searchsorted(units, np.arange(first, last + 1))
    per_slice = _SLICE_NNZ // max(1, vectors.nnz // max(1, vectors.shape[0]))
    matrix = _PairMatrix(vectors, rows, n_columns=n_weights + last - first)
    unit = 0
    while unit < last - first:
        stop = int(np.searchsorted(bounds, bounds[unit] + per_slice, "right")) - 1
        stop = min(max(stop, unit + 1), last - first)
        lo, hi = bounds[unit], bounds[stop]
        gathered = take_rows(vectors, rows[lo:hi])  # (a set-aside matrix: from its file)
        cols = np.empty(gathered.nnz, dtype=np.int64)
        for k in range(unit, stop):
            a, b = support.indptr[first + k], support.indptr[first + k + 1]
            own = support.indices[a:b]
            lookup[own] = np.arange(a - base, b - base)
            start, end = gathered.indptr[bounds[k] - lo], gathered.indptr[bounds[k + 1] - lo]
            cols[start:end] = lookup[gathered.indices[start:end]]
            lookup[own] = -1
        kept = cols >= 0
        pair_of = np.repeat(np.arange(hi - lo), np.diff(gathered.indptr))[kept]
        per_pair = np.bincount(pair_of, minlength=hi - lo) + 1  # + the bias entry
        out_cols, out_data = matrix.append(per_pair)
        place = np.arange(len(pair_of)) + pair_of  # each earlier pair added one bias entry
        out_cols[place] = cols[kept]
        out_data[place] = gathered.data[kept]
        out_cols[np.cumsum(per_pair) - 1] = n_weights + units[lo:hi] - first
        unit = stop
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
