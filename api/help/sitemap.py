"""The help center's sitemap, made from a release: every page customers may read (each locale's
home, its categories and its public answers) with the release's time as `lastmod` and every
translation of the page as an `hreflang` alternate, in Google's documented form.

One file holds at most 50,000 URLs and 50 MB (the sitemaps.org limits); a larger site gets a
sitemap index at /sitemap.xml pointing at /sitemap-1.xml, /sitemap-2.xml, ... Pure functions of
a snapshot and an absolute base URL, so that the routes (api/help/seo_files.py) can keep what
they make per release.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.sax.saxutils import escape, quoteattr

from api.help.urls import UNCATEGORIZED, absolute, category_path, home_path, unit_path
from kb.store.snapshot import Snapshot, StoredUnit
from renderers import registry
from renderers.checks import hidden_reason

__all__ = [
    "MAX_BYTES",
    "MAX_URLS",
    "SitemapPage",
    "help_pages",
    "sitemap_files",
    "sitemap_index",
    "w3c_datetime",
]

#: What one sitemap file may hold (sitemaps.org): more, and /sitemap.xml becomes an index.
MAX_URLS = 50_000
MAX_BYTES = 50 * 1024 * 1024
_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
_XHTML = "http://www.w3.org/1999/xhtml"
_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
_URLSET = f'<urlset xmlns="{_NS}" xmlns:xhtml="{_XHTML}">\n'
_URLSET_END = "</urlset>\n"


@dataclass(frozen=True)
class SitemapPage:
    """One page of the help center: its path and its versions by locale (itself among them);
    `x_default` is the path of the version for readers of any other language."""

    path: str
    alternates: tuple[tuple[str, str], ...]
    x_default: str


def help_pages(snap: Snapshot, default_locale: str) -> list[SitemapPage]:
    """Every page customers may read in the release `snap`, locale by locale: the home page,
    the category pages, then the answers; internal units and units kept off the web never."""
    web = registry.get("web")
    public: dict[str, list[StoredUnit]] = {
        locale: [u for u in snap.iter_units(locale) if hidden_reason(u, web) is None]
        for locale in snap.locales
    }
    public = {locale: units for locale, units in public.items() if units}
    homes = {locale: home_path(locale) for locale in public}
    categories: dict[str, dict[str, str]] = {}  # segment -> locale -> path
    answers: dict[str, dict[str, str]] = {}  # unit id -> locale -> path
    for locale, units in public.items():
        for unit in units:
            doc = unit.document
            segment = doc.category or UNCATEGORIZED
            categories.setdefault(segment, {})[locale] = category_path(locale, doc.category)
            answers.setdefault(doc.id, {})[locale] = unit_path(locale, doc.category, doc.id)
    pages: list[SitemapPage] = []
    for locale in public:
        pages.append(_page(locale, homes, default_locale))
        for segment in sorted(categories):
            if locale in categories[segment]:
                pages.append(_page(locale, categories[segment], default_locale))
        for unit in sorted(
            public[locale], key=lambda u: (u.document.category or "", u.document.id)
        ):
            pages.append(_page(locale, answers[unit.document.id], default_locale))
    return pages


def _page(locale: str, versions: dict[str, str], default_locale: str) -> SitemapPage:
    """The page in `locale` among its `versions` (path by locale)."""
    ordered = tuple(sorted(versions.items()))
    fallback = versions.get(default_locale) or ordered[0][1]
    return SitemapPage(versions[locale], ordered, fallback)


def w3c_datetime(moment: datetime) -> str:
    """`moment` in the W3C datetime form sitemaps use, in UTC to the second (a naive one is
    taken as UTC, as the store writes them)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _entry(page: SitemapPage, base: str, lastmod: str) -> str:
    """One <url> element."""
    links = "".join(
        f'<xhtml:link rel="alternate" hreflang={quoteattr(lang)} '
        f"href={quoteattr(absolute(base, path))}/>"
        for lang, path in (*page.alternates, ("x-default", page.x_default))
    )
    loc = escape(absolute(base, page.path))
    return f"<url><loc>{loc}</loc><lastmod>{lastmod}</lastmod>{links}</url>\n"


def sitemap_files(
    pages: Sequence[SitemapPage],
    base: str,
    lastmod: str,
    *,
    max_urls: int = MAX_URLS,
    max_bytes: int = MAX_BYTES,
) -> list[bytes]:
    """The <urlset> documents listing `pages` under `base`, each within `max_urls` URLs and
    `max_bytes` bytes: one for most sites, several for an index to point at."""
    room = max_bytes - len((_HEAD + _URLSET + _URLSET_END).encode())
    files: list[list[bytes]] = [[]]
    size = 0
    for page in pages:
        entry = _entry(page, base, lastmod).encode("utf-8")
        if files[-1] and (len(files[-1]) >= max_urls or size + len(entry) > room):
            files.append([])
            size = 0
        files[-1].append(entry)
        size += len(entry)
    return [(_HEAD + _URLSET).encode() + b"".join(f) + _URLSET_END.encode() for f in files]


def sitemap_index(locations: Sequence[str], lastmod: str) -> bytes:
    """A <sitemapindex> pointing at the sitemap files at `locations` (absolute URLs)."""
    entries = "".join(
        f"<sitemap><loc>{escape(loc)}</loc><lastmod>{lastmod}</lastmod></sitemap>\n"
        for loc in locations
    )
    return f'{_HEAD}<sitemapindex xmlns="{_NS}">\n{entries}</sitemapindex>\n'.encode()
