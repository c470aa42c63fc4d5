"""The operator side panel in a real browser: key, search as you type, one answer, copy, hosts.

The panel runs 360 px wide, as it does next to a conversation or in a contact-center tool.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from kb.errors import ConfigError
from kb.settings import Settings
from tests.browser.conftest import Host, Site, screenshot, serious_violations

NARROW = {"width": 360, "height": 760}
#: The sample unit with an internal note, and sentences that are only in that note.
STOLEN = "lost-or-stolen-phone"
STOLEN_TITLE = "My phone has been lost or stolen"
INTERNAL_ONLY = ("Bar the SIM first", "IMEI", "SIM-swap fraud procedure")


def _open_panel(page: Any, url: str) -> None:
    page.set_viewport_size(NARROW)
    page.goto(url)


def _sign_in(panel: Any, key: str, *, label: str = "Operator key", button: str = "Sign in") -> None:
    panel.get_by_label(label).fill(key)
    panel.get_by_role("button", name=button).click()


def _operator_unit(site: Site, unit_id: str) -> dict[str, Any]:
    """The unit as the API gives it to operators: what the panel must copy."""
    response = httpx.get(
        f"{site.url}/api/v1/units/{unit_id}",
        params={"channel": "operator"},
        headers={"Authorization": f"Bearer {site.keys['operator']}"},
    )
    response.raise_for_status()
    return response.json()  # type: ignore[no-any-return]


def test_operator_finds_answer_despite_typo_opens_it_by_keyboard_and_copies_customer_text(
    page: Any, site: Site, axe_source: str
) -> None:
    _open_panel(page, f"{site.url}/panel?lang=en")
    _sign_in(page, site.keys["operator"])
    box = page.get_by_role("combobox", name="Search answers")
    expect(box).to_be_focused()
    box.press_sequentially("my phnoe was stolne", delay=30)  # typed, so the debounce is used

    first = page.get_by_role("option").first
    expect(first).to_contain_text(STOLEN_TITLE)
    expect(first.locator("mark").first).to_be_visible()
    expect(page.locator("#status")).to_have_text("4 results")
    expect(page.get_by_role("button", name="my phone was stolen")).to_be_visible()
    screenshot(page, "panel-results")
    assert serious_violations(page, axe_source) == []

    box.press("ArrowDown")
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", "result-0")
    box.press("Enter")
    expect(page.get_by_role("heading", name=STOLEN_TITLE)).to_be_focused()
    note = page.locator("#unit-body aside.kb-internal")
    expect(note).to_be_visible()
    expect(note.locator(".kb-internal-label")).to_have_text("Internal — staff only")
    expect(note).to_contain_text(INTERNAL_ONLY[0])
    assert note.evaluate("n => getComputedStyle(n).borderLeftStyle") == "solid"
    meta = page.locator("#unit-meta")
    for fact in ("Release", "Revision", "fraud", "device-team"):
        expect(meta).to_contain_text(fact)
    expect(page.locator("#unit-stale")).to_be_hidden()

    page.get_by_role("button", name="Copy answer for the customer").click()
    expect(page.locator("#copy-status")).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == _operator_unit(site, STOLEN)["copy_text"]
    assert "Call +44 20 7946 0999" in copied
    assert not [s for s in INTERNAL_ONLY if s in copied]
    screenshot(page, "panel-unit")
    assert serious_violations(page, axe_source) == []

    page.keyboard.press("Escape")
    expect(box).to_be_focused()
    expect(first).to_be_visible()
    expect(first).to_have_attribute("aria-selected", "true")
    expect(page.locator("#unit-view")).to_be_hidden()


def _chatwoot_host(site: Site, host: Host, messages: list[dict[str, Any]]) -> str:
    """A page that frames the panel and answers fetch-info with an appContext, as Chatwoot does."""
    context = {
        "conversation": {"id": 7, "inbox_id": 1, "status": "open", "messages": messages},
        "contact": {"id": 3, "name": "Alex"},
        "currentAgent": {"id": 1, "name": "Sam", "email": "sam@example.com"},
    }
    return host.write(
        "chatwoot.html",
        f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Conversation 7</title></head>
<body>
<iframe id="app" title="Knowledge base" src="{site.url}/panel?lang=en" width="360" height="700">
</iframe>
<script>
window.received = [];
window.context = {json.dumps(context)};
window.addEventListener("message", (event) => {{
  window.received.push({{origin: event.origin, data: event.data}});
  if (event.data === "chatwoot-dashboard-app:fetch-info") {{
    const payload = JSON.stringify({{event: "appContext", data: window.context}});
    document.getElementById("app").contentWindow.postMessage(payload, "*");
  }}
}});
</script>
</body></html>
""",
    )


def _message(content: str, message_type: int, at: int) -> dict[str, Any]:
    return {"id": at, "content": content, "message_type": message_type, "created_at": at}


def test_panel_in_chatwoot_searches_the_customers_last_message(
    page: Any, start_site: Callable[..., Site], host: Host
) -> None:
    site = start_site(KB_PANEL_ORIGINS=host.url)
    last_question = "I am going to Spain next week, how do I turn on roaming?"
    messages = [
        _message("Hi, my bill looks wrong this month", 0, 1_700_000_000),
        _message("Hello Alex, let me have a look.", 1, 1_700_000_010),
        _message(last_question, 0, 1_700_000_020),
        _message("One moment please.", 1, 1_700_000_030),
        _message("Conversation was assigned to Sam", 2, 1_700_000_031),
    ]
    page.set_viewport_size({"width": 1000, "height": 760})
    page.goto(_chatwoot_host(site, host, messages))
    panel = page.frame_locator("#app")
    _sign_in(panel, site.keys["operator"])

    box = panel.get_by_role("combobox", name="Search answers")
    expect(box).to_have_value(last_question)
    expect(panel.get_by_role("option").first).to_contain_text("roaming")
    expect(panel.locator("#status")).to_contain_text("Customer's last message")
    received = page.evaluate("window.received")
    assert {"origin": site.url, "data": "chatwoot-dashboard-app:fetch-info"} in received
    screenshot(page, "panel-chatwoot")

    # A new message from the customer; the operator asks the conversation again.
    page.evaluate(
        "m => window.context.conversation.messages.push(m)",
        _message("my phnoe was stolne", 0, 1_700_000_040),
    )
    panel.get_by_role("button", name="From conversation").click()
    expect(box).to_have_value("my phnoe was stolne")
    expect(panel.get_by_role("option").first).to_contain_text(STOLEN_TITLE)


@pytest.mark.parametrize("trusted", [True, False], ids=["trusted", "untrusted"])
def test_kb_search_messages_are_obeyed_only_from_trusted_origins(
    page: Any, start_site: Callable[..., Site], host: Host, trusted: bool
) -> None:
    site = start_site(KB_PANEL_ORIGINS=host.url) if trusted else start_site()
    policy = httpx.get(f"{site.url}/panel").headers["Content-Security-Policy"]
    assert (host.url in policy) is trusted  # strangers may not even frame the panel
    opener = host.write(
        "opener.html",
        f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Host</title></head>
<body>
<button id="open">Open the panel</button> <button id="ask">Ask the panel</button>
<script>
let panel = null;
document.getElementById("open").onclick = () => {{
  panel = window.open("{site.url}/panel?lang=en", "kb-panel", "width=360,height=700");
}};
document.getElementById("ask").onclick = () => {{
  panel.postMessage({{type: "kb:search", q: "roamng"}}, "*");
}};
</script>
</body></html>
""",
    )
    page.goto(opener)
    with page.expect_popup() as popup:
        page.click("#open")
    panel = popup.value
    errors: list[str] = []
    panel.on("pageerror", lambda exc: errors.append(str(exc)))
    panel.set_viewport_size(NARROW)
    _sign_in(panel, site.keys["operator"])
    box = panel.get_by_role("combobox", name="Search answers")
    expect(box).to_be_visible()

    page.click("#ask")
    if trusted:
        expect(box).to_have_value("roamng")
        expect(panel.get_by_role("option").first).to_contain_text("roaming")
    else:
        panel.wait_for_timeout(800)
        expect(box).to_have_value("")
        expect(panel.get_by_role("option")).to_have_count(0)
    screenshot(panel, f"panel-kb-search-{'trusted' if trusted else 'untrusted'}")
    assert errors == []


def test_q_parameter_pre_searches_the_key_lasts_the_session_and_stale_answers_are_flagged(
    page: Any, site: Site
) -> None:
    _open_panel(page, f"{site.url}/panel?lang=en&q=roaming+outside+europe")
    _sign_in(page, site.keys["operator"])
    first = page.get_by_role("option").first
    expect(first).to_contain_text("How much does roaming cost outside Europe?")

    page.reload()  # the key is kept for the browser session: no second sign-in
    expect(page.get_by_label("Operator key")).to_be_hidden()
    expect(first).to_contain_text("How much does roaming cost outside Europe?")
    first.click()
    stale = page.locator("#unit-stale")
    expect(stale).to_be_visible()
    expect(stale).to_contain_text("Review overdue")
    screenshot(page, "panel-stale")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("Operator key")).to_be_focused()
    page.reload()
    expect(page.get_by_label("Operator key")).to_be_visible()
    expect(page.get_by_role("option")).to_have_count(0)


def test_russian_interface_finds_russian_unit_with_internal_note(
    page: Any, site: Site, axe_source: str
) -> None:
    _open_panel(page, f"{site.url}/panel?lang=ru&locale=ru")
    assert page.evaluate("document.documentElement.lang") == "ru"
    _sign_in(page, site.keys["operator"], label="Ключ оператора", button="Войти")
    box = page.get_by_role("combobox", name="Поиск ответов")
    box.press_sequentially("укроли телефон", delay=30)
    first = page.get_by_role("option").first
    expect(first).to_contain_text("Мой телефон потерян или украден")
    expect(page.locator("#status")).to_have_text("1 результат")
    expect(page.get_by_role("button", name="украли телефон")).to_be_visible()
    box.press("ArrowDown")
    box.press("Enter")
    expect(page.get_by_role("heading", name="Мой телефон потерян или украден")).to_be_focused()
    expect(page.locator("#unit-body aside.kb-internal")).to_contain_text("Только для сотрудников")
    expect(page.get_by_role("button", name="← К результатам")).to_be_visible()
    page.get_by_role("button", name="Скопировать ответ для клиента").click()
    expect(page.locator("#copy-status")).to_have_text("Скопировано")
    screenshot(page, "panel-ru")
    assert serious_violations(page, axe_source) == []


def test_wrong_key_gets_a_clear_error_and_no_results(page: Any, site: Site) -> None:
    _open_panel(page, f"{site.url}/panel?lang=en&q=roaming")
    _sign_in(page, "kb_not_a_real_key")
    expect(page.get_by_role("alert").filter(has_text="not accepted")).to_have_text(
        "This key was not accepted. Check it and try again."
    )
    expect(page.get_by_label("Operator key")).to_be_focused()
    expect(page.get_by_role("combobox")).to_be_hidden()
    expect(page.get_by_role("option")).to_have_count(0)

    _sign_in(page, site.keys["reader"])  # a real key, but not allowed into the operator channel
    expect(page.locator("#key-error")).to_contain_text("operator role")
    expect(page.get_by_role("option")).to_have_count(0)
    screenshot(page, "panel-wrong-key")


def test_a_slow_answer_to_an_older_query_never_replaces_newer_results(
    page: Any, site: Site
) -> None:
    held: list[Any] = []

    def hold_first_query(route: Any) -> None:
        if "q=roaming" in route.request.url:
            held.append(route)
        else:
            route.continue_()

    _open_panel(page, f"{site.url}/panel?lang=en")
    _sign_in(page, site.keys["operator"])
    page.route("**/api/v1/search?*", hold_first_query)
    box = page.get_by_role("combobox", name="Search answers")
    box.fill("roaming")
    for _ in range(100):  # past the debounce: the request for "roaming" is held in flight
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1
    box.fill("stolen phone")
    expect(page.get_by_role("option").first).to_contain_text(STOLEN_TITLE)
    with contextlib.suppress(PlaywrightError):  # the panel may already have aborted it
        held[0].continue_()
    page.wait_for_timeout(400)
    expect(page.get_by_role("option").first).to_contain_text(STOLEN_TITLE)
    expect(page.get_by_role("option").filter(has_text="roaming")).to_have_count(0)


def test_panel_origins_setting_takes_exact_origins_only() -> None:
    env = {
        "KB_DATA_DIR": "/tmp/kb",
        "KB_PANEL_ORIGINS": "https://app.chatwoot.com, http://127.0.0.1:3000/",
    }
    assert Settings.from_env(env).panel_origins == (
        "https://app.chatwoot.com",
        "http://127.0.0.1:3000",
    )
    for bad in ("*", "https://app.chatwoot.com/path", "https://a.example 'unsafe-inline'"):
        with pytest.raises(ConfigError, match="KB_PANEL_ORIGINS"):
            Settings.from_env({"KB_DATA_DIR": "/tmp/kb", "KB_PANEL_ORIGINS": bad})
