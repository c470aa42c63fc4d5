"""The editor shows a unit's verification and verifies it in one click, with no new revision
(issue 18); the form keeps `verify_every` when other fields change."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx
from playwright.sync_api import expect
from sqlalchemy import select

from kb.store.verification_models import UnitVerification
from kb.verification import load_policy, verify_unit
from tests.browser.conftest import Site, screenshot, serious_violations

UNIT = "check-balance"
UNIT_TITLE = "How do I check my balance and remaining allowance?"


def _give_period_and_lapse(site: Site, days: int) -> int:
    """Save the unit with `verify_every: days` through the API, then a verification in 2020;
    the unit's newest revision."""
    with httpx.Client(
        base_url=site.url, headers={"Authorization": f"Bearer {site.keys['editor']}"}, timeout=30
    ) as client:
        current = client.get(f"/api/v1/drafts/units/{UNIT}", params={"locale": "en"})
        current.raise_for_status()
        source = current.json()["source"].replace("\n---\n", f"\nverify_every: {days}\n---\n", 1)
        saved = client.put(
            f"/api/v1/drafts/units/{UNIT}",
            params={"locale": "en"},
            json={"source": source, "message": "verify monthly"},
            headers={"If-Match": current.headers["ETag"]},
        )
        saved.raise_for_status()
    with site.open() as kb:
        policy = load_policy(kb.settings.data_dir)
        old = datetime(2020, 1, 1, tzinfo=UTC)
        verify_unit(kb.db, UNIT, "en", actor="billing-team", policy=policy, now=old)
    return int(saved.json()["revision"])


def test_editor_shows_an_unverified_unit_and_verifies_it_in_one_click(
    page: Any, site: Site, axe_source: str
) -> None:
    revision = _give_period_and_lapse(site, 45)
    page.goto(f"{site.url}/editor?lang=en")
    page.get_by_label("API key").fill(site.keys["editor"])
    page.get_by_role("button", name="Sign in").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=UNIT_TITLE))
    expect(row.locator(".tag-warning")).to_have_text("not verified")
    assert serious_violations(page, axe_source) == []
    row.get_by_role("link", name=UNIT_TITLE).click()

    box = page.locator("#unit-verification")
    expect(box).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Not verified in time"))).to_be_visible()
    expect(box).to_contain_text("Unverified since")
    expect(box).to_contain_text("Last verified by billing-team")
    expect(box).to_contain_text("Every 45 days (this unit).")
    expect(page.get_by_label("Owner verifies every (days)")).to_have_value("45")
    screenshot(page, "editor-unverified")
    assert serious_violations(page, axe_source) == []

    page.get_by_role("button", name="Verify", exact=True).click()

    expect(page.locator("#verify-status")).to_have_text("Verified: recorded, with no new revision.")
    expect(page.get_by_role("heading", name="Verification", exact=True)).to_be_visible()
    expect(box).to_contain_text("Last verified by editor key")
    expect(box).not_to_contain_text("Unverified since")
    assert serious_violations(page, axe_source) == []
    with site.open() as kb:
        assert kb.history(UNIT, "en")[-1].number == revision
        with kb.db.read() as session:
            rows = list(session.scalars(select(UnitVerification).order_by(UnitVerification.id)))
    assert [(r.verified_by, r.revision) for r in rows] == [
        ("billing-team", revision),
        ("editor key", revision),
    ]

    # Changing another field in the form keeps the period in the source it writes.
    page.get_by_label("Title").fill("How do I check my balance?")
    page.get_by_role("button", name="Edit as source").click()
    expect(page.locator("#u-source")).to_have_value(re.compile(r"\nverify_every: 45\n"))
