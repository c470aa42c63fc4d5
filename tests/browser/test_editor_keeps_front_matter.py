"""The editor's form keeps the front-matter keys it does not show (`draft`, `source`,
`publish_after`, `expires`) when a field it shows changes and it writes the source anew, and
across switching to the source and back (issue 18)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx
from playwright.sync_api import expect

from kb.content.document import UnitDocument
from kb.content.unit_source import UnitSource
from tests.browser.conftest import Site, serious_violations

UNIT = "check-balance"
UNIT_TITLE = "How do I check my balance and remaining allowance?"
#: Keys the form has no field for, as an import and a scheduled campaign would write them,
#: a comment on one of them included.
NOT_IN_THE_FORM = (
    "draft: true\n"
    "# goes live with the spring tariff\n"
    "publish_after: 2030-01-01T09:00:00+03:00\n"
    "expires: 2031-06-30\n"
    "source:\n"
    "  system: zendesk\n"
    '  id: "360001"\n'
    "  url: https://example.zendesk.com/hc/articles/360001\n"
)
ZENDESK = UnitSource("zendesk", "360001", "https://example.zendesk.com/hc/articles/360001")
SPRING = datetime(2030, 1, 1, 6, 0, tzinfo=UTC)


def _save_keys_the_form_does_not_show(site: Site) -> int:
    """Save the unit through the API with NOT_IN_THE_FORM in its front matter; its revision."""
    with httpx.Client(
        base_url=site.url, headers={"Authorization": f"Bearer {site.keys['editor']}"}, timeout=30
    ) as client:
        current = client.get(f"/api/v1/drafts/units/{UNIT}", params={"locale": "en"})
        current.raise_for_status()
        source = current.json()["source"].replace("\n---\n", f"\n{NOT_IN_THE_FORM}---\n", 1)
        saved = client.put(
            f"/api/v1/drafts/units/{UNIT}",
            params={"locale": "en"},
            json={"source": source, "message": "from zendesk, for the spring campaign"},
            headers={"If-Match": current.headers["ETag"]},
        )
        saved.raise_for_status()
        assert saved.json()["fields"]["draft"] is True
        return int(saved.json()["revision"])


def _stored(site: Site) -> tuple[int, str, UnitDocument]:
    """The unit's newest revision: its number, its source as written and that source parsed."""
    with site.open() as kb:
        row = kb.draft_unit(UNIT, "en")
        return row.number, row.source, kb.parse_unit(row.source)


def _save(page: Any, revision: int) -> None:
    """Save the draft from the page and wait until it is stored as `revision`."""
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#save-status")).to_have_text(f"Saved as revision {revision}.")


def test_changing_a_form_field_keeps_the_front_matter_keys_the_form_does_not_show(
    page: Any, site: Site, axe_source: str
) -> None:
    revision = _save_keys_the_form_does_not_show(site)
    page.goto(f"{site.url}/editor?lang=en")
    page.get_by_label("API key").fill(site.keys["editor"])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name=UNIT_TITLE).click()
    title = page.get_by_label("Title")
    expect(title).to_have_value(UNIT_TITLE)
    assert serious_violations(page, axe_source) == []

    # A field the form shows changes, so the form writes the front matter anew and saves it.
    title.fill("How do I check my balance?")
    _save(page, revision + 1)
    number, source, unit = _stored(site)
    assert number == revision + 1
    assert f"\n{NOT_IN_THE_FORM}---\n" in source
    assert re.search(r"^title: How do I check my balance\?$", source, re.MULTILINE)
    assert unit.title == "How do I check my balance?"
    assert (unit.draft, unit.source) == (True, ZENDESK)
    assert (unit.publish_after, unit.expires) == (SPRING, datetime(2031, 6, 30, tzinfo=UTC))

    # To the source and back: what the form does not show is in the source, and a change made
    # there to such a key is kept when a form field changes after.
    title.fill("Checking my balance")
    page.get_by_role("button", name="Edit as source").click()
    raw = page.get_by_label("Source (front matter and Markdown)")
    expect(raw).to_have_value(re.compile(re.escape(f"\n{NOT_IN_THE_FORM}---\n")))
    raw.fill(raw.input_value().replace("expires: 2031-06-30", "expires: 2031-12-31", 1))
    page.get_by_role("button", name="Edit as form").click()
    expect(title).to_have_value("Checking my balance")
    title.fill("Checking my balance and allowance")
    _save(page, revision + 2)
    number, source, unit = _stored(site)
    assert number == revision + 2
    changed = NOT_IN_THE_FORM.replace("2031-06-30", "2031-12-31")
    assert f"\n{changed}---\n" in source
    assert re.search(r"^title: Checking my balance and allowance$", source, re.MULTILINE)
    assert (unit.draft, unit.source) == (True, ZENDESK)
    assert (unit.publish_after, unit.expires) == (SPRING, datetime(2031, 12, 31, tzinfo=UTC))
