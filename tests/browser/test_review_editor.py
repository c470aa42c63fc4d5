"""Review and approval in the editor under KB_REVIEW_POLICY=four-eyes (issue 18): an author (an
editor key) and a reviewer (a publisher key) in two browser contexts on one real server; the
review state and its comment thread on a unit's and a snippet's page, Submit, Request changes
with a required comment, Approve (never offered to the change's own author), and the publish
view's summary of what is approved by whom and what waits. axe passes on each view."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, Site, screenshot, serious_violations

UNIT = "check-balance"
UNIT_TITLE = "How do I check my balance and remaining allowance?"
COMMENT = "Say which app: the Aurora app, not the website."


@pytest.fixture
def four_eyes(start_site: Callable[..., Site]) -> Site:
    """A server whose releases take only changes approved by someone who did not write them."""
    return start_site(KB_REVIEW_POLICY="four-eyes")


@pytest.fixture
def tab(browser: Any) -> Iterator[Callable[[str], Any]]:
    """Open pages in browser contexts of their own (one person each); JavaScript errors fail."""
    contexts: list[tuple[str, Any]] = []
    errors: list[str] = []

    def open_tab(name: str) -> Any:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
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
                page.screenshot(path=str(ARTIFACTS / f"review-{name}-last.png"))
            context.close()
    assert not errors, f"JavaScript errors on the pages: {errors}"


def _sign_in(page: Any, site: Site, role: str, where: str = "") -> None:
    page.goto(f"{site.url}/editor?lang=en{where}")
    page.get_by_label("API key").fill(site.keys[role])
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#role-badge")).to_be_visible()


def _open_unit(page: Any, site: Site) -> Any:
    """The unit's page (from the units list); returns its review box once it shows."""
    page.goto(f"{site.url}/editor?lang=en#/units")
    page.get_by_role("link", name=UNIT_TITLE).click()
    box = page.locator("#unit-review")
    expect(box).to_be_visible()
    return box


def _save(page: Any, words: str, message: str, revision: int) -> None:
    body = page.get_by_label("Answer (Markdown)")
    expect(body).to_have_value(re.compile("Dial"))
    body.fill(body.input_value().replace("Dial", f"{words} Dial", 1))
    page.get_by_label("What changed and why").fill(message)
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#save-status")).to_have_text(f"Saved as revision {revision}.")


def _review(site: Site, role: str = "editor", kind: str = "units", name: str = UNIT) -> Any:
    with httpx.Client(
        base_url=site.url, headers={"Authorization": f"Bearer {site.keys[role]}"}, timeout=30
    ) as client:
        found = client.get(f"/api/v1/review/{kind}/{name}", params={"locale": "en"})
        found.raise_for_status()
        return found.json()


def test_author_and_reviewer_take_a_change_through_review_to_approval(
    four_eyes: Site, tab: Callable[[str], Any], axe_source: str
) -> None:
    site = four_eyes
    author, reviewer = tab("author"), tab("reviewer")

    # The author edits and submits; an editor key is offered no Approve or Request changes.
    _sign_in(author, site, "editor")
    box = _open_unit(author, site)
    expect(box).to_contain_text("Revision 1 is the one releases take")
    _save(author, "New:", "Mention the app", 2)
    expect(box).to_contain_text("Revision 2 is not submitted for review")
    expect(box).to_contain_text("someone other than who wrote the change (editor key)")
    expect(box.get_by_role("button", name="Approve")).to_be_hidden()
    expect(box.get_by_role("button", name="Request changes")).to_be_hidden()
    box.get_by_role("button", name="Submit for review").click()
    expect(box.locator(".status")).to_have_text("Submitted for review.")
    expect(box.locator(".review-state")).to_be_focused()
    expect(box).to_contain_text("Revision 2 was submitted for review by editor key")
    assert serious_violations(author, axe_source) == []

    # The reviewer sees it waiting in the publish view and asks for changes with a comment.
    _sign_in(reviewer, site, "publisher", "#/publish")
    waiting = reviewer.locator("#sum-waiting")
    expect(waiting.locator(f'li[data-change="unit:{UNIT}:en"]')).to_contain_text(
        "submitted revision 2 by editor key: the release keeps revision 1."
    )
    expect(reviewer.locator("#review-summary")).to_contain_text("No approved change")
    assert serious_violations(reviewer, axe_source) == []
    waiting.get_by_role("link", name=f"{UNIT} (en)").click()
    rbox = reviewer.locator("#unit-review")
    expect(rbox).to_contain_text("Revision 2 was submitted for review by editor key")
    rbox.get_by_role("button", name="Request changes").click()
    comment = reviewer.get_by_label("What to change (required)")
    expect(comment).to_be_focused()
    comment.press("Escape")  # closes the form, back on its button
    expect(comment).to_be_hidden()
    expect(rbox.get_by_role("button", name="Request changes")).to_be_focused()
    reviewer.keyboard.press("Enter")
    expect(comment).to_be_focused()
    reviewer.get_by_role("button", name="Send back with this comment").click()
    expect(rbox).to_contain_text("Say what to change")
    expect(comment).to_have_attribute("aria-invalid", "true")
    assert serious_violations(reviewer, axe_source) == []
    comment.fill(COMMENT)
    comment.press("Tab")
    reviewer.keyboard.press("Enter")  # the send button, by keyboard
    expect(rbox.locator(".status")).to_have_text("Sent back to the author with your comment.")
    expect(rbox).to_contain_text("publisher key asked for changes to revision 2")
    expect(rbox.locator(".review-thread")).to_contain_text(COMMENT)
    assert _review(site)["state"] == "changes_requested"

    # The author sees the comment, changes the unit and submits again: the thread keeps it.
    box = _open_unit(author, site)
    expect(box).to_contain_text("publisher key asked for changes to revision 2")
    expect(box.locator(".review-comment")).to_have_text(COMMENT)
    _save(author, "In the Aurora app:", "Name the app", 3)
    expect(box).to_contain_text("Revision 3 is not submitted for review")
    expect(box.locator(".review-thread")).to_contain_text(COMMENT)
    box.get_by_role("button", name="Submit for review").click()
    expect(box).to_contain_text("Revision 3 was submitted for review by editor key")
    expect(box.get_by_role("button", name="Approve")).to_be_hidden()
    screenshot(author, "review-author-resubmitted")

    # The reviewer approves; the publish summary says so, by whom.
    rbox = _open_unit(reviewer, site)
    expect(rbox).to_contain_text("Revision 3 was submitted for review by editor key")
    expect(rbox.locator(".review-thread")).to_contain_text(COMMENT)
    rbox.get_by_role("button", name="Approve").click()
    expect(rbox).to_contain_text("Revision 3 is approved by publisher key")
    expect(rbox.get_by_role("button", name="Approve")).to_be_hidden()
    assert serious_violations(reviewer, axe_source) == []
    reviewer.get_by_role("link", name="Publish", exact=True).click()
    approved = reviewer.locator("#sum-approved")
    expect(approved.locator(f'li[data-change="unit:{UNIT}:en"]')).to_contain_text(
        "revision 3 by editor key, approved by publisher key"
    )
    expect(reviewer.locator("#review-summary")).to_contain_text("Nothing waits for approval.")
    screenshot(reviewer, "review-publish-summary")
    stored = _review(site)
    assert (stored["revision"], stored["state"], stored["approved_by"]) == (
        3,
        "approved",
        "publisher key",
    )


def _change_as(site: Site, role: str, kind: str, name: str, change: Callable[[Any], Any]) -> None:
    """Save a new revision of a draft unit or snippet through the API with the key of `role`."""
    with httpx.Client(
        base_url=site.url, headers={"Authorization": f"Bearer {site.keys[role]}"}, timeout=30
    ) as client:
        path = f"/api/v1/drafts/{kind}/{name}"
        current = client.get(path, params={"locale": "en"})
        current.raise_for_status()
        saved = client.put(
            path,
            params={"locale": "en"},
            json=change(current.json()),
            headers={"If-Match": current.headers["ETag"]},
        )
        saved.raise_for_status()


def test_a_publisher_is_never_let_approve_their_own_change_under_four_eyes(
    four_eyes: Site, tab: Callable[[str], Any]
) -> None:
    site = four_eyes
    # Written through the API: the review the page reads says this key may not approve it.
    _change_as(
        site,
        "publisher",
        "units",
        UNIT,
        lambda d: {"source": d["source"].replace("Dial", "Now dial", 1), "message": "mine"},
    )
    page = tab("publisher")
    _sign_in(page, site, "publisher")
    box = _open_unit(page, site)
    expect(box.get_by_role("button", name="Submit for review")).to_be_visible()
    expect(box.get_by_role("button", name="Approve")).to_be_hidden()
    assert _review(site)["state"] == "draft"

    # Submitted, it is still this key's own change: no Approve, only Request changes.
    box.get_by_role("button", name="Submit for review").click()
    expect(box).to_contain_text("Revision 2 was submitted for review by publisher key")
    expect(box.get_by_role("button", name="Approve")).to_be_hidden()
    expect(box.get_by_role("button", name="Request changes")).to_be_visible()


def test_a_snippet_change_is_reviewed_on_its_page_with_the_units_it_changes(
    four_eyes: Site, tab: Callable[[str], Any], axe_source: str
) -> None:
    site = four_eyes
    _change_as(
        site,
        "editor",
        "snippets",
        "balance_ussd",
        lambda d: {"type": d["type"], "value": "*101#", "message": "new code"},
    )
    reviewer = tab("reviewer")
    _sign_in(reviewer, site, "publisher", "#/snippets")
    row = reviewer.locator('tr[data-snippet="balance_ussd:en"]')
    row.get_by_role("link", name="balance_ussd (en): value and review").click()
    expect(reviewer.get_by_role("heading", name="balance_ussd (en)", level=1)).to_be_visible()
    expect(reviewer.locator("#snippet-value")).to_have_text("*101#")
    box = reviewer.locator("#snippet-review")
    expect(box).to_contain_text("Revision 2 is not submitted for review")
    affected = box.get_by_role("list", name=re.compile("units whose output this change changes"))
    units = ["check-balance", "check-data-usage", "mobile-data-not-working", "top-up"]
    expect(affected.get_by_role("link")).to_have_text([f"{u} (en)" for u in units])
    assert serious_violations(reviewer, axe_source) == []
    box.get_by_role("button", name="Approve").click()
    expect(box).to_contain_text("Revision 2 is approved by publisher key")
    stored = _review(site, kind="snippets", name="balance_ussd")
    assert (stored["state"], stored["approved_by"]) == ("approved", "publisher key")
    screenshot(reviewer, "review-snippet")

    # The same page in Russian.
    reviewer.goto(f"{site.url}/editor?lang=ru#/snippet/en/balance_ussd")
    box = reviewer.locator("#snippet-review")
    expect(box.get_by_role("heading", name="Согласование")).to_be_visible()
    expect(box).to_contain_text("Версия 2 одобрена (publisher key)")
    expect(box).to_contain_text("4 статьи, ответы которых меняет это изменение")
    assert serious_violations(reviewer, axe_source) == []
