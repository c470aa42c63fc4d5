"""Snippets are cheap: a hit's text is analysed, and its stored fields read, once per opened
index however many queries show it; the memory this takes is bounded; and the snippets are
character for character those the analysis of every text on every query made (the reference
below is that code)."""

from __future__ import annotations

import html
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from whoosh.reading import SegmentReader

import kb.search.highlight as highlight_module
import kb.search.tantivy_engine as tantivy_engine
from kb.search import IndexedUnit, SearchIndex, SearchQuery, get_engine
from kb.search.analysis import WORD_PATTERN, Language, fold, language_for
from kb.search.highlight import SNIPPET_CHARS

ENGINES = ("whoosh", "tantivy")


# --- the reference: how snippets were made before texts were analysed once ------------------


def reference_snippet(text: str, language: Language, terms: frozenset[str]) -> tuple[str, int]:
    """Tokenise and stem `text` for this query, then pick and mark its window."""
    text = re.sub(r"\s+", " ", text).strip()
    matches = []
    for match in re.finditer(WORD_PATTERN, text):
        term = language.term(fold(match.group()))
        if term is not None and term in terms:
            matches.append((match.start(), match.end(), term))
    if not matches:
        return reference_excerpt(text, 0, []), 0
    best, best_key = 0, (-1, -1)
    for i, (start, _end, _term) in enumerate(matches):
        inside = [m for m in matches[i:] if m[1] <= start + SNIPPET_CHARS]
        key = (len({m[2] for m in inside}), len(inside))
        if key > best_key:
            best, best_key = i, key
    first = matches[best][0]
    begin = max(0, first - 30)
    if begin > 0:
        space = text.find(" ", begin, first)
        begin = space + 1 if space != -1 else first
    return reference_excerpt(text, begin, matches), best_key[0]


def reference_excerpt(text: str, begin: int, matches: list[tuple[int, int, str]]) -> str:
    end = len(text)
    if end - begin > SNIPPET_CHARS:
        end = begin + SNIPPET_CHARS
        space = text.rfind(" ", begin, end)
        if space > begin:
            end = space
    parts = ["…" if begin > 0 else ""]
    cursor = begin
    for start, stop, _term in matches:
        if start < begin or stop > end:
            continue
        parts += [html.escape(text[cursor:start]), "<mark>", html.escape(text[start:stop])]
        parts.append("</mark>")
        cursor = stop
    parts.append(html.escape(text[cursor:end]))
    if end < len(text):
        parts.append("…")
    return "".join(parts)


TEXTS = {
    "en": "Reset resetting resets RESET your router Router's password passwords the a and to "
    'of e.g. 3.5 v2.0.1 roaming roam Roamed <b>bold</b> & "quoted" café naïve '
    "top-up topping up signal no not off charges charged charging",
    "ru": "Счёт счет счета СЧЁТ баланс баланса балансе пополнить пополнение и в на не нет без "
    "роуминг роуминге ёлка елка Ёлка 3.5 т.е.",
}
WORDS = {locale: text.split() for locale, text in TEXTS.items()}
SPACES = (" ", " ", " ", "  ", "\n", "\n\n", "\t", "\u00a0", " \u2003", "\x1c", ". ", ", ")


def random_text(rng: random.Random, locale: str) -> str:
    """Words of `locale` and odd ones (a word longer than a snippet) joined by odd spaces."""
    words = []
    for _ in range(rng.randint(0, 120)):
        roll = rng.random()
        if roll < 0.01:
            words.append("x" * rng.randint(150, 200))
        elif roll < 0.03:
            words.append("".join(rng.choice("abcде.-") for _ in range(rng.randint(1, 6))))
        else:
            words.append(rng.choice(WORDS[locale]))
    text = "".join(word + rng.choice(SPACES) for word in words)
    return rng.choice(("", " ", "\n")) + text


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_snippets_are_those_of_analysing_every_text_on_every_query(locale: str) -> None:
    rng = random.Random(22)
    language = language_for(locale)
    snippets = highlight_module.Snippets(language, texts=16, words=32)  # small: entries come and go
    vocabulary = sorted({t for w in WORDS[locale] if (t := language.term(fold(w)))})
    texts = [random_text(rng, locale) for _ in range(40)]
    for _ in range(600):
        terms = frozenset(rng.sample(vocabulary, rng.randint(0, 4)))
        text = rng.choice(texts)
        expected = reference_snippet(text, language, terms)
        shown = highlight_module.snippet(text, snippets.highlight(terms))
        assert shown == expected, (text, terms)


class CountingPattern:
    """A word pattern, counting every pass over a text (tokenisations) in `texts`."""

    def __init__(self, pattern: re.Pattern[str], texts: list[str]) -> None:
        self._pattern = pattern
        self.texts = texts

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._pattern, name)

        def counted(text: str, *args: Any) -> Any:
            self.texts.append(text)
            return method(text, *args)

        return counted


def count_tokenisations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts the snippet module's word patterns go over, from now on."""
    texts: list[str] = []
    for name, value in vars(highlight_module).items():
        if isinstance(value, re.Pattern) and WORD_PATTERN in value.pattern:
            monkeypatch.setattr(highlight_module, name, CountingPattern(value, texts))
    assert texts == [] and any(
        isinstance(v, CountingPattern) for v in vars(highlight_module).values()
    )
    return texts


UNITS = [
    IndexedUnit(
        f"router-{n}",
        "en",
        f"Router help {n}",
        ("how do I reset my router",),
        f"Resetting the router {n} restores its password. Roaming and charges apart, a reset "
        "router forgets its settings.\n\nTo reset passwords, hold the button.",
        f"Staff: resets of router {n} are logged.",
        ("router",),
        "devices",
        "public",
        None,
        (("chatbot", "Say reset to start over."),),
    )
    for n in range(5)
]


@pytest.fixture(params=ENGINES)
def engine_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def index(engine_name: str, tmp_path: Path) -> Iterator[SearchIndex]:
    engine = get_engine(engine_name)
    engine.build(UNITS, tmp_path / "index")
    opened = engine.open(tmp_path / "index")
    yield opened
    opened.close()


def test_a_hit_text_is_tokenised_once_however_many_queries_show_it(
    index: SearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokenised = count_tokenisations(monkeypatch)
    asked = ("router", "reset router", "resetting passwords", "routers reset", "password")
    shown = 0
    for _round in range(3):
        for text in asked:
            for channel in (None, "chatbot"):
                found = index.search(SearchQuery(text, "en", channel=channel, prefix=False))
                assert found.hits and all("<mark>" in hit.snippet for hit in found.hits)
                shown += len(found.hits)
            staff = index.search(SearchQuery(text, "en", staff=True, prefix=False))
            shown += len(staff.hits)
    # Five units, each shown in two versions (in no channel; in the chatbot's, which is all
    # staff read) and its internal notes for staff: 15 texts, tokenised once each although
    # shown 225 times.
    assert shown == 225
    assert len(tokenised) == len(set(tokenised)) == 15


def count_stored_reads(engine: str, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every read of a document's stored fields from the index, from now on."""
    reads: list[object] = []
    if engine == "whoosh":  # (before a searcher is made: it copies its reader's method)
        read = SegmentReader.stored_fields

        def stored_fields(self: SegmentReader, docnum: int) -> Any:
            reads.append(docnum)
            return read(self, docnum)

        monkeypatch.setattr(SegmentReader, "stored_fields", stored_fields)
    else:  # tantivy's Searcher.doc is native: count the decoding of what it returns

        class CountingJson:
            def loads(self, text: str | bytes) -> Any:
                reads.append(text)
                return json.loads(text)

            def __getattr__(self, name: str) -> Any:
                return getattr(json, name)

        monkeypatch.setattr(tantivy_engine, "json", CountingJson())
    return reads


def test_a_hit_is_read_from_the_index_once_however_many_queries_show_it(
    engine_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = count_stored_reads(engine_name, monkeypatch)
    engine = get_engine(engine_name)
    engine.build(UNITS, tmp_path / "index")
    index = engine.open(tmp_path / "index")
    shown = set()
    for _round in range(3):
        for text in ("router", "reset router", "password"):
            for staff in (False, True):
                found = index.search(SearchQuery(text, "en", staff=staff, prefix=False))
                shown |= {hit.unit_id for hit in found.hits}
    index.close()
    assert len(shown) == 5
    assert len(reads) == 5


def test_what_an_index_remembers_of_its_texts_is_bounded() -> None:
    snippets = highlight_module.Snippets(language_for("en"), texts=3, words=5)
    highlight = snippets.highlight(frozenset({"router"}))
    for n in range(10):
        assert highlight_module.snippet(f"Router number {n} and words", highlight)[1] == 1
    texts = snippets.analysed.cache_info()  # type: ignore[attr-defined]
    assert texts.currsize == 3 and texts.maxsize == 3
    from kb.search.remembered import Remembered  # (here: the code before it has none)

    shown = Remembered[int, str](size=3)
    for n in range(10):
        assert shown.get(n, lambda n=n: f"unit {n}") == f"unit {n}"  # type: ignore[misc]
    assert len(shown) == 3
    assert shown.get(9, lambda: "read again") == "unit 9"
    assert shown.get(0, lambda: "read again") == "read again"
