"""Question text as the matcher sees it: normalised text and its TF-IDF vector.

Word 1-2-grams and character n-grams of each word (sublinear tf, L2-normalised): character
n-grams carry word forms, typos and Cyrillic endings without a stemmer.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

__all__ = ["MAX_QUESTION_CHARS", "Vectorizer", "normalize_text"]

MAX_QUESTION_CHARS = 500
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
#: Distinct words whose n-grams a matcher remembers between questions (about 500 bytes each:
#: 5 MB). Customers' words repeat, but every typo, id and name is new, so a server answering
#: for weeks meets millions: the bound is what keeps a worker's memory level (benchmarks/soak.py).
_WORD_CACHE = 10_000
#: Values worked on at once when weighting and normalising a matrix's rows.
_BLOCK_VALUES = 1 << 20


def normalize_text(text: str, limit: int = MAX_QUESTION_CHARS) -> str:
    """Case-fold and unify Unicode forms, 'ё' and spacing; cut very long text at a word end."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    text = _SPACES.sub(" ", text).strip()
    if len(text) > limit:
        cut = text.rfind(" ", 0, limit)
        text = text[: cut if cut > limit // 2 else limit]
    return text


def l2_rows(matrix: sp.csr_matrix, *, copy: bool = True) -> sp.csr_matrix:
    """`matrix` with each row scaled to unit length (empty rows stay empty), as scikit-learn's
    `normalize` does: answering needs no scikit-learn, whose import was about a second of
    every worker's start (only training uses it). A copy, unless `copy` is False."""
    out = sp.csr_matrix(matrix, copy=copy)
    # Squares in the data's own type, summed and divided in float64, as scikit-learn does:
    # the same bits, so that no borderline answer changes with the library. A block of rows
    # at a time: float64 work arrays of every value were four times the matrix (issue 22).
    start = 0
    while start < out.shape[0]:
        stop = int(np.searchsorted(out.indptr, out.indptr[start] + _BLOCK_VALUES, "right"))
        stop = min(max(stop - 1, start + 1), out.shape[0])
        lo, hi = int(out.indptr[start]), int(out.indptr[stop])
        rows = np.repeat(np.arange(stop - start), np.diff(out.indptr[start : stop + 1]))
        squares = np.square(out.data[lo:hi]).astype(np.float64)
        norms = np.sqrt(np.bincount(rows, squares, stop - start))
        norms[norms == 0.0] = 1.0
        out.data[lo:hi] = (out.data[lo:hi] / norms[rows]).astype(out.dtype)
        start = stop
    return out


def _idf(counts: sp.csr_matrix) -> np.ndarray:
    """Smoothed inverse document frequency, as scikit-learn's TfidfVectorizer computes it."""
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return (np.log((1.0 + counts.shape[0]) / (1.0 + df)) + 1.0).astype(np.float32)


def _tfidf(counts: sp.csr_matrix, idf: np.ndarray, scale: float) -> sp.csr_matrix:
    """Sublinear tf times idf, rows L2-normalised, times `scale`: in `counts` itself (float32,
    no longer needed), a block of values at a time."""
    out = counts if counts.dtype == np.float32 else counts.astype(np.float32)
    for lo in range(0, out.nnz, _BLOCK_VALUES):
        hi = min(lo + _BLOCK_VALUES, out.nnz)
        out.data[lo:hi] = (1.0 + np.log(out.data[lo:hi])) * idf[out.indices[lo:hi]]
    out = l2_rows(out, copy=False)
    out.data *= scale
    return out


class Vectorizer:
    """TF-IDF of word 1-2-grams plus character n-grams of each word, weighted, L2-normalised.

    Character n-grams are those of the padded word (" card " -> " c", " ca", "car", ...), so a
    text's are the sum of its words': they are computed once per distinct word, which keeps
    fitting 100,000 questions to about two seconds.
    """

    def __init__(self, word_weight: float, char_ngrams: tuple[int, int]) -> None:
        self.scales = (math.sqrt(word_weight), math.sqrt(1.0 - word_weight))
        self.lengths = range(char_ngrams[0], char_ngrams[1] + 1)
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
            _tfidf(word_counts, self.word_idf, self.scales[0]),
            _tfidf(gram_counts, self.gram_idf, self.scales[1]),
        ]
        del word_counts, gram_counts
        both = sp.hstack(blocks, format="csr")
        del blocks
        return l2_rows(both, copy=False).astype(np.float32, copy=False)

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
