"""Money amounts, percentages and durations in English, Russian and Bulgarian text.

Each finder yields (start, end, value as written, normalized) for one sentence. Normalized forms
compare across languages and spellings: "€10", "10 EUR" and "10 евро" are all "EUR 10.00";
"14 days", "2 weeks", "14 дней" and "две седмици" are all "P14D".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

__all__ = ["Found", "find_durations", "find_money", "find_percents", "number_value"]

#: (start, end, as written, normalized).
Found = tuple[int, int, str, str]

#: An amount: 1,000.50 / 1 000,50 / 1.000 / 10 / 9.99 (separators are decided in `_amount`).
_AMOUNT = r"\d{1,3}(?:[ \u00a0\u202f,.]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_SYMBOLS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "₽": "RUB", "¥": "JPY"}
_WORDS = (
    (r"dollars?|долл(?:ар(?:а|ов)?)?\.?|долар(?:а|и)?", "USD"),
    (r"euros?|евро", "EUR"),
    (r"pounds?(?: sterling)?|фунт(?:а|ов)?(?: стерлингов)?|паунд(?:а|и)?", "GBP"),
    (r"roubles?|rubles?|руб(?:л(?:ей|я|ь))?\.?|р\.", "RUB"),
    (r"лв\.?|лева?", "BGN"),
)
_CODES = r"USD|EUR|GBP|RUB|BGN|CHF|PLN|UAH|KZT|JPY|CNY"
_SYMBOL = r"US\$|[$€£₽¥]"
_WORD = "|".join(pattern for pattern, _code in _WORDS)
_MONEY = re.compile(
    rf"(?:(?P<sym>{_SYMBOL})\s?(?P<a1>{_AMOUNT})"
    rf"|(?P<code1>{_CODES})\s?(?P<a2>{_AMOUNT})"
    rf"|(?<![\w.,])(?P<a3>{_AMOUNT})\s?(?:(?P<sym2>{_SYMBOL})|(?P<code2>{_CODES})\b"
    rf"|(?P<word>{_WORD})(?!\w)))",
    re.IGNORECASE,
)
_PERCENT = re.compile(
    r"(?<![\w.,])(?P<n>\d+(?:[.,]\d+)?)\s?(?:%|per ?cent\b|процент(?:а|ов|и)?(?!\w))",
    re.IGNORECASE,
)

#: Small numbers written as words (durations are often spelled: "two weeks", "две недели").
_NUMBER_WORDS = {
    **dict.fromkeys(("one", "a", "an", "один", "одна", "одну", "один", "един", "една", "едно"), 1),
    **dict.fromkeys(("two", "два", "две", "двух"), 2),
    **dict.fromkeys(("three", "три", "трёх", "трех"), 3),
    **dict.fromkeys(("four", "четыре", "четири"), 4),
    **dict.fromkeys(("five", "пять", "пет"), 5),
    **dict.fromkeys(("six", "шесть", "шест"), 6),
    **dict.fromkeys(("seven", "семь", "седем"), 7),
    **dict.fromkeys(("ten", "десять", "десет"), 10),
    **dict.fromkeys(("twelve", "двенадцать", "дванадесет"), 12),
    **dict.fromkeys(("fourteen", "четырнадцать", "четиринадесет"), 14),
    **dict.fromkeys(("thirty", "тридцать", "тридесет"), 30),
}
_NUMBER = r"\d+|" + "|".join(sorted((w for w in _NUMBER_WORDS if len(w) > 2), key=len))
#: Units of time: (pattern, ISO designator, days in one, whether it is a time part).
_UNITS = (
    (
        r"business days?|working days?|рабочи[хйе]? (?:дн(?:я|ей)|день)|работни дни|работен ден",
        "BD",
        1,
    ),
    (r"days?|дн(?:я|ей)|день|сут(?:ки|ок)|дни|дена|ден", "D", 1),
    (r"weeks?|недел[ьяиюе]|седмиц[аи]", "W", 7),
    (r"months?|месяц(?:а|ев)?|месец(?:а|и)?", "M", 0),
    (r"years?|год(?:а)?|лет|годин[аи]", "Y", 0),
    (r"hours?|hrs?|час(?:а|ов|ове)?", "H", 0),
    (r"minutes?|mins?|минут[аы]?|минути|мин\.?", "MIN", 0),
)
_DURATION = re.compile(
    rf"(?<![\w.,:])(?P<n1>{_NUMBER})(?:\s?(?:-|–|—|to|до)\s?(?P<n2>{_NUMBER}))?"
    rf"(?:\s|-)(?P<unit>{'|'.join(f'(?:{p})' for p, _d, _n in _UNITS)})(?!\w)",
    re.IGNORECASE,
)


def number_value(text: str) -> int | None:
    """A whole number written in digits or as one of the small number words."""
    if text.isdigit():
        return int(text)
    return _NUMBER_WORDS.get(text.lower())


def _amount(text: str) -> Decimal | None:
    """An amount with its separators decided: a separator followed by 3 digits groups
    thousands, by 1 or 2 it marks the decimals."""
    cleaned = re.sub(r"[ \u00a0\u202f]", "", text)
    last = max(cleaned.rfind(","), cleaned.rfind("."))
    if last >= 0 and len(cleaned) - last - 1 in (1, 2):
        whole, cents = cleaned[:last], cleaned[last + 1 :]
    else:
        whole, cents = cleaned, ""
    whole = whole.replace(",", "").replace(".", "")
    try:
        return Decimal(f"{whole}.{cents or '0'}")
    except InvalidOperation:
        return None


def _currency(match: re.Match[str]) -> str:
    """The ISO code of a money match."""
    symbol = match.group("sym") or match.group("sym2")
    if symbol:
        return _SYMBOLS[symbol.upper()]
    code = match.group("code1") or match.group("code2")
    if code:
        return code.upper()
    word = match.group("word")
    return next(code for pattern, code in _WORDS if re.fullmatch(pattern, word, re.IGNORECASE))


def find_money(sentence: str) -> Iterator[Found]:
    """Amounts with a currency (symbol, ISO code or word): normalized "EUR 10.00"."""
    for match in _MONEY.finditer(sentence):
        written = match.group("a1") or match.group("a2") or match.group("a3")
        start = match.start()
        if start and (sentence[start - 1].isalnum() or sentence[start - 1] in ".,"):
            continue
        amount = _amount(written)
        if amount is None:
            continue
        yield start, match.end(), match.group(0), f"{_currency(match)} {amount:.2f}"


def find_percents(sentence: str) -> Iterator[Found]:
    """Percentages ("15%", "15 per cent", "15 процентов"): normalized "15%"."""
    for match in _PERCENT.finditer(sentence):
        number = Decimal(match.group("n").replace(",", "."))
        yield match.start(), match.end(), match.group(0), f"{number.normalize():f}%"


def _iso(count: int, unit: str) -> str:
    """ISO 8601 duration of `count` units (weeks as days, so "2 weeks" is "14 days")."""
    for pattern, designator, days in _UNITS:
        if re.fullmatch(pattern, unit, re.IGNORECASE):
            if designator == "W":
                return f"P{count * days}D"
            if designator == "BD":  # ISO has no working days; kept apart from calendar days
                return f"P{count}D business"
            if designator in ("H", "MIN"):
                return f"PT{count}{designator[0]}"
            return f"P{count}{designator}"
    raise ValueError(unit)  # the pattern matched one of _UNITS


def find_durations(sentence: str) -> Iterator[Found]:
    """Periods ("14 days", "2-3 weeks", "30-day", "две недели"): normalized "P14D",
    "P2D/P3D" for a range."""
    for match in _DURATION.finditer(sentence):
        first = number_value(match.group("n1"))
        second = number_value(match.group("n2")) if match.group("n2") else None
        if first is None:
            continue
        unit = match.group("unit")
        normalized = _iso(first, unit)
        if second is not None:
            normalized = f"{_iso(first, unit)}/{_iso(second, unit)}"
        yield match.start(), match.end(), match.group(0), normalized
