"""How big an SMS is: GSM-7 or UCS-2 decided per message, and the segments it takes.

A message whose every character is in the GSM 7-bit default alphabet (3GPP TS 23.038, 6.2.1,
with the extension table of 6.2.1.1, whose characters take an escape septet too) is sent as
GSM-7: 160 septets in one segment, 153 per segment once split (the rest of each segment holds
the concatenation header). Any other character makes the whole message UCS-2: 70 UTF-16 code
units alone, 67 per segment when split; a character outside the Basic Multilingual Plane (an
emoji) is two units. A two-septet or two-unit character is never split across segments.

Typographic quotes, dashes, the ellipsis and non-breaking spaces have GSM-7 look-alikes: they
are replaced when that lets the message stay GSM-7 (one curly apostrophe would otherwise halve
an English message's room), and kept when the message is UCS-2 anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Encoding", "SmsSize", "gsm7_septets", "measure", "normalised"]

#: The GSM 7-bit default alphabet in code order, 0x00-0x7F (TS 23.038, 6.2.1); 0x1B is the
#: escape to the extension table, not a character of its own.
_BASIC_TABLE = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
assert len(_BASIC_TABLE) == 128
_BASIC = frozenset(_BASIC_TABLE) - {"\x1b"}
#: The printable characters of the extension table (6.2.1.1): escape plus one septet each.
_EXTENSION = frozenset("^{}\\[~]|€")

#: Typographic characters and the GSM-7 text that stands for them.
_LOOK_ALIKES = {
    "\u2018": "'",  # ‘
    "\u2019": "'",  # ’
    "\u201a": "'",  # ‚
    "\u2032": "'",  # ′
    "\u201c": '"',  # “
    "\u201d": '"',  # ”
    "\u201e": '"',  # „
    "\u2033": '"',  # ″
    "\u00ab": '"',  # «
    "\u00bb": '"',  # »
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "-",  # figure dash
    "\u2013": "-",  # –
    "\u2014": "-",  # —
    "\u2015": "-",  # horizontal bar
    "\u2212": "-",  # minus sign
    "\u2026": "...",  # …
    "\u00a0": " ",  # non-breaking space
    "\u2007": " ",  # figure space
    "\u2009": " ",  # thin space
    "\u202f": " ",  # narrow non-breaking space
}
_LOOK_ALIKE_TABLE = str.maketrans(_LOOK_ALIKES)


class Encoding(StrEnum):
    """The two alphabets an SMS is sent in."""

    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


#: (characters in a lone segment, characters per segment of a split message) per encoding.
_ROOM = {Encoding.GSM7: (160, 153), Encoding.UCS2: (70, 67)}


@dataclass(frozen=True)
class SmsSize:
    """A message as it is sent, and what it costs."""

    #: The text sent: typographic characters replaced when that keeps it GSM-7.
    text: str
    encoding: Encoding
    #: Its length in the encoding's units: septets (GSM-7) or UTF-16 code units (UCS-2).
    characters: int
    segments: int
    #: The first character that is not in GSM-7, when it is why the message is UCS-2.
    forced_by: str | None = None


def normalised(text: str) -> str:
    """`text` with typographic quotes, dashes, ellipses and odd spaces in their GSM-7 forms."""
    return text.translate(_LOOK_ALIKE_TABLE)


def gsm7_septets(char: str) -> int | None:
    """Septets `char` takes in GSM-7 (1, or 2 from the extension table); None if it has none."""
    if char in _BASIC:
        return 1
    if char in _EXTENSION:
        return 2
    return None


def _ucs2_units(char: str) -> int:
    return len(char.encode("utf-16-le")) // 2


def _segments(units: list[int], encoding: Encoding) -> int:
    """Segments for characters of these sizes: one if all fit alone, else packed per segment
    without splitting a character."""
    alone, per_segment = _ROOM[encoding]
    total = sum(units)
    if total <= alone:
        return 1 if total else 0
    count, used = 1, 0
    for size in units:
        if used + size > per_segment:
            count, used = count + 1, 0
        used += size
    return count


def measure(text: str) -> SmsSize:
    """The message `text` is sent as: GSM-7 if its normalised form fits the alphabet (then that
    form is sent), else UCS-2 with the characters as written."""
    gsm_text = normalised(text)
    septets = [gsm7_septets(char) for char in gsm_text]
    if None not in septets:
        sizes = [s for s in septets if s is not None]
        return SmsSize(gsm_text, Encoding.GSM7, sum(sizes), _segments(sizes, Encoding.GSM7))
    culprit = gsm_text[septets.index(None)]
    units = [_ucs2_units(char) for char in text]
    return SmsSize(text, Encoding.UCS2, sum(units), _segments(units, Encoding.UCS2), culprit)
