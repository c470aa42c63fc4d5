"""What identifies a customer, taken out of their words before anything is kept.

Customers type their e-mail address, phone number, card number, IBAN or an account or passport
number into chat boxes. An event keeps the question (and feedback its comment) so that editors
can see what was asked; insights, content gaps and receipts show what was kept, so nothing that
identifies who asked may be stored or shown. `redact` replaces, in this order:

1. e-mail addresses with ``[email]``;
2. IBANs of any country (spaces allowed, mod-97 checked) with ``[iban]``;
3. payment card numbers, 13-19 digits with spaces or dashes, Luhn-checked, with ``[card]``
   (before phones, so a card is not half taken as a phone number);
4. phone numbers with ``[phone]``: what `phonenumbers` finds valid in national form for the
   regions of our locales (RU, BG, US, GB, and the locale's own region) and in international
   ``+...`` (or ``00...``) form for any region;
5. any other run of 7 or more digits, possibly separated by spaces or dashes (account,
   passport and policy numbers), with ``[number]``.

Ordinary questions keep their numbers: amounts ("1 500 рублей", "5.99"), years and dates
("2024", "12.03.2025", "2025-03-12", "2023-2024"), times, percentages and short codes ("5G").
A text with fewer than 7 digits is checked for e-mail addresses and IBANs only.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

__all__ = ["CARD", "EMAIL", "IBAN", "NUMBER", "PHONE", "REGIONS", "redact"]

EMAIL = "[email]"
PHONE = "[phone]"
CARD = "[card]"
IBAN = "[iban]"
NUMBER = "[number]"

#: Regions whose national phone numbers (written without +) are looked for in every text: those
#: of the locales served (en, ru, bg). International numbers are found for every region.
REGIONS = ("RU", "BG", "US", "GB")
#: Fewer digits than this in a text: no phone, card or long number can be in it.
_MIN_DIGITS = 7

# RFC 5322 dot-atom local parts (and any letter, for addresses in Cyrillic), a dotted domain.
_EMAIL = re.compile(r"(?<![\w.!#$%&'*+/=?^`{|}~-])[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
# A country code, check digits, then the BBAN, one case throughout, in groups or not;
# the end is found by the mod-97 check (see _iban).
_IBAN = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Z]{2}\d\d[A-Z0-9]*(?: [A-Z0-9]+)*|[a-z]{2}\d\d[a-z0-9]*(?: [a-z0-9]+)*)"
)
_DIGIT = re.compile(r"\d")
_SPACE = "[ \u00a0\u202f]"
# Digits, each pair separated by at most a space, a dash or a spaced dash; a leading + kept.
_RUN = re.compile(rf"(?<![\d+])\+?\d(?:(?:{_SPACE}?-{_SPACE}?|{_SPACE})?\d)*")
# Where a phone number may be written: digits, each pair at most 3 of " ().-/" apart.
_PHONE_WINDOW = re.compile(r"[+(]*\d(?:[\s().\-/]{0,3}\d)*\)?")
# Runs that are not identifiers (nor phone numbers): dates and year ranges.
_DAY, _MONTH, _YEAR = r"(?:0[1-9]|[12]\d|3[01])", r"(?:0[1-9]|1[0-2])", r"(?:19|20)\d\d"
_DATE = re.compile(
    rf"{_DAY}([./-]){_MONTH}\1{_YEAR}|{_YEAR}([./-]){_MONTH}\2{_DAY}|{_YEAR} ?- ?{_YEAR}"
)
# An amount in thousands ("1 500 000") is kept when a currency is written beside it.
_THOUSANDS = re.compile(rf"\d{{1,3}}(?:{_SPACE}\d{{3}})+")
_CURRENCY_AFTER = re.compile(
    rf"{_SPACE}?(?:[€$£₽]|eur|usd|gbp|rub|bgn|dollar|pound|руб|евро|долл|лв|лев)",
    re.IGNORECASE,
)
_CURRENCY_BEFORE = re.compile(rf"(?:[€$£₽]|EUR|USD|GBP|RUB|BGN){_SPACE}?$")


def redact(text: str, locale: str | None = None) -> str:
    """`text` with what identifies a customer replaced by placeholders (see the module).

    `locale` (e.g. "pt-BR") adds its region's national phone numbers to those looked for.
    """
    if "@" in text:
        text = _EMAIL.sub(EMAIL, text)
    text = _IBAN.sub(_iban, text)
    if _digit_count(text) < _MIN_DIGITS:
        return text
    text = _RUN.sub(_card, text)
    if _digit_count(text) >= _MIN_DIGITS:
        text = _phones(text, _regions(locale))
    return _RUN.sub(_number, text)


def _digit_count(text: str) -> int:
    return len(_DIGIT.findall(text))


def _iban(match: re.Match[str]) -> str:
    """The longest prefix of `match`, ending between groups, that is a valid IBAN, replaced."""
    found = match.group()
    ends = [m.start() for m in re.finditer(" ", found)] + [len(found)]
    for end in reversed(ends):
        compact = found[:end].replace(" ", "").upper()
        if 15 <= len(compact) <= 34 and _mod97(compact) == 1:
            return IBAN + found[end:]
    return found


def _mod97(iban: str) -> int:
    """ISO 13616's check: the IBAN, its first four characters moved to its end, as a number."""
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97


def _card(match: re.Match[str]) -> str:
    """A run of 13-19 digits passing the Luhn check replaced; a `+` run is a phone number."""
    run = match.group()
    digits = _digits(run)
    if run.startswith("+") or not 13 <= len(digits) <= 19 or not _luhn(digits):
        return run
    return CARD


def _luhn(digits: str) -> bool:
    """Whether `digits` pass the Luhn check payment card numbers carry."""
    total = 0
    for position, ch in enumerate(reversed(digits)):
        value = int(ch) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _number(match: re.Match[str]) -> str:
    """A run of 7 or more digits replaced, unless it is a date, a year range or an amount."""
    run = match.group()
    if len(_digits(run)) < _MIN_DIGITS or _DATE.fullmatch(run):
        return run
    if _THOUSANDS.fullmatch(run) and (
        _CURRENCY_AFTER.match(match.string, match.end())
        or _CURRENCY_BEFORE.search(match.string, 0, match.start())
    ):
        return run
    return NUMBER


def _digits(text: str) -> str:
    return "".join(_DIGIT.findall(text))


def _phones(text: str, regions: tuple[str, ...]) -> str:
    """`text` with every phone number any of `regions` finds valid replaced.

    The spans found for different regions are merged: RU finds "8 (912) 345-67-89" whole where
    US sees only "(912) 345-67-89"; and one inside a longer run of digits is widened to it.
    """
    spans: list[tuple[int, int]] = []
    for window in _PHONE_WINDOW.finditer(text):
        found = _window_phones(window.group(), regions)
        spans += [(window.start() + start, window.start() + end) for start, end in found]
    if not spans:
        return text
    # A number found inside a longer run of digits takes the whole run: no digits are left.
    spans += [
        (run.start(), run.end())
        for run in _RUN.finditer(text)
        if any(start < run.end() and run.start() < end for start, end in spans)
    ]
    spans.sort()
    pieces: list[str] = []
    done = 0
    for start, end in spans:
        if start < done:  # overlaps the span just replaced: extend it
            done = max(done, end)
            continue
        pieces += (text[done:start], PHONE)
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


def _window_phones(window: str, regions: tuple[str, ...]) -> list[tuple[int, int]]:
    """The spans of the phone numbers in `window`, a run of digits and punctuation.

    phonenumbers is slow, so it sees only windows with enough digits that are not dates, and
    the regions after one that found a number in all the window's digits are not asked.
    """
    digits = _digit_count(window)
    if digits < _MIN_DIGITS or _DATE.fullmatch(window):
        return []
    spans: list[tuple[int, int]] = []
    for region in regions:
        leniency = phonenumbers.Leniency.VALID
        for found in phonenumbers.PhoneNumberMatcher(window, region, leniency=leniency):
            spans.append((found.start, found.end))
            if _digit_count(found.raw_string) == digits:
                return spans
    return spans


@lru_cache(maxsize=64)
def _regions(locale: str | None) -> tuple[str, ...]:
    """REGIONS, and the region a locale such as "pt-BR" names when phonenumbers knows it."""
    region = (locale or "").replace("_", "-").partition("-")[2].upper()
    if region in phonenumbers.SUPPORTED_REGIONS and region not in REGIONS:
        return (*REGIONS, region)
    return REGIONS
