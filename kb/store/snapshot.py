"""A whole knowledge base at one moment: a release, or the drafts the next release takes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType

from kb.content.document import UnitDocument
from kb.content.snippets import SnippetDocument
from kb.errors import UnitNotFound
from kb.store.models import Release

__all__ = ["Snapshot", "StoredUnit"]


@dataclass(frozen=True)
class StoredUnit:
    """A unit document with the facts of the revision it was read from."""

    document: UnitDocument
    revision: int
    revision_id: int
    author: str
    updated_at: datetime
    source: str
    content_hash: str

    @property
    def key(self) -> tuple[str, str]:
        """(id, locale) of the unit."""
        return self.document.key


def _frozen(mapping: Mapping) -> Mapping:  # type: ignore[type-arg]
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Snapshot:
    """Units and snippets of one release (or of the drafts, where `release` is None)."""

    release: Release | None
    units: Mapping[tuple[str, str], StoredUnit] = field(default_factory=dict)
    snippets: Mapping[tuple[str, str], SnippetDocument] = field(default_factory=dict)
    #: The revision row behind each snippet, so a release can point at exactly these.
    snippet_revision_ids: Mapping[tuple[str, str], int] = field(default_factory=dict)
    # Derived once (renderers ask for a locale's units and titles once per unit they render).
    _by_locale: dict[str, tuple[StoredUnit, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _titles: dict[str, Mapping[str, str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _internal: dict[str, frozenset[str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for name in ("units", "snippets", "snippet_revision_ids"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        by_locale: dict[str, list[StoredUnit]] = {}
        for key in sorted(self.units, key=lambda k: (k[1], k[0])):
            by_locale.setdefault(key[1], []).append(self.units[key])
        self._by_locale.update((k, tuple(v)) for k, v in by_locale.items())

    @property
    def number(self) -> int | None:
        """The release number, or None for drafts."""
        return self.release.number if self.release else None

    @property
    def locales(self) -> list[str]:
        """Every locale that has at least one unit, sorted (from the per-locale index: answers
        ask for it on every request)."""
        return sorted(self._by_locale)

    def unit(self, unit_id: str, locale: str) -> StoredUnit:
        """The unit with this id in this locale; UnitNotFound if there is none."""
        try:
            return self.units[(unit_id, locale)]
        except KeyError:
            where = f"release {self.number}" if self.release else "the drafts"
            raise UnitNotFound(f"no unit '{unit_id}' in locale '{locale}' in {where}") from None

    def snippets_for(self, locale: str) -> dict[str, SnippetDocument]:
        """The snippets a unit in `locale` can use, by name."""
        return {name: s for (name, loc), s in self.snippets.items() if loc == locale}

    def iter_units(self, locale: str | None = None) -> Iterator[StoredUnit]:
        """Units sorted by locale and id, optionally of one locale."""
        if locale is not None:
            yield from self._by_locale.get(locale, ())
            return
        for name in sorted(self._by_locale):
            yield from self._by_locale[name]

    def titles(self, locale: str) -> Mapping[str, str]:
        """Every unit's title in `locale` by id (built once per locale: units link by id)."""
        if locale not in self._titles:
            self._titles[locale] = MappingProxyType(
                {u.document.id: u.document.title for u in self.iter_units(locale)}
            )
        return self._titles[locale]

    def internal_ids(self, locale: str) -> frozenset[str]:
        """Ids of the units in `locale` that are for staff only."""
        if locale not in self._internal:
            self._internal[locale] = frozenset(
                u.document.id for u in self.iter_units(locale) if u.document.audience != "public"
            )
        return self._internal[locale]

    def stale(self, today: date) -> list[StoredUnit]:
        """Units whose review date has passed."""
        return [u for u in self.iter_units() if u.document.is_stale(today)]

    def held_back(self) -> list[tuple[str, str]]:
        """Keys of the units marked `draft: true`: stored and editable, never published."""
        return sorted(k for k, u in self.units.items() if u.document.draft)

    def publishable(self) -> Snapshot:
        """This snapshot without the units marked draft: what a release made from it serves."""
        held = set(self.held_back())
        if not held:
            return self
        units = {k: u for k, u in self.units.items() if k not in held}
        return Snapshot(self.release, units, self.snippets, self.snippet_revision_ids)
