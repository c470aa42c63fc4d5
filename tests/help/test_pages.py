"""The help center's pages over HTTP (api/help): home, category, answer, search, 404 and the
fallback for a locale the release lacks, as the DOM contract the browser tests rely on says;
the release only in a header and a meta tag; the headers every public page carries."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient

from api import create_app
from importers import read_folder
from kb import KnowledgeBase
from kb.settings import DEFAULT_CHANNELS, Settings
from tests.conftest import SAMPLE_CONTENT

STOLEN = "/help/en/sim-and-device/lost-or-stolen-phone"


def soup(response_text: str) -> BeautifulSoup:
    return BeautifulSoup(response_text, "html.parser")


def one(page: BeautifulSoup, selector: str) -> Tag:
    found = page.select(selector)
    assert len(found) == 1, f"{selector}: {len(found)} found"
    return found[0]


def visible_text(page: BeautifulSoup) -> str:
    """What a reader sees: the body's text without scripts and styles."""
    body = page.body
    assert body is not None
    for hidden in body.select("script, style"):
        hidden.decompose()
    return " ".join(body.get_text(" ").split())


@pytest.mark.parametrize(
    ("accept", "home"),
    [("ru-RU,ru;q=0.9,en;q=0.5", "/help/ru"), ("de-DE,de", "/help/en"), (None, "/help/en")],
)
def test_help_sends_readers_to_the_home_page_in_their_language(
    sample_site: TestClient, accept: str | None, home: str
) -> None:
    headers = {"Accept-Language": accept} if accept else {}
    response = sample_site.get("/help", headers=headers)

    assert response.status_code == 302
    assert response.headers["location"] == home
    assert "Accept-Language" in response.headers["vary"]


def test_home_shows_search_popular_answers_and_categories_by_their_snippet_titles(
    sample_site: TestClient,
) -> None:
    response = sample_site.get("/help/en")
    page = soup(response.text)

    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert one(page, "html")["lang"] == "en"
    assert one(page, "a.kb-skip")["href"] == "#main" and one(page, "main#main")
    assert one(page, "header.kb-site a.kb-site-name")["href"] == "/help/en"
    form = one(page, 'form[role="search"].kb-search')
    assert (form["action"], form["method"]) == ("/help/en/search", "get")
    assert one(form, 'input[type="search"][name="q"]')
    billing = one(page, "section.kb-category#category-billing")
    assert one(billing, "h2").get_text(strip=True) == "Bills and charges"
    assert "Reading your bill, price changes and disputed charges." in billing.get_text()
    assert one(billing, 'a[href="/help/en/billing/check-balance"]')
    popular = one(page, "section.kb-popular")
    assert 1 <= len(popular.select("li a")) <= 6
    assert all(a["href"].startswith("/help/en/") for a in popular.select("a"))


def test_a_category_without_a_title_snippet_shows_its_slug_in_words(
    kb: KnowledgeBase, write_tree: Callable[[dict[str, str]], Path]
) -> None:
    extra = {
        "en/trade-in.md": "---\nid: trade-in\nlocale: en\ntitle: Trading in a phone\n"
        "category: trade-in-offers\nquestions: [trade in]\n---\nBring it to a shop.\n"
    }
    kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
    kb.import_content(read_folder(write_tree(extra), channels=DEFAULT_CHANNELS), author="t")
    kb.publish(author="t")
    with TestClient(create_app(kb)) as client:
        home = soup(client.get("/help/en").text)
        category = client.get("/help/en/trade-in-offers")

    section = one(home, "section.kb-category#category-trade-in-offers")
    assert one(section, "h2").get_text(strip=True) == "Trade in offers"
    assert one(soup(category.text), "h1").get_text(strip=True) == "Trade in offers"


def test_the_russian_home_has_russian_words_and_category_titles(sample_site: TestClient) -> None:
    page = soup(sample_site.get("/help/ru").text)

    assert one(page, "html")["lang"] == "ru"
    assert one(page, 'input[type="search"]')["placeholder"] == "Найти ответ"
    assert "Популярные ответы" in one(page, "section.kb-popular").get_text()
    assert one(page, "#category-billing h2").get_text(strip=True) != "Billing"


def test_a_category_page_lists_its_answers_under_breadcrumbs(sample_site: TestClient) -> None:
    response = sample_site.get("/help/en/billing")
    page = soup(response.text)

    assert response.status_code == 200
    assert one(page, "h1").get_text(strip=True) == "Bills and charges"
    crumbs = one(page, 'nav.kb-breadcrumbs[aria-label="Breadcrumb"]')
    assert [a["href"] for a in crumbs.select("a")] == ["/help/en"]
    links = [a["href"] for a in one(page, "main").select("ul.kb-answer-list a")]
    assert "/help/en/billing/check-balance" in links
    assert all(link.startswith("/help/en/billing/") for link in links)


def test_the_answer_page_has_breadcrumbs_help_links_related_answers_and_translations(
    sample_site: TestClient,
) -> None:
    response = sample_site.get("/help/en/billing/check-balance")
    page = soup(response.text)

    assert response.status_code == 200
    crumbs = one(page, 'nav.kb-breadcrumbs[aria-label="Breadcrumb"]')
    assert [c.get_text(strip=True) for c in crumbs.select("li")] == [
        "Home",
        "Bills and charges",
        "How do I check my balance and remaining allowance?",
    ]
    assert [a["href"] for a in crumbs.select("a")] == ["/help/en", "/help/en/billing"]
    article = one(page, "article.kb-answer")
    assert "Dial *100#" in article.get_text()
    unit_links = [a["href"] for a in article.select("a.kb-unit-link")]
    assert unit_links == ["/help/en/internet/check-data-usage", "/help/en/payments/top-up"]
    related = [a["href"] for a in one(page, "aside.kb-related").select("a")]
    assert related[:2] == unit_links  # its own links first, then the nearest answers
    assert len(related) == 5 and len(set(related)) == len(related)
    assert "/help/en/billing/check-balance" not in related
    updated = one(page, "time.kb-updated")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", updated["datetime"])
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}", updated.get_text())  # 7 December 2026
    locales = one(page, "nav.kb-locales")
    assert [(a["hreflang"], a["href"]) for a in locales.select("a")] == [
        ("en", "/help/en/billing/check-balance"),
        ("ru", "/help/ru/billing/check-balance"),
    ]


def test_the_answer_page_carries_its_receipt_to_the_feedback_box(
    sample: KnowledgeBase, sample_site: TestClient
) -> None:
    response = sample_site.get(STOLEN, params={"conversation": "chat-7", "via": "widget"})
    box = one(soup(response.text), "section.kb-feedback[hidden]")
    receipt = response.headers["X-KB-Receipt"]

    assert box["data-receipt"] == receipt and box["data-unit"] == "lost-or-stolen-phone"
    assert box["data-action"] == "/api/v1/feedback"
    voted = sample_site.post(
        "/api/v1/feedback",
        json={"receipt": receipt, "unit_id": "lost-or-stolen-phone", "helpful": False},
    )
    assert voted.status_code == 201, voted.text
    assert sample.events.flush()
    operator = sample.create_key(name="op", role="operator", author="t").secret
    told = sample_site.get(
        f"/api/v1/receipts/{receipt}", headers={"Authorization": f"Bearer {operator}"}
    ).json()
    assert (told["unit_id"], told["channel"], told["kind"]) == (
        "lost-or-stolen-phone",
        "web",
        "unit",
    )
    assert told["conversation"] == "chat-7" and told["via"] == "widget"
    # Each response its own receipt: the page is kept, the box is not.
    again = sample_site.get(STOLEN)
    assert (
        one(soup(again.text), "section.kb-feedback")["data-receipt"]
        == again.headers["X-KB-Receipt"]
        != receipt
    )


def test_with_events_off_the_answer_page_has_no_feedback_box(settings: Settings) -> None:
    with KnowledgeBase.open(replace(settings, events=False)) as kb:
        kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
        kb.publish(author="t")
        with TestClient(create_app(kb)) as client:
            response = client.get(STOLEN)

    assert response.status_code == 200 and "X-KB-Receipt" not in response.headers
    assert "kb-feedback" not in response.text


def test_search_results_highlight_the_words_and_suggest_a_correction(
    sample: KnowledgeBase, sample_site: TestClient
) -> None:
    found = sample_site.get("/help/en/search", params={"q": "roaming"})
    typo = sample_site.get("/help/en/search", params={"q": "balanse"})
    nothing = sample_site.get("/help/en/search")

    results = one(soup(found.text), "ol.kb-results")
    items = results.select("li")
    # The best hits match the words (others may come by meaning, with nothing to mark).
    assert items and all(item.select("mark") for item in items[:3])
    assert {m.get_text().lower() for m in results.select("mark")} <= {"roaming"}
    assert all(a["href"].startswith("/help/en/") for a in results.select("a.kb-result-title"))
    assert "X-KB-Receipt" in found.headers  # a search event, as the JSON search records
    suggestion = one(soup(typo.text), "p.kb-did-you-mean a")
    assert suggestion["href"] == "/help/en/search?q=balance"
    assert suggestion.get_text(strip=True) == "balance"
    assert nothing.status_code == 200 and "kb-results" not in nothing.text
    assert one(soup(found.text), 'meta[name="robots"]')["content"] == "noindex"


def test_an_answer_under_another_category_moves_to_its_own(sample_site: TestClient) -> None:
    for wrong in ("general", "roaming"):
        response = sample_site.get(f"/help/en/{wrong}/check-balance")
        assert response.status_code == 301
        assert response.headers["location"] == "/help/en/billing/check-balance"


def test_a_locale_written_another_way_moves_to_the_release_s_spelling(
    sample_site: TestClient,
) -> None:
    response = sample_site.get("/help/en-GB/billing")

    assert response.status_code == 301 and response.headers["location"] == "/help/en/billing"


@pytest.mark.parametrize(
    "path",
    [
        "/help/en/billing/no-such-answer",
        "/help/en/no-such-category",
        "/help/en/billing/check-balance/more",
        "/help/en/" + "x" * 300,
        "/help/!!/billing",
    ],
)
def test_anything_unknown_under_help_is_the_site_s_404_page(
    sample_site: TestClient, path: str
) -> None:
    response = sample_site.get(path)
    page = soup(response.text)

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert one(page, "h1").get_text(strip=True) == "We could not find that page"
    assert one(page, 'form[role="search"] input[name="q"]')
    assert one(page, 'main a[href="/help/en"]')


def test_the_json_api_keeps_its_problem_documents(sample_site: TestClient) -> None:
    response = sample_site.get("/api/v1/units/no-such-answer")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_an_unknown_locale_falls_back_visibly_in_the_default_language(
    sample_site: TestClient,
) -> None:
    home = sample_site.get("/help/de")
    answer = sample_site.get("/help/de/billing/check-balance")

    for response in (home, answer):
        page = soup(response.text)
        assert response.status_code == 200
        assert one(page, "html")["lang"] == "en"
        assert one(page, 'p.kb-fallback[role="status"]')
    assert one(soup(answer.text), "p.kb-fallback").get_text() == (
        "This answer is not available in Deutsch; here it is in English."
    )
    assert one(soup(home.text), "p.kb-fallback").get_text() == (
        "This page is not available in Deutsch; here it is in English."
    )
    assert one(soup(answer.text), 'link[rel="canonical"]')["href"].endswith(
        "/help/en/billing/check-balance"
    )
    assert "kb-fallback" not in sample_site.get("/help/en/billing/check-balance").text


def test_an_answer_missing_in_a_known_locale_falls_back_to_the_default_one(
    kb: KnowledgeBase, write_tree: Callable[[dict[str, str]], Path]
) -> None:
    extra = {
        "en/english-only.md": "---\nid: english-only\nlocale: en\ntitle: Only in English\n"
        "category: plans\nquestions: [english only]\n---\nEnglish.\n"
    }
    kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
    kb.import_content(read_folder(write_tree(extra), channels=DEFAULT_CHANNELS), author="t")
    kb.publish(author="t")
    with TestClient(create_app(kb)) as client:
        page = soup(client.get("/help/ru/plans/english-only").text)

    assert one(page, "html")["lang"] == "en"
    assert "Русский" in one(page, "p.kb-fallback").get_text()


def test_a_content_locale_without_ui_words_gets_english_words_in_its_own_lang(
    kb: KnowledgeBase, write_tree: Callable[[dict[str, str]], Path]
) -> None:
    extra = {
        "bg/balance.md": "---\nid: balance\nlocale: bg\ntitle: Как да проверя баланса си?\n"
        "category: billing\nquestions: [баланс]\n---\nНаберете *100#.\n"
    }
    kb.import_content(read_folder(write_tree(extra), channels=DEFAULT_CHANNELS), author="t")
    kb.publish(author="t")
    with TestClient(create_app(kb)) as client:
        response = client.get("/help/bg/billing/balance")
    page = soup(response.text)

    assert response.status_code == 200 and "kb-fallback" not in response.text
    assert one(page, "html")["lang"] == "bg"
    assert one(page, "h1").get_text(strip=True) == "Как да проверя баланса си?"
    assert one(page, "nav.kb-breadcrumbs")["lang"] == "en"
    assert one(page, "nav.kb-breadcrumbs").select("a")[0].get_text(strip=True) == "Home"


def _every_page(client: TestClient) -> Iterator[tuple[str, str]]:
    """Every kind of help page in both languages, with its body."""
    for path in (
        "/help/en",
        "/help/ru",
        "/help/en/billing",
        "/help/ru/roaming",
        "/help/en/billing/check-balance",
        "/help/ru/billing/check-balance",
        "/help/en/search?q=balance",
        "/help/ru/search?q=баланс",
        "/help/de",
        "/help/en/nothing-here",
    ):
        yield path, client.get(path).text


def test_the_release_is_in_a_header_and_a_meta_tag_never_in_the_text(
    sample: KnowledgeBase, sample_site: TestClient
) -> None:
    for n in range(2):  # release 3: a number that shows if the page prints it
        doc = sample.snapshot().unit("check-balance", "en").document
        sample.save_unit(replace(doc, body=f"{doc.body}\n\nEdition {n}.\n"), author="t")
        sample.publish(author="t", message="again")
    sample.services(wait=True)
    for path, html in _every_page(sample_site):
        page = soup(html)
        assert one(page, 'meta[name="kb-release"]')["content"] == "3", path
        text = visible_text(page)
        assert not re.search(r"\b(Release|Выпуск|release|выпуск)\b", text), path


def test_pages_are_sent_as_other_public_pages_are(sample_site: TestClient) -> None:
    for path in ("/help/en", "/help/en/billing", "/help/en/billing/check-balance"):
        response = sample_site.get(path)
        head = sample_site.head(path)
        assert response.headers["Cache-Control"] == "public, no-cache", path
        assert response.headers["X-KB-Version"] == "1", path
        assert head.status_code == 200 and head.content == b"", path


def test_head_has_title_description_canonical_and_alternates(sample: KnowledgeBase) -> None:
    public = replace(sample.settings, public_url="https://help.example.com/")
    with KnowledgeBase.open(public) as kb, TestClient(create_app(kb)) as client:
        page = soup(client.get("/help/en/billing/check-balance").text)

    title = one(page, "title").get_text()
    assert title.startswith("How do I check my balance and remaining allowance?")
    description = one(page, 'meta[name="description"]')["content"]
    assert description.startswith("Dial *100# from your Aurora phone") and len(description) <= 156
    url = "https://help.example.com/help/en/billing/check-balance"
    assert one(page, 'link[rel="canonical"]')["href"] == url
    alternates = {a["hreflang"]: a["href"] for a in page.select('link[rel="alternate"]')}
    assert alternates == {
        "en": url,
        "ru": "https://help.example.com/help/ru/billing/check-balance",
        "x-default": url,
    }
    og = {m["property"]: m["content"] for m in page.select('meta[property^="og:"]')}
    assert og["og:url"] == url and og["og:type"] == "article"
    assert og["og:title"] == "How do I check my balance and remaining allowance?"
    assert og["og:description"] == description


def test_a_long_first_paragraph_is_cut_at_a_word_for_the_description(
    kb: KnowledgeBase, write_tree: Callable[[dict[str, str]], Path]
) -> None:
    words = " ".join(f"word{n}" for n in range(80))
    extra = {
        "en/long.md": "---\nid: long\nlocale: en\ntitle: A long answer\n"
        f"questions: [long]\n---\n{words}\n\nSecond paragraph.\n"
    }
    kb.import_content(read_folder(write_tree(extra), channels=DEFAULT_CHANNELS), author="t")
    kb.publish(author="t")
    with TestClient(create_app(kb)) as client:
        page = soup(client.get("/help/en/general/long").text)

    description = one(page, 'meta[name="description"]')["content"]
    assert description.endswith("…") and len(description) <= 156
    assert description[:-1] in words and "Second" not in description


def test_before_anything_is_published_every_help_address_is_the_404_page(
    kb: KnowledgeBase,
) -> None:
    with TestClient(create_app(kb), follow_redirects=False) as client:
        responses = {
            path: client.get(path)
            for path in ("/help", "/help/en", "/help/en/billing/x", "/units/check-balance")
        }
    for path, response in responses.items():
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html"), path
        assert one(soup(response.text), "h1").get_text(strip=True) == "We could not find that page"


def test_a_themed_site_shows_its_name_and_logo(settings: Settings, tmp_path: Path) -> None:
    theme = tmp_path / "theme.yaml"
    theme.write_text("name: Aurora Help\nlogo: /static/favicon.svg\n", encoding="utf-8")
    themed = replace(settings, theme_path=theme, public_url="https://help.example.com")
    with KnowledgeBase.open(themed) as kb:
        kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
        kb.publish(author="t")
        with TestClient(create_app(kb)) as client:
            page = soup(client.get("/help/en/billing/check-balance").text)

    header = one(page, "header.kb-site")
    assert one(header, "a.kb-site-name").get_text(strip=True) == "Aurora Help"
    assert one(header, "img.kb-logo")["src"] == "/static/favicon.svg"
    assert one(page, "title").get_text().endswith("| Aurora Help")
    og = {m["property"]: m["content"] for m in page.select('meta[property^="og:"]')}
    assert og["og:site_name"] == "Aurora Help"
    assert og["og:image"] == "https://help.example.com/static/favicon.svg"
    assert "--kb-accent:" in one(page, "head style").get_text()
