"""The IVR channel: well-formed SSML of the short answer, spoken snippets, nothing unsayable."""

from __future__ import annotations

import re
from types import MappingProxyType
from xml.etree import ElementTree

import pytest

from kb import Snapshot, SnippetType
from kb.content.markdown import KNOWN_TOKEN_TYPES, parse_body
from renderers.base import RenderContext, Rendering, RenderLimits, Severity
from renderers.ivr import SSML_NAMESPACE, IvrRenderer, IvrState
from renderers.speech import ordinal_prefix, spoken_characters, spoken_money, spoken_phone
from tests.renderers.conftest import SNIPPETS, TODAY, render, snapshot_with, stored

IVR = IvrRenderer()
SPEAK = f"{{{SSML_NAMESPACE}}}speak"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def parse_ssml(rendering: Rendering) -> ElementTree.Element:
    """The SSML as an element tree; fails the test if it is not well-formed."""
    return ElementTree.fromstring(rendering.body)


def spoken(rendering: Rendering) -> str:
    """Every character of text in the SSML, markup removed."""
    return "".join(parse_ssml(rendering).itertext())


def codes(rendering: Rendering) -> list[tuple[str, Severity]]:
    """The findings as (code, severity) pairs."""
    return [(f.code, f.severity) for f in rendering.findings]


def ivr_units(snapshot: Snapshot) -> list:  # type: ignore[type-arg]
    """Sample units the IVR serves: public, and not limited to other channels."""
    return [
        unit
        for unit in snapshot.iter_units()
        if unit.document.audience == "public"
        and (unit.document.channels is None or "ivr" in unit.document.channels)
    ]


# --- the sample content ------------------------------------------------------------------------


def test_every_sample_unit_enabled_for_ivr_renders_well_formed_ssml_without_findings(
    sample_snapshot: Snapshot,
) -> None:
    units = ivr_units(sample_snapshot)
    assert len(units) >= 60
    for unit in units:
        context = RenderContext.from_snapshot(sample_snapshot, unit, today=TODAY)
        rendering = IVR.render(context)
        root = parse_ssml(rendering)
        assert root.tag == SPEAK, unit.key
        assert root.get("version") == "1.1"
        assert root.get(XML_LANG) == {"en": "en-GB", "ru": "ru-RU"}[unit.document.locale]
        assert root.findall(f"{{{SSML_NAMESPACE}}}p"), unit.key
        assert rendering.data["text"].strip(), unit.key
        assert "://" not in rendering.data["text"] and "://" not in spoken(rendering)
        assert 0 < rendering.data["duration_seconds"] <= rendering.data["max_seconds"]
        assert rendering.findings == (), (unit.key, rendering.findings)


def test_sample_internal_notes_and_other_channels_blocks_are_never_spoken(
    sample_snapshot: Snapshot,
) -> None:
    unit = sample_snapshot.units[("check-balance", "en")]
    rendering = IVR.render(RenderContext.from_snapshot(sample_snapshot, unit, today=TODAY))
    for hidden in ("identity check", "usage log", "My Account", "unit:"):
        assert hidden not in rendering.body and hidden not in rendering.data["text"]
    assert "To hear your balance now, press 1." in rendering.data["text"]


# --- what is spoken -------------------------------------------------------------------------


def test_internal_blocks_are_never_spoken_wherever_they_are_nested() -> None:
    body = (
        ":::: summary\nPublic summary.\n\n::: internal\nSECRET-A\n:::\n::::\n\n"
        "First paragraph.\n\n::: internal\nSECRET-B\n:::\n\n"
        ":::: only ivr\nPress 1.\n\n::: internal\nSECRET-C\n:::\n\n{{ notes }}\n::::\n"
    )
    snippets = {**SNIPPETS, "notes": (SnippetType.MARKDOWN, "Fine.\n\n::: internal\nSECRET-D\n:::")}
    rendering = render(IVR, body, snippets=snippets)
    assert "SECRET" not in rendering.body and "SECRET" not in rendering.data["text"]
    assert rendering.data["text"] == "Public summary.\nPress 1.\nFine."


def test_the_internal_rule_refuses_as_a_last_line_of_defence() -> None:
    tokens = parse_body("::: internal\nSecret.\n:::\n").tokens
    unit = stored(body="x")
    state = IvrState(RenderContext.from_snapshot(snapshot_with(unit), unit), "ivr", IVR.rules)
    with pytest.raises(AssertionError, match="container_internal_open"):
        IVR.rules["container_internal_open"](state, tokens, 0)


def test_only_blocks_for_other_channels_are_silent_and_ivr_blocks_are_spoken() -> None:
    rendering = render(
        IVR,
        "Answer.\n\n::: only web chatbot\nWEB-ONLY\n:::\n\n::: only ivr\nPress 2 for more.\n:::",
    )
    assert "WEB-ONLY" not in rendering.body and "WEB-ONLY" not in rendering.data["text"]
    assert rendering.data["text"] == "Answer.\nPress 2 for more."


def test_summary_is_spoken_instead_of_the_first_paragraph() -> None:
    body = "The long first paragraph.\n\n::: summary\nThe short version.\n:::\n\nMore detail."
    assert render(IVR, body).data["text"] == "The short version."
    assert render(IVR, "The first paragraph.\n\nMore detail.").data["text"] == (
        "The first paragraph."
    )


def test_paragraphs_are_split_into_sentences() -> None:
    rendering = render(IVR, "One thing. Two things! Three things? Four 2.50 e.g.five")
    sentences = [s.text for s in parse_ssml(rendering).iter(f"{{{SSML_NAMESPACE}}}s")]
    assert sentences == ["One thing.", "Two things!", "Three things?", "Four 2.50 e.g.five."]


def test_list_items_are_sentences_with_breaks_and_headings_are_set_apart() -> None:
    body = "Intro.\n\n::: only ivr\n## Options\n\n1. Pay now\n2. Pay later\n\n- Cards\n- Cash\n:::"
    rendering = render(IVR, body)
    assert rendering.data["text"] == (
        "Intro.\nOptions.\nFirst, Pay now. Second, Pay later.\nCards. Cash."
    )
    assert '<break time="500ms"/>\n<p><s>Options.</s></p>\n<break time="500ms"/>' in rendering.body
    assert '<s>First, Pay now.</s><break time="300ms"/><s>Second, Pay later.</s>' in rendering.body
    assert '<s>Cards.</s><break time="300ms"/><s>Cash.</s>' in rendering.body
    assert not rendering.findings


def test_markdown_snippet_is_spoken_by_the_same_rules() -> None:
    rendering = render(IVR, "{{ identity_check }}")
    assert rendering.data["text"] == "Ask for the date of birth.\nThen the PIN."
    assert "<strong>" not in rendering.body and "**" not in rendering.body


# --- snippets ----------------------------------------------------------------------------------


def test_phone_is_marked_as_telephone_and_spoken_digit_by_digit() -> None:
    rendering = render(IVR, "Call {{ support_phone }} now.")
    assert '<say-as interpret-as="telephone">+44 20 7946 0000</say-as>' in rendering.body
    assert rendering.data["text"] == "Call plus 4 4, 2 0, 7 9 4 6, 0 0 0 0 now."
    ru = render(IVR, "Позвоните {{ support_phone }}.", locale="ru")
    assert ru.data["text"] == "Позвоните плюс 4 4, 2 0, 7 9 4 6, 0 0 0 0."


def test_money_is_marked_as_currency_and_spoken_in_words() -> None:
    rendering = render(IVR, "It costs {{ plan_price }} a month.")
    assert '<say-as interpret-as="currency">12 pounds 99</say-as>' in rendering.body
    assert rendering.data["text"] == "It costs 12 pounds 99 a month."
    ru = render(IVR, "Стоимость {{ plan_price }} в месяц.", locale="ru")
    assert '<say-as interpret-as="currency">12 фунтов 99 пенсов</say-as>' in ru.body
    assert "£" not in ru.data["text"] and "GBP" not in ru.data["text"]


def test_date_is_marked_as_ymd_date_and_spoken_as_day_month_year() -> None:
    rendering = render(IVR, "From {{ price_date }}.")
    assert '<say-as interpret-as="date" format="ymd">2027-04-01</say-as>' in rendering.body
    assert rendering.data["text"] == "From 1 April 2027."
    assert render(IVR, "С {{ price_date }}.", locale="ru").data["text"] == "С 1 апреля 2027."


def test_codes_in_text_snippets_are_spoken_character_by_character() -> None:
    snippets = {**SNIPPETS, "short": (SnippetType.TEXT, "150 (24 hours)")}
    rendering = render(IVR, "Dial {{ ussd }} or {{ short }}.", snippets=snippets)
    assert '<say-as interpret-as="characters">*100#</say-as>' in rendering.body
    assert '<say-as interpret-as="characters">150</say-as> (24 hours)' in rendering.body
    assert rendering.data["text"] == "Dial star 1 0 0 hash or 1 5 0 (24 hours)."
    ru = render(IVR, "Наберите {{ ussd }}.", locale="ru")
    assert ru.data["text"] == "Наберите звёздочка 1 0 0 решётка."


def test_full_stop_after_a_say_as_is_left_to_the_sentence_end() -> None:
    """espeak-ng reads a lone "." after an element as "dot"; </s> ends the sentence instead."""
    rendering = render(IVR, "Call {{ support_phone }}.")
    assert rendering.body.count("</say-as></s>") == 1
    assert rendering.data["text"].endswith("0 0 0 0.")


def test_unknown_snippet_is_an_error_and_never_spoken_as_braces() -> None:
    rendering = render(IVR, "Call {{ nope }} now.")
    assert codes(rendering) == [("unresolved-snippet", Severity.ERROR)]
    assert "{{" not in rendering.body and "nope" not in rendering.data["text"]


@pytest.mark.parametrize(
    ("value", "locale", "words"),
    [
        ("12.99 GBP", "en", "12 pounds 99"),
        ("12.00 GBP", "en", "12 pounds"),
        ("1.50 GBP", "en", "1 pound 50"),
        ("0.99 GBP", "en", "99 pence"),
        ("12.99 GBP", "ru", "12 фунтов 99 пенсов"),
        ("1.50 GBP", "ru", "1 фунт 50 пенсов"),
        ("2.03 GBP", "ru", "2 фунта 3 пенса"),
        ("21.00 GBP", "ru", "21 фунт"),
        ("5.00 EUR", "bg", "5 евро"),
        ("7.25 CHF", "en", "7.25 C H F"),
    ],
)
def test_money_words(value: str, locale: str, words: str) -> None:
    assert spoken_money(value, locale) == words


def test_spoken_forms_of_phones_codes_and_ordinals() -> None:
    assert spoken_phone("+442079460000", "en") == "plus 4 4 2, 0 7 9, 4 6 0, 0 0 0"
    assert spoken_phone("+44 20 7946 0000", "bg") == "плюс 4 4, 2 0, 7 9 4 6, 0 0 0 0"
    assert spoken_characters("#31#", "bg") == "диез 3 1 диез"
    assert [ordinal_prefix(n, "ru") for n in (1, 3, 11)] == ["Во-первых,", "В-третьих,", "11:"]


# --- what is never spoken ---------------------------------------------------------------------


def test_a_link_speaks_its_label_and_never_its_address() -> None:
    rendering = render(
        IVR,
        "Read [our help page](https://aurora-mobile.example/help), "
        "[tariffs](unit:tariffs) or [help]({{ help_url }}).",
    )
    assert rendering.data["text"] == "Read our help page, tariffs or help."
    for address in ("https", "aurora-mobile.example", "unit:", "snippet:", "href"):
        assert address not in rendering.body
    assert rendering.findings == ()


def test_url_snippet_is_left_out_with_a_warning() -> None:
    rendering = render(IVR, "Help is online {{ help_url }} and in the app.")
    assert rendering.data["text"] == "Help is online and in the app."
    assert "aurora-mobile.example" not in rendering.body
    assert codes(rendering) == [("ivr-url-snippet", Severity.WARNING)]


@pytest.mark.parametrize(
    "text", ["Visit https://aurora-mobile.example now.", "Go to www.example.com today."]
)
def test_a_web_address_in_the_text_is_an_error(text: str) -> None:
    assert ("ivr-url", Severity.ERROR) in codes(render(IVR, text))


def test_tables_are_skipped_whole_with_a_warning() -> None:
    body = "Prices.\n\n::: only ivr\n| Plan | Price |\n| --- | --- |\n| Lite | 12 |\n\nAfter.\n:::"
    rendering = render(IVR, body)
    assert rendering.data["text"] == "Prices.\nAfter."
    assert "Lite" not in rendering.body and "Plan" not in rendering.body
    assert codes(rendering) == [("ivr-table-skipped", Severity.WARNING)]


def test_code_and_images_are_not_read_out() -> None:
    body = (
        "Set `apn.internet` now ![logo](https://x.example/logo.png).\n\n"
        "::: only ivr\n```\nx=1\n```\n:::"
    )
    rendering = render(IVR, body)
    assert rendering.data["text"] == "Set now."
    assert "apn" not in rendering.body and "logo" not in rendering.body
    assert codes(rendering) == [("ivr-code-skipped", Severity.WARNING)] * 2


def test_struck_out_text_is_not_spoken() -> None:
    assert render(IVR, "Now ~~12 pounds~~ 10 pounds.").data["text"] == "Now 10 pounds."


# --- escaping ----------------------------------------------------------------------------------


def test_hostile_text_stays_escaped_text_everywhere() -> None:
    hostile = '</speak><audio src="x"/> & < \' "q"'
    snippets = {
        **SNIPPETS,
        "evil": (SnippetType.TEXT, hostile),
        "evil_md": (SnippetType.MARKDOWN, hostile),
    }
    body = f"Say {hostile} [{hostile}](unit:tariffs) {{{{ evil }}}} {{{{ evil_md }}}}\x07 end."
    rendering = render(IVR, body, snippets=snippets)
    root = parse_ssml(rendering)
    assert root.tag == SPEAK
    assert "<audio" not in rendering.body
    assert not list(root.iter("audio")) and not list(root.iter(f"{{{SSML_NAMESPACE}}}audio"))
    assert spoken(rendering).count('</speak><audio src="x"/>') == 4
    assert rendering.body.count("&lt;/speak&gt;&lt;audio src=&quot;x&quot;/&gt;") == 4
    assert rendering.body.strip().endswith("</speak>") and rendering.body.count("</speak>") == 1


def test_locale_decides_the_ssml_language() -> None:
    langs = {loc: parse_ssml(render(IVR, "Hi.", locale=loc)).get(XML_LANG) for loc in SSML_LANGS}
    assert langs == SSML_LANGS


SSML_LANGS = {"en": "en-GB", "ru": "ru-RU", "bg": "bg-BG", "de": "de"}


# --- length and limits -------------------------------------------------------------------------


def test_an_answer_too_long_to_listen_to_is_an_error() -> None:
    long_speech = " ".join(["Please listen carefully to all of the following options."] * 12)
    rendering = render(IVR, long_speech)
    assert rendering.data["duration_seconds"] > 30
    [finding] = rendering.findings
    assert (finding.code, finding.severity, finding.channel) == (
        "ivr-too-long",
        Severity.ERROR,
        "ivr",
    )
    assert f"{rendering.data['duration_seconds']:.0f} s, limit 30 s" in finding.message


def test_the_length_limit_is_configurable() -> None:
    text = "Press 1 to hear your balance, or press 2 to top up your account today."
    default = render(IVR, text)
    assert default.findings == () and default.data["max_seconds"] == 30.0
    tight = render(IVR, text, limits=RenderLimits(ivr_max_seconds=2))
    assert codes(tight) == [("ivr-too-long", Severity.ERROR)]
    assert tight.data["max_seconds"] == 2
    long_speech = " ".join(["Please listen carefully to all of the following options."] * 12)
    assert render(IVR, long_speech, limits=RenderLimits(ivr_max_seconds=120)).findings == ()


def test_duration_grows_with_words_and_breaks() -> None:
    one = render(IVR, "Press 1.").data["duration_seconds"]
    two = render(IVR, "Press 1. Press 2.").data["duration_seconds"]
    listed = render(IVR, "Menu.\n\n::: only ivr\n- Press 1\n- Press 2\n:::").data
    assert isinstance(one, float) and 0 < one < two < listed["duration_seconds"]


def test_nothing_to_say_is_an_error() -> None:
    rendering = render(IVR, "::: only web\nOnly on the web.\n:::")
    assert codes(rendering) == [("no-output", Severity.ERROR)]
    assert rendering.data["text"] == ""
    assert parse_ssml(rendering).tag == SPEAK


# --- the renderer itself -----------------------------------------------------------------------


def test_rule_table_covers_every_token_type_and_is_read_only() -> None:
    assert set(IVR.rules) == set(KNOWN_TOKEN_TYPES)
    assert isinstance(IVR.rules, MappingProxyType)
    with pytest.raises(TypeError):
        IVR.rules["text"] = IVR.rules["image"]  # type: ignore[index]
    assert (IVR.name, IVR.media_type, IVR.for_staff) == ("ivr", "application/ssml+xml", False)


def test_rendering_the_same_context_twice_gives_the_same_output() -> None:
    body = (
        "Call {{ support_phone }}, {{ plan_price }}.\n\n"
        "::: only ivr\n1. A\n2. B\n\n|a|\n|-|\n|1|\n:::"
    )
    unit = stored(body=body)
    context = RenderContext.from_snapshot(snapshot_with(unit), unit, today=TODAY)
    first, second = IVR.render(context), IVR.render(context)
    assert first == second
    assert first.to_json() == second.to_json()
    assert first.body == IvrRenderer().render(context).body


# --- the feedback prompt (KB_IVR_FEEDBACK_PROMPT) ------------------------------------------------


def _with_prompt(body: str, locale: str = "en", *, prompt: bool) -> Rendering:
    unit = stored(locale=locale, body=body)
    snap = snapshot_with(unit, locale=locale)
    context = RenderContext.from_snapshot(snap, unit, today=TODAY, ivr_feedback_prompt=prompt)
    return IVR.render(context)


def test_no_feedback_prompt_by_default() -> None:
    unit = stored(body="Dial {{ ussd }} to check your balance.")
    rendering = IVR.render(RenderContext.from_snapshot(snapshot_with(unit), unit, today=TODAY))
    assert rendering == _with_prompt("Dial {{ ussd }} to check your balance.", prompt=False)
    assert "feedback" not in rendering.data
    assert "press 1" not in spoken(rendering)


@pytest.mark.parametrize(
    ("locale", "prompt"),
    [
        ("en", "If this answered your question, press 1. If not, press 2."),
        ("ru", "Если мы ответили на ваш вопрос, нажмите 1. Если нет, нажмите 2."),
        ("bg", "Ако това отговори на въпроса ви, натиснете 1. Ако не, натиснете 2."),
    ],
)
def test_the_feedback_prompt_ends_the_answer_in_its_language(locale: str, prompt: str) -> None:
    answer = _with_prompt("Dial {{ ussd }} to check your balance.", locale, prompt=False)
    asked = _with_prompt("Dial {{ ussd }} to check your balance.", locale, prompt=True)
    root = parse_ssml(asked)
    *said, last = list(root)
    assert [e.tag.split("}")[1] for e in said] == ["p", "break"]
    assert "".join(last.itertext()) == prompt.replace(". ", ".")
    assert [s.tag.split("}")[1] for s in last] == ["s", "s"]
    assert asked.data["text"] == f"{answer.data['text']}\n{prompt}"
    assert asked.data["feedback"]["prompt"] == prompt
    assert asked.data["feedback"]["digits"] == {
        "1": {"unit_id": "check-balance", "helpful": True},
        "2": {"unit_id": "check-balance", "helpful": False},
    }


def test_the_feedback_prompt_is_timed_apart_and_not_held_against_the_answer_limit() -> None:
    limits = RenderLimits(ivr_max_seconds=4.0)
    unit = stored(body="Dial {{ ussd }} to check your balance.")
    snap = snapshot_with(unit)
    context = RenderContext.from_snapshot(
        snap, unit, today=TODAY, limits=limits, ivr_feedback_prompt=True
    )
    asked = IVR.render(context)
    answer, prompt = asked.data["duration_seconds"], asked.data["feedback"]["duration_seconds"]
    assert answer < 4.0 < answer + prompt
    assert "ivr-too-long" not in [code for code, _ in codes(asked)]


def test_every_sample_ivr_unit_with_the_prompt_is_well_formed_and_ends_with_it(
    sample_snapshot: Snapshot,
) -> None:
    for unit in ivr_units(sample_snapshot):
        context = RenderContext.from_snapshot(
            sample_snapshot, unit, today=TODAY, ivr_feedback_prompt=True
        )
        rendering = IVR.render(context)
        prompt = rendering.data["feedback"]["prompt"]
        assert rendering.data["text"].endswith("\n" + prompt), unit.key
        assert "".join(list(parse_ssml(rendering))[-1].itertext()) == prompt.replace(". ", ".")


def test_the_feedback_keys_never_collide_with_the_answers_own_menu() -> None:
    body = "To hear your balance now, press 1. To top up, press 2. For an operator, press 4."
    asked = _with_prompt(body, prompt=True)
    feedback = asked.data["feedback"]
    assert feedback["prompt"] == "If this answered your question, press 3. If not, press 5."
    assert feedback["digits"] == {
        "3": {"unit_id": "check-balance", "helpful": True},
        "5": {"unit_id": "check-balance", "helpful": False},
    }


def test_every_sample_ivr_unit_asks_for_feedback_on_keys_its_menu_leaves_free(
    sample_snapshot: Snapshot,
) -> None:
    for unit in ivr_units(sample_snapshot):
        answer = IVR.render(RenderContext.from_snapshot(sample_snapshot, unit, today=TODAY))
        context = RenderContext.from_snapshot(
            sample_snapshot, unit, today=TODAY, ivr_feedback_prompt=True
        )
        keys = set(IVR.render(context).data["feedback"]["digits"])
        said = set(re.findall(r"(?:press|нажмите|натиснете) (\d)", str(answer.data["text"])))
        assert len(keys) == 2 and not keys & said, unit.key
