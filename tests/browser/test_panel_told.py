"""The operator panel's "What the customer was told" in a real browser, over real answers.

A customer's conversation is asked through the delivery API with `conversation=` (a chatbot, then
the phone menu); between the two, the roaming answer gets a new revision and is published. The
panel, opened with ?conversation= or given Chatwoot's conversation through its app context, shows
both answers in order as the customer got them, marks the one that changed since, and flags an
answer as outdated, which its owner then reads on the unit's page in the editor.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import Host, Site, screenshot, serious_violations

NARROW = {"width": 360, "height": 900}
ROAMING = "turn-on-roaming"
ROAMING_TITLE = "How do I turn on roaming?"
STOLEN = "lost-or-stolen-phone"
STOLEN_TITLE = "My phone has been lost or stolen"
OLD_WORDS = "Roaming is switched on by default"
NEW_WORDS = "Zebrafox roaming is on by default"


def _ask(site: Site, question: str, channel: str, conversation: str) -> dict[str, Any]:
    """An answer the customer got in `conversation`, as a bot or IVR platform asks for it."""
    response = httpx.get(
        f"{site.url}/api/v1/answer",
        params={"q": question, "channel": channel, "conversation": conversation, "via": "bot"},
    )
    response.raise_for_status()
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-KB-Receipt"])
    return response.json()  # type: ignore[no-any-return]


def _publish_new_roaming_revision(site: Site) -> int:
    """An editor saves a new revision of the roaming answer and a publisher publishes it; the
    revision number now live."""
    editor = {"Authorization": f"Bearer {site.keys['editor']}"}
    url = f"{site.url}/api/v1/drafts/units/{ROAMING}"
    draft = httpx.get(url, params={"locale": "en"}, headers=editor)
    draft.raise_for_status()
    source = draft.json()["source"]
    assert OLD_WORDS in source
    saved = httpx.put(
        url,
        params={"locale": "en"},
        headers={**editor, "If-Match": draft.headers["ETag"]},
        json={"source": source.replace(OLD_WORDS, NEW_WORDS), "message": "new wording"},
    )
    saved.raise_for_status()
    published = httpx.post(
        f"{site.url}/api/v1/releases",
        headers={"Authorization": f"Bearer {site.keys['publisher']}"},
        json={"message": "roaming reworded"},
    )
    published.raise_for_status()
    return int(saved.json()["revision"])


def _a_conversation_across_a_release(site: Site, conversation: str) -> int:
    """The chatbot answers about roaming, the roaming answer changes, then the phone menu
    answers about a stolen phone, the widget searches and the chatbot has no answer; returns the
    roaming unit's new revision."""
    first = _ask(site, "how do I switch on roaming", "chatbot", conversation)
    assert (first["status"], first["unit_id"]) == ("answered", ROAMING)
    revision = _publish_new_roaming_revision(site)
    second = _ask(site, "my phone was stolen", "ivr", conversation)
    assert (second["status"], second["unit_id"]) == ("answered", STOLEN)
    found = httpx.get(
        f"{site.url}/api/v1/search",
        params={"q": "roaming", "conversation": conversation, "via": "widget", "limit": 3},
    ).json()
    assert found["total"] > 0
    assert _ask(site, "can I trade in my old phone", "chatbot", conversation)["status"] == (
        "no_answer"
    )
    _ask(site, "how do I switch on roaming", "chatbot", "someone-else")  # another conversation
    return revision


def _sign_in(panel: Any, site: Site) -> None:
    panel.get_by_label("Operator key").fill(site.keys["operator"])
    panel.get_by_role("button", name="Sign in").click()


def test_panel_shows_what_the_customer_was_told_and_marks_the_answer_changed_since(
    page: Any, site: Site, axe_source: str
) -> None:
    revision = _a_conversation_across_a_release(site, "chatwoot:4711")

    page.set_viewport_size(NARROW)
    page.goto(f"{site.url}/panel?lang=en&conversation=chatwoot:4711")
    _sign_in(page, site)
    told = page.get_by_role("region", name="What the customer was told")
    expect(told).to_be_visible()
    receipts = page.locator("#told-list > li")
    expect(receipts).to_have_count(4)
    expect(page.locator("#told-status")).to_have_text(
        "Conversation chatwoot:4711 4 responses, oldest first. 1 of them has changed since."
    )
    # The told view comes before the search box.
    assert told.bounding_box()["y"] < page.get_by_role("combobox").bounding_box()["y"]

    roaming, stolen, search, unanswered = receipts.all()
    expect(roaming.locator(".kb-receipt-head")).to_contain_text("Chatbot · Answer: answered")
    expect(roaming.locator("q")).to_have_text("how do I switch on roaming")
    expect(roaming.get_by_role("heading", level=3)).to_have_text(ROAMING_TITLE)
    expect(roaming.locator(".kb-changed-since")).to_have_text(
        f"Changed since: revision {revision} is live now"
    )
    expect(roaming).to_contain_text(f"Revision {revision - 1} of release 1")
    # What the customer saw is the chatbot's reply from release 1, collapsed until opened.
    content = roaming.locator(".kb-receipt-content")
    expect(content).to_be_hidden()
    roaming.get_by_text("What the customer saw").click()
    expect(content).to_contain_text(OLD_WORDS)
    expect(content).not_to_contain_text(NEW_WORDS)

    expect(stolen.locator(".kb-receipt-head")).to_contain_text("Phone (IVR) · Answer: answered")
    expect(stolen.get_by_role("heading", level=3)).to_have_text(STOLEN_TITLE)
    expect(stolen.locator(".kb-changed-since")).to_have_count(0)
    stolen.get_by_text("What the customer heard").click()
    heard = stolen.locator(".kb-receipt-content")
    expect(heard).to_be_visible()
    expect(heard).not_to_contain_text("<speak")  # the words, not the SSML
    expect(search.locator(".kb-receipt-head")).to_contain_text("Web · Search · via widget")
    expect(search.locator(".kb-receipt-question")).to_have_text("Searched: roaming")
    expect(search).to_contain_text(re.compile(r"\d+ results\. Results shown: turn-on-roaming"))
    expect(unanswered.locator(".kb-receipt-head")).to_contain_text("Answer: no answer")
    expect(unanswered).to_contain_text("No answer was given.")
    expect(unanswered.get_by_role("button")).to_have_count(0)  # no unit: nothing to open or flag
    screenshot(page, "panel-told")
    assert serious_violations(page, axe_source) == []

    # The current answer is one click away, and it is the new revision.
    roaming.get_by_role("button", name="Open the current answer").click()
    expect(page.get_by_role("heading", name=ROAMING_TITLE, level=2)).to_be_focused()
    expect(page.locator("#unit-body")).to_contain_text(NEW_WORDS)
    expect(told).to_be_hidden()
    page.get_by_role("button", name="← Back to results").click()
    expect(told).to_be_visible()


def test_panel_in_chatwoot_shows_the_conversation_it_is_given(
    page: Any, start_site: Any, host: Host
) -> None:
    site = start_site(KB_PANEL_ORIGINS=host.url)
    _ask(site, "my phone was stolen", "chatbot", "4711")
    context = {
        "conversation": {"id": 4711, "inbox_id": 1, "status": "open", "messages": []},
        "contact": {"id": 3, "name": "Alex"},
    }
    chatwoot = host.write(
        "chatwoot.html",
        f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Conversation 4711</title></head>
<body>
<iframe id="app" title="Knowledge base" src="{site.url}/panel?lang=en" width="360" height="800">
</iframe>
<script>
window.addEventListener("message", (event) => {{
  if (event.data === "chatwoot-dashboard-app:fetch-info") {{
    const payload = JSON.stringify({{event: "appContext", data: {json.dumps(context)}}});
    document.getElementById("app").contentWindow.postMessage(payload, "*");
  }}
}});
</script>
</body></html>
""",
    )
    page.set_viewport_size({"width": 1000, "height": 900})
    page.goto(chatwoot)
    panel = page.frame_locator("#app")
    _sign_in(panel, site)
    told = panel.get_by_role("region", name="What the customer was told")
    expect(told).to_be_visible()
    expect(panel.locator("#told-status")).to_contain_text("Conversation 4711 1 response")
    expect(told.get_by_role("heading", level=3)).to_have_text(STOLEN_TITLE)
    screenshot(page, "panel-told-chatwoot")


def test_an_answer_flagged_in_the_panel_shows_on_the_units_page_in_the_editor(
    page: Any, site: Site, axe_source: str
) -> None:
    _ask(site, "how do I switch on roaming", "chatbot", "c-1")
    page.set_viewport_size(NARROW)
    page.goto(f"{site.url}/panel?lang=en&conversation=c-1")
    _sign_in(page, site)
    receipt = page.locator("#told-list > li")
    expect(receipt).to_have_count(1)
    receipt.get_by_role("button", name="Flag as wrong or outdated").click()
    form = page.get_by_role("form", name=f"Flag “{ROAMING_TITLE}” as wrong or outdated")
    expect(form.get_by_role("radio", name="Wrong")).to_be_focused()
    form.get_by_role("radio", name="Outdated").check()
    form.get_by_label("Comment for the answer's owner (optional)").fill(
        "The iPhone menu is now called Cellular; mail me at alex@example.com"
    )
    assert serious_violations(page, axe_source) == []
    form.get_by_role("button", name="Send flag").click()
    expect(receipt.get_by_role("status")).to_have_text(
        "Flagged as outdated. The answer's owner sees it in the editor."
    )
    expect(form).to_be_hidden()
    screenshot(page, "panel-flagged")

    stored = httpx.get(
        f"{site.url}/api/v1/feedback",
        params={"unit_id": ROAMING, "kind": "flag"},
        headers={"Authorization": f"Bearer {site.keys['editor']}"},
    )
    stored.raise_for_status()
    [flag] = stored.json()["items"]
    assert (flag["reason"], flag["unit_id"], flag["helpful"]) == ("outdated", ROAMING, False)
    assert re.fullmatch(r"[0-9a-f]{32}", flag["receipt"])  # the response the customer got
    assert "alex@example.com" not in flag["comment"]

    editor = page.context.new_page()
    editor.goto(f"{site.url}/editor?lang=en#/edit/en/{ROAMING}")
    editor.get_by_label("API key").fill(site.keys["editor"])
    editor.get_by_role("button", name="Sign in").click()
    notice = editor.get_by_role("region", name="Flagged by operators 1 time: check this unit")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Outdated")
    expect(notice).to_contain_text("The iPhone menu is now called Cellular")
    expect(notice).to_contain_text("operator key")  # who flagged it: the key's name
    screenshot(editor, "editor-unit-flagged")
    assert serious_violations(editor, axe_source) == []

    # A unit nobody flagged shows no notice.
    editor.goto(f"{site.url}/editor?lang=en#/edit/en/{STOLEN}")
    expect(editor.get_by_role("heading", name=STOLEN_TITLE, level=1)).to_be_visible()
    expect(editor.locator("#unit-flags")).to_be_hidden()


def test_the_flag_from_an_opened_answer_in_russian(page: Any, site: Site) -> None:
    page.set_viewport_size(NARROW)
    page.goto(f"{site.url}/panel?lang=ru&locale=ru&q=украли+телефон")
    page.get_by_label("Ключ оператора").fill(site.keys["operator"])
    page.get_by_role("button", name="Войти").click()
    page.get_by_role("option").first.click()
    page.get_by_role("button", name="Отметить как неверный или устаревший").click()
    page.get_by_role("button", name="Отправить отметку").click()
    expect(page.locator("#unit-flag").get_by_role("status")).to_have_text(
        "Отмечено: неверный. Владелец ответа увидит это в редакторе."
    )
    stored = httpx.get(
        f"{site.url}/api/v1/feedback",
        params={"unit_id": STOLEN, "kind": "flag"},
        headers={"Authorization": f"Bearer {site.keys['editor']}"},
    ).json()["items"]
    assert [(f["reason"], f["receipt"]) for f in stored] == [("wrong", None)]
