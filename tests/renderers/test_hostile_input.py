"""Hostile input is harmless in every channel: no live markup, no script URLs, no SSML breakout."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest

from kb import SnippetType
from renderers import registry
from renderers.base import Rendering
from tests.renderers.conftest import SNIPPETS, render

HOSTILE = {
    "script tag": "Hi <script>alert(1)</script> there.",
    "event handler": 'Look <img src=x onerror="alert(1)"> <b onmouseover=alert(1)>b</b>.',
    "raw link": 'A <a href="javascript:alert(1)">raw link</a>.',
    "javascript link": "A [click](javascript:alert(1)) and [again](JaVaScRiPt:alert(1)).",
    "spaced scheme": "[x]( javascript:alert(1) ) and [y](java\tscript:alert(1))",
    "autolink": "<javascript:alert(1)> and <vbscript:msgbox(1)>",
    "data url": "[x](data:text/html;base64,PHNjcmlwdD4=) ![i](javascript:x)",
    "entities": "&lt;script&gt;alert(1)&lt;/script&gt; &#60;img src=x onerror=alert(1)&#62;",
    "ssml breakout": 'Press 1 </s></p></speak><speak><audio src="http://x/a.wav"/> & < > " \'',
    "html block": "<div onclick=alert(1)>\n<iframe src=javascript:alert(1)></iframe>\n</div>",
    "hostile snippet": "Value: {{ evil_text }} and {{ evil_markdown }}.",
}
EVIL_SNIPPETS = {
    **SNIPPETS,
    "evil_text": (SnippetType.TEXT, "<script>alert(1)</script>"),
    "evil_markdown": (
        SnippetType.MARKDOWN,
        "<img src=x onerror=alert(1)> [x](javascript:alert(1))",
    ),
}
_SAFE_SCHEMES = {"", "http", "https", "mailto", "tel"}
_DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "style", "audio", "link", "meta", "base"}


class _Markup(HTMLParser):
    """Collects every element and attribute a browser would create from the HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend((name, value or "") for name, value in attrs)


def _assert_safe_html(html: str) -> None:
    markup = _Markup()
    markup.feed(html)
    assert not _DANGEROUS_TAGS & set(markup.tags), markup.tags
    for name, value in markup.attrs:
        assert not name.startswith("on"), (name, value)
        if name in ("href", "src"):
            assert urlsplit(value.strip()).scheme.lower() in _SAFE_SCHEMES, value


def _assert_safe_ssml(ssml: str) -> None:
    root = ElementTree.fromstring(ssml)  # well-formed, a single <speak> root
    assert root.tag.endswith("speak")
    tags = {element.tag.rsplit("}", 1)[-1] for element in root.iter()}
    assert tags <= {"speak", "p", "s", "break", "say-as", "prosody", "emphasis", "sub"}, tags


def _assert_safe_text(rendering: Rendering) -> None:
    text = json.dumps(rendering.to_json(), ensure_ascii=False).lower()
    assert "javascript:" not in text and "vbscript:" not in text and "data:text" not in text
    markup = _Markup()
    markup.feed(rendering.body)
    assert not _DANGEROUS_TAGS & set(markup.tags), markup.tags
    assert not [name for name, _ in markup.attrs if name.startswith("on")]


def _check(rendering: Rendering) -> None:
    if isinstance(rendering.data.get("html"), str):  # an HTML part beside the body (e-mail)
        _assert_safe_html(rendering.data["html"])
    if rendering.media_type == "text/html":
        _assert_safe_html(rendering.body)
    elif rendering.media_type == "application/ssml+xml":
        _assert_safe_ssml(rendering.body)
        assert "<audio" not in rendering.body
    else:
        _assert_safe_text(rendering)


@pytest.mark.parametrize("channel", registry.names())
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_body_is_neutralised(channel: str, case: str) -> None:
    body = HOSTILE[case]
    for placement in (body, f"::: only {channel}\n{body}\n:::", f"Intro.\n\n- {body}"):
        _check(render(registry.get(channel), placement, snippets=EVIL_SNIPPETS))


@pytest.mark.parametrize("channel", registry.names())
def test_hostile_title_and_fields_are_escaped(channel: str) -> None:
    rendering = render(
        registry.get(channel),
        "Fine.",
        title="</speak><script>alert(1)</script>",
        owner="<img src=x onerror=alert(1)>",
        routing='"><script>alert(2)</script>',
    )
    _check(rendering)


def test_escaped_text_stays_visible_as_text_on_the_web() -> None:
    body = render(registry.get("web"), HOSTILE["script tag"]).body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
