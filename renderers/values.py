"""Typed snippet values written for people: money with its symbol, dates in words, phone links."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

__all__ = ["format_date", "format_money", "money_parts", "phone_href"]

_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "RUB": "₽", "BGN": "лв"}
_MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "ru": [
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ],
    "bg": [
        "януари",
        "февруари",
        "март",
        "април",
        "май",
        "юни",
        "юли",
        "август",
        "септември",
        "октомври",
        "ноември",
        "декември",
    ],
}
_DECIMAL_COMMA = frozenset({"ru", "bg", "de", "fr", "es", "it", "pt"})


def _language(locale: str) -> str:
    return locale.split("-")[0]


def money_parts(value: str) -> tuple[Decimal, str]:
    """`12.99 GBP` -> (Decimal('12.99'), 'GBP'); the value was validated when it was saved."""
    amount, currency = value.split()
    return Decimal(amount), currency


def format_money(value: str, locale: str) -> str:
    """`12.00 GBP` -> `£12.00` in English, `12,00 £` in Russian."""
    amount, currency = money_parts(value)
    text = f"{amount:.2f}" if amount != amount.to_integral() or "." in value else f"{amount:.0f}"
    symbol = _SYMBOLS.get(currency)
    if _language(locale) in _DECIMAL_COMMA:
        return f"{text.replace('.', ',')} {symbol or currency}"
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


def format_date(value: str, locale: str) -> str:
    """`2027-04-01` -> `1 April 2027` / `1 апреля 2027`."""
    day = date.fromisoformat(value)
    months = _MONTHS.get(_language(locale), _MONTHS["en"])
    return f"{day.day} {months[day.month - 1]} {day.year}"


def phone_href(value: str) -> str:
    """`+44 20 7946 0000` -> `tel:+442079460000`."""
    return "tel:" + value.replace(" ", "")
