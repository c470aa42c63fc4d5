"""The sample knowledge base is what a new user sees first: it must be complete and valid."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from importers import read_folder
from kb import ContentBatch, SnippetType
from kb.settings import DEFAULT_CHANNELS
from tests.conftest import SAMPLE_CONTENT

TODAY = date(2026, 11, 22)


@pytest.fixture(scope="module")
def sample() -> ContentBatch:
    return read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS)


def test_sample_has_thirty_units_per_locale_sharing_ids(sample: ContentBatch) -> None:
    ids: dict[str, set[str]] = {}
    for item in sample.units:
        ids.setdefault(item.document.locale, set()).add(item.document.id)
    assert set(ids) == {"en", "ru"}
    assert len(ids["en"]) >= 30
    assert ids["en"] == ids["ru"]


def test_every_sample_unit_has_five_questions_and_a_category(sample: ContentBatch) -> None:
    for item in sample.units:
        doc = item.document
        assert len(doc.questions) >= 5, doc.key
        assert doc.category, doc.key


def test_sample_uses_every_snippet_type_and_defines_what_it_uses(sample: ContentBatch) -> None:
    for locale in ("en", "ru"):
        defined = {s.name: s for s in sample.snippets if s.locale == locale}
        assert {s.type for s in defined.values()} == set(SnippetType)
        used = set().union(
            *(u.document.snippet_names for u in sample.units if u.document.locale == locale)
        )
        assert used <= set(defined), used - set(defined)
        # Category titles are the help center's, the footer the email channel's: not units'.
        by_site = {n for n in defined if n.startswith("category_") or n == "email_footer"}
        assert by_site, "the help center's category titles are snippets"
        assert set(defined) - by_site <= used, set(defined) - by_site - used


def test_sample_shows_every_feature_of_the_format(sample: ContentBatch) -> None:
    bodies = [u.document.body for u in sample.units]
    assert sum("::: internal" in b for b in bodies) >= 20
    assert sum("::: only " in b for b in bodies) >= 10
    assert sum("(unit:" in b for b in bodies) >= 10
    per_locale = Counter(
        u.document.locale for u in sample.units if u.document.audience == "internal"
    )
    assert per_locale == {"en": 2, "ru": 2}
    stale = Counter(u.document.locale for u in sample.units if u.document.is_stale(TODAY))
    assert stale == {"en": 2, "ru": 2}


def test_sample_unit_links_point_at_existing_units(sample: ContentBatch) -> None:
    import re

    ids = {u.document.id for u in sample.units}
    for item in sample.units:
        for target in re.findall(r"\(unit:([a-z0-9-]+)\)", item.document.body):
            assert target in ids, (item.document.key, target)
