"""A bounded, thread-safe memory of values read by key: what an opened index keeps of the hits
it has shown (their stored fields), since a release's index never changes and the same units
come back query after query."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["SHOWN_UNITS", "Remembered"]

#: Units whose stored fields an opened index remembers (about 2 KB each for a 250-word body,
#: its text shared with the snippet's analysis: 4,096 of them about 8 MB per locale).
SHOWN_UNITS = 4_096

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Remembered(Generic[K, V]):
    """The last `size` values read, by key; the least recently used is forgotten first. Two
    threads asking for a key not yet remembered may both read it (the same value)."""

    def __init__(self, size: int = SHOWN_UNITS) -> None:
        self._size = size
        self._values: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K, read: Callable[[], V]) -> V:
        """The value remembered for `key`, else `read()` (then remembered)."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = read()
        with self._lock:
            self._values[key] = value
            if len(self._values) > self._size:
                self._values.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._values)
