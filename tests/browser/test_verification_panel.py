"""The operator panel marks an answer whose owner has not verified it in time (issue 18)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from playwright.sync_api import expect

from kb.verification import POLICY_FILE, load_policy, verify_unit
from tests.browser.conftest import Site, screenshot, serious_violations

STOLEN = "lost-or-stolen-phone"
STOLEN_TITLE = "My phone has been lost or stolen"


def _lapse(site: Site, unit_id: str, category: str) -> None:
    """Give the unit's category a 30-day period and its last verification a date in 2020."""
    (site.settings.data_dir / POLICY_FILE).write_text(
        f"categories:\n  {category}:\n    verify_every: 30\n", encoding="utf-8"
    )
    with site.open() as kb:
        policy = load_policy(kb.settings.data_dir)
        old = datetime(2020, 1, 1, tzinfo=UTC)
        verify_unit(kb.db, unit_id, "en", actor="device-team", policy=policy, now=old)


def test_panel_marks_an_unverified_answer_with_the_date_and_its_owner(
    page: Any, site: Site, axe_source: str
) -> None:
    page.set_viewport_size({"width": 360, "height": 760})
    page.goto(f"{site.url}/panel?lang=en&q=stolen+phone")
    page.get_by_label("Operator key").fill(site.keys["operator"])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("option").filter(has_text=STOLEN_TITLE).click()
    expect(page.get_by_role("heading", name=STOLEN_TITLE)).to_be_visible()
    marker = page.locator("#unit-unverified")
    expect(marker).to_be_hidden()  # no period for its category yet: verification is off

    _lapse(site, STOLEN, "sim-and-device")
    page.get_by_role("button", name="← Back to results").click()
    page.get_by_role("option").filter(has_text=STOLEN_TITLE).click()

    expect(marker).to_be_visible()
    expect(marker).to_contain_text("Not verified.")
    expect(marker).to_contain_text("Unverified since 2020-01-31: its owner, device-team")
    screenshot(page, "panel-unverified")
    assert serious_violations(page, axe_source) == []
