"""The email channel: subject, a plain-text and an inline-styled HTML part, links, the footer
snippet, its kb check rules, and the message a mail client reads back."""

from __future__ import annotations

import email.policy
from collections.abc import Mapping
from email.parser import BytesParser
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kb import SnippetType
from kb.content.markdown import KNOWN_TOKEN_TYPES
from renderers import registry
from renderers.base import RenderContext, Rendering, Severity
from renderers.email import CLIP_BYTES, EmailRenderer
from renderers.email_html import STYLES, inline_styles
from renderers.email_message import NotAnEmail, email_message, write_eml
from tests.renderers.conftest import SNIPPETS, TODAY, render, snapshot_with, stored

MAIL = EmailRenderer()
KITCHEN_SINK = (Path(__file__).parent / "fixtures" / "kitchen_sink.md").read_text(encoding="utf-8")
FOOTER = "Aurora care. Call {{ support_phone }} or reply to this e-mail."
WITH_FOOTER = {**SNIPPETS, "email_footer": (SnippetType.MARKDOWN, FOOTER)}
PUBLIC_URL = "https://help.aurora-mobile.example"


class _Elements(HTMLParser):
    """Every start tag with its attributes, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.elements


def codes(rendering: Rendering, severity: Severity) -> list[str]:
    return [f.code for f in rendering.findings if f.severity is severity]


def render_linking(
    body: str,
    *,
    public_url: str | None,
    snippets: Mapping[str, tuple[SnippetType, str]] = SNIPPETS,
) -> Rendering:
    """Render `body` among units it may link to (tariffs, top-up), with or without a public site."""
    unit = stored(body=body)
    snap = snapshot_with(unit, snippets=snippets)
    context = RenderContext.from_snapshot(snap, unit, today=TODAY, public_url=public_url)
    return MAIL.render(context)


# --- the channel ------------------------------------------------------------------------------


def test_email_is_a_registered_customer_channel_with_both_rule_tables_complete() -> None:
    assert registry.get("email").for_staff is False
    assert set(MAIL.rules) == KNOWN_TOKEN_TYPES
    assert set(MAIL.html_rules) == KNOWN_TOKEN_TYPES
    with pytest.raises(TypeError):
        MAIL.html_rules["text"] = MAIL.html_rules["hr"]  # type: ignore[index]


def test_subject_is_the_title_on_one_line() -> None:
    rendering = render(MAIL, "Fine.", title="How do I\n  top up?")
    assert rendering.data["subject"] == "How do I top up?"
    russian = render(MAIL, "Хорошо.", title="Как пополнить счёт?", locale="ru")
    assert russian.data["subject"] == "Как пополнить счёт?"


def test_both_parts_carry_the_whole_answer_not_only_the_first_paragraph() -> None:
    rendering = render(MAIL, "First paragraph.\n\nSecond paragraph.\n\n- an item\n- **bold** one")
    assert rendering.media_type == "text/plain"
    assert rendering.body == "First paragraph.\n\nSecond paragraph.\n\n• an item\n• bold one\n"
    html = rendering.data["html"]
    assert "Second paragraph.</p>" in html
    assert '<strong style="font-weight:bold">bold</strong> one</li>' in html
    assert '<html lang="en">' in html and "<title>Title of check-balance</title>" in html


def test_html_part_has_no_script_style_link_or_class_and_every_element_is_styled_inline() -> None:
    html = render(MAIL, KITCHEN_SINK, snippets=WITH_FOOTER).data["html"]
    found = elements(html)
    tags = {tag for tag, _ in found}
    assert not tags & {"script", "style", "link", "meta", "base", "iframe"}
    assert tags <= set(STYLES) | {"html", "head", "title", "body", "div"}
    assert {"h1", "table", "td", "blockquote", "pre", "code", "ol", "img", "a"} <= tags
    for tag, attrs in found:
        assert "class" not in attrs, (tag, attrs)
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        if STYLES.get(tag) or tag in ("body", "div"):
            assert attrs.get("style", "").startswith(STYLES.get(tag, "")), (tag, attrs)
    # A table cell's own alignment comes after the common style, so it wins.
    assert '<td style="border:1px solid #d0d0d0;padding:4px 8px;vertical-align:top;' in html
    assert "text-align:right" in html


def test_inline_styles_drop_classes_and_let_an_elements_own_style_win() -> None:
    styled = inline_styles('<th class="kb-x" style="text-align:center">Plan</th>')
    assert styled == f'<th style="{STYLES["th"]};text-align:center">Plan</th>'


def test_inline_styles_refuses_an_element_it_has_no_style_for() -> None:
    with pytest.raises(ValueError, match="no inline style for <marquee>"):
        inline_styles("<p>fine</p><marquee>moving</marquee>")


# --- links ------------------------------------------------------------------------------------


def test_web_links_are_kept_in_both_parts() -> None:
    rendering = render(MAIL, "Open [My Account](https://aurora-mobile.example/account) now.")
    assert "Open My Account (https://aurora-mobile.example/account) now." in rendering.body
    html = rendering.data["html"]
    assert '<a href="https://aurora-mobile.example/account" rel="noopener noreferrer"' in html


def test_unit_links_point_at_the_public_page_when_one_is_known() -> None:
    rendering = render_linking("See [our tariffs](unit:tariffs).", public_url=PUBLIC_URL)
    url = f"{PUBLIC_URL}/units/tariffs?locale=en"
    assert f"See our tariffs ({url})." in rendering.body
    assert f'<a href="{url}" style="' in rendering.data["html"]


def test_unit_links_without_a_public_site_keep_only_their_text() -> None:
    # A mail has no site to be relative to: a site-relative address would lead nowhere.
    body = "See [our tariffs](unit:tariffs) or [](unit:top-up)."
    rendering = render_linking(body, public_url=None)
    assert "See our tariffs or How do I top up?." in rendering.body
    html = rendering.data["html"]
    assert "See our tariffs or How do I top up?.</p>" in html
    assert "/units/" not in html and "/units/" not in rendering.body
    assert rendering.findings == ()


def test_a_link_to_a_missing_unit_is_an_error_and_keeps_its_text() -> None:
    rendering = render_linking("See [nothing](unit:no-such-unit).", public_url=PUBLIC_URL)
    assert codes(rendering, Severity.ERROR) == ["broken-unit-link"]
    assert "See nothing.</p>" in rendering.data["html"]


# --- the footer -------------------------------------------------------------------------------


def test_footer_comes_from_the_snippet_in_both_parts_with_its_phone_number() -> None:
    rendering = render(MAIL, "The answer.", snippets=WITH_FOOTER)
    footer = "Aurora care. Call +44 20 7946 0000 or reply to this e-mail."
    assert rendering.body == f"The answer.\n\n-- \n{footer}\n"  # "-- " starts a signature
    assert rendering.data["footer"] == footer
    html = rendering.data["html"]
    assert html.index("The answer.") < html.index("Aurora care.")
    assert '<a href="tel:+442079460000"' in html.split("Aurora care.", 1)[1]
    assert rendering.findings == ()


def test_footer_of_the_units_locale_is_used() -> None:
    russian = {"email_footer": (SnippetType.MARKDOWN, "Служба поддержки Aurora.")}
    rendering = render(MAIL, "Ответ.", locale="ru", snippets=russian)
    assert rendering.body == "Ответ.\n\n-- \nСлужба поддержки Aurora.\n"
    assert "Служба поддержки Aurora.</p>" in rendering.data["html"]


def test_a_locale_without_the_footer_snippet_sends_no_footer() -> None:
    rendering = render(MAIL, "The answer.")  # SNIPPETS has no email_footer
    assert rendering.body == "The answer.\n"
    assert rendering.data["footer"] is None
    assert "border-top" not in rendering.data["html"]
    assert rendering.findings == ()


def test_a_footer_of_another_type_is_shown_as_that_type_renders() -> None:
    rendering = render(MAIL, "The answer.", snippets={"email_footer": (SnippetType.TEXT, "Aurora")})
    assert rendering.body == "The answer.\n\n-- \nAurora\n"


def test_a_problem_in_the_footer_names_the_snippet() -> None:
    broken = {"email_footer": (SnippetType.MARKDOWN, "Call {{ no_such_number }}.")}
    rendering = render(MAIL, "The answer.", snippets=broken)
    [finding] = rendering.findings
    assert finding.code == "unresolved-snippet"
    assert finding.message == "in snippet 'email_footer': snippet 'no_such_number' is not defined"


# --- visibility -------------------------------------------------------------------------------


def test_only_email_blocks_show_only_in_the_email() -> None:
    body = "For all.\n\n::: only email\nReply to this mail.\n:::\n\n::: only web\nOn the page.\n:::"
    rendering = render(MAIL, body)
    assert rendering.body == "For all.\n\nReply to this mail.\n"
    assert "Reply to this mail." in rendering.data["html"]
    assert "On the page." not in rendering.data["html"]
    for other in ("web", "chatbot"):
        assert "Reply to this mail." not in str(render(registry.get(other), body).to_json())


def test_internal_notes_reach_neither_part() -> None:
    body = "For all.\n\n::: internal\nStaff secret.\n:::\n\n- item\n"
    rendering = render(MAIL, body, snippets=WITH_FOOTER)
    assert "Staff secret" not in str(rendering.to_json())


def test_text_in_the_html_part_cannot_become_a_script_link() -> None:
    html = render(MAIL, "Type javascript:alert(1) and <b>bold</b>.").data["html"]
    assert "javascript:" not in html and "<b>" not in html
    assert "&lt;\u2060b&gt;bold" in html


# --- kb check rules ---------------------------------------------------------------------------


@pytest.mark.parametrize("title", ["", "   ", "\u2067\u2069"])
def test_a_title_that_gives_no_subject_is_an_error(title: str) -> None:
    rendering = render(MAIL, "The answer.", title=title)
    assert codes(rendering, Severity.ERROR) == ["email-no-subject"]
    assert render(MAIL, "The answer.", title="A title").findings == ()


def test_an_answer_with_nothing_for_email_is_an_error_even_with_a_footer() -> None:
    rendering = render(MAIL, "::: only web\nOn the page.\n:::", snippets=WITH_FOOTER)
    assert codes(rendering, Severity.ERROR) == ["no-output"]


def test_an_html_part_gmail_would_clip_is_a_warning() -> None:
    paragraph = "A long answer that goes on and on about roaming charges. " * 10
    over = render(MAIL, "\n\n".join([paragraph] * 220))
    assert len(over.data["html"].encode("utf-8")) > CLIP_BYTES
    assert codes(over, Severity.WARNING) == ["email-clipped"]
    assert "Gmail shows only the first 102 KB" in over.findings[0].message
    under = render(MAIL, "\n\n".join([paragraph] * 150))
    assert len(under.data["html"].encode("utf-8")) < CLIP_BYTES
    assert under.findings == ()


# --- the message ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "title", "body"),
    [
        ("en", "How do I top up?", "Dial *100#. See [help](https://aurora-mobile.example/help)."),
        ("ru", "Как пополнить счёт?", "Наберите *100#. Подробнее: [помощь](https://a.example/ru)."),
    ],
)
def test_the_message_reads_back_with_subject_and_both_parts(
    locale: str, title: str, body: str, tmp_path: Path
) -> None:
    rendering = render(MAIL, body, title=title, locale=locale, snippets=WITH_FOOTER)
    path = tmp_path / "answer.eml"
    write_eml(rendering, path)
    raw = path.read_bytes()
    assert raw.isascii()  # headers encoded, parts in quoted-printable or base64
    message = BytesParser(policy=email.policy.default).parsebytes(raw)
    assert message["Subject"] == title
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    assert parts[0].get_content() == rendering.body
    assert parts[1].get_content() == rendering.data["html"]
    assert message.get_body(preferencelist=("html",)) is parts[1]


def test_a_rendering_of_another_channel_is_not_an_email() -> None:
    with pytest.raises(NotAnEmail, match="a web rendering has no subject and HTML part"):
        email_message(render(registry.get("web"), "Fine."))
