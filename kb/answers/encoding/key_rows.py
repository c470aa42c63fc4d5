"""Which row of the embedding cache's file holds a text's vector: its key, looked up in bulk.

The cache's file can hold hundreds of thousands of keys (384,000 at 40,000 units). As a dict of
16-byte `bytes` they took about 165 bytes each, 63 MB in the publishing process and again in
its training child (issue 22); here they are one sorted array of 16-byte values beside their
rows, 24 bytes a key, found by binary search.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["KeyRows"]

_KEY = np.dtype("V16")


class KeyRows:
    """The rows of a file's 16-byte keys."""

    def __init__(self) -> None:
        self._sorted = np.zeros(0, dtype=_KEY)
        self._rows = np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self._sorted)

    def extend(self, keys: np.ndarray, first_row: int) -> None:
        """Add `keys` ((n, 16) uint8), the keys of rows first_row, first_row + 1, ..."""
        if not len(keys):
            return
        new = np.ascontiguousarray(keys, dtype=np.uint8).view(_KEY).ravel()
        merged = np.concatenate([self._sorted, new])
        rows = np.concatenate([self._rows, np.arange(first_row, first_row + len(new))])
        order = np.argsort(merged, kind="stable")  # a key twice: its first row is found
        self._sorted, self._rows = merged[order], rows[order]

    def find(self, keys: Sequence[bytes]) -> np.ndarray:
        """The row of each of `keys` (16 bytes each), -1 for those not in the file."""
        if not keys or not len(self._sorted):
            return np.full(len(keys), -1, dtype=np.int64)
        wanted = np.frombuffer(b"".join(keys), dtype=_KEY)
        at = np.minimum(np.searchsorted(self._sorted, wanted), len(self._sorted) - 1)
        return np.where(self._sorted[at] == wanted, self._rows[at], -1)
