"""The SMS channel: GSM-7 or UCS-2 per message, segments counted, the limit kept, plain text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb.content.markdown import KNOWN_TOKEN_TYPES
from kb.settings import Settings
from renderers.base import RenderContext, Rendering, RenderLimits, Severity
from renderers.checks import check_snapshot
from renderers.sms import SmsRenderer
from renderers.sms_encoding import Encoding, measure
from tests.renderers.conftest import TODAY, snapshot_with, stored

SMS = SmsRenderer()
PUBLIC_URL = "https://help.example"
POINTER = "More: https://help.example/units/check-balance?locale=en"


def sms(
    body: str, *, public_url: str | None = None, segments: int = 2, **fields: object
) -> Rendering:
    """Render `body` as an SMS, with the public site and segment limit given."""
    locale = str(fields.pop("locale", "en"))
    unit = stored(locale=locale, body=body, **fields)
    context = RenderContext.from_snapshot(
        snapshot_with(unit, locale=locale),
        unit,
        today=TODAY,
        limits=RenderLimits(sms_max_segments=segments),
        public_url=public_url,
    )
    return SMS.render(context)


def words(septets: int) -> str:
    """GSM-7 text of exactly `septets` characters: words of four letters and spaces."""
    text = ("abcd " * (septets // 5 + 1))[:septets]
    return text[:-1] + "x" if text.endswith(" ") else text


def codes(rendering: Rendering) -> list[tuple[str, Severity]]:
    return [(f.code, f.severity) for f in rendering.findings]


# --- counting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "segments"), [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)]
)
def test_gsm7_takes_160_alone_and_153_per_segment_when_split(length: int, segments: int) -> None:
    size = measure("a" * length)
    assert (size.encoding, size.characters, size.segments) == (Encoding.GSM7, length, segments)


@pytest.mark.parametrize(
    ("length", "segments"), [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)]
)
def test_ucs2_takes_70_alone_and_67_per_segment_when_split(length: int, segments: int) -> None:
    size = measure("ж" * length)
    assert (size.encoding, size.characters, size.segments) == (Encoding.UCS2, length, segments)


def test_extension_characters_take_two_septets_each() -> None:
    for char in "^{}\\[~]|€":
        assert measure(char * 80).characters == 160, char
        assert measure(char * 80).segments == 1, char
        assert measure(char * 80 + "a").segments == 2, char
        assert measure(char).encoding is Encoding.GSM7


def test_an_extension_character_is_never_split_across_segments() -> None:
    # 306 septets would fill two segments of 153, but the escape pair cannot straddle them.
    size = measure("a" * 152 + "€" + "a" * 152)
    assert (size.characters, size.segments) == (306, 3)
    assert measure("a" * 151 + "€" + "a" * 153).segments == 2


def test_the_basic_alphabet_is_the_standards_and_nothing_more() -> None:
    every_basic = (
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
        "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
    )
    size = measure(every_basic)
    assert (size.encoding, size.characters) == (Encoding.GSM7, len(every_basic))
    for outsider in "ç`áâêÀ\x1b\tБ":
        assert measure(f"a{outsider}").encoding is Encoding.UCS2, repr(outsider)


def test_an_emoji_counts_two_utf16_units_and_is_never_split() -> None:
    assert (measure("😀" * 35).characters, measure("😀" * 35).segments) == (70, 1)
    assert measure("😀" * 35 + "a").segments == 2
    size = measure("Hello 😀")
    assert (size.encoding, size.characters, size.forced_by) == (Encoding.UCS2, 8, "😀")
    assert (
        measure("a" * 66 + "😀" + "a" * 66).segments == 3
    )  # the pair moves to segment 2, which overflows


def test_cyrillic_is_ucs2_and_names_its_first_letter() -> None:
    size = measure("Ваш баланс: *100#")
    assert (size.encoding, size.characters, size.forced_by) == (Encoding.UCS2, 17, "В")


def test_typographic_quotes_dashes_and_spaces_keep_english_gsm7() -> None:
    size = measure("It\u2019s \u201cfree\u201d \u2013 really \u2014 \u2018yes\u2019\u2026\u00a0ok")
    assert size.encoding is Encoding.GSM7
    assert size.text == "It's \"free\" - really - 'yes'... ok"
    assert (size.characters, size.segments) == (len(size.text), 1)


def test_typographic_characters_stay_as_written_when_the_message_is_ucs2_anyway() -> None:
    text = "Ответ \u2014 \u00abда\u00bb\u2026"
    size = measure(text)
    assert (size.encoding, size.text, size.characters) == (Encoding.UCS2, text, len(text))


def test_one_character_outside_gsm7_makes_the_whole_message_ucs2() -> None:
    assert measure("a" * 100).segments == 1
    size = measure("a" * 99 + "ç")
    assert (size.encoding, size.segments, size.forced_by) == (Encoding.UCS2, 2, "ç")


# --- the text -------------------------------------------------------------------------------


def test_rule_table_covers_every_token_type() -> None:
    assert set(SMS.rules) == KNOWN_TOKEN_TYPES


def test_short_answer_is_the_first_paragraph_plus_only_sms_blocks() -> None:
    body = (
        "## Balance\n\nFirst paragraph.\n\nSecond paragraph.\n\n"
        "::: only web\nWeb only.\n:::\n\n::: only chatbot ivr\nSpoken.\n:::\n\n"
        "::: only sms\nText BAL to 150.\n:::"
    )
    rendering = sms(body)
    assert rendering.body == "First paragraph.\nText BAL to 150."
    assert rendering.media_type == "text/plain"


def test_summary_replaces_the_first_paragraph() -> None:
    rendering = sms("::: summary\nShort.\n:::\n\nThe long first paragraph.")
    assert rendering.body == "Short."


def test_internal_notes_never_reach_the_message_or_its_data() -> None:
    body = (
        "::: internal\nSecret staff note with [x](unit:tariffs).\n:::\n\nDial *100#.\n\n"
        "::: only sms\nText us.\n\n::: internal\nNested secret.\n:::\n:::"
    )
    rendering = sms(body, public_url=PUBLIC_URL)
    dumped = json.dumps(rendering.to_json(), ensure_ascii=False)
    assert "secret" not in dumped.lower() and "tariffs" not in dumped
    assert rendering.body == f"Dial *100#.\nText us.\n{POINTER}"


def test_no_formatting_marks_and_whitespace_collapsed() -> None:
    body = (
        "Intro   with  **bold**, *em*, ~~gone~~ and `code`.\nSame   line.\n\n"
        "::: only sms\n"
        "### Steps\n\n"
        "1. first\n2. second\n   - nested\n\n"
        "- one\n- two\n\n"
        "> quoted\n\n"
        "| Plan | Price |\n|---|---|\n| Lite | {{ plan_price }} |\n\n"
        "---\n\n"
        "![a router](https://example.com/r.png)\n:::"
    )
    text = sms(body, segments=3).body
    assert text == (
        "Intro with bold, em, gone and code. Same line.\n"
        "Steps\n"
        "1. first\n2. second\n- nested\n"
        "- one\n- two\n"
        "quoted\n"
        "Plan, Price\nLite, £12.99\n"
        "a router"
    )
    for mark in ("*", "_", "`", "#", ">", "|", "•", "—", "~~", "  ", "\n\n"):
        assert mark not in text, mark


def test_data_tells_encoding_segments_and_characters() -> None:
    rendering = sms("Dial *100# to check your balance.")
    assert dict(rendering.data) == {
        "encoding": "GSM-7",
        "segments": 1,
        "characters": 33,
        "url": None,
        "truncated": False,
    }


def test_a_typographic_apostrophe_in_english_is_sent_as_gsm7() -> None:
    rendering = sms("It\u2019s free \u2013 dial *100#\u2026")
    assert rendering.body == "It's free - dial *100#..."
    assert rendering.data["encoding"] == "GSM-7"


def test_russian_is_ucs2_and_points_to_the_page_in_russian() -> None:
    rendering = sms("Наберите *100#.", public_url=PUBLIC_URL, locale="ru")
    url = "https://help.example/units/check-balance?locale=ru"
    assert rendering.body == f"Наберите *100#.\nПодробнее: {url}"
    assert (rendering.data["encoding"], rendering.data["url"]) == ("UCS-2", url)
    assert rendering.data["characters"] == len(rendering.body)


# --- links ----------------------------------------------------------------------------------


def test_links_keep_their_words_and_the_message_ends_with_the_units_page() -> None:
    body = (
        "See [our plans](unit:tariffs), [](unit:top-up) or "
        "[My Account](https://aurora.example/account/settings?tab=billing&from=sms)."
    )
    rendering = sms(body, public_url=PUBLIC_URL)
    assert rendering.body == f"See our plans, How do I top up? or My Account.\n{POINTER}"
    assert rendering.data["url"] == "https://help.example/units/check-balance?locale=en"


def test_without_a_public_url_there_is_no_link_at_all() -> None:
    rendering = sms("See [our plans](unit:tariffs) or [the site](https://aurora.example/x).")
    assert rendering.body == "See our plans or the site."
    assert rendering.data["url"] is None


def test_phone_numbers_and_addresses_stay_as_a_phone_makes_them_tappable() -> None:
    body = (
        "Call [the desk](tel:+442079460000), [+44 20 7946 0000](tel:+442079460000), "
        "mail [us](mailto:help@aurora.example) or open <https://aurora.example/help>."
    )
    assert sms(body).body == (
        "Call the desk (+442079460000), +44 20 7946 0000, mail us (help@aurora.example) "
        "or open https://aurora.example/help."
    )


def test_a_link_without_words_shows_where_it_leads() -> None:
    assert sms("Open [](https://aurora.example/app).").body == "Open https://aurora.example/app."


# --- the segment limit ----------------------------------------------------------------------


def test_a_message_over_the_limit_is_cut_to_fit_exactly_and_ends_with_the_pointer() -> None:
    rendering = sms(words(420), public_url=PUBLIC_URL)
    sent = measure(rendering.body)
    assert rendering.body.endswith(f"...\n{POINTER}")
    assert (sent.encoding, sent.segments) == (Encoding.GSM7, 2)
    assert rendering.data["segments"] == 2 and rendering.data["truncated"] is True
    assert rendering.data["characters"] == sent.characters
    # Full: one more word ("abcd " is five septets) would take a third segment.
    assert 306 - 5 < sent.characters <= 306
    assert codes(rendering) == [("sms-too-long", Severity.WARNING)]


def test_the_warning_says_segments_limit_and_encoding() -> None:
    message = sms(words(420)).findings[0].message
    assert "3 segments" in message and "limit of 2" in message and "GSM-7" in message
    assert "KB_SMS_MAX_SEGMENTS" in message


def test_the_warning_names_the_character_that_made_it_ucs2() -> None:
    message = sms(words(150) + " façade").findings[0].message
    assert "3 segments" in message and "UCS-2" in message and "'ç' (U+00E7)" in message


def test_a_cut_without_a_public_url_ends_the_text_and_fits() -> None:
    rendering = sms(words(500), segments=1)
    assert rendering.body.endswith("abcd...") and "More:" not in rendering.body
    assert measure(rendering.body).segments == 1
    assert 160 - 5 < len(rendering.body) <= 160


def test_a_cut_russian_message_fits_its_ucs2_segments() -> None:
    rendering = sms("Слово " * 60, public_url=PUBLIC_URL, locale="ru")
    sent = measure(rendering.body)
    assert (sent.encoding, sent.segments) == (Encoding.UCS2, 2)
    assert 134 - 6 < sent.characters <= 134
    assert rendering.body.endswith(
        "Слово…\nПодробнее: https://help.example/units/check-balance?locale=ru"
    )


def test_a_cut_that_drops_the_only_ucs2_character_is_sent_as_gsm7() -> None:
    rendering = sms(words(400) + " ç", segments=2)
    assert rendering.data["encoding"] == "GSM-7"
    assert measure(rendering.body).segments == 2
    assert "UCS-2" in rendering.findings[0].message


def test_a_higher_limit_lets_the_whole_message_through() -> None:
    rendering = sms(words(380), public_url=PUBLIC_URL, segments=3)
    assert rendering.body == f"{words(380)}\n{POINTER}"
    assert rendering.data["segments"] == 3 and rendering.findings == ()


def test_an_empty_short_answer_is_an_error() -> None:
    rendering = sms("## Only a heading\n\n::: internal\nStaff text.\n:::", public_url=PUBLIC_URL)
    assert rendering.body == ""
    assert codes(rendering) == [("no-output", Severity.ERROR)]


def test_kb_check_reports_an_sms_over_its_segment_limit() -> None:
    unit = stored("long-answer", body=words(400))
    snapshot = snapshot_with(unit)
    found = [f for f in check_snapshot(snapshot, today=TODAY) if f.code == "sms-too-long"]
    assert [(f.unit_id, f.channel, f.severity) for f in found] == [
        ("long-answer", "sms", Severity.WARNING)
    ]
    allowed = check_snapshot(snapshot, today=TODAY, limits=RenderLimits(sms_max_segments=3))
    assert not [f for f in allowed if f.code == "sms-too-long"]


def test_kb_check_counts_the_public_link_the_served_message_ends_with(tmp_path: Path) -> None:
    unit = stored("nearly-full", body=words(300))  # two segments alone, three with the link
    snapshot = snapshot_with(unit)
    bare = check_snapshot(snapshot, today=TODAY)
    assert not [f for f in bare if f.code == "sms-too-long"]
    served = Settings(data_dir=tmp_path, public_url=PUBLIC_URL)
    found = check_snapshot(snapshot, today=TODAY, settings=served)
    assert [(f.unit_id, f.code) for f in found if f.code == "sms-too-long"] == [
        ("nearly-full", "sms-too-long")
    ]
