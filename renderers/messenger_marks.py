"""The messenger channel's one walk: the unit as formatted runs, which each messenger writes out.

The plain-text walk (renderers/text.py) lays out blocks, lists, quotes, tables and snippets;
this module adds what a messenger can show on top of it: bold, italic, strikethrough, code,
bold headings and links. Marks travel through the plain-text walk as private-use characters
(U+E000-U+E01F), which are removed from everything an author or a snippet wrote, so only the
rules here can place them; `runs` then reads the marked text back as `Run`s. Telegram and
WhatsApp (renderers/messenger_markup.py) write the same runs in their own syntax.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from markdown_it.token import Token

from renderers.base import Rule
from renderers.text import WORD_JOINER, TextState, inert, link_target, says_target, text_rules

__all__ = ["MarkedState", "Run", "marked_rules", "runs"]

#: Each mark as an opening and a closing character (marks nest: a bold heading may hold bold).
_MARK_CHARS = {
    "bold": ("\ue000", "\ue001"),
    "italic": ("\ue002", "\ue003"),
    "strike": ("\ue004", "\ue005"),
    "code": ("\ue006", "\ue007"),
    "pre": ("\ue008", "\ue009"),
    #: Text only a messenger without inline links shows: a link's target after its label.
    "alt": ("\ue00a", "\ue00b"),
}
_OPENS = {opening: name for name, (opening, _) in _MARK_CHARS.items()}
_CLOSES = {closing: name for name, (_, closing) in _MARK_CHARS.items()}
#: A link: LINK, its index in `MarkedState.targets` in digits, LABEL, the label, LINK_END.
LINK, LABEL, LINK_END = "\ue00c", "\ue00d", "\ue00e"
#: Every character reserved for marks (and for the messengers' own placeholders).
_RESERVED = re.compile("[\ue000-\ue01f]")


def unmarked(text: str) -> str:
    """`text` without any reserved character: what a reader sees of it."""
    return _RESERVED.sub("", text)


@dataclass(frozen=True)
class Run:
    """A stretch of text with one set of marks: `link` is an index into the targets, `alt`
    says the text is a link's target written out for messengers without inline links."""

    text: str
    marks: frozenset[str] = frozenset()
    link: int | None = None
    alt: bool = False


@dataclass
class _OpenLink:
    start: int
    url: str | None = None
    unit_id: str | None = None


@dataclass
class MarkedState(TextState):
    """Plain text with marks: author text is cleaned of reserved characters as it is written."""

    targets: list[str] = field(default_factory=list)
    marked_links: list[_OpenLink] = field(default_factory=list)

    def write(self, text: str) -> None:
        """Append author text (never a mark) to the block being written."""
        super().write(unmarked(text))

    def mark(self, name: str, *, opening: bool) -> None:
        """Open or close the mark `name` (bold, italic, strike, code, pre, alt)."""
        self.frames[-1].parts.append(_MARK_CHARS[name][0 if opening else 1])

    def link_end(self) -> None:
        """End the link whose label was written last."""
        self.frames[-1].parts.append(LINK_END)

    def block(self, text: str) -> None:
        """Add a finished block, unless nothing of it would show."""
        if unmarked(text).strip():
            self.frames[-1].parts.append(text)


def _mark(name: str, *, opening: bool) -> Rule:
    def rule(state: MarkedState, _tokens: Sequence[Token], _index: int) -> None:
        state.mark(name, opening=opening)

    return rule


def _code_inline(state: MarkedState, tokens: Sequence[Token], index: int) -> None:
    state.mark("code", opening=True)
    state.write(tokens[index].content)
    state.mark("code", opening=False)


def _code_block(state: MarkedState, tokens: Sequence[Token], index: int) -> None:
    content = unmarked(tokens[index].content.rstrip("\n"))
    if content.strip():
        pre_open, pre_close = _MARK_CHARS["pre"]
        state.block(pre_open + content + pre_close)


def _heading(base: Rule, *, opening: bool) -> Rule:
    """A heading is a bold line: the plain walk's heading block with bold marks inside."""

    def rule(state: MarkedState, tokens: Sequence[Token], index: int) -> int | None:
        if opening:
            following = base(state, tokens, index)
            state.mark("bold", opening=True)
            return following
        state.mark("bold", opening=False)
        return base(state, tokens, index)

    return rule


def _link_open(state: MarkedState, tokens: Sequence[Token], index: int) -> None:
    href = str(tokens[index].attrs.get("href", ""))
    link = _OpenLink(start=len(state.frames[-1].parts))
    link.unit_id, link.url = link_target(state, href)
    if link.unit_id is not None:
        link.url = state.context.public_unit_url(link.unit_id)
    state.marked_links.append(link)


def _link_close(state: MarkedState, _tokens: Sequence[Token], _index: int) -> None:
    """The label, as an inline link where the URL is a web address; its target written out
    after it for messengers that have no inline links (or for every one, for mail and phone)."""
    link = state.marked_links.pop()
    parts = state.frames[-1].parts
    label = inert(" ".join(unmarked("".join(parts[link.start :])).split()))
    if link.unit_id is not None:
        if not label:  # `[](unit:x)`: the text names the target by its title
            label = inert(state.context.unit_titles[link.unit_id])
            state.write(label)
        entry = {"label": label, "unit_id": link.unit_id}
        if entry not in state.unit_links:
            state.unit_links.append(entry)
    elif link.url is not None:
        entry = {"label": label or link.url, "url": link.url}
        if entry not in state.links:
            state.links.append(entry)
    url = link.url
    if url is None:
        return
    scheme, _, rest = url.partition(":")
    if scheme.lower() in ("http", "https"):
        if not label:
            state.write(url)
        parts.insert(link.start, f"{LINK}{len(state.targets)}{LABEL}")
        state.targets.append(url)
        state.link_end()
        if label and not says_target(label, url):
            state.mark("alt", opening=True)
            state.write(f" ({url})")
            state.mark("alt", opening=False)
        return
    target = rest if scheme.lower() in ("mailto", "tel") else url
    if not label:
        state.write(target)
    elif not says_target(label, target):
        state.write(f" ({target})")


def marked_rules() -> Mapping[str, Rule]:
    """The plain-text rules with marks for emphasis, code, headings and links."""
    rules = text_rules()
    rules.update(
        {
            "code_inline": _code_inline,
            "code_block": _code_block,
            "fence": _code_block,
            "heading_open": _heading(rules["heading_open"], opening=True),
            "heading_close": _heading(rules["heading_close"], opening=False),
            "link_open": _link_open,
            "link_close": _link_close,
        }
    )
    for token, name in (("em", "italic"), ("strong", "bold"), ("s", "strike")):
        rules[f"{token}_open"] = _mark(name, opening=True)
        rules[f"{token}_close"] = _mark(name, opening=False)
    return rules


#: What `inert` guards against, found in the visible text whatever marks lie between.
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_SCRIPT_SCHEME = re.compile(r"\b(?:(?:java|vb)\s*script|data(?=:[a-z]+/))\s*(?=:)", re.IGNORECASE)


_TOKEN = re.compile(f"{LINK}(\\d+){LABEL}|[\ue000-\ue01f]|[^\ue000-\ue01f]+")


def _inert_across_marks(marked: str) -> str:
    """`inert` for marked text: a tag start or script scheme split by marks is caught too."""
    positions = [
        match.start() + offset
        for match in _TOKEN.finditer(marked)
        if match.group(1) is None and not _RESERVED.match(match.group(0))
        for offset in range(len(match.group(0)))
    ]
    text = "".join(marked[i] for i in positions)
    cuts = {positions[m.start()] + 1 for m in _TAG_START.finditer(text)}
    cuts |= {positions[m.end() - 1] + 1 for m in _SCRIPT_SCHEME.finditer(text)}
    pieces, last = [], 0
    for cut in sorted(cuts):
        pieces += [marked[last:cut], WORD_JOINER]
        last = cut
    return "".join([*pieces, marked[last:]])


def runs(marked: str) -> list[Run]:
    """The runs of a marked text, adjacent runs with the same marks merged."""
    found: list[Run] = []
    depth = dict.fromkeys(_MARK_CHARS, 0)
    link: int | None = None
    for match in _TOKEN.finditer(_inert_across_marks(marked)):
        piece = match.group(0)
        if match.group(1) is not None:
            link = int(match.group(1))
        elif piece == LINK_END:
            link = None
        elif piece in _OPENS:
            depth[_OPENS[piece]] += 1
        elif piece in _CLOSES:
            depth[_CLOSES[piece]] -= 1
        else:
            marks = frozenset(name for name, count in depth.items() if count and name != "alt")
            run = Run(piece, marks, link, depth["alt"] > 0)
            last = found[-1] if found else None
            if last is not None and (last.marks, last.link, last.alt) == (marks, link, run.alt):
                found[-1] = Run(last.text + piece, marks, link, run.alt)
            else:
                found.append(run)
    return found
