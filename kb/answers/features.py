"""Question text as the matcher sees it: normalised text and its TF-IDF vector.

Word 1-2-grams and character n-grams of each word (sublinear tf, L2-normalised): character
n-grams carry word forms, typos and Cyrillic endings without a stemmer.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from kb.answers.spill import HeldArray, Spill, take_runs

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
#: Word values of the texts whose vectors are made at once (each text has about ten times as
#: many character n-gram values: about 8 MB of work at a time).
_TEXT_BLOCK_VALUES = 1 << 16


def normalize_text(text: str, limit: int = MAX_QUESTION_CHARS) -> str:
    """Case-fold and unify Unicode forms, 'ё' and spacing; cut very long text at a word end."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    text = _SPACES.sub(" ", text).strip()
    if len(text) > limit:
        cut = text.rfind(" ", 0, limit)
        text = text[: cut if cut > limit // 2 else limit]
    return text


def take_rows(matrix: sp.csr_matrix, rows: np.ndarray) -> sp.csr_matrix:
    """`matrix[rows]`, reading only those rows' values (scipy's own row indexing reads every
    page of the matrix's arrays; spilled arrays are read from their file: spill.take_runs)."""
    starts, stops = matrix.indptr[rows], matrix.indptr[np.asarray(rows) + 1]
    indptr = np.zeros(len(rows) + 1, dtype=matrix.indptr.dtype)
    np.cumsum(stops - starts, out=indptr[1:])
    data, indices = (take_runs(a, starts, stops) for a in (matrix.data, matrix.indices))
    return sp.csr_matrix((data, indices, indptr), shape=(len(rows), matrix.shape[1]))


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


def _document_frequency(counts: sp.csr_matrix) -> np.ndarray:
    """In how many rows of `counts` each column occurs."""
    return np.bincount(counts.indices, minlength=counts.shape[1])


def _idf(df: np.ndarray, n_documents: int) -> np.ndarray:
    """Smoothed inverse document frequency, as scikit-learn's TfidfVectorizer computes it."""
    return (np.log((1.0 + n_documents) / (1.0 + df)) + 1.0).astype(np.float32)


def _row_blocks(matrix: sp.csr_matrix) -> list[tuple[int, int]]:
    """Consecutive row ranges of `matrix` of about `_TEXT_BLOCK_VALUES` values each."""
    bounds = [0]
    while bounds[-1] < matrix.shape[0]:
        start = bounds[-1]
        stop = int(np.searchsorted(matrix.indptr, matrix.indptr[start] + _TEXT_BLOCK_VALUES))
        bounds.append(min(max(stop, start + 1), matrix.shape[0]))
    return list(itertools.pairwise(bounds))


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

    def fit_transform(self, texts: Sequence[str], spill: Spill | None = None) -> sp.csr_matrix:
        """Learn vocabularies and idf from normalised `texts`; return their vectors (with
        `spill`, written into it a block of texts at a time: never whole in memory)."""
        word_counts = self._count_words(texts)
        word_grams = self._word_grams()
        self.word_idf = _idf(_document_frequency(word_counts), word_counts.shape[0])
        gram_df = np.zeros(len(self.grams), dtype=np.int64)
        lengths = np.diff(word_counts.indptr).astype(np.int64)
        for lo, hi in _row_blocks(word_counts):  # a first pass for the grams' idf and sizes
            grams = word_counts[lo:hi, : len(self.words)] @ word_grams
            gram_df += _document_frequency(grams)
            lengths[lo:hi] += np.diff(grams.indptr)
            del grams
        self.gram_idf = _idf(gram_df, word_counts.shape[0])
        return self._joined(word_counts, word_grams, lengths, spill)

    def _count_words(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Word and bigram counts of each text, learning the words and bigrams."""
        words = self.words
        flat = array("q")  # every text's word ids, one after the other: 8 bytes a word
        lengths = np.empty(len(texts), dtype=np.int64)
        for i, text in enumerate(texts):
            ids = [words.setdefault(w, len(words)) for w in _WORD.findall(text)]
            flat.extend(ids)
            lengths[i] = len(ids)
        n_words = len(words)
        tokens = np.frombuffer(flat, dtype=np.int64) if len(flat) else np.zeros(0, np.int64)
        doc_of = np.repeat(np.arange(len(texts)), lengths)
        same_doc = np.ones(len(tokens), dtype=bool)  # token i and token i + 1 share a text
        same_doc[np.cumsum(lengths)[lengths > 0] - 1] = False
        first = np.flatnonzero(same_doc)
        keys = tokens[first] * n_words + tokens[first + 1]
        self.bigrams, bigram_ids = np.unique(keys, return_inverse=True)
        shape = (len(texts), n_words + len(self.bigrams))
        index = np.int64 if max(shape) > np.iinfo(np.int32).max else np.int32  # scipy's choice
        rows = np.concatenate([doc_of, doc_of[first]], dtype=index)
        del doc_of, same_doc
        columns = np.concatenate([tokens, n_words + bigram_ids.ravel()], dtype=index)
        del flat, tokens, first, keys, bigram_ids
        values = np.ones(len(rows), dtype=np.float32)
        counts = sp.csr_matrix((values, (rows, columns)), shape=shape)
        counts.sum_duplicates()
        return counts

    def _word_grams(self) -> sp.csr_matrix:
        """Each known word's character n-gram counts, learning the n-grams."""
        gram_rows: list[int] = []
        gram_cols: list[int] = []
        for w, word in enumerate(sorted(self.words, key=self.words.__getitem__)):
            ids = [self.grams.setdefault(g, len(self.grams)) for g in self._split(word)]
            gram_cols += ids
            gram_rows += [w] * len(ids)
        return sp.csr_matrix(
            (np.ones(len(gram_rows), dtype=np.float32), (gram_rows, gram_cols)),
            shape=(len(self.words), len(self.grams)),
        )

    def _joined(
        self,
        word_counts: sp.csr_matrix,
        word_grams: sp.csr_matrix,
        lengths: np.ndarray,
        spill: Spill | None,
    ) -> sp.csr_matrix:
        """The texts' vectors (word part, then character part, each row L2-normalised),
        written a block of rows at a time into arrays allocated once at their final size: the
        character counts of every text, their weighted copy and the two parts stacked were
        four times the result at once (2.1 GB at 40,000 units, issue 22). Row by row the same
        arithmetic as on the whole matrix, so the same values."""
        n_rows, n_columns = word_counts.shape[0], word_counts.shape[1] + len(self.grams)
        total = int(lengths.sum())
        index = np.int64 if max(n_columns - 1, total) > np.iinfo(np.int32).max else np.int32
        indptr = np.zeros(n_rows + 1, dtype=index)
        np.cumsum(lengths, out=indptr[1:])
        new = HeldArray if spill is None else spill.array
        data, indices = new(total, np.float32), new(total, index)
        for lo, hi in _row_blocks(word_counts):
            own = word_counts[lo:hi]  # a copy: weighted in place below
            grams = (own[:, : len(self.words)] @ word_grams).tocsr()
            parts = [
                _tfidf(own, self.word_idf, self.scales[0]),
                _tfidf(grams, self.gram_idf, self.scales[1]),
            ]
            block = l2_rows(sp.hstack(parts, format="csr"), copy=False)
            data.write(int(indptr[lo]), block.data)
            indices.write(int(indptr[lo]), block.indices)
            del own, grams, parts, block
        if spill is not None:
            indptr = spill.keep(indptr)
        shape = (n_rows, n_columns)
        built = sp.csr_matrix((data.done(), indices.done(), indptr), shape=shape)
        return sp.csr_matrix(built, copy=False)  # as l2_rows made it: the same pickle

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
