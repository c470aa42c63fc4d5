"""Dates, times of day and opening hours in English, Russian and Bulgarian text.

Normalized forms: dates ISO 8601 ("2024-03-01", or "--03-01" without a year), times "09:00",
opening hours "09:00-18:00" (days named beside them stay in the sentence, where the report's
context comparison sees them). Slash dates are read only when unambiguous (a part over 12).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from kb.consistency.quantities import Found

__all__ = ["find_dates", "find_hours", "find_times"]

_MONTHS = {
    1: r"jan(?:uary)?|январ[яь]|януари",
    2: r"feb(?:ruary)?|феврал[яь]|февруари",
    3: r"mar(?:ch)?|марта?|март",
    4: r"apr(?:il)?|апрел[яь]|април",
    5: r"may|ма[яй]|май",
    6: r"june?|июн[яь]|юни",
    7: r"july?|июл[яь]|юли",
    8: r"aug(?:ust)?|августа?|август",
    9: r"sep(?:t(?:ember)?)?|сентябр[яь]|септември",
    10: r"oct(?:ober)?|октябр[яь]|октомври",
    11: r"nov(?:ember)?|ноябр[яь]|ноември",
    12: r"dec(?:ember)?|декабр[яь]|декември",
}
_MONTH = "|".join(f"(?P<m{n}>{p})" for n, p in _MONTHS.items())
_MONTH2 = "|".join(f"(?P<n{n}>{p})" for n, p in _MONTHS.items())
_DATE = re.compile(
    r"(?<![\w.])(?:"
    r"(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})"
    r"|(?P<dd>\d{1,2})\.(?P<dm>\d{1,2})\.(?P<dy>\d{4})"
    r"|(?P<sa>\d{1,2})/(?P<sb>\d{1,2})/(?P<sy>\d{4})"
    rf"|(?P<td>\d{{1,2}})(?:st|nd|rd|th)?(?: of)?\s(?:{_MONTH})\.?(?:,?\s(?P<ty>\d{{4}}))?"
    rf"|(?:{_MONTH2})\.?\s(?P<ud>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s(?P<uy>\d{{4}}))?"
    r")(?![\w])(?:\s?(?:г\.|года|година))?",
    re.IGNORECASE,
)
_TIME = r"(?P<{p}h>[01]?\d|2[0-4])(?:[:.](?P<{p}m>[0-5]\d))?\s?(?P<{p}ap>[ap]\.?m\.?|ч\.?(?!\w))?"
_T1, _T2 = _TIME.format(p="a"), _TIME.format(p="b")
_HOURS = re.compile(
    rf"(?<![\w.,:])(?P<pre>from|с|от)?\s?{_T1}\s?(?:-|–|—|to|until|till|до)\s?{_T2}"
    r"(?:\s?(?:час(?:а|ов)|часа|h)\b)?",
    re.IGNORECASE,
)
_CLOCK = re.compile(
    r"(?<![\w.,:])(?P<h>[01]?\d|2[0-3])(?:(?::(?P<m>[0-5]\d))\s?(?P<ap>[ap]\.?m\.?)?"
    r"|\s?(?P<ap2>[ap]\.?m\.?))(?!\w)",
    re.IGNORECASE,
)
_ROUND_CLOCK = re.compile(
    r"(?<![\w/])24/7(?![\w/])|(?<!\w)(?:around the clock|круглосуточно|денонощно)(?!\w)",
    re.IGNORECASE,
)


def _month(match: re.Match[str], prefix: str) -> int:
    """Which month group of `prefix` ("m" or "n") matched."""
    return next(n for n in _MONTHS if match.group(f"{prefix}{n}"))


def _iso_date(year: int | None, month: int, day: int) -> str | None:
    """ISO 8601 form, or None for no such day."""
    try:
        date(year or 2000, month, day)  # 2000: a leap year, so 29 February stands
    except ValueError:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}"


def _date_parts(match: re.Match[str]) -> tuple[int | None, int, int] | None:
    """(year, month, day) of a date match, None when a slash date is ambiguous."""
    g = match.group
    if g("iy"):
        return int(g("iy")), int(g("im")), int(g("id"))
    if g("dy"):
        return int(g("dy")), int(g("dm")), int(g("dd"))
    if g("sy"):
        a, b = int(g("sa")), int(g("sb"))
        if a > 12 >= b:
            return int(g("sy")), b, a
        if b > 12 >= a:
            return int(g("sy")), a, b
        return None
    if g("td"):
        return (int(g("ty")) if g("ty") else None), _month(match, "m"), int(g("td"))
    return (int(g("uy")) if g("uy") else None), _month(match, "n"), int(g("ud"))


def find_dates(sentence: str) -> Iterator[Found]:
    """Dates: "2024-03-01", "01.03.2024", "1 March 2024", "March 1, 2024", "1 марта 2024 г."."""
    for match in _DATE.finditer(sentence):
        parts = _date_parts(match)
        normalized = _iso_date(*parts) if parts else None
        if normalized is not None:
            yield match.start(), match.end(), match.group(0).strip(), normalized


def _clock(hour: str, minute: str | None, ampm: str | None) -> str | None:
    """ "HH:MM" of a time, or None when it is no time of day."""
    h, m = int(hour), int(minute or 0)
    if ampm and ampm[0].lower() in "ap":
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if ampm[0].lower() == "p" else 0)
    return f"{h:02d}:{m:02d}" if h <= 24 else None


def find_hours(sentence: str) -> Iterator[Found]:
    """Opening hours: "9:00-18:00", "9am to 6pm", "с 9 до 18", "от 9:00 до 18:00 ч.", "24/7".

    Bare numbers ("9-18") count only after from/с/от or with a clock mark on a side, so that
    "3-5 days" is not read as hours."""
    for match in _HOURS.finditer(sentence):
        g = match.group
        marked = g("pre") or g("am") or g("bm") or g("aap") or g("bap")
        if not marked or re.match(
            r"\s?(?:days?|weeks?|дн|дни|недел|седмиц)", sentence[match.end() :]
        ):
            continue
        second_ap = g("bap")
        first_ap = g("aap") or (second_ap if second_ap and second_ap[0].lower() == "a" else None)
        opens = _clock(g("ah"), g("am"), first_ap)
        closes = _clock(g("bh"), g("bm"), second_ap)
        if opens and closes:
            yield match.start(), match.end(), match.group(0).strip(), f"{opens}-{closes}"
    for match in _ROUND_CLOCK.finditer(sentence):
        yield match.start(), match.end(), match.group(0), "00:00-24:00"


def find_times(sentence: str) -> Iterator[Found]:
    """Times of day: "9:30", "18:00", "6pm", "6 p.m."."""
    for match in _CLOCK.finditer(sentence):
        normalized = _clock(
            match.group("h"), match.group("m"), match.group("ap") or match.group("ap2")
        )
        if normalized is not None:
            yield match.start(), match.end(), match.group(0).strip(), normalized
