"""Arithmetic on sentence vectors shared by the encoders and the matcher."""

from __future__ import annotations

import numpy as np

__all__ = ["normalized"]


def normalized(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length as float32; all-zero rows stay zero."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)
