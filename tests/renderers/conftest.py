"""Helpers to render a unit written inline, against snippets and other units given inline."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime

import pytest

from importers import read_folder
from kb import ContentBatch, Snapshot, SnippetDocument, SnippetType, StoredUnit
from kb.settings import DEFAULT_CHANNELS
from renderers.base import RenderContext, Renderer, Rendering, RenderLimits
from tests.conftest import SAMPLE_CONTENT, make_unit

TODAY = date(2026, 11, 22)

#: Snippets of every type, for tests that do not care about the sample content.
SNIPPETS = {
    "support_phone": (SnippetType.PHONE, "+44 20 7946 0000"),
    "plan_price": (SnippetType.MONEY, "12.99 GBP"),
    "price_date": (SnippetType.DATE, "2027-04-01"),
    "help_url": (SnippetType.URL, "https://aurora-mobile.example/help"),
    "ussd": (SnippetType.TEXT, "*100#"),
    "identity_check": (SnippetType.MARKDOWN, "Ask for the **date of birth**.\n\nThen the PIN."),
}


def stored(unit_id: str = "check-balance", locale: str = "en", **fields: object) -> StoredUnit:
    """A unit as if read from a release (revision 3, saved by 'ann')."""
    document = make_unit(unit_id, locale, **fields)
    return StoredUnit(
        document=document,
        revision=3,
        revision_id=42,
        author="ann",
        updated_at=datetime(2026, 11, 1, 9, 30, tzinfo=UTC),
        source=document.to_markdown(),
        content_hash=document.content_hash,
    )


def snapshot_with(
    *units: StoredUnit,
    snippets: Mapping[str, tuple[SnippetType, str]] = SNIPPETS,
    locale: str = "en",
) -> Snapshot:
    """A drafts snapshot holding `units` plus a few neighbours to link to."""
    neighbours = [
        stored("tariffs", locale, title="Our tariffs"),
        stored("top-up", locale, title="How do I top up?"),
    ]
    return Snapshot(
        release=None,
        units={u.key: u for u in (*neighbours, *units)},
        snippets={
            (name, locale): SnippetDocument(name, locale, kind, value)
            for name, (kind, value) in snippets.items()
        },
    )


def render(
    renderer: Renderer,
    body: str,
    *,
    limits: RenderLimits | None = None,
    snippets: Mapping[str, tuple[SnippetType, str]] = SNIPPETS,
    **fields: object,
) -> Rendering:
    """Render a unit whose body is `body` (other front-matter fields via `fields`)."""
    locale = str(fields.pop("locale", "en"))
    unit = stored(locale=locale, body=body, **fields)
    snap = snapshot_with(unit, snippets=snippets, locale=locale)
    context = RenderContext.from_snapshot(snap, unit, today=TODAY, limits=limits)
    return renderer.render(context)


@pytest.fixture(scope="session")
def sample_snapshot() -> Snapshot:
    """The sample knowledge base as a drafts snapshot (no database needed)."""
    batch: ContentBatch = read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS)
    units = {}
    for item in batch.units:
        doc = item.document
        units[doc.key] = StoredUnit(
            doc,
            1,
            len(units) + 1,
            "sample",
            datetime(2026, 11, 1, tzinfo=UTC),
            item.source or "",
            doc.content_hash,
        )
    return Snapshot(release=None, units=units, snippets={s.key: s for s in batch.snippets})
