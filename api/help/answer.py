"""An answer's page: the web rendering with its links to other answers pointing at their help
pages, breadcrumbs, related answers (its own links first, then the nearest units by search),
the last updated date, its translations, and Article and BreadcrumbList structured data."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC

from api.help import urls
from api.help.content import category_named, category_of, public_unit, translations
from api.help.layout import Crumb, Where, describe, frame, site_view, switcher
from api.help.render import render
from api.help.structured import article, breadcrumb_list, script_json
from api.help.views import unit_link
from api.help.words import long_date, words
from kb.search.base import SearchResults
from kb.settings import Settings
from kb.store.snapshot import Snapshot, StoredUnit
from renderers.base import RenderContext
from renderers.bidi import without_bidi_controls
from renderers.web import WebRenderer

__all__ = ["FEEDBACK_SLOT", "RELATED", "answer_html", "help_rendering"]

#: Where the page's feedback box goes, per request (it carries that response's receipt).
FEEDBACK_SLOT = "<!--kb-feedback-->"
#: Related answers shown at most.
RELATED = 5
#: Example questions searched, after the title, while fewer than RELATED are found.
RELATED_QUERIES = 4
_WEB = WebRenderer()

#: Searches `text` in a locale among the web's public units (the release's own search).
Searcher = Callable[[str, str], SearchResults]


@dataclass(frozen=True)
class HelpRendering:
    """A unit's web answer with help-page links, and the units it links to, in order."""

    body: str
    linked: tuple[str, ...]


def help_rendering(
    snap: Snapshot, unit: StoredUnit, where: Where, settings: Settings
) -> HelpRendering:
    """`unit` as the web channel renders it, its `unit:` links leading to help pages."""
    linked: list[str] = []

    def unit_url(unit_id: str, locale: str) -> str:
        target = snap.units.get((unit_id, locale))
        if unit_id not in linked:
            linked.append(unit_id)
        category = target.document.category if target is not None else None
        return where.href(urls.unit_path(locale, category, unit_id))

    context = replace(RenderContext.configured(snap, unit, settings), unit_url=unit_url)
    return HelpRendering(_WEB.render(context).body, tuple(linked))


def _related(
    snap: Snapshot, unit: StoredUnit, linked: tuple[str, ...], search: Searcher
) -> list[StoredUnit]:
    """Up to RELATED public answers: the unit's own links, then the units found for its title
    and then for its example questions in turn (a whole title alone often finds only itself)."""
    doc = unit.document
    picked: list[StoredUnit] = []

    def take(unit_ids: Iterable[str]) -> bool:
        for unit_id in unit_ids:
            other = public_unit(snap, unit_id, doc.locale)
            if other is not None and unit_id != doc.id and other not in picked:
                picked.append(other)
            if len(picked) == RELATED:
                return True
        return False

    if take(linked):
        return picked
    for text in (doc.title, *doc.questions[:RELATED_QUERIES]):
        if take(hit.unit_id for hit in search(text, doc.locale).hits):
            break
    return picked


def answer_html(
    snap: Snapshot, unit: StoredUnit, where: Where, settings: Settings, search: Searcher
) -> str:
    """The answer page of `unit` (public, web), with FEEDBACK_SLOT where the box goes."""
    assert snap.number is not None
    doc = unit.document
    locale = doc.locale
    w = words(locale)
    site = where.site_name(locale)
    segment = category_of(unit)
    category = category_named(snap, locale, segment)[0]
    title = without_bidi_controls(doc.title)
    rendering = help_rendering(snap, unit, where, settings)
    home, listed = urls.home_path(locale), urls.category_path(locale, segment)
    here = urls.unit_path(locale, segment, doc.id)
    paths = [
        (t.document.locale, urls.unit_path(t.document.locale, category_of(t), doc.id))
        for t in translations(snap, doc.id)
    ]
    alternates, locales = switcher(where, locale, paths)
    description = describe(rendering.body, title)
    updated = unit.updated_at if unit.updated_at.tzinfo else unit.updated_at.replace(tzinfo=UTC)
    trail = [
        (w["home"], where.absolute(home)),
        (category, where.absolute(listed)),
        (title, where.absolute(here)),
    ]
    data = article(
        headline=title,
        description=description,
        url=where.absolute(here),
        locale=locale,
        modified=updated,
        publisher=site,
        section=category,
    )
    page = frame(
        where,
        locale,
        snap.number,
        title=f"{title} | {site}",
        heading=title,
        description=description,
        canonical=where.absolute(here),
        alternates=alternates,
        locales=locales,
        og_type="article",
        breadcrumbs=(
            Crumb(w["home"], where.href(home)),
            Crumb(category, where.href(listed)),
            Crumb(title, None),
        ),
        json_ld=(script_json(data), script_json(breadcrumb_list(trail))),
    )
    related = [unit_link(where, u) for u in _related(snap, unit, rendering.linked, search)]
    return render(
        "answer.html",
        page=page,
        ui=w,
        site=site_view(where, locale),
        root=where.root,
        body=rendering.body,
        related=related,
        updated_iso=updated.date().isoformat(),
        updated_text=long_date(updated.date(), locale),
    )
