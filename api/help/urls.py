"""Every public address of the help center, decided in one place, so that pages, the links
between them, the old routes' redirects and the sitemap always agree."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request

from kb.settings import Settings

__all__ = [
    "HELP",
    "UNCATEGORIZED",
    "absolute",
    "category_path",
    "home_path",
    "public_base",
    "search_path",
    "unit_path",
]

#: Where the help center lives on the site.
HELP = "/help"
#: The category segment of a unit that names no category.
UNCATEGORIZED = "general"


def _segment(value: str) -> str:
    """One path segment, percent-encoded (ids and slugs are plain, but never trust that)."""
    return quote(value, safe="")


def home_path(locale: str) -> str:
    """The home page of the help center in `locale`: `/help/en`."""
    return f"{HELP}/{_segment(locale)}"


def category_path(locale: str, category: str | None) -> str:
    """A category's page: `/help/en/billing` (`/help/en/general` for units without one)."""
    return f"{home_path(locale)}/{_segment(category or UNCATEGORIZED)}"


def unit_path(locale: str, category: str | None, unit_id: str) -> str:
    """An answer's stable page: `/help/en/billing/check-balance`."""
    return f"{category_path(locale, category)}/{_segment(unit_id)}"


def search_path(locale: str) -> str:
    """The search results page: `/help/en/search?q=...`."""
    return f"{home_path(locale)}/search"


def public_base(request: Request, settings: Settings) -> str:
    """The site's absolute base URL without a trailing slash: `KB_PUBLIC_URL` when set (what
    readers and crawlers reach through the proxy), else the request's own, with the proxy's
    path prefix (`kb serve --root-path`)."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    root = str(request.scope.get("root_path", ""))
    return f"{request.url.scheme}://{request.url.netloc}{root}".rstrip("/")


def absolute(base: str, path: str) -> str:
    """`path` (site-relative, from the functions above) under `base` (`public_base`)."""
    return f"{base.rstrip('/')}{path}"
