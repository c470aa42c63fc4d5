"""The web channel: safe HTML, resolved links and snippets, and the FAQ page."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from kb import Snapshot
from renderers.faq import faq_page
from renderers.web import WebRenderer
from tests.renderers.conftest import TODAY, render

WEB = WebRenderer()


def test_snippets_render_by_type() -> None:
    body = render(
        WEB,
        "Call {{ support_phone }} or dial {{ ussd }}: {{ plan_price }} from {{ price_date }}, "
        "see {{ help_url }}.",
    ).body
    assert '<a href="tel:+442079460000">+44 20 7946 0000</a>' in body
    assert "dial *100#" in body
    assert "£12.99" in body
    assert '<time datetime="2027-04-01">1 April 2027</time>' in body
    assert '<a href="https://aurora-mobile.example/help" rel="noopener noreferrer">' in body


def test_money_and_dates_follow_the_locale() -> None:
    body = render(WEB, "{{ plan_price }} с {{ price_date }}", locale="ru").body
    assert "12,99 £" in body and "1 апреля 2027" in body


def test_markdown_snippet_alone_in_a_paragraph_becomes_its_blocks() -> None:
    body = render(WEB, "Before.\n\n{{ identity_check }}\n\nAfter.").body
    assert "<p>Ask for the <strong>date of birth</strong>.</p>\n<p>Then the PIN.</p>" in body
    assert "<p><p>" not in body


def test_unit_links_point_at_unit_pages_and_broken_ones_are_errors() -> None:
    rendering = render(WEB, "See [tariffs](unit:tariffs) and [gone](unit:gone).")
    assert '<a href="/units/tariffs?locale=en" class="kb-unit-link">tariffs</a>' in rendering.body
    assert "gone" in rendering.body and "unit:gone" not in rendering.body
    assert [(f.code, f.blocking) for f in rendering.findings] == [("broken-unit-link", True)]


def test_url_snippet_works_as_a_link_address() -> None:
    body = render(WEB, "Open [help]({{ help_url }}).").body
    assert '<a href="https://aurora-mobile.example/help" rel="noopener noreferrer">help</a>' in body


def test_unresolved_snippet_is_an_error_and_stays_visible_in_preview() -> None:
    rendering = render(WEB, "Call {{ nope }}.")
    assert "{{ nope }}" in rendering.body
    assert [f.code for f in rendering.findings] == ["unresolved-snippet"]


def test_tight_lists_have_no_paragraph_tags() -> None:
    assert render(WEB, "- one\n- two").body == "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"


def test_summary_block_is_not_repeated_on_the_web() -> None:
    body = render(WEB, "::: summary\nShort version.\n:::\n\nThe long version.").body
    assert "Short version" not in body and "The long version." in body


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append(dict(attrs).get("type") or "")


def test_faq_page_lists_public_web_units_with_json_ld(sample_snapshot: Snapshot) -> None:
    page = faq_page(sample_snapshot, "en", category="billing", today=TODAY)
    assert "goodwill-credit-policy" not in page.unit_ids  # internal-only
    assert set(page.unit_ids) == {
        "check-balance",
        "understand-your-bill",
        "unexpected-charges",
        "annual-price-change",
    }
    parser = _Elements()
    parser.feed(page.html)
    assert parser.scripts == ["application/ld+json"]
    embedded = re.search(r'<script type="application/ld\+json">(.*?)</script>', page.html, re.S)
    assert embedded is not None
    data = json.loads(embedded.group(1))
    assert data == page.json_ld
    assert data["@type"] == "FAQPage"
    assert {q["name"] for q in data["mainEntity"]} == {
        sample_snapshot.unit(i, "en").document.title for i in page.unit_ids
    }
    assert all(q["acceptedAnswer"]["text"].startswith("<") for q in data["mainEntity"])


def test_faq_json_ld_cannot_close_its_script_element(sample_snapshot: Snapshot) -> None:
    from dataclasses import replace

    unit = sample_snapshot.unit("check-balance", "en")
    evil = replace(unit, document=replace(unit.document, title="</script><script>alert(1)"))
    snap = Snapshot(None, {unit.key: evil}, sample_snapshot.snippets)
    page = faq_page(snap, "en", today=TODAY)
    parser = _Elements()
    parser.feed(page.html)
    assert parser.scripts == ["application/ld+json"]
