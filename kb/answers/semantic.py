"""What a matcher knows of its examples' meaning: their sentence vectors and each unit's centroid.

Kept beside the lexical model (kb/answers/matcher.py) and consulted twice per question: the
centroids pick candidate units the words alone would miss (a paraphrase shares no word with the
examples), and for each candidate the cosine to its nearest example and to its centroid are two
more ranking signals. Example vectors are kept as int8 with one scale per row (516 bytes each
at 512 dimensions: 52 MB at 100,000 examples, against 205 MB as float32; cosines move by about
0.002) and only a candidate's rows are widened to float32; centroids stay float32.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from kb.answers.encoding.base import Encoder
from kb.answers.encoding.vectors import normalized
from kb.answers.spill import Spill

__all__ = ["SemanticExamples"]

#: Examples whose vectors are widened to float32 at once while quantising (8 MB at 512; its
#: work arrays, five of them, were 0.3 GB at 32,768 rows, issue 22).
_BLOCK_ROWS = 4_096


@dataclass
class SemanticExamples:
    """Example vectors grouped by unit (unit k owns rows starts[k]:starts[k+1]) and centroids."""

    encoder: str
    version: str
    examples: np.ndarray  # int8 (examples, dimensions): each row times its scale is unit-length
    scales: np.ndarray  # float32 (examples,)
    centroids: np.ndarray  # float32 (units, dimensions), L2-normalised rows

    @classmethod
    def of(cls, encoder: Encoder, vectors: np.ndarray, starts: np.ndarray) -> SemanticExamples:
        """From `vectors` of every example, grouped by unit as `starts` says."""
        width = vectors.shape[1] if vectors.ndim == 2 else encoder.dimensions
        return cls.gathered(encoder, lambda lo, hi: vectors[lo:hi], starts, width)

    @classmethod
    def gathered(
        cls,
        encoder: Encoder,
        rows: Callable[[int, int], np.ndarray],
        starts: np.ndarray,
        width: int,
    ) -> SemanticExamples:
        """From the vectors of examples `lo:hi` that `rows(lo, hi)` gives, asked for whole
        units of up to `_BLOCK_ROWS` examples at a time: float32 copies of every vector at once
        were four times the int8 kept (3.5 GB at 40,000 units, issue 22)."""
        n_units, n_rows = len(starts) - 1, int(starts[-1])
        quantised = np.empty((n_rows, width), dtype=np.int8)
        scales = np.empty(n_rows, dtype=np.float32)
        sums = np.zeros((max(n_units, 0) if n_rows else 0, width), dtype=np.float32)
        unit = 0
        while n_rows and unit < n_units:
            last = int(np.searchsorted(starts, starts[unit] + _BLOCK_ROWS, "right")) - 1
            last = min(max(last, unit + 1), n_units)
            lo, hi = int(starts[unit]), int(starts[last])
            wide = np.asarray(rows(lo, hi), dtype=np.float32)
            peak = np.abs(wide).max(axis=1)
            scales[lo:hi] = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
            quantised[lo:hi] = np.rint(wide / scales[lo:hi, None]).astype(np.int8)
            sums[unit:last] = np.add.reduceat(wide, starts[unit:last] - lo, axis=0)
            unit = last
        return cls(encoder.name, encoder.version, quantised, scales, normalized(sums))

    def kept(self, spill: Spill) -> SemanticExamples:
        """The same vectors, set aside in `spill` (read from its file when used)."""
        return replace(
            self,
            examples=spill.keep(self.examples),
            scales=spill.keep(self.scales),
            centroids=spill.keep(self.centroids),
        )

    def fits(self, encoder: Encoder | None) -> bool:
        """Whether `encoder` makes vectors comparable with these (same name and version)."""
        return (
            encoder is not None
            and encoder.name == self.encoder
            and encoder.version == self.version
            and encoder.dimensions == self.examples.shape[1]
        )

    def centroid_scores(self, question: np.ndarray) -> np.ndarray:
        """The question's cosine to every unit's centroid."""
        return self.centroids @ question

    def nearest(self, question: np.ndarray, rows: np.ndarray, sizes: np.ndarray) -> np.ndarray:
        """For consecutive groups of example `rows` (one group per unit, `sizes` long), the
        question's cosine to the nearest example of each group."""
        sims = (self.examples[rows].astype(np.float32) @ question) * self.scales[rows]
        return np.maximum.reduceat(sims, np.cumsum(sizes) - sizes).astype(np.float64)
