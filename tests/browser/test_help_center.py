"""The help center in a real browser: every kind of page in English and Russian, with and
without JavaScript, at 360 and 1280 px. Each page: no console errors, no failed request for
the site's own files, axe clean, no horizontal scroll, the search box and every link visible
and apart; search as you type with JavaScript, the plain form without it.

One test per kind of page loops over the locales, widths and JavaScript on or off within one
server, as a server per case would cost far more than the pages do."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import yaml
from playwright.sync_api import expect

from tests.browser.conftest import Site, screenshot, serious_violations
from tests.browser.test_widget import _public_web_titles
from tests.conftest import SAMPLE_CONTENT

LOCALES = ("en", "ru")
WIDTHS = (360, 1280)
#: Whether JavaScript runs: with it the search box suggests as you type; without, it is a form.
JAVASCRIPT = (True, False)
#: The sample content's categories (a section each on the home page).
CATEGORIES = (
    "account",
    "billing",
    "internet",
    "network",
    "payments",
    "plans",
    "roaming",
    "sim-and-device",
    "support",
)
#: A release number written out for readers: never on a page (it is in a header and a meta tag).
RELEASE_TEXT = re.compile(r"\b(Release|Выпуск|Релиз|Version|Версия)\s*#?\s*1\b")
#: What a console says about the document of a 404 page itself (expected there, nowhere else).
DOCUMENT_404 = "the server responded with a status of 404"

#: Everything a reader can act on, and whether it shows inside the viewport's width and apart
#: from every other (the skip link is off screen on purpose until focused).
LAYOUT_JS = """(width) => {
  const shown = (e) => {
    if (e.closest('[hidden]')) return null;
    const s = getComputedStyle(e);
    if (s.visibility === 'hidden' || s.display === 'none') return null;
    const rects = [...e.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
    return rects.length ? rects : null;
  };
  const name = (e) => `${e.localName}${e.className ? '.' + e.className : ''}`
    + ` "${(e.textContent || e.value || e.getAttribute('aria-label') || '').trim().slice(0, 40)}"`;
  const items = [...document.querySelectorAll('a[href], input, button, textarea, select')]
    .filter((e) => !e.classList.contains('kb-skip'))
    .map((e) => [e, shown(e)])
    .filter(([, rects]) => rects);
  const outside = [];
  const overlaps = [];
  for (const [e, rects] of items)
    if (rects.some((r) => r.left < -0.5 || r.right > width + 0.5)) outside.push(name(e));
  const hit = (a, b) =>
    a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  for (let i = 0; i < items.length; i++)
    for (let j = i + 1; j < items.length; j++) {
      const [a, ra] = items[i];
      const [b, rb] = items[j];
      if (a.contains(b) || b.contains(a)) continue;
      if (ra.some((x) => rb.some((y) => hit(x, y)))) overlaps.push(`${name(a)} / ${name(b)}`);
    }
  const box = document.querySelector('form.kb-search input[type=search]');
  const button = box && box.form.querySelector('button');
  return {
    scrollWidth: document.documentElement.scrollWidth,
    outside,
    overlaps,
    searchBox: box && shown(box) ? Math.round(box.getBoundingClientRect().width) : 0,
    searchButton: button && shown(button) ? Math.round(button.getBoundingClientRect().width) : 0,
    links: items.filter(([e]) => e.localName === 'a').length,
  };
}"""


@dataclass
class Tab:
    """One page in a browser context of a kind (JavaScript on or off, a width), noting every
    console error, page error and failed request for the site's own files."""

    page: Any
    site: str
    javascript: bool
    width: int
    problems: list[str] = field(default_factory=list)
    #: Documents answered 404 on purpose: their own console line is no problem.
    expected_404: set[str] = field(default_factory=set)

    def watch(self) -> None:
        """Note what goes wrong on the page from now on."""
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        self.page.on("requestfailed", self._failed)
        self.page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "")
        if DOCUMENT_404 in message.text and url in self.expected_404:
            return
        self.problems.append(f"console error: {message.text} ({url})")

    def _failed(self, request: Any) -> None:
        # A search typed on is cancelled on purpose when the reader types again.
        aborted = request.failure == "net::ERR_ABORTED" and request.resource_type == "fetch"
        if request.url.startswith(self.site) and not aborted:
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def _response(self, response: Any) -> None:
        own = response.url.startswith(self.site)
        if own and response.status >= 400 and response.request.resource_type != "document":
            self.problems.append(f"{response.status} for {response.url}")

    def label(self) -> str:
        """How this kind of tab is named in messages and screenshots."""
        return f"{'js' if self.javascript else 'no-js'}-{self.width}"


@dataclass
class Browse:
    """The tabs of one width: JavaScript on, JavaScript off, and, for axe (itself a script,
    which a page without JavaScript cannot run), JavaScript on with the site's scripts
    answered empty: the page as a browser without JavaScript builds it."""

    tabs: tuple[Tab, Tab]
    axe_tab: Tab


@contextmanager
def _browse(browser: Any, site: Site, width: int, **context: Any) -> Iterator[Browse]:
    """Browser contexts at `width` for one test; each page's problems fail it at the end."""
    opened: list[Any] = []

    def tab(javascript: bool, stub_script: bool = False) -> Tab:
        ctx = browser.new_context(
            viewport={"width": width, "height": 800}, java_script_enabled=javascript, **context
        )
        opened.append(ctx)
        if stub_script:
            ctx.route(
                re.compile(r"\.js(\?|$)"),
                lambda route: route.fulfill(status=200, content_type="text/javascript", body=""),
            )
        made = Tab(ctx.new_page(), site.url, javascript, width)
        made.watch()
        return made

    try:
        yield Browse((tab(True), tab(False)), tab(True, stub_script=True))
    finally:
        for ctx in opened:
            ctx.close()


def _visit(tab: Tab, url: str, *, status: int = 200) -> Any:
    """Open `url` in `tab`, expecting `status`; returns the response."""
    if status == 404:
        tab.expected_404.add(url)
    response = tab.page.goto(url)
    assert response is not None and response.status == status, (
        f"{url}: {response and response.status}"
    )
    return response


def _check_page(tab: Tab, axe_tab: Tab, url: str, axe: str, *, lang: str, status: int = 200) -> Any:
    """The checks every help center page passes; returns the response for the page's own."""
    response = _visit(tab, url, status=status)
    page = tab.page
    where = f"{url} ({tab.label()})"
    assert page.evaluate("document.documentElement.lang") == lang, where
    expect(page.locator("main#main")).to_have_count(1)
    expect(page.locator("a.kb-skip[href='#main']")).to_have_count(1)
    expect(page.locator("header.kb-site a").first).to_be_visible()
    expect(page.locator("form.kb-search[role=search] input[type=search][name=q]")).to_be_visible()
    if status == 200:
        release = response.headers.get("x-kb-version")
        assert release == "1", where
        meta = page.locator("meta[name=kb-release]")
        assert meta.get_attribute("content") == release, where
    assert not RELEASE_TEXT.search(page.locator("body").inner_text()), f"release shown on {where}"
    layout = page.evaluate(LAYOUT_JS, tab.width)
    assert layout["scrollWidth"] <= tab.width, f"horizontal scroll on {where}: {layout}"
    assert layout["outside"] == [], f"cut off at the edge on {where}"
    assert layout["overlaps"] == [], f"overlapping on {where}"
    assert layout["searchBox"] >= min(200, tab.width // 2), f"search box too small on {where}"
    assert layout["searchButton"] > 0, f"no search button on {where}"
    assert layout["links"] > 0, where
    if tab.width == WIDTHS[0]:
        screenshot(page, f"help-{lang}-{_slug(url)}-{tab.label()}")
    axe_page = axe_tab.page if not tab.javascript else page
    if not tab.javascript:
        _visit(axe_tab, url, status=status)
        expect(axe_page.locator("ul.kb-suggestions")).to_have_count(0)
    assert serious_violations(axe_page, axe) == [], f"axe on {where}"
    return response


def _slug(url: str) -> str:
    """A URL's path and query as a file name."""
    parts = urlsplit(url)
    return re.sub(r"[^\w-]+", "_", f"{parts.path}_{unquote(parts.query)}").strip("_")


def _no_problems(*browses: Browse) -> None:
    """No tab saw a console error, a page error or a failed request for the site's files."""
    problems = [
        f"{tab.label()}: {p}" for b in browses for tab in (*b.tabs, b.axe_tab) for p in tab.problems
    ]
    assert problems == []


def _each(
    browser: Any, site: Site, visit: Callable[[Tab, Browse, str], None], **context: Any
) -> None:
    """Call `visit(tab, browse, locale)` for every width, JavaScript on and off and locale."""
    for width in WIDTHS:
        with _browse(browser, site, width, **context) as browse:
            for tab in browse.tabs:
                for locale in LOCALES:
                    visit(tab, browse, locale)
            _no_problems(browse)


def _category_names(locale: str) -> dict[str, str]:
    """The sample's category titles and descriptions (snippets category_<slug>[_description]),
    by slug and slug + "_description"."""
    snippets = yaml.safe_load((SAMPLE_CONTENT / "snippets" / f"{locale}.yaml").read_text("utf-8"))
    return {
        name.removeprefix("category_").replace("_", "-").replace("-description", "_description"): (
            value["value"]
        )
        for name, value in snippets.items()
        if name.startswith("category_")
    }


def test_home_pages_show_the_search_box_categories_and_popular_answers(
    browser: Any, site: Site, axe_source: str
) -> None:
    def visit(tab: Tab, browse: Browse, locale: str) -> None:
        _check_page(tab, browse.axe_tab, f"{site.url}/help/{locale}", axe_source, lang=locale)
        page = tab.page
        names = _category_names(locale)
        sections = page.locator("section.kb-category")
        expect(sections).to_have_count(len(CATEGORIES))
        for slug in CATEGORIES:
            section = page.locator(f"section.kb-category#category-{slug}")
            expect(section.locator("h2")).to_have_text(names[slug])
            expect(section.locator(".kb-category-description")).to_have_text(
                names[f"{slug}_description"]
            )
            expect(section.locator("a[href]").first).to_be_visible()
        expect(page.locator("section.kb-popular a[href]").first).to_be_visible()

    _each(browser, site, visit)


def test_help_root_redirects_to_the_readers_language(browser: Any, site: Site) -> None:
    for accepted, locale in (("ru-RU", "ru"), ("en-GB", "en"), ("de-DE", "en")):
        context = browser.new_context(locale=accepted)
        try:
            page = context.new_page()
            page.goto(f"{site.url}/help")
            assert page.url == f"{site.url}/help/{locale}", accepted
            assert page.evaluate("document.documentElement.lang") == locale
        finally:
            context.close()


def test_category_pages_list_the_categorys_public_answers(
    browser: Any, site: Site, axe_source: str
) -> None:
    def visit(tab: Tab, browse: Browse, locale: str) -> None:
        url = f"{site.url}/help/{locale}/billing"
        _check_page(tab, browse.axe_tab, url, axe_source, lang=locale)
        page = tab.page
        expect(page.locator("nav.kb-breadcrumbs a[href]").first).to_be_visible()
        titles = page.locator("main .kb-answer-list a").all_inner_texts()
        assert sorted(titles, key=str.casefold) == _public_web_titles(locale, "billing")
        expect(page.locator("h1")).not_to_have_text("billing")

    _each(browser, site, visit)


#: The answer page tested: it has an internal note, links to other units and a translation.
ANSWER = "sim-and-device/lost-or-stolen-phone"
#: The internal note of that answer, in each locale: never on the page.
INTERNAL = {
    "en": ("Bar the SIM first", "barring is always safe and reversible"),
    "ru": ("Сначала заблокируйте SIM-карту", "блокировка всегда безопасна"),
}
TITLE = {"en": "My phone has been lost or stolen", "ru": "Мой телефон потерян или украден"}


def test_answer_pages_show_breadcrumbs_answer_related_translations_and_date(
    browser: Any, site: Site, axe_source: str
) -> None:
    def visit(tab: Tab, browse: Browse, locale: str) -> None:
        url = f"{site.url}/help/{locale}/{ANSWER}"
        _check_page(tab, browse.axe_tab, url, axe_source, lang=locale)
        page = tab.page
        crumbs = page.locator("nav.kb-breadcrumbs[aria-label]")
        expect(crumbs.locator("a[href]").first).to_be_visible()
        expect(page.locator("article.kb-answer h1")).to_have_text(TITLE[locale])
        expect(page.locator("aside.kb-related a[href]").first).to_be_visible()
        other = "ru" if locale == "en" else "en"
        switch = page.locator(f"nav.kb-locales a[hreflang={other}]")
        expect(switch).to_have_attribute("href", f"/help/{other}/{ANSWER}")
        updated = page.locator("time.kb-updated")
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", updated.get_attribute("datetime") or "")
        expect(updated).to_be_visible()
        # "Was this helpful?" (events are on by default) needs JavaScript to vote: none without.
        feedback = page.locator(".kb-feedback")
        if tab.javascript:
            expect(feedback.get_by_role("button")).to_have_count(2)
            expect(feedback.get_by_role("button").first).to_be_visible()
        else:
            expect(feedback).to_be_hidden()
        markup = page.content()
        for text in INTERNAL[locale]:
            assert text not in markup, f"internal note on {url}"

    _each(browser, site, visit)


#: A search with a typo in each locale: what the reader types, a word that must be marked in
#: the results, and the word "did you mean" offers.
MISTYPED = {"en": ("rouming", "roaming"), "ru": ("роуминк", "роуминг")}


def test_search_pages_mark_the_words_found_and_offer_did_you_mean(
    browser: Any, site: Site, axe_source: str
) -> None:
    def visit(tab: Tab, browse: Browse, locale: str) -> None:
        typed, meant = MISTYPED[locale]
        url = f"{site.url}/help/{locale}/search?q={typed}"
        _check_page(tab, browse.axe_tab, url, axe_source, lang=locale)
        page = tab.page
        expect(page.locator("ol.kb-results > li").first).to_be_visible()
        expect(page.locator("ol.kb-results mark").first).to_be_visible()
        suggestion = page.locator("p.kb-did-you-mean a")
        expect(suggestion).to_have_text(meant)
        suggestion.click()
        page.wait_for_url(re.compile(r"/search\?"))
        assert parse_qs(urlsplit(page.url).query)["q"] == [meant]
        expect(
            page.locator("ol.kb-results mark", has_text=re.compile(meant, re.I)).first
        ).to_be_visible()

    _each(browser, site, visit)


#: What a reader types into the home page's box, and a title among the answers it finds.
TYPED = {
    "en": ("balanse", "How do I check my balance and remaining allowance?"),
    "ru": ("баланс", "Как проверить баланс и остаток пакета?"),
}


def test_search_box_suggests_as_you_type_with_javascript_and_submits_without(
    browser: Any, site: Site
) -> None:
    def visit(tab: Tab, browse: Browse, locale: str) -> None:
        typed, title = TYPED[locale]
        _visit(tab, f"{site.url}/help/{locale}")
        page = tab.page
        box = page.locator("main form.kb-search input[type=search]")
        box.press_sequentially(typed, delay=60)
        if tab.javascript:
            listbox = page.locator("ul.kb-suggestions[role=listbox]")
            expect(listbox).to_be_visible()
            option = listbox.locator("[role=option]", has_text=title)
            expect(option).to_be_visible()
            layout = page.evaluate(LAYOUT_JS, tab.width)
            assert layout["scrollWidth"] <= tab.width and layout["outside"] == [], layout
            if tab.width == WIDTHS[0]:
                screenshot(page, f"help-suggestions-{locale}-{tab.label()}")
            box.press("ArrowDown")
            expect(box).to_have_attribute("aria-activedescendant", re.compile(".+"))
            option.locator("a").click()
            expect(page.locator("article.kb-answer h1")).to_have_text(title)
            assert page.url.startswith(f"{site.url}/help/{locale}/billing/")
        else:
            expect(page.locator("ul.kb-suggestions")).to_have_count(0)
            box.press("Enter")
            page.wait_for_url(re.compile(r"/search\?"))
            assert page.url.startswith(f"{site.url}/help/{locale}/search?")
            assert parse_qs(urlsplit(page.url).query)["q"] == [typed]
            expect(page.locator("ol.kb-results a", has_text=title)).to_be_visible()

    _each(browser, site, visit)


def test_unknown_addresses_get_the_sites_404_page_with_search_and_a_link_home(
    browser: Any, site: Site, axe_source: str
) -> None:
    def visit(tab: Tab, browse: Browse, locale: str) -> None:
        for path in (f"{locale}/billing/no-such-answer", f"{locale}/no-such-category"):
            url = f"{site.url}/help/{path}"
            _check_page(tab, browse.axe_tab, url, axe_source, lang=locale, status=404)
            page = tab.page
            expect(page.locator("h1")).not_to_be_empty()
            assert "{" not in page.locator("h1").inner_text(), "a raw JSON body"
            expect(page.locator(f"main a[href='/help/{locale}']")).to_be_visible()

    _each(browser, site, visit)


#: The fallback notice for an answer asked in German, for each default locale of the site.
FALLBACK = {
    "en": "This answer is not available in Deutsch; here it is in English.",
    "ru": "Этот ответ недоступен на языке «Deutsch»; вот он на языке «Русский».",
}


def test_an_unknown_locale_falls_back_visibly_to_the_default_one(
    browser: Any, start_site: Callable[..., Site], axe_source: str
) -> None:
    for default in LOCALES:
        site = start_site(KB_DEFAULT_LOCALE=default)

        def visit(
            tab: Tab, browse: Browse, locale: str, default: str = default, site: Site = site
        ) -> None:
            if locale != default:
                return  # the site's default locale decides the language of the fallback
            url = f"{site.url}/help/de/{ANSWER}"
            _check_page(tab, browse.axe_tab, url, axe_source, lang=default)
            page = tab.page
            notice = page.locator("p.kb-fallback[role=status]")
            expect(notice).to_have_text(FALLBACK[default])
            expect(notice).to_be_visible()
            expect(page.locator("article.kb-answer h1")).to_have_text(TITLE[default])
            _check_page(tab, browse.axe_tab, f"{site.url}/help/de", axe_source, lang=default)
            expect(page.locator("p.kb-fallback[role=status]")).to_contain_text("Deutsch")

        _each(browser, site, visit)


def test_a_themed_help_center_shows_the_sites_name_and_passes_the_same_checks(
    browser: Any, start_site: Callable[..., Site], axe_source: str
) -> None:
    site = start_site(KB_THEME=str(SAMPLE_CONTENT / "theme.yaml"))
    name = yaml.safe_load((SAMPLE_CONTENT / "theme.yaml").read_text("utf-8"))["name"]

    def visit(tab: Tab, browse: Browse, locale: str) -> None:
        for path in (locale, f"{locale}/{ANSWER}"):
            _check_page(tab, browse.axe_tab, f"{site.url}/help/{path}", axe_source, lang=locale)
            expect(tab.page.locator("header.kb-site a.kb-site-name")).to_have_text(name)

    _each(browser, site, visit)
