"""Reading Accept-Language: ranges by q-value, with what is not a preference left out."""

from __future__ import annotations

from api.languages import accepted_languages


def test_ranges_come_most_wanted_first_and_equal_weights_keep_their_order() -> None:
    header = "en;q=0.5, ru-RU, bg;q=0.9, ru;q=0.9, de;q=0.500"
    assert accepted_languages(header) == ["ru-RU", "bg", "ru", "en", "de"]


def test_not_acceptable_any_and_malformed_parts_are_left_out() -> None:
    header = "fr;q=0, *;q=0.8, <script>, en;q=abc, ru;level=1, bg;Q=0.7, x-1234567890"
    assert accepted_languages(header) == ["bg"]
    assert accepted_languages(None) == accepted_languages("") == []
