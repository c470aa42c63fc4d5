"""Intent matcher: which published unit a customer's question is about, and how sure we are.

One matcher per locale is trained from every published unit's `questions` and title when a
release is published (seconds, even at 10,000 units x 10 questions), and answers in a few ms.

How it works:
- Text becomes one TF-IDF vector of word 1-2-grams and character 2-4-grams (sublinear tf,
  L2-normalised); character n-grams carry word forms, typos and Cyrillic endings without a
  stemmer.
- A linear model with one sparse weight vector per unit is trained as a binary problem over
  (example, unit) pairs: the example's own unit and its most similar other units (hard
  negatives). That is one-vs-rest over the confusable units only, so training cost grows with
  examples x negatives, not examples x units, and the weights stay as sparse as the units'
  own vocabulary.
- For a question, the linear scores plus the centroid similarity (a lexical search score)
  pick a few candidate units; for each one a confidence in 0..1 mixes the linear score, its
  lead over the best other unit, the cosine to the unit's nearest training example and the
  rapidfuzz token-set similarity to that example. The mixing weights are a logistic
  regression fitted once on cross-validated candidates of the public data sets (see
  `benchmarks/matcher_tuning.py`), so a confidence means "probability the unit is right"
  and is comparable across questions and knowledge bases.
- `Thresholds` turn the ranking into `answered`, `clarify` or `no_answer`; the defaults come
  from the same benchmark (the choice is written down in
  `benchmarks/results/matcher_tuning.md`).

Only this module imports scikit-learn.
"""

from __future__ import annotations

import math
import pickle
import random
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from rapidfuzz import fuzz
from sklearn.linear_model import SGDClassifier
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

__all__ = [
    "Candidate",
    "Confusion",
    "Example",
    "IntentMatcher",
    "MatchResult",
    "MatcherConfig",
    "SelfReport",
    "Status",
    "Thresholds",
    "regressions",
    "self_evaluation",
]

MAX_QUESTION_CHARS = 500
_FORMAT = 1
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Example:
    """One training sentence for a unit: a `questions` entry or the title."""

    unit_id: str
    text: str


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
    """Confidence cut-offs between answered, clarify and no_answer (defaults: see the module)."""

    answer: float = 0.5
    clarify: float = 0.2
    margin: float = 0.15


@dataclass(frozen=True)
class MatchResult:
    """The decision and its candidates, best first; for `clarify` the candidates to offer."""

    status: Status
    candidates: tuple[Candidate, ...]

    @property
    def best(self) -> Candidate | None:
        """The top candidate, if any (its unit's `routing` hint guides a hand-over)."""
        return self.candidates[0] if self.candidates else None


@dataclass(frozen=True)
class MatcherConfig:
    """Model settings; the defaults are the ones chosen in `benchmarks/matcher_tuning.py`."""

    word_weight: float = 0.5  # share of word n-grams in the vector; the rest is characters
    char_ngrams: tuple[int, int] = (2, 4)
    hard_negatives: int = 10  # most similar other units paired with each training example
    random_negatives: int = 10  # and random other units (all others when these cover them)
    prune: int = 64  # per-unit features kept when looking for hard negatives among many units
    prune_above: int = 2000  # units
    example_negatives_up_to: int = 50_000_000  # examples x units; above, negatives per unit
    pair_budget: int = 500_000  # above this many pairs, fewer negatives per example
    alpha: float = 3e-4  # L2 regularisation of each unit's weights (as in one-vs-rest)
    epochs: int = 25
    min_epochs: int = 5
    visit_budget: int = 6_000_000  # pair visits; many pairs converge in fewer epochs
    loss: str = "modified_huber"
    positive_weight: float = 1.0  # weight of a positive pair relative to a negative one
    average: bool = False
    solver: str = "sgd"
    c: float = 1.0
    tol: float = 1e-4
    centroid_weight: float = 0.5  # weight of centroid similarity when picking candidates
    candidates: int = 20  # units scored in full per question
    # Logistic mix of (linear score, lead over the best other unit, nearest-example cosine,
    # rapidfuzz token-set ratio / 100) and a bias: fitted by the tuning benchmark.
    calibration: tuple[float, float, float, float, float] = (2.0, 2.0, 4.0, 1.0, -4.0)
    seed: int = 0


def normalize_text(text: str, limit: int = MAX_QUESTION_CHARS) -> str:
    """Case-fold, unify Unicode forms, 'ё' and spacing, and cut very long text at a word end."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    text = _SPACES.sub(" ", text).strip()
    if len(text) > limit:
        cut = text.rfind(" ", 0, limit)
        text = text[: cut if cut > limit // 2 else limit]
    return text


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function, safe for large magnitudes."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _ranges(starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """Concatenation of the integer ranges starts[i]:stops[i], without a Python loop."""
    sizes = stops - starts
    offsets = np.cumsum(sizes) - sizes
    return np.repeat(starts - offsets, sizes) + np.arange(int(sizes.sum()))


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


def _tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear tf times idf, rows L2-normalised, in place on a copy of `counts`."""
    out = counts.astype(np.float32)
    out.data = (1.0 + np.log(out.data)) * idf[out.indices]
    return normalize(out)


def _idf(counts: sp.csr_matrix) -> np.ndarray:
    """Smoothed inverse document frequency, as scikit-learn's TfidfVectorizer computes it."""
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return (np.log((1.0 + counts.shape[0]) / (1.0 + df)) + 1.0).astype(np.float32)


class _Vectorizer:
    """TF-IDF of word 1-2-grams plus character n-grams of each word, weighted, L2-normalised.

    Character n-grams are those of the padded word (" card " -> " ca", "car", ...), so a
    document's are the sum of its words': they are computed once per distinct word, which
    keeps fitting 100,000 questions to about a second.
    """

    def __init__(self, config: MatcherConfig) -> None:
        self.scales = (math.sqrt(config.word_weight), math.sqrt(1.0 - config.word_weight))
        self.lengths = range(config.char_ngrams[0], config.char_ngrams[1] + 1)
        self.words: dict[str, int] = {}  # unigram -> id
        self.bigrams = np.zeros(0, dtype=np.int64)  # sorted keys first * n_words + second
        self.grams: dict[str, int] = {}  # character n-gram -> id
        self.word_idf = np.zeros(0, dtype=np.float32)
        self.gram_idf = np.zeros(0, dtype=np.float32)

    @property
    def size(self) -> int:
        """Number of features: words and bigrams, then character n-grams."""
        return len(self.word_idf) + len(self.gram_idf)

    def _split(self, word: str) -> list[str]:
        padded = f" {word} "
        return [padded[i : i + n] for n in self.lengths for i in range(len(padded) - n + 1)]

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Learn the vocabularies and idf from normalised `texts`; return their vectors."""
        words = self.words
        docs = [[words.setdefault(w, len(words)) for w in _WORD.findall(t)] for t in texts]
        n_words = len(words)
        lengths = np.array([len(d) for d in docs], dtype=np.int64)
        flat = np.fromiter((w for d in docs for w in d), dtype=np.int64, count=int(lengths.sum()))
        doc_of = np.repeat(np.arange(len(docs)), lengths)
        follows = np.ones(len(flat), dtype=bool)  # token i and i + 1 are in the same document
        follows[np.cumsum(lengths)[lengths > 0] - 1] = False
        first = np.flatnonzero(follows[:-1]) if len(flat) else np.zeros(0, dtype=np.int64)
        keys = flat[first] * n_words + flat[first + 1]
        self.bigrams, bigram_ids = np.unique(keys, return_inverse=True)
        n_features = n_words + len(self.bigrams)
        word_counts = sp.csr_matrix(
            (
                np.ones(len(flat) + len(keys), dtype=np.float32),
                (
                    np.concatenate([doc_of, doc_of[first]]),
                    np.concatenate([flat, n_words + bigram_ids.ravel()]),
                ),
            ),
            shape=(len(docs), n_features),
        )
        word_counts.sum_duplicates()
        vocabulary = sorted(words, key=words.__getitem__)
        gram_rows, gram_cols = [], []
        for w, word in enumerate(vocabulary):
            ids = [self.grams.setdefault(g, len(self.grams)) for g in self._split(word)]
            gram_cols += ids
            gram_rows += [w] * len(ids)
        word_grams = sp.csr_matrix(
            (np.ones(len(gram_rows), dtype=np.float32), (gram_rows, gram_cols)),
            shape=(n_words, len(self.grams)),
        )
        gram_counts = (word_counts[:, :n_words] @ word_grams).tocsr()
        self.word_idf, self.gram_idf = _idf(word_counts), _idf(gram_counts)
        blocks = [
            _tfidf(word_counts, self.word_idf) * self.scales[0],
            _tfidf(gram_counts, self.gram_idf) * self.scales[1],
        ]
        return normalize(sp.hstack(blocks, format="csr")).astype(np.float32)

    def vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Feature indices and values of one normalised text; unknown n-grams are ignored."""
        tokens = _WORD.findall(text)
        ids = [self.words.get(w, -1) for w in tokens]
        word_counts = Counter(i for i in ids if i >= 0)
        n_words = len(self.words)
        if len(self.bigrams) and len(ids) > 1:
            pairs = np.array(ids, dtype=np.int64)
            known = (pairs[:-1] >= 0) & (pairs[1:] >= 0)
            keys = pairs[:-1][known] * n_words + pairs[1:][known]
            at = np.minimum(np.searchsorted(self.bigrams, keys), len(self.bigrams) - 1)
            found = at[self.bigrams[at] == keys]
            word_counts.update((n_words + found).tolist())
        grams = self.grams
        gram_counts = Counter(
            j for w in tokens for g in self._split(w) if (j := grams.get(g)) is not None
        )
        indices, values = [], []
        for counts, idf, scale, offset in (
            (word_counts, self.word_idf, self.scales[0], 0),
            (gram_counts, self.gram_idf, self.scales[1], len(self.word_idf)),
        ):
            if not counts:
                continue
            idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
            val = tf * idf[idx]
            indices.append(idx + offset)
            values.append(val * (scale / np.linalg.norm(val)))
        if not indices:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        val = np.concatenate(values)
        return np.concatenate(indices), val / np.linalg.norm(val)


@dataclass(frozen=True)
class _Scored:
    """Per-candidate signals for one question (also what the tuning benchmark calibrates on)."""

    units: np.ndarray  # class indices
    features: np.ndarray  # shape (len(units), 4): linear score, lead, cosine, fuzz


class IntentMatcher:
    """A trained matcher for one locale; read-only and thread-safe once built."""

    def __init__(self, locale: str, config: MatcherConfig) -> None:
        self.locale = locale
        self.config = config
        self._classes: list[str] = []
        self._texts: list[str] = []  # normalised examples, grouped by class
        self._starts = np.zeros(1, dtype=np.int64)  # class k owns examples starts[k]:starts[k+1]
        self._vectorizer: _Vectorizer | None = None
        self._examples = sp.csr_matrix((0, 0), dtype=np.float32)
        # Transposed (feature -> units) postings shared by the linear weights and the centroids.
        self._postings = sp.csr_matrix((0, 0), dtype=np.float32)
        self._weights = np.zeros(0, dtype=np.float32)  # per posting
        self._centroid = np.zeros(0, dtype=np.float32)  # per posting
        self._bias = np.zeros(0, dtype=np.float32)  # per class

    # ---------------------------------------------------------------- training

    @classmethod
    def train(
        cls, examples: Sequence[Example], *, locale: str, config: MatcherConfig | None = None
    ) -> IntentMatcher:
        """Learn every unit's examples (duplicates and empty texts are dropped)."""
        matcher = cls(locale, config or MatcherConfig())
        pairs = sorted({(ex.unit_id, text) for ex in examples if (text := normalize_text(ex.text))})
        if not pairs:
            return matcher
        classes = sorted({unit for unit, _ in pairs})
        index = {unit: k for k, unit in enumerate(classes)}
        labels = np.array([index[unit] for unit, _ in pairs], dtype=np.int64)
        matcher._classes = classes
        matcher._texts = [text for _, text in pairs]
        matcher._starts = np.searchsorted(labels, np.arange(len(classes) + 1)).astype(np.int64)
        matcher._vectorizer = _Vectorizer(matcher.config)
        matcher._examples = matcher._vectorizer.fit_transform(matcher._texts)
        matcher._fit(matcher._examples, labels)
        return matcher

    def _fit(self, vectors: sp.csr_matrix, labels: np.ndarray) -> None:
        """Centroids and the sparse linear model; both live on each unit's own vocabulary."""
        n_classes = len(self._classes)
        membership = sp.csr_matrix(
            (np.ones(len(labels), dtype=np.float32), (labels, np.arange(len(labels)))),
            shape=(n_classes, len(labels)),
        )
        sums = (membership @ vectors).tocsr()
        sums.sum_duplicates()
        sums.sort_indices()
        centroids = normalize(sums).astype(np.float32)
        if n_classes == 1:
            typical = float((vectors @ centroids.T).toarray().mean()) or 1.0
            weights, bias = centroids.data * (2.0 / typical), np.array([-1.0])
        else:
            weights, bias = self._linear_model(vectors, labels, centroids)
        # Transpose once; `data` of the transposed structure is a permutation of postings.
        order = sp.csr_matrix(
            (
                np.arange(1, centroids.nnz + 1, dtype=np.float64),
                centroids.indices,
                centroids.indptr,
            ),
            shape=centroids.shape,
        ).T.tocsr()
        perm = order.data.astype(np.int64) - 1
        self._postings = sp.csr_matrix(
            (np.ones(len(perm), dtype=np.float32), order.indices, order.indptr),
            shape=order.shape,
        )
        self._weights = np.asarray(weights, dtype=np.float32)[perm]
        self._centroid = centroids.data[perm]
        self._bias = np.asarray(bias, dtype=np.float32)

    def _linear_model(
        self, vectors: sp.csr_matrix, labels: np.ndarray, centroids: sp.csr_matrix
    ) -> tuple[np.ndarray, np.ndarray]:
        """One-vs-rest over hard negatives, solved as one binary model on (example, unit) pairs.

        Returns the weights aligned with `centroids.data` (unit k's weights live on unit k's
        own vocabulary) and one bias per unit.
        """
        cfg = self.config
        n_classes = centroids.shape[0]
        rows, units = self._pairs(vectors, labels, centroids)
        target = (units == labels[rows]).astype(np.int8)
        order = np.argsort(units, kind="stable")
        rows, units, target = rows[order], units[order], target[order]
        design = self._pair_design(vectors, rows, units, centroids)
        sample_weight = np.where(target == 1, cfg.positive_weight, 1.0)
        if cfg.solver == "liblinear":
            model = LinearSVC(C=cfg.c, tol=cfg.tol, fit_intercept=False, random_state=cfg.seed)
        else:
            model = SGDClassifier(
                loss=cfg.loss,
                alpha=cfg.alpha / n_classes,
                tol=None,
                max_iter=max(cfg.min_epochs, min(cfg.epochs, cfg.visit_budget // len(target))),
                random_state=cfg.seed,
                average=cfg.average,
            )
        model.fit(design, target, sample_weight=sample_weight)
        coef = model.coef_.ravel()
        bias = coef[centroids.nnz :] + (model.intercept_[0] if cfg.solver != "liblinear" else 0.0)
        return coef[: centroids.nnz], bias

    def _pairs(
        self, vectors: sp.csr_matrix, labels: np.ndarray, centroids: sp.csr_matrix
    ) -> tuple[np.ndarray, np.ndarray]:
        """(example, unit) training pairs: each example with its own unit and its negatives.

        With few units every other unit is a negative (plain one-vs-rest). Otherwise an example
        meets the units most similar to its own (hard negatives) and random ones, so that every
        unit also sees unrelated questions; with very many examples there are fewer of each.
        """
        cfg = self.config
        n_examples, n_classes = len(labels), centroids.shape[0]
        share = min(
            1.0, cfg.pair_budget / (n_examples * (cfg.hard_negatives + cfg.random_negatives))
        )
        n_hard = max(1, round(cfg.hard_negatives * share))
        n_random = max(1, round(cfg.random_negatives * share))
        if n_hard + n_random >= n_classes - 1:
            rows = np.repeat(np.arange(n_examples), n_classes)
            return rows, np.tile(np.arange(n_classes), n_examples)
        rng = np.random.default_rng(cfg.seed)
        picked = rng.integers(0, n_classes - 1, size=(n_examples, n_random))
        picked += picked >= labels[:, None]  # skip the example's own unit
        if n_examples * n_classes > cfg.example_negatives_up_to:
            similar = self._hard_negatives(centroids, np.arange(n_classes), centroids, n_hard)
            hard = similar[labels]
        else:
            hard = self._hard_negatives(vectors, labels, centroids, n_hard)
        picked = np.hstack([hard, picked])
        keys = np.unique(
            np.concatenate(
                [
                    np.arange(n_examples) * n_classes + labels,
                    (np.arange(n_examples)[:, None] * n_classes + picked).ravel(),
                ]
            )
        )
        return keys // n_classes, keys % n_classes

    def _hard_negatives(
        self, vectors: sp.csr_matrix, labels: np.ndarray, centroids: sp.csr_matrix, count: int
    ) -> np.ndarray:
        """For each row, the `count` other units whose centroids it is most similar to."""
        n_classes = centroids.shape[0]
        if self.config.prune and n_classes > self.config.prune_above:
            centroids = _prune_rows(centroids, self.config.prune)
            if vectors.shape[0] == n_classes:  # units against units: prune both sides
                vectors = centroids
        rng = np.random.default_rng(self.config.seed)
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

    @staticmethod
    def _pair_design(
        vectors: sp.csr_matrix, rows: np.ndarray, units: np.ndarray, support: sp.csr_matrix
    ) -> sp.csr_matrix:
        """Design matrix of (example, unit) pairs, sorted by unit.

        Columns are every unit's weights on its own vocabulary (the postings of `support`, in
        order) followed by one bias column per unit; a pair keeps the example's values on its
        unit's vocabulary only. Built in slices of whole units to bound memory.
        """
        n_classes = support.shape[0]
        lookup = np.full(vectors.shape[1], -1, dtype=np.int64)
        unit_bounds = np.searchsorted(units, np.arange(n_classes + 1))
        budget = 4_000_000 // max(1, vectors.nnz // max(1, vectors.shape[0]))  # pairs per slice
        data, indices, lengths = [], [], []
        unit = 0
        while unit < n_classes:
            last = int(np.searchsorted(unit_bounds, unit_bounds[unit] + budget, "right")) - 1
            last = min(max(last, unit + 1), n_classes)
            lo, hi = unit_bounds[unit], unit_bounds[last]
            gathered = vectors[rows[lo:hi]]
            cols = np.empty(gathered.nnz, dtype=np.int64)
            for k in range(unit, last):
                own = support.indices[support.indptr[k] : support.indptr[k + 1]]
                a, b = (
                    gathered.indptr[unit_bounds[k] - lo],
                    gathered.indptr[unit_bounds[k + 1] - lo],
                )
                lookup[own] = np.arange(support.indptr[k], support.indptr[k + 1])
                cols[a:b] = lookup[gathered.indices[a:b]]
                lookup[own] = -1
            kept = cols >= 0
            pair_of = np.repeat(np.arange(hi - lo), np.diff(gathered.indptr))[kept]
            per_pair = np.bincount(pair_of, minlength=hi - lo) + 1  # + the bias entry
            out_cols = np.empty(int(per_pair.sum()), dtype=np.int64)
            out_data = np.ones(len(out_cols), dtype=np.float32)
            place = np.arange(len(pair_of)) + pair_of  # each earlier pair added a bias entry
            out_cols[place] = cols[kept]
            out_data[place] = gathered.data[kept]
            out_cols[np.cumsum(per_pair) - 1] = support.nnz + units[lo:hi]
            data.append(out_data)
            indices.append(out_cols)
            lengths.append(per_pair)
            unit = last
        indptr = np.concatenate([[0], np.cumsum(np.concatenate(lengths))])
        return sp.csr_matrix(
            (np.concatenate(data), np.concatenate(indices), indptr),
            shape=(len(rows), support.nnz + n_classes),
        )

    # ---------------------------------------------------------------- answering

    @property
    def unit_ids(self) -> frozenset[str]:
        """The units this matcher can return."""
        return frozenset(self._classes)

    def rank(self, question: str, limit: int = 5) -> list[Candidate]:
        """The `limit` most likely units for `question`, best first (empty if nothing fits)."""
        scored = self._score(normalize_text(question))
        if scored is None:
            return []
        confidence = self._confidence(scored.features)
        order = np.argsort(-confidence, kind="stable")[:limit]
        return [
            Candidate(self._classes[int(scored.units[i])], round(float(confidence[i]), 4))
            for i in order
        ]

    def match(
        self, question: str, *, thresholds: Thresholds | None = None, limit: int = 3
    ) -> MatchResult:
        """Answer, ask to choose between close candidates, or admit the question is unknown."""
        return decide(self.rank(question, limit=max(limit, 2)), thresholds or Thresholds(), limit)

    def _confidence(self, features: np.ndarray) -> np.ndarray:
        """Logistic mix of the candidate signals: probability the candidate is the right unit."""
        weights = np.asarray(self.config.calibration[:-1], dtype=np.float64)
        return _sigmoid(features @ weights + self.config.calibration[-1])

    def _score(self, text: str) -> _Scored | None:
        """Candidates and their signals for a normalised question, or None if nothing overlaps."""
        if not text or self._vectorizer is None:
            return None
        idx, val = self._vectorizer.vector(text)
        if len(idx) == 0:
            return None
        n_classes = len(self._classes)
        post = self._postings
        at = _ranges(post.indptr[idx], post.indptr[idx + 1])
        units_hit = post.indices[at]
        weight = np.repeat(val, np.diff(post.indptr)[idx])
        linear = np.bincount(units_hit, self._weights[at] * weight, n_classes) + self._bias
        centroid = np.bincount(units_hit, self._centroid[at] * weight, n_classes)
        prefilter = linear + self.config.centroid_weight * centroid
        count = min(self.config.candidates, n_classes)
        if count < n_classes:
            units = np.argpartition(-prefilter, count - 1)[:count]
        else:
            units = np.arange(n_classes)
        lin = linear[units]
        if n_classes > 1:
            second, first = np.partition(linear, n_classes - 2)[-2:]
            lead = lin - np.where(lin >= first, second, first)
        else:
            lead = lin + 1.0
        cosine, nearest = self._nearest(idx, val, units)
        fuzzy = np.array([fuzz.token_set_ratio(text, self._texts[i]) for i in nearest]) / 100.0
        return _Scored(units=units, features=np.column_stack([lin, lead, cosine, fuzzy]))

    def _nearest(
        self, idx: np.ndarray, val: np.ndarray, units: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """For each unit, the cosine to its closest training example and that example's index."""
        dense = np.zeros(self._examples.shape[1], dtype=np.float32)
        dense[idx] = val
        starts, stops = self._starts[units], self._starts[units + 1]
        rows = _ranges(starts, stops)
        sims = self._examples[rows] @ dense
        sizes = stops - starts
        bounds = np.cumsum(sizes) - sizes
        best = np.maximum.reduceat(sims, bounds)
        segment = np.repeat(np.arange(len(units)), sizes)
        hit = np.flatnonzero(sims >= best[segment])
        _, first = np.unique(segment[hit], return_index=True)
        return best.astype(np.float64), rows[hit[first]]

    # ---------------------------------------------------------------- persistence

    def save(self, path: Path) -> None:
        """Write the trained matcher to `path` atomically (a pickle: load only files you wrote)."""
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as handle:
            pickle.dump({"format": _FORMAT, "matcher": self}, handle, pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> IntentMatcher:
        """Read a matcher written by `save` with the same code version."""
        with path.open("rb") as handle:
            payload = pickle.load(handle)  # our own file, written by save()
        if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
            raise ValueError(f"{path} is not a matcher file of format {_FORMAT}")
        matcher = payload["matcher"]
        if not isinstance(matcher, cls):
            raise ValueError(f"{path} does not hold an IntentMatcher")
        return matcher


def decide(ranked: Sequence[Candidate], thresholds: Thresholds, limit: int = 3) -> MatchResult:
    """Apply `thresholds` to a ranking (best first)."""
    if not ranked or ranked[0].confidence < thresholds.clarify:
        return MatchResult(Status.NO_ANSWER, tuple(ranked[:limit]))
    best = ranked[0].confidence
    second = ranked[1].confidence if len(ranked) > 1 else 0.0
    if best >= thresholds.answer and best - second >= thresholds.margin:
        return MatchResult(Status.ANSWERED, tuple(ranked[:limit]))
    offered = tuple(c for c in ranked[:limit] if c.confidence >= thresholds.clarify)
    return MatchResult(Status.CLARIFY, offered)


# -------------------------------------------------------------------- quality reports


@dataclass(frozen=True)
class Confusion:
    """Questions of unit `expected` that went to unit `predicted`, how often, with samples."""

    expected: str
    predicted: str
    count: int
    texts: tuple[str, ...]


@dataclass(frozen=True)
class SelfReport:
    """Cross-validated quality of a set of examples: what `kb publish --dry-run` can show."""

    accuracy: float
    evaluated: int  # examples held out (units with a single example are never held out)
    folds: int
    unit_recall: dict[str, float] = field(default_factory=dict)
    confusions: tuple[Confusion, ...] = ()


def self_evaluation(
    examples: Sequence[Example],
    *,
    locale: str,
    folds: int = 5,
    config: MatcherConfig | None = None,
    top: int = 20,
) -> SelfReport:
    """Hold out each example in turn (k folds per unit) and report where its question goes."""
    by_unit: dict[str, list[Example]] = defaultdict(list)
    for ex in examples:
        if normalize_text(ex.text):
            by_unit[ex.unit_id].append(ex)
    rng = random.Random(0)
    fold_of: list[tuple[Example, int]] = []
    for unit in sorted(by_unit):
        items = list(by_unit[unit])
        rng.shuffle(items)
        start = rng.randrange(folds)
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
        matcher = IntentMatcher.train(
            [ex for ex, f in fold_of if f != fold], locale=locale, config=config
        )
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
    """Training examples whose top-1 is not their own unit, with what they got instead."""
    out: list[tuple[Example, Candidate | None]] = []
    for ex in examples:
        ranked = matcher.rank(ex.text, limit=1)
        if not ranked or ranked[0].unit_id != ex.unit_id:
            out.append((ex, ranked[0] if ranked else None))
    return out
