"""The encoder interface: texts in, L2-normalised vectors out, with a name and a version.

The version names the model exactly (package version and model file hash): vectors made by
another version are never mixed with these, so a new model re-encodes everything once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # the interface loads no numerical library: the facade imports the registry
    import numpy as np

__all__ = ["Encoder", "unload"]


class Encoder(Protocol):
    """A sentence encoder; implementations load their model once and are thread-safe."""

    @property
    def name(self) -> str:
        """The registry name (`KB_ENCODER`)."""
        ...

    @property
    def version(self) -> str:
        """What identifies the vectors it makes: model, package version, file hash."""
        ...

    @property
    def dimensions(self) -> int:
        """The length of every vector."""
        ...

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text (an empty text gets a zero row)."""
        ...


def unload(encoder: Encoder) -> None:
    """Let `encoder`'s model go until it next encodes, if it can (an `unload()` method: the
    protocol does not require one). A release's training process encodes first and then
    trains for minutes without the model (about 140 MB for the default one, issue 22)."""
    release = getattr(encoder, "unload", None)
    if callable(release):
        release()
