"""The help center's list pages as HTML: home, category, search results and the error pages.
Each is a function of the release, the locale served and where the page is (api.help.layout);
the routes (api.help.routes) cache and send them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape
from urllib.parse import unquote, urlencode

from api.help import urls
from api.help.content import categories, category_named, category_of, public_unit
from api.help.layout import Crumb, Link, Where, clip, frame, site_view, switcher
from api.help.render import render
from api.help.structured import breadcrumb_list, script_json
from api.help.words import words
from kb.search.base import SearchResults
from kb.store.snapshot import Snapshot, StoredUnit
from renderers.bidi import without_bidi_controls
from renderers.faq import faq_page

__all__ = ["category_html", "error_html", "home_html", "search_html", "unit_link"]


def unit_link(where: Where, unit: StoredUnit) -> Link:
    """A link to `unit`'s answer page, titled."""
    doc = unit.document
    path = urls.unit_path(doc.locale, category_of(unit), doc.id)
    return Link(where.href(path), without_bidi_controls(doc.title))


#: How the web channel links another unit (renderers.base): rewritten to its help page.
_UNIT_HREF = re.compile(r'href="/units/([^"?#&]+)\?locale=([^"?#&]+)"')


def _faq_json_ld(snap: Snapshot, where: Where, locale: str, category: str | None) -> str:
    """The FAQPage of the listed answers (renderers.faq), their links to other answers made
    absolute help URLs (what a crawler follows), escaped for a <script>."""

    def help_href(match: re.Match[str]) -> str:
        unit_id, in_locale = unquote(match[1]), unquote(match[2])
        target = snap.units.get((unit_id, in_locale))
        segment = category_of(target) if target is not None else None
        return f'href="{escape(where.absolute(urls.unit_path(in_locale, segment, unit_id)))}"'

    data = faq_page(snap, locale, category=category).json_ld
    for question in data.get("mainEntity", []):  # type: ignore[union-attr]
        answer = question["acceptedAnswer"]
        answer["text"] = _UNIT_HREF.sub(help_href, answer["text"])
    return script_json(data)


def home_html(snap: Snapshot, where: Where, locale: str, popular: Sequence[str]) -> str:
    """The home page in `locale`: search, the popular answers (`popular`, ids in order), then
    every category with its answers."""
    assert snap.number is not None
    w = words(locale)
    site = where.site_name(locale)
    found = categories(snap, locale)
    listed = [
        {
            "segment": c.segment,
            "title": c.title,
            "description": c.description,
            "href": where.href(urls.category_path(locale, c.segment)),
            "answers": [unit_link(where, u) for u in c.units],
        }
        for c in found
    ]
    shown = (public_unit(snap, unit_id, locale) for unit_id in popular)
    popular_links = [unit_link(where, u) for u in shown if u is not None]
    paths = [(loc, urls.home_path(loc)) for loc in snap.locales if categories(snap, loc)]
    alternates, locales = switcher(where, locale, paths)
    home = where.absolute(urls.home_path(locale))
    description = clip(" · ".join(c.title for c in found))
    page = frame(
        where,
        locale,
        snap.number,
        title=site,
        heading=site,
        description=description,
        canonical=home,
        alternates=alternates,
        locales=locales,
        json_ld=(
            _faq_json_ld(snap, where, locale, None),
            script_json(breadcrumb_list([(w["home"], home)])),
        ),
        show_search_in_header=False,
    )
    return render(
        "home.html",
        page=page,
        ui=w,
        site=site_view(where, locale),
        root=where.root,
        categories=listed,
        popular=popular_links,
    )


def category_html(snap: Snapshot, where: Where, locale: str, segment: str) -> str | None:
    """A category's page in `locale`, or None when it has no public answers there."""
    assert snap.number is not None
    found = next((c for c in categories(snap, locale) if c.segment == segment), None)
    if found is None:
        return None
    w = words(locale)
    site = where.site_name(locale)
    home, here = urls.home_path(locale), urls.category_path(locale, segment)
    paths = [
        (loc, urls.category_path(loc, segment))
        for loc in snap.locales
        if any(c.segment == segment for c in categories(snap, loc))
    ]
    alternates, locales = switcher(where, locale, paths)
    trail = [(w["home"], where.absolute(home)), (found.title, where.absolute(here))]
    category = None if segment == urls.UNCATEGORIZED else segment
    page = frame(
        where,
        locale,
        snap.number,
        title=f"{found.title} | {site}",
        heading=found.title,
        description=clip(found.description or w["answers_in"].format(found.title)),
        canonical=where.absolute(here),
        alternates=alternates,
        locales=locales,
        breadcrumbs=(Crumb(w["home"], where.href(home)), Crumb(found.title, None)),
        json_ld=(_faq_json_ld(snap, where, locale, category), script_json(breadcrumb_list(trail))),
    )
    return render(
        "category.html",
        page=page,
        ui=w,
        site=site_view(where, locale),
        root=where.root,
        description=found.description,
        items=[unit_link(where, u) for u in found.units],
    )


def search_html(
    snap: Snapshot, where: Where, locale: str, query: str, results: SearchResults | None
) -> str:
    """The results of `query` in `locale` (None: nothing asked yet): highlighted snippets, and
    "did you mean" linking the corrected search. Never indexed by search engines."""
    assert snap.number is not None
    w = words(locale)
    site = where.site_name(locale)
    hits = []
    for hit in results.hits if results else ():
        unit = public_unit(snap, hit.unit_id, locale)
        if unit is not None:  # the web search shows customers only public units already
            link = unit_link(where, unit)
            hits.append({"href": link.href, "title": link.title, "snippet": hit.snippet})
    corrected = results.did_you_mean if results else None
    did_you_mean = None
    if corrected:
        href = f"{where.href(urls.search_path(locale))}?{urlencode({'q': corrected})}"
        did_you_mean = {"href": href, "text": corrected}
    heading = w["results_title"].format(query) if query else w["search_button"]
    page = frame(
        where,
        locale,
        snap.number,
        title=f"{heading} | {site}",
        heading=heading,
        query=query,
        noindex=True,
        show_search_in_header=False,
    )
    return render(
        "search.html",
        page=page,
        ui=w,
        site=site_view(where, locale),
        root=where.root,
        asked=bool(query),
        results=hits,
        did_you_mean=did_you_mean,
        count_text=w["results_count"].format(results.total if results else 0),
        none_text=w["results_none"].format(query),
    )


def error_html(where: Where, locale: str, release: int | None, status: int) -> str:
    """The site's page for `status` (404, 403 or a failure) in `locale`'s UI language."""
    w = words(locale)
    key = {404: "not_found", 403: "forbidden"}.get(status, "error")
    heading = w[f"{key}_title"]
    page = frame(
        where,
        locale,
        release,
        title=f"{heading} | {where.site_name(locale)}",
        heading=heading,
        noindex=True,
        show_search_in_header=False,
    )
    return render(
        "error.html",
        page=page,
        ui=w,
        site=site_view(where, locale),
        root=where.root,
        text=w[f"{key}_text"],
        searchable=status == 404,
    )


def category_title(snap: Snapshot, locale: str, segment: str) -> str:
    """A category's human title in `locale`."""
    return category_named(snap, locale, segment)[0]
