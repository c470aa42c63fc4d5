"""Plain-text rules shared by the text channels: plain words, with link targets kept.

The output is text, never markup: emphasis marks are left out (a chat client or a pasted message
would show them as literal `*` and `_`). Raw HTML in a unit stays visible as the characters the
author typed, but made inert (see `inert`) so that a chat client which does interpret HTML or
links cannot be made to run it. A link keeps its target after its label, "My Account
(https://...)", so the text still leads somewhere when copied; a link to another unit gives the
unit's public page when one is known (`KB_PUBLIC_URL`). Links are also collected into the state
for the channel to offer as buttons or cards.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from markdown_it.token import Token

from kb.content.markdown import SNIPPET_SCHEME, UNIT_SCHEME
from kb.content.snippets import SnippetType
from renderers.base import (
    Finding,
    RenderContext,
    Rule,
    Severity,
    inline_rule,
    render_fragment,
    skip_rule,
    unreachable_rule,
    walk,
)
from renderers.html import safe_url
from renderers.values import format_date, format_money

__all__ = ["WORD_JOINER", "TextState", "inert", "link_target", "says_target", "text_rules"]

#: Separator a thematic break becomes.
HR = "———"
#: An invisible character that is not a letter: it breaks a tag or a scheme without showing.
WORD_JOINER = "\u2060"
_SPACES = re.compile(r"[ \t]+")
_SCHEME_PREFIX = re.compile(r"^https?://")
#: A telephone target as `tel:` links carry it (digits, `+`, separators, `*`/`#` codes).
_PHONE = re.compile(r"[+\d][\d\s().*#-]*")
#: `<` that would start a tag, comment or declaration in an HTML parser.
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
#: A script URL scheme (spaces inside tolerated, as some browsers do) or an inline data URL.
_SCRIPT_SCHEME = re.compile(r"\b((?:java|vb)\s*script|data(?=:[a-z]+/))\s*:", re.IGNORECASE)


def inert(text: str) -> str:
    """`text` looking the same but unable to become markup or a script link anywhere.

    A word joiner goes after each `<` that would open a tag and before the colon of a
    `javascript:`/`vbscript:`/`data:` scheme, so a client that renders HTML or auto-links
    URLs still shows plain characters. Ordinary text is returned unchanged.
    """
    text = _TAG_START.sub("<" + WORD_JOINER, text)
    return _SCRIPT_SCHEME.sub(lambda m: m.group(1) + WORD_JOINER + ":", text)


@dataclass
class _Frame:
    """A block under construction: its finished parts and, for list items, the marker."""

    kind: str
    parts: list[str] = field(default_factory=list)
    marker: str = ""
    number: int | None = None


@dataclass
class _OpenLink:
    """A link whose label is being written: where the label starts and where it points."""

    start: int
    url: str | None = None
    unit_id: str | None = None


@dataclass
class TextState:
    """Plain text under construction, the links met on the way, and what was wrong.

    `channel` names the renderer in findings; `visible_as` is the channel whose `only` blocks
    are shown (the operator's copy text reads as the web does). Internal notes are never shown.
    """

    context: RenderContext
    channel: str
    rules: Mapping[str, Rule]
    shows_summary: bool = False
    visible_as: str | None = None
    frames: list[_Frame] = field(default_factory=lambda: [_Frame("root")])
    open_links: list[_OpenLink] = field(default_factory=list)
    links: list[dict[str, str]] = field(default_factory=list)
    unit_links: list[dict[str, str]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    snippet_depth: int = 0

    def render(self, tokens: Sequence[Token]) -> None:
        """Walk `tokens` with this state's rules; internal blocks are hidden from plain text."""
        walk(
            tokens,
            self.rules,
            self,
            channel=self.visible_as or self.channel,
            shows_internal=False,
            shows_summary=self.shows_summary,
        )

    def text(self) -> str:
        """The finished text: blocks separated by a blank line, no trailing spaces."""
        assert len(self.frames) == 1, "unbalanced blocks"
        text = "\n\n".join(self.frames[0].parts)
        lines = [line.rstrip() for line in text.split("\n")]
        return inert(re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n"))

    def write(self, text: str) -> None:
        """Append inline text to the block being written."""
        self.frames[-1].parts.append(text)

    def block(self, text: str) -> None:
        """Add a finished block to the enclosing container (empty blocks vanish)."""
        if text.strip():
            self.frames[-1].parts.append(text)

    def push(self, kind: str, **fields: object) -> _Frame:
        """Start a block."""
        frame = _Frame(kind, **fields)  # type: ignore[arg-type]
        self.frames.append(frame)
        return frame

    def pop(self, kind: str) -> _Frame:
        """Finish the block started last, which must be of `kind`."""
        frame = self.frames.pop()
        assert frame.kind == kind, f"expected to close {kind}, found {frame.kind}"
        return frame

    def problem(self, code: str, message: str, severity: Severity = Severity.ERROR) -> None:
        """Record a finding about this unit in this channel."""
        self.findings.append(self.context.finding(severity, code, message, self.channel))


def _inline_text(frame: _Frame) -> str:
    """An inline frame's text: runs of spaces collapsed, each line trimmed."""
    lines = "".join(frame.parts).split("\n")
    return "\n".join(_SPACES.sub(" ", line).strip() for line in lines).strip("\n")


def _plain(parts: Sequence[str]) -> str:
    """Text with spaces collapsed, made inert: a link's label."""
    return inert(" ".join("".join(parts).split()))


def _text(state: TextState, tokens: Sequence[Token], index: int) -> None:
    state.write(tokens[index].content)


def _open_inline(kind: str) -> Rule:
    def rule(state: TextState, _tokens: Sequence[Token], _index: int) -> None:
        state.push(kind)

    return rule


def _paragraph_open(state: TextState, tokens: Sequence[Token], index: int) -> int | None:
    """A paragraph holding only a markdown snippet becomes the snippet's own blocks."""
    children = tokens[index + 1].children or [] if index + 1 < len(tokens) else []
    if len(children) == 1 and children[0].type == "snippet":
        snippet = state.context.snippets.get(children[0].meta["name"])
        if snippet is not None and snippet.type is SnippetType.MARKDOWN:
            render_fragment(state, snippet.value, inline=False)
            return index + 3
    state.push("paragraph")
    return None


def _close_text_block(kind: str) -> Rule:
    def rule(state: TextState, _tokens: Sequence[Token], _index: int) -> None:
        state.block(_inline_text(state.pop(kind)))

    return rule


def _code_block(state: TextState, tokens: Sequence[Token], index: int) -> None:
    state.block(tokens[index].content.rstrip("\n"))


def _hr(state: TextState, _tokens: Sequence[Token], _index: int) -> None:
    state.block(HR)


def _bullet_list_open(state: TextState, _tokens: Sequence[Token], _index: int) -> None:
    state.push("list")


def _ordered_list_open(state: TextState, tokens: Sequence[Token], index: int) -> None:
    start = tokens[index].attrs.get("start")
    state.push("list", number=int(start) if start is not None else 1)


def _list_close(state: TextState, _tokens: Sequence[Token], _index: int) -> None:
    state.block("\n".join(state.pop("list").parts))


def _list_item_open(state: TextState, _tokens: Sequence[Token], _index: int) -> None:
    owner = state.frames[-1]
    if owner.number is None:
        marker = "• "
    else:
        marker = f"{owner.number}. "
        owner.number += 1
    state.push("item", marker=marker)


def _list_item_close(state: TextState, _tokens: Sequence[Token], _index: int) -> None:
    item = state.pop("item")
    lines = "\n".join(item.parts).split("\n")
    indent = " " * len(item.marker)
    rest = [indent + line if line else line for line in lines[1:]]
    state.frames[-1].parts.append("\n".join([item.marker + lines[0], *rest]))


def _blockquote_open(state: TextState, _tokens: Sequence[Token], _index: int) -> None:
    state.push("quote")


def _blockquote_close(state: TextState, _tokens: Sequence[Token], _index: int) -> None:
    lines = "\n\n".join(state.pop("quote").parts).split("\n")
    state.block("\n".join(f"> {line}" if line else ">" for line in lines))


def _table_open(state: TextState, _tokens: Sequence[Token], _index: int) -> None:
    state.push("table")


def _table_close(state: TextState, _tokens: Sequence[Token], _index: int) -> None:
    state.block("\n".join(state.pop("table").parts))


def _tr_open(state: TextState, _tokens: Sequence[Token], _index: int) -> None:
    state.push("row")


def _tr_close(state: TextState, _tokens: Sequence[Token], _index: int) -> None:
    row = state.pop("row")
    state.frames[-1].parts.append(" | ".join(row.parts))


def _cell_close(state: TextState, _tokens: Sequence[Token], _index: int) -> None:
    cell = _inline_text(state.pop("cell")).replace("\n", " ")
    state.frames[-1].parts.append(cell)


def link_target(state: TextState, href: str) -> tuple[str | None, str | None]:
    """What a customer's plain-text link leads to: the unit it names, if one they may follow,
    and the safe URL (a URL snippet's too); a finding for what cannot be followed. The one
    reading of a link shared by the text channels (the messenger's marks too)."""
    context = state.context
    if href.startswith(UNIT_SCHEME):
        target = href.removeprefix(UNIT_SCHEME)
        problem = context.unit_link_problem(target, for_staff=False)  # plain text is for customers
        if problem is None:
            return target, None
        state.problem("broken-unit-link", problem)
        return None, None
    if href.startswith(SNIPPET_SCHEME):
        name = href.removeprefix(SNIPPET_SCHEME)
        snippet = context.snippets.get(name)
        if snippet is None:
            state.problem("unresolved-snippet", f"snippet '{name}' is not defined")
            return None, None
        return None, safe_url(snippet.value)
    url = safe_url(href)
    if url is None:
        state.problem(
            "unsafe-link",
            f"link to '{href[:60]}' removed: not http(s), mailto or tel",
            Severity.WARNING,
        )
    return None, url


def _link_open(state: TextState, tokens: Sequence[Token], index: int) -> None:
    href = str(tokens[index].attrs.get("href", ""))
    link = _OpenLink(start=len(state.frames[-1].parts))
    link.unit_id, link.url = link_target(state, href)
    state.open_links.append(link)


def _link_close(state: TextState, _tokens: Sequence[Token], _index: int) -> None:
    link = state.open_links.pop()
    label = _plain(state.frames[-1].parts[link.start :])
    if link.unit_id is not None:
        if not label:  # `[](unit:x)`: the text names the target by its title
            label = inert(state.context.unit_titles[link.unit_id])
            state.write(label)
        entry = {"label": label, "unit_id": link.unit_id}
        if entry not in state.unit_links:
            state.unit_links.append(entry)
        _write_target(state, label, state.context.public_unit_url(link.unit_id))
    elif link.url is not None:
        entry = {"label": label or link.url, "url": link.url}
        if entry not in state.links:
            state.links.append(entry)
        _write_target(state, label, link.url)


def _write_target(state: TextState, label: str, url: str | None) -> None:
    """After a link's label, where it leads: " (target)", the bare target for an empty label,
    nothing when the label already says it (an autolink, a phone number written out)."""
    if url is None:
        return
    scheme, _, rest = url.partition(":")
    target = rest if scheme.lower() in ("mailto", "tel") else url
    if not label:
        state.write(target)
    elif not says_target(label, target):
        state.write(f" ({target})")


def says_target(label: str, target: str) -> bool:
    """Whether a link's label already reads as its target (scheme, "www." and "/" aside)."""

    def bare(text: str) -> str:
        text = _SCHEME_PREFIX.sub("", text.strip().lower()).removeprefix("www.")
        return text.rstrip("/")

    if bare(label) == bare(target):
        return True
    digits = re.sub(r"\D", "", target)
    return bool(_PHONE.fullmatch(target)) and digits == re.sub(r"\D", "", label)


def _image(state: TextState, tokens: Sequence[Token], index: int) -> None:
    state.write("".join(child.content for child in tokens[index].children or ()))


def _snippet(state: TextState, tokens: Sequence[Token], index: int) -> None:
    name = tokens[index].meta["name"]
    snippet = state.context.snippets.get(name)
    if snippet is None:
        state.problem("unresolved-snippet", f"snippet '{name}' is not defined")
        state.write(tokens[index].content)
        return
    locale = state.context.locale
    if snippet.type is SnippetType.MONEY:
        state.write(format_money(snippet.value, locale))
    elif snippet.type is SnippetType.DATE:
        state.write(format_date(snippet.value, locale))
    elif snippet.type is SnippetType.MARKDOWN:
        render_fragment(state, snippet.value, inline=True)
    else:  # phone, url and text read as they are written
        state.write(snippet.value)


def text_rules() -> dict[str, Rule]:
    """The plain-text rule table; channels wrap it with `rule_table` (and may change entries)."""
    rules: dict[str, Rule] = {
        "inline": inline_rule,
        "text": _text,
        "softbreak": lambda state, _t, _i: state.write(" "),
        "hardbreak": lambda state, _t, _i: state.write("\n"),
        "code_inline": _text,
        "code_block": _code_block,
        "fence": _code_block,
        "hr": _hr,
        "paragraph_open": _paragraph_open,
        "paragraph_close": _close_text_block("paragraph"),
        "heading_open": _open_inline("heading"),
        "heading_close": _close_text_block("heading"),
        "blockquote_open": _blockquote_open,
        "blockquote_close": _blockquote_close,
        "bullet_list_open": _bullet_list_open,
        "bullet_list_close": _list_close,
        "ordered_list_open": _ordered_list_open,
        "ordered_list_close": _list_close,
        "list_item_open": _list_item_open,
        "list_item_close": _list_item_close,
        "table_open": _table_open,
        "table_close": _table_close,
        "thead_open": skip_rule,
        "thead_close": skip_rule,
        "tbody_open": skip_rule,
        "tbody_close": skip_rule,
        "tr_open": _tr_open,
        "tr_close": _tr_close,
        "th_open": _open_inline("cell"),
        "th_close": _cell_close,
        "td_open": _open_inline("cell"),
        "td_close": _cell_close,
        "link_open": _link_open,
        "link_close": _link_close,
        "image": _image,
        "snippet": _snippet,
        "container_only_open": skip_rule,
        "container_only_close": skip_rule,
        "container_summary_open": skip_rule,
        "container_summary_close": skip_rule,
        "container_internal_open": unreachable_rule,
        "container_internal_close": unreachable_rule,
    }
    for name in ("em", "strong", "s"):  # emphasis has no plain-text form: the words stay
        rules[f"{name}_open"] = skip_rule
        rules[f"{name}_close"] = skip_rule
    return rules
