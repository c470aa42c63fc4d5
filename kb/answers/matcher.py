"""Intent matcher: which published unit a customer's question is about, and how sure we are.

One matcher per locale is trained from every published unit's `questions` and title when a
release is published: seconds (about 15 s at 10,000 units x 11 examples on two cores), and
nothing to retrain by hand when a wording changes. A question takes about 1 ms with a few
hundred units and p99 about 13 ms at 10,000 (benchmarks/results/matcher_tuning.md).

How a question is matched:

1. Text is case-folded and cut at 500 characters, then becomes one TF-IDF vector of word
   1-2-grams and character 2-4-grams of each word (sublinear tf, L2-normalised). Character
   n-grams carry word forms, typos and Cyrillic endings without a stemmer.
2. A linear model (the learned part) keeps one sparse weight vector per unit, on that unit's
   own vocabulary. It is trained as one binary problem over (example, unit) pairs: every
   example with its own unit, the units most similar to it (hard negatives) and random ones.
   With few units that is plain one-vs-rest; with many it keeps training linear in the
   number of examples and the model as small as the units' vocabularies.
3. The linear scores and the similarity to each unit's centroid (a lexical search score)
   pick up to 20 candidate units. For each candidate six signals are measured: linear score,
   its lead over the best other unit, cosine to the unit's nearest example, rapidfuzz
   token-set ratio to that example, centroid cosine, and how many examples the unit has
   (signals weigh differently for a unit with 5 examples and one with 100).
4. A fixed linear ranking of those signals (and their products with the unit-size signal)
   orders the candidates; a logistic function of the ranking score and its lead over the
   runner-up is the confidence: the probability that the unit is right (in traffic where a
   fifth of the questions have no unit), comparable across questions and knowledge bases.
   Both were fitted once, by `benchmarks/matcher_tuning.py`, on cross-validated candidates
   of five public data sets (full, and 10 examples per intent).
5. `Thresholds` turn the ranking into `answered`, `clarify` or `no_answer`. The defaults
   (answer 0.5, clarify 0.55, margin 0.35) come from `benchmarks/threshold_sweep.py` on the
   development files of CLINC150 and BANKING77-OOS: on CLINC150 val they answer 85.2% of
   in-scope questions right and 2.2% wrong, offer a choice for 5.8%, and refuse 85.0% of the
   out-of-scope ones. The utility grid of `benchmarks/matcher_tuning.py` preferred answering
   only from 0.8, which sent a fifth of the in-scope questions (and, in a small knowledge
   base, most paraphrases) to a clarification; the clarify threshold alone decides the
   out-of-scope recall, and 0.55 keeps it. The margin costs 0.2 points of right answers up
   to 0.35; there it makes two near-identical units (one answer written twice) offer both.
   Figures: `benchmarks/results/threshold_sweep.md`.

Only this module imports scikit-learn. A saved matcher is a pickle: load only your own files.
"""

from __future__ import annotations

import math
import pickle
import random
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from rapidfuzz import fuzz
from sklearn.linear_model import SGDClassifier
from sklearn.preprocessing import normalize

__all__ = [
    "MAX_QUESTION_CHARS",
    "Candidate",
    "Confusion",
    "Example",
    "IntentMatcher",
    "MatchResult",
    "MatcherConfig",
    "SelfReport",
    "Status",
    "Thresholds",
    "normalize_text",
    "regressions",
    "self_evaluation",
]

MAX_QUESTION_CHARS = 500
_FORMAT = 1
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
_SIGNALS = ("linear", "lead", "cosine", "fuzz", "centroid", "size")
_LINEAR_RANGE = 2.0
#: Up to this many postings a question's scores are gathered in numpy, above it the sparse
#: product is faster (measured with 80-feature questions: 0.05 vs 0.21 ms at 400 postings,
#: 0.31 vs 0.67 ms at 31,000, 2.2 vs 1.6 ms at 242,000).
_GATHER_POSTINGS = 100_000
#: Example vectors with up to this many non-zeros are multiplied whole rather than row-picked
#: (scipy's fancy indexing costs more than a small product).
_WHOLE_PRODUCT_NNZ = 200_000
#: Distinct words whose n-grams a matcher remembers between questions.
_WORD_CACHE = 50_000
# Cosine, fuzz and centroid similarity of a typical runner-up: what a lone unit must beat.
_RIVAL = (0.3, 0.5, 0.15)
_OFFER_SHARE = 0.25  # a clarification offers the runners-up with this share of the best
#: A changed unit whose linear score on another unit's example comes this close to the
#: example's own unit may take it over (scores are margins of about +-1).
_RISK_GAP = 1.0


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
    """Confidence cut-offs; defaults tuned in benchmarks/matcher_tuning.py (see the module).

    answered: best >= answer and best - second >= margin. clarify: otherwise, when the two
    best together reach `clarify` (one of them is likely right; near-duplicate units split
    the confidence between them); offered are the best and the runners-up with at least a
    quarter of its confidence. no_answer: below that (out of scope: hand over to a person
    with the best unit's routing hint).
    """

    answer: float = 0.5
    clarify: float = 0.55
    margin: float = 0.35


@dataclass(frozen=True)
class MatchResult:
    """The decision and its candidates, best first; for `clarify` the candidates to offer."""

    status: Status
    candidates: tuple[Candidate, ...]


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
    seed: int = 0


def normalize_text(text: str, limit: int = MAX_QUESTION_CHARS) -> str:
    """Case-fold and unify Unicode forms, 'ё' and spacing; cut very long text at a word end."""
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


def _idf(counts: sp.csr_matrix) -> np.ndarray:
    """Smoothed inverse document frequency, as scikit-learn's TfidfVectorizer computes it."""
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return (np.log((1.0 + counts.shape[0]) / (1.0 + df)) + 1.0).astype(np.float32)


def _tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear tf times idf, rows L2-normalised."""
    out = counts.astype(np.float32)
    out.data = (1.0 + np.log(out.data)) * idf[out.indices]
    return normalize(out)


class _Vectorizer:
    """TF-IDF of word 1-2-grams plus character n-grams of each word, weighted, L2-normalised.

    Character n-grams are those of the padded word (" card " -> " c", " ca", "car", ...), so a
    text's are the sum of its words': they are computed once per distinct word, which keeps
    fitting 100,000 questions to about two seconds.
    """

    def __init__(self, config: MatcherConfig) -> None:
        self.scales = (math.sqrt(config.word_weight), math.sqrt(1.0 - config.word_weight))
        self.lengths = range(config.char_ngrams[0], config.char_ngrams[1] + 1)
        self.words: dict[str, int] = {}  # unigram -> id
        self.bigrams = np.zeros(0, dtype=np.int64)  # sorted keys: first * len(words) + second
        self.grams: dict[str, int] = {}  # character n-gram -> id
        self.word_idf = np.zeros(0, dtype=np.float32)  # unigrams, then bigrams
        self.gram_idf = np.zeros(0, dtype=np.float32)

    def _split(self, word: str) -> list[str]:
        padded = f" {word} "
        return [padded[i : i + n] for n in self.lengths for i in range(len(padded) - n + 1)]

    def _grams_of(self, word: str) -> tuple[tuple[int, ...], int]:
        """A word's known n-gram ids and how many of its n-grams are unknown, cached per word
        (questions repeat words; splitting them was a third of answering a question)."""
        cache = self.__dict__.setdefault("_word_grams", {})
        found = cache.get(word)
        if found is None:
            split = self._split(word)
            known = tuple(j for g in split if (j := self.grams.get(g)) is not None)
            found = (known, len(split) - len(known))
            if len(cache) >= _WORD_CACHE:
                cache.clear()
            cache[word] = found
        return found  # type: ignore[no-any-return]

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_word_grams", None)  # derived; rebuilt as questions come
        return state

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Learn vocabularies and idf from normalised `texts`; return their vectors."""
        words = self.words
        docs = [[words.setdefault(w, len(words)) for w in _WORD.findall(t)] for t in texts]
        n_words = len(words)
        lengths = np.array([len(d) for d in docs], dtype=np.int64)
        flat = np.fromiter((w for d in docs for w in d), dtype=np.int64, count=int(lengths.sum()))
        doc_of = np.repeat(np.arange(len(docs)), lengths)
        same_doc = np.ones(len(flat), dtype=bool)  # token i and token i + 1 share a text
        same_doc[np.cumsum(lengths)[lengths > 0] - 1] = False
        first = np.flatnonzero(same_doc)
        keys = flat[first] * n_words + flat[first + 1]
        self.bigrams, bigram_ids = np.unique(keys, return_inverse=True)
        word_counts = sp.csr_matrix(
            (
                np.ones(len(flat) + len(keys), dtype=np.float32),
                (
                    np.concatenate([doc_of, doc_of[first]]),
                    np.concatenate([flat, n_words + bigram_ids.ravel()]),
                ),
            ),
            shape=(len(docs), n_words + len(self.bigrams)),
        )
        word_counts.sum_duplicates()
        gram_rows: list[int] = []
        gram_cols: list[int] = []
        for w, word in enumerate(sorted(words, key=words.__getitem__)):
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
        """Feature indices and values of one normalised text.

        N-grams never seen in training have no feature, but they still count in the norm (with
        the idf of the rarest term), so a question of mostly unknown words is not mistaken for
        its few known ones.
        """
        tokens = _WORD.findall(text)
        ids = [self.words.get(w, -1) for w in tokens]
        word_counts = Counter(i for i in ids if i >= 0)
        unknown_words = len(ids) - sum(word_counts.values()) + max(0, len(ids) - 1)
        if len(self.bigrams) and len(ids) > 1:
            pairs = np.array(ids, dtype=np.int64)
            known = (pairs[:-1] >= 0) & (pairs[1:] >= 0)
            keys = pairs[:-1][known] * len(self.words) + pairs[1:][known]
            at = np.minimum(np.searchsorted(self.bigrams, keys), len(self.bigrams) - 1)
            found = (len(self.words) + at[self.bigrams[at] == keys]).tolist()
            word_counts.update(found)
            unknown_words -= len(found)
        gram_counts: Counter[int] = Counter()
        unknown_grams = 0
        for word in tokens:
            known, unknown = self._grams_of(word)
            gram_counts.update(known)
            unknown_grams += unknown
        indices, values = [], []
        for counts, unknown, idf, scale, offset in (
            (word_counts, unknown_words, self.word_idf, self.scales[0], 0),
            (gram_counts, unknown_grams, self.gram_idf, self.scales[1], len(self.word_idf)),
        ):
            if not counts:
                continue
            idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
            val = tf * idf[idx]
            unseen = unknown * float(idf.max()) ** 2  # each as if seen once, in no example
            indices.append(idx + offset)
            values.append(val * (scale / math.sqrt(float(val @ val) + unseen)))
        if not indices:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        return np.concatenate(indices), np.concatenate(values)


def _expand(signals: np.ndarray) -> np.ndarray:
    """Ranking features: the five match signals, then the same times the unit-size signal."""
    size = signals[:, 5:6]
    return np.hstack([signals[:, :5], signals[:, :5] * size])


@dataclass(frozen=True)
class _Scored:
    """One question's candidate units (class indices) and their signals (see _SIGNALS)."""

    units: np.ndarray
    signals: np.ndarray


class IntentMatcher:
    """A trained matcher for one locale; read-only and thread-safe once built."""

    def __init__(self, locale: str, config: MatcherConfig) -> None:
        self.locale = locale
        self.config = config
        self._classes: list[str] = []
        self._texts: list[str] = []  # normalised examples, grouped by unit
        self._starts = np.zeros(1, dtype=np.int64)  # unit k owns examples starts[k]:starts[k+1]
        self._vectorizer: _Vectorizer | None = None
        self._examples = sp.csr_matrix((0, 0), dtype=np.float32)
        # Feature -> unit postings, shared by the linear weights and the centroids.
        self._post_indptr = np.zeros(1, dtype=np.int64)
        self._post_units = np.zeros(0, dtype=np.int32)
        self._weights = np.zeros(0, dtype=np.float32)
        self._centroid = np.zeros(0, dtype=np.float32)
        self._bias = np.zeros(0, dtype=np.float32)  # per unit

    # ---------------------------------------------------------------- training

    @classmethod
    def train(
        cls, examples: Sequence[Example], *, locale: str, config: MatcherConfig | None = None
    ) -> IntentMatcher:
        """Learn every unit's examples (repeated and empty texts are dropped)."""
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
        """Centroids and the linear model, both on each unit's own vocabulary."""
        n_classes = len(self._classes)
        membership = sp.csr_matrix(
            (np.ones(len(labels), dtype=np.float32), (labels, np.arange(len(labels)))),
            shape=(n_classes, len(labels)),
        )
        sums = (membership @ vectors).tocsr()
        sums.sum_duplicates()
        sums.sort_indices()
        centroids = normalize(sums).astype(np.float32)
        if n_classes == 1:  # nothing to contrast: centroid similarity, scaled to about -1..1
            typical = float((vectors @ centroids.T).toarray().mean()) or 1.0
            weights, bias = centroids.data * (2.0 / typical), np.array([-1.0])
        else:
            weights, bias = self._linear_model(vectors, labels, centroids)
        # Transpose to feature -> unit postings; `data` carries each posting's old position.
        moved = sp.csr_matrix(
            (
                np.arange(1, centroids.nnz + 1, dtype=np.float64),
                centroids.indices,
                centroids.indptr,
            ),
            shape=centroids.shape,
        ).T.tocsr()
        perm = moved.data.astype(np.int64) - 1
        self._post_indptr = moved.indptr.astype(np.int64)
        self._post_units = moved.indices.astype(np.int32)
        self._weights = np.asarray(weights, dtype=np.float32)[perm]
        self._centroid = centroids.data[perm]
        self._bias = np.asarray(bias, dtype=np.float32)

    def _linear_model(
        self, vectors: sp.csr_matrix, labels: np.ndarray, centroids: sp.csr_matrix
    ) -> tuple[np.ndarray, np.ndarray]:
        """Weights aligned with `centroids.data` and one bias per unit, from one binary SGD."""
        cfg = self.config
        n_classes = centroids.shape[0]
        rows, units = self._pairs(vectors, labels, centroids)
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
        self, vectors: sp.csr_matrix, labels: np.ndarray, centroids: sp.csr_matrix
    ) -> tuple[np.ndarray, np.ndarray]:
        """(example, unit) training pairs: each example with its own unit and negatives.

        With few units every other unit is a negative (plain one-vs-rest). Otherwise an example
        meets the units most similar to it (hard negatives) and random ones, so that every unit
        also sees unrelated questions; with very many examples, fewer of each.
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
        if n_examples * n_classes > cfg.example_negatives_up_to:  # per unit: cheaper
            pruned = self._pruned(centroids)
            hard = _most_similar(pruned, np.arange(n_classes), pruned, n_hard, cfg.seed)[labels]
        else:
            hard = _most_similar(vectors, labels, self._pruned(centroids), n_hard, cfg.seed)
        keys = np.unique(
            np.concatenate(
                [
                    np.arange(n_examples) * n_classes + labels,
                    (
                        np.arange(n_examples)[:, None] * n_classes + np.hstack([hard, picked])
                    ).ravel(),
                ]
            )
        )
        return keys // n_classes, keys % n_classes

    # ---------------------------------------------------------------- what a change touches

    def example_texts(self) -> dict[str, frozenset[str]]:
        """Each unit's normalised example questions, as this matcher learnt them."""
        return {
            unit: frozenset(self._texts[self._starts[k] : self._starts[k + 1]])
            for k, unit in enumerate(self._classes)
        }

    def at_risk(self, changed: Collection[str], limit: int) -> tuple[list[Example], int]:
        """Training examples that a change to the `changed` units may have rerouted.

        Those are every example of a changed unit (weakest own score first), then every other
        example on which a changed unit's linear score comes within `_RISK_GAP` of its own
        unit's, riskiest first. Both scores are sparse dot products with the training vectors,
        a fraction of the cost of ranking every example; rivals are looked for only while the
        changed units' own examples leave room under `limit`. Returns at most `limit` examples
        and how many more were found at risk.
        """
        index = {unit: k for k, unit in enumerate(self._classes)}
        picked = np.array(sorted(index[u] for u in changed if u in index), dtype=np.int64)
        if not len(picked) or self._examples.shape[0] == 0:
            return [], 0
        labels = np.repeat(np.arange(len(self._classes)), np.diff(self._starts))
        by_unit = self._postings(self._weights).T.tocsr()
        own = self._own_scores(by_unit, labels)
        mine = np.flatnonzero(np.isin(labels, picked))
        rows = mine[np.argsort(own[mine], kind="stable")]
        if len(rows) < limit:
            others = np.setdiff1d(np.arange(len(labels)), mine)
            gap = self._rival_scores(by_unit, picked, others) - own[others]
            close = np.flatnonzero(gap > -_RISK_GAP)
            rows = np.concatenate([rows, others[close[np.argsort(-gap[close], kind="stable")]]])
        chosen = [Example(self._classes[labels[i]], self._texts[i]) for i in rows[:limit]]
        return chosen, max(0, len(rows) - limit)

    def _own_scores(self, by_unit: sp.csr_matrix, labels: np.ndarray) -> np.ndarray:
        """Each training example's linear score for its own unit."""
        own = np.empty(len(labels), dtype=np.float64)
        step = 4096
        for start in range(0, len(labels), step):
            rows = slice(start, start + step)
            own[rows] = np.asarray(
                self._examples[rows].multiply(by_unit[labels[rows]]).sum(axis=1)
            ).ravel()
        return np.clip(own + self._bias[labels], -_LINEAR_RANGE, _LINEAR_RANGE)

    def _rival_scores(
        self, by_unit: sp.csr_matrix, units: np.ndarray, rows: np.ndarray
    ) -> np.ndarray:
        """For each example in `rows` (none of them of `units`), its best score among `units`,
        computed a slice of units at a time so that memory stays bounded."""
        best = np.full(len(rows), -np.inf)
        vectors = self._examples[rows]
        step = max(1, 4_000_000 // max(1, len(rows)))
        for start in range(0, len(units), step):
            part = units[start : start + step]
            scores = (vectors @ by_unit[part].T).toarray() + self._bias[part]
            np.maximum(best, scores.max(axis=1), out=best)
        return np.clip(best, -_LINEAR_RANGE, _LINEAR_RANGE)

    def _pruned(self, centroids: sp.csr_matrix) -> sp.csr_matrix:
        """Centroids cut to their strongest features when there are very many units."""
        if centroids.shape[0] > self.config.prune_above:
            return _prune_rows(centroids, self.config.prune)
        return centroids

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
        confidence = self._confidence(scored.signals)
        order = np.argsort(-confidence, kind="stable")[:limit]
        return [
            Candidate(self._classes[int(scored.units[i])], round(float(confidence[i]), 4))
            for i in order
        ]

    def match(
        self, question: str, *, thresholds: Thresholds | None = None, limit: int = 3
    ) -> MatchResult:
        """Answer, ask which of a few close units was meant, or admit not knowing."""
        ranked = self.rank(question, limit=max(limit, 2))
        return _decide(ranked, thresholds or Thresholds(), limit)

    def _confidence(self, signals: np.ndarray) -> np.ndarray:
        """Probability that each candidate is the right unit (order = ranking order)."""
        weights = np.asarray(self.config.ranking)
        score = _expand(signals) @ weights
        if len(score) > 1:
            second, first = np.partition(score, len(score) - 2)[-2:]
            lead = score - np.where(score >= first, second, first)
        else:  # a sole unit is compared with a typical runner-up (_RIVAL)
            rival = np.array([[-1.0, -1.0 - signals[0, 0], *_RIVAL, signals[0, 5]]])
            lead = score - _expand(rival) @ weights
        a, b, c = self.config.confidence
        return _sigmoid(a * score + b * lead + c)

    def _score(self, text: str) -> _Scored | None:
        """Candidates and their signals for a normalised question, or None if nothing overlaps."""
        if not text or self._vectorizer is None:
            return None
        idx, val = self._vectorizer.vector(text)
        if len(idx) == 0:
            return None
        n_classes = len(self._classes)
        both = self._products(idx, val)
        linear = both[:n_classes] + self._bias
        centroid = both[n_classes:]
        # Trained margins are about +-1; beyond +-2 the score says nothing more (and small
        # training sets can leave it far out there, where the ranking was never fitted).
        np.clip(linear, -_LINEAR_RANGE, _LINEAR_RANGE, out=linear)
        if n_classes > 1:
            second, first = np.partition(linear, n_classes - 2)[-2:]
            lead = linear - np.where(linear >= first, second, first)
        else:
            lead = linear + 1.0
        size = np.minimum(1.0, np.log1p(np.diff(self._starts)) / math.log(101.0))
        count = min(self.config.candidates, n_classes)
        if count < n_classes:  # the ranking without the two per-example signals
            cheap = np.column_stack([linear, lead, 0 * linear, 0 * linear, centroid, size])
            units = np.argpartition(-(_expand(cheap) @ np.asarray(self.config.ranking)), count - 1)[
                :count
            ]
        else:
            units = np.arange(n_classes)
        cosine, nearest = self._nearest(idx, val, units)
        fuzzy = np.array([fuzz.token_set_ratio(text, self._texts[i]) for i in nearest]) / 100.0
        signals = np.column_stack(
            [linear[units], lead[units], cosine, fuzzy, centroid[units], size[units]]
        )
        return _Scored(units=units, signals=signals)

    def _scorer(self) -> sp.csr_matrix:
        """The postings as one feature x (weights of every unit, then centroids) matrix.

        A question's linear and centroid scores for every unit are then a single sparse
        product, computed in C: about three times faster than gathering the postings in numpy
        at 10,000 units. Derived from the postings, built on first use and never saved.
        """
        scorer = self.__dict__.get("_scorer_matrix")
        if scorer is None:
            parts = [self._postings(values) for values in (self._weights, self._centroid)]
            scorer = sp.hstack(parts, format="csr", dtype=np.float32)
            self.__dict__["_scorer_matrix"] = scorer
        return scorer

    def _products(self, idx: np.ndarray, val: np.ndarray) -> np.ndarray:
        """The question's linear scores for every unit, then its centroid scores.

        Few postings (most questions, and every small knowledge base) are gathered in numpy:
        building scipy matrices for one question costs more than the arithmetic. Many
        postings go through the sparse product, which is faster from about 100,000.
        """
        scorer = self._scorer()
        starts, stops = scorer.indptr[idx], scorer.indptr[idx + 1]
        if int((stops - starts).sum()) <= _GATHER_POSTINGS:
            rows = _ranges(starts, stops)
            weights = scorer.data[rows] * np.repeat(val.astype(np.float32), stops - starts)
            return np.bincount(scorer.indices[rows], weights=weights, minlength=scorer.shape[1])
        question = sp.csr_matrix(
            (val.astype(np.float32), idx, np.array([0, len(idx)])), shape=(1, scorer.shape[0])
        )
        return (question @ scorer).toarray().ravel().astype(np.float64)

    def _postings(self, values: np.ndarray) -> sp.csr_matrix:
        """A feature x unit matrix holding `values`, one per posting."""
        shape = (len(self._post_indptr) - 1, len(self._classes))
        return sp.csr_matrix((values, self._post_units, self._post_indptr), shape=shape)

    def _nearest(
        self, idx: np.ndarray, val: np.ndarray, units: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """For each unit, the cosine to its closest example and that example's index."""
        dense = np.zeros(self._examples.shape[1], dtype=np.float32)
        dense[idx] = val
        starts, stops = self._starts[units], self._starts[units + 1]
        rows = _ranges(starts, stops)
        if self._examples.nnz <= _WHOLE_PRODUCT_NNZ:  # cheaper than picking the rows out
            sims = (self._examples @ dense)[rows]
        else:
            sims = self._examples[rows] @ dense
        sizes = stops - starts
        best = np.maximum.reduceat(sims, np.cumsum(sizes) - sizes)
        segment = np.repeat(np.arange(len(units)), sizes)
        top = np.flatnonzero(sims >= best[segment])
        _, first = np.unique(segment[top], return_index=True)
        return best.astype(np.float64), rows[top[first]]

    # ---------------------------------------------------------------- persistence

    def __getstate__(self) -> dict:
        # The example vectors and the vectorizer are stored too (about as large as the rest):
        # refitting them on load took 3 s at 10,000 units, and a process switching to a new
        # release must be quick. The scorer is derived from the postings on first use.
        state = dict(self.__dict__)
        state.pop("_scorer_matrix", None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if self._vectorizer is None and self._texts:  # a file saved without them: refit
            self._vectorizer = _Vectorizer(self.config)
            self._examples = self._vectorizer.fit_transform(self._texts)

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
    per_slice = 4_000_000 // max(1, vectors.nnz // max(1, vectors.shape[0]))
    data, indices, lengths = [], [], []
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
        out_cols = np.empty(int(per_pair.sum()), dtype=np.int64)
        out_data = np.ones(len(out_cols), dtype=np.float32)
        place = np.arange(len(pair_of)) + pair_of  # each earlier pair added one bias entry
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


def _decide(ranked: Sequence[Candidate], thresholds: Thresholds, limit: int) -> MatchResult:
    """Apply `thresholds` to a ranking (best first); see `Thresholds`."""
    best = ranked[0].confidence if ranked else 0.0
    second = ranked[1].confidence if len(ranked) > 1 else 0.0
    if best >= thresholds.answer and best - second >= thresholds.margin:
        return MatchResult(Status.ANSWERED, tuple(ranked[:limit]))
    if not ranked or best + second < thresholds.clarify:
        return MatchResult(Status.NO_ANSWER, tuple(ranked[:limit]))
    offered = [c for c in ranked[:limit] if c.confidence >= _OFFER_SHARE * best]
    return MatchResult(Status.CLARIFY, tuple(offered))


# -------------------------------------------------------------------- quality reports


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
) -> SelfReport:
    """Hold each example out once (k folds within each unit) and see where its question goes."""
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
        matcher = IntentMatcher.train(train, locale=locale, config=config)
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
