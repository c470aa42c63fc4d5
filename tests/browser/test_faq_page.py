"""The plain web FAQ page: the widget's fallback, public units only, accessible."""

from __future__ import annotations

import time
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import Site, screenshot, serious_violations


def test_web_faq_lists_public_units_with_release_and_passes_axe(
    page: Any, site: Site, axe_source: str
) -> None:
    page.goto(f"{site.url}/faq?locale=en")
    titles = page.locator("details.kb-faq-item summary").all_inner_texts()
    assert "How do I check my balance and remaining allowance?" in titles
    assert "Goodwill credit policy (operators)" not in titles
    assert page.locator(".kb-release").inner_text() == "Release 1"
    assert page.title() == "Frequently asked questions"
    assert "kb-internal" not in page.content()
    assert serious_violations(page, axe_source) == []


def test_web_faq_in_russian_filters_by_category_with_its_form(
    page: Any, site: Site, axe_source: str
) -> None:
    page.goto(f"{site.url}/faq?locale=ru")
    assert page.locator("html").get_attribute("lang") == "ru"
    expect(page.locator(".kb-release")).to_have_text("Выпуск 1")
    everything = page.locator("details.kb-faq-item").count()
    page.get_by_label("Категория").select_option("billing")
    page.get_by_role("button", name="Показать").click()
    expect(page).to_have_title("Частые вопросы: billing")
    assert "category=billing" in page.url and "locale=ru" in page.url
    shown = page.locator("details.kb-faq-item summary").all_inner_texts()
    assert "Как проверить баланс и остаток пакета?" in shown
    assert 0 < len(shown) < everything
    assert "Правила начисления компенсаций (для операторов)" not in shown
    expect(page.get_by_label("Категория")).to_have_value("billing")
    screenshot(page, "faq-page-ru-billing")
    assert serious_violations(page, axe_source) == []


def test_web_faq_links_other_units_to_faq_anchors_not_to_missing_pages(
    page: Any, site: Site
) -> None:
    page.goto(f"{site.url}/faq?locale=en&category=billing")
    hrefs = page.locator("details a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    assert "#understand-your-bill" in hrefs  # listed on this page
    assert "/faq?locale=en#spend-cap" in hrefs  # in another category
    assert not any(h.startswith("/units/") for h in hrefs)
    page.locator("summary", has_text="I don't recognise a charge").click()
    page.locator("a[href='/faq?locale=en#spend-cap']").click()
    expect(page.locator("#spend-cap")).to_be_attached()
    assert page.url.endswith("/faq?locale=en#spend-cap")


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
    page.goto(f"{site.url}/faq?locale=en&category=billing")
    expect(page.locator("summary", has_text="Trick")).to_have_text(
        "<img src=x onerror=window.__xss=1> Trick"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__xss") is None
    assert page.locator("main img, main b[onmouseover]").count() == 0
