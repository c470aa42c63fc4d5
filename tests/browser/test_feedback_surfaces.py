""" "Was this helpful?" where customers read: the widget and the unit page post a vote with the
receipt of the response that served the answer, and it lands in the database; the chatbot's
quick replies and the IVR's "press 1" payloads are feedback bodies a platform posts back."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
from playwright.sync_api import Response, expect

from kb.events.feedback import list_feedback
from kb.events.store import event_by_receipt
from kb.store.models import Feedback
from tests.browser.conftest import Host, Site, screenshot, serious_violations
from tests.browser.test_widget import WIDGET, _embed

RECEIPT = re.compile(r"^[0-9a-f]{32}$")
BILLING = 'data-kb-locale="en" data-kb-category="billing"'


def _votes(site: Site) -> list[Feedback]:
    """Every feedback row the server stored, oldest first."""
    with site.open() as kb:
        return list(reversed(list_feedback(kb.db)))


def _receipts(page: Any, path: str) -> list[str]:
    """Collects the X-KB-Receipt of each response to `path` the page receives from now on."""
    seen: list[str] = []

    def note(response: Response) -> None:
        if path in response.url and response.request.method == "GET":
            seen.append(response.headers.get("x-kb-receipt", ""))

    page.on("response", note)
    return seen


def test_widget_yes_and_no_post_votes_with_the_receipts_of_the_answers_and_pass_axe(
    page: Any, site: Site, host: Host, axe_source: str
) -> None:
    listed = _receipts(page, "/api/v1/faq")
    searched = _receipts(page, "/api/v1/search")
    page.goto(_embed(host, site.url, BILLING))
    widget = page.locator(WIDGET)
    first = widget.locator(".all .it").first
    first.locator(".b").click()
    group = first.get_by_role("group", name="Was this helpful?")
    expect(group).to_be_visible()
    assert serious_violations(page, axe_source) == []
    group.get_by_role("button", name="Yes").click()
    expect(group).to_contain_text("Thank you for your feedback.")
    expect(group.get_by_role("button")).to_have_count(0)
    [yes] = _votes(site)
    assert RECEIPT.match(listed[0])
    unit = first.get_attribute("data-unit")
    assert (yes.kind, yes.receipt, yes.unit_id, yes.helpful) == ("vote", listed[0], unit, True)

    widget.get_by_label("Search the questions").fill("balance")
    hit = widget.locator(".hits .it").first
    hit.locator(".b").click()
    group = hit.get_by_role("group", name="Was this helpful?")
    group.get_by_role("button", name="No").click()
    comment = group.get_by_label("What was missing? (optional)")
    expect(comment).to_be_focused()
    comment.fill("It did not say how to check roaming data. Mail me at ann@example.com")
    assert serious_violations(page, axe_source) == []
    screenshot(page, "widget-feedback-comment")
    group.get_by_role("button", name="Send").click()
    expect(group).to_contain_text("Thank you for your feedback.")
    yes, no = _votes(site)
    assert (no.receipt, no.unit_id, no.helpful) == (
        searched[-1],
        hit.get_attribute("data-unit"),
        False,
    )
    assert no.comment is not None and "roaming data" in no.comment
    assert "ann@example.com" not in no.comment
    with site.open() as kb:
        served = [event_by_receipt(kb.db, receipt) for receipt in (yes.receipt, no.receipt)]
    assert [(e.kind, e.via) for e in served if e is not None] == [
        ("faq", "widget"),
        ("search", "widget"),
    ]


def test_widget_feedback_works_from_the_keyboard_and_speaks_russian(
    page: Any, site: Site, host: Host, axe_source: str
) -> None:
    attrs = 'data-kb-locale="ru" data-kb-category="billing"'
    page.goto(_embed(host, site.url, attrs, lang="ru"))
    widget = page.locator(WIDGET)
    first = widget.locator(".all .it").first
    first.locator(".b").focus()
    page.keyboard.press("Enter")
    group = first.get_by_role("group", name="Этот ответ помог?")
    no = group.get_by_role("button", name="Нет")
    expect(no).to_be_visible()
    no.focus()
    page.keyboard.press("Enter")
    comment = group.get_by_label("Чего не хватило? (необязательно)")
    expect(comment).to_be_focused()
    assert comment.get_attribute("maxlength") == "1000"
    page.keyboard.press("Tab")
    expect(group.get_by_role("button", name="Отправить")).to_be_focused()
    page.keyboard.press("Enter")
    thanks = group.locator("[aria-live=polite]")
    expect(thanks).to_have_text("Спасибо за отзыв.")
    expect(thanks).to_be_focused()
    assert serious_violations(page, axe_source) == []
    [vote] = _votes(site)
    assert (vote.helpful, vote.comment, vote.unit_id) == (
        False,
        None,
        first.get_attribute("data-unit"),
    )


def test_widget_shows_no_feedback_buttons_when_responses_carry_no_receipt(
    page: Any, start_site: Callable[..., Site], host: Host
) -> None:
    site = start_site(KB_EVENTS="false")
    page.goto(_embed(host, site.url, BILLING))
    widget = page.locator(WIDGET)
    widget.locator(".all .b").first.click()
    expect(widget.locator(".all .a:visible")).not_to_be_empty()
    widget.get_by_label("Search the questions").fill("balance")
    widget.locator(".hits .b").first.click()
    expect(widget.locator(".hits .a:visible")).to_contain_text("balance")
    assert widget.get_by_text("Was this helpful?").count() == 0
    assert widget.locator("button", has_text=re.compile("^(Yes|No)$")).count() == 0


def test_unit_page_yes_and_no_post_votes_with_the_page_receipt_and_pass_axe(
    page: Any, site: Site, axe_source: str
) -> None:
    address = f"{site.url}/units/check-balance?locale=en"
    response = page.goto(address)
    receipt = response.headers["x-kb-receipt"]
    box = page.get_by_role("region", name="Was this helpful?")
    expect(box).to_be_visible()
    assert serious_violations(page, axe_source) == []
    box.get_by_role("button", name="Yes").click()
    status = box.locator("[aria-live=polite]")
    expect(status).to_have_text("Thank you for your feedback.")
    expect(status).to_be_focused()
    expect(box.get_by_role("button", name="Yes")).to_be_hidden()

    again = page.goto(address).headers["x-kb-receipt"]
    assert again != receipt
    box.get_by_role("button", name="No").click()
    box.get_by_label("What was missing? (optional)").fill("Nothing about pay-monthly plans.")
    assert serious_violations(page, axe_source) == []
    screenshot(page, "unit-page-feedback-comment")
    box.get_by_role("button", name="Send").click()
    expect(status).to_have_text("Thank you for your feedback.")
    yes, no = _votes(site)
    assert (yes.receipt, yes.unit_id, yes.helpful, yes.channel) == (
        receipt,
        "check-balance",
        True,
        "web",
    )
    assert (no.receipt, no.helpful, no.comment) == (
        again,
        False,
        "Nothing about pay-monthly plans.",
    )


def test_unit_page_shows_no_buttons_without_javascript_or_without_a_receipt(
    browser: Any, start_site: Callable[..., Site]
) -> None:
    site = start_site()
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{site.url}/units/check-balance?locale=en")
        expect(page.locator("h1")).to_have_text(re.compile("balance"))
        expect(page.locator(".kb-feedback")).to_have_count(1)  # there, and hidden
        expect(page.locator("main").get_by_role("button")).to_have_count(0)
        expect(page.get_by_text("Was this helpful?")).to_be_hidden()
    finally:
        context.close()
    off = start_site(KB_EVENTS="false")
    page_off = httpx.get(f"{off.url}/units/check-balance?locale=en", follow_redirects=True)
    assert page_off.url.path == "/help/en/billing/check-balance"  # moved to the help center
    assert "x-kb-receipt" not in page_off.headers
    assert 'class="kb-feedback"' not in page_off.text and "feedback.js" not in page_off.text


def _answer(site: Site, channel: str) -> tuple[str, dict[str, Any]]:
    """A real answer in `channel`: its receipt and its rendered content."""
    response = httpx.get(
        f"{site.url}/api/v1/answer",
        params={"q": "how do I check my balance", "channel": channel, "locale": "en"},
        timeout=120,
    )
    assert response.status_code == 200 and response.json()["status"] == "answered"
    return response.headers["x-kb-receipt"], response.json()["content"]


def test_chatbot_quick_replies_and_ivr_digits_post_back_as_feedback(
    start_site: Callable[..., Site],
) -> None:
    site = start_site(KB_IVR_FEEDBACK_PROMPT="on")
    receipt, chat = _answer(site, "chatbot")
    yes, no = chat["feedback"]["quick_replies"]
    assert (yes["label"], no["label"]) == ("Yes, thanks", "No")
    posted = httpx.post(f"{site.url}/api/v1/feedback", json={"receipt": receipt, **no["payload"]})
    assert posted.status_code == 201, posted.text

    call, spoken = _answer(site, "ivr")
    # The unit's own menu offers 1 and 2 ("to hear your balance now, press 1"): 3 and 4 are free.
    asked = "<p><s>If this answered your question, press 3.</s><s>If not, press 4.</s></p>"
    assert spoken["body"].rstrip().endswith(f"{asked}\n</speak>")
    pressed = spoken["feedback"]["digits"]["3"]
    posted = httpx.post(f"{site.url}/api/v1/feedback", json={"receipt": call, **pressed})
    assert posted.status_code == 201, posted.text

    votes = [(v.receipt, v.channel, v.unit_id, v.helpful) for v in _votes(site)]
    assert votes == [
        (receipt, "chatbot", "check-balance", False),
        (call, "ivr", "check-balance", True),
    ]


def test_the_ivr_asks_for_no_feedback_by_default(site: Site) -> None:
    _, spoken = _answer(site, "ivr")
    assert "feedback" not in spoken
    assert "If this answered your question" not in spoken["body"]  # its menu says "press 1"
