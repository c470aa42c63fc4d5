"""The e-mail's HTML part: the web channel's HTML rules with every element styled inline.

Mail clients drop `<style>` blocks, external style sheets and class-based CSS, and never run
scripts, so every element carries its own `style` attribute and nothing else is relied on. A
mail has no site to be relative to: a link to another unit points at its public page
(`KB_PUBLIC_URL`), and without one the link is dropped and its text kept. Text is made inert
(renderers/text.py) as in the plain-text part, so a client that links URLs in HTML text
cannot be led to a script URL either.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from html import escape
from types import MappingProxyType

from markdown_it.token import Token

from kb.content.markdown import UNIT_SCHEME
from renderers.base import Rule
from renderers.html import HtmlState, html_rules
from renderers.text import inert

__all__ = ["STYLES", "email_html_rules", "html_document", "inline_styles"]

_FONT = "font-family:Arial,Helvetica,sans-serif"
_MONO = "font-family:Consolas,Menlo,'Courier New',monospace"
_CELL = "border:1px solid #d0d0d0;padding:4px 8px;vertical-align:top"

#: The inline style of every element the HTML rules emit; "" for an element left unstyled.
STYLES: Mapping[str, str] = MappingProxyType(
    {
        "p": "margin:0 0 12px 0",
        "h1": "margin:20px 0 8px 0;font-size:22px;line-height:1.3",
        "h2": "margin:20px 0 8px 0;font-size:19px;line-height:1.3",
        "h3": "margin:16px 0 8px 0;font-size:17px;line-height:1.3",
        "h4": "margin:16px 0 8px 0;font-size:15px;line-height:1.3",
        "h5": "margin:12px 0 8px 0;font-size:15px;line-height:1.3",
        "h6": "margin:12px 0 8px 0;font-size:15px;line-height:1.3",
        "ul": "margin:0 0 12px 0;padding:0 0 0 24px",
        "ol": "margin:0 0 12px 0;padding:0 0 0 24px",
        "li": "margin:0 0 4px 0",
        "blockquote": "margin:0 0 12px 0;padding:0 0 0 12px;border-left:3px solid #d0d0d0;"
        "color:#555555",
        "table": "border-collapse:collapse;margin:0 0 12px 0",
        "thead": "",
        "tbody": "",
        "tr": "",
        "th": f"{_CELL};text-align:left;background-color:#f2f2f2",
        "td": _CELL,
        "a": "color:#0b57d0;text-decoration:underline",
        "strong": "font-weight:bold",
        "em": "font-style:italic",
        "s": "text-decoration:line-through",
        "code": f"{_MONO};font-size:90%;background-color:#f2f2f2",
        "pre": f"{_MONO};margin:0 0 12px 0;padding:8px;background-color:#f2f2f2;"
        "white-space:pre-wrap",
        "hr": "border:0;border-top:1px solid #d0d0d0;margin:16px 0",
        "img": "max-width:100%;height:auto;border:0",
        "time": "",
        "br": "",
    }
)
_BODY = "margin:0;padding:0;background-color:#ffffff"
_WRAPPER = f"max-width:600px;margin:0 auto;padding:16px;{_FONT};font-size:15px;line-height:1.5;"
_WRAPPER += "color:#1a1a1a"
_FOOTER = "margin:24px 0 0 0;padding:12px 0 0 0;border-top:1px solid #d0d0d0;font-size:13px;"
_FOOTER += "color:#666666"

#: A start tag as the HTML rules write it (text is escaped, so every `<` opens a tag of ours;
#: attribute values are quoted and escaped, so none holds `"` or `>`).
_START_TAG = re.compile(r"<([a-z][a-z0-9]*)((?:\s[^<>]*)?)>")
_CLASS = re.compile(r'\sclass="[^"]*"')
_OWN_STYLE = re.compile(r'\sstyle="([^"]*)"')


def inline_styles(fragment: str) -> str:
    """`fragment` with class attributes gone and every element's style from `STYLES` inline
    (an element's own style, a table cell's alignment, comes after, so it wins)."""

    def styled(match: re.Match[str]) -> str:
        tag, attrs = match.group(1), match.group(2)
        if tag not in STYLES:  # a new element must get a style here, never go out unstyled
            raise ValueError(f"the e-mail HTML has no inline style for <{tag}>")
        style = STYLES[tag]
        attrs = _CLASS.sub("", attrs)
        own = _OWN_STYLE.search(attrs)
        if own is not None:
            attrs = _OWN_STYLE.sub("", attrs)
            style = f"{style};{own.group(1)}" if style else own.group(1)
        return f'<{tag}{attrs} style="{style}">' if style else f"<{tag}{attrs}>"

    return _START_TAG.sub(styled, fragment)


def html_document(subject: str, locale: str, content: str, footer: str | None) -> str:
    """The whole HTML part: a plain document, the answer in one centred column, the footer
    under a rule; no head content a client would strip or a filter would flag."""
    lines = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(locale)}">',
        f"<head><title>{escape(subject, quote=False)}</title></head>",
        f'<body style="{_BODY}">',
        f'<div style="{_WRAPPER}">',
        inline_styles(content).strip(),
    ]
    if footer:
        lines.append(f'<div style="{_FOOTER}">\n{inline_styles(footer).strip()}\n</div>')
    lines += ["</div>", "</body>", "</html>"]
    return "\n".join(lines) + "\n"


def _text(state: HtmlState, tokens: Sequence[Token], index: int) -> None:
    state.emit(escape(inert(tokens[index].content), quote=False))


def _code_inline(state: HtmlState, tokens: Sequence[Token], index: int) -> None:
    state.emit(f"<code>{escape(inert(tokens[index].content), quote=False)}</code>")


def _code_block(state: HtmlState, tokens: Sequence[Token], index: int) -> None:
    state.emit(f"<pre><code>{escape(inert(tokens[index].content), quote=False)}</code></pre>\n")


def _unit_link_rule(base: Rule) -> Rule:
    """`link_open` with `unit:` links pointing at the unit's public page, or dropped to their
    text when no public address is known; other links as the web writes them."""

    def rule(state: HtmlState, tokens: Sequence[Token], index: int) -> int | None:
        href = str(tokens[index].attrs.get("href", ""))
        if not href.startswith(UNIT_SCHEME):
            return base(state, tokens, index)
        context = state.context
        target = href.removeprefix(UNIT_SCHEME)
        problem = context.unit_link_problem(target, for_staff=False)
        if problem is not None:
            state.problem("broken-unit-link", problem)
            state.open_links.append(False)
            return None
        url = context.public_unit_url(target)
        state.open_links.append(url is not None)
        if url is not None:
            state.emit(f'<a href="{escape(url)}">')
        if index + 1 < len(tokens) and tokens[index + 1].type == "link_close":
            state.emit(escape(inert(context.unit_titles[target]), quote=False))  # `[](unit:x)`
        return None

    return rule


def email_html_rules() -> dict[str, Rule]:
    """html.py's rules with inert text, unclassed code and links that work outside the site."""
    rules = html_rules()
    rules["text"] = _text
    rules["code_inline"] = _code_inline
    rules["code_block"] = _code_block
    rules["fence"] = _code_block
    rules["link_open"] = _unit_link_rule(rules["link_open"])
    return rules
