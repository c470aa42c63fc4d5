"""Unit ids for imported items: slugs of titles, questions and names in any script, so that
every importer makes the same id of the same words."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["slugify"]

#: Cyrillic letters in Latin for ids, as Russian reads them (Bulgarian differs in `_BULGARIAN`).
_CYRILLIC_LATIN = (
    "a b v g d e e zh z i y k l m n o p r s t u f h ts ch sh shch - y - e yu ya "
    "ye i yi g u g k dz j lj nj c dz"
)
_CYRILLIC = dict(
    zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяєіїґўѓќѕјљњћџ", _CYRILLIC_LATIN.split(), strict=True)
)
#: Where Bulgarian's official transliteration differs from Russian's.
_BULGARIAN = {"щ": "sht", "ъ": "a", "ь": "y"}
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, *, locale: str = "", limit: int = 200) -> str:
    """A slug of `text`: Cyrillic transliterated (the Bulgarian way for a `bg` locale), accents
    dropped, anything else a hyphen, cut at a hyphen to at most `limit` characters ('' when
    nothing is left)."""
    table = {**_CYRILLIC, **_BULGARIAN} if locale.split("-")[0] == "bg" else _CYRILLIC
    letters = []
    for char in text.lower():
        if char in table:
            letters.append(table[char].strip("-"))
        else:
            letters.append(unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode())
    slug = _NOT_SLUG.sub("-", "".join(letters)).strip("-")
    if len(slug) > limit:
        slug = slug[: limit + 1].rsplit("-", 1)[0] if "-" in slug[:limit] else slug[:limit]
    return slug.strip("-")
