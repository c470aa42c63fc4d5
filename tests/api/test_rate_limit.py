"""api.rate_limit: a burst of `per_minute`, then one every 60/per_minute seconds, per client, in a
table that forgets idle clients and never grows past its bound. Time is a counter we move."""

from __future__ import annotations

import pytest

from api.rate_limit import RateLimiter


class Clock:
    """Seconds that pass only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_one_request_per_interval() -> None:
    clock = Clock()
    limiter = RateLimiter(30, clock=clock)  # one every 2 s after a burst of 30
    assert [limiter.take("a") for _ in range(30)] == [0.0] * 30
    assert limiter.take("a") == 2.0
    clock.now += 0.5
    assert limiter.take("a") == 1.5  # a refused request costs nothing
    clock.now += 1.5
    assert limiter.take("a") == 0.0
    assert limiter.take("a") == 2.0
    assert limiter.retry_after(limiter.take("a")) == "2"
    assert limiter.retry_after(0.2) == "1"


def test_clients_have_allowances_of_their_own() -> None:
    limiter = RateLimiter(1, clock=Clock())
    assert limiter.take("a") == 0.0
    assert limiter.take("a") > 0
    assert limiter.take("b") == 0.0


def test_idle_clients_are_forgotten_once_their_allowance_is_whole_again() -> None:
    clock = Clock()
    limiter = RateLimiter(60, clock=clock)  # one a second, a burst of 60
    for client in ("a", "b", "c"):
        for _ in range(60):
            limiter.take(client)
    assert len(limiter) == 3
    clock.now += 59
    limiter.take("d")
    assert len(limiter) == 4  # 59 of 60 back: still remembered
    clock.now += 1
    limiter.take("d")
    assert len(limiter) == 1  # a, b and c are whole again, the same as new clients


def test_the_table_never_holds_more_than_max_clients() -> None:
    limiter = RateLimiter(5, max_clients=100, clock=Clock())
    for n in range(1000):
        limiter.take(f"address-{n}")
        assert len(limiter) <= 100


def test_a_limit_below_one_a_minute_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        RateLimiter(0)
