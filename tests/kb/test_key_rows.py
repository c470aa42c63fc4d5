"""The embedding cache finds its file's rows by key in a sorted array, not a dict (issue 22)."""

from __future__ import annotations

import hashlib
import tracemalloc
from pathlib import Path

import numpy as np

from kb.answers.encoding.cache import EmbeddingCache, text_key
from kb.answers.encoding.key_rows import KeyRows
from tests.kb.test_publish_memory import HashEncoder


def _keys(texts: list[str]) -> np.ndarray:
    return np.frombuffer(b"".join(text_key(t) for t in texts), dtype=np.uint8).reshape(-1, 16)


def test_keys_added_in_parts_are_found_at_their_rows_and_others_are_not() -> None:
    rows = KeyRows()
    assert list(rows.find([text_key("a")])) == [-1]
    rows.extend(_keys(["a", "b", "c"]), first_row=0)
    rows.extend(_keys(["d", "a"]), first_row=3)  # a key twice: its first row
    wanted = [text_key(t) for t in ("c", "zz", "a", "d", "b")]
    assert list(rows.find(wanted)) == [2, -1, 0, 3, 1]
    assert len(rows) == 5 and list(rows.find([])) == []


class _Cheap(HashEncoder):
    """Vectors made from a text's hash without a generator per text: many texts quickly."""

    dimensions = 8

    def encode(self, texts: list[str]) -> np.ndarray:  # type: ignore[override]
        raw = np.frombuffer(b"".join(hashlib.sha256(t.encode()).digest() for t in texts), "<u4")
        out = raw.reshape(len(texts), 8).astype(np.float32) + 1.0
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_a_cache_of_many_texts_holds_a_few_dozen_bytes_a_key(tmp_path: Path) -> None:
    encoder = _Cheap()
    texts = [f"question {i}" for i in range(60_000)]
    vectors = EmbeddingCache(tmp_path, encoder).vectors(texts)
    tracemalloc.start()
    try:
        reopened = EmbeddingCache(tmp_path, encoder)
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(reopened) == 60_000
    assert held < 60 * 60_000  # a dict of the keys took about 165 bytes each
    picked = texts[::997]
    assert np.array_equal(reopened.vectors(picked), vectors[::997])
    assert reopened.encoded == 0
