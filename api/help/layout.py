"""What every help page has around its content: where it is (root prefix, absolute base), its
head (title, description, canonical, hreflang, Open Graph, JSON-LD) and the site's frame."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import unescape

from api.help import urls
from api.help.site import Site
from api.help.words import language_name, ui_language, words

__all__ = [
    "DESCRIPTION_CHARS",
    "Alternate",
    "Crumb",
    "Link",
    "LocaleLink",
    "Page",
    "Where",
    "clip",
    "describe",
    "frame",
    "site_view",
    "switcher",
]

#: About what search engines show of a meta description.
DESCRIPTION_CHARS = 155
#: Languages written right to left (the page's `dir`).
_RTL = frozenset({"ar", "fa", "he", "ur", "yi", "ps", "dv", "ug"})
_PARAGRAPH = re.compile(r"<p\b[^>]*>(.*?)</p>", re.S | re.I)
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Where:
    """The request's facts a page depends on: the proxy's path prefix (`kb serve
    --root-path`) for links, the absolute base for canonical URLs, and the site."""

    root: str
    base: str
    site: Site
    default_locale: str

    def href(self, path: str) -> str:
        """A link on the page to `path` (from urls), under the prefix."""
        return f"{self.root}{path}"

    def absolute(self, path: str) -> str:
        """`path` as an absolute URL (canonical, hreflang, Open Graph, JSON-LD)."""
        return urls.absolute(self.base, path)

    def site_name(self, locale: str) -> str:
        """The site's name, or the help center's in `locale`'s UI language."""
        return self.site.name or words(locale)["site"]


@dataclass(frozen=True)
class Link:
    """A link to an answer or a category."""

    href: str
    title: str


@dataclass(frozen=True)
class Alternate:
    """A <link rel=alternate hreflang> of the page."""

    hreflang: str
    href: str


@dataclass(frozen=True)
class LocaleLink:
    """One entry of the locale switcher."""

    hreflang: str
    href: str
    name: str
    current: bool


@dataclass(frozen=True)
class Crumb:
    """One step of the breadcrumbs; the last has no link."""

    name: str
    href: str | None


@dataclass(frozen=True)
class Page:
    """The frame and head of one page (see base.html)."""

    lang: str
    title: str
    heading: str
    release: int | None
    home_url: str
    search_url: str
    api_url: str
    general_url: str
    description: str = ""
    canonical: str | None = None
    alternates: tuple[Alternate, ...] = ()
    og_type: str = "website"
    json_ld: tuple[str, ...] = ()
    query: str = ""
    notice: str = ""
    breadcrumbs: tuple[Crumb, ...] = ()
    locales: tuple[LocaleLink, ...] = ()
    noindex: bool = False
    show_search_in_header: bool = True
    extra: Mapping[str, object] = field(default_factory=dict)

    @property
    def dir(self) -> str:
        """The content's writing direction."""
        return "rtl" if self.lang.split("-")[0].lower() in _RTL else "ltr"

    @property
    def ui_lang_attr(self) -> str:
        """` lang="en"` on the help center's own words when they are not in the content's
        language (content in Bulgarian, words in English), else nothing."""
        ui = ui_language(self.lang)
        return "" if ui == self.lang.split("-")[0].lower() else f' lang="{ui}"'

    @property
    def og_locale(self) -> str:
        """The locale as Open Graph writes it (`en_GB`)."""
        return self.lang.replace("-", "_")


def frame(where: Where, locale: str, release: int | None, **fields: object) -> Page:
    """A page in `locale` with the links every page has (home, search, the JSON search)."""
    return Page(
        lang=locale,
        release=release,
        home_url=where.href(urls.home_path(locale)),
        search_url=where.href(urls.search_path(locale)),
        api_url=where.href("/api/v1/search"),
        general_url=where.href(urls.category_path(locale, None)),
        **fields,  # type: ignore[arg-type]
    )


def describe(html: str, fallback: str = "") -> str:
    """A meta description from safe HTML: its first paragraph's text, cut at a word near
    DESCRIPTION_CHARS; `fallback` when there is none."""
    found = _PARAGRAPH.search(html)
    text = " ".join(unescape(_TAG.sub(" ", found.group(1))).split()) if found else ""
    return clip(text or fallback)


def clip(text: str) -> str:
    """`text` on one line, cut at a word (with "…") to fit DESCRIPTION_CHARS."""
    text = " ".join(text.split())
    if len(text) <= DESCRIPTION_CHARS:
        return text
    cut = text[: DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0].rstrip(" ,;:.-·")
    return f"{cut}…"


def switcher(
    where: Where, current: str, paths: Sequence[tuple[str, str]]
) -> tuple[tuple[Alternate, ...], tuple[LocaleLink, ...]]:
    """The hreflang alternates (with x-default: the default locale's, else the first) and the
    locale switcher for a page that exists at `paths`, (locale, path) pairs."""
    if not paths:
        return (), ()
    alternates = [Alternate(locale, where.absolute(path)) for locale, path in paths]
    default = next((p for loc, p in paths if loc == where.default_locale), paths[0][1])
    alternates.append(Alternate("x-default", where.absolute(default)))
    links = tuple(
        LocaleLink(locale, where.href(path), language_name(locale), locale == current)
        for locale, path in paths
    )
    return tuple(alternates), links if len(links) > 1 else ()


def site_view(where: Where, locale: str) -> dict[str, object]:
    """The site's name, logo and theme CSS as base.html shows them."""
    logo = where.site.logo
    local = bool(logo and logo.startswith("/"))
    logo_url = where.href(logo) if logo and local else logo
    image = where.absolute(logo) if logo and local else logo  # Open Graph wants it absolute
    css = where.site.css.replace("<", "")  # a theme's CSS can never close its <style>
    return {"name": where.site_name(locale), "logo_url": logo_url, "image": image, "css": css}
