"""Redaction: what identifies a customer never reaches the event store, ordinary numbers do.

Examples in English, Russian and Bulgarian for every kind of value; the numbers ordinary
questions carry (amounts, years, dates, times, percentages, short codes) left alone; and two
property tests: hypothesis writes questions from templates in the three languages around
generated e-mail addresses, phone numbers (phonenumbers' examples for US, GB, RU and BG in
national, international and E.164 form), Luhn-valid card numbers, valid IBANs and long digit
runs, with random separators, and proves that none of them (nor its digits) is left, first by
`redact` and then in the `question` column of events a real knowledge base stored.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from dataclasses import replace

import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb import KnowledgeBase
from kb.events.redaction import redact
from kb.events.served import Served
from kb.events.store import event_by_receipt
from kb.settings import Settings

#: What each kind of value becomes: readable, so an editor sees what kind of thing was said.
PLACEHOLDERS = ("[email]", "[phone]", "[card]", "[iban]", "[number]")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Write to ivan.petrov+kb@example.co.uk, please", "Write to [email], please"),
        ("Мой e-mail: anna_1990@mail.ru, ответьте", "Мой e-mail: [email], ответьте"),
        ("Пишете на maria.ivanova@abv.bg.", "Пишете на [email]."),
        ("пишите на иван@почта.рф", "пишите на [email]"),
    ],
)
def test_email_addresses_are_replaced(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Call me at (415) 555-0132 after six", "Call me at [phone] after six"),
        ("my number is +1-415-555-0132", "my number is [phone]"),
        ("UK mobile 07400 123456, landline 020 7946 0958", "UK mobile [phone], landline [phone]"),
        ("or +44 20 7946 0958 from abroad", "or [phone] from abroad"),
        ("Мой номер 8 (912) 345-67-89, перезвоните", "Мой номер [phone], перезвоните"),
        ("Звоните +7 912 345 67 89 или 8-800-555-35-35", "Звоните [phone] или [phone]"),
        ("Телефонът ми е 0888 123 456", "Телефонът ми е [phone]"),
        ("Обадете се на +359 88 123 4567 или 02 987 6543", "Обадете се на [phone] или [phone]"),
        ("from Germany: +49 30 123456", "from Germany: [phone]"),
    ],
)
def test_phone_numbers_are_replaced(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_the_locale_adds_its_region_national_numbers() -> None:
    text = "Ligue para (11) 96123-4567"
    assert redact(text, "pt-BR") == "Ligue para [phone]"
    assert "96123-4567" not in redact(text)  # without the region: a long number all the same


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My card 4111 1111 1111 1111 was declined", "My card [card] was declined"),
        ("Карта 5500-0000-0000-0004 заблокирована", "Карта [card] заблокирована"),
        ("Картата ми 2200 7001 2345 6781 е блокирана", "Картата ми [card] е блокирана"),
        ("amex 3782 822463 10005", "amex [card]"),
    ],
)
def test_card_numbers_are_replaced_whole(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_a_card_number_failing_the_luhn_check_is_still_a_long_number() -> None:
    assert redact("card 4111 1111 1111 1112") == "card [number]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IBAN DE89 3704 0044 0532 0130 00 please", "IBAN [iban] please"),
        ("send to GB82WEST12345698765432, thanks", "send to [iban], thanks"),
        ("Перевёл на FR14 2004 1010 0505 0001 3M02 606 вчера", "Перевёл на [iban] вчера"),
        ("Моят IBAN е BG80 BNBG 9661 1020 3456 78.", "Моят IBAN е [iban]."),
        ("lowercase de89370400440532013000 too", "lowercase [iban] too"),
    ],
)
def test_ibans_are_replaced(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("account 40817810099910004312", "account [number]"),
        ("Паспорт 45 10 123456 утерян", "Паспорт [number] утерян"),
        ("ЕГН 7501020018, лична карта AA1234567", "ЕГН [number], лична карта AA[number]"),
        ("policy 123-456-789", "policy [number]"),
    ],
)
def test_long_digit_runs_are_replaced(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Can I pay 100 euros in cash?",
        "Перевод 1 500 рублей не прошёл",
        "Абонаментът струва 5.99 лв. на месец",
        "What changed in 2024?",
        "Платёж от 12.03.2025 не дошёл",
        "invoice of 2025-03-12 and of 12-03-2025",
        "tariffs for 2023-2024",
        "Има ли 5G в София?",
        "My PIN has 4 digits, can it have 6?",
        "Офисът работи от 9:00 до 18:00",
        "open 14:00-18:00 on Saturdays",
        "Скидка 15% или 3.5% кэшбэк?",
        "Кредит на 1 500 000 рублей",
        "a loan of 1 500 000 €",
        "I sent $1,500,000 and 2,000.50 EUR",
        "version 10.2.1, error 404",
        "call 112 or *100#",
    ],
)
def test_ordinary_numbers_are_left_alone(text: str) -> None:
    assert redact(text) == text


def test_a_question_without_digits_or_at_sign_is_returned_as_it_is() -> None:
    text = "How do I change my tariff?"
    assert redact(text) is text


# --- generated values ---------------------------------------------------------------------

_TYPES = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.TOLL_FREE,
)
_FORMATS = (
    phonenumbers.PhoneNumberFormat.NATIONAL,
    phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    phonenumbers.PhoneNumberFormat.E164,
)


def _separated(draw: st.DrawFn, groups: list[str], separators: tuple[str, ...]) -> str:
    """`groups` joined, a separator drawn for each gap."""
    text = groups[0]
    for group in groups[1:]:
        text += draw(st.sampled_from(separators)) + group
    return text


@st.composite
def phone_numbers(draw: st.DrawFn) -> str:
    """An example number of US, GB, RU or BG, its last digits varied, written as people do."""
    region = draw(st.sampled_from(("US", "GB", "RU", "BG")))
    number = phonenumbers.example_number_for_type(region, draw(st.sampled_from(_TYPES)))
    national = str(number.national_number)
    varied = national[:-4] + draw(st.text(string.digits, min_size=4, max_size=4))
    candidate = phonenumbers.parse(f"+{number.country_code}{varied}")
    if phonenumbers.is_valid_number(candidate):
        number = candidate
    written = phonenumbers.format_number(number, draw(st.sampled_from(_FORMATS)))
    return _separated(draw, re.split(r"[ -]", written), (" ", "-", ""))


def _luhn_digit(digits: str) -> str:
    """The check digit that makes `digits` + it pass the Luhn check."""
    total = 0
    for position, ch in enumerate(reversed(digits)):
        value = int(ch) * (1 if position % 2 else 2)
        total += value - 9 if value > 9 else value
    return str(-total % 10)


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    """A Luhn-valid number of 13-19 digits (Visa, Mastercard, Mir, Amex...), in groups."""
    prefix = draw(st.sampled_from(("4", "51", "55", "2200", "2204", "34", "37", "6011")))
    length = draw(st.integers(13, 19))
    body = prefix + draw(st.text(string.digits, min_size=length - len(prefix) - 1, max_size=18))
    digits = body[: length - 1]
    digits += _luhn_digit(digits)
    groups = [digits[i : i + 4] for i in range(0, len(digits), 4)]
    return _separated(draw, groups, (" ", "-", ""))


def _iban_check(country: str, bban: str) -> str:
    """ISO 13616 check digits for `bban` in `country`."""
    moved = bban + country + "00"
    return f"{98 - int(''.join(str(int(ch, 36)) for ch in moved)) % 97:02d}"


@st.composite
def ibans(draw: st.DrawFn) -> str:
    """A valid IBAN of any country code, digits and capitals, electronic or in groups of 4."""
    country = draw(st.text(string.ascii_uppercase, min_size=2, max_size=2))
    alphabet = st.sampled_from(string.digits * 3 + string.ascii_uppercase)
    bban = "".join(draw(st.lists(alphabet, min_size=11, max_size=30)))
    iban = country + _iban_check(country, bban) + bban
    if draw(st.booleans()):
        return iban
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


#: What a run of digits may look like and stay: a year range or a date written with dashes.
_KEPT_SHAPES = ((4, 4), (4, 2, 2), (2, 2, 4))


@st.composite
def digit_runs(draw: st.DrawFn) -> str:
    """7 to 30 digits (an account or passport number), in groups of random sizes."""
    digits = draw(st.text(string.digits, min_size=7, max_size=30))
    cuts = sorted(draw(st.sets(st.integers(1, len(digits) - 1), max_size=5)))
    groups = [digits[a:b] for a, b in zip([0, *cuts], [*cuts, len(digits)], strict=True)]
    if tuple(map(len, groups)) in _KEPT_SHAPES:  # "2024-2025" is a year range, not an id
        groups = [digits]
    return _separated(draw, groups, (" ", "-", " - "))


_VALUES = st.one_of(st.emails(), phone_numbers(), card_numbers(), ibans(), digit_runs())

TEMPLATES = (
    "My phone is {} and my email is {}, please call me back",
    "I paid with card {} yesterday but the money is gone",
    "Why was my transfer to {} rejected?",
    "please change the number on my account from {} to {}",
    "hi, {} here, how do I reset my password",
    "Мой телефон {}, перезвоните пожалуйста",
    "Почему не прошёл платёж по карте {}?",
    "Перевод на счёт {} не дошёл, мой e-mail {}",
    "Моят телефон е {}, обадете ми се",
    "Картата ми {} е блокирана. Какво да правя?",
    "Преведох пари по IBAN {} и не са пристигнали",
    "Пишете ми на {} или на {}.",
)


@st.composite
def questions(draw: st.DrawFn) -> tuple[str, str, list[str]]:
    """(template, question, the values put in it)."""
    template = draw(st.sampled_from(TEMPLATES))
    values = [draw(_VALUES) for _ in range(template.count("{}"))]
    return template, template.format(*values), values


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def assert_nothing_left(template: str, values: list[str], text: str) -> None:
    """No value nor its digits is in `text`, which is `template` with a placeholder per value."""
    for value in values:
        assert value not in text
        if len(_digits(value)) >= 7:
            assert _digits(value) not in _digits(text)
    placeholder = "(?:" + "|".join(map(re.escape, PLACEHOLDERS)) + ")"
    shape = placeholder.join(map(re.escape, template.split("{}")))
    assert re.fullmatch(shape, text), text


@settings(max_examples=200, deadline=None)
@given(questions())
def test_no_generated_value_survives_redaction(question: tuple[str, str, list[str]]) -> None:
    template, text, values = question
    assert_nothing_left(template, values, redact(text))


# --- through the event store --------------------------------------------------------------


@pytest.fixture
def textless_kb(settings: Settings, kb: KnowledgeBase) -> Iterator[KnowledgeBase]:
    """A second knowledge base on `kb`'s database whose events keep no question text."""
    with KnowledgeBase.open(replace(settings, events_store_text=False)) as knowledge_base:
        yield knowledge_base


def _stored_question(kb: KnowledgeBase, question: str, locale: str = "en") -> str | None:
    """The question column of the event `kb` records for `question`."""
    receipt = kb.events.record(
        Served(kind="answer", channel="web", locale=locale, release=1, status="no_answer"),
        question=question,
    )
    assert receipt is not None and kb.events.flush()
    event = event_by_receipt(kb.db, receipt)
    assert event is not None
    return event.question


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(questions())
def test_stored_questions_keep_no_generated_value(
    kb: KnowledgeBase, textless_kb: KnowledgeBase, question: tuple[str, str, list[str]]
) -> None:
    template, text, values = question
    stored = _stored_question(kb, text)
    assert stored is not None
    assert_nothing_left(template, values, stored)
    assert _stored_question(textless_kb, text) is None


def test_the_event_locale_reaches_redaction(kb: KnowledgeBase) -> None:
    assert _stored_question(kb, "Ligue (11) 96123-4567", "pt-BR") == "Ligue [phone]"
