"""The embeddable FAQ widget on a customer's page: another origin, public content only, robust."""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Route, expect

from api.routes.pages import STATIC_DIR
from kb.content.document import parse_unit
from tests.api.servers import free_port
from tests.browser.conftest import Host, Site, screenshot, serious_violations
from tests.conftest import SAMPLE_CONTENT

WIDGET = ".kb-widget"
#: Text that exists only for staff: a `::: internal` note of a public unit and internal units.
INTERNAL_TEXT = (
    "Bar the SIM first, verify identity second",
    "barring is always safe and reversible",
    "Goodwill credit policy",
    "Front-line agents may apply goodwill credit",
    "SIM-swap fraud: handling procedure",
    "transfer to the fraud desk",
)
HOSTILE_TITLE = "<img src=x onerror=window.__xss=1> Refund trick"
HOSTILE_UNIT = f"""---
id: hostile-refund
locale: en
title: "{HOSTILE_TITLE}"
questions:
  - refund trick
category: billing
---
A refund trick <img src=x onerror=window.__xss=2> explained <script>window.__xss=3</script>.
"""


def _public_web_titles(locale: str, category: str) -> list[str]:
    """What the sample content says the FAQ lists: public web units of the category, by title."""
    titles = []
    for path in sorted((SAMPLE_CONTENT / locale / category).glob("*.md")):
        doc = parse_unit(path.read_text(encoding="utf-8"))
        if doc.audience == "public" and (doc.channels is None or "web" in doc.channels):
            titles.append(doc.title)
    return sorted(titles, key=str.casefold)


def _embed(
    host: Host,
    api: str,
    attrs: str,
    *,
    lang: str = "en",
    head: str = "",
    body: str = "",
    name: str = "index.html",
) -> str:
    """A customer's page on the host origin with the widget's script tag in it."""
    return host.write(
        name,
        f'<!doctype html>\n<html lang="{lang}">\n<head><meta charset="utf-8">'
        f"<title>Aurora help</title>{head}</head>\n<body><main><h1>Help</h1>{body}\n"
        f'<script src="{api}/widget.js" {attrs}></script>\n</main></body></html>\n',
    )


def _shadow_text(page: Any) -> str:
    """Everything the widget's shadow root holds, as markup (text and attributes)."""
    return str(page.evaluate(f"document.querySelector('{WIDGET}').shadowRoot.innerHTML"))


def expect_release_for_staff_only(widget: Locator, number: int) -> None:
    """The widget serves release `number`: staff read it on its element, visitors never see it."""
    expect(widget).to_have_attribute("data-kb-release", str(number))
    shown = str(
        widget.evaluate(
            "w => [...w.shadowRoot.children].filter((e) => e.localName !== 'style')"
            ".map((e) => e.innerText).join('\\n')"
        )
    )
    assert shown.strip(), "the widget shows something"
    assert not re.search(r"(?i)release|выпуск", shown), shown
    assert not re.search(rf"(?m)^\W*#?{number}\W*$", shown), f"a bare {number} is shown: {shown}"


def test_widget_from_another_origin_lists_searches_opens_a_hit_and_passes_axe(
    page: Any, site: Site, host: Host, axe_source: str
) -> None:
    calls: list[Any] = []
    page.on("request", lambda r: calls.append(r) if "/api/" in r.url else None)
    page.goto(_embed(host, site.url, 'data-kb-locale="en" data-kb-category="billing"'))
    expected = _public_web_titles("en", "billing")
    widget = page.locator(WIDGET)
    expect(widget.locator(".all .t")).to_have_text(expected)
    expect(widget.locator("[role=status]")).to_have_text(f"{len(expected)} questions")
    expect_release_for_staff_only(widget, 1)
    expect(widget.locator(".all .a").first).to_be_hidden()
    screenshot(page, "widget-list")

    box = widget.get_by_label("Search the questions")
    box.press_sequentially("balanse", delay=40)  # a typo, as visitors type
    first = widget.locator(".hits .b").first
    expect(first.locator(".t")).to_have_text("How do I check my balance and remaining allowance?")
    expect(first.locator(".s mark").first).to_be_visible()
    expect(widget.locator(".all")).to_be_hidden()
    expect(widget.locator("[role=status]")).to_have_text(re.compile(r"^\d+ results?$"))
    first.focus()
    page.keyboard.press("Enter")
    expect(first).to_have_attribute("aria-expanded", "true")
    answer = widget.locator(f"#{first.get_attribute('aria-controls')}")
    expect(answer).to_contain_text("remaining minutes, texts and data")
    screenshot(page, "widget-search-opened")
    assert serious_violations(page, axe_source) == []

    box.fill("")
    expect(widget.locator(".all .t")).to_have_text(expected)
    expect(widget.locator(".hits")).to_be_hidden()
    expect(widget.locator("[role=status]")).to_have_text(f"{len(expected)} questions")
    assert calls, "the widget called the API"
    assert all("authorization" not in r.headers for r in calls), "never sends a key"
    assert all("channel=web" in r.url for r in calls if "/search" in r.url)


def test_widget_ignores_a_search_answer_that_arrives_after_a_newer_one(
    page: Any, site: Site, host: Host
) -> None:
    held: list[Route] = []

    def hold_first_search(route: Route) -> None:
        if "q=roaming" in route.request.url and not held:
            held.append(route)  # answered only after the newer search has been shown
        else:
            route.continue_()

    page.route("**/api/v1/search?*", hold_first_search)
    page.goto(_embed(host, site.url, 'data-kb-locale="en"'))
    widget = page.locator(WIDGET)
    expect_release_for_staff_only(widget, 1)
    box = widget.get_by_label("Search the questions")
    box.fill("roaming")
    page.wait_for_timeout(400)  # past the debounce: the roaming search is on its way
    assert held, "the first search was sent"
    box.fill("balance")
    expect(widget.locator(".hits .t").first).to_contain_text("balance")
    with contextlib.suppress(PlaywrightError):  # the widget may already have aborted it
        held[0].continue_()
    page.wait_for_timeout(500)
    assert "balance" in widget.locator(".hits .t").first.inner_text()
    assert not any("Roaming" in t for t in widget.locator(".hits .t").all_inner_texts())


def test_widget_never_shows_internal_notes_or_internal_units(
    page: Any, site: Site, host: Host
) -> None:
    page.goto(_embed(host, site.url, 'data-kb-locale="en"'))
    widget = page.locator(WIDGET)
    expect(widget.locator(".all .t").first).to_be_visible()
    stolen = widget.locator(".all .b", has_text="My phone has been lost or stolen")
    stolen.click()  # its public part is there, its internal note is not
    expect(widget.locator(".all .a:visible")).to_contain_text("Report the theft to the police")
    box = widget.get_by_label("Search the questions")
    status = widget.locator("[role=status]")
    for words in ("reversible", "fraud desk", "goodwill credit", "goodwill"):
        box.fill("")
        expect(status).to_contain_text("questions")
        box.fill(words)
        expect(status).to_have_text(re.compile(r"^(No results|\d+ results?)$"))
        markup = _shadow_text(page)
        for text in INTERNAL_TEXT:
            assert text.lower() not in markup.lower(), f"{text!r} shown after searching {words!r}"
    expect(widget.locator(".hits .t")).to_have_text(["How do I read my monthly bill?"])
    screenshot(page, "widget-no-internal")


def test_widget_never_shows_text_written_for_other_channels(
    page: Any, site: Site, host: Host
) -> None:
    # The sample's phone menus (`::: only ivr`) say "press 2" and "technical"; no web text does.
    page.goto(_embed(host, site.url, 'data-kb-locale="en"'))
    widget = page.locator(WIDGET)
    expect(widget.locator(".all .t").first).to_be_visible()
    box = widget.get_by_label("Search the questions")
    status = widget.locator("[role=status]")
    for words, none_found in (
        ("press", True),
        ("pres", True),
        ("technical", True),
        ("press 2", False),
    ):
        box.fill("")
        expect(status).to_contain_text("questions")
        box.fill(words)
        # A first search by meaning loads the sentence encoder in the server: allow for it.
        done = "No results" if none_found else re.compile(r"^(No results|\d+ results?)$")
        expect(status).to_have_text(done, timeout=60_000)
        markup = _shadow_text(page).lower()
        for phrase in ("press 1", "press 2", "press 3", "technical support"):
            assert phrase not in markup, f"{phrase!r} shown after searching {words!r}"


def test_widget_is_untouched_by_hostile_host_css_and_does_not_style_the_host(
    page: Any, site: Site, host: Host
) -> None:
    hostile = (
        "<style>* { color: red !important; display: block }"
        " details, button { font-size: 40px !important }"
        " div { display: inline-flex !important; padding: 50px !important }"
        " mark { background: rgb(0, 128, 0) } ul { padding-left: 77px }</style>"
    )
    probe = '<p id="probe">Host <mark>text</mark></p><ul id="list"><li>x</li></ul>'
    page.goto(_embed(host, site.url, 'data-kb-locale="en"', head=hostile, body=probe))
    widget = page.locator(WIDGET)
    expect(widget.locator(".all .t").first).to_be_visible()
    widget.get_by_label("Search the questions").fill("balance")
    expect(widget.locator(".hits mark").first).to_be_visible()
    styles = page.evaluate(
        """() => {
          const root = document.querySelector('.kb-widget').shadowRoot;
          const css = (node) => getComputedStyle(node);
          const hidden = root.querySelector('.all .a');
          return {
            host: [css(root.host).color, css(root.host).display, css(root.host).padding],
            box: css(root.querySelector('.r')).color,
            button: [css(root.querySelector('.b')).color, css(root.querySelector('.b')).fontSize],
            hiddenAnswer: [hidden.hidden, css(hidden).display],
            mark: css(root.querySelector('mark')).backgroundColor,
            hostText: css(document.getElementById('probe')).color,
            hostMark: css(document.querySelector('#probe mark')).backgroundColor,
            hostList: css(document.getElementById('list')).paddingLeft,
          };
        }"""
    )
    red = "rgb(255, 0, 0)"
    assert styles["host"] == ["rgb(0, 0, 0)", "block", "0px"]
    assert styles["box"] != red
    assert styles["button"][0] != red
    assert styles["button"][1] == "16px"
    assert styles["hiddenAnswer"] == [True, "none"]
    assert styles["mark"] == "rgb(253, 230, 138)"
    # The widget's own rules (mark, ul, colors) stay in its shadow root.
    assert styles["hostText"] == red
    assert styles["hostMark"] == "rgb(0, 128, 0)"
    assert styles["hostList"] == "77px"
    screenshot(page, "widget-hostile-css")


def _wait_for_release(site: Site, number: int) -> None:
    """The running server follows a new release within a second or so."""
    deadline = time.monotonic() + 15
    while httpx.get(f"{site.url}/api/v1/releases/current").json()["kb_version"] != number:
        assert time.monotonic() < deadline, f"release {number} not served"
        time.sleep(0.2)


def test_widget_moves_to_a_newer_release_on_search_and_marks_it_on_its_element_only(
    page: Any, site: Site, host: Host
) -> None:
    page.goto(_embed(host, site.url, 'data-kb-locale="en" data-kb-category="billing"'))
    widget = page.locator(WIDGET)
    expect_release_for_staff_only(widget, 1)
    with site.open() as kb:
        kb.save_unit(kb.parse_unit(HOSTILE_UNIT), author="tester")
        kb.publish(author="tester", message="a new billing answer")
    _wait_for_release(site, 2)
    widget.get_by_label("Search the questions").fill("refund trick")  # answered from release 2
    expect_release_for_staff_only(widget, 2)
    expect(widget.locator(".all .t", has_text="Refund trick")).to_have_count(1)


def test_widget_shows_markup_in_titles_and_answers_as_text(
    page: Any, site: Site, host: Host
) -> None:
    with site.open() as kb:
        kb.save_unit(kb.parse_unit(HOSTILE_UNIT), author="tester")
        kb.publish(author="tester", message="a hostile title")
    _wait_for_release(site, 2)
    attrs = 'data-kb-locale="en" data-kb-category="billing" data-kb-jsonld="true"'
    page.goto(_embed(host, site.url, attrs))
    widget = page.locator(WIDGET)
    expect_release_for_staff_only(widget, 2)
    title = widget.locator(".all .t", has_text="Refund trick")
    expect(title).to_have_text(HOSTILE_TITLE)
    title.click()
    expect(widget.locator(".all .a:visible")).to_contain_text("A refund trick")
    widget.get_by_label("Search the questions").fill("refund trick")
    expect(widget.locator(".hits .t").first).to_have_text(HOSTILE_TITLE)
    page.wait_for_timeout(300)  # an injected image would have fired onerror by now
    assert page.evaluate("window.__xss") is None
    found = page.evaluate(
        "() => [document.querySelector('.kb-widget').shadowRoot.querySelectorAll('img, script')"
        ".length, document.querySelectorAll('img').length]"
    )
    assert found == [0, 0]
    data = json.loads(page.locator("head script[type='application/ld+json']").text_content())
    assert HOSTILE_TITLE in [q["name"] for q in data["mainEntity"]]
    screenshot(page, "widget-escaping")


def test_widget_keeps_only_harmless_markup_even_if_the_server_sent_more(
    page: Any, site: Site, host: Host
) -> None:
    """Defence in depth: a real answer with unsafe markup added in transit is cleaned."""
    unsafe = (
        '<img src=x onerror="window.__xss=1"><a href="javascript:window.__xss=2">js link</a>'
        '<p style="color:red" onclick="window.__xss=3">styled</p>'
        "<svg><script>window.__xss=4</script></svg><iframe src=about:blank></iframe>"
        '<a href="https://example.org/" title="Example" target="_top" class="x">safe link</a>'
    )

    def tamper(route: Route) -> None:
        response = route.fetch()
        body = response.json()
        body["items"][0]["answer"] += unsafe
        route.fulfill(response=response, json=body)

    page.route("**/api/v1/faq?*", tamper)
    page.goto(_embed(host, site.url, 'data-kb-locale="en" data-kb-category="billing"'))
    widget = page.locator(WIDGET)
    widget.locator(".all .b").first.click()
    answer = widget.locator(".all .a:visible")
    expect(answer).to_contain_text("styled")
    widget.get_by_text("js link").click()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None
    left = answer.evaluate(
        """a => ({
          unsafe: a.querySelectorAll('img, svg, script, iframe, [style], [onclick]').length,
          links: [...a.querySelectorAll('a')]
            .map(l => [...l.attributes].map(x => x.name + '=' + x.value).sort()),
        })"""
    )
    assert left["unsafe"] == 0
    # The only attribute of the widget's own: part=link, so that the host may style links.
    assert ["href=https://example.org/", "part=link", "title=Example"] in left["links"]
    assert ["part=link"] in left["links"]  # the javascript: link kept its text, lost its href
    assert not any("javascript" in attr for link in left["links"] for attr in link)


def test_widget_opens_a_linked_unit_in_its_list_and_links_others_to_their_page(
    page: Any, site: Site, host: Host
) -> None:
    page.goto(_embed(host, site.url, 'data-kb-locale="en" data-kb-category="billing"'))
    widget = page.locator(WIDGET)
    box = widget.get_by_label("Search the questions")
    box.fill("recognise charge")
    hit = widget.locator(".hits .b", has_text="I don't recognise a charge on my bill")
    hit.click()
    answer = widget.locator(".hits .a:visible")
    spend_cap = answer.get_by_role("link", name="spend cap")
    expect(spend_cap).to_have_attribute("href", f"{site.url}/units/spend-cap?locale=en")
    answer.get_by_role("link", name="how to read your bill").click()
    expect(box).to_have_value("")
    bill = widget.locator(".all .b", has_text="How do I read my monthly bill?")
    expect(bill).to_have_attribute("aria-expanded", "true")
    expect(bill).to_be_focused()
    expect(widget.locator(".all .a:visible")).to_contain_text("Adjustments")
    assert page.url.endswith("/index.html")  # the visitor stayed on the host page


def test_widget_degrades_to_the_help_center_link_when_the_api_is_closed(
    page: Any, host: Host
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    host.write("widget.js", (STATIC_DIR / "widget.js").read_text(encoding="utf-8"))
    attrs = f'data-kb-api="{closed}" data-kb-locale="en" data-kb-category="billing"'
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    page.goto(_embed(host, host.url, attrs))
    link = page.locator(f"{WIDGET} a")
    expect(link).to_have_attribute("href", f"{closed}/help/en/billing")
    expect(page.locator(f"{WIDGET} .note")).to_have_text(
        "The questions cannot be shown here right now."
    )
    expect(page.locator(f"{WIDGET} input")).to_have_count(0)
    assert any("could not reach the knowledge base server" in w for w in warnings), warnings
    assert not any("KB_CORS_ORIGINS" in w for w in warnings), "a closed server is not a CORS matter"
    screenshot(page, "widget-fallback-closed")


@pytest.mark.parametrize("origins", ["http://nowhere.invalid", ""], ids=["other", "unset"])
def test_widget_tells_the_site_owner_to_add_its_origin_when_cors_refuses_the_host(
    page: Any, start_site: Callable[..., Site], host: Host, origins: str
) -> None:
    site = start_site(KB_CORS_ORIGINS=origins)
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    page.goto(_embed(host, site.url, 'data-kb-locale="en" data-kb-category="billing"'))
    link = page.locator(f"{WIDGET} a")
    expect(link).to_have_attribute("href", f"{site.url}/help/en/billing")
    expect(page.locator(f"{WIDGET} .note")).to_have_text(
        f"This website is not yet allowed to show the questions here. Its owner can allow it by"
        f" adding {host.url} to KB_CORS_ORIGINS on the knowledge base server."
    )
    screenshot(page, "widget-fallback-cors")
    told = [w for w in warnings if "KB_CORS_ORIGINS" in w]
    assert len(told) == 1, warnings
    assert f"does not allow this website ({host.url})" in told[0]
    assert f"Add {host.url} to KB_CORS_ORIGINS on the knowledge base server" in told[0]
    link.click()  # the help center's page of the same category, on the knowledge base's site
    expect(page.locator("main .kb-answer-list a")).to_have_text(_public_web_titles("en", "billing"))


def test_widget_degrades_to_the_help_center_link_on_an_error_status(
    page: Any, site: Site, host: Host
) -> None:
    page.goto(_embed(host, site.url, 'data-kb-locale="not a locale!"'))  # the API answers 422
    expect(page.locator(f"{WIDGET} a")).to_have_attribute(
        "href", f"{site.url}/help/not%20a%20locale!"
    )


def test_widget_emits_faq_jsonld_into_the_page_head_only_when_asked(
    page: Any, site: Site, host: Host
) -> None:
    attrs = 'data-kb-locale="en" data-kb-category="billing"'
    page.goto(_embed(host, site.url, attrs))
    expect_release_for_staff_only(page.locator(WIDGET), 1)
    assert page.locator("script[type='application/ld+json']").count() == 0

    page.goto(_embed(host, site.url, f'{attrs} data-kb-jsonld="true"', name="ld.html"))
    expect_release_for_staff_only(page.locator(WIDGET), 1)
    ld = page.locator("head script[type='application/ld+json']")
    expect(ld).to_have_count(1)
    data = json.loads(ld.text_content())
    assert data["@type"] == "FAQPage"
    assert [q["name"] for q in data["mainEntity"]] == _public_web_titles("en", "billing")
    assert all(q["acceptedAnswer"]["text"] for q in data["mainEntity"])


def test_widget_works_on_a_page_with_a_strict_content_security_policy(
    page: Any, site: Site, host: Host
) -> None:
    policy = f"default-src 'none'; script-src {site.url}; connect-src {site.url}; style-src 'none'"
    csp = f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
    page.goto(_embed(host, site.url, 'data-kb-locale="en" data-kb-category="billing"', head=csp))
    widget = page.locator(WIDGET)
    expect(widget.locator(".all .t")).to_have_text(_public_web_titles("en", "billing"))
    widget.get_by_label("Search the questions").fill("balance")
    expect(widget.locator(".hits .s mark").first).to_be_visible()
    styled = widget.locator(".r").evaluate("r => getComputedStyle(r).borderTopLeftRadius")
    assert styled == "8px", "the widget's own styles apply under style-src 'none'"


def _russian_count(n: int, one: str, few: str, many: str) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return f"{n} {one}"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return f"{n} {few}"
    return f"{n} {many}"


def test_widget_in_russian_fills_a_target_container_and_passes_axe(
    page: Any, site: Site, host: Host, axe_source: str
) -> None:
    attrs = 'data-kb-locale="ru" data-kb-category="billing" data-kb-target="#faq"'
    page.goto(_embed(host, site.url, attrs, lang="ru", body='<div id="faq"></div>'))
    widget = page.locator(f"#faq > {WIDGET}")
    expected = _public_web_titles("ru", "billing")
    expect(widget.locator(".all .t")).to_have_text(expected)
    expect_release_for_staff_only(widget, 1)
    status = widget.locator("[role=status]")
    expect(status).to_have_text(_russian_count(len(expected), "вопрос", "вопроса", "вопросов"))
    widget.get_by_label("Поиск по вопросам").press_sequentially("баланс", delay=40)
    expect(widget.locator(".hits .t").first).to_have_text("Как проверить баланс и остаток пакета?")
    expect(status).to_have_text(re.compile(r"^\d+ результат(а|ов)?$"))
    widget.locator(".hits .b").first.click()
    expect(widget.locator(".hits .a:visible")).to_contain_text("*100#")
    screenshot(page, "widget-russian")
    assert serious_violations(page, axe_source) == []
