"""Which of a release's locales a question is written in: by its script, then by its words.

A small, rule-based detector over the locales a release has (measured in
benchmarks/locale_detection.py). The script narrows the choice: Cyrillic letters rule out the
Latin-script locales and the reverse. Within one script, letters and words that only one
language has decide: Russian writes ы, э and ё and puts ь before consonants and at the ends of
words, Bulgarian uses ъ as a vowel ("къде", "също") and says "е", "ще", "как да", "какво";
Ukrainian has і, ї and є. When nothing tells the candidates apart, the detector says so (None)
rather than guess, unless the default locale is among them.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping

__all__ = ["detect_locale", "language_of", "likely_locales", "script_of"]

LATIN, CYRILLIC = "LATIN", "CYRILLIC"


def _weigh(words: str, weight: int = 1) -> dict[str, int]:
    """Each of the space-separated `words` with the same weight (the word lists below)."""
    return dict.fromkeys(words.split(), weight)


#: The script(s) each language is written in; a locale's script subtag (`sr-Latn`) overrides.
_SCRIPTS: Mapping[str, frozenset[str]] = {
    **{
        lang: frozenset({LATIN})
        for lang in _weigh(
            "af az ca cs cy da de en es et eu fi fr ga gl hr hu id is it lt lv ms mt nb nl nn "
            "no pl pt ro sk sl sq sv sw tl tr vi"
        )
    },
    **{lang: frozenset({CYRILLIC}) for lang in _weigh("ba be bg kk ky mk mn ru tg tt uk")},
    "sr": frozenset({CYRILLIC, LATIN}),
    "uz": frozenset({CYRILLIC, LATIN}),
    "el": frozenset({"GREEK"}),
    "hy": frozenset({"ARMENIAN"}),
    "ka": frozenset({"GEORGIAN"}),
    "he": frozenset({"HEBREW"}),
    "yi": frozenset({"HEBREW"}),
    **{lang: frozenset({"ARABIC"}) for lang in ("ar", "fa", "ps", "ur")},
    **{lang: frozenset({"DEVANAGARI"}) for lang in ("hi", "mr", "ne")},
    "bn": frozenset({"BENGALI"}),
    "ta": frozenset({"TAMIL"}),
    "th": frozenset({"THAI"}),
    "ko": frozenset({"HANGUL"}),
    "zh": frozenset({"CJK"}),
    "ja": frozenset({"CJK", "HIRAGANA", "KATAKANA"}),
}
_SCRIPT_SUBTAGS = {"latn": LATIN, "cyrl": CYRILLIC, "grek": "GREEK", "arab": "ARABIC"}

#: Letters only one language (of those with rules here) writes, with how much each one says.
_LETTERS: Mapping[str, Mapping[str, int]] = {
    "ru": {"ы": 3, "э": 3, "ё": 3},
    "uk": {"і": 3, "ї": 3, "є": 3, "ґ": 3},
    "be": {"ў": 3, "і": 2},
    "bg": {"ѝ": 3},
    "sr": {"ђ": 3, "ћ": 3, "ј": 2, "љ": 2, "њ": 2, "џ": 2},
    "mk": {"ѓ": 3, "ќ": 3, "ѕ": 3, "ј": 2, "љ": 2, "њ": 2, "џ": 2},
}

#: Spelling habits and endings, as patterns on the lower-cased text.
_PATTERNS: Mapping[str, tuple[tuple[re.Pattern[str], int], ...]] = {
    "bg": (
        # Russian ъ stands only before е, ё, ю, я ("объявление"); Bulgarian ъ is a vowel ("към").
        (re.compile(r"ъ(?=[^\W\dеёюя_])"), 3),
        (re.compile(r"ьо"), 1),  # Bulgarian ь is only ever before о ("шофьор")
        # Definite forms: "приложението", "линията", "новият", "българската", "файловете".
        (re.compile(r"(?:ние|ия)т[оа]\b|ият\b|ск(?:ият|ата|ото|ите)\b|[ое]вете\b"), 3),
        (re.compile(r"ност(?:та)?\b"), 2),  # Russian writes "-ность"
        (re.compile(r"(?:ир|в)ане\b|яне\b"), 3),  # verbal nouns: "активиране", "изтриване"
        (re.compile(r"иран(?:[аоия]|ата|ото)?\b|щта\b"), 3),  # "блокирана"; "помощта"
        (re.compile(r"[бвгджзйклмнпрстфхцчшщ]ката\b"), 2),  # "сметката", "настройката"
    ),
    "ru": (
        (re.compile(r"ь(?!о)"), 2),  # "есть", "деньги", "письмо"
        (re.compile(r"ся\b"), 2),  # reflexive verbs: Bulgarian says "се"
        (re.compile(r"(?:а|я|у)ют\b|(?:а|я|е)ет\b"), 2),  # "работают", "работает"
        (re.compile(r"(?<!мн)ого\b|(?<!н)его\b|ому\b|ую\b|ий\b"), 2),  # adjective endings
        (re.compile(r"(?:иров|ыв|ив)ани[еяю]\b|ирован"), 3),  # "планирование", "заблокирован"
        (re.compile(r"(?<!к)ое\b|ая\b|яя\b|(?<!\bт)(?<!\bк)(?<!р)ой\b|ей\b"), 1),
        (re.compile(r"(?<=\w\w\w)ов\b"), 1),  # genitive plurals: "контактов"
    ),
}

#: Short, frequent words of one language that the other languages of its script lack.
_WORDS: Mapping[str, Mapping[str, int]] = {
    "bg": {
        **_weigh(
            "какво къде защо искам трябва няма ще съм със във аз ние вие тя които който която "
            "което това тази този тези моят моите ги сега тук нещо нищо всичко днес вече още "
            "също обаче дали ако чрез че моля благодаря здравейте нали какъв какви утре добре "
            "направи намери кажи повече вижте често най",
            3,
        ),
        **_weigh("е са сте сме мога имам кога колко той му го само след кой коя пред", 2),
        **_weigh("ми се може за", 1),
    },
    "ru": {
        **_weigh(
            "что чтобы мне меня можно нужно надо почему где когда сколько какой какая какие "
            "какое какова если нет она они еще очень хочу могу может сейчас здесь тоже только "
            "кто через пожалуйста спасибо здравствуйте который которые которая также мной вас "
            "для перед сегодня завтра хорошо скажи скажите сделай найди время больше более "
            "смотрите наиболее",
            3,
        ),
        **_weigh("я ты он ее тот у о об из к про", 2),
        **_weigh("как мой его их со во после", 1),
    },
    "uk": {
        **_weigh("що це мені чи але або мій коли скільки", 3),
        **_weigh("як де", 2),
    },
}

#: Everyday word stems that differ between Russian and Bulgarian ("ошибка" / "грешка").
_STEMS: Mapping[str, Mapping[str, int]] = {
    "bg": _weigh(
        "грешк потребител акаунт имейл съобщени парола сметк опитайте изпрат кликнете щракнете "
        "натиснете отворете изтри промян бутон плащан данни месец годин седмиц абонамент "
        "превод обажд зарежд изтегл споделя създа използ",
        2,
    ),
    "ru": _weigh(
        "ошибк пользовател сообщени попробуйте отправ нажмите щелкните откройте удал измен "
        "кнопк оплат платеж данные месяц счет подписк перевод звон заряж загруз созда использ",
        2,
    ),
}
#: Each language's stems as one pattern: a word starting with any of them counts its weight.
_STEM_START = {
    lang: (re.compile(r"\b(?:" + "|".join(stems) + ")"), max(stems.values()))
    for lang, stems in _STEMS.items()
}
#: Word pairs that say more than their words: Bulgarian "как да ..." (how to ...).
_PAIRS: Mapping[str, Mapping[tuple[str, str], int]] = {
    "bg": {("как", "да"): 3, ("за", "да"): 3, ("не", "е"): 1}
}

_WORD = re.compile(r"[^\W\d_]+")


def language_of(locale: str) -> str:
    """The language subtag of a locale: `ru` of `ru-RU`, `sr` of `sr_Latn`."""
    return locale.replace("_", "-").split("-")[0].lower()


def _locale_scripts(locale: str) -> frozenset[str]:
    for part in locale.replace("_", "-").lower().split("-")[1:]:
        if part in _SCRIPT_SUBTAGS:
            return frozenset({_SCRIPT_SUBTAGS[part]})
    return _SCRIPTS.get(language_of(locale), frozenset())


def _script(char: str) -> str | None:
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else None


def script_of(text: str) -> str | None:
    """The script of the text's letters, None if it has none. Product names and codes are in
    Latin letters in any language ("Microsoft Teams и группы"), so the most used other script
    wins from three letters on, or from a quarter of the letters."""
    counts = Counter(s for c in text if c.isalpha() and (s := _script(c)) is not None)
    if not counts:
        return None
    others = [(n, s) for s, n in counts.items() if s != LATIN]
    if others:
        count, script = max(others)
        if count >= 3 or count * 4 >= sum(counts.values()):
            return script
    return LATIN


def _scores(text: str, languages: Iterable[str]) -> Counter[str]:
    """How much the text's letters, spellings and words say for each of `languages`."""
    lowered = text.lower()
    words = _WORD.findall(lowered)
    scores: Counter[str] = Counter()
    for lang in languages:
        letters = _LETTERS.get(lang, {})
        score = sum(letters.get(c, 0) for c in lowered)
        score += sum(w * len(p.findall(lowered)) for p, w in _PATTERNS.get(lang, ()))
        vocabulary = _WORDS.get(lang, {})
        score += sum(vocabulary.get(word, 0) for word in words)
        if lang in _STEM_START:
            pattern, weight = _STEM_START[lang]
            score += weight * len(pattern.findall(lowered))
        pairs = _PAIRS.get(lang, {})
        score += sum(pairs.get(pair, 0) for pair in itertools.pairwise(words))
        scores[lang] = score
    return scores


def likely_locales(text: str, locales: Iterable[str]) -> tuple[str, ...]:
    """The locales of `locales` that `text` is most likely written in: one when its letters and
    words tell, several when they do not tell those apart (in the order given), none when the
    text has no letters or a script that none of `locales` is written in."""
    script = script_of(text)
    if script is None:
        return ()
    candidates = [loc for loc in dict.fromkeys(locales) if script in _locale_scripts(loc)]
    if len(candidates) <= 1:
        return tuple(candidates)
    by_language: dict[str, list[str]] = {}
    for loc in candidates:
        by_language.setdefault(language_of(loc), []).append(loc)
    scores = _scores(text, by_language)
    best = max(scores.values())
    return tuple(loc for loc in candidates if scores[language_of(loc)] == best)


def detect_locale(text: str, locales: Iterable[str], *, default: str | None = None) -> str | None:
    """The one of `locales` that `text` is written in, or None when its letters and words do
    not tell; of several equally likely ones, the default if it is one of them."""
    likely = likely_locales(text, locales)
    if default in likely:
        return default
    languages = {language_of(loc) for loc in likely}
    return likely[0] if len(languages) == 1 else None
