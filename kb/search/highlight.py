"""Showing a hit: its safe-HTML snippet around the words that matched, with those words marked.

Engines hand over stored fields and a score; which words match the query's terms, and which
stretch of text to show, are decided here so that both engines show the same snippets.

A release's texts never change, and the same units come back query after query: each opened
index keeps a `Snippets`, which analyses a text it shows once (its words' terms and spans,
remembered for the next query that shows it) so that a query only looks its terms up in them.
Tokenising and stemming every hit's text again was two thirds of a search's time.
"""

from __future__ import annotations

import html
import re
from array import array
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, compress

from kb.content.markdown import BodyText
from kb.search.analysis import WORD_PATTERN, Language, fold
from kb.search.base import SearchHit, SearchQuery

__all__ = [
    "ANALYSED_TEXTS",
    "SNIPPET_CHARS",
    "WRITTEN_WORDS",
    "AnalysedText",
    "Highlight",
    "Snippets",
    "analyse",
    "make_hit",
    "plain_snippet",
    "snippet",
]

SNIPPET_CHARS = 160
#: Texts whose analysis an opened index remembers (least recently shown forgotten first). A
#: 250-word text takes about 7 KB (the text as stored, its collapsed copy, a term and a span
#: per word; measured): 4,096 of them about 30 MB per locale at most.
ANALYSED_TEXTS = 4_096
#: Written words whose term an opened index remembers (about 150 bytes each: 3 MB).
WRITTEN_WORDS = 20_000

#: Splitting on the words keeps them (the group) between what lies around them.
_WORD_OR_GAP = re.compile(f"({WORD_PATTERN})")
#: A match (start, end, term): where a word the query matches stands, and its term.
Match = tuple[int, int, str]


@dataclass(frozen=True, slots=True)
class AnalysedText:
    """A text as its snippet reads it: whitespace collapsed, and each word's term and span."""

    text: str
    #: Per word in order, its term (None for a stop word).
    terms: tuple[str | None, ...]
    #: Word i spans text[bounds[2i]:bounds[2i+1]].
    bounds: array[int]

    def matches(self, wanted: frozenset[str]) -> list[Match]:
        """(start, end, term) of every word whose term is `wanted`, in text order."""
        terms, bounds = self.terms, self.bounds
        found = compress(range(len(terms)), map(wanted.__contains__, terms))
        return [(bounds[2 * i], bounds[2 * i + 1], terms[i]) for i in found]  # type: ignore[misc]


def analyse(text: str, term: Callable[[str], str | None]) -> AnalysedText:
    """`text` with whitespace collapsed, and each word's term (`term` of the written word)."""
    text = " ".join(text.split())  # what re.sub(r"\s+", " ", text).strip() gives, faster
    # [gap, word, gap, word, ..., gap]: where each part ends is where each word starts and ends.
    parts = _WORD_OR_GAP.split(text)
    bounds = array("I", accumulate(map(len, parts)))
    del bounds[-1]
    return AnalysedText(text, tuple(map(term, parts[1::2])), bounds)


class Snippets:
    """What one opened index has analysed of the texts it shows, bounded (ANALYSED_TEXTS texts,
    WRITTEN_WORDS words), so that a text is tokenised and stemmed once however many queries
    show it. Thread-safe: a text analysed by two threads at once is only analysed twice."""

    def __init__(
        self,
        language: Language,
        *,
        texts: int = ANALYSED_TEXTS,
        words: int = WRITTEN_WORDS,
    ) -> None:
        self.language = language
        term = lru_cache(maxsize=words)(lambda word: language.term(fold(word)))
        self.analysed: Callable[[str], AnalysedText] = lru_cache(maxsize=texts)(
            lambda text: analyse(text, term)
        )

    def highlight(self, terms: frozenset[str]) -> Highlight:
        """What one query marks: its terms, in the texts this index shows."""
        return Highlight(self, terms)


class Highlight:
    """Which written words match a query's terms: one per query, used by all of its hits."""

    def __init__(self, snippets: Snippets, terms: frozenset[str]) -> None:
        self._analysed = snippets.analysed
        self._terms = terms

    def analysed(self, text: str) -> AnalysedText:
        """`text` analysed (once per opened index)."""
        return self._analysed(text)

    def matches(self, text: str) -> list[Match]:
        """(start, end, term) in `text` with whitespace collapsed of every word whose term the
        query has."""
        return self._analysed(text).matches(self._terms)

    @property
    def terms(self) -> frozenset[str]:
        """The query's terms."""
        return self._terms


def make_hit(
    stored: Mapping[str, str],
    only: Mapping[str, str],
    score: float,
    highlight: Highlight,
    query: SearchQuery,
) -> SearchHit:
    """A hit whose snippet shows what the asker reads: the text every channel shows and what
    `::: only` blocks add in the asker's channel (`only`: channel -> words); staff all of it,
    or the internal notes when they match better.

    `highlight` is the query's, shared by its hits (they repeat one another's words).
    """
    words = BodyText(stored.get("text", ""), "", tuple(sorted(only.items())))
    text = words.for_staff() if query.staff else words.for_channel(query.channel)
    shown, matched = snippet(text, highlight)
    internal = stored.get("internal_text", "")
    if query.staff and internal:
        other, other_matched = snippet(internal, highlight)
        if other_matched > matched or not text:
            shown = other
    return SearchHit(
        unit_id=stored["unit_id"],
        title=stored.get("title", ""),
        snippet=shown,
        score=float(score),
        category=stored.get("category") or None,
    )


def snippet(text: str, highlight: Highlight) -> tuple[str, int]:
    """Safe-HTML excerpt of `text` around the most distinct matches, and how many it shows."""
    analysed = highlight.analysed(text)
    text = analysed.text
    matches = analysed.matches(highlight.terms)
    if not matches:
        return _excerpt(text, 0, []), 0
    best, distinct = _best_window(matches)
    first = matches[best][0]
    # Start a little before the first match, at a word boundary, so it reads as a phrase.
    begin = max(0, first - 30)
    if begin > 0:
        space = text.find(" ", begin, first)
        begin = space + 1 if space != -1 else first
    return _excerpt(text, begin, matches), distinct


def _best_window(matches: list[Match]) -> tuple[int, int]:
    """The match that starts the SNIPPET_CHARS window with the most distinct terms (then the
    most matches; the first such), and how many distinct terms that window holds.

    Matches do not overlap and come in text order, so each window is matches[i:j] and j only
    moves forward: one pass, rather than a scan of the rest from every match. Once a window
    reaches the last match, the later ones hold fewer: the scan stops there.
    """
    count = len(matches)
    if matches[-1][1] <= matches[0][0] + SNIPPET_CHARS:  # the first window holds them all
        return 0, len({term for _start, _end, term in matches})
    inside: dict[str, int] = {}
    best, best_key, j = 0, (-1, -1), 0
    for i, (start, _end, term) in enumerate(matches):
        j = max(j, i)
        limit = start + SNIPPET_CHARS
        while j < count and matches[j][1] <= limit:
            added = matches[j][2]
            inside[added] = inside.get(added, 0) + 1
            j += 1
        key = (len(inside), j - i)
        if key > best_key:
            best, best_key = i, key
        if j == count:
            break
        if j > i:  # match i leaves the window
            if inside[term] > 1:
                inside[term] -= 1
            else:
                del inside[term]
    return best, best_key[0]


def _excerpt(text: str, begin: int, matches: list[Match]) -> str:
    """Escape text[begin:begin+SNIPPET_CHARS] (cut at a space), marking the matches in it."""
    end = len(text)
    if end - begin > SNIPPET_CHARS:
        end = begin + SNIPPET_CHARS
        space = text.rfind(" ", begin, end)
        if space > begin:
            end = space
    parts = ["…" if begin > 0 else ""]
    cursor = begin
    for start, stop, _term in matches:
        if stop > end:
            break
        if start < begin:
            continue
        # A word (letters, digits, dots) needs no escaping.
        parts += [html.escape(text[cursor:start]), "<mark>", text[start:stop], "</mark>"]
        cursor = stop
    parts.append(html.escape(text[cursor:end]))
    if end < len(text):
        parts.append("…")
    return "".join(parts)


def plain_snippet(text: str) -> str:
    """Safe-HTML opening of `text`, for a hit found by meaning rather than by its words."""
    return _excerpt(" ".join(text.split()), 0, [])
