"""The messenger channel: Telegram MarkdownV2 and WhatsApp text from one unit, their buttons,
their limits and what `kb check` says of them, hostile characters kept as plain characters."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

import pytest

from kb import Snapshot, SnippetType
from renderers.base import RenderContext, Rendering, Severity
from renderers.checks import check_snapshot
from renderers.messenger import MessengerRenderer
from renderers.text import WORD_JOINER
from tests.renderers.conftest import SNIPPETS, TODAY, render, snapshot_with, stored
from tests.renderers.test_hostile_input import EVIL_SNIPPETS, HOSTILE

MESSENGER = MessengerRenderer()
SITE = "https://help.example"
#: Characters MarkdownV2 gives a meaning to outside code and links.
_SPECIAL = set("_*[]()~`>#+-=|{}.!")
_ENTITY = {"*": "bold", "_": "italic", "~": "strike"}


def parse_markdown_v2(text: str) -> tuple[str, list[tuple[str, str, str | None]]]:
    """What Telegram shows of a MarkdownV2 text: the visible text and its entities as
    (kind, covered text, url), in the order they close. Raises ValueError where the Bot API
    would refuse the message: an unescaped special character, an unclosed or crossed entity."""
    out: list[str] = []
    entities: list[tuple[str, str, str | None]] = []
    stack: list[tuple[str, int]] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            if i + 1 == len(text) or ord(text[i + 1]) > 126:
                raise ValueError(f"backslash before {text[i + 1 : i + 2]!r} at {i}")
            out.append(text[i + 1])
            i += 2
        elif text.startswith("```", i):
            end, code = _code(text, text.index("\n", i) + 1, "```")
            entities.append(("pre", code, None))
            out.append(code)
            i = end + 3
        elif char == "`":
            end, code = _code(text, i + 1, "`")
            entities.append(("code", code, None))
            out.append(code)
            i = end + 1
        elif char in "*_~" or char == "[":
            kind = "link" if char == "[" else _ENTITY[char]
            if stack and stack[-1][0] == kind and kind != "link":
                _, start = stack.pop()
                entities.append((kind, "".join(out)[start:], None))
            elif any(open_ == kind for open_, _ in stack):
                raise ValueError(f"{kind} crosses another entity at {i}")
            else:
                stack.append((kind, len("".join(out))))
            i += 1
        elif char == "]":
            if not stack or stack[-1][0] != "link" or text[i + 1 : i + 2] != "(":
                raise ValueError(f"']' without its link at {i}")
            _, start = stack.pop()
            end, url = _code(text, i + 2, ")", escapable=")\\")
            entities.append(("link", "".join(out)[start:], url))
            i = end + 1
        elif char in _SPECIAL:
            raise ValueError(f"unescaped {char!r} at {i}: {text[max(0, i - 20) : i + 20]!r}")
        else:
            out.append(char)
            i += 1
    if stack:
        raise ValueError(f"unclosed {stack}")
    return "".join(out), entities


def _code(text: str, start: int, closing: str, escapable: str = "`\\") -> tuple[int, str]:
    """Code (or a link's URL) from `start` to the unescaped `closing`: (where it ends, content)."""
    out: list[str] = []
    i = start
    while not text.startswith(closing, i):
        if i >= len(text):
            raise ValueError(f"unclosed {closing!r} from {start}")
        if text[i] == "\\":
            if text[i + 1] not in escapable:
                raise ValueError(f"needless escape in code at {i}")
            i += 1
        elif text[i] in escapable:
            raise ValueError(f"unescaped {text[i]!r} in code at {i}")
        out.append(text[i])
        i += 1
    text_out = "".join(out)
    return i, text_out[:-1] if closing == "```" and text_out.endswith("\n") else text_out


def telegram(rendering: Rendering) -> dict:  # type: ignore[type-arg]
    return rendering.data["telegram"]  # type: ignore[no-any-return]


def whatsapp_text(rendering: Rendering) -> str:
    message = rendering.data["whatsapp"]
    if message["type"] == "text":
        return message["text"]["body"]  # type: ignore[no-any-return]
    return message["interactive"]["body"]["text"]  # type: ignore[no-any-return]


def codes(rendering: Rendering, severity: Severity | None = None) -> list[str]:
    return [f.code for f in rendering.findings if severity is None or f.severity is severity]


def seen(text: str) -> str:
    """What a reader sees: the word joiners are invisible."""
    return text.replace(WORD_JOINER, "")


def render_in_site(
    body: str,
    targets: Mapping[str, str] | None = None,
    snippets: Mapping[str, tuple[SnippetType, str]] = SNIPPETS,
    public_url: str | None = SITE,
    **fields: object,
) -> Rendering:
    """Render `body` beside units `targets` {id: title}, with the public site at `public_url`."""
    unit = stored(body=body, **fields)
    others = [stored(unit_id, title=title) for unit_id, title in (targets or {}).items()]
    snapshot = snapshot_with(unit, *others, snippets=snippets)
    context = RenderContext.from_snapshot(snapshot, unit, today=TODAY, public_url=public_url)
    return MESSENGER.render(context)


def _words(count: int) -> str:
    return " ".join(f"word{n}" for n in range(count))


# --- Telegram MarkdownV2 --------------------------------------------------------------------

EVERY_MARK = (
    "## Steps *now*\n\n"
    "Some **bold**, *italic*, ~~struck~~ and `a_code*` text, **bold *and italic***.\n\n"
    "See [the help page](https://aurora.example/help_(main)) or [tariffs](unit:tariffs).\n\n"
    "- one\n- two\n\n"
    '```\nAT+CGDCONT=1,"IP"\n```'
)


def test_every_mark_becomes_its_telegram_entity_and_the_text_reads_as_written() -> None:
    rendering = render_in_site(EVERY_MARK)
    text, entities = parse_markdown_v2(telegram(rendering)["text"])
    assert text == (
        "Steps now\n\n"
        "Some bold, italic, struck and a_code* text, bold and italic.\n\n"
        "See the help page or tariffs.\n\n"
        "• one\n• two\n\n"
        'AT+CGDCONT=1,"IP"'
    )
    assert entities == [
        ("italic", "now", None),
        ("bold", "Steps now", None),
        ("bold", "bold", None),
        ("italic", "italic", None),
        ("strike", "struck", None),
        ("code", "a_code*", None),
        ("italic", "and italic", None),
        ("bold", "bold and italic", None),
        ("link", "the help page", "https://aurora.example/help_(main)"),
        ("link", "tariffs", f"{SITE}/units/tariffs?locale=en"),
        ("pre", 'AT+CGDCONT=1,"IP"', None),
    ]
    assert telegram(rendering)["parse_mode"] == "MarkdownV2"
    assert rendering.body == telegram(rendering)["text"]
    assert "help_(main\\)" in rendering.body  # inside a link's URL only ) and \ are escaped


HOSTILE_CHARACTERS = r"*bold?* _x_ [a](b) (c) ~d~ `e` > # + - = | { } . ! \ \* 2*3 a_b_c"


def test_hostile_characters_in_text_title_and_snippets_stay_plain_in_telegram() -> None:
    snippets = {**SNIPPETS, "evil": (SnippetType.TEXT, HOSTILE_CHARACTERS)}
    rendering = render_in_site(
        "Text: {{ evil }}\n\nLink: [](unit:evil-title).",
        targets={"evil-title": HOSTILE_CHARACTERS},
        snippets=snippets,
    )
    text, entities = parse_markdown_v2(telegram(rendering)["text"])
    assert text == f"Text: {HOSTILE_CHARACTERS}\n\nLink: {HOSTILE_CHARACTERS}."
    assert entities == [("link", HOSTILE_CHARACTERS, f"{SITE}/units/evil-title?locale=en")]
    [[button], _] = telegram(rendering)["reply_markup"]["inline_keyboard"]
    assert button["callback_data"] == "unit:evil-title"


def test_hostile_markdown_in_the_body_is_formatting_once_and_plain_text_otherwise() -> None:
    body = r"Dial \*100\# \[not a link\](x) \_no\_ and 5 \* 3 \~ \` \> \\ done."
    text, entities = parse_markdown_v2(telegram(render(MESSENGER, body))["text"])
    assert text == r"Dial *100# [not a link](x) _no_ and 5 * 3 ~ ` > \ done."
    assert entities == []


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_input_is_valid_markdown_v2_and_no_markup_in_either_message(case: str) -> None:
    for placement in (HOSTILE[case], f"::: only messenger\n**{HOSTILE[case]}**\n:::"):
        rendering = render(MESSENGER, f"Intro.\n\n{placement}", snippets=EVIL_SNIPPETS)
        text, _ = parse_markdown_v2(telegram(rendering)["text"])
        for shown in (text, whatsapp_text(rendering)):
            assert not re.search(r"<[A-Za-z/!?]", shown), shown
            assert not re.search(r"(java|vb)script:|data:text", shown, re.IGNORECASE), shown


def test_a_cut_inside_formatting_still_closes_every_entity() -> None:
    body = "**" + _words(900) + "** and [a link](https://aurora.example/x)"
    rendering = render(MESSENGER, body)
    text, entities = parse_markdown_v2(telegram(rendering)["text"])
    assert rendering.data["truncated"]["telegram"] is True
    assert len(text) <= 4096
    assert entities[0][0] == "bold"
    assert text.endswith("… Full answer: /units/check-balance?locale=en")


def test_every_sample_unit_is_valid_markdown_v2_and_within_both_limits(
    sample_snapshot: Snapshot,
) -> None:
    checked = 0
    for unit in sample_snapshot.iter_units():
        if unit.document.audience != "public":
            continue
        context = RenderContext.from_snapshot(sample_snapshot, unit, today=TODAY, public_url=SITE)
        rendering = MESSENGER.render(context)
        text, _ = parse_markdown_v2(telegram(rendering)["text"])
        assert text.strip(), unit.key
        assert not re.search(r"\{\{|\]\(|<[a-z]", whatsapp_text(rendering)), unit.key
        assert len(whatsapp_text(rendering)) <= 1024, unit.key
        assert [f for f in rendering.findings if f.severity is Severity.ERROR] == [], unit.key
        checked += 1
    assert checked >= 60


# --- WhatsApp -------------------------------------------------------------------------------


def test_whatsapp_writes_its_own_marks_and_links_as_words_with_their_address() -> None:
    rendering = render_in_site(EVERY_MARK)
    assert whatsapp_text(rendering) == (
        "*Steps _now_*\n\n"
        "Some *bold*, _italic_, ~struck~ and ```a_code*``` text, *bold _and italic_*.\n\n"
        "See the help page (https://aurora.example/help_(main)) or tariffs"
        f" ({SITE}/units/tariffs?locale=en).\n\n"
        "• one\n• two\n\n"
        '```AT+CGDCONT=1,"IP"```'
    )


def test_whatsapp_marks_only_at_word_edges_so_none_shows_as_a_stray_star() -> None:
    text = whatsapp_text(render(MESSENGER, "un**believ**able, **a**b and **ok**."))
    assert text == "unbelievable, ab and *ok*."


def test_whatsapp_literal_marks_that_could_pair_are_held_apart_by_word_joiners() -> None:
    text = whatsapp_text(render(MESSENGER, r"Type \*bold\* or \_x\_ or \~y\~ or \`z\`."))
    joined = {mark: f"{WORD_JOINER}{mark}{WORD_JOINER}" for mark in "*_~`"}
    assert text == "Type {0}bold{0} or {1}x{1} or {2}y{2} or {3}z{3}.".format(*joined.values())
    assert seen(text) == "Type *bold* or _x_ or ~y~ or `z`."


def test_whatsapp_literal_mark_next_to_formatting_is_held_apart_too() -> None:
    text = whatsapp_text(render(MESSENGER, r"**Dial** \*100\# now."))
    assert text == f"*Dial* {WORD_JOINER}*{WORD_JOINER}100# now."


def test_whatsapp_lone_mark_on_its_line_is_left_as_typed() -> None:
    body = "Dial {{ ussd }} from your phone.\n\nOr *100# then* wait"
    text = whatsapp_text(render(MESSENGER, body))
    assert text.split("\n\n")[0] == "Dial *100# from your phone."
    assert WORD_JOINER not in text.split("\n\n")[0]


def test_whatsapp_never_breaks_a_url_or_an_address() -> None:
    body = (
        "See https://aurora.example/a_b_c and _this_, mail first_last@aurora.example, "
        "[page](https://aurora.example/x_y)."
    )
    text = whatsapp_text(render(MESSENGER, body))
    assert "https://aurora.example/a_b_c " in text
    assert "first_last@aurora.example" in text
    assert "(https://aurora.example/x_y)" in text
    assert "_this_" in text


def test_whatsapp_code_cannot_be_closed_early_by_backticks_inside() -> None:
    rendering = render(MESSENGER, "Run ``a```b`` now.")
    text = whatsapp_text(rendering)
    tick = f"{WORD_JOINER}`{WORD_JOINER}"
    assert text == f"Run ```a{tick * 3}b``` now."
    assert seen(text) == "Run ```a```b``` now."
    assert parse_markdown_v2(telegram(rendering)["text"]) == (
        "Run a```b now.",
        [("code", "a```b", None)],
    )


# --- what is shown --------------------------------------------------------------------------


def test_only_messenger_blocks_are_shown_and_other_channels_blocks_are_not() -> None:
    body = (
        "Answer.\n\n"
        "::: only messenger\nTap a button below.\n:::\n\n"
        "::: only chatbot\nChatbot only.\n:::\n\n"
        "::: only web sms\nWeb and SMS only.\n:::\n\n"
        "::: only web messenger\nShared with the web.\n:::"
    )
    rendering = render(MESSENGER, body)
    expected = "Answer.\n\nTap a button below.\n\nShared with the web."
    assert parse_markdown_v2(telegram(rendering)["text"])[0] == expected
    assert whatsapp_text(rendering) == expected
    dumped = json.dumps(rendering.to_json(), ensure_ascii=False)
    assert "Chatbot only" not in dumped and "Web and SMS" not in dumped


def test_internal_notes_reach_neither_message_nor_any_button() -> None:
    body = (
        "Public answer.\n\n"
        "::: internal\nStaff secret: see [the procedure](unit:tariffs) and "
        "[a site](https://internal.example/x).\n:::\n\n"
        "::: only messenger\n::: internal\nNested staff secret.\n:::\n:::"
    )
    rendering = render_in_site(body)
    dumped = json.dumps(rendering.to_json(), ensure_ascii=False)
    for secret in ("Staff secret", "Nested staff secret", "internal.example", "unit:tariffs"):
        assert secret not in dumped
    assert whatsapp_text(rendering) == "Public answer."


def test_the_whole_answer_is_sent_not_only_the_short_one() -> None:
    body = "::: summary\nShort.\n:::\n\nFirst paragraph.\n\n## Details\n\nSecond paragraph."
    rendering = render(MESSENGER, body)
    assert whatsapp_text(rendering) == "First paragraph.\n\n*Details*\n\nSecond paragraph."


# --- buttons and keyboards ------------------------------------------------------------------


def test_telegram_inline_keyboard_has_a_row_per_linked_unit_and_the_answer_page() -> None:
    rendering = render_in_site("See [our tariffs](unit:tariffs) and [](unit:top-up).")
    assert telegram(rendering)["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "our tariffs", "callback_data": "unit:tariffs"}],
            [{"text": "How do I top up?", "callback_data": "unit:top-up"}],
            [{"text": "Read on the website", "url": f"{SITE}/units/check-balance?locale=en"}],
        ]
    }


def test_without_links_or_a_public_site_telegram_has_no_keyboard() -> None:
    rendering = render_in_site("Just text.", public_url=None)
    assert telegram(rendering) == {"text": "Just text\\.", "parse_mode": "MarkdownV2"}
    assert rendering.data["whatsapp"] == {
        "type": "text",
        "text": {"body": "Just text.", "preview_url": False},
    }


def test_russian_keyboard_and_pointer_are_in_russian() -> None:
    unit = stored(locale="ru", body="слово " * 300)
    context = RenderContext.from_snapshot(
        snapshot_with(unit, locale="ru"), unit, today=TODAY, public_url=SITE
    )
    rendering = MESSENGER.render(context)
    [[button]] = telegram(rendering)["reply_markup"]["inline_keyboard"]
    assert button["text"] == "Читать на сайте"
    assert whatsapp_text(rendering).endswith(
        f"… Полный ответ: {SITE}/units/check-balance?locale=ru"
    )


def test_whatsapp_gets_at_most_three_reply_buttons_titled_in_twenty_characters() -> None:
    targets = {f"unit-{n}": f"A rather long title of unit {n}" for n in range(5)}
    links = " ".join(f"[](unit:unit-{n})" for n in range(5))
    rendering = render_in_site(f"Pick one: {links}", targets)
    message = rendering.data["whatsapp"]
    assert message["type"] == "interactive"
    assert message["interactive"]["type"] == "button"
    buttons = message["interactive"]["action"]["buttons"]
    titles = ["A rather long title…", "A rather long tit… 2", "A rather long tit… 3"]
    assert buttons == [
        {"type": "reply", "reply": {"id": f"unit:unit-{n}", "title": titles[n]}} for n in range(3)
    ]
    assert all(len(b["reply"]["title"]) <= 20 for b in buttons)  # and all differ, as WhatsApp asks
    [warning] = [f for f in rendering.findings if f.code == "whatsapp-too-many-buttons"]
    assert warning.severity is Severity.WARNING
    assert "unit-3, unit-4" in warning.message
    assert len(telegram(rendering)["reply_markup"]["inline_keyboard"]) == 6  # all 5 + the page


def test_three_linked_units_are_fine() -> None:
    targets = {f"unit-{n}": f"Unit {n}" for n in range(3)}
    rendering = render_in_site(" ".join(f"[u{n}](unit:unit-{n})" for n in range(3)), targets)
    assert len(rendering.data["whatsapp"]["interactive"]["action"]["buttons"]) == 3
    assert rendering.findings == ()


def test_a_unit_id_too_long_for_a_button_gets_none_and_a_warning() -> None:
    long_id = "a-" * 30 + "long-id"
    rendering = render_in_site(f"See [that](unit:{long_id}).", {long_id: "That"})
    assert "unit:" + long_id not in json.dumps(rendering.data["whatsapp"])
    assert codes(rendering) == ["messenger-button-id-too-long"]
    assert rendering.data["whatsapp"]["type"] == "text"


# --- limits and kb check --------------------------------------------------------------------


def test_whatsapp_text_over_1024_characters_is_cut_with_a_pointer_and_a_warning() -> None:
    original = _words(200)
    rendering = render_in_site(original, targets=None)
    text = whatsapp_text(rendering)
    pointer = f"… Full answer: {SITE}/units/check-balance?locale=en"
    assert len(text) <= 1024
    assert text.endswith(pointer)
    head = text.removesuffix(pointer)
    assert original.startswith(head) and original[len(head)] == " "
    assert len(text) > 1024 - len("word199 ")
    assert rendering.data["truncated"] == {"telegram": False, "whatsapp": True}
    [warning] = rendering.findings
    assert (warning.code, warning.severity) == ("whatsapp-too-long", Severity.WARNING)
    assert str(len(original)) in warning.message and "1024" in warning.message


def test_whatsapp_length_counts_its_marks() -> None:
    bold = "**" + "x" * 1021 + "**"  # 1,021 characters shown, 1,023 sent
    assert len(whatsapp_text(render(MESSENGER, bold))) == 1023
    assert codes(render(MESSENGER, bold)) == []
    bolder = "**" + "x" * 1023 + "**"
    assert codes(render(MESSENGER, bolder)) == ["whatsapp-too-long"]


def test_telegram_text_over_4096_characters_is_cut_with_a_pointer_and_a_warning() -> None:
    original = _words(800)
    rendering = render(MESSENGER, original)
    text, _ = parse_markdown_v2(telegram(rendering)["text"])
    assert len(text) <= 4096 < len(original)
    assert text.endswith("… Full answer: /units/check-balance?locale=en")
    assert original.startswith(text.split("…")[0])
    assert rendering.data["truncated"] == {"telegram": True, "whatsapp": True}
    assert sorted(codes(rendering, Severity.WARNING)) == ["telegram-too-long", "whatsapp-too-long"]


def test_telegram_limit_counts_what_is_shown_not_the_escapes() -> None:
    dots = "." * 4096  # 8,192 characters sent, 4,096 shown
    rendering = render(MESSENGER, dots)
    assert parse_markdown_v2(telegram(rendering)["text"])[0] == dots
    assert "telegram-too-long" not in codes(rendering)


def test_kb_check_reports_a_whatsapp_text_over_1024_characters() -> None:
    long = stored("long-answer", body=_words(200), channels=["web", "messenger"])
    findings = check_snapshot(snapshot_with(long), today=TODAY)
    found = [f for f in findings if f.code == "whatsapp-too-long"]
    assert [(f.unit_id, f.locale, f.channel, f.severity) for f in found] == [
        ("long-answer", "en", "messenger", Severity.WARNING)
    ]
    assert "1024" in found[0].message
    assert not [f for f in findings if f.blocking]


@pytest.mark.parametrize("channels", [["web", "chatbot"], ["messenger"]])
def test_kb_check_checks_the_messenger_only_where_a_unit_is_enabled(channels: list[str]) -> None:
    long = stored("long-answer", body=_words(200), channels=channels)
    findings = check_snapshot(snapshot_with(long), today=TODAY)
    reported = any(f.code == "whatsapp-too-long" for f in findings)
    assert reported is ("messenger" in channels)
