"""`kb serve --workers N` starts a dead worker again at once if it had been serving a while,
and later and later if it keeps dying young, so that a crash loop does not spin."""

from __future__ import annotations

from cli.workers import FIRST_DELAY_S, MAX_DELAY_S, STEADY_S, Backoff


def test_a_worker_that_served_a_while_is_replaced_at_once() -> None:
    assert Backoff().delay(lived_s=STEADY_S + 1) == 0.0


def test_each_young_death_in_a_row_doubles_the_wait_up_to_a_bound() -> None:
    backoff = Backoff()
    delays = [backoff.delay(lived_s=0.1) for _ in range(12)]
    assert delays[:3] == [FIRST_DELAY_S, 2 * FIRST_DELAY_S, 4 * FIRST_DELAY_S]
    assert max(delays) == delays[-1] == MAX_DELAY_S
    # a crash loop of 12 deaths takes minutes, not a spin of 12 starts
    assert sum(delays) > 2 * MAX_DELAY_S


def test_a_worker_that_served_a_while_resets_the_wait() -> None:
    backoff = Backoff()
    for _ in range(5):
        backoff.delay(lived_s=0.1)
    assert backoff.delay(lived_s=STEADY_S) == 0.0
    assert backoff.delay(lived_s=0.1) == FIRST_DELAY_S
