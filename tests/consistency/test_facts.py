"""Facts found in text, per kind and language, in the form that compares: phone numbers in
E.164, lowercased e-mails, normalised URLs, money as "EUR 10.00", percentages, ISO 8601
periods, dates, times and opening hours. Each case is a sentence and the facts it states."""

from __future__ import annotations

import pytest

from kb.consistency.facts import normalize_url, phone_region, sentence_facts
from kb.consistency.text import Sentence
from kb.content.snippets import SnippetDocument, SnippetType


def facts(text: str, region: str | None = "GB") -> list[tuple[str, str]]:
    """(kind, normalized) of every fact in one sentence."""
    return [(kind, norm) for kind, _w, norm, _s in sentence_facts(Sentence(text), region)]


CASES = [
    # phones: national and international forms agree once the region is known
    ("Call +44 20 7946 0123 now.", [("phone", "+442079460123")]),
    ("Call 020 7946 0123 now.", [("phone", "+442079460123")]),
    (
        "Звоните +7 800 555-35-35 круглосуточно.",
        [("phone", "+78005553535"), ("hours", "00:00-24:00")],
    ),
    ("Обадете се на +359 2 981 2345.", [("phone", "+35929812345")]),
    ("Order 12345678 is on its way.", []),
    # e-mails and URLs
    ("Write to Support@Example.COM today.", [("email", "support@example.com")]),
    ("Пишите на help@example.ru.", [("email", "help@example.ru")]),
    ("See HTTP://www.Example.com/Refunds/ for details.", [("url", "https://example.com/Refunds")]),
    ("Вижте www.example.bg/faq.", [("url", "https://example.bg/faq")]),
    # money
    ("It costs €10, or 10 EUR, or 10 euros.", [("money", "EUR 10.00")] * 3),
    ("Стоимость 1 000 руб. в месяц.", [("money", "RUB 1000.00")]),
    ("Такса 20 лв. на месец.", [("money", "BGN 20.00")]),
    ("A fee of $1,250.50 applies.", [("money", "USD 1250.50")]),
    ("Roaming costs £5 a day.", [("money", "GBP 5.00")]),
    # percentages
    ("Save 15% or 15 per cent.", [("percent", "15%"), ("percent", "15%")]),
    ("Скидка 20 процентов.", [("percent", "20%")]),
    ("Отстъпка 7,5 %.", [("percent", "7.5%")]),
    # durations and periods
    ("Refunds within 14 days or 2 weeks.", [("duration", "P14D"), ("duration", "P14D")]),
    ("Возврат в течение 30 дней.", [("duration", "P30D")]),
    ("Връщане в рамките на две седмици.", [("duration", "P14D")]),
    ("Delivery takes 3-5 business days.", [("duration", "P3D business/P5D business")]),
    ("A 30-day money-back promise.", [("duration", "P30D")]),
    ("Replies within 24 hours.", [("duration", "PT24H")]),
    ("Contract for 12 месеца.", [("duration", "P12M")]),
    # dates
    ("Prices change on 1 March 2024.", [("date", "2024-03-01")]),
    ("Prices change on March 1, 2024.", [("date", "2024-03-01")]),
    ("Цены меняются с 01.03.2024.", [("date", "2024-03-01")]),
    ("Цены меняются 1 марта 2024 г.", [("date", "2024-03-01")]),
    ("Цените се променят на 1 март 2024 г.", [("date", "2024-03-01")]),
    ("Closed on 2024-12-25.", [("date", "2024-12-25")]),
    ("Ambiguous 03/02/2024 is left alone.", []),
    # times and opening hours
    ("Open 9:00-18:00 on weekdays.", [("hours", "09:00-18:00")]),
    ("Open from 9am to 6pm.", [("hours", "09:00-18:00")]),
    ("Работаем с 9 до 18 часов.", [("hours", "09:00-18:00")]),
    ("Работим от 9:00 до 18:00 ч.", [("hours", "09:00-18:00")]),
    ("Call back after 6pm.", [("time", "18:00")]),
    ("Перезвоните после 18:30.", [("time", "18:30")]),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_each_kind_is_found_in_its_comparable_form(text: str, expected: list) -> None:
    assert facts(text) == expected


def test_a_national_number_needs_a_region() -> None:
    assert facts("Call 020 7946 0123 now.", region=None) == []
    assert facts("Call +44 20 7946 0123 now.", region=None) == [("phone", "+442079460123")]


def test_russian_and_bulgarian_national_numbers_read_in_their_region() -> None:
    assert facts("Звоните 8 (800) 555-35-35.", region="RU") == [("phone", "+78005553535")]
    assert facts("Обадете се на 02 981 2345.", region="BG") == [("phone", "+35929812345")]


def test_the_region_comes_from_the_locale_then_the_content_then_the_language() -> None:
    assert phone_region("en-GB", ["Call +7 495 123-45-67"]) == "GB"
    assert phone_region("en", ["Call +44 20 7946 0123", "or +44 20 7946 0456"]) == "GB"
    assert phone_region("ru", []) == "RU"
    assert phone_region("bg", []) == "BG"
    assert phone_region("en", []) is None
    snippet = SnippetDocument("support_phone", "en", SnippetType.PHONE, "+353 1 234 5678")
    assert phone_region("en", [], [snippet]) == "IE"


def test_urls_compare_without_scheme_host_case_trailing_slash_or_tracking() -> None:
    same = {
        normalize_url("http://www.Example.com/refunds/"),
        normalize_url("https://example.com/refunds"),
        normalize_url("https://EXAMPLE.com/refunds?utm_source=mail#top"),
        normalize_url("https://example.com/refunds.html"),
    }
    assert same == {"https://example.com/refunds"}
    assert normalize_url("https://go.example.com/fwlink?linkid=1") != normalize_url(
        "https://go.example.com/fwlink?linkid=2"
    )


def test_link_addresses_are_facts_of_their_sentence() -> None:
    sentence = Sentence(
        "Read the policy or write to us.",
        links=(("https://Example.com/policy/", False), ("mailto:Help@Example.com", False)),
    )
    assert [(k, n) for k, _w, n, _s in sentence_facts(sentence, "GB")] == [
        ("url", "https://example.com/policy"),
        ("email", "help@example.com"),
    ]


def test_hostile_text_is_read_without_errors() -> None:
    assert facts("See http://[::1 for details.") == [("url", "http://[::1")]
    for text in ("1" * 5000, "1 " * 5000, "1," * 3000 + "$", "12 " * 3000 + "days", "9:00-" * 2000):
        facts(text)
