"""Typing mistakes for benchmark queries: one edit in one word, as customers make them."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

__all__ = ["keyboard_letter", "letter_from_text", "typo"]

_KEYS = "qwertyuiopasdfghjklzxcvbnm"
_RU_KEYS = "йцукенгшщзхфывапролджэячсмитьбю"

#: (word, position, whole text, rng) -> the letter typed instead of word[position].
Replacement = Callable[[str, int, str, random.Random], str]


def keyboard_letter(word: str, p: int, _text: str, rng: random.Random) -> str:
    """Another key of the word's keyboard (Russian or Latin)."""
    keys = _RU_KEYS if re.search("[а-я]", word) else _KEYS
    return rng.choice(keys.replace(word[p], ""))


def letter_from_text(word: str, p: int, text: str, rng: random.Random) -> str:
    """Another letter of the same alphabet, taken from the text itself (any language)."""
    return rng.choice(sorted({c for c in text.lower() if c.isalpha()} - {word[p].lower()}))


def typo(
    text: str,
    rng: random.Random,
    *,
    min_length: int = 5,
    replacement: Replacement = keyboard_letter,
) -> str:
    """`text` with one edit (swap, drop, double or replace a letter) in one long enough word."""
    words = text.split(" ")
    long = [i for i, w in enumerate(words) if len(w) >= min_length and w.isalpha()]
    if not long:
        return text
    i = rng.choice(long)
    w = words[i]
    p = rng.randrange(1, len(w) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        w = w[:p] + w[p + 1] + w[p] + w[p + 2 :]
    elif kind == 1:
        w = w[:p] + w[p + 1 :]
    elif kind == 2:
        w = w[:p] + w[p] + w[p:]
    else:
        w = w[:p] + replacement(w, p, text, rng) + w[p + 1 :]
    words[i] = w
    return " ".join(words)
