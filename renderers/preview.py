"""The editor's view of the drafts: an unsaved unit in every channel with the checks `kb check`
runs on it, and every draft unit's error and warning counts, re-checked only where they can
have changed."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from types import MappingProxyType

from kb.content.document import UnitDocument
from kb.content.markdown import parse_body
from kb.content.snippets import SnippetType
from kb.store.snapshot import Snapshot, StoredUnit
from renderers import registry
from renderers.base import Finding, RenderContext, Renderer, Rendering, RenderLimits, Severity
from renderers.checks import check_unit, missing_translation, missing_translations

__all__ = ["DraftChecks", "Preview", "preview_unit"]

Key = tuple[str, str]


@dataclass(frozen=True)
class Preview:
    """An unsaved unit rendered in each channel it is enabled for, and what the checks found."""

    unit: StoredUnit
    renderings: tuple[Rendering, ...]
    #: Errors first; one finding per problem (a broken link seen by four channels is one).
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> int:
        """How many findings would block publishing."""
        return sum(f.blocking for f in self.findings)

    @property
    def warnings(self) -> int:
        """How many findings are shown but would not block publishing."""
        return len(self.findings) - self.errors


def preview_unit(
    snapshot: Snapshot,
    document: UnitDocument,
    *,
    source: str = "",
    today: date | None = None,
    limits: RenderLimits | None = None,
    renderers: Sequence[Renderer] | None = None,
    public_url: str | None = None,
) -> Preview:
    """`document` as if saved into the drafts `snapshot`: rendered against the snapshot's
    snippets and units (its own title and audience count, not the saved ones), and checked;
    `public_url` is the help pages' address (`KB_PUBLIC_URL`), as the channels get it."""
    saved = snapshot.units.get(document.key)
    unit = StoredUnit(
        document=document,
        revision=saved.revision if saved is not None else 0,
        revision_id=saved.revision_id if saved is not None else 0,
        author=saved.author if saved is not None else "",
        updated_at=datetime.now(UTC),
        source=source,
        content_hash=document.content_hash,
    )
    locale = document.locale
    internal = snapshot.internal_ids(locale)
    context = RenderContext(
        unit=unit,
        parsed=parse_body(document.body),
        snippets=MappingProxyType(snapshot.snippets_for(locale)),
        unit_titles={**snapshot.titles(locale), document.id: document.title},
        release=None,
        today=today or date.today(),
        limits=limits or RenderLimits(),
        internal_units=internal | {document.id}
        if document.audience != "public"
        else internal - {document.id},
        public_url=public_url,
    )
    renderings, findings = check_unit(context, list(renderers or registry.renderers()))
    locales = {*snapshot.locales, locale}
    have = {loc for loc in locales if (document.id, loc) in snapshot.units} | {locale}
    untranslated = missing_translation(document.id, have, locales)
    if untranslated is not None:
        findings.append(replace(untranslated, locale=locale))
    return Preview(unit, tuple(renderings), tuple(_errors_first(findings)))


def _errors_first(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.severity is not Severity.ERROR, f.channel or ""))


@dataclass(frozen=True)
class _Checked:
    """One unit's check result, and everything outside the unit that it depended on."""

    content_hash: str
    unit_links: frozenset[str]
    snippet_names: frozenset[str]
    depends: tuple[object, ...]
    errors: int
    warnings: int


class DraftChecks:
    """`kb check`'s error and warning counts per draft unit, for the editor's overview.

    A whole result is kept for the snapshot it was worked out for (and the day: units go
    stale), so asking again about unchanged drafts costs nothing. When the drafts change, a
    unit is checked again only if something its findings depend on changed: its own content,
    the values of the snippets it uses, the titles and audience of the units it links to (of
    every unit in its locale when it uses a markdown snippet, which may link too), or whether
    it is past its review date. Missing translations are worked out afresh each time (no
    rendering). Thread-safe; one instance serves any number of knowledge bases.
    """

    def __init__(
        self, *, limits: RenderLimits | None = None, renderers: Sequence[Renderer] | None = None
    ) -> None:
        self._limits = limits or RenderLimits()
        self._renderers = tuple(renderers) if renderers is not None else None
        self._lock = threading.Lock()
        self._units: dict[Key, _Checked] = {}
        self._last: tuple[Snapshot, date, Mapping[Key, tuple[int, int]]] | None = None

    def counts(
        self, snapshot: Snapshot, today: date | None = None
    ) -> Mapping[Key, tuple[int, int]]:
        """(unit id, locale) -> (errors, warnings) for every unit of `snapshot`."""
        today = today or date.today()
        with self._lock:
            last = self._last
            if last is not None and last[0] is snapshot and last[1] == today:
                return last[2]
            renderers = list(self._renderers or registry.renderers())
            names = tuple(r.name for r in renderers)
            around = _Surroundings(snapshot)
            units: dict[Key, _Checked] = {}
            for unit in snapshot.iter_units():
                known = self._units.get(unit.key)
                units[unit.key] = self._check(
                    snapshot, unit, today, renderers, names, around, known
                )
            self._units = units
            counts = {key: [c.errors, c.warnings] for key, c in units.items()}
            for finding in missing_translations(snapshot):
                counts[(finding.unit_id or "", finding.locale or "")][1] += 1
            result = MappingProxyType({key: (e, w) for key, (e, w) in counts.items()})
            self._last = (snapshot, today, result)
            return result

    def _check(
        self,
        snapshot: Snapshot,
        unit: StoredUnit,
        today: date,
        renderers: list[Renderer],
        names: tuple[str, ...],
        around: _Surroundings,
        known: _Checked | None,
    ) -> _Checked:
        doc = unit.document
        if known is not None and known.content_hash == unit.content_hash:
            unit_links, snippet_names = known.unit_links, known.snippet_names
        else:
            parsed = parse_body(doc.body)
            unit_links = frozenset(parsed.unit_links)
            snippet_names = parsed.snippet_names | doc.snippet_names
        snippets = around.snippets(doc.locale)
        used = tuple((n, snippets.get(n)) for n in sorted(snippet_names))
        if any(facts is not None and facts[1] for _name, facts in used):
            targets: object = around.locale_stamp(doc.locale)  # its snippets may link too
        else:
            targets = around.targets(doc.locale, unit_links)
        depends = (names, self._limits, used, targets, doc.is_stale(today))
        if known is not None and (known.content_hash, known.depends) == (
            unit.content_hash,
            depends,
        ):
            return known
        context = RenderContext.from_snapshot(snapshot, unit, today=today, limits=self._limits)
        findings = check_unit(context, renderers)[1]
        errors = sum(f.blocking for f in findings)
        return _Checked(
            unit.content_hash,
            unit_links,
            snippet_names,
            depends,
            errors,
            len(findings) - errors,
        )


class _Surroundings:
    """What outside a unit its findings depend on, in one snapshot: worked out once a locale."""

    def __init__(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        self._snippets: dict[str, dict[str, tuple[str, bool]]] = {}
        self._stamps: dict[str, str] = {}

    def snippets(self, locale: str) -> Mapping[str, tuple[str, bool]]:
        """Name -> (content hash, whether it is markdown) of the snippets of `locale`."""
        if locale not in self._snippets:
            self._snippets[locale] = {
                name: (s.content_hash, s.type is SnippetType.MARKDOWN)
                for name, s in self._snapshot.snippets_for(locale).items()
            }
        return self._snippets[locale]

    def targets(self, locale: str, ids: frozenset[str]) -> tuple[tuple[str, str | None, bool], ...]:
        """Each linked unit's title (None: missing) and whether it is internal."""
        titles = self._snapshot.titles(locale)
        internal = self._snapshot.internal_ids(locale)
        return tuple((i, titles.get(i), i in internal) for i in sorted(ids))

    def locale_stamp(self, locale: str) -> str:
        """A digest of every unit's title and audience in `locale`."""
        if locale not in self._stamps:
            titles = self._snapshot.titles(locale)
            internal = self._snapshot.internal_ids(locale)
            digest = hashlib.sha256()
            for unit_id in sorted(titles):
                digest.update(f"{unit_id}\0{titles[unit_id]}\0{unit_id in internal}\n".encode())
            self._stamps[locale] = digest.hexdigest()
        return self._stamps[locale]
