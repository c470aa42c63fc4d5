"""Per-client rate limits: a token bucket each, in a bounded table that forgets idle clients.

A client may post `per_minute` times in a burst, then once every `60 / per_minute` seconds.
A client idle long enough for its bucket to fill again is the same as a new one, so its entry
is dropped; beyond `max_clients` the least recently seen goes first, so a flood of addresses
cannot grow the table. Each process counts its own requests (one worker's share of a limit).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

__all__ = ["MAX_CLIENTS", "RateLimiter"]

#: Clients a limiter remembers at most (a few hundred bytes each).
MAX_CLIENTS = 10_000


class RateLimiter:
    """Token buckets by client (see the module's docstring); `clock` is seconds, monotonic."""

    def __init__(
        self,
        per_minute: int,
        *,
        max_clients: int = MAX_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_minute < 1:
            raise ValueError(f"a rate limit allows at least one request a minute, not {per_minute}")
        self.capacity = float(per_minute)
        #: Tokens a client earns back a second.
        self.rate = per_minute / 60.0
        self.max_clients = max_clients
        self._clock = clock
        #: Client -> (tokens left, when they were counted), least recently seen first.
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, client: str) -> float:
        """Spend one of `client`'s requests: 0.0 if allowed, else the seconds until it would be."""
        now = self._clock()
        with self._lock:
            self._forget_idle(now)
            tokens, counted = self._buckets.pop(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - counted) * self.rate)
            wait = 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate
            if wait == 0.0:
                tokens -= 1.0
            self._buckets[client] = (tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        return wait

    def retry_after(self, wait: float) -> str:
        """`wait` as a Retry-After value: whole seconds, rounded up, at least one."""
        return str(max(1, math.ceil(wait)))

    def _forget_idle(self, now: float) -> None:
        """Drop clients whose bucket is full again (the least recently seen are first)."""
        while self._buckets:
            tokens, counted = next(iter(self._buckets.values()))
            if tokens + (now - counted) * self.rate < self.capacity:
                return
            self._buckets.popitem(last=False)
