"""A unit's words as sentences, snippet values resolved and marked, for the fact extractors.

Every word counts, whoever reads it: the public text, each channel's `::: only` blocks and the
`::: internal` notes (what operators say is one of the silos that drift). Links' addresses are
kept too: `[our policy](https://example.com/refunds)` states that URL in its sentence.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markdown_it.token import Token

from kb.content.document import UnitDocument
from kb.content.markdown import SNIPPET_SCHEME, UNIT_SCHEME, iter_tokens, parse_body, parse_fragment
from kb.content.snippets import SnippetDocument, SnippetType

__all__ = ["Sentence", "unit_sentences"]

#: Tokens after which a new sentence starts whatever the punctuation (a block's end).
_BLOCK_ENDS = frozenset(
    {"paragraph_close", "heading_close", "list_item_close", "td_close", "th_close", "hardbreak"}
)
#: A sentence ends at . ! ? or … followed by space and a capital, a digit or an opening quote.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"'«(\[]?[A-ZА-ЯЁ0-9])")


@dataclass(frozen=True)
class Sentence:
    """One sentence of a unit, with the parts of it that came from snippets."""

    text: str
    #: (start, end) offsets in `text` of snippet values.
    snippet_spans: tuple[tuple[int, int], ...] = ()
    #: Link addresses in the sentence: (address, whether a url snippet gave it).
    links: tuple[tuple[str, bool], ...] = ()

    def from_snippet(self, start: int, end: int) -> bool:
        """Whether the text between `start` and `end` lies in a snippet's value."""
        return any(s < end and start < e for s, e in self.snippet_spans)


class _Writer:
    """Collects a body's text, where snippet values lie in it, and link addresses by position."""

    def __init__(self, snippets: Mapping[str, SnippetDocument]) -> None:
        self.snippets = snippets
        self.parts: list[str] = []
        self.size = 0
        self.spans: list[tuple[int, int]] = []
        self.links: list[tuple[int, str, bool]] = []

    def write(self, text: str, *, snippet: bool = False) -> None:
        """Append text (marked as a snippet's value when it is one)."""
        if snippet and text:
            self.spans.append((self.size, self.size + len(text)))
        self.parts.append(text)
        self.size += len(text)

    def token(self, token: Token) -> None:
        """Append what one token says."""
        kind = token.type
        if kind in ("text", "code_inline"):
            self.write(token.content)
        elif kind in ("code_block", "fence"):
            self.write(token.content + "\n")
        elif kind == "softbreak":
            self.write(" ")
        elif kind in _BLOCK_ENDS:
            self.write("\n")
        elif kind == "snippet":
            self._snippet(token.meta["name"], token.content)
        elif kind == "link_open":
            self._link(str(token.attrs.get("href", "")))

    def _snippet(self, name: str, written: str) -> None:
        snippet = self.snippets.get(name)
        if snippet is None:
            self.write(written)
        elif snippet.type is SnippetType.MARKDOWN:
            text = " ".join(
                t.content
                for t in iter_tokens(parse_fragment(snippet.value, inline=False))
                if t.type == "text"
            )
            self.write(text, snippet=True)
        else:
            self.write(snippet.value, snippet=True)

    def _link(self, href: str) -> None:
        if href.startswith(SNIPPET_SCHEME):
            snippet = self.snippets.get(href.removeprefix(SNIPPET_SCHEME))
            if snippet is not None:
                self.links.append((self.size, snippet.value, True))
        elif href and not href.startswith(UNIT_SCHEME):
            self.links.append((self.size, href, False))

    def sentences(self) -> list[Sentence]:
        """The text split into sentences, each with its snippet spans and links."""
        text = "".join(self.parts)
        found: list[Sentence] = []
        for line_start, line in _pieces(text, "\n", 0):
            for start, piece in _split_sentences(line, line_start):
                end = start + len(piece)
                spans = tuple(
                    (max(s, start) - start, min(e, end) - start)
                    for s, e in self.spans
                    if s < end and start < e
                )
                links = tuple((href, snip) for at, href, snip in self.links if start <= at < end)
                found.append(Sentence(piece, spans, links))
        return found


def _pieces(text: str, separator: str, offset: int) -> list[tuple[int, str]]:
    """`text` split at `separator`, each piece with its offset, blank pieces left out."""
    pieces = []
    at = offset
    for piece in text.split(separator):
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            pieces.append((at + lead, piece.strip()))
        at += len(piece) + len(separator)
    return pieces


def _split_sentences(line: str, offset: int) -> list[tuple[int, str]]:
    """One line's sentences with their offsets."""
    found = []
    start = 0
    for match in _SENTENCE_END.finditer(line):
        found.append((offset + start, line[start : match.start()]))
        start = match.end()
    found.append((offset + start, line[start:]))
    return [(at, piece) for at, piece in found if piece.strip()]


def unit_sentences(
    document: UnitDocument, snippets: Mapping[str, SnippetDocument]
) -> Sequence[Sentence]:
    """Every sentence of a unit's body (internal notes and `::: only` blocks included), snippet
    values resolved; the title is not a statement and is left out."""
    writer = _Writer(snippets)
    for token in iter_tokens(parse_body(document.body).tokens):
        writer.token(token)
    return writer.sentences()
