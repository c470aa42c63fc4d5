"""The help center's own words (not the content's) in English and Russian, and the names of
languages as their speakers write them, for the locale switcher and the fallback notice."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType

from renderers.values import format_date

__all__ = ["UI_LANGUAGES", "language_name", "long_date", "ui_language", "words"]

_EN: dict[str, str] = {
    "site": "Help center",
    "skip": "Skip to content",
    "home": "Home",
    "search_label": "Search the help center",
    "search_placeholder": "Search for answers",
    "search_button": "Search",
    "categories": "Categories",
    "popular": "Popular answers",
    "answers_in": "Answers in {}",
    "empty_category": "There are no answers here yet.",
    "breadcrumbs": "Breadcrumb",
    "related": "Related answers",
    "updated": "Last updated",
    "languages": "Other languages",
    "results_title": "Search results for “{}”",
    "results_count": "{} answers found",
    "results_none": "No answers match “{}”. Try other words, or browse the categories.",
    "results_ask": "Type a few words to search the help center.",
    "did_you_mean": "Did you mean",
    "fallback": "This page is not available in {asked}; here it is in {served}.",
    "fallback_answer": "This answer is not available in {asked}; here it is in {served}.",
    "not_found_title": "We could not find that page",
    "not_found_text": "The page may have moved, or the address may be mistyped. Try searching:",
    "forbidden_title": "This help center is not public",
    "forbidden_text": "Sign in to the site that sent you here to read its answers.",
    "error_title": "Something went wrong",
    "error_text": "We could not show this page just now. Please try again in a moment.",
    "back_home": "Go to the help center home",
    "helpful": "Was this helpful?",
    "yes": "Yes",
    "no": "No",
    "more": "What was missing? (optional)",
    "send": "Send",
    "thanks": "Thank you for your feedback.",
    "unsent": "Your feedback could not be sent. Please try again.",
    "suggestions": "Suggestions",
}

_RU: dict[str, str] = {
    "site": "Справочный центр",
    "skip": "Перейти к содержанию",
    "home": "Главная",
    "search_label": "Поиск по справочному центру",
    "search_placeholder": "Найти ответ",
    "search_button": "Найти",
    "categories": "Разделы",
    "popular": "Популярные ответы",
    "answers_in": "Ответы в разделе «{}»",
    "empty_category": "Здесь пока нет ответов.",
    "breadcrumbs": "Навигационная цепочка",
    "related": "Похожие ответы",
    "updated": "Обновлено",
    "languages": "Другие языки",
    "results_title": "Результаты поиска: «{}»",
    "results_count": "Найдено ответов: {}",
    "results_none": (
        "По запросу «{}» ничего не найдено. Попробуйте другие слова или выберите раздел."
    ),
    "results_ask": "Введите несколько слов, чтобы найти ответ.",
    "did_you_mean": "Возможно, вы имели в виду",
    "fallback": "Эта страница недоступна на языке «{asked}»; вот она на языке «{served}».",
    "fallback_answer": "Этот ответ недоступен на языке «{asked}»; вот он на языке «{served}».",
    "not_found_title": "Страница не найдена",
    "not_found_text": "Возможно, страница переехала или в адресе опечатка. Попробуйте поиск:",
    "forbidden_title": "Этот справочный центр закрыт",
    "forbidden_text": "Войдите на сайт, который привёл вас сюда, чтобы читать ответы.",
    "error_title": "Что-то пошло не так",
    "error_text": "Сейчас не получается показать страницу. Попробуйте ещё раз чуть позже.",
    "back_home": "На главную справочного центра",
    "helpful": "Этот ответ помог?",
    "yes": "Да",
    "no": "Нет",
    "more": "Чего не хватило? (необязательно)",
    "send": "Отправить",
    "thanks": "Спасибо за отзыв.",
    "unsent": "Не удалось отправить отзыв. Попробуйте ещё раз.",
    "suggestions": "Подсказки",
}

#: The UI languages by primary language subtag; every other locale gets English words.
_WORDS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {"en": MappingProxyType(_EN), "ru": MappingProxyType(_RU)}
)
UI_LANGUAGES = tuple(_WORDS)

#: Languages by their own names (what a reader of that language looks for in a switcher).
_NAMES = {
    "ar": "العربية",
    "bg": "Български",
    "cs": "Čeština",
    "da": "Dansk",
    "de": "Deutsch",
    "el": "Ελληνικά",
    "en": "English",
    "es": "Español",
    "fi": "Suomi",
    "fr": "Français",
    "he": "עברית",
    "hu": "Magyar",
    "it": "Italiano",
    "ja": "日本語",
    "kk": "Қазақ тілі",
    "ko": "한국어",
    "nl": "Nederlands",
    "no": "Norsk",
    "pl": "Polski",
    "pt": "Português",
    "ro": "Română",
    "ru": "Русский",
    "sk": "Slovenčina",
    "sr": "Српски",
    "sv": "Svenska",
    "tr": "Türkçe",
    "uk": "Українська",
    "zh": "中文",
}


def _primary(locale: str) -> str:
    return locale.replace("_", "-").split("-", 1)[0].lower()


def ui_language(locale: str) -> str:
    """The language the help center's own words are shown in for content in `locale`."""
    primary = _primary(locale)
    return primary if primary in _WORDS else "en"


def words(locale: str) -> Mapping[str, str]:
    """The help center's words for content in `locale` (English where it has none)."""
    return _WORDS[ui_language(locale)]


def language_name(locale: str) -> str:
    """`locale`'s language as its speakers name it (`Deutsch`), else the locale itself."""
    return _NAMES.get(_primary(locale), locale)


#: What follows the year in a date in running text, by UI language (Russian: "г.").
_YEAR_MARK = {"ru": " г."}


def long_date(day: date, locale: str) -> str:
    """`day` as a reader of the UI language writes it: `7 December 2026`, `7 декабря 2026 г.`."""
    ui = ui_language(locale)
    return format_date(day.isoformat(), ui) + _YEAR_MARK.get(ui, "")
