"""The widget styled by its host page: documented custom properties, ::part() names and
data-kb-theme reach inside its shadow root; no other host CSS does, however hostile."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import Host, Site, screenshot, serious_violations
from tests.browser.test_widget import WIDGET, _embed

#: The computed styles a test looks at, read inside the shadow root (`open`: the first answer's
#: button is clicked first, so that a link of the server's markup is there to read).
STYLES_JS = """() => {
  const root = document.querySelector('.kb-widget').shadowRoot;
  const css = (sel) => getComputedStyle(root.querySelector(sel));
  const pick = (sel, ...props) => Object.fromEntries(props.map((p) => [p, css(sel)[p]]));
  return {
    box: pick('.r', 'display', 'color', 'backgroundColor', 'fontFamily', 'fontSize',
              'borderTopLeftRadius', 'visibility', 'opacity'),
    search: pick('.q', 'display', 'borderTopColor', 'height', 'fontSize'),
    question: pick('.b', 'display', 'color', 'fontSize', 'letterSpacing', 'paddingTop',
                   'borderTopWidth'),
    link: pick('.a:not([hidden]) a[href]', 'color'),
    mark: root.querySelector('mark') && pick('mark', 'backgroundColor', 'color'),
    parts: [...root.querySelectorAll('[part]')].map((e) => e.getAttribute('part')),
  };
}"""
#: A billing answer whose text links to other units.
LINKED = "I don't recognise a charge on my bill"


def _open_linked_answer_and_search(page: Any) -> None:
    """Open an answer with links in it, then search so that highlighted words show."""
    widget = page.locator(WIDGET)
    widget.locator(".all .b", has_text=LINKED).click()
    expect(widget.locator(".all .a:visible a").first).to_be_visible()
    widget.locator(".q").fill("balance")
    expect(widget.locator(".hits mark").first).to_be_visible()
    widget.locator(".q").fill("")
    expect(widget.locator(".all")).to_be_visible()


def test_host_page_sets_the_widgets_custom_properties_and_styles_its_parts(
    page: Any, site: Site, host: Host, axe_source: str
) -> None:
    themed = (
        "<style>.kb-widget { --kb-accent: rgb(0, 90, 0); --kb-font: Georgia, serif;"
        " --kb-radius: 2px; --kb-background: rgb(255, 250, 240); --kb-text: rgb(20, 20, 60);"
        " --kb-font-size: 18px; --kb-highlight: rgb(200, 230, 255) }"
        " .kb-widget::part(question) { color: rgb(120, 0, 0); letter-spacing: 1px }"
        "</style>"
    )
    attrs = 'data-kb-locale="en" data-kb-category="billing"'
    page.goto(_embed(host, site.url, attrs, head=themed))
    _open_linked_answer_and_search(page)
    page.locator(WIDGET).locator(".q").fill("balance")
    expect(page.locator(WIDGET).locator(".hits mark").first).to_be_visible()
    styles = page.evaluate(STYLES_JS)
    assert styles["box"]["backgroundColor"] == "rgb(255, 250, 240)"
    assert styles["box"]["color"] == "rgb(20, 20, 60)"
    assert styles["box"]["fontFamily"] == "Georgia, serif"
    assert styles["box"]["fontSize"] == "18px"
    assert styles["box"]["borderTopLeftRadius"] == "2px"
    assert styles["question"]["color"] == "rgb(120, 0, 0)"  # ::part(question)
    assert styles["question"]["letterSpacing"] == "1px"
    assert styles["link"]["color"] == "rgb(0, 90, 0)"  # --kb-accent
    assert styles["mark"]["backgroundColor"] == "rgb(200, 230, 255)"
    for part in ("container", "search", "status", "list", "item", "question", "title", "answer"):
        assert part in styles["parts"], f"part {part!r} is documented but missing"
    assert {"link", "snippet", "highlight"} <= set(styles["parts"])
    screenshot(page, "widget-themed-by-host")
    assert serious_violations(page, axe_source) == []


def test_hostile_host_css_reaches_nothing_but_the_documented_custom_properties_and_parts(
    page: Any, site: Site, host: Host
) -> None:
    hostile = (
        "<style>"
        ".kb-widget, .kb-widget *, div, section, p, ul, li, h3, label, input, button, span, mark, a"
        " { display: none !important; visibility: hidden !important; opacity: 0 !important;"
        " color: red !important; font-size: 2px !important; background: red !important;"
        " font-family: monospace !important; letter-spacing: 9px !important }"
        " button { border: 5px solid red !important; padding: 40px !important }"
        " input { height: 1px !important }"
        " * { --t: red; --bg: red; --ac: red; --fz: 2px; font-size: 2px !important }"
        "</style>"
    )
    probe = '<p id="probe">Host text</p>'
    attrs = 'data-kb-locale="en" data-kb-category="billing"'
    page.goto(_embed(host, site.url, attrs, head=hostile, body=probe))
    widget = page.locator(WIDGET)
    expect(widget.locator(".all .b").first).to_be_visible()
    _open_linked_answer_and_search(page)
    styles = page.evaluate(STYLES_JS)
    red = "rgb(255, 0, 0)"
    assert styles["box"] == {
        "display": "block",
        "color": "rgb(27, 27, 27)",
        "backgroundColor": "rgb(255, 255, 255)",
        "fontFamily": 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
        "fontSize": "16px",
        "borderTopLeftRadius": "8px",
        "visibility": "visible",
        "opacity": "1",
    }
    assert styles["search"]["display"] == "block"
    assert float(styles["search"]["height"].removesuffix("px")) > 30
    assert styles["question"]["color"] != red
    assert styles["question"]["fontSize"] == "16px"
    assert styles["question"]["letterSpacing"] == "normal"
    assert styles["question"]["paddingTop"] == "12px"
    assert styles["question"]["borderTopWidth"] == "0px"
    assert styles["link"]["color"] == "rgb(29, 78, 216)"
    # The same rules do reach the host page: they are live, only not inside the widget.
    assert page.evaluate("getComputedStyle(document.getElementById('probe')).display") == "none"
    screenshot(page, "widget-hostile-css-theme")


def _colours(page: Any) -> dict[str, str]:
    """The widget's background, text and link colours as rendered."""
    styles = page.evaluate(STYLES_JS)
    return {
        "background": styles["box"]["backgroundColor"],
        "text": styles["box"]["color"],
        "link": styles["link"]["color"],
    }


LIGHT = {"background": "rgb(255, 255, 255)", "text": "rgb(27, 27, 27)", "link": "rgb(29, 78, 216)"}
DARK = {"background": "rgb(17, 24, 39)", "text": "rgb(229, 231, 235)", "link": "rgb(147, 197, 253)"}


def test_data_kb_theme_dark_and_auto_change_the_colours_and_pass_axe(
    page: Any, site: Site, host: Host, axe_source: str
) -> None:
    attrs = 'data-kb-locale="en" data-kb-category="billing"'
    page.goto(_embed(host, site.url, f'{attrs} data-kb-theme="dark"', name="dark.html"))
    _open_linked_answer_and_search(page)
    assert _colours(page) == DARK
    assert page.locator(WIDGET).get_attribute("data-kb-theme") == "dark"
    screenshot(page, "widget-theme-dark")
    page.locator(WIDGET).locator(".q").fill("balance")
    expect(page.locator(WIDGET).locator(".hits mark").first).to_be_visible()
    assert serious_violations(page, axe_source) == []

    page.goto(_embed(host, site.url, f'{attrs} data-kb-theme="auto"', name="auto.html"))
    _open_linked_answer_and_search(page)
    assert _colours(page) == LIGHT  # the visitor prefers light (the browser's default)
    page.emulate_media(color_scheme="dark")
    assert _colours(page) == DARK
    page.emulate_media(color_scheme="light")
    page.goto(_embed(host, site.url, f'{attrs} data-kb-theme="dark"', name="dark.html"))
    _open_linked_answer_and_search(page)
    assert _colours(page) == DARK  # dark stays dark whatever the visitor prefers


def test_host_page_overrides_a_theme_colour_for_the_dark_theme_only(
    page: Any, site: Site, host: Host
) -> None:
    rule = "<style>.kb-widget[data-kb-theme=dark] { --kb-accent: rgb(255, 200, 0) }</style>"
    attrs = 'data-kb-locale="en" data-kb-category="billing"'
    page.goto(_embed(host, site.url, f'{attrs} data-kb-theme="dark"', head=rule, name="d.html"))
    _open_linked_answer_and_search(page)
    assert _colours(page) == {**DARK, "link": "rgb(255, 200, 0)"}
    page.goto(_embed(host, site.url, attrs, head=rule, name="l.html"))
    _open_linked_answer_and_search(page)
    assert _colours(page) == LIGHT


def test_an_unknown_data_kb_theme_is_light_and_the_console_says_why(
    page: Any, site: Site, host: Host
) -> None:
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    attrs = 'data-kb-locale="en" data-kb-category="billing" data-kb-theme="purple"'
    page.goto(_embed(host, site.url, attrs))
    _open_linked_answer_and_search(page)
    assert _colours(page) == LIGHT
    assert any('data-kb-theme="purple" is not one of light, dark, auto' in w for w in warnings)
