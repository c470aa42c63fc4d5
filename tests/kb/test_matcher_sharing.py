"""A loaded matcher answers from its postings where they lie, mapped from the release's file and
shared by every process on the machine, rather than from a private copy (issue 22: the copy was
200 MB per process at 40,000 units)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kb.answers.matcher import IntentMatcher
from tests.kb.test_publish_memory import allocated, examples

QUESTIONS = ("top up my card", "sim stolen block", "roaming abroad balance", "weather in paris")


def test_answering_copies_none_of_a_loaded_matchers_postings(tmp_path: Path) -> None:
    trained = IntentMatcher.train(examples(300, 6), locale="en")
    path = tmp_path / "matcher-en.pkl"
    trained.save(path)
    loaded = IntentMatcher.load(path)
    postings = loaded._weights.nbytes + loaded._centroid.nbytes + loaded._post_units.nbytes
    with allocated() as peak:
        ranked = [loaded.rank(question) for question in QUESTIONS]
        most = peak()
    assert most < postings / 2  # one matrix made of both copied 4/3 of them
    assert ranked == [trained.rank(question) for question in QUESTIONS]


def test_scores_are_the_same_whichever_way_the_postings_are_summed() -> None:
    # Few postings are gathered in numpy, many go through a sparse product: the matcher must
    # rank as it did with one matrix holding weights and centroids (the same path per size).
    matcher = IntentMatcher.train(examples(300, 6), locale="en")
    words = np.arange(len(matcher._post_indptr) - 1, dtype=np.int32)
    values = np.linspace(0.1, 1.0, len(words), dtype=np.float32)
    n_classes = len(matcher._classes)
    for idx, val in ((words[:3], values[:3]), (words, values)):
        both = matcher._products(idx, val)
        dense = np.zeros(len(words), dtype=np.float64)
        dense[idx] = val
        for part, values_of in enumerate((matcher._weights, matcher._centroid)):
            matrix = matcher._postings(values_of).toarray().astype(np.float64)
            expected = dense @ matrix
            np.testing.assert_allclose(
                both[part * n_classes : (part + 1) * n_classes], expected, rtol=1e-5, atol=1e-6
            )
