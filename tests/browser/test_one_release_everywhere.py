"""One edit in the editor reaches every face: after publishing, the operator panel and the FAQ
widget on a customer's site show the new text, and both move to the new release (the widget's on
its element's data-kb-release, for support staff; visitors never see a release number)."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import Host, Site, screenshot
from tests.browser.test_widget import expect_release_for_staff_only

UNIT = "check-balance"
TITLE = "How do I check my balance and remaining allowance?"
NEW_WORDS = "Zebrafox news"


def publish_an_edit_in_the_editor(page: Any, site: Site) -> None:
    """A publisher edits the unit's body, saves the draft and publishes release 2."""
    page.goto(f"{site.url}/editor?lang=en")
    page.get_by_label("API key").fill(site.keys["publisher"])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name=TITLE).click()
    body = page.get_by_label("Answer (Markdown)")
    expect(body).to_have_value(re.compile("Dial"))
    body.fill(body.input_value().replace("Dial", f"{NEW_WORDS}: dial", 1))
    for channel in ("web", "chatbot", "operator", "ivr"):
        expect(page.locator(f"#pv-{channel}")).to_contain_text(NEW_WORDS)
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#save-status")).to_have_text("Saved as revision 2.")
    page.get_by_role("link", name="Publish", exact=True).click()
    page.get_by_label("Release message").fill("Balance answer: news first")
    page.get_by_role("button", name="Review changes").click()
    expect(page.locator("#publish-summary")).to_contain_text("Changed units (1)")
    page.get_by_role("button", name="Publish release").click()
    expect(page.locator("#publish-result")).to_have_text("Published release 2.")
    screenshot(page, "everywhere-editor-published")


def test_published_edit_shows_in_panel_and_widget_with_the_new_release(
    page: Any, site: Site, host: Host
) -> None:
    widget_page = host.write(
        "help.html",
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Help</title></head>'
        f'<body><main><h1>Help</h1><script src="{site.url}/widget.js" data-kb-locale="en" '
        'data-kb-category="billing"></script></main></body></html>\n',
    )
    # Before: release 1 everywhere, and nobody has heard of the new words.
    customer = page.context.new_page()
    customer.goto(widget_page)
    widget = customer.locator(".kb-widget")
    expect_release_for_staff_only(widget, 1)
    expect(widget.locator(".all")).not_to_contain_text(NEW_WORDS)
    customer.close()

    publish_an_edit_in_the_editor(page, site)

    operator = page.context.new_page()
    operator.set_viewport_size({"width": 360, "height": 760})
    operator.goto(f"{site.url}/panel?lang=en")
    operator.get_by_label("Operator key").fill(site.keys["operator"])
    operator.get_by_role("button", name="Sign in").click()
    box = operator.get_by_role("combobox", name="Search answers")
    box.press_sequentially("zebrafox", delay=30)
    first = operator.get_by_role("option").first
    expect(first).to_contain_text(TITLE)
    box.press("ArrowDown")
    box.press("Enter")
    expect(operator.locator("#unit-body")).to_contain_text(NEW_WORDS)
    expect(operator.locator("#unit-meta")).to_contain_text(re.compile(r"Release\s*2"))
    screenshot(operator, "everywhere-panel")

    customer = page.context.new_page()
    customer.goto(widget_page)
    widget = customer.locator(".kb-widget")
    expect_release_for_staff_only(widget, 2)
    widget.get_by_role("button", name=TITLE).click()
    expect(widget.locator(".all")).to_contain_text(NEW_WORDS)
    widget.get_by_label("Search the questions").press_sequentially("zebrafox", delay=30)
    expect(widget.locator(".hits .b").first.locator(".t")).to_have_text(TITLE)
    screenshot(customer, "everywhere-widget")
