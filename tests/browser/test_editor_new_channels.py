"""The editor previews the e-mail, SMS and messenger channels beside the first four: the
subject and the HTML part in a sandboxed frame, the SMS with its segments and encoding, the
Telegram and WhatsApp messages with their buttons and limits; edits and `::: only sms` follow.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Site, screenshot, serious_violations

UNIT_TITLE = "How do I check my balance and remaining allowance?"
UNIT_TITLE_RU = "Как проверить баланс и остаток пакета?"
#: The help pages' address, so the SMS carries a link and Telegram a "read on the website" button.
PUBLIC_URL = "https://help.aurora-mobile.example"
NEW_PANELS = ("#pv-email", "#pv-sms", "#pv-messenger")


@pytest.fixture
def public_site(start_site: Callable[..., Site]) -> Site:
    """A server that knows its public help pages (as the renderer fixture files do)."""
    return start_site(KB_PUBLIC_URL=PUBLIC_URL)


@pytest.fixture
def console_errors(page: Any) -> list[str]:
    """The console's error messages while the test runs (a blocked frame, a failed load...)."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors


def _open(page: Any, site: Site, title: str, lang: str = "en") -> Any:
    """Sign in with the editor key, open the unit called `title`; returns the body field."""
    page.goto(f"{site.url}/editor?lang={lang}")
    page.locator("#key-input").fill(site.keys["editor"])
    page.locator("#signin-form button[type=submit]").click()
    expect(page.locator("#role-badge")).to_be_visible()
    page.get_by_role("link", name=title).click()
    expect(page.locator("#pv-messenger .telegram-bubble")).not_to_be_empty()
    return page.locator("#u-body")


def test_email_sms_and_messenger_previews_show_check_balance_and_follow_the_body(
    page: Any, public_site: Site, console_errors: list[str], axe_source: str
) -> None:
    body = _open(page, public_site, UNIT_TITLE)

    # E-mail: the subject is the title; the HTML part sits in a frame with no permissions.
    email = page.locator("#pv-email")
    expect(email.locator(".email-subject-text")).to_have_text(UNIT_TITLE)
    frame = email.locator("iframe.email-html")
    assert frame.get_attribute("sandbox") == ""
    assert frame.get_attribute("srcdoc").startswith("<!DOCTYPE html>")
    # An opaque origin of its own: this page cannot reach into it, nor it into this page.
    assert frame.evaluate("f => f.contentDocument === null")
    shown = page.frame_locator("#pv-email iframe.email-html")
    expect(shown.locator("li strong").first).to_have_text("Pay As You Go:")
    expect(shown.locator("body")).to_contain_text("Aurora Mobile customer care")
    plain = email.locator(".email-text")
    expect(plain).to_be_hidden()
    email.get_by_text("Plain-text part").click()
    expect(plain).to_contain_text("Dial *100# from your Aurora phone")
    expect(plain).to_contain_text("\n-- \nAurora Mobile customer care")

    # SMS: the short answer and the link in a phone bubble, with its size.
    sms = page.locator("#pv-sms")
    expect(sms.locator(".sms-bubble")).to_have_text(
        "Dial *100# from your Aurora phone, free of charge, or open the Aurora app: your "
        "balance and remaining minutes, texts and data are on the first screen.\n"
        f"More: {PUBLIC_URL}/units/check-balance?locale=en"
    )
    expect(sms.locator(".sms-size")).to_have_text("221 characters, 2 segments, GSM-7")
    expect(sms.locator(".cut-note")).to_have_count(0)

    # Messengers: Telegram read without its escapes, its marks applied; WhatsApp likewise.
    telegram = page.locator("#pv-messenger .msg-telegram")
    expect(telegram.get_by_role("heading", name="Telegram")).to_be_visible()
    bubble = telegram.locator(".telegram-bubble")
    expect(bubble).to_contain_text("Dial *100# from your Aurora phone")
    expect(bubble).not_to_contain_text("\\")
    expect(bubble.locator("strong")).to_have_text(["Pay As You Go:", "Pay monthly:"])
    expect(telegram.locator(".msg-length")).to_have_text(re.compile(r"^\d+ of 4096 characters$"))
    expect(telegram.locator(".tg-keyboard .msg-button")).to_have_text(["Read on the website ↗"])
    whatsapp = page.locator("#pv-messenger .msg-whatsapp")
    expect(whatsapp.get_by_role("heading", name="WhatsApp")).to_be_visible()
    expect(whatsapp.locator(".whatsapp-bubble strong")).to_have_text(
        ["Pay As You Go:", "Pay monthly:"]
    )
    expect(whatsapp.locator(".msg-length")).to_have_text(re.compile(r"^\d+ of 1024 characters$"))
    screenshot(page, "editor-new-channels")
    assert serious_violations(page, axe_source) == []

    # An edit reaches all three; links to units become buttons; `::: only sms` stays in SMS.
    body.fill(
        body.input_value().replace("Dial", "Zebrafox news: dial", 1)
        + "\n::: only messenger\nSee [how to top up](unit:top-up) and "
        "[your data](unit:check-data-usage).\n:::\n"
        "\n::: only sms\nKiwi code 4417.\n:::\n"
    )
    expect(shown.locator("body")).to_contain_text("Zebrafox news: dial")
    expect(plain).to_contain_text("Zebrafox news: dial")
    expect(sms.locator(".sms-bubble")).to_contain_text("Zebrafox news: dial")
    expect(sms.locator(".sms-bubble")).to_contain_text("Kiwi code 4417.")
    expect(bubble).to_contain_text("Zebrafox news: dial")
    expect(whatsapp.locator(".whatsapp-bubble")).to_contain_text("Zebrafox news: dial")
    expect(telegram.locator(".tg-keyboard .msg-button")).to_have_text(
        ["how to top up", "your data", "Read on the website ↗"]
    )
    expect(whatsapp.locator(".wa-buttons .msg-button")).to_have_text(["how to top up", "your data"])
    for panel in (
        "#pv-web",
        "#pv-chatbot",
        "#pv-operator",
        "#pv-ivr",
        "#pv-email",
        "#pv-messenger",
    ):
        expect(page.locator(panel)).not_to_contain_text("Kiwi code")
    expect(shown.locator("body")).not_to_contain_text("Kiwi code")
    screenshot(page, "editor-new-channels-edited")
    assert console_errors == []


def test_a_long_answer_shows_the_sms_and_whatsapp_cut_notes(
    page: Any, public_site: Site, console_errors: list[str]
) -> None:
    body = _open(page, public_site, UNIT_TITLE)
    long_words = " ".join(f"Extra sentence number {n} for the long answer." for n in range(40))
    body.fill(body.input_value().replace("first screen.", f"first screen. {long_words}", 1))

    sms = page.locator("#pv-sms")
    expect(sms.locator(".cut-note")).to_have_text(
        "Cut to fit the segment limit: the message sent ends here."
    )
    expect(sms.locator(".sms-size")).to_have_text(
        re.compile(r"^\d+ characters, 2 segments, GSM-7$")
    )
    expect(sms.locator(".pv-findings")).to_contain_text("sms-too-long")
    whatsapp = page.locator("#pv-messenger .msg-whatsapp")
    expect(whatsapp.locator(".cut-note")).to_be_visible()
    expect(whatsapp.locator(".msg-length")).to_have_class(re.compile("too-long"))
    telegram = page.locator("#pv-messenger .msg-telegram")
    expect(telegram.locator(".cut-note")).to_have_count(0)
    expect(telegram.locator(".telegram-bubble")).to_contain_text("Extra sentence number 39")
    assert console_errors == []


def test_the_channel_boxes_list_the_new_channels_and_all_ticked_means_none_named(
    page: Any, site: Site
) -> None:
    _open(page, site, UNIT_TITLE)
    boxes = page.locator('#u-channels input[name="channel"]')
    expect(boxes).to_have_count(7)
    for name in ("E-mail", "SMS", "Messengers"):
        expect(page.locator("#u-channels").get_by_label(name)).to_be_checked()

    def previewed_source() -> str:
        return json.loads(preview.value.post_data)["source"]

    with page.expect_request(lambda r: r.url.endswith("/drafts/preview")) as preview:
        page.locator("#u-channels").get_by_label("SMS").uncheck()
    assert (
        "\nchannels:\n  - web\n  - chatbot\n  - operator\n  - ivr\n  - email\n  - messenger\n"
        in (previewed_source())
    )
    expect(page.locator("#pv-sms")).to_have_class(re.compile(r"\boff\b"))
    expect(page.locator("#pv-sms .pv-body")).to_have_text("This unit is not shown in this channel.")
    expect(page.locator("#pv-email iframe.email-html")).to_be_visible()

    # Ticked again, every channel: the unit names none, as loaded (omitted means all).
    with page.expect_request(lambda r: r.url.endswith("/drafts/preview")) as preview:
        page.locator("#u-channels").get_by_label("SMS").check()
    assert "channels:" not in previewed_source()
    expect(page.locator("#pv-sms .sms-bubble")).to_be_visible()
    page.get_by_role("button", name="Edit as source").click()
    assert "channels:" not in page.locator("#u-source").input_value()


def test_the_new_previews_speak_russian_and_pass_axe(
    page: Any, public_site: Site, console_errors: list[str], axe_source: str
) -> None:
    _open(page, public_site, UNIT_TITLE_RU, lang="ru")
    expect(page.locator("#pv-email-h")).to_have_text("Эл. почта")
    expect(page.locator("#pv-sms-h")).to_have_text("SMS")
    expect(page.locator("#pv-messenger-h")).to_have_text("Мессенджеры")
    expect(page.locator("#u-channels").get_by_label("Мессенджеры")).to_be_checked()
    email = page.locator("#pv-email")
    expect(email.locator(".email-subject .small-label")).to_have_text("Тема")
    expect(email.locator(".email-subject-text")).to_have_text(UNIT_TITLE_RU)
    expect(email.locator("summary")).to_have_text("Текстовая часть")
    assert email.locator("iframe").get_attribute("title") == f"HTML-часть письма «{UNIT_TITLE_RU}»"
    sms = page.locator("#pv-sms")
    # Cyrillic needs UCS-2; the Russian answer does not fit two segments and is cut.
    expect(sms.locator(".sms-size")).to_have_text(
        re.compile(r"^\d+ символ(а|ов)?, 2 сегмента, UCS-2$")
    )
    expect(sms.locator(".cut-note")).to_contain_text("Обрезано до предела сегментов")
    messenger = page.locator("#pv-messenger")
    expect(messenger.locator(".msg-telegram .msg-length")).to_have_text(
        re.compile(r"^\d+ из 4096 символов$")
    )
    expect(messenger.locator(".tg-keyboard .msg-button")).to_have_text(["Читать на сайте ↗"])
    expect(messenger.get_by_text("Встроенная клавиатура")).to_be_visible()
    for panel in NEW_PANELS:
        expect(page.locator(panel)).to_be_visible()
    screenshot(page, "editor-new-channels-ru")
    assert page.evaluate("document.documentElement.lang") == "ru"
    assert serious_violations(page, axe_source) == []
    assert console_errors == []


#: MarkdownV2 as the renderer writes it -> what the Telegram bubble holds (escapes gone).
TELEGRAM_CASES = {
    "Dial \\*100\\# now\\.": "Dial *100# now.",
    "*bold _both_* plain": "<strong>bold <em>both</em></strong> plain",
    "__under__ ~gone~ ||hid||": ('<u>under</u> <s>gone</s> <span class="tg-spoiler">hid</span>'),
    "[a \\] label](https://x.example/a\\)b)": (
        '<a class="tg-link" title="https://x.example/a)b" href="https://x.example/a)b" '
        'target="_blank" rel="noopener noreferrer">a ] label</a>'
    ),
    "[bad](javascript:alert(1\\))": '<a class="tg-link" title="javascript:alert(1)">bad</a>',
    "`co\\`de` and ```\nx = 1\n```": '<code>co`de</code> and <pre class="tg-pre">x = 1</pre>',
    "\\<img src\\=x onerror\\=alert\\(1\\)\\>": "&lt;img src=x onerror=alert(1)&gt;",
}
#: WhatsApp text -> the bubble: marks only at a word's edge, never beside a word joiner.
WHATSAPP_CASES = {
    "*bold* and _it_ and ~s~": "<strong>bold</strong> and <em>it</em> and <s>s</s>",
    "2*3*4 and snake_case_name": "2*3*4 and snake_case_name",
    "a \u2060*\u2060 b \u2060*\u2060 c": "a \u2060*\u2060 b \u2060*\u2060 c",
    "```x*y*z``` *<b>*": "<code>x*y*z</code> <strong>&lt;b&gt;</strong>",
}


def test_telegram_and_whatsapp_marks_become_elements_and_markup_stays_text(
    page: Any, site: Site
) -> None:
    _open(page, site, UNIT_TITLE)
    module = f"{site.url}/static/editor/channels/messenger.js"
    shown = page.evaluate(
        """async ([module, telegram, whatsapp]) => {
          const m = await import(module);
          return [telegram.map((t) => m.telegramNodes(t).innerHTML),
                  whatsapp.map((t) => m.whatsappNodes(t).innerHTML)];
        }""",
        [module, list(TELEGRAM_CASES), list(WHATSAPP_CASES)],
    )
    assert dict(zip(TELEGRAM_CASES, shown[0], strict=True)) == TELEGRAM_CASES
    assert dict(zip(WHATSAPP_CASES, shown[1], strict=True)) == WHATSAPP_CASES
