"""Which locale answers: asked, else accepted, else the question's own language, else default.

The detector is rule-based; its accuracy on held-out questions is in
benchmarks/results/locale_detection.md. These tests pin the rules a reader would check.
"""

from __future__ import annotations

import pytest

from kb.answers.locales import LocaleSource, choose_locale, match_language
from kb.content.languages import detect_locale, likely_locales, script_of

SAMPLE = ("en", "ru")
WITH_BULGARIAN = ("bg", "en", "ru")


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("у меня украли телефон", "ru"),  # "у", "меня"
        ("как мне проверить баланс", "ru"),  # "мне"
        ("почему не работает интернет", "ru"),  # "почему", "-ает"
        ("вы поднимаете цены?", "ru"),  # ы
        ("это роуминг?", "ru"),  # э
        ("счёт", "ru"),  # ё
        ("как да проверя баланса си", "bg"),  # "как да"
        ("интернетът не е включен", "bg"),  # ъ as a vowel, "не е"
        ("къде е най-близкият магазин", "bg"),
        ("какво да направя, ако телефонът ми е откраднат", "bg"),
        ("защо сметката ми е толкова висока", "bg"),
        ("що робити, якщо телефон вкрали", "uk"),  # "що"; і is Ukrainian
    ],
)
def test_russian_bulgarian_and_ukrainian_are_told_apart_by_letters_and_words(
    question: str, expected: str
) -> None:
    assert detect_locale(question, (*WITH_BULGARIAN, "uk")) == expected


def test_cyrillic_alone_does_not_decide_between_russian_and_bulgarian() -> None:
    assert likely_locales("телефон", WITH_BULGARIAN) == ("bg", "ru")
    assert detect_locale("телефон", WITH_BULGARIAN) is None
    assert detect_locale("телефон", WITH_BULGARIAN, default="ru") == "ru"
    assert detect_locale("телефон", SAMPLE) == "ru"  # the only Cyrillic locale of the release


def test_the_script_rules_out_locales_written_in_another() -> None:
    assert detect_locale("my phone was stolen", WITH_BULGARIAN) == "en"
    assert detect_locale("Microsoft Teams и группы Microsoft 365", SAMPLE) == "ru"
    assert detect_locale("το τηλέφωνό μου", SAMPLE) is None  # Greek: no locale of the release
    assert detect_locale("*100# 12345", SAMPLE) is None  # no letters at all
    assert script_of("Outlook") == "LATIN" and script_of("Аврора app") == "CYRILLIC"


def test_regional_locales_are_detected_by_their_language() -> None:
    assert detect_locale("у меня украли телефон", ("en-GB", "ru-RU")) == "ru-RU"
    assert detect_locale("как да платя", ("bg-BG", "ru-RU")) == "bg-BG"


def test_language_tags_match_the_release_locales_by_lookup() -> None:
    assert match_language("ru-RU", SAMPLE) == "ru"
    assert match_language("RU", ("en", "ru-RU")) == "ru-RU"
    assert match_language("zh-Hant-TW", ("en", "zh-Hant")) == "zh-Hant"
    assert match_language("pt_BR", ("pt-BR", "pt-PT")) == "pt-BR"
    assert match_language("de", SAMPLE) is None


def test_the_parameter_comes_first_then_accept_language_then_the_words_then_the_default() -> None:
    russian = "у меня украли телефон"
    assert choose_locale(SAMPLE, "en", asked="en", accepted=["ru"], text=russian).source is (
        LocaleSource.PARAMETER
    )
    accepted = choose_locale(SAMPLE, "en", accepted=["de", "ru-RU", "en"], text="hello")
    assert (accepted.locale, accepted.source) == ("ru", LocaleSource.ACCEPT_LANGUAGE)
    detected = choose_locale(SAMPLE, "en", accepted=["de"], text=russian)
    assert (detected.locale, detected.source) == ("ru", LocaleSource.DETECTED)
    default = choose_locale(SAMPLE, "en", text="12345")
    assert (default.locale, default.source) == ("en", LocaleSource.DEFAULT)


def test_an_asked_locale_the_release_lacks_falls_back_to_the_default() -> None:
    choice = choose_locale(SAMPLE, "en", asked="de", text="у меня украли телефон")
    assert (choice.locale, choice.source, choice.fallback) == ("en", LocaleSource.DEFAULT, True)


def test_locales_the_words_cannot_tell_apart_are_all_kept_for_the_matchers() -> None:
    choice = choose_locale(WITH_BULGARIAN, "en", text="роуминг")
    assert (choice.locale, choice.also, choice.source) == ("bg", ("ru",), LocaleSource.DETECTED)
