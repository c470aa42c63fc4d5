"""A release's unit vectors (hybrid search) are mapped from their files, not copied (issue 22)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kb.answers.hybrid import UnitVectors


def _vectors(rows: int, seed: int) -> np.ndarray:
    """Unit-length rows of float16 values (as the cache keeps them), widened to float32."""
    found = np.random.default_rng(seed).normal(size=(rows, 16))
    return (
        (found / np.linalg.norm(found, axis=1, keepdims=True)).astype(np.float16).astype(np.float32)
    )


def test_saved_unit_vectors_load_mapped_from_the_release_folder_with_their_ids(
    tmp_path: Path,
) -> None:
    built = UnitVectors(
        {"en": ("a", "b", "c"), "pt-BR": ("x",)}, {"en": _vectors(3, 1), "pt-BR": _vectors(1, 2)}
    )
    built.save(tmp_path)
    loaded = UnitVectors.load(tmp_path)
    assert loaded is not None and loaded.ids == built.ids
    for locale, vectors in built.vectors.items():
        found = loaded.vectors[locale]
        assert isinstance(found, np.memmap) and found.dtype == np.float32
        assert np.array_equal(found, vectors)
    question = built.vectors["en"][1]
    assert next(u for u, _ in loaded.nearest(question, "en")) == "b"


def test_a_release_folder_built_with_the_vectors_inside_the_npz_still_loads(
    tmp_path: Path,
) -> None:
    vectors = _vectors(2, 3)
    np.savez(
        tmp_path / "meaning.npz",
        **{"ids-en": np.array(["a", "b"], dtype=str), "vectors-en": vectors.astype(np.float16)},
    )
    loaded = UnitVectors.load(tmp_path)
    assert loaded is not None and loaded.ids == {"en": ("a", "b")}
    assert np.array_equal(loaded.vectors["en"], vectors)
    assert UnitVectors.load(tmp_path / "none") is None
