"""The chatbot channel: a short plain-text reply, quick replies, links, limits, no internal text."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from html.parser import HTMLParser

import pytest

from kb import Snapshot, SnippetType
from kb.content.markdown import KNOWN_TOKEN_TYPES, iter_tokens, parse_body
from renderers.base import RenderContext, Rendering, RenderLimits, Severity
from renderers.chatbot import ChatbotRenderer
from renderers.text import WORD_JOINER, TextState, text_rules
from tests.renderers.conftest import SNIPPETS, TODAY, render, snapshot_with, stored

BOT = ChatbotRenderer()


def everything(rendering: Rendering) -> str:
    """The body and every data field as one string, for "never anywhere" checks."""
    return json.dumps(rendering.to_json(), ensure_ascii=False)


def codes(rendering: Rendering, severity: Severity | None = None) -> list[str]:
    return [f.code for f in rendering.findings if severity is None or f.severity is severity]


def render_with_units(
    body: str,
    targets: dict[str, str],
    snippets: Mapping[str, tuple[SnippetType, str]] = SNIPPETS,
) -> Rendering:
    """Render `body` in a snapshot that also holds units `targets` {id: title}."""
    unit = stored(body=body)
    others = [stored(unit_id, title=title) for unit_id, title in targets.items()]
    snap = snapshot_with(unit, *others, snippets=snippets)
    return BOT.render(RenderContext.from_snapshot(snap, unit, today=TODAY))


# --- the rule table -------------------------------------------------------------------------


def test_rule_table_covers_every_token_type_and_is_read_only() -> None:
    assert set(BOT.rules) >= KNOWN_TOKEN_TYPES
    with pytest.raises(TypeError):
        BOT.rules["text"] = BOT.rules["hr"]  # type: ignore[index]


def test_text_rules_refuse_internal_blocks_that_walk_should_have_hidden() -> None:
    unit = stored(body="::: internal\nStaff only.\n:::")
    context = RenderContext.from_snapshot(snapshot_with(unit), unit, today=TODAY)
    state = TextState(context, "chatbot", text_rules())
    with pytest.raises(AssertionError, match="container_internal_open"):
        state.rules["container_internal_open"](state, context.parsed.tokens, 0)


# --- what the chatbot shows -----------------------------------------------------------------


def test_internal_note_never_reaches_body_or_any_data_field() -> None:
    body = (
        "::: internal\nSecret staff note with [the tariffs](unit:tariffs) and "
        "[a site](https://internal.example/x) and {{ plan_price }}.\n:::\n\n"
        "Dial {{ ussd }} to check your balance.\n\n"
        "::: only chatbot\nAsk me anything.\n\n"
        "::: internal\nNested secret for staff.\n:::\n:::"
    )
    rendering = render(BOT, body)
    dumped = everything(rendering)
    for secret in ("Secret staff note", "Nested secret", "internal.example", "tariffs", "£12.99"):
        assert secret not in dumped
    assert rendering.body == "Dial *100# to check your balance.\n\nAsk me anything."
    assert rendering.data["quick_replies"] == []
    assert rendering.data["links"] == []


def test_internal_text_of_every_sample_unit_stays_out_of_chatbot(sample_snapshot: Snapshot) -> None:
    checked = 0
    for unit in sample_snapshot.iter_units():
        tokens = parse_body(unit.document.body).tokens
        secrets = _internal_sentences(tokens)
        if not secrets:
            continue
        rendering = BOT.render(RenderContext.from_snapshot(sample_snapshot, unit, today=TODAY))
        dumped = everything(rendering)
        for secret in secrets:
            assert secret not in dumped, (unit.key, secret)
        checked += 1
    assert checked >= 20


def _internal_sentences(tokens: tuple) -> list[str]:  # type: ignore[type-arg]
    """Long text runs written inside `::: internal` blocks (long enough to be unique)."""
    found: list[str] = []
    depth = 0
    for token in iter_tokens(tokens):
        if token.type == "container_internal_open":
            depth += 1
        elif token.type == "container_internal_close":
            depth -= 1
        elif depth and token.type == "text" and len(token.content.strip()) >= 25:
            found.append(token.content.strip())
    return found


def test_quick_replies_of_public_sample_units_never_name_internal_units(
    sample_snapshot: Snapshot,
) -> None:
    internal = {
        u.document.id for u in sample_snapshot.iter_units() if u.document.audience != "public"
    }
    for unit in sample_snapshot.iter_units():
        if unit.document.audience != "public":
            continue
        rendering = BOT.render(RenderContext.from_snapshot(sample_snapshot, unit, today=TODAY))
        linked = {reply["unit_id"] for reply in rendering.data["quick_replies"]}
        assert not linked & internal, unit.key


def test_only_blocks_for_other_channels_are_absent_and_chatbot_blocks_present() -> None:
    body = (
        "Short answer.\n\n"
        "::: only web\nWeb only text.\n:::\n\n"
        "::: only ivr\nPress 1 now.\n:::\n\n"
        "::: only operator\nOperator only text.\n:::\n\n"
        "::: only chatbot\nChatbot only text.\n:::\n\n"
        "::: only web chatbot\nShared with the web.\n:::"
    )
    rendering = render(BOT, body)
    assert rendering.body == "Short answer.\n\nChatbot only text.\n\nShared with the web."
    for absent in ("Web only", "Press 1", "Operator only"):
        assert absent not in everything(rendering)


def test_first_paragraph_is_the_reply_and_the_rest_is_left_for_the_full_answer() -> None:
    rendering = render(BOT, "## Balance\n\nFirst paragraph.\n\nSecond paragraph.\n\n- a list")
    assert rendering.body == "First paragraph."
    assert rendering.data["text"] == rendering.body
    assert rendering.data["more_url"] == "/units/check-balance?locale=en"


def test_summary_block_replaces_the_first_paragraph() -> None:
    body = "::: summary\nThe short version.\n:::\n\nThe long first paragraph.\n\nMore detail."
    rendering = render(BOT, body)
    assert rendering.body == "The short version."
    assert "long first paragraph" not in everything(rendering)


def test_summary_with_only_chatbot_block_comes_first() -> None:
    body = "Long.\n\n::: only chatbot\nTap a button below.\n:::\n\n::: summary\nShort.\n:::"
    assert render(BOT, body).body == "Short.\n\nTap a button below."


def test_empty_short_answer_is_an_error() -> None:
    rendering = render(BOT, "## Only a heading\n\n::: internal\nStaff text.\n:::")
    assert rendering.body == ""
    assert "no-output" in codes(rendering, Severity.ERROR)


def test_plain_text_for_chat_without_emphasis_marks() -> None:
    body = (
        "::: only chatbot\n"
        "**Bold**, *em*, ~~gone~~ and `code`.\nSame paragraph.  \nNew line.\n\n"
        "### Steps\n\n"
        "1. first\n2. second\n   - nested\n\n"
        "- one\n- two\n\n"
        "| Plan | Price |\n|---|---|\n| Lite | {{ plan_price }} |\n\n"
        "> quoted\n\n"
        "![a router](https://example.com/r.png)\n\n"
        "```\nAT+CGDCONT\n```\n\n"
        "---\n:::"
    )
    text = render(BOT, "Intro.\n\n" + body).body
    assert text == (
        "Intro.\n\n"
        "Bold, em, gone and code. Same paragraph.\nNew line.\n\n"
        "Steps\n\n"
        "1. first\n2. second\n   • nested\n\n"
        "• one\n• two\n\n"
        "Plan | Price\nLite | £12.99\n\n"
        "> quoted\n\n"
        "a router\n\n"
        "AT+CGDCONT\n\n"
        "———"
    )


def test_ordered_list_keeps_its_start_number() -> None:
    text = render(BOT, "Intro.\n\n::: only chatbot\n3. third\n4. fourth\n:::").body
    assert text.endswith("3. third\n4. fourth")


# --- snippets -------------------------------------------------------------------------------


def test_snippets_of_every_type_render_as_plain_text() -> None:
    body = (
        "Call {{ support_phone }}, pay {{ plan_price }} from {{ price_date }}, "
        "see {{ help_url }}, dial {{ ussd }}. {{ identity_check }}"
    )
    text = render(BOT, body).body
    assert text == (
        "Call +44 20 7946 0000, pay £12.99 from 1 April 2027, "
        "see https://aurora-mobile.example/help, dial *100#. "
        "Ask for the date of birth. Then the PIN."
    )


def test_snippets_follow_the_locale() -> None:
    text = render(BOT, "Pay {{ plan_price }} from {{ price_date }}.", locale="ru").body
    assert text == "Pay 12,99 £ from 1 апреля 2027."


def test_markdown_snippet_alone_in_a_paragraph_becomes_its_blocks() -> None:
    text = render(BOT, "::: summary\n{{ identity_check }}\n:::").body
    assert text == "Ask for the date of birth.\n\nThen the PIN."


def test_markdown_snippet_cannot_nest_snippets() -> None:
    snippets = {
        "outer": (SnippetType.MARKDOWN, "See {{ inner }}."),
        "inner": (SnippetType.MARKDOWN, "deep"),
    }
    rendering = render(BOT, "Text {{ outer }}", snippets=snippets)
    assert rendering.body == "Text See ."
    assert "nested-snippet" in codes(rendering, Severity.ERROR)


def test_unknown_snippet_is_an_error() -> None:
    rendering = render(BOT, "Call {{ nobody_knows }} now.")
    assert "unresolved-snippet" in codes(rendering, Severity.ERROR)
    assert "nobody_knows" in rendering.findings[0].message


# --- links and quick replies ----------------------------------------------------------------


def test_external_links_are_collected_and_keep_their_targets_in_the_text() -> None:
    body = (
        "Open [My Account](https://aurora.example/account), mail [us](mailto:help@aurora.example),"
        " call [the desk](tel:+442079460000) or use [the help page]({{ help_url }})."
    )
    rendering = render(BOT, body)
    assert rendering.body == (
        "Open My Account (https://aurora.example/account), mail us (help@aurora.example),"
        " call the desk (+442079460000) or use the help page (https://aurora-mobile.example/help)."
    )
    assert rendering.data["links"] == [
        {"label": "My Account", "url": "https://aurora.example/account"},
        {"label": "us", "url": "mailto:help@aurora.example"},
        {"label": "the desk", "url": "tel:+442079460000"},
        {"label": "the help page", "url": "https://aurora-mobile.example/help"},
    ]
    assert rendering.findings == ()


def test_links_are_those_of_the_reply_not_of_the_rest_of_the_answer() -> None:
    body = (
        "Open [the app](https://aurora.example/app).\n\nOr the [website](https://aurora.example)."
    )
    rendering = render(BOT, body)
    assert rendering.data["links"] == [{"label": "the app", "url": "https://aurora.example/app"}]


def test_link_label_leaves_out_formatting_marks() -> None:
    rendering = render(BOT, "See [**our** site](https://aurora.example).")
    assert rendering.body == "See our site (https://aurora.example)."
    assert rendering.data["links"] == [{"label": "our site", "url": "https://aurora.example"}]


def test_a_link_whose_label_already_says_its_target_is_not_repeated() -> None:
    body = (
        "See <https://aurora.example/help>, [www.aurora.example](https://www.aurora.example/),"
        " call [+44 20 7946 0000](tel:+442079460000), write to <help@aurora.example>"
        " or [](https://aurora.example/empty)."
    )
    assert render(BOT, body).body == (
        "See https://aurora.example/help, www.aurora.example, call +44 20 7946 0000,"
        " write to help@aurora.example or https://aurora.example/empty."
    )


def _public_site(body: str, public_url: str | None = "https://help.example") -> Rendering:
    unit = stored(body=body)
    context = RenderContext.from_snapshot(
        snapshot_with(unit), unit, today=TODAY, public_url=public_url
    )
    return BOT.render(context)


def test_unit_links_read_as_the_units_public_page_when_the_public_url_is_known() -> None:
    rendering = _public_site("Compare [our plans](unit:tariffs) or [](unit:top-up).")
    assert rendering.body == (
        "Compare our plans (https://help.example/units/tariffs?locale=en)"
        " or How do I top up? (https://help.example/units/top-up?locale=en)."
    )
    assert rendering.data["more_url"] == "https://help.example/units/check-balance?locale=en"
    assert [r["unit_id"] for r in rendering.data["quick_replies"]] == ["tariffs", "top-up"]


def test_without_a_public_url_unit_links_are_named_and_more_url_stays_relative() -> None:
    rendering = _public_site("Compare [our plans](unit:tariffs).", public_url=None)
    assert rendering.body == "Compare our plans."
    assert rendering.data["more_url"] == "/units/check-balance?locale=en"


def test_a_public_url_with_a_path_keeps_its_path() -> None:
    rendering = _public_site("See [plans](unit:tariffs).", "https://example.com/help")
    assert rendering.body == "See plans (https://example.com/help/units/tariffs?locale=en)."


def test_cut_reply_points_to_the_absolute_full_answer() -> None:
    unit = stored(body=_words(40))
    context = RenderContext.from_snapshot(
        snapshot_with(unit),
        unit,
        today=TODAY,
        limits=RenderLimits(chatbot_max_chars=120),
        public_url="https://help.example",
    )
    body = BOT.render(context).body
    assert body.endswith("… Full answer: https://help.example/units/check-balance?locale=en")


def test_undefined_url_snippet_link_is_an_error() -> None:
    rendering = render(BOT, "Use [the page]({{ missing_url }}).")
    assert rendering.body == "Use the page."
    assert "unresolved-snippet" in codes(rendering, Severity.ERROR)


def test_quick_replies_come_from_unit_links_anywhere_the_chatbot_may_show() -> None:
    body = (
        "Top up in the app, see [how to top up](unit:top-up).\n\n"
        "A later paragraph mentions [our tariffs](unit:tariffs).\n\n"
        "::: only web\nWeb: [check balance](unit:check-balance)\n:::\n\n"
        "::: internal\nStaff: [check balance](unit:check-balance)\n:::"
    )
    rendering = render(BOT, body)
    assert rendering.body == "Top up in the app, see how to top up."
    assert rendering.data["quick_replies"] == [
        {"label": "how to top up", "unit_id": "top-up"},
        {"label": "our tariffs", "unit_id": "tariffs"},
    ]


def test_quick_replies_are_deduplicated_and_an_empty_label_takes_the_title() -> None:
    body = "See [](unit:tariffs) and [tariffs again](unit:tariffs) or [top-ups](unit:top-up)."
    rendering = render(BOT, body)
    assert rendering.body == "See Our tariffs and tariffs again or top-ups."
    assert rendering.data["quick_replies"] == [
        {"label": "Our tariffs", "unit_id": "tariffs"},
        {"label": "top-ups", "unit_id": "top-up"},
    ]


def test_long_quick_reply_labels_are_cut_to_fifty_characters() -> None:
    label = "a very long link text that goes on and on about all of our tariffs"
    rendering = render(BOT, f"See [{label}](unit:tariffs).")
    [reply] = rendering.data["quick_replies"]
    assert len(reply["label"]) == 50
    assert reply["label"].endswith("…")
    assert label.startswith(reply["label"][:-1])


def test_label_limit_is_configurable() -> None:
    rendering = render(
        BOT, "See [our tariffs](unit:tariffs).", limits=RenderLimits(chatbot_label_chars=6)
    )
    assert rendering.data["quick_replies"] == [{"label": "our t…", "unit_id": "tariffs"}]


def test_five_linked_units_are_fine() -> None:
    targets = {f"unit-{n}": f"Unit {n}" for n in range(5)}
    links = " ".join(f"[u{n}](unit:unit-{n})" for n in range(5))
    rendering = render_with_units(f"Pick one: {links}", targets)
    assert len(rendering.data["quick_replies"]) == 5
    assert "chatbot-too-many-buttons" not in codes(rendering)


def test_more_than_five_linked_units_keeps_five_and_is_an_error() -> None:
    targets = {f"unit-{n}": f"Unit {n}" for n in range(7)}
    links = " ".join(f"[u{n}](unit:unit-{n})" for n in range(7))
    rendering = render_with_units(f"Pick one: {links}", targets)
    assert [r["unit_id"] for r in rendering.data["quick_replies"]] == [
        f"unit-{n}" for n in range(5)
    ]
    assert "chatbot-too-many-buttons" in codes(rendering, Severity.ERROR)


def test_broken_unit_link_is_an_error_and_no_button() -> None:
    rendering = render(BOT, "See [the moon](unit:no-such-unit).")
    assert rendering.body == "See the moon."
    assert rendering.data["quick_replies"] == []
    assert codes(rendering, Severity.ERROR) == ["broken-unit-link"]


# --- length ---------------------------------------------------------------------------------


def _words(count: int) -> str:
    return " ".join(f"word{n}" for n in range(count))


def test_long_reply_is_cut_at_a_word_with_a_pointer_and_a_warning() -> None:
    original = _words(40)
    rendering = render(BOT, original, limits=RenderLimits(chatbot_max_chars=120))
    text = rendering.body
    pointer = "… Full answer: /units/check-balance?locale=en"
    assert len(text) <= 120
    assert text.endswith(pointer)
    head = text.removesuffix(pointer)
    assert original.startswith(head) and original[len(head)] == " "
    assert len(head) > 120 - len(pointer) - len("word39 ")
    assert rendering.data["truncated"] is True
    assert rendering.data["text"] == text
    [warning] = [f for f in rendering.findings if f.code == "chatbot-too-long"]
    assert warning.severity is Severity.WARNING
    assert str(len(original)) in warning.message


def test_reply_exactly_at_the_limit_is_not_cut() -> None:
    original = "x" * 100
    rendering = render(BOT, original, limits=RenderLimits(chatbot_max_chars=100))
    assert rendering.body == original
    assert rendering.data["truncated"] is False
    assert rendering.findings == ()


def test_default_limit_is_a_thousand_characters() -> None:
    short = render(BOT, _words(120)[:1000].rstrip())
    assert short.data["truncated"] is False
    long = render(BOT, _words(200))
    assert long.data["truncated"] is True
    assert len(long.body) <= 1000


def test_russian_reply_points_to_the_full_answer_in_russian() -> None:
    rendering = render(BOT, "слово " * 50, locale="ru", limits=RenderLimits(chatbot_max_chars=100))
    assert rendering.body.endswith("… Полный ответ: /units/check-balance?locale=ru")
    assert len(rendering.body) <= 100


def test_the_more_url_comes_from_the_context() -> None:
    unit = stored(body=_words(40))
    context = RenderContext.from_snapshot(
        snapshot_with(unit),
        unit,
        today=TODAY,
        limits=RenderLimits(chatbot_max_chars=100),
        unit_url=lambda unit_id, locale: f"https://help.example/{locale}/{unit_id}",
    )
    rendering = BOT.render(context)
    assert rendering.data["more_url"] == "https://help.example/en/check-balance"
    assert rendering.body.endswith("… Full answer: https://help.example/en/check-balance")


# --- safety and stability -------------------------------------------------------------------


class _Tags(HTMLParser):
    """Start tags and attributes an HTML parser would create from a text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _tags(text: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Tags()
    parser.feed(text)
    parser.close()
    return parser.tags


HOSTILE = (
    "<script>alert(1)</script> and <img src=x onerror=alert(1)> and "
    "[x](javascript:alert(1)) and <JavaScript:alert(2)> and &amp; and "
    "&lt;b onclick=alert(3)&gt; and [y](ftp://files.example/a) and [z](page.html)"
)


def test_hostile_input_reads_as_the_same_characters_but_is_inert() -> None:
    rendering = render(BOT, HOSTILE)
    # What a person sees: the characters the author typed (entities decoded), nothing linked.
    assert rendering.body.replace(WORD_JOINER, "") == (
        "<script>alert(1)</script> and <img src=x onerror=alert(1)> and "
        "[x](javascript:alert(1)) and <JavaScript:alert(2)> and & and "
        "<b onclick=alert(3)> and y and z"
    )
    # What a client that interprets HTML or links would find: nothing to run.
    assert _tags(rendering.body) == []
    assert "javascript:" not in everything(rendering).lower()
    assert rendering.data["links"] == []
    assert rendering.data["quick_replies"] == []
    assert "ftp:" not in json.dumps([rendering.body, dict(rendering.data)])
    assert codes(rendering) == ["unsafe-link", "unsafe-link"]
    assert codes(rendering, Severity.WARNING) == codes(rendering)


def test_hostile_snippet_values_and_titles_are_inert_too() -> None:
    snippets = {**SNIPPETS, "evil": (SnippetType.TEXT, "<script>alert(1)</script>")}
    rendering = render_with_units(
        "Value {{ evil }}, see [](unit:evil-title) and [<b>x</b>](unit:evil-title).",
        {"evil-title": "<img src=x onerror=alert(1)>"},
        snippets=snippets,
    )
    assert _tags(everything(rendering)) == []
    assert rendering.data["quick_replies"][0]["label"].replace(WORD_JOINER, "") == (
        "<img src=x onerror=alert(1)>"
    )


def test_ordinary_text_is_left_exactly_as_written() -> None:
    text = "Data: 10GB < 20GB, a->b, JavaScript is off, see 5 <= 6 and <3."
    assert render(BOT, text).body == text


def test_rendering_the_same_context_twice_gives_identical_output() -> None:
    unit = stored(body="Hi {{ identity_check }} [t](unit:tariffs) " + _words(300))
    context = RenderContext.from_snapshot(snapshot_with(unit), unit, today=TODAY)
    first, second = BOT.render(context), BOT.render(context)
    assert first == second
    assert json.dumps(first.to_json()) == json.dumps(second.to_json())


def test_every_sample_unit_renders_without_errors(sample_snapshot: Snapshot) -> None:
    errors = []
    rendered = 0
    for unit in sample_snapshot.iter_units():
        rendering = BOT.render(RenderContext.from_snapshot(sample_snapshot, unit, today=TODAY))
        errors += [str(f) for f in rendering.findings if f.severity is Severity.ERROR]
        assert rendering.body.strip(), unit.key
        assert not re.search(r"\{\{|\]\(|<[a-z]", rendering.body), unit.key
        rendered += 1
    assert rendered == len(sample_snapshot.units) == 78
    assert errors == []


# --- feedback quick replies ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "prompt", "yes", "no"),
    [
        ("en", "Did this answer your question?", "Yes, thanks", "No"),
        ("ru", "Это ответ на ваш вопрос?", "Да, спасибо", "Нет"),
        ("bg", "Това отговори ли на въпроса ви?", "Да, благодаря", "Не"),
        ("de", "Did this answer your question?", "Yes, thanks", "No"),  # English when unknown
    ],
)
def test_an_answer_offers_feedback_quick_replies_in_its_language(
    locale: str, prompt: str, yes: str, no: str
) -> None:
    rendering = render(BOT, "Dial {{ ussd }} to check your balance.", locale=locale)
    assert rendering.data["feedback"] == {
        "prompt": prompt,
        "quick_replies": [
            {"label": yes, "payload": {"unit_id": "check-balance", "helpful": True}},
            {"label": no, "payload": {"unit_id": "check-balance", "helpful": False}},
        ],
    }


def test_feedback_replies_are_not_unit_buttons_and_leave_the_button_limit_alone() -> None:
    body = " ".join(f"[u{n}](unit:u{n})" for n in range(5))
    rendering = render_with_units(body, {f"u{n}": f"Unit {n}" for n in range(5)})
    assert len(rendering.data["quick_replies"]) == 5
    assert "chatbot-too-many-buttons" not in codes(rendering)
    assert len(rendering.data["feedback"]["quick_replies"]) == 2
