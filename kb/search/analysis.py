"""Text analysis per language: how words become index terms (tokenize, fold, stop, stem).

English and Russian use Snowball; Bulgarian, which Snowball lacks, uses the light suffix
stripper below, chosen by measurement (benchmarks/bulgarian_analyzer.py). Any other language
gets a plain lowercase tokenizer. Only this module and the Whoosh engine import whoosh.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

from whoosh.analysis import (
    Analyzer,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StopFilter,
    Token,
)
from whoosh.analysis import StemFilter as _StemFilter
from whoosh.lang import stemmer_for_language
from whoosh.lang.stopwords import stoplists

__all__ = [
    "WORD_PATTERN",
    "Language",
    "bulgarian_stem",
    "english_stem",
    "fold",
    "language_for",
    "russian_stem",
    "surface_words",
    "word_counts",
]

#: A word: letters/digits, possibly joined by single dots ("3.5", "e.g"); hyphens split words.
WORD_PATTERN = r"\w+(?:\.\w+)*"
_WORD = re.compile(WORD_PATTERN)

#: Words that carry meaning in support questions ("no signal", "top up"), kept out of stoplists.
_KEEP = frozenset({"no", "not", "nor", "up", "down", "off", "out", "нет", "без"})

_EN_STOP = frozenset(stoplists["en"]) - _KEEP
_RU_STOP = frozenset(stoplists["ru"]) - _KEEP
#: Bulgarian function words (conjunctions, prepositions, pronouns, auxiliaries, particles).
_BG_STOP = frozenset(
    """
    а аз ако ала би бил била били било бъде бъдат бях бяха в във вие вас ви все всеки всички
    всичко вече да дали до докато е едва ето за зад и из или им има както като които който
    която което кой кога когато към ли между ме мен ми много може можете мога нас не него нея
    ни нито но някои някой няма нещо ние о обаче около от пак по под при преди с са се си след
    със сега сме сте съм също та така такива такъв там те то тогава този това тази тези той
    трябва тук ти у че ще щом я
    """.split()  # noqa: SIM905 (a word list reads better as text)
)


def fold(text: str) -> str:
    """Lowercase and fold ё to е, so "счёт" and "счет" are one word."""
    return text.lower().replace("ё", "е")


def surface_words(text: str) -> Iterator[tuple[str, int, int]]:
    """The folded words of `text` with their character spans (what a user types and reads)."""
    for match in _WORD.finditer(text):
        yield fold(match.group()), match.start(), match.end()


def word_counts(text: str) -> Counter[str]:
    """How often each folded surface word occurs in `text` (one regex pass, no spans)."""
    counts: Counter[str] = Counter()
    for word, count in Counter(_WORD.findall(text)).items():
        counts[fold(word)] += count
    return counts


#: Stems remembered per language (about 250 bytes each: 5 MB). Queries bring new words for
#: ever (typos, names, ids), so the bound is what keeps a serving worker's memory level; an
#: index build analyses each distinct word once anyway (kb.search.text.TermCounter).
STEM_CACHE = 20_000


@lru_cache(maxsize=STEM_CACHE)
def english_stem(word: str) -> str:
    """Snowball (Porter2) English stem."""
    return _SNOWBALL_EN(word)


@lru_cache(maxsize=STEM_CACHE)
def russian_stem(word: str) -> str:
    """Snowball Russian stem."""
    return _SNOWBALL_RU(word)


_SNOWBALL_EN = stemmer_for_language("en")
_SNOWBALL_RU = stemmer_for_language("ru")

_BG_VOWELS = frozenset("аъоуеиюя")
#: The longest stem kept: long derived words of one family ("активиране", "активирате") meet.
BULGARIAN_STEM_LENGTH = 6
# (ending, replacement) rules: the first that fits applies, if 3+ letters remain before it.
_BG_ARTICLES = (
    ("остта", "ост"),  # самоличността -> самоличност
    ("естта", "ест"),
    ("ият", ""),  # новият (full article)
    ("ата", "а"),  # настройката; писмата (neuter plural)
    ("ята", "я"),  # приложенията
    ("ото", "о"),  # новото
    ("ето", "е"),  # приложението
    ("ите", "и"),  # настройките, новите; also 2nd person plural: проверите
    ("ете", "е"),  # файловете; проверете
    ("ате", "а"),  # активирате
    ("ът", ""),  # телефонът
    ("ят", ""),  # потребителят
)
_BG_ENDINGS = (
    ("ия", ""),  # новия (short article); версия, информация
    ("ие", ""),  # приложение
    ("ии", ""),  # версии
    ("ане", "а"),  # плащане (verbal nouns)
    ("яне", "я"),  # добавяне
    ("ене", "е"),
    ("ища", ""),  # игрища
    ("ове", ""),  # файлове
    ("еве", "й"),  # краеве -> край
    ("ци", "к"),  # ученици -> ученик
    ("зи", "г"),  # диалози -> диалог
)


@lru_cache(maxsize=STEM_CACHE)
def bulgarian_stem(word: str) -> str:
    """Light Bulgarian stem, capped at BULGARIAN_STEM_LENGTH letters."""
    return bulgarian_light_stem(word)[:BULGARIAN_STEM_LENGTH]


def bulgarian_light_stem(word: str) -> str:
    """Strip a definite article, a noun, verbal-noun or plural ending, then one final vowel.

    Written for this project after the shape of Savoy's light stemmer for Bulgarian (articles,
    plurals, gender vowels, the fleeting ъ and е); forms of one noun or adjective meet on one
    stem, verbs only partly (the length cap does the rest, see bulgarian_analyzer.md).
    """
    if len(word) < 4 or not word.isalpha():
        return word
    stem = _strip_first(word, _BG_ARTICLES)
    stem = _strip_first(stem, _BG_ENDINGS)
    if len(stem) > 3 and stem[-1] in _BG_VOWELS:
        stem = stem[:-1]
    if len(stem) > 4 and stem.endswith("ен"):  # корпоративен / корпоративна
        stem = stem[:-2] + "н"
    if len(stem) > 4 and stem[-2] == "ъ":  # център / центрове
        stem = stem[:-2] + stem[-1]
    return stem


def _strip_first(word: str, rules: tuple[tuple[str, str], ...]) -> str:
    """Apply the first (ending, replacement) rule that fits, leaving a stem of 3+ letters."""
    for ending, replacement in rules:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: len(word) - len(ending)] + replacement
    return word


class _FoldFilter(Filter):
    """Folds ё to е after lowercasing (Russian text mixes both spellings)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            if "ё" in token.text:
                token.text = token.text.replace("ё", "е")
            yield token


@dataclass(frozen=True)
class Language:
    """How one language turns words into terms: a stoplist and an optional stemmer."""

    code: str
    stopwords: frozenset[str]
    stem: Callable[[str], str] | None

    def analyzer(self) -> Analyzer:
        """The Whoosh analyzer that indexes text; it agrees with `term` word for word."""
        chain = RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | _FoldFilter()
        if self.stopwords:
            chain = chain | StopFilter(stoplist=self.stopwords, minsize=1)
        if self.stem is not None:
            chain = chain | _StemFilter(stemfn=self.stem, cachesize=None)
        return chain

    def term(self, word: str) -> str | None:
        """The index term of one folded surface word, or None for a stop word."""
        if word in self.stopwords:
            return None
        return self.stem(word) if self.stem is not None else word

    def term_counts(self, words: Mapping[str, int]) -> Counter[str]:
        """Term frequencies of text given as folded-word counts: what `analyzer` indexes."""
        counts: Counter[str] = Counter()
        for word, count in words.items():
            if (term := self.term(word)) is not None:
                counts[term] += count
        return counts


_LANGUAGES = {
    "en": Language("en", _EN_STOP, english_stem),
    "ru": Language("ru", _RU_STOP, russian_stem),
    "bg": Language("bg", _BG_STOP, bulgarian_stem),
}
_PLAIN = Language("plain", frozenset(), None)


def language_for(locale: str) -> Language:
    """The language of a locale ("ru", "bg-BG", "en_GB"); unknown ones get plain lowercasing."""
    code = re.split(r"[-_]", locale.strip().lower(), maxsplit=1)[0]
    return _LANGUAGES.get(code, _PLAIN)
