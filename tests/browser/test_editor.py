"""The editor page in a real browser: edit with a live preview of every channel, checks as you
type, save with If-Match (and resolve a conflict), history and diff, publish, roll back, snippets.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Site, screenshot, serious_violations

#: A sample unit enabled for all four channels; its first paragraph is every channel's answer.
UNIT = "check-balance"
UNIT_TITLE = "How do I check my balance and remaining allowance?"
FIRST_WORDS = "Dial {{ balance_ussd }} from your Aurora phone"


def _sign_in(page: Any, site: Site, role: str, where: str = "") -> None:
    """Open the editor in English and sign in with the key of `role`."""
    page.goto(f"{site.url}/editor?lang=en{where}")
    page.get_by_label("API key").fill(site.keys[role])
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#role-badge")).to_be_visible()


def _open_unit(page: Any, site: Site, role: str = "editor") -> Any:
    """Sign in, open the sample unit from the list and wait for its first preview."""
    _sign_in(page, site, role)
    page.get_by_role("link", name=UNIT_TITLE).click()
    body = page.get_by_label("Answer (Markdown)")
    expect(body).to_have_value(re.compile(re.escape(FIRST_WORDS)))
    expect(page.locator("#pv-web .pv-body")).to_contain_text("Dial")
    return body


def _api(site: Site, role: str) -> httpx.Client:
    """An API client with the key of `role` (someone working beside the page)."""
    return httpx.Client(
        base_url=site.url, headers={"Authorization": f"Bearer {site.keys[role]}"}, timeout=30
    )


def _stored_source(site: Site, revision: int | None = None) -> tuple[int, str]:
    """The draft's newest revision (or `revision`) and its source, read from the database."""
    with site.open() as kb:
        row = kb.draft_unit(UNIT, "en") if revision is None else kb.revision(UNIT, "en", revision)
        return row.number, row.source


def _change_behind_the_page(site: Site, text: str) -> int:
    """Another editor saves the unit through the API with If-Match; returns the new revision."""
    with _api(site, "editor") as client:
        current = client.get(f"/api/v1/drafts/units/{UNIT}", params={"locale": "en"})
        current.raise_for_status()
        source = current.json()["source"].replace("Dial", f"{text} Dial", 1)
        saved = client.put(
            f"/api/v1/drafts/units/{UNIT}",
            params={"locale": "en"},
            json={"source": source, "message": "someone else"},
            headers={"If-Match": current.headers["ETag"]},
        )
        saved.raise_for_status()
        return int(saved.json()["revision"])


def _add_questions(site: Site, unit_id: str, questions: list[str]) -> None:
    """Another editor gives `unit_id` more example questions through the API."""
    with _api(site, "editor") as client:
        current = client.get(f"/api/v1/drafts/units/{unit_id}", params={"locale": "en"})
        current.raise_for_status()
        extra = "".join(f"  - {q}\n" for q in questions)
        source = current.json()["source"].replace("questions:\n", f"questions:\n{extra}", 1)
        client.put(
            f"/api/v1/drafts/units/{unit_id}",
            params={"locale": "en"},
            json={"source": source},
            headers={"If-Match": current.headers["ETag"]},
        ).raise_for_status()


def test_body_change_updates_all_four_previews_saves_and_publishes_a_release(
    page: Any, site: Site, axe_source: str
) -> None:
    body = _open_unit(page, site, "publisher")
    # Four previews side by side at 1280 px.
    tops = {
        page.locator(f"#pv-{c}").bounding_box()["y"] for c in ("web", "chatbot", "operator", "ivr")
    }
    assert len(tops) == 1
    body.fill(body.input_value().replace("Dial", "Zebrafox news: dial", 1))

    expect(page.locator("#pv-web .pv-body")).to_contain_text("Zebrafox news")
    expect(page.locator("#pv-chatbot .bubble")).to_contain_text("Zebrafox news")
    expect(page.locator("#pv-operator .pv-body")).to_contain_text("Zebrafox news")
    expect(page.locator("#pv-ivr .spoken")).to_contain_text("Zebrafox news")
    expect(page.locator("#pv-ivr .duration")).to_contain_text(re.compile(r"About \d+\.\d s"))
    expect(page.locator("#pv-ivr .ssml")).to_contain_text("<speak")
    note = page.locator("#pv-operator aside.kb-internal")
    expect(note.locator(".kb-internal-label")).to_have_text("Internal — staff only")
    assert note.evaluate("n => getComputedStyle(n).borderLeftStyle") == "solid"
    screenshot(page, "editor-previews")

    page.get_by_label("What changed and why").fill("Say it first")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#save-status")).to_have_text("Saved as revision 2.")
    revision, source = _stored_source(site)
    assert revision == 2
    assert "Zebrafox news: dial" in source

    # Meanwhile top-up learns questions that are check-balance's: the summary warns of them.
    stolen = ["check my credit", "how much credit do I have", "chek balance", "balance inquiry"]
    _add_questions(site, "top-up", [*stolen, "what is my balance"])
    page.get_by_role("link", name="Publish", exact=True).click()
    page.get_by_label("Release message").fill("Balance answer says it first")
    page.get_by_role("button", name="Review changes").click()
    summary = page.locator("#publish-summary")
    expect(summary).to_contain_text("Changed units (2)")
    expect(summary.get_by_role("link", name=f"{UNIT} (en)")).to_be_visible()
    expect(summary.get_by_role("link", name="top-up (en)")).to_be_visible()
    expect(summary.get_by_role("heading", name=re.compile("stop routing"))).to_be_visible()
    expect(summary.locator("ul.routing li").first).to_contain_text(
        re.compile(f"'({'|'.join(stolen)})' would route to 'top-up'")
    )
    screenshot(page, "editor-publish-summary")
    assert serious_violations(page, axe_source) == []
    page.get_by_role("button", name="Publish release").click()
    expect(page.locator("#publish-result")).to_have_text("Published release 2.")
    expect(page.locator("#release-badge")).to_have_text("Release 2")
    current = httpx.get(f"{site.url}/api/v1/releases/current").json()
    assert current["kb_version"] == 2
    assert current["message"] == "Balance answer says it first"


@pytest.mark.requires_tool("espeak-ng")
def test_the_ivr_preview_plays_the_edited_prompt(page: Any, site: Site) -> None:
    body = _open_unit(page, site)
    body.fill(body.input_value().replace("Dial", "Zebrafox news: dial", 1))
    expect(page.locator("#pv-ivr .spoken")).to_contain_text("Zebrafox news")

    # espeak-ng on the server speaks the edited SSML into an <audio> element.
    page.locator("#pv-ivr").get_by_role("button", name="Play").click()
    audio = page.locator("#pv-ivr audio")
    expect(audio).to_be_visible()
    expect(audio).to_have_attribute("src", re.compile(r"^blob:"))
    seconds = audio.evaluate(
        "a => a.readyState >= 1 ? a.duration : new Promise(done =>"
        " a.addEventListener('loadedmetadata', () => done(a.duration)))"
    )
    assert seconds > 3


def test_check_finding_shows_while_typing_and_goes_when_fixed_and_bad_front_matter_shows_line(
    page: Any, site: Site
) -> None:
    body = _open_unit(page, site)
    original = body.input_value()
    expect(page.locator("#findings-summary")).to_have_text(re.compile(r"errors|No problems"))
    dead = page.locator("#findings li", has_text="nope")
    expect(dead).to_have_count(0)

    body.press("End")
    body.press("Control+End")
    body.press_sequentially(" See [x](unit:nope).", delay=10)
    expect(dead.first).to_be_visible()
    expect(dead.first.locator(".tag")).to_have_text("Error")
    screenshot(page, "editor-finding")

    body.fill(original)
    expect(dead).to_have_count(0)

    page.get_by_role("button", name="Edit as source").click()
    source = page.get_by_label("Source (front matter and Markdown)")
    expect(source).to_be_focused()
    lines = source.input_value().split("\n")
    assert lines[3].startswith("title: ")
    lines[3] = "title: [never closed"
    source.fill("\n".join(lines))
    errors = page.locator("#parse-errors")
    expect(errors).to_be_visible()
    expect(errors.locator("li").first).to_contain_text(re.compile(r"line \d+"))
    expect(page.locator("#preview-note")).to_have_text(
        "The preview shows the last version that could be read."
    )
    screenshot(page, "editor-parse-error")

    # A wrong field from the form is reported on that field, with its line in the source.
    lines[3] = 'title: "Balance"'
    source.fill("\n".join(lines))
    expect(errors).to_be_hidden()
    page.get_by_role("button", name="Edit as form").click()
    expect(page.get_by_label("Title")).to_have_value("Balance")
    channels = page.get_by_role("group", name="Channels")
    for box in channels.get_by_role("checkbox").all():  # every channel, the three new ones too
        box.uncheck()
    expect(errors.locator("li").first).to_contain_text(re.compile(r"line \d+, channels"))
    expect(page.locator("#u-channels")).to_have_attribute("aria-invalid", "true")


def test_conflicting_save_shows_both_versions_and_nothing_is_lost(
    page: Any, site: Site, axe_source: str
) -> None:
    body = _open_unit(page, site)
    theirs = _change_behind_the_page(site, "Theirsword.")
    assert theirs == 2

    body.fill(body.input_value().replace("Dial", "Mineword. Dial", 1))
    page.get_by_role("button", name="Save draft").click()
    conflict = page.locator("#conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_be_focused()
    expect(page.locator("#conflict-mine")).to_contain_text("Mineword.")
    expect(page.locator("#conflict-theirs")).to_contain_text("Theirsword.")
    expect(page.locator("#conflict-theirs-h")).to_have_text("Current version (revision 2)")
    screenshot(page, "editor-conflict")
    assert serious_violations(page, axe_source) == []

    page.get_by_role("button", name="Save mine over theirs").click()
    expect(conflict).to_be_hidden()
    expect(page.locator("#save-status")).to_have_text("Saved as revision 3.")
    assert "Theirsword." in _stored_source(site, 2)[1]
    assert "Mineword." in _stored_source(site)[1]

    # Again, and this time keep theirs: the page then shows (and saves on top of) their text.
    _change_behind_the_page(site, "Againword.")
    body.fill(body.input_value().replace("Mineword.", "Mine-again.", 1))
    page.get_by_role("button", name="Save draft").click()
    expect(conflict).to_be_visible()
    page.get_by_role("button", name="Keep theirs (discard mine)").click()
    expect(conflict).to_be_hidden()
    expect(page.locator("#save-status")).to_have_text("Their version (revision 4) is loaded.")
    expect(body).to_have_value(re.compile("Mineword. Againword. Dial"))
    expect(page.locator("#pv-web .pv-body")).to_contain_text("Againword.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#save-status")).to_have_text(re.compile(r"revision 4"))
    assert _stored_source(site)[0] == 4

    # Edits left unsaved come back after going elsewhere, and still meet a newer save.
    body.fill(body.input_value().replace("Againword.", "Leftword.", 1))
    page.get_by_role("link", name="Back to units").click()
    _change_behind_the_page(site, "Lastword.")
    page.get_by_role("link", name=UNIT_TITLE).click()
    expect(body).to_have_value(re.compile("Leftword."))
    expect(page.locator("#save-status")).to_have_text(re.compile("unsaved changes are back"))
    page.get_by_role("button", name="Save draft").click()
    expect(conflict).to_be_visible()
    expect(page.locator("#conflict-theirs")).to_contain_text("Lastword.")
    page.get_by_role("button", name="Save mine over theirs").click()
    expect(page.locator("#save-status")).to_have_text("Saved as revision 6.")
    assert "Lastword." in _stored_source(site, 5)[1]
    assert "Leftword." in _stored_source(site)[1]


def test_history_and_diff_against_published_then_rollback_to_release_one(
    page: Any, site: Site
) -> None:
    body = _open_unit(page, site, "publisher")
    body.fill(body.input_value().replace("free of charge", "at no cost at all", 1))
    page.get_by_label("What changed and why").fill("Plainer words")
    body.press("Control+s")  # the keyboard shortcut saves too
    expect(page.locator("#save-status")).to_have_text("Saved as revision 2.")

    page.get_by_role("button", name="Show revisions").click()
    revisions = page.locator("#revisions li")
    expect(revisions).to_have_count(2)
    expect(revisions.first).to_contain_text("Revision 2")
    expect(revisions.first).to_contain_text("Plainer words")
    page.get_by_role("button", name="Diff against published").click()
    expect(page.locator("#diff-view-h")).to_have_text(
        "Changes from published revision 1 to revision 2"
    )
    expect(page.locator("#diff-text .diff-add")).to_contain_text(["at no cost at all"])
    expect(page.locator("#diff-text .diff-del")).to_contain_text(["free of charge"])
    screenshot(page, "editor-history-diff")

    with _api(site, "publisher") as client:
        client.post("/api/v1/releases", json={"message": "plainer"}).raise_for_status()
    page.get_by_role("link", name="Publish", exact=True).click()
    expect(page.locator("#release-badge")).to_have_text("Release 2")
    page.get_by_role("button", name="Roll back to release 1").click()
    page.get_by_label("Why roll back").fill("Back to the old words")
    expect(page.get_by_label(re.compile("Keep the drafts as they are"))).not_to_be_checked()
    page.get_by_role("button", name="Roll back", exact=True).click()
    expect(page.locator("#publish-result")).to_have_text(
        "Rolled back: release 3 now serves the content of release 1. 1 draft went back to the "
        "content of release 1 (its history is kept)."
    )
    expect(page.locator("#release-badge")).to_have_text("Release 3")
    current = httpx.get(f"{site.url}/api/v1/releases/current").json()
    assert (current["kb_version"], current["rollback_of"]) == (3, 1)
    served = httpx.get(f"{site.url}/api/v1/units/{UNIT}", params={"channel": "web"}).json()
    assert "free of charge" in served["content"]
    assert "at no cost at all" not in served["content"]
    number, draft = _stored_source(site)  # the next publish does not bring the change back
    assert number == 3 and "free of charge" in draft and "at no cost at all" not in draft


def test_rollback_keeping_the_drafts_then_the_review_names_the_rolled_back_change(
    page: Any, site: Site
) -> None:
    with _api(site, "publisher") as client:
        _change_behind_the_page(site, "Bad advice.")
        client.post("/api/v1/releases", json={"message": "bad"}).raise_for_status()
    _sign_in(page, site, "publisher", "#/publish")
    expect(page.locator("#release-badge")).to_have_text("Release 2")
    page.get_by_role("button", name="Roll back to release 1").click()
    page.get_by_label(re.compile("Keep the drafts as they are")).check()
    screenshot(page, "editor-rollback-keep-drafts")
    page.get_by_role("button", name="Roll back", exact=True).click()
    expect(page.locator("#publish-result")).to_have_text(
        "Rolled back: release 3 now serves the content of release 1. 1 draft was kept as it "
        "was: the next publish brings its change back."
    )
    assert "Bad advice." in _stored_source(site)[1]

    page.get_by_role("button", name="Review changes").click()
    expect(page.locator("#summary-body .findings")).to_contain_text(
        f"{UNIT} en: this change was rolled back in release 3 (rollback to 1)"
    )


def test_editor_key_is_told_publishing_needs_a_publisher_key(
    page: Any, site: Site, axe_source: str
) -> None:
    _sign_in(page, site, "editor", "#/publish")
    expect(page.get_by_role("heading", name="Publish")).to_be_visible()
    # The page tries a dry run on its own: the server's 403 is what it goes by.
    note = page.locator("#publish-role-note")
    expect(note).to_have_text(re.compile("Publishing needs a publisher key"))
    expect(page.get_by_role("button", name="Review changes")).to_be_disabled()
    expect(page.locator("#publish-summary")).to_be_hidden()
    expect(page.locator("#role-badge")).to_have_text("Editor")
    expect(page.get_by_role("button", name="Roll back to release 1")).to_have_count(0)
    screenshot(page, "editor-publish-refused")
    assert serious_violations(page, axe_source) == []
    assert httpx.get(f"{site.url}/api/v1/releases/current").json()["kb_version"] == 1


def test_snippets_page_lists_where_used_and_saves_a_value_with_if_match(
    page: Any, site: Site, axe_source: str
) -> None:
    _sign_in(page, site, "editor", "#/snippets")
    row = page.locator('tr[data-snippet="balance_ussd:en"]')
    expect(row.get_by_role("link", name=UNIT)).to_be_visible()
    screenshot(page, "editor-snippets")
    assert serious_violations(page, axe_source) == []

    row.get_by_label("Value of balance_ussd (en)").fill("*101#")
    row.get_by_role("button", name="Save balance_ussd (en)").click()
    expect(row.locator(".row-status")).to_have_text("Saved balance_ussd (en), revision 2.")
    with site.open() as kb:
        stored = kb.draft_snippet("balance_ussd", "en")
        assert (stored.number, stored.value) == (2, "*101#")

    row.get_by_role("link", name=UNIT).click()
    expect(page.get_by_role("heading", name=UNIT_TITLE, level=1)).to_be_visible()
    expect(page.locator("#pv-web .pv-body")).to_contain_text("*101#")


def test_list_and_edit_views_pass_axe_and_speak_russian(
    page: Any, site: Site, axe_source: str
) -> None:
    _sign_in(page, site, "editor")
    expect(page.locator("#units-table tbody tr").first).to_be_visible()
    page.get_by_label("Status").select_option("changed")
    expect(page.locator("#units-count")).to_have_text(re.compile(r"^0 of \d+ units$"))
    page.get_by_label("Status").select_option("")
    page.get_by_role("searchbox", name="Find").fill("balance")
    expect(page.get_by_role("link", name=UNIT_TITLE)).to_be_visible()
    screenshot(page, "editor-list")
    assert serious_violations(page, axe_source) == []

    page.get_by_role("link", name=UNIT_TITLE).click()
    expect(page.locator("#pv-ivr .spoken")).not_to_be_empty()
    screenshot(page, "editor-edit")
    assert serious_violations(page, axe_source) == []

    # On a narrow screen the previews wrap into one column.
    page.set_viewport_size({"width": 700, "height": 900})
    web, chatbot = (page.locator(f"#pv-{c}").bounding_box() for c in ("web", "chatbot"))
    assert chatbot["y"] > web["y"] + web["height"] - 1
    screenshot(page, "editor-edit-narrow")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{site.url}/editor?lang=ru#/units")
    expect(page.get_by_role("heading", name="Статьи")).to_be_visible()
    expect(page.get_by_role("link", name="Как проверить баланс и остаток пакета?")).to_be_visible()
    screenshot(page, "editor-list-ru")
    assert page.evaluate("document.documentElement.lang") == "ru"
    assert serious_violations(page, axe_source) == []


def test_new_unit_is_composed_from_the_form_previewed_and_created(page: Any, site: Site) -> None:
    _sign_in(page, site, "editor")
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="New unit").click()
    expect(page.get_by_role("heading", name="New unit", level=1)).to_be_visible()
    expect(page.get_by_label("ID", exact=True)).to_be_focused()
    page.keyboard.type("esim-transfer")
    page.get_by_label("Title").fill("Can I move my eSIM to a new phone?")
    page.get_by_label("Questions customers ask (one per line)").fill(
        "move my esim to a new phone\ntransfer esim"
    )
    page.get_by_role("combobox", name="Category").fill("sim-and-device")
    page.get_by_label("Tags (comma separated)").fill("esim, new phone")
    page.get_by_label("Answer (Markdown)").fill(
        "Yes: open the app and choose **Transfer eSIM**.\n\nSee also [eSIM setup](unit:esim-setup)."
    )
    expect(page.locator("#pv-web .pv-body strong")).to_have_text("Transfer eSIM")
    expect(page.locator("#pv-chatbot .quick-replies li")).to_have_text(["eSIM setup"])
    expect(page.locator("#parse-errors")).to_be_hidden()
    page.get_by_role("button", name="Create unit").click()

    expect(
        page.get_by_role("heading", name="Can I move my eSIM to a new phone?", level=1)
    ).to_be_visible()
    expect(page.locator("#edit-meta")).to_contain_text("Revision 1")
    assert page.evaluate("location.hash") == "#/edit/en/esim-transfer"
    with site.open() as kb:
        source = kb.draft_unit("esim-transfer", "en").source
    assert "title: Can I move my eSIM to a new phone?\n" in source
    assert "tags:\n  - esim\n  - new phone\n" in source
