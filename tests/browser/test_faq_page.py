"""The plain web FAQ page: the widget's fallback, public units only, accessible."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Site, serious_violations


def test_web_faq_lists_public_units_with_release_and_passes_axe(
    page: Any, site: Site, axe_source: str
) -> None:
    page.goto(f"{site.url}/faq?locale=en")
    titles = page.locator("details.kb-faq-item summary").all_inner_texts()
    assert "How do I check my balance?" in titles or any("balance" in t.lower() for t in titles)
    assert page.locator(".kb-release").inner_text() == "Release 1"
    assert "kb-internal" not in page.content()
    assert serious_violations(page, axe_source) == []
