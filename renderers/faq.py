"""A list of units as an FAQ page: an accordion of web answers plus schema.org FAQPage JSON-LD."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from kb.store.snapshot import Snapshot, StoredUnit
from renderers.base import RenderContext, Renderer
from renderers.bidi import without_bidi_controls
from renderers.checks import enabled_renderers
from renderers.web import WebRenderer

__all__ = ["FaqEntry", "FaqPage", "faq_page", "faq_units"]


@dataclass(frozen=True)
class FaqEntry:
    """One question of the page and its web answer (safe HTML), for widgets that lay it out."""

    unit_id: str
    title: str
    category: str | None
    answer: str


@dataclass(frozen=True)
class FaqPage:
    """The page fragment and its structured data, for sites and search engines."""

    html: str
    json_ld: dict[str, object]
    entries: tuple[FaqEntry, ...]

    @property
    def unit_ids(self) -> tuple[str, ...]:
        """The units listed, in page order."""
        return tuple(e.unit_id for e in self.entries)


def faq_units(snapshot: Snapshot, locale: str, category: str | None = None) -> list[StoredUnit]:
    """Public units shown on the web in `locale` (and `category`), in title order."""
    web: Sequence[Renderer] = [WebRenderer()]
    return sorted(
        (
            u
            for u in snapshot.iter_units(locale)
            if enabled_renderers(u, web) and (category is None or u.document.category == category)
        ),
        key=lambda u: u.document.title.casefold(),
    )


def _script_json(data: object) -> str:
    """JSON safe inside a <script> element: no `</script>` or `<!--` can close it early."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def faq_page(
    snapshot: Snapshot, locale: str, *, category: str | None = None, today: date | None = None
) -> FaqPage:
    """Render each unit's web answer under its title, and the matching FAQPage JSON-LD."""
    renderer = WebRenderer()
    items: list[str] = []
    entries: list[FaqEntry] = []
    entities: list[dict[str, object]] = []
    units = faq_units(snapshot, locale, category)
    for unit in units:
        answer = renderer.render(RenderContext.from_snapshot(snapshot, unit, today=today)).body
        title = without_bidi_controls(unit.document.title)
        entries.append(FaqEntry(unit.document.id, title, unit.document.category, answer))
        items.append(
            f'<details class="kb-faq-item" id="{escape(unit.document.id)}">'
            f"<summary>{escape(title)}</summary>\n{answer}</details>\n"
        )
        entities.append(
            {
                "@type": "Question",
                "name": title,
                "acceptedAnswer": {"@type": "Answer", "text": answer.strip()},
            }
        )
    json_ld: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "inLanguage": locale,
        "mainEntity": entities,
    }
    html = (
        f'<section class="kb-faq" lang="{escape(locale)}">\n{"".join(items)}'
        f'<script type="application/ld+json">{_script_json(json_ld)}</script>\n</section>\n'
    )
    return FaqPage(html=html, json_ld=json_ld, entries=tuple(entries))
