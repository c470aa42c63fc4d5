"""The operator channel: everything with internal notes marked, a header, a copy-ready text."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from html.parser import HTMLParser

import pytest

from kb import Snapshot
from kb.content.markdown import KNOWN_TOKEN_TYPES
from renderers.base import RenderContext, Rendering, Severity
from renderers.operator import OperatorRenderer
from renderers.text import WORD_JOINER
from tests.renderers.conftest import TODAY, render, snapshot_with, stored

OPERATOR = OperatorRenderer()


class _Tags(HTMLParser):
    """Every start tag with its attributes, as a browser would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser.tags


def asides(html: str) -> list[str]:
    """The contents of each internal-note aside."""
    return re.findall(r'<aside class="kb-internal"[^>]*>(.*?)</aside>', html, re.S)


def outside_asides(html: str) -> str:
    return re.sub(r'<aside class="kb-internal".*?</aside>', "", html, flags=re.S)


def header(rendering: Rendering) -> str:
    match = re.search(r'<header class="kb-operator-header">.*?</header>', rendering.body, re.S)
    assert match, rendering.body
    return match.group(0)


def codes(rendering: Rendering, severity: Severity | None = None) -> list[str]:
    return [f.code for f in rendering.findings if severity is None or f.severity is severity]


def test_rule_table_covers_every_token_type_and_is_read_only() -> None:
    assert set(OPERATOR.rules) >= KNOWN_TOKEN_TYPES
    assert set(OPERATOR.copy_rules) >= KNOWN_TOKEN_TYPES
    with pytest.raises(TypeError):
        OPERATOR.rules["text"] = OPERATOR.rules["hr"]  # type: ignore[index]


# --- internal notes -------------------------------------------------------------------------


def test_internal_note_is_shown_inside_a_labelled_aside() -> None:
    body = "Customer text.\n\n::: internal\nVerify the **caller** first.\n:::\n\nMore text."
    rendering = render(OPERATOR, body)
    [note] = asides(rendering.body)
    assert '<aside class="kb-internal" role="note" aria-label="Internal note">' in rendering.body
    assert note.startswith('<p class="kb-internal-label">Internal — staff only</p>')
    assert "<p>Verify the <strong>caller</strong> first.</p>" in note
    rest = outside_asides(rendering.body)
    assert "Verify" not in rest
    assert "<p>Customer text.</p>" in rest and "<p>More text.</p>" in rest
    assert rendering.data["internal_notes"] == 1


def test_internal_note_label_follows_the_locale() -> None:
    rendering = render(OPERATOR, "Текст.\n\n::: internal\nЗаметка.\n:::", locale="ru")
    [note] = asides(rendering.body)
    assert '<p class="kb-internal-label">Только для сотрудников</p>' in note


def test_every_internal_note_is_counted_and_wrapped() -> None:
    body = (
        "Text.\n\n::: internal\nOne.\n:::\n\n::: internal\nTwo {{ identity_check }}\n:::\n\n"
        "::: only operator\n::: internal\nThree.\n:::\n:::"
    )
    rendering = render(OPERATOR, body)
    assert rendering.data["internal_notes"] == 3
    assert rendering.body.count('<aside class="kb-internal"') == 3
    assert rendering.body.count("</aside>") == 3


def test_only_blocks_for_the_operator_are_shown_and_others_are_not() -> None:
    body = (
        "Text.\n\n::: only operator\nFor operators.\n:::\n\n::: only web operator\nShared.\n:::"
        "\n\n::: only ivr\nPress 1.\n:::\n\n::: only chatbot\nBot.\n:::\n\n"
        "::: summary\nShort version.\n:::"
    )
    html = render(OPERATOR, body).body
    assert "For operators." in html and "Shared." in html
    for absent in ("Press 1", "Bot.", "Short version"):
        assert absent not in html


# --- header ---------------------------------------------------------------------------------


def test_header_shows_release_revision_owner_change_routing_and_category() -> None:
    unit = stored(body="Text.", owner="billing-team", routing="billing", category="payments")
    context = RenderContext.from_snapshot(snapshot_with(unit), unit, today=TODAY)
    rendering = OPERATOR.render(dataclasses.replace(context, release=7))
    head = header(rendering)
    assert rendering.body.startswith(head)
    for label, value in (
        ("Release", "7"),
        ("Revision", "3"),
        ("Owner", "billing-team"),
        ("Routing", "billing"),
        ("Category", "payments"),
    ):
        assert re.search(rf"<dt>{label}</dt><dd[^>]*>{value}</dd>", head), label
    assert "2026-11-01 09:30 UTC" in head and "ann" in head
    assert rendering.data["release"] == 7
    assert rendering.data["revision"] == 3
    assert rendering.data["owner"] == "billing-team"
    assert rendering.data["routing"] == "billing"


def test_header_says_draft_when_there_is_no_release_and_dashes_for_missing_fields() -> None:
    rendering = render(OPERATOR, "Text.")
    head = header(rendering)
    assert re.search(r"<dt>Release</dt><dd[^>]*>draft</dd>", head)
    assert re.search(r"<dt>Owner</dt><dd[^>]*>—</dd>", head)
    assert rendering.data["release"] is None
    assert rendering.data["owner"] is None


def test_header_escapes_every_value() -> None:
    rendering = render(
        OPERATOR, "Text.", owner="<script>x</script>", routing='a" onclick="b', category="<b>"
    )
    head = header(rendering)
    tags = tags_of(head)
    assert sorted(tag for tag, _ in tags) == sorted(["header", "dl", *["dt", "dd"] * 6, "time"])
    assert all(not name.startswith("on") for _, attrs in tags for name in attrs)
    assert "&lt;script&gt;x&lt;/script&gt;" in head


def test_header_labels_follow_the_locale() -> None:
    head = header(render(OPERATOR, "Текст.", locale="ru", review_by=date(2026, 1, 1)))
    assert "<dt>Релиз</dt>" in head and "черновик" in head
    assert "Просрочена проверка" in head


def test_stale_unit_shows_a_visible_warning_with_the_review_date() -> None:
    rendering = render(OPERATOR, "Text.", review_by=date(2026, 10, 1))
    warnings = re.findall(r'<p class="kb-stale" role="alert">(.*?)</p>', header(rendering))
    assert len(warnings) == 1 and "2026-10-01" in warnings[0]
    assert rendering.data["stale"] is True


@pytest.mark.parametrize("review_by", [None, TODAY, date(2027, 1, 1)])
def test_fresh_unit_shows_no_stale_warning(review_by: date | None) -> None:
    rendering = render(OPERATOR, "Text.", review_by=review_by)
    assert "kb-stale" not in rendering.body
    assert rendering.data["stale"] is False


def test_internal_unit_is_marked_and_offers_nothing_to_copy() -> None:
    rendering = render(OPERATOR, "Fraud desk procedure.", audience="internal")
    assert 'class="kb-internal-unit"' in header(rendering)
    assert "<p>Fraud desk procedure.</p>" in rendering.body
    assert rendering.data["copy_text"] == ""


# --- copy text ------------------------------------------------------------------------------


def test_copy_text_is_what_a_customer_reads_on_the_web_without_internal_text() -> None:
    body = (
        "Dial {{ ussd }} for your **balance**.\n\n"
        "::: internal\nSecret staff note.\n:::\n\n"
        "::: only web\nOpen [My Account]({{ help_url }}).\n:::\n\n"
        "::: only operator\nOperator hint.\n:::\n\n"
        "::: only chatbot\nBot line.\n:::\n\n"
        "::: summary\nShort version.\n:::\n\n"
        "- one\n- two"
    )
    rendering = render(OPERATOR, body)
    assert rendering.data["copy_text"] == (
        "Dial *100# for your balance.\n\n"
        "Open My Account (https://aurora-mobile.example/help).\n\n• one\n• two"
    )
    assert "Secret staff note" in rendering.body


def test_copy_text_is_data_only_not_in_the_page() -> None:
    rendering = render(OPERATOR, "Line **one**.")
    assert rendering.data["copy_text"] == "Line one."
    assert "Line one." not in rendering.body
    assert "<pre" not in rendering.body


# --- snippets, links, findings --------------------------------------------------------------


def test_snippets_of_every_type_render_in_the_page_and_the_copy_text() -> None:
    body = (
        "Call {{ support_phone }}, pay {{ plan_price }} from {{ price_date }}, "
        "see {{ help_url }}, dial {{ ussd }}.\n\n{{ identity_check }}"
    )
    rendering = render(OPERATOR, body)
    assert '<a href="tel:+442079460000">+44 20 7946 0000</a>' in rendering.body
    assert "£12.99" in rendering.body
    assert '<time datetime="2027-04-01">1 April 2027</time>' in rendering.body
    assert '<a href="https://aurora-mobile.example/help"' in rendering.body
    assert "<p>Ask for the <strong>date of birth</strong>.</p>" in rendering.body
    assert rendering.data["copy_text"] == (
        "Call +44 20 7946 0000, pay £12.99 from 1 April 2027, "
        "see https://aurora-mobile.example/help, dial *100#.\n\n"
        "Ask for the date of birth.\n\nThen the PIN."
    )
    assert rendering.findings == ()


def test_copy_text_keeps_link_targets_and_unit_pages_and_drops_emphasis() -> None:
    unit = stored(
        body="Open [**My Account**](https://aurora.example/account) to see your _balance_."
        " See also [how to top up](unit:top-up)."
    )
    context = RenderContext.from_snapshot(
        snapshot_with(unit), unit, today=TODAY, public_url="https://help.aurora.example"
    )
    assert OPERATOR.render(context).data["copy_text"] == (
        "Open My Account (https://aurora.example/account) to see your balance."
        " See also how to top up (https://help.aurora.example/units/top-up?locale=en)."
    )


def test_findings_of_the_page_and_the_copy_text_are_not_repeated() -> None:
    body = "See [the moon](unit:no-such-unit), call {{ nobody }} or [go](ftp://x.example)."
    rendering = OPERATOR.render(_context(body))
    assert codes(rendering) == ["broken-unit-link", "unresolved-snippet", "unsafe-link"]
    assert all(f.channel == "operator" for f in rendering.findings)


def test_problems_only_in_the_web_text_are_still_found() -> None:
    rendering = render(OPERATOR, "Text.\n\n::: only web\nSee [x](unit:no-such-unit).\n:::")
    assert codes(rendering, Severity.ERROR) == ["broken-unit-link"]
    assert rendering.findings[0].channel == "operator"


def test_hostile_input_never_becomes_markup() -> None:
    body = (
        "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n"
        "Inline <script>alert(2)</script> and [x](javascript:alert(1)) and "
        "[y](JAVASCRIPT:alert(3)) and [z](ftp://x) and &amp;.\n\n"
        "::: internal\n<script>alert(4)</script> [w](javascript:alert(5))\n:::\n\n"
        "| <b>cell</b> |\n|---|\n| <i onmouseover=alert(6)> |"
    )
    rendering = render(OPERATOR, body, owner="<script>x</script>")
    html = rendering.body
    for tag, attrs in tags_of(html):
        assert tag not in ("script", "img", "iframe", "b", "i"), tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert not (value or "").strip().lower().startswith("javascript:"), (tag, value)
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&amp;amp;" not in html and "and &amp;." in html
    copy_text = rendering.data["copy_text"]
    assert tags_of(copy_text) == [] and "javascript:" not in copy_text.lower()
    assert "<script>alert(1)</script>" in copy_text.replace(WORD_JOINER, "")


def test_rendering_the_same_context_twice_gives_identical_output() -> None:
    context = _context("Hi {{ identity_check }} [t](unit:tariffs)\n\n::: internal\nNote.\n:::")
    first, second = OPERATOR.render(context), OPERATOR.render(context)
    assert first == second


def _context(body: str) -> RenderContext:
    unit = stored(body=body)
    return RenderContext.from_snapshot(snapshot_with(unit), unit, today=TODAY)


# --- the sample knowledge base --------------------------------------------------------------


def test_every_sample_unit_renders_without_errors(sample_snapshot: Snapshot) -> None:
    errors = []
    for unit in sample_snapshot.iter_units():
        context = RenderContext.from_snapshot(sample_snapshot, unit, today=TODAY)
        rendering = OPERATOR.render(context)
        errors += [str(f) for f in rendering.findings if f.severity is Severity.ERROR]
        assert rendering.data["internal_notes"] == unit.document.body.count("::: internal")
        assert rendering.data["stale"] == unit.document.is_stale(TODAY)
        if unit.document.audience == "public":
            assert rendering.data["copy_text"].strip(), unit.key
            assert "::: " not in rendering.data["copy_text"], unit.key
        for text in re.findall(r"::: internal\n(.*?)\n:::", unit.document.body, re.S):
            first_line = text.split("\n")[0]
            if "{{" not in first_line and len(first_line) > 25 and "](" not in first_line:
                assert first_line not in rendering.data["copy_text"], unit.key
    assert len(sample_snapshot.units) == 78
    assert errors == []
