"""HTML rules shared by the web page and the operator panel: safe by construction.

Raw HTML never reaches the output (the parser has it off, and all text is escaped here);
links keep only safe schemes; `unit:` and snippet links are resolved against the release.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from urllib.parse import urlsplit

from markdown_it.token import Token

from kb.content.markdown import SNIPPET_SCHEME, UNIT_SCHEME
from kb.content.snippets import SnippetType
from renderers.base import (
    RenderContext,
    Rule,
    Severity,
    inline_rule,
    render_fragment,
    skip_rule,
    unreachable_rule,
    walk,
)
from renderers.values import format_date, format_money, phone_href

__all__ = ["SAFE_SCHEMES", "HtmlState", "html_rules", "safe_url"]

#: Link schemes a customer-facing page may carry.
SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})


def safe_url(url: str) -> str | None:
    """`url` if it is an absolute link with a safe scheme, else None."""
    scheme = urlsplit(url.strip()).scheme.lower()
    return url.strip() if scheme in SAFE_SCHEMES else None


@dataclass
class HtmlState:
    """Output under construction, plus what the rules learn on the way."""

    context: RenderContext
    channel: str
    shows_internal: bool
    rules: Mapping[str, Rule] = field(default_factory=dict)
    out: list[str] = field(default_factory=list)
    open_links: list[bool] = field(default_factory=list)
    findings: list = field(default_factory=list)  # type: ignore[type-arg]
    snippet_depth: int = 0

    def emit(self, text: str) -> None:
        """Append output."""
        self.out.append(text)

    def problem(self, code: str, message: str, severity: Severity = Severity.ERROR) -> None:
        """Record a finding about this unit in this channel."""
        self.findings.append(self.context.finding(severity, code, message, self.channel))

    def render(self, tokens: Sequence[Token]) -> None:
        """Walk `tokens` with this state's rules and visibility."""
        walk(
            tokens,
            self.rules,
            self,
            channel=self.channel,
            shows_internal=self.shows_internal,
            shows_summary=False,
        )


def _tag(name: str, newline: bool = False) -> Rule:
    text = f"<{name}>" + ("\n" if newline else "")

    def rule(state: HtmlState, _tokens: Sequence[Token], _index: int) -> None:
        state.emit(text)

    return rule


def _text(state: HtmlState, tokens: Sequence[Token], index: int) -> None:
    state.emit(escape(tokens[index].content, quote=False))


def _code_inline(state: HtmlState, tokens: Sequence[Token], index: int) -> None:
    state.emit(f"<code>{escape(tokens[index].content, quote=False)}</code>")


def _code_block(state: HtmlState, tokens: Sequence[Token], index: int) -> None:
    token = tokens[index]
    language = token.info.strip().split(" ")[0] if token.type == "fence" else ""
    attr = f' class="language-{escape(language)}"' if language else ""
    state.emit(f"<pre><code{attr}>{escape(token.content, quote=False)}</code></pre>\n")


def _heading_open(state: HtmlState, tokens: Sequence[Token], index: int) -> None:
    state.emit(f"<{tokens[index].tag}>")


def _heading_close(state: HtmlState, tokens: Sequence[Token], index: int) -> None:
    state.emit(f"</{tokens[index].tag}>\n")


def _cell_open(state: HtmlState, tokens: Sequence[Token], index: int) -> None:
    token = tokens[index]
    align = str(token.attrs.get("style", ""))
    style = f' style="{escape(align)}"' if align.startswith("text-align:") else ""
    state.emit(f"<{token.tag}{style}>")


def _ordered_list_open(state: HtmlState, tokens: Sequence[Token], index: int) -> None:
    start = tokens[index].attrs.get("start")
    state.emit(f'<ol start="{int(start)}">\n' if start not in (None, 1) else "<ol>\n")


def _link_open(state: HtmlState, tokens: Sequence[Token], index: int) -> None:
    href = str(tokens[index].attrs.get("href", ""))
    url = _resolve_link(state, href)
    state.open_links.append(url is not None)
    if url is not None:
        state.emit(f'<a href="{escape(url)}"{_link_attrs(href)}>')


def _link_attrs(href: str) -> str:
    if href.startswith(UNIT_SCHEME):
        return ' class="kb-unit-link"'
    return ' rel="noopener noreferrer"'


def _resolve_link(state: HtmlState, href: str) -> str | None:
    """Where a link points on this page, or None to drop the link and keep its text."""
    context = state.context
    if href.startswith(UNIT_SCHEME):
        target = href.removeprefix(UNIT_SCHEME)
        problem = context.unit_link_problem(target, for_staff=state.shows_internal)
        if problem is not None:
            state.problem("broken-unit-link", problem)
            return None
        return context.unit_url(target, context.locale)
    if href.startswith(SNIPPET_SCHEME):
        name = href.removeprefix(SNIPPET_SCHEME)
        snippet = context.snippets.get(name)
        if snippet is None:
            state.problem("unresolved-snippet", f"snippet '{name}' is not defined")
            return None
        return safe_url(snippet.value)
    url = safe_url(href)
    if url is None:
        state.problem(
            "unsafe-link",
            f"link to '{href[:60]}' removed: not http(s), mailto or tel",
            Severity.WARNING,
        )
    return url


def _link_close(state: HtmlState, _tokens: Sequence[Token], _index: int) -> None:
    if state.open_links.pop():
        state.emit("</a>")


def _image(state: HtmlState, tokens: Sequence[Token], index: int) -> None:
    token = tokens[index]
    src = str(token.attrs.get("src", ""))
    alt = "".join(child.content for child in token.children or ())
    if urlsplit(src).scheme.lower() in ("http", "https"):
        state.emit(f'<img src="{escape(src)}" alt="{escape(alt)}" loading="lazy">')
    else:
        state.emit(escape(alt))


def _snippet(state: HtmlState, tokens: Sequence[Token], index: int) -> None:
    name = tokens[index].meta["name"]
    snippet = state.context.snippets.get(name)
    if snippet is None:
        state.problem("unresolved-snippet", f"snippet '{name}' is not defined")
        state.emit(escape(tokens[index].content))
        return
    locale = state.context.locale
    value = snippet.value
    if snippet.type is SnippetType.PHONE:
        state.emit(f'<a href="{escape(phone_href(value))}">{escape(value)}</a>')
    elif snippet.type is SnippetType.MONEY:
        state.emit(escape(format_money(value, locale)))
    elif snippet.type is SnippetType.DATE:
        state.emit(f'<time datetime="{escape(value)}">{escape(format_date(value, locale))}</time>')
    elif snippet.type is SnippetType.URL:
        url = safe_url(value) or ""
        state.emit(f'<a href="{escape(url)}" rel="noopener noreferrer">{escape(value)}</a>')
    elif snippet.type is SnippetType.MARKDOWN:
        render_fragment(state, value, inline=True)
    else:
        state.emit(escape(value))


def _paragraph_open(state: HtmlState, tokens: Sequence[Token], index: int) -> int | None:
    """A paragraph holding only a markdown snippet becomes the snippet's own blocks."""
    children = tokens[index + 1].children or [] if index + 1 < len(tokens) else []
    if len(children) == 1 and children[0].type == "snippet":
        snippet = state.context.snippets.get(children[0].meta["name"])
        if snippet is not None and snippet.type is SnippetType.MARKDOWN:
            render_fragment(state, snippet.value, inline=False)
            return index + 3
    if not tokens[index].hidden:  # paragraphs in tight lists carry no <p>
        state.emit("<p>")
    return None


def _paragraph_close(state: HtmlState, tokens: Sequence[Token], index: int) -> None:
    if not tokens[index].hidden:
        state.emit("</p>\n")


def html_rules() -> dict[str, Rule]:
    """The HTML rule table; channels copy it and change what differs."""
    rules: dict[str, Rule] = {
        "inline": inline_rule,
        "text": _text,
        "softbreak": lambda state, _t, _i: state.emit("\n"),
        "hardbreak": lambda state, _t, _i: state.emit("<br>\n"),
        "code_inline": _code_inline,
        "code_block": _code_block,
        "fence": _code_block,
        "hr": lambda state, _t, _i: state.emit("<hr>\n"),
        "paragraph_open": _paragraph_open,
        "paragraph_close": _paragraph_close,
        "heading_open": _heading_open,
        "heading_close": _heading_close,
        "ordered_list_open": _ordered_list_open,
        "th_open": _cell_open,
        "td_open": _cell_open,
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
    for name, tag in (
        ("blockquote", "blockquote"),
        ("bullet_list", "ul"),
        ("list_item", "li"),
        ("table", "table"),
        ("thead", "thead"),
        ("tbody", "tbody"),
        ("tr", "tr"),
    ):
        rules[f"{name}_open"] = _tag(tag, newline=name != "list_item")
        rules[f"{name}_close"] = _tag(f"/{tag}", newline=True)
    rules["ordered_list_close"] = _tag("/ol", newline=True)
    rules["th_close"] = _tag("/th", newline=True)
    rules["td_close"] = _tag("/td", newline=True)
    for name, tag in (("em", "em"), ("strong", "strong"), ("s", "s")):
        rules[f"{name}_open"] = _tag(tag)
        rules[f"{name}_close"] = _tag(f"/{tag}")
    return rules
