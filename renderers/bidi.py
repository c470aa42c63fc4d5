"""Unicode bidi controls that reorder what a reader sees, kept out of every channel's output.

The explicit embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) make text
display in an order other than the one it is stored and read aloud in: a phone number or an
amount under U+202E RIGHT-TO-LEFT OVERRIDE shows reversed on the web, and a later override
can run on into the page around the answer. Channels drop them. The implicit marks U+200E,
U+200F and U+061C stay: they only give a neutral character (a digit, a bracket) a direction,
cannot reverse a run of text or leak past it, and right-to-left writing needs them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["BIDI_CONTROLS", "bidi_controls_in", "without_bidi_controls", "without_bidi_in"]

#: The characters channels drop.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def without_bidi_controls(text: str) -> str:
    """`text` without explicit bidi controls (unchanged, and not copied, when it has none)."""
    return BIDI_CONTROLS.sub("", text) if BIDI_CONTROLS.search(text) else text


def without_bidi_in(value: Any) -> Any:
    """`value` with every string in it (in mappings, lists and tuples too) cleaned."""
    if isinstance(value, str):
        return without_bidi_controls(value)
    if isinstance(value, Mapping):
        return {key: without_bidi_in(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(without_bidi_in(item) for item in value)
    return value


def bidi_controls_in(text: str) -> Iterator[tuple[int, str]]:
    """(line number from 1, 'U+202E RIGHT-TO-LEFT OVERRIDE') for each control in `text`."""
    for match in BIDI_CONTROLS.finditer(text):
        char = match.group()
        line = text.count("\n", 0, match.start()) + 1
        yield line, f"U+{ord(char):04X} {unicodedata.name(char)}"
