"""Scheduled releases in the editor's publish view (issue 18): a publisher schedules a release at
a local date and time, which reaches the server as that moment with the browser's offset, sees
it listed and cancels it by keyboard; an editor's key sees the list but may not schedule or
cancel. axe passes on the view."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, Site, screenshot, serious_violations

#: A time zone four hours east of UTC all year (no daylight saving), unlike the machine's.
ZONE = "Asia/Yerevan"


@pytest.fixture
def zoned_tab(browser: Any) -> Iterator[Callable[[str], Any]]:
    """Pages in browser contexts of their own whose clocks run in ZONE; JavaScript errors fail."""
    contexts: list[tuple[str, Any]] = []
    errors: list[str] = []

    def open_tab(name: str) -> Any:
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, timezone_id=ZONE, locale="en-US"
        )
        contexts.append((name, context))
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"{name}: {exc}"))
        return page

    try:
        yield open_tab
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for name, context in contexts:
            for page in context.pages:
                page.screenshot(path=str(ARTIFACTS / f"schedule-{name}-last.png"))
            context.close()
    assert not errors, f"JavaScript errors on the pages: {errors}"


def _sign_in(page: Any, site: Site, role: str) -> None:
    page.goto(f"{site.url}/editor?lang=en#/publish")
    page.get_by_label("API key").fill(site.keys[role])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Scheduled releases")).to_be_visible()


def _schedules(site: Site) -> list[dict[str, Any]]:
    with httpx.Client(
        base_url=site.url, headers={"Authorization": f"Bearer {site.keys['editor']}"}, timeout=30
    ) as client:
        found = client.get("/api/v1/schedules")
        found.raise_for_status()
        return list(found.json())


def test_a_publisher_schedules_a_release_at_local_time_and_cancels_it(
    site: Site, zoned_tab: Callable[[str], Any], axe_source: str
) -> None:
    page = zoned_tab("publisher")
    _sign_in(page, site, "publisher")
    expect(page.locator("#schedule-tz")).to_have_text(re.compile(rf"{ZONE} \(UTC\+04:00\)"))
    expect(page.get_by_text("No scheduled releases.")).to_be_visible()

    # No time: the field says what is missing, and nothing is scheduled.
    page.get_by_role("button", name="Schedule release").click()
    when = page.get_by_label("Release at (your local time)")
    expect(when).to_be_focused()
    expect(when).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#schedule-at-error")).to_have_text(
        "Choose the date and time of the release."
    )
    assert _schedules(site) == []

    when.fill("2030-06-01T09:30")
    page.get_by_label("Message of the scheduled release").fill("Summer prices")
    page.get_by_label("Message of the scheduled release").press("Enter")
    expect(page.locator("#schedule-status")).to_have_text(
        "Release scheduled for Jun 1, 2030, 9:30 AM."
    )
    row = page.locator("#schedules-table tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Summer prices")
    expect(row).to_contain_text("pending")
    [stored] = _schedules(site)
    # 09:30 in Yerevan is 05:30 UTC: the browser sent its offset with the time.
    assert (stored["at"], stored["message"], stored["state"]) == (
        "2030-06-01T05:30:00Z",
        "Summer prices",
        "pending",
    )
    screenshot(page, "schedule-pending")
    assert serious_violations(page, axe_source) == []

    cancel = row.get_by_role("button", name="Cancel the release scheduled for Jun 1, 2030, 9:30 AM")
    cancel.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#schedule-status")).to_have_text(
        "Cancelled the release scheduled for Jun 1, 2030, 9:30 AM: it will not be published."
    )
    expect(row).to_contain_text("cancelled by publisher key")
    expect(row.get_by_role("button")).to_have_count(0)
    expect(page.get_by_role("heading", name="Scheduled releases")).to_be_focused()
    [stored] = _schedules(site)
    assert (stored["state"], stored["cancelled_by"]) == ("cancelled", "publisher key")
    assert serious_violations(page, axe_source) == []


def test_an_editor_key_sees_scheduled_releases_but_may_not_schedule_or_cancel(
    site: Site, zoned_tab: Callable[[str], Any], axe_source: str
) -> None:
    with httpx.Client(
        base_url=site.url,
        headers={"Authorization": f"Bearer {site.keys['publisher']}"},
        timeout=30,
    ) as client:
        made = client.post(
            "/api/v1/schedules", json={"at": "2030-01-01T00:00Z", "message": "New year"}
        )
        made.raise_for_status()
    page = zoned_tab("editor")
    _sign_in(page, site, "editor")
    row = page.locator("#schedules-table tbody tr")
    expect(row).to_contain_text("New year")
    # Midnight UTC is 04:00 in Yerevan.
    expect(row.locator("time")).to_have_text("Jan 1, 2030, 4:00 AM")
    expect(page.get_by_role("button", name="Schedule release")).to_be_disabled()
    expect(row.get_by_role("button", name=re.compile("^Cancel the release"))).to_be_disabled()
    assert serious_violations(page, axe_source) == []
    assert [s["state"] for s in _schedules(site)] == ["pending"]
