"""The old plain web FAQ page moved to the help center: /faq (the widget's fallback of old)
opens the help center's home or category page, which lists public units only, shows no release
number, passes axe and links other units to their own help pages."""

from __future__ import annotations

import time
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import Site, screenshot, serious_violations

BALANCE = "How do I check my balance and remaining allowance?"


def test_web_faq_opens_the_help_home_with_public_units_and_passes_axe(
    page: Any, site: Site, axe_source: str
) -> None:
    page.goto(f"{site.url}/faq?locale=en")
    assert page.url == f"{site.url}/help/en"
    titles = page.locator("section.kb-category li a").all_inner_texts()
    assert BALANCE in titles
    assert "Goodwill credit policy (operators)" not in titles
    assert page.locator("meta[name='kb-release']").get_attribute("content") == "1"
    assert "Release 1" not in page.locator("body").inner_text()
    assert page.title() == "Help center"
    assert "kb-internal" not in page.content()
    assert serious_violations(page, axe_source) == []


def test_web_faq_of_a_category_in_russian_opens_its_help_page(
    page: Any, site: Site, axe_source: str
) -> None:
    page.goto(f"{site.url}/faq?locale=ru&category=billing")
    assert page.url == f"{site.url}/help/ru/billing"
    assert page.locator("html").get_attribute("lang") == "ru"
    assert "Выпуск 1" not in page.locator("body").inner_text()
    expect(page.locator("h1")).to_have_text("Счета и списания")
    shown = page.locator("main ul.kb-answer-list a").all_inner_texts()
    assert "Как проверить баланс и остаток пакета?" in shown
    assert "Правила начисления компенсаций (для операторов)" not in shown
    screenshot(page, "faq-page-ru-billing")
    assert serious_violations(page, axe_source) == []


def test_web_faq_answers_link_other_units_to_their_help_pages(page: Any, site: Site) -> None:
    page.goto(f"{site.url}/units/unexpected-charges?locale=en")
    assert page.url == f"{site.url}/help/en/billing/unexpected-charges"
    hrefs = page.locator("article.kb-answer a.kb-unit-link").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    assert "/help/en/plans/spend-cap" in hrefs and "/help/en/billing/understand-your-bill" in hrefs
    assert not any("sim-swap-fraud" in h for h in hrefs)  # internal: its link only in notes
    assert not any(h.startswith(("/units/", "/faq")) for h in hrefs)
    page.locator("article.kb-answer a.kb-unit-link[href='/help/en/plans/spend-cap']").click()
    expect(page).to_have_url(f"{site.url}/help/en/plans/spend-cap")
    expect(page.locator("article.kb-answer h1")).to_be_visible()


def test_web_faq_shows_markup_in_a_title_as_text(page: Any, site: Site) -> None:
    source = (
        '---\nid: hostile-faq\nlocale: en\ntitle: "<img src=x onerror=window.__xss=1> Trick"\n'
        "category: billing\n---\nA <b onmouseover=window.__xss=2>bold</b> trick.\n"
    )
    with site.open() as kb:
        kb.save_unit(kb.parse_unit(source), author="tester")
        kb.publish(author="tester", message="a hostile title")
    deadline = time.monotonic() + 15
    while httpx.get(f"{site.url}/api/v1/releases/current").json()["kb_version"] != 2:
        assert time.monotonic() < deadline, "release 2 not served"
        time.sleep(0.2)
    for path in ("/faq?locale=en&category=billing", "/help/en/billing/hostile-faq"):
        page.goto(f"{site.url}{path}")
        expect(page.locator("main", has_text="Trick").first).to_be_visible()
        expect(
            page.locator("main").get_by_text("<img src=x onerror=window.__xss=1> Trick").first
        ).to_be_visible()
        page.wait_for_timeout(200)
        assert page.evaluate("window.__xss") is None
        assert page.locator("main img, main b[onmouseover]").count() == 0
