"""What the help center shows of a release: its public web units by category, category names
from snippets, a unit's translations and related answers. Pure functions of a snapshot, so
that every page (and the sitemap) agrees on what is public."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from api.help.urls import UNCATEGORIZED
from kb.store.snapshot import Snapshot, StoredUnit
from renderers.checks import hidden_reason
from renderers.faq import faq_units
from renderers.web import WebRenderer

__all__ = [
    "Category",
    "categories",
    "category_named",
    "category_of",
    "public_unit",
    "public_units",
    "translations",
]

_WEB = WebRenderer()


@dataclass(frozen=True)
class Category:
    """A category as the help center shows it: its URL segment, human title and description,
    and its public units in title order."""

    segment: str
    title: str
    description: str | None
    units: tuple[StoredUnit, ...]


def public_units(snap: Snapshot, locale: str) -> list[StoredUnit]:
    """The units customers may read on the web in `locale`, in title order."""
    return faq_units(snap, locale)


def public_unit(snap: Snapshot, unit_id: str, locale: str) -> StoredUnit | None:
    """Unit `unit_id` in `locale` if the web shows it to customers, else None."""
    unit = snap.units.get((unit_id, locale))
    if unit is None or hidden_reason(unit, _WEB) is not None:
        return None
    return unit


def category_of(unit: StoredUnit) -> str:
    """The URL segment of `unit`'s category (`general` for none)."""
    return unit.document.category or UNCATEGORIZED


@lru_cache(maxsize=256)
def _words_of(segment: str) -> str:
    """A slug's words, capitalised: `sim-and-device` -> `Sim and device`."""
    words = segment.replace("_", " ").replace("-", " ").split()
    return " ".join(words).capitalize() if words else segment


def _snippet(snap: Snapshot, locale: str, name: str) -> str | None:
    found = snap.snippets.get((name, locale))
    return found.value.strip() or None if found is not None else None


def category_named(snap: Snapshot, locale: str, segment: str) -> tuple[str, str | None]:
    """A category's title and description in `locale`: the snippets `category_<slug>` and
    `category_<slug>_description` (hyphens as underscores), else the slug's words."""
    name = "category_" + segment.replace("-", "_")
    title = _snippet(snap, locale, name) or _words_of(segment)
    return title, _snippet(snap, locale, f"{name}_description")


def categories(snap: Snapshot, locale: str) -> list[Category]:
    """Every category with public units in `locale`, by title (units without one last)."""
    grouped: dict[str, list[StoredUnit]] = {}
    for unit in public_units(snap, locale):
        grouped.setdefault(category_of(unit), []).append(unit)
    found = [
        Category(segment, *category_named(snap, locale, segment), units=tuple(units))
        for segment, units in grouped.items()
    ]
    return sorted(found, key=lambda c: (c.segment == UNCATEGORIZED, c.title.casefold()))


def translations(snap: Snapshot, unit_id: str) -> list[StoredUnit]:
    """The unit in every locale where customers may read it on the web, by locale."""
    found = (public_unit(snap, unit_id, locale) for locale in snap.locales)
    return [unit for unit in found if unit is not None]
