"""The one parse of a unit's Markdown: tokens every channel renders from, and facts derived from it.

Parsing happens once per body text (cached); renderers treat the tokens as read-only. The words
the search index takes from a body are kept for more bodies than the tokens (`body_text`).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from kb.content.containers import use_containers
from kb.content.document import SNIPPET_REF
from kb.content.thematic_break import use_fast_thematic_break

__all__ = [
    "CONTAINERS",
    "KNOWN_TOKEN_TYPES",
    "MAX_NESTING",
    "SNIPPET_SCHEME",
    "UNIT_SCHEME",
    "BodyText",
    "ParsedBody",
    "body_text",
    "forget_texts",
    "forget_tokens",
    "has_body_text",
    "iter_tokens",
    "matching_close",
    "only_channels",
    "parse_body",
    "parse_fragment",
    "remember_body_text",
]

#: `::: name` blocks of the content format.
CONTAINERS = ("internal", "summary", "only")
#: A link to another unit: `[text](unit:other-id)`.
UNIT_SCHEME = "unit:"
#: A link whose address is a url snippet: `[text]({{ name }})` is parsed as `snippet:name`.
SNIPPET_SCHEME = "snippet:"

#: Every token type the parser below can emit. Renderers must handle each; the meta-tests
#: check both that the parser emits nothing else and that every channel has a rule for each.
KNOWN_TOKEN_TYPES = frozenset(
    {
        "inline",
        "paragraph_open", "paragraph_close",
        "heading_open", "heading_close",
        "blockquote_open", "blockquote_close",
        "bullet_list_open", "bullet_list_close",
        "ordered_list_open", "ordered_list_close",
        "list_item_open", "list_item_close",
        "table_open", "table_close", "thead_open", "thead_close", "tbody_open", "tbody_close",
        "tr_open", "tr_close", "th_open", "th_close", "td_open", "td_close",
        "code_block", "fence", "hr",
        *(f"container_{name}_{edge}" for name in CONTAINERS for edge in ("open", "close")),
        "text", "softbreak", "hardbreak", "code_inline", "image", "snippet",
        "em_open", "em_close", "strong_open", "strong_close", "s_open", "s_close",
        "link_open", "link_close",
    }
)  # fmt: skip

_SNIPPET_LINK = re.compile(r"\]\(\s*\{\{\s*([a-z][a-z0-9_]*)\s*\}\}\s*\)")


def _snippet_rule(state: StateInline, silent: bool) -> bool:
    """`{{ name }}` becomes one `snippet` token carrying the name; its value comes at render."""
    if not state.src.startswith("{{", state.pos):
        return False
    match = SNIPPET_REF.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        token = state.push("snippet", "", 0)
        token.content = match.group(0)
        token.meta = {"name": match.group(1)}
    state.pos = match.end()
    return True


#: How deep lists, quotes and `:::` blocks may nest (a list counts two: the list and its item).
#: markdown-it drops what lies deeper (20 by default: a list ten deep lost the rest of the body);
#: each level costs the parser two Python frames and, in a body built to be hostile, a pass
#: over its lines, so the limit stays far below the recursion limit. `kb check` and imports
#: refuse a body that reaches it (kb/content/nesting.py) rather than lose text without a word.
MAX_NESTING = 100


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # Raw HTML is off: it arrives as text and every renderer escapes it.
    md = MarkdownIt("commonmark", {"html": False, "maxNesting": MAX_NESTING})
    md.enable(["table", "strikethrough"])
    use_containers(md, CONTAINERS)
    use_fast_thematic_break(md)
    md.inline.ruler.before("text", "snippet", _snippet_rule)
    return md


class BodyText(NamedTuple):
    """A body's words for the search index, by who may read them (derived in the one parse)."""

    #: Words every channel shows: outside `::: only` blocks and internal notes.
    public: str
    #: Words of `::: internal` notes (and of `::: only` blocks no channel shows): staff only.
    internal: str
    #: (channel, words of the `::: only` blocks that channel shows), by channel name.
    only: tuple[tuple[str, str], ...] = ()

    def for_channel(self, channel: str | None) -> str:
        """What a customer reads in `channel` (None: in no channel in particular)."""
        extra = dict(self.only).get(channel, "") if channel is not None else ""
        return f"{self.public}\n{extra}" if extra and self.public else self.public or extra

    def for_staff(self) -> str:
        """Every customer-facing word, whichever channel shows it (internal notes apart)."""
        return "\n".join(part for part in (self.public, *(t for _c, t in self.only)) if part)

    def only_json(self) -> str:
        """`only` as a JSON object (how the database keeps it)."""
        return json.dumps(dict(self.only), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_stored(cls, public: str, internal: str, only_json: str) -> BodyText:
        """The words `only_json` and the two texts were kept as."""
        return cls(public, internal, tuple(sorted(json.loads(only_json or "{}").items())))


@dataclass(frozen=True)
class ParsedBody:
    """A body's tokens plus what the checks need to know about it."""

    tokens: tuple[Token, ...]
    snippet_names: frozenset[str]
    unit_links: tuple[str, ...]
    #: Words every channel shows (outside `::: only` blocks and internal notes): for the index.
    public_text: str = ""
    #: Words of `::: internal` notes, kept apart so only staff searches can match them.
    internal_text: str = ""
    #: Words of `::: only` blocks per channel, so a search in one matches only what it shows.
    only_text: tuple[tuple[str, str], ...] = ()

    @property
    def words(self) -> BodyText:
        """The body's index words, by who may read them."""
        return BodyText(self.public_text, self.internal_text, self.only_text)

    def has_summary(self) -> bool:
        """Whether the author wrote an explicit short answer."""
        return any(t.type == "container_summary_open" for t in self.tokens)


def iter_tokens(tokens: Sequence[Token]) -> Iterator[Token]:
    """Every token, inline children included, in document order."""
    for token in tokens:
        yield token
        if token.children:
            yield from iter_tokens(token.children)


def matching_close(tokens: Sequence[Token], start: int) -> int:
    """Index of the token closing the block opened at `start` (or the last token)."""
    depth = 0
    for index in range(start, len(tokens)):
        depth += tokens[index].nesting
        if depth == 0:
            return index
    return len(tokens) - 1


def only_channels(token: Token) -> tuple[str, ...]:
    """The channels an `::: only a b` block names."""
    return tuple(token.info.split()[1:])


@lru_cache(maxsize=8192)
def parse_body(body: str) -> ParsedBody:
    """Parse a unit body once; the same text always yields the same (shared) tokens."""
    tokens = tuple(_parser().parse(_SNIPPET_LINK.sub(rf"]({SNIPPET_SCHEME}\1)", body)))
    names: set[str] = set()
    links: list[str] = []
    words = _plain_text(tokens)
    remember_body_text(body, words)
    for token in iter_tokens(tokens):
        if token.type == "snippet":
            names.add(token.meta["name"])
        href = str(token.attrs.get("href", "")) if token.type == "link_open" else ""
        if href.startswith(SNIPPET_SCHEME):
            names.add(href.removeprefix(SNIPPET_SCHEME))
        elif href.startswith(UNIT_SCHEME):
            links.append(href.removeprefix(UNIT_SCHEME))
    return ParsedBody(
        tokens=tokens,
        snippet_names=frozenset(names),
        unit_links=tuple(links),
        public_text=words.public,
        internal_text=words.internal,
        only_text=words.only,
    )


#: How many bodies' index words are kept (a few KB each, where a body's tokens take about 25):
#: enough that the index build of a release finds the bodies `kb check` just parsed, and those
#: the last release shared, in a knowledge base of tens of thousands of units.
TEXT_CACHE_BODIES = 50_000
_texts: dict[str, BodyText] = {}
_texts_lock = threading.Lock()


def body_text(body: str) -> BodyText:
    """The index words of a body (`ParsedBody.words`), parsing it only if no parse of it is
    remembered."""
    found = _texts.get(body)
    if found is None:
        found = parse_body(body).words
    return found


#: Bump when what `body_text` extracts from a body changes: words stored in the database under
#: another version are then ignored, and parsed again.
BODY_TEXT_VERSION = 2  # 2: `::: only` blocks' words apart, per channel


def body_digest(body: str) -> str:
    """The key a body's index words are stored under (its text and BODY_TEXT_VERSION)."""
    return hashlib.sha256(f"{BODY_TEXT_VERSION}\x00{body}".encode()).hexdigest()


def parse_body_text(body: str) -> BodyText:
    """`body_text` without keeping the body's tokens in `parse_body`'s cache (for saving many
    bodies, whose tokens nobody asked for yet); the words are remembered."""
    found = _texts.get(body)
    if found is None:
        found = parse_body.__wrapped__(body).words
    return found


def forget_tokens() -> None:
    """Drop the remembered bodies' tokens, keeping their index words: after rendering every
    unit of a release once (the publish check), its last 8,192 bodies' tokens (about 200 MB)
    would otherwise stay while the release's index is built (issue 22)."""
    parse_body.cache_clear()


def forget_texts() -> None:
    """Drop the remembered bodies' index words: once a release's index is built, nothing needs
    them but a search's snippet, which parses its body again (issue 22: they stayed, about as
    large as the bodies, while the publishing process opened the new release)."""
    with _texts_lock:
        _texts.clear()


def forget_parses() -> None:
    """Drop every remembered parse and body text (frees their memory; a process then starts
    cold, as a freshly started server does)."""
    forget_texts()
    parse_body.cache_clear()


def has_body_text(body: str) -> bool:
    """Whether `body_text(body)` is remembered (needs no parse)."""
    return body in _texts


def remember_body_text(body: str, text: BodyText) -> None:
    """Remember a body's words that `body_text` gave elsewhere (in another process)."""
    with _texts_lock:
        _texts[body] = text
        if len(_texts) > TEXT_CACHE_BODIES:
            del _texts[next(iter(_texts))]  # the oldest


_WORDY = frozenset({"text", "code_inline", "code_block", "fence"})


def _plain_text(tokens: Sequence[Token]) -> BodyText:
    """Split the words of a body by who reads them: every channel, one channel (`::: only`
    blocks, nested ones by the channels all of them name) or staff (internal notes)."""
    public: list[str] = []
    internal: list[str] = []
    only: dict[str, list[str]] = {}
    depth = 0  # nesting inside `::: internal`
    shown_in: list[frozenset[str]] = []  # per open `::: only` block, the channels showing it
    for token in iter_tokens(tokens):
        if token.type == "container_internal_open":
            depth += 1
        elif token.type == "container_internal_close":
            depth -= 1
        elif token.type == "container_only_open":
            named = frozenset(only_channels(token))
            shown_in.append(shown_in[-1] & named if shown_in else named)
        elif token.type == "container_only_close" and shown_in:
            shown_in.pop()
        else:
            piece = _piece(token)
            if piece is None:
                continue
            if depth or (shown_in and not shown_in[-1]):
                internal.append(piece)
            elif shown_in:
                for channel in shown_in[-1]:
                    only.setdefault(channel, []).append(piece)
            else:
                public.append(piece)
    words = tuple(sorted((channel, _join(parts)) for channel, parts in only.items()))
    return BodyText(_join(public), _join(internal), words)


_BREAKS = frozenset({"paragraph_close", "heading_close", "list_item_close", "td_close", "th_close"})


def _piece(token: Token) -> str | None:
    """The words a token adds to the text (a line break after a block), or None."""
    if token.type in _WORDY:
        return str(token.content).strip()
    if token.type == "image":
        return str(token.attrs.get("alt", "")).strip()
    return "\n" if token.type in _BREAKS else None


def _join(parts: list[str]) -> str:
    return re.sub(r"[ \t]*\n[\s]*", "\n", " ".join(p for p in parts if p)).strip()


@lru_cache(maxsize=1024)
def parse_fragment(text: str, *, inline: bool) -> tuple[Token, ...]:
    """Parse a markdown snippet's value: as blocks, or as inline content for use in a sentence."""
    md = _parser()
    if inline:
        return tuple(md.parseInline(text))
    return tuple(md.parse(text))
