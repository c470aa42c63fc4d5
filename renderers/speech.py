"""Spoken forms for the voice channel: phone numbers digit by digit, money in words, codes as
characters, list ordinals, and how long a text takes to say.

Everything here returns plain words a text-to-speech engine reads correctly without any markup
(digits are left as numerals: every engine says "4" as the locale's word for four).
"""

from __future__ import annotations

import re

from renderers.values import money_parts

__all__ = [
    "BREAK_AFTER_LIST_ITEM_MS",
    "BREAK_AROUND_HEADING_MS",
    "WORDS_PER_MINUTE",
    "estimate_seconds",
    "language",
    "ordinal_prefix",
    "speech_lang",
    "split_codes",
    "spoken_characters",
    "spoken_money",
    "spoken_phone",
    "spoken_words",
]

#: Silence between two list items, and before and after a heading (SSML <break>).
BREAK_AFTER_LIST_ITEM_MS = 300
BREAK_AROUND_HEADING_MS = 500

#: Articulation rate per language in words per minute, pauses excluded (they are counted
#: apart below). Measured against espeak-ng 1.51 at its default rate (-s 175) on SSML made by
#: this renderer: every paragraph and list item of the sample content (en 323, ru 319) and,
#: for bg, 80 paragraphs of the Bulgarian help articles. With the pauses included the sample
#: answers come out at about 178 words a minute in English (espeak's nominal 175) and 144 in
#: Russian.
WORDS_PER_MINUTE: dict[str, float] = {"en": 225.0, "ru": 167.0, "bg": 160.0}
_DEFAULT_WPM = 180.0
#: Pauses a synthesiser makes by itself, in seconds, measured with the same voices: at the end
#: of each sentence (<s>), at the end of a paragraph (<p>), at a comma, semicolon, colon or dash.
SENTENCE_PAUSE_S = 0.68
PARAGRAPH_PAUSE_S = 0.08
CLAUSE_PAUSE_S = 0.24
#: A digit said alone ("4" in a phone number) is a short word next to an average Russian or
#: Bulgarian word (0.6 of one, measured); in English it is as long as the average word.
_NUMBER_WEIGHT: dict[str, float] = {"ru": 0.6, "bg": 0.6}
#: An acronym (SMS, PAC) is spelled or said as a short word: half a word per letter.
_ACRONYM_LETTER_WEIGHT = 0.5

_SSML_LANG = {"en": "en-GB", "ru": "ru-RU", "bg": "bg-BG"}
_PLUS = {"en": "plus", "ru": "плюс", "bg": "плюс"}
_CHARACTER_NAMES = {
    "en": {"*": "star", "#": "hash"},
    "ru": {"*": "звёздочка", "#": "решётка"},
    "bg": {"*": "звездичка", "#": "диез"},
}
_ORDINALS = {
    "en": [
        "First",
        "Second",
        "Third",
        "Fourth",
        "Fifth",
        "Sixth",
        "Seventh",
        "Eighth",
        "Ninth",
        "Tenth",
    ],
    "ru": [
        "Во-первых",
        "Во-вторых",
        "В-третьих",
        "В-четвёртых",
        "В-пятых",
        "В-шестых",
        "В-седьмых",
        "В-восьмых",
        "В-девятых",
        "В-десятых",
    ],
    "bg": [
        "Първо",
        "Второ",
        "Трето",
        "Четвърто",
        "Пето",
        "Шесто",
        "Седмо",
        "Осмо",
        "Девето",
        "Десето",
    ],
}

#: Currency words: (major unit forms, minor unit forms). English and Bulgarian forms are
#: (one, other); Russian ones are (one, few, many) as Russian counting needs.
_CURRENCY_WORDS: dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "en": {
        "GBP": (("pound", "pounds"), ("penny", "pence")),
        "EUR": (("euro", "euros"), ("cent", "cents")),
        "USD": (("dollar", "dollars"), ("cent", "cents")),
        "RUB": (("rouble", "roubles"), ("kopeck", "kopecks")),
        "BGN": (("lev", "leva"), ("stotinka", "stotinki")),
    },
    "ru": {
        "GBP": (("фунт", "фунта", "фунтов"), ("пенс", "пенса", "пенсов")),
        "EUR": (("евро", "евро", "евро"), ("цент", "цента", "центов")),
        "USD": (("доллар", "доллара", "долларов"), ("цент", "цента", "центов")),
        "RUB": (("рубль", "рубля", "рублей"), ("копейка", "копейки", "копеек")),
        "BGN": (("лев", "лева", "левов"), ("стотинка", "стотинки", "стотинок")),
    },
    "bg": {
        "GBP": (("паунд", "паунда"), ("пени", "пенса")),
        "EUR": (("евро", "евро"), ("евроцент", "евроцента")),
        "USD": (("долар", "долара"), ("цент", "цента")),
        "RUB": (("рубла", "рубли"), ("копейка", "копейки")),
        "BGN": (("лев", "лева"), ("стотинка", "стотинки")),
    },
}

#: A code read out character by character in a text snippet: a USSD or star code (`*100#`,
#: `#31#`) or a run of three or more digits (a short number like 150); shorter numbers
#: stay numbers ("24 hours").
_CODE = re.compile(r"(?<![\w*#])(?:[\d*#]*[*#][\d*#]*|\d{3,})(?![\w*#])")
_SPOKEN_TOKEN = re.compile(r"\d+|[^\W\d_]+|[£$€₽%]")
_CLAUSE = re.compile(r"[,;:\u2013\u2014]")


def language(locale: str) -> str:
    """`en-GB` -> `en`: the part that decides words and voices."""
    return locale.split("-")[0].lower()


def speech_lang(locale: str) -> str:
    """The SSML `xml:lang` for a unit locale: en -> en-GB, ru -> ru-RU, bg -> bg-BG."""
    return _SSML_LANG.get(locale, locale)


def spoken_phone(value: str, locale: str) -> str:
    """`+44 20 7946 0000` -> `plus 4 4, 2 0, 7 9 4 6, 0 0 0 0`: digits one by one, in groups."""
    plus = _PLUS.get(language(locale), _PLUS["en"]) if value.strip().startswith("+") else ""
    groups: list[str] = []
    for group in value.replace("+", " ").split():
        digits = re.sub(r"\D", "", group)
        groups.extend(_chunks(digits))
    spoken = ", ".join(" ".join(group) for group in groups if group)
    return f"{plus} {spoken}".strip()


def _chunks(digits: str) -> list[str]:
    """Split an unbroken run of digits into groups of three (never a lone last digit)."""
    if len(digits) <= 4:
        return [digits]
    chunks = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    if len(chunks[-1]) == 1:
        chunks[-2:] = [chunks[-2] + chunks[-1]]
    return chunks


def _plural(count: int, forms: tuple[str, ...], lang: str) -> str:
    """The form of a unit word for `count` (Russian has three forms, the others two)."""
    if lang == "ru" and len(forms) == 3:
        if count % 10 == 1 and count % 100 != 11:
            return forms[0]
        if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
            return forms[1]
        return forms[2]
    return forms[0] if count == 1 else forms[-1]


def spoken_money(value: str, locale: str) -> str:
    """`12.99 GBP` -> `12 pounds 99` (en) or `12 фунтов 99 пенсов` (ru): words, not symbols.

    English says the pence without a unit, as people do ("twelve pounds ninety-nine");
    Russian and Bulgarian need the unit word. An unknown currency code is spelled out.
    """
    amount, currency = money_parts(value)
    lang = language(locale)
    words = _CURRENCY_WORDS.get(lang, _CURRENCY_WORDS["en"]).get(currency)
    major, minor = int(amount), int((amount - int(amount)) * 100)
    if words is None:
        number = f"{amount:.2f}" if minor else str(major)
        return f"{number} {' '.join(currency)}"
    major_words, minor_words = words
    if major == 0 and minor:
        return f"{minor} {_plural(minor, minor_words, lang)}"
    spoken = f"{major} {_plural(major, major_words, lang)}"
    if minor:
        unit = "" if lang == "en" else f" {_plural(minor, minor_words, lang)}"
        spoken += f" {minor}{unit}"
    return spoken


def split_codes(text: str) -> list[tuple[str, bool]]:
    """A text snippet cut into (part, is_code) pieces: codes are spoken character by character."""
    parts: list[tuple[str, bool]] = []
    position = 0
    for match in _CODE.finditer(text):
        if match.start() > position:
            parts.append((text[position : match.start()], False))
        parts.append((match.group(0), True))
        position = match.end()
    if position < len(text):
        parts.append((text[position:], False))
    return parts


def spoken_characters(code: str, locale: str) -> str:
    """`*100#` -> `star 1 0 0 hash` (ru: `звёздочка 1 0 0 решётка`)."""
    names = _CHARACTER_NAMES.get(language(locale), _CHARACTER_NAMES["en"])
    return " ".join(names.get(char, char) for char in code if not char.isspace())


def ordinal_prefix(number: int, locale: str) -> str:
    """What starts item `number` of an ordered list: `First,` ... `Tenth,`, then `11:`
    (not `11.`, which would end the sentence)."""
    ordinals = _ORDINALS.get(language(locale), _ORDINALS["en"])
    if 1 <= number <= len(ordinals):
        return f"{ordinals[number - 1]},"
    return f"{number}:"


def spoken_words(text: str, locale: str) -> float:
    """How many words a synthesiser says for `text`: numbers are said as several words
    ("2027": two thousand and twenty-seven), acronyms letter by letter, symbols as a word."""
    number_weight = _NUMBER_WEIGHT.get(language(locale), 1.0)
    count = 0.0
    for token in _SPOKEN_TOKEN.findall(text):
        if token.isdigit():
            digits = len(token)
            words = 1.0 if digits == 1 else 1.5 if digits == 2 else digits + 1.0
            count += words * number_weight
        elif len(token) > 1 and token.isupper():
            count += _ACRONYM_LETTER_WEIGHT * len(token)
        else:
            count += 1.0
    return count


def estimate_seconds(
    text: str, locale: str, *, sentences: int, paragraphs: int, break_ms: int
) -> float:
    """How long `text` takes to say: its words at the language's rate, the pauses a
    synthesiser makes at clauses, sentences and paragraphs, and the explicit breaks."""
    wpm = WORDS_PER_MINUTE.get(language(locale), _DEFAULT_WPM)
    seconds = spoken_words(text, locale) * 60.0 / wpm
    seconds += len(_CLAUSE.findall(text)) * CLAUSE_PAUSE_S
    seconds += sentences * SENTENCE_PAUSE_S + paragraphs * PARAGRAPH_PAUSE_S
    seconds += break_ms / 1000.0
    return round(seconds, 1)
