"""The editor's consistency view in a real browser: it shows a contradiction (both units, sources,
values and sentences) and a duplicate, merges the duplicate, and makes a snippet of a value
typed into many units."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from kb.content.document import UnitSource
from tests.browser.conftest import Site, screenshot, serious_violations
from tests.conftest import make_unit

PHONE = "+44 20 7946 0321"  # in no sample unit or snippet


def _add_silos(site: Site) -> None:
    """Drafts beside the sample content: a help-center article and a bot reply that answer the
    same question with different refund periods, and one phone number typed into three units."""
    zendesk = UnitSource("zendesk", "360001", "https://example.zendesk.com/hc/articles/360001")
    units = [
        make_unit("refunds", title="How do I get a refund?", source=zendesk,
                  questions=("how do I get a refund", "refund my order"),
                  body="You can ask for a refund within 14 days of delivery."),
        make_unit("refund-request", title="How can I get a refund?",
                  source=UnitSource("rasa", "faq/refund"),
                  questions=("how can I get a refund", "get my money back"),
                  body="Refunds are accepted within 30 days of delivery."),
        make_unit("lost-card-help", title="I lost my bank card", questions=("card stolen",),
                  body=f"Block your card at once: call {PHONE}."),
        make_unit("complaints-help", title="How do I complain?", questions=("make a complaint",),
                  body=f"Write to us, or call {PHONE}."),
        make_unit("parcel-arrival", title="When will my parcel arrive?",
                  questions=("parcel delivery time",),
                  body=f"Parcels arrive in 3 to 5 working days. Questions: {PHONE}."),
    ]  # fmt: skip
    with site.open() as kb:
        for unit in units:
            kb.save_unit(unit, author="tester")


def _open_consistency(page: Any, site: Site) -> None:
    """Sign in with an editor key in English and open the consistency view from the menu."""
    page.goto(f"{site.url}/editor?lang=en")
    page.get_by_label("API key").fill(site.keys["editor"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#role-badge")).to_be_visible()
    page.get_by_role("link", name="Consistency").click()
    expect(page.get_by_role("heading", name="Consistency", level=1)).to_be_focused()
    expect(page.locator("#consistency-summary")).to_contain_text("Contradictions:")


def test_the_view_shows_both_sides_of_a_contradiction_and_merges_the_duplicate(
    page: Any, site: Site, axe_source: str
) -> None:
    _add_silos(site)
    _open_consistency(page, site)

    table = page.get_by_role("table", name=re.compile(r"Period \(en\)"))
    first, second = table.locator("tbody tr").all()
    expect(first).to_contain_text("How can I get a refund?")
    expect(first).to_contain_text("rasa")
    expect(first.locator("strong")).to_have_text("30 days")
    expect(first.locator("q")).to_have_text("Refunds are accepted within 30 days of delivery.")
    expect(second).to_contain_text("zendesk")
    expect(second.locator("strong")).to_have_text("14 days")
    expect(second.get_by_role("link")).to_have_attribute("href", "#/edit/en/refunds")
    duplicate = page.locator("#duplicates li.finding-card", has_text="refund-request")
    expect(duplicate).to_contain_text("How do I get a refund? (refunds) zendesk suggested")
    keep = duplicate.get_by_label("Unit to keep")
    expect(keep).to_have_value("refunds")
    keep.select_option("refund-request")
    expect(duplicate.get_by_role("button")).to_have_text("Merge into refund-request")
    keep.select_option("refunds")
    screenshot(page, "editor-consistency")
    assert serious_violations(page, axe_source) == []

    duplicate.get_by_role("button", name="Merge into refunds").click()
    expect(page.locator("#consistency-summary")).to_contain_text(
        "Merged refund-request into refunds"
    )
    expect(duplicate).to_have_count(0)
    expect(table).to_have_count(0)
    with site.open() as kb:
        assert kb.draft_unit("refund-request", "en").archived
        assert "get my money back" in kb.draft_unit("refunds", "en").questions

    page.goto(f"{site.url}/editor?lang=ru#/consistency")
    expect(page.get_by_role("heading", name="Согласованность", level=1)).to_be_visible()
    expect(page.locator("#consistency-summary")).to_contain_text("Противоречия:")
    expect(page.get_by_role("link", name="Согласованность")).to_have_attribute(
        "aria-current", "page"
    )


def test_making_a_snippet_replaces_the_value_in_every_unit(page: Any, site: Site) -> None:
    _add_silos(site)
    _open_consistency(page, site)

    repeated = page.locator("#repeated li.finding-card", has_text=PHONE)
    expect(repeated.get_by_role("link")).to_have_count(3)
    repeated.get_by_label(f"Snippet name for {PHONE}").fill("claims_phone")
    repeated.get_by_role("button", name="Make a snippet").click()

    expect(page.locator("#consistency-summary")).to_contain_text(
        f"The snippet claims_phone now holds {PHONE} in 3 units."
    )
    expect(repeated).to_have_count(0)
    with site.open() as kb:
        for unit_id in ("lost-card-help", "complaints-help", "parcel-arrival"):
            body = kb.draft_unit(unit_id, "en").body
            assert "{{ claims_phone }}" in body and PHONE not in body
        assert kb.draft_snippet("claims_phone", "en").value == PHONE
