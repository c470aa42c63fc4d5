"""Delivery ETags are remembered per release and request parts: a request asked again costs no
hashing, the value is the one clients already hold, and the memory is bounded (issue 22)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from api import caching
from api.caching import ETAG_ENTRIES, CachePolicy, release_etag
from kb.answers.locales import LocaleSource
from kb.store.keys import Caller, Role


@pytest.fixture(autouse=True)
def forgotten() -> Iterator[None]:
    """Each test starts with no ETag remembered and leaves none behind."""
    caching._etags.clear()
    yield
    caching._etags.clear()


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """What api.caching hashes, one entry a digest."""
    seen: list[bytes] = []
    real = hashlib.sha256

    def sha256(data: bytes) -> Any:
        seen.append(data)
        return real(data)

    monkeypatch.setattr(caching.hashlib, "sha256", sha256)
    return seen


ANSWER_PARTS = ("answer", "how much money", "chatbot", "en", False, LocaleSource.PARAMETER, ())


def test_an_etag_asked_again_is_not_hashed_again(hashes: list[bytes]) -> None:
    first = release_etag(3, False, "2026-12-06", *ANSWER_PARTS)
    again = release_etag(3, False, "2026-12-06", *ANSWER_PARTS)

    assert again == first
    assert len(hashes) == 1


def test_remembered_etags_are_the_values_clients_already_hold() -> None:
    # Computed by the code before ETags were remembered (commit 9965c13): a client's
    # If-None-Match from before an upgrade still matches after it, asked once or twice.
    unit_parts = ("unit", "check-balance", {"locale": "en", "fallback": False}, "web")
    for _ in range(2):
        assert release_etag(3, False, "2026-12-06", *ANSWER_PARTS) == '"r3-c511480f5d1eeb33b6ed"'
        assert release_etag(3, True, "2026-12-06", *unit_parts) == '"r3-c5b5dfd6e10c3bf43d78"'


def test_parts_python_finds_equal_but_json_does_not_keep_their_own_etags() -> None:
    as_bool = release_etag(1, "search", True)
    as_int = release_etag(1, "search", 1)

    assert as_bool != as_int
    assert release_etag(1, "search", True) == as_bool
    assert release_etag(1, "search", 1) == as_int
    assert release_etag(1, {"a": 1}) != release_etag(1, (dict, (("a", 1),)))


def test_a_part_no_key_can_hold_is_still_tagged() -> None:
    listed = release_etag(2, "search", ["a", "b"])

    assert not caching._etags
    assert listed == release_etag(2, "search", ("a", "b"))  # JSON writes both as a list


def test_remembered_etags_are_bounded_least_recent_first(hashes: list[bytes]) -> None:
    for n in range(ETAG_ENTRIES + 10):
        release_etag(1, "answer", f"question {n}")
    assert len(caching._etags) == ETAG_ENTRIES
    hashed = len(hashes)

    release_etag(1, "answer", f"question {ETAG_ENTRIES + 9}")  # the newest: still kept
    assert len(hashes) == hashed
    release_etag(1, "answer", "question 0")  # the oldest: forgotten, hashed again
    assert len(hashes) == hashed + 1


def test_a_staff_etag_still_changes_with_the_day(monkeypatch: pytest.MonkeyPatch) -> None:
    late = datetime(2026, 12, 6, 23, 59, 59).timestamp()  # local time, as date.today() reads
    clock = [late]

    class Clock(date):
        @classmethod
        def today(cls) -> date:
            return date.fromtimestamp(clock[0])

    monkeypatch.setattr(caching, "date", Clock)
    monkeypatch.setattr(caching, "time", SimpleNamespace(time=lambda: clock[0]))
    monkeypatch.setattr(caching, "_day", ("", 0.0))
    staff = Caller(role=Role.EDITOR, key_id="k1")
    monday = CachePolicy(4, staff, "unit", "check-balance").etag
    assert CachePolicy(4, staff, "unit", "check-balance").etag == monday

    clock[0] = late + 2  # units may pass their review date overnight
    assert CachePolicy(4, staff, "unit", "check-balance").etag != monday
