"""The help pages' schema.org JSON-LD, read as a search engine's tools read it: expanded by a
JSON-LD processor (pyld, with schema.org's context given inline, never fetched): FAQPage on the
home and category pages, Article on answers, BreadcrumbList on both; and escaped so that no
content, however hostile, can end its <script> element."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from pyld import jsonld

from api import create_app
from importers import read_folder
from kb import KnowledgeBase
from kb.settings import DEFAULT_CHANNELS

S = "https://schema.org/"
#: schema.org's context, as far as these documents need it: every term in its vocabulary.
SCHEMA_CONTEXT = {"@context": {"@vocab": S}}


def _offline_loader(url: str, _options: dict[str, Any]) -> dict[str, Any]:
    """schema.org's context from memory; any other document is refused (no network)."""
    if url.rstrip("/") in ("https://schema.org", "http://schema.org"):
        return {"contextUrl": None, "documentUrl": url, "document": SCHEMA_CONTEXT}
    raise AssertionError(f"the JSON-LD asked for {url}")


def structured(html: str) -> list[dict[str, Any]]:
    """Each JSON-LD block of the page, expanded (one node each)."""
    page = BeautifulSoup(html, "html.parser")
    found = []
    for script in page.select('script[type="application/ld+json"]'):
        expanded = jsonld.expand(json.loads(script.get_text()), {"documentLoader": _offline_loader})
        assert len(expanded) == 1
        found.append(expanded[0])
    return found


def of_type(nodes: list[dict[str, Any]], name: str) -> dict[str, Any]:
    matching = [n for n in nodes if n["@type"] == [S + name]]
    assert len(matching) == 1, [n["@type"] for n in nodes]
    return matching[0]


def value(node: dict[str, Any], name: str) -> Any:
    (item,) = node[S + name]
    return item.get("@value", item.get("@id", item))


def test_an_answer_is_an_article_with_its_breadcrumbs(sample_site: TestClient) -> None:
    nodes = structured(sample_site.get("/help/en/billing/check-balance").text)

    article = of_type(nodes, "Article")
    assert value(article, "headline") == "How do I check my balance and remaining allowance?"
    assert value(article, "description").startswith("Dial *100#")
    assert value(article, "inLanguage") == "en"
    assert value(article, "url") == "http://testserver/help/en/billing/check-balance"
    assert value(article, "dateModified")[:4].isdigit()
    assert value(value(article, "publisher"), "name") == "Help center"
    crumbs = of_type(nodes, "BreadcrumbList")[S + "itemListElement"]
    assert [(value(c, "position"), value(c, "name"), value(c, "item")) for c in crumbs] == [
        (1, "Home", "http://testserver/help/en"),
        (2, "Bills and charges", "http://testserver/help/en/billing"),
        (
            3,
            "How do I check my balance and remaining allowance?",
            "http://testserver/help/en/billing/check-balance",
        ),
    ]


@pytest.mark.parametrize("path", ["/help/en", "/help/ru/billing"])
def test_lists_are_faq_pages_of_their_public_answers(sample_site: TestClient, path: str) -> None:
    page = sample_site.get(path).text
    nodes = structured(page)

    faq = of_type(nodes, "FAQPage")
    questions = faq[S + "mainEntity"]
    listed = BeautifulSoup(page, "html.parser").select("section.kb-category a, main ul a")
    titles = {a.get_text(strip=True) for a in listed}
    assert questions and {value(q, "name") for q in questions} <= titles
    for question in questions:
        assert question["@type"] == [S + "Question"]
        answer = value(question, "acceptedAnswer")
        assert answer["@type"] == [S + "Answer"] and value(answer, "text").strip()
    assert of_type(nodes, "BreadcrumbList")


HOSTILE = '</script><script>alert("x")</script><!-- & done'


@pytest.fixture
def hostile_site(
    kb: KnowledgeBase, write_tree: Callable[[dict[str, str]], Path]
) -> Iterator[TestClient]:
    """A knowledge base whose one answer has a title and body made to end a <script>."""
    title = HOSTILE.replace('"', '\\"')
    unit = (
        f'---\nid: hostile\nlocale: en\ntitle: "{title}"\ncategory: billing\n'
        f"questions: [hostile]\n---\n{HOSTILE} and more words\n"
    )
    kb.import_content(
        read_folder(write_tree({"en/hostile.md": unit}), channels=DEFAULT_CHANNELS), author="t"
    )
    kb.publish(author="t")
    with TestClient(create_app(kb)) as client:
        yield client


@pytest.mark.parametrize("path", ["/help/en", "/help/en/billing", "/help/en/billing/hostile"])
def test_hostile_content_cannot_leave_the_structured_data(
    hostile_site: TestClient, path: str
) -> None:
    html = hostile_site.get(path).text
    page = BeautifulSoup(html, "html.parser")

    assert "<script>alert" not in html
    # Only our own scripts: the JSON-LD blocks and the page's modules.
    scripts = page.find_all("script")
    assert all(s.get("type") == "application/ld+json" or s.get("src") for s in scripts)
    nodes = structured(html)
    if path.endswith("hostile"):
        titles = [value(of_type(nodes, "Article"), "headline")]
    else:
        titles = [value(q, "name") for q in of_type(nodes, "FAQPage")[S + "mainEntity"]]
    assert HOSTILE in titles  # read back exactly as written
