"""Showing a hit: its safe-HTML snippet around the words that matched, with those words marked.

Engines hand over stored fields and a score; which words match the query's terms, and which
stretch of text to show, are decided here so that both engines show the same snippets.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from kb.content.markdown import BodyText
from kb.search.analysis import WORD_PATTERN, Language, fold
from kb.search.base import SearchHit, SearchQuery

__all__ = ["SNIPPET_CHARS", "Highlight", "make_hit", "plain_snippet", "snippet"]

SNIPPET_CHARS = 160

_SPACE = re.compile(r"\s+")
_WORD = re.compile(WORD_PATTERN)


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


class Highlight:
    """Which written words match a query's terms, remembered per spelling (a hit's text
    repeats its words, and hits share theirs: stemming each occurrence was most of the time
    spent building snippets). One per query, used by all of its hits."""

    def __init__(self, language: Language, terms: frozenset[str]) -> None:
        self._language = language
        self._terms = terms
        self._seen: dict[str, str | None] = {}

    def matches(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, term) of every word in `text` whose term the query has."""
        seen, found = self._seen, []
        for match in _WORD.finditer(text):
            word = match.group()
            if word in seen:
                term = seen[word]
            else:
                term = seen[word] = self._term(word)
            if term is not None:
                found.append((match.start(), match.end(), term))
        return found

    def _term(self, word: str) -> str | None:
        """The query term `word` stands for, or None when it matches none."""
        term = self._language.term(fold(word))
        return term if term in self._terms else None


def snippet(text: str, highlight: Highlight) -> tuple[str, int]:
    """Safe-HTML excerpt of `text` around the most distinct matches, and how many it shows."""
    text = _SPACE.sub(" ", text).strip()
    matches = highlight.matches(text)
    if not matches:
        return _excerpt(text, 0, []), 0
    best, best_key = 0, (-1, -1)
    for i, (start, _end, _term) in enumerate(matches):
        inside = [m for m in matches[i:] if m[1] <= start + SNIPPET_CHARS]
        key = (len({m[2] for m in inside}), len(inside))
        if key > best_key:
            best, best_key = i, key
    first = matches[best][0]
    # Start a little before the first match, at a word boundary, so it reads as a phrase.
    begin = max(0, first - 30)
    if begin > 0:
        space = text.find(" ", begin, first)
        begin = space + 1 if space != -1 else first
    return _excerpt(text, begin, matches), best_key[0]


def _excerpt(text: str, begin: int, matches: list[tuple[int, int, str]]) -> str:
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
        if start < begin or stop > end:
            continue
        parts += [html.escape(text[cursor:start]), "<mark>", html.escape(text[start:stop])]
        parts.append("</mark>")
        cursor = stop
    parts.append(html.escape(text[cursor:end]))
    if end < len(text):
        parts.append("…")
    return "".join(parts)


def plain_snippet(text: str) -> str:
    """Safe-HTML opening of `text`, for a hit found by meaning rather than by its words."""
    return _excerpt(_SPACE.sub(" ", text).strip(), 0, [])
