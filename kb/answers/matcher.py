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
   number of examples and the model as small as the units' vocabularies. Very many pairs
   (tens of thousands of units) train in independent slices of units, to bound memory.
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

Only kb.answers imports scikit-learn. A saved matcher is a pickle: load only your own files.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from rapidfuzz import fuzz

from kb.answers import mapped_pickle
from kb.answers.config import Example, MatcherConfig
from kb.answers.decision import OFFER_SHARE, Candidate, MatchResult, Status, Thresholds, decide
from kb.answers.encoding.base import Encoder, unload
from kb.answers.encoding.cache import EmbeddingCache
from kb.answers.encoding.registry import get_encoder
from kb.answers.features import (
    MAX_QUESTION_CHARS,
    Vectorizer,
    normalize_text,
)
from kb.answers.memory import give_back_memory
from kb.answers.semantic import SemanticExamples
from kb.answers.spill import Spill, ranges
from kb.answers.training import linear_model, unit_centroids
from kb.errors import ConfigError

__all__ = [
    "MAX_QUESTION_CHARS",
    "Candidate",
    "Example",
    "IntentMatcher",
    "MatchResult",
    "MatcherConfig",
    "Status",
    "Thresholds",
    "normalize_text",
]

_FORMAT = 1
_SIGNALS = ("linear", "lead", "cosine", "fuzz", "centroid", "size")
#: With an encoder, two more before the size: nearest example's and centroid's sentence cosine.
_SEMANTIC_SIGNALS = (*_SIGNALS[:-1], "meaning", "meaning_centroid", "size")
_LINEAR_RANGE = 2.0
#: Up to this many postings a question's scores are gathered in numpy, above it the sparse
#: product is faster (measured with 80-feature questions: 0.05 vs 0.21 ms at 400 postings,
#: 0.31 vs 0.67 ms at 31,000, 2.2 vs 1.6 ms at 242,000).
_GATHER_POSTINGS = 100_000
#: Example vectors with up to this many non-zeros are multiplied whole rather than row-picked
#: (scipy's fancy indexing costs more than a small product).
_WHOLE_PRODUCT_NNZ = 200_000
# Cosine, fuzz and centroid similarity of a typical runner-up: what a lone unit must beat;
# with an encoder, also its nearest example's and centroid's sentence cosines.
_RIVAL = (0.3, 0.5, 0.15)
_SEMANTIC_RIVAL = (0.8, 0.75)
_OFFER_SHARE = OFFER_SHARE  # the name benchmarks/matcher_tuning.py reads
#: A changed unit whose linear score on another unit's example comes this close to the
#: example's own unit may take it over (scores are margins of about +-1).
_RISK_GAP = 1.0


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function, safe for large magnitudes."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _expand(signals: np.ndarray) -> np.ndarray:
    """Ranking features: the match signals, then the same times the unit-size signal (last)."""
    size = signals[:, -1:]
    return np.hstack([signals[:, :-1], signals[:, :-1] * size])


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
        self._vectorizer: Vectorizer | None = None
        self._examples = sp.csr_matrix((0, 0), dtype=np.float32)
        # Feature -> unit postings, shared by the linear weights and the centroids.
        self._post_indptr = np.zeros(1, dtype=np.int64)
        self._post_units = np.zeros(0, dtype=np.int32)
        self._weights = np.zeros(0, dtype=np.float32)
        self._centroid = np.zeros(0, dtype=np.float32)
        self._bias = np.zeros(0, dtype=np.float32)  # per unit
        self._semantic: SemanticExamples | None = None  # with an encoder: example vectors

    # ---------------------------------------------------------------- training

    @classmethod
    def train(
        cls,
        examples: Sequence[Example],
        *,
        locale: str,
        config: MatcherConfig | None = None,
        encoder: Encoder | None = None,
        cache: EmbeddingCache | None = None,
        spill: Spill | None = None,
    ) -> IntentMatcher:
        """Learn every unit's examples (repeated and empty texts are dropped); with `encoder`,
        their meaning too (vectors from `cache` where it has them). With `spill` (a release's
        training process), each large array is set aside there as soon as it is final, and
        the encoder's model is let go once the examples are encoded."""
        matcher = cls(locale, config or MatcherConfig())
        cfg = matcher.config
        pairs = sorted({(ex.unit_id, text) for ex in examples if (text := normalize_text(ex.text))})
        if not pairs:
            return matcher
        classes = sorted({unit for unit, _ in pairs})
        index = {unit: k for k, unit in enumerate(classes)}
        labels = np.array([index[unit] for unit, _ in pairs], dtype=np.int64)
        matcher._classes = classes
        matcher._texts = [text for _, text in pairs]
        matcher._starts = np.searchsorted(labels, np.arange(len(classes) + 1)).astype(np.int64)
        del pairs
        if encoder is not None:  # first: new vectors are held until written, and then read
            cache = EmbeddingCache.transient(encoder) if cache is None else cache
            keys = cache.ensure(matcher._texts)  # a block at a time, into int8
            if spill is not None:  # a training process: minutes of work with no model to come
                unload(encoder)
            semantic = SemanticExamples.gathered(
                encoder, lambda lo, hi: cache.read(keys[lo:hi]), matcher._starts, cache.width
            )
            matcher._semantic = semantic if spill is None else semantic.kept(spill)
            matcher.__dict__["_question_encoder"] = encoder  # a loaded copy asks the registry
            del keys, semantic
            give_back_memory()  # encoding's work, freed into the C heap, before the TF-IDF
        matcher._vectorizer = Vectorizer(cfg.word_weight, cfg.char_ngrams)
        matcher._examples = matcher._vectorizer.fit_transform(matcher._texts, spill)
        matcher._fit(labels, spill)
        give_back_memory()  # the pairs' work (and with `spill`, the arrays set aside)
        return matcher

    def _fit(self, labels: np.ndarray, spill: Spill | None) -> None:
        """Centroids and the linear model, both on each unit's own vocabulary; with `spill`
        (where the example vectors already are), the postings are set aside as they are made."""
        vectors = self._examples
        centroids = unit_centroids(vectors, self._starts)
        if len(self._classes) == 1:  # nothing to contrast: centroid similarity, about -1..1
            typical = float((vectors @ centroids.T).toarray().mean()) or 1.0
            weights, bias = centroids.data * (2.0 / typical), np.array([-1.0])
        else:
            weights, bias = linear_model(vectors, labels, centroids, self.config)
        del vectors
        keep = (lambda array: array) if spill is None else spill.keep
        # Transposed to feature -> unit postings: the order a stable sort by feature gives
        # (units ascending within a feature), in no copies of float64 positions.
        perm = np.argsort(centroids.indices, kind="stable")
        per_feature = np.bincount(centroids.indices, minlength=centroids.shape[1])
        self._post_indptr = keep(np.concatenate([[0], np.cumsum(per_feature)]).astype(np.int64))
        owner = np.repeat(np.arange(len(self._classes), dtype=np.int32), np.diff(centroids.indptr))
        self._post_units = keep(owner[perm])
        del owner
        self._weights = keep(np.asarray(weights, dtype=np.float32)[perm])
        del weights
        self._centroid = keep(centroids.data[perm])
        self._bias = np.asarray(bias, dtype=np.float32)

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
        return decide(ranked, thresholds or Thresholds(), limit)

    def _confidence(self, signals: np.ndarray) -> np.ndarray:
        """Probability that each candidate is the right unit (order = ranking order)."""
        semantic = signals.shape[1] == len(_SEMANTIC_SIGNALS)
        cfg = self.config
        weights = np.asarray(cfg.semantic_ranking if semantic else cfg.ranking)
        score = _expand(signals) @ weights
        if len(score) > 1:
            second, first = np.partition(score, len(score) - 2)[-2:]
            lead = score - np.where(score >= first, second, first)
        else:  # a sole unit is compared with a typical runner-up (_RIVAL)
            typical = (*_RIVAL, *_SEMANTIC_RIVAL) if semantic else _RIVAL
            rival = np.array([[-1.0, -1.0 - signals[0, 0], *typical, signals[0, -1]]])
            lead = score - _expand(rival) @ weights
        a, b, c = cfg.semantic_confidence if semantic else cfg.confidence
        return _sigmoid(a * score + b * lead + c)

    def _encoder(self) -> Encoder | None:
        """The encoder that made the examples' vectors, if this process has that very model
        (another version's vectors are not comparable: then the words alone decide)."""
        if self._semantic is None:
            return None
        if "_question_encoder" not in self.__dict__:
            try:
                encoder = get_encoder(self._semantic.encoder)
            except ConfigError:
                encoder = None
            self.__dict__["_question_encoder"] = encoder if self._semantic.fits(encoder) else None
        found: Encoder | None = self.__dict__["_question_encoder"]
        return found

    def _meaning(self, text: str) -> np.ndarray | None:
        """The question's sentence vector, or None without a usable encoder."""
        encoder = self._encoder()
        return None if encoder is None else encoder.encode([text])[0]

    def _score(self, text: str) -> _Scored | None:
        """Candidates and their signals for a normalised question, or None if nothing overlaps."""
        if not text or self._vectorizer is None:
            return None
        idx, val = self._vectorizer.vector(text)
        meaning = self._meaning(text)
        if len(idx) == 0 and meaning is None:
            return None
        n_classes = len(self._classes)
        both = self._products(idx, val) if len(idx) else np.zeros(2 * n_classes)
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
        semantic = self._semantic if meaning is not None else None
        near = semantic.centroid_scores(meaning) if semantic is not None else None
        units = self._candidates(linear, lead, centroid, size, near)
        cosine, nearest = self._nearest(idx, val, units)
        fuzzy = np.array([fuzz.token_set_ratio(text, self._texts[i]) for i in nearest]) / 100.0
        columns = [linear[units], lead[units], cosine, fuzzy, centroid[units]]
        if semantic is not None and near is not None:
            starts, stops = self._starts[units], self._starts[units + 1]
            rows = ranges(starts, stops)
            columns.append(semantic.nearest(meaning, rows, stops - starts))
            columns.append(near[units].astype(np.float64))
        signals = np.column_stack([*columns, size[units]])
        return _Scored(units=units, signals=signals)

    def _candidates(
        self,
        linear: np.ndarray,
        lead: np.ndarray,
        centroid: np.ndarray,
        size: np.ndarray,
        near: np.ndarray | None,
    ) -> np.ndarray:
        """The units whose signals are measured in full: the best by the ranking without the
        two per-example signals and, with an encoder, the nearest centroids in meaning (`near`:
        the question's cosine to each)."""
        n_classes = len(self._classes)
        count = min(self.config.candidates, n_classes)
        if count == n_classes:
            return np.arange(n_classes)
        cheap = np.column_stack([linear, lead, 0 * linear, 0 * linear, centroid, size])
        units = np.argpartition(-(_expand(cheap) @ np.asarray(self.config.ranking)), count - 1)
        picked = units[:count]
        if near is not None:
            count = min(self.config.semantic_candidates, n_classes)
            picked = np.union1d(picked, np.argpartition(-near, count - 1)[:count])
        return np.sort(picked)

    def _scorers(self) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """The postings as two feature x unit matrices: every unit's weights, its centroid.

        A question's linear and centroid scores for every unit are then sparse products,
        computed in C: about three times faster than gathering the postings in numpy at 10,000
        units. Both matrices are views of the postings' arrays as loaded (mapped from the
        release's file and shared by every process on the machine): one matrix made of both
        was a private copy of 200 MB per process at 40,000 units (issue 22).
        """
        scorers = self.__dict__.get("_scorer_matrices")
        if scorers is None:
            scorers = (self._postings(self._weights), self._postings(self._centroid))
            self.__dict__["_scorer_matrices"] = scorers
        return scorers

    def _products(self, idx: np.ndarray, val: np.ndarray) -> np.ndarray:
        """The question's linear scores for every unit, then its centroid scores.

        Few postings (most questions, and every small knowledge base) are gathered in numpy:
        building scipy matrices for one question costs more than the arithmetic. Many
        postings go through the sparse product, which is faster from about 100,000.
        """
        scorers = self._scorers()
        indptr = scorers[0].indptr
        starts, stops = indptr[idx], indptr[idx + 1]
        if 2 * int((stops - starts).sum()) <= _GATHER_POSTINGS:  # a weight and a centroid each
            rows = ranges(starts, stops)
            units, each = self._post_units[rows], np.repeat(val.astype(np.float32), stops - starts)
            n_classes = len(self._classes)
            return np.concatenate(
                [
                    np.bincount(units, weights=m.data[rows] * each, minlength=n_classes)
                    for m in scorers
                ]
            )
        question = sp.csr_matrix(
            (val.astype(np.float32), idx, np.array([0, len(idx)])), shape=(1, len(indptr) - 1)
        )
        products = [(question @ m).toarray().ravel() for m in scorers]
        return np.concatenate(products).astype(np.float64)

    def _postings(self, values: np.ndarray) -> sp.csr_matrix:
        """A feature x unit matrix holding `values`, one per posting."""
        shape = (len(self._post_indptr) - 1, len(self._classes))
        return sp.csr_matrix((values, self._post_units, self._post_indptr), shape=shape)

    def _nearest(
        self, idx: np.ndarray, val: np.ndarray, units: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """For each unit, the cosine to its closest example and that example's index."""
        if len(idx) == 0:  # no word in common: every cosine is 0, each unit's first example
            return np.zeros(len(units)), self._starts[units]
        dense = np.zeros(self._examples.shape[1], dtype=np.float32)
        dense[idx] = val
        starts, stops = self._starts[units], self._starts[units + 1]
        rows = ranges(starts, stops)
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
        state.pop("_scorer_matrices", None)
        state.pop("_question_encoder", None)  # the model is the process's, loaded on use
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update({"_semantic": None, **state})  # files from before encoders
        if self._vectorizer is None and self._texts:  # a file saved without them: refit
            self._vectorizer = Vectorizer(self.config.word_weight, self.config.char_ngrams)
            self._examples = self._vectorizer.fit_transform(self._texts)

    def save(self, path: Path) -> None:
        """Write the trained matcher to `path` atomically (a pickle: load only files you wrote),
        its arrays where loading maps them (kb/answers/mapped_pickle.py)."""
        mapped_pickle.dump({"format": _FORMAT, "matcher": self}, path)

    @classmethod
    def load(cls, path: Path) -> IntentMatcher:
        """Read a matcher written by `save` with the same code version."""
        payload = mapped_pickle.load(path)  # our own file, written by save(): arrays mapped
        if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
            raise ValueError(f"{path} is not a matcher file of format {_FORMAT}")
        matcher = payload["matcher"]
        if not isinstance(matcher, cls):
            raise ValueError(f"{path} does not hold an IntentMatcher")
        return matcher
