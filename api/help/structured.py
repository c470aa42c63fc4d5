"""schema.org JSON-LD for the help center's pages (Article, BreadcrumbList; renderers.faq makes
the FAQPage), and the one way it goes into a page: escaped so that no text in it can close its
<script> element."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

__all__ = ["article", "breadcrumb_list", "script_json"]

_CONTEXT = "https://schema.org"


def script_json(data: object) -> str:
    """`data` as JSON safe inside <script type="application/ld+json">: `<`, `>` and `&` are
    written as \\u escapes, so `</script>` or `<!--` in any value cannot end the element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # U+2028/2029 are valid in JSON but end lines in some script parsers: escaped too.
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(raw, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def breadcrumb_list(trail: Sequence[tuple[str, str]]) -> dict[str, object]:
    """A BreadcrumbList of (name, absolute URL) pairs, from the home page down."""
    return {
        "@context": _CONTEXT,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": name, "item": url}
            for n, (name, url) in enumerate(trail, start=1)
        ],
    }


def article(
    *,
    headline: str,
    description: str,
    url: str,
    locale: str,
    modified: datetime,
    publisher: str,
    section: str,
) -> dict[str, object]:
    """An Article for an answer page: what search engines show for it."""
    return {
        "@context": _CONTEXT,
        "@type": "Article",
        "headline": headline,
        "description": description,
        "inLanguage": locale,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "dateModified": modified.isoformat(),
        "articleSection": section,
        "publisher": {"@type": "Organization", "name": publisher},
    }
