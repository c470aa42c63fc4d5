"""What a matcher knows of its examples' meaning: their sentence vectors and each unit's centroid.

Kept beside the lexical model (kb/answers/matcher.py) and consulted twice per question: the
centroids pick candidate units the words alone would miss (a paraphrase shares no word with the
examples), and for each candidate the cosine to its nearest example and to its centroid are two
more ranking signals. Example vectors are kept as int8 with one scale per row (516 bytes each
at 512 dimensions: 52 MB at 100,000 examples, against 205 MB as float32; cosines move by about
0.002) and only a candidate's rows are widened to float32; centroids stay float32.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kb.answers.encoding.base import Encoder
from kb.answers.encoding.vectors import normalized

__all__ = ["SemanticExamples"]


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
        wide = np.asarray(vectors, dtype=np.float32)
        peak = np.abs(wide).max(axis=1)
        scales = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
        quantised = np.rint(wide / scales[:, None]).astype(np.int8)
        sums = np.add.reduceat(wide, starts[:-1], axis=0) if len(wide) else wide
        return cls(encoder.name, encoder.version, quantised, scales, normalized(sums))

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
