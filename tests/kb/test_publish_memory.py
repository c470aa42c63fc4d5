"""Publishing's memory stays bounded: what a build holds at once, counted (issue 22).

Each test counts bytes allocated (tracemalloc, which numpy reports to) or what is alive, never
seconds: the matchers of one locale at a time, the pairs' design matrix allocated once, example
vectors read a block at a time, a cache file read only where asked, matcher arrays mapped.
"""

from __future__ import annotations

import gc
import hashlib
import random
import tracemalloc
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from kb.answers import routing, semantic, services, training
from kb.answers.config import Example, MatcherConfig
from kb.answers.encoding.cache import EmbeddingCache, text_key
from kb.answers.features import Vectorizer, l2_rows, normalize_text
from kb.answers.matcher import IntentMatcher
from kb.answers.recipe import LEXICAL

WORDS = [
    *(
        [
            "balance",
            "top",
            "up",
            "card",
            "roaming",
            "abroad",
            "sim",
            "block",
            "stolen",
            "phone",
            "pin",
            "puk",
            "code",
            "tariff",
            "plan",
        ]
    ),
    *(
        [
            "bill",
            "refund",
            "payment",
            "data",
            "internet",
            "speed",
            "router",
            "wifi",
            "number",
            "port",
            "transfer",
        ]
    ),
    *(
        [
            "contract",
            "cancel",
            "upgrade",
            "device",
            "esim",
            "activate",
            "voicemail",
            "call",
            "forward",
            "message",
        ]
    ),
    *(["spam", "limit", "family", "share"]),
]


def examples(units: int, per_unit: int, seed: int = 3) -> list[Example]:
    """`per_unit` questions of four to eight words for each of `units` units."""
    rng = random.Random(seed)
    return [
        Example(f"u{u:04d}", " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 8))))
        for u in range(units)
        for _ in range(per_unit)
    ]


@contextmanager
def allocated() -> Iterator[Callable[[], int]]:
    """The peak of bytes allocated inside the block, over what was allocated at its start."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    start = tracemalloc.get_traced_memory()[0]
    try:
        yield lambda: tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()


class HashEncoder:
    """A deterministic stand-in for a sentence encoder: a vector from each text's hash."""

    name = "hash"
    version = "1"
    dimensions = 64

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        rows = [
            np.random.default_rng(int.from_bytes(hashlib.sha256(t.encode()).digest()[:8])).normal(
                size=self.dimensions
            )
            for t in texts
        ]
        out = np.array(rows, dtype=np.float32).reshape(len(texts), self.dimensions)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_a_build_trains_its_locales_in_turn_holding_one_locales_matcher_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alive: weakref.WeakSet[IntentMatcher] = weakref.WeakSet()
    held_at_start: list[int] = []
    train = IntentMatcher.train.__func__  # type: ignore[attr-defined]

    def counted(cls: type[IntentMatcher], *args: object, **kwargs: object) -> IntentMatcher:
        gc.collect()
        held_at_start.append(len(alive))
        matcher = train(cls, *args, **kwargs)
        alive.add(matcher)
        return matcher

    monkeypatch.setattr(IntentMatcher, "train", classmethod(counted))
    by_locale = {loc: examples(30, 4, seed=n) for n, loc in enumerate(("bg", "en", "ru"))}
    services._train_all(by_locale, tmp_path, LEXICAL)
    assert sorted(p.name for p in tmp_path.glob("matcher-*.pkl")) == [
        "matcher-bg.pkl",
        "matcher-en.pkl",
        "matcher-ru.pkl",
    ]
    assert held_at_start == [0, 0, 0]  # the last locale's matcher was let go first
    routing._trained.clear()


def test_the_pairs_design_matrix_is_allocated_once_not_gathered_and_copied(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(training, "_SLICE_NNZ", 20_000, raising=False)
    found = examples(300, 8)
    pairs = sorted({(e.unit_id, normalize_text(e.text)) for e in found})
    classes = sorted({unit for unit, _ in pairs})
    labels = np.array([classes.index(unit) for unit, _ in pairs])
    cfg = MatcherConfig()
    vectors = Vectorizer(cfg.word_weight, cfg.char_ngrams).fit_transform([t for _, t in pairs])
    members = np.zeros((len(classes), len(labels)), dtype=np.float32)
    members[labels, np.arange(len(labels))] = 1.0
    import scipy.sparse as sp

    centroids = l2_rows(sp.csr_matrix(members) @ vectors).astype(np.float32)
    centroids.sort_indices()
    rows, units = training._pairs(vectors, labels, centroids, cfg)
    order = np.argsort(units, kind="stable")
    rows, units = rows[order], units[order]
    with allocated() as peak:
        design = training._pair_design(vectors, rows, units, centroids)
        most = peak()
    # At most: data and column of every value of each pair's example plus its bias (8 bytes
    # each, float32 and int32), the row pointers, and a slice's work. Gathering slices in
    # lists and concatenating them took 28 bytes a value.
    largest = int(np.diff(vectors.indptr)[rows].sum()) + len(rows)
    assert design.nnz > 1_000_000
    assert most <= 8 * largest + 4 * (len(rows) + 1) + 4_000_000
    assert most < 20 * design.nnz


def test_training_reads_the_example_vectors_a_block_of_units_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(semantic, "_BLOCK_ROWS", 40, raising=False)
    encoder = HashEncoder()
    cache = EmbeddingCache.transient(encoder)
    asked: list[int] = []
    for name in ("vectors", "read"):
        if hasattr(EmbeddingCache, name):
            method = getattr(EmbeddingCache, name)

            def recorded(self: EmbeddingCache, texts: Sequence, *a: object, _m=method) -> object:
                asked.append(len(texts))
                return _m(self, texts, *a)

            monkeypatch.setattr(EmbeddingCache, name, recorded)
    found = examples(60, 5)
    matcher = IntentMatcher.train(found, locale="en", encoder=encoder, cache=cache)
    assert matcher._semantic is not None
    assert sum(asked) == len(matcher._texts) and max(asked) <= 40
    whole = semantic.SemanticExamples.of(
        encoder, encoder.encode(matcher._texts).astype(np.float16), matcher._starts
    )
    assert np.array_equal(matcher._semantic.examples, whole.examples)
    assert np.array_equal(matcher._semantic.centroids, whole.centroids)


def test_a_cache_reads_only_the_rows_it_is_asked_for_not_the_whole_file(
    tmp_path: Path,
) -> None:
    encoder = HashEncoder()
    encoder.dimensions = 512  # as the default encoder's
    texts = [f"question number {i}" for i in range(20_000)]
    vectors = np.random.default_rng(1).normal(size=(len(texts), 512)).astype(np.float16)
    keys = np.array([np.frombuffer(text_key(t), dtype=np.uint8) for t in texts])
    path = EmbeddingCache(tmp_path, encoder).path
    assert path is not None
    np.savez(path, keys=keys, vectors=vectors)  # 20 MB of vectors
    with allocated() as peak:
        cache = EmbeddingCache(tmp_path, encoder)
        got = cache.vectors(["question number 7", "question number 19999"])
        most = peak()
    assert cache.encoded == 0 and np.array_equal(got, vectors[[7, 19_999]])
    assert most < vectors.nbytes / 4  # the keys and their index, not the vectors


def test_a_loaded_matcher_maps_its_arrays_from_the_file_rather_than_copying_them(
    tmp_path: Path,
) -> None:
    matcher = IntentMatcher.train(examples(200, 6), locale="en")
    path = tmp_path / "matcher-en.pkl"
    matcher.save(path)
    with allocated() as peak:
        loaded = IntentMatcher.load(path)
        most = peak()
    arrays = [loaded._examples.data, loaded._examples.indices, loaded._weights]
    assert all(not a.flags.owndata and not a.flags.writeable for a in arrays)
    assert most < sum(a.nbytes for a in arrays) / 2
    for question in ("top up my card", "sim stolen block", "weather in paris"):
        assert loaded.rank(question) == matcher.rank(question)


def test_fitting_the_example_vectors_works_in_place_not_in_copies_of_the_matrix() -> None:
    texts = sorted({normalize_text(e.text) for e in examples(2000, 10)})
    with allocated() as peak:
        vectors = Vectorizer(0.5, (2, 4)).fit_transform(texts)
        most = peak()
    kept = vectors.data.nbytes + vectors.indices.nbytes + vectors.indptr.nbytes
    # The counts, their weighted copy side by side while stacked, and the result: about 3.6
    # times the result; weighting and normalising in copies took 8.5 times.
    assert most < 5 * kept
