"""HTML to Markdown for importers: ordinary pages convert faithfully, hostile ones safely."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it.common.utils import escapeHtml

from importers.html_markdown import MAX_HTML_BYTES, MAX_HTML_DEPTH, html_to_markdown
from kb.content.markdown import _parser
from kb.errors import InvalidContent

BASE = "https://acme.zendesk.com/hc/en-us/articles/360001"


def convert(html: str, base_url: str | None = BASE) -> str:
    """The Markdown for `html`, as an importer would ask for it."""
    return html_to_markdown(html, source="articles.json: article 1", base_url=base_url)


def rendered(markdown: str) -> str:
    """The HTML our own Markdown parser makes of `markdown` (raw HTML off, as in every channel)."""
    return _parser().render(markdown)


def test_ordinary_article_keeps_headings_lists_emphasis_and_links() -> None:
    html = (
        "<h2>Before you start</h2><p>You need an <strong>active</strong> account &amp; "
        "a <em>card</em>.</p><ol><li>Open <a href='https://acme.com/app'>the app</a></li>"
        "<li>Tap <b>Pay</b><ul><li>or press 1</li></ul></li></ol>"
    )
    assert convert(html) == (
        "## Before you start\n\n"
        "You need an **active** account & a *card*.\n\n"
        "1. Open [the app](https://acme.com/app)\n"
        "2. Tap **Pay**\n"
        "   - or press 1"
    )


def test_table_survives_as_a_pipe_table_with_a_header_row() -> None:
    html = (
        "<table><tbody><tr><td>Plan</td><td>Price</td></tr>"
        "<tr><td>Basic</td><td>5 | 6 EUR</td></tr></tbody></table>"
    )
    markdown = convert(html)
    assert markdown == "| Plan | Price |\n| --- | --- |\n| Basic | 5 \\| 6 EUR |"
    assert "<td>5 | 6 EUR</td>" in rendered(markdown)


def test_nested_table_is_flattened_into_its_cell() -> None:
    html = (
        "<table><tr><th>Plan</th><th>Details</th></tr><tr><td>Basic</td><td>"
        "<table><tr><td>calls</td><td>100</td></tr><tr><td>sms</td><td>50</td></tr></table>"
        "</td></tr></table>"
    )
    html_out = rendered(convert(html))
    assert html_out.count("<table>") == 1
    assert "<td>calls, 100; sms, 50</td>" in html_out


def test_entities_decode_and_nbsp_paragraphs_vanish() -> None:
    assert convert("<p>Caf&eacute;&nbsp;&#8364;5 &lt;today&gt;</p><p>&nbsp;</p><p>x</p>") == (
        "Café €5 \\<today>\n\nx"
    )


def test_scripts_styles_iframes_forms_and_handlers_are_dropped() -> None:
    html = (
        "<script>steal()</script><style>p{color:red}</style><iframe src='https://evil'>f</iframe>"
        "<form action='/x'><input name=q value=secret><button>Go</button>Type here</form>"
        "<p onclick='steal()' style='x'>Safe <span onmouseover='steal()'>text</span></p>"
        "<object data='x.swf'>obj</object><svg><script>steal()</script></svg>"
        "<!-- comment --><?php echo 1 ?><div hidden>hidden text</div><noscript>ns</noscript>"
    )
    markdown = convert(html)
    assert markdown == "Safe text"


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "#top",
    ],
)
def test_unsafe_links_become_their_text(href: str) -> None:
    assert convert(f"<p>Click <a href='{href}'>here</a> now</p>") == "Click here now"


def test_relative_links_resolve_against_the_article_url_or_become_text() -> None:
    html = "<p><a href='/hc/en-us/articles/2'>Refunds</a></p>"
    assert convert(html) == "[Refunds](https://acme.zendesk.com/hc/en-us/articles/2)"
    assert convert(html, base_url=None) == "Refunds"


def test_mailto_tel_and_odd_urls_stay_one_link() -> None:
    html = (
        "<p><a href='mailto:help@acme.com'>mail</a> <a href='tel:+4420'>call</a> "
        "<a href='https://acme.com/a b(c)'>odd</a></p>"
    )
    markdown = convert(html)
    assert markdown == (
        "[mail](mailto:help@acme.com) [call](tel:+4420) [odd](https://acme.com/a%20b%28c%29)"
    )
    assert rendered(markdown).count("<a href") == 3


def test_images_keep_alt_text_and_only_https_sources() -> None:
    html = (
        "<p><img src='https://cdn.acme.com/a.png' alt='Settings screen'></p>"
        "<p><img src='http://cdn.acme.com/b.png' alt='Plain http'></p>"
        "<p><img src='data:image/png;base64,AAAA' alt='Inline data'></p>"
        "<p><img src='javascript:alert(1)' alt='Script'></p>"
    )
    assert convert(html, base_url=None) == (
        "![Settings screen](https://cdn.acme.com/a.png)\n\nPlain http\n\nInline data\n\nScript"
    )


def test_text_that_looks_like_markdown_or_our_syntax_stays_text() -> None:
    html = (
        "<p>{{ support_phone }}</p><p>::: internal</p><p>1. not a list</p><p># not a heading</p>"
        "<p>[x](javascript:alert(1)) &lt;javascript:alert(1)&gt; *a* _b_ &amp;copy; ~~s~~</p>"
        "<p>- not a bullet</p><p>&gt; not a quote</p>"
    )
    out = rendered(convert(html))
    assert out == (
        "<p>{{ support_phone }}</p>\n<p>::: internal</p>\n<p>1. not a list</p>\n"
        "<p># not a heading</p>\n<p>[x](javascript:alert(1)) &lt;javascript:alert(1)&gt; "
        "*a* _b_ &amp;copy; ~~s~~</p>\n<p>- not a bullet</p>\n<p>&gt; not a quote</p>\n"
    )


def test_snippet_syntax_in_page_text_is_not_a_snippet_reference() -> None:
    from kb.content.document import UnitDocument

    body = convert("<p>Call {{ support_phone }} or {{{ x }}}</p>")
    assert UnitDocument(id="a", locale="en", title="A", body=body).snippet_names == frozenset()


def test_code_blocks_and_line_breaks_survive() -> None:
    html = "<p>line one<br>line two</p><pre><code>x = 1\n  y = &lt;2&gt;\n</code></pre>"
    assert convert(html) == "line one\\\nline two\n\n```\nx = 1\n  y = <2>\n```"


def test_same_html_gives_the_same_markdown() -> None:
    html = "<div><h3>A</h3><ul><li>b</li></ul><table><tr><td>c</td></tr></table></div>"
    assert convert(html) == convert(html)


def test_body_over_the_bound_is_refused_naming_the_item_without_converting() -> None:
    page = "<p>" + "word " * (10_000_000 // 5) + "</p>"
    with pytest.raises(InvalidContent) as caught:
        convert(page)
    (problem,) = caught.value.problems
    assert problem.source == "articles.json: article 1"
    assert f"at most {MAX_HTML_BYTES:,}" in problem.message


def test_elements_nested_too_deep_are_refused_not_a_recursion_error() -> None:
    with pytest.raises(InvalidContent) as caught:
        convert("<div>" * 50_000 + "deep")
    assert f"at most {MAX_HTML_DEPTH}" in caught.value.problems[0].message


def test_long_ordered_list_and_long_table_head_convert_whole() -> None:
    items = 20_000
    markdown = convert("<ol>" + "<li>step</li>" * items + "</ol>")
    rows = convert("<table><thead>" + "<tr><td>a</td></tr>" * 5_000 + "</thead></table>")
    assert markdown.endswith(f"{items}. step")
    assert rows.count("\n") == 5_000


def test_colspan_is_bounded() -> None:
    markdown = convert("<table><tr><td colspan='1000'>wide</td></tr></table>")
    assert markdown.count("|") < 50


def test_only_text_at_the_start_of_a_line_is_escaped_for_blocks() -> None:
    html = (
        "<p><b>Note</b>: the price - 3.99 EUR # 2 + tax</p><p>2.5 GB a month</p>"
        "<p>line<br>- after a break</p><ul><li>1. first</li></ul>"
    )

    assert convert(html) == (
        "**Note**: the price - 3.99 EUR # 2 + tax\n\n2.5 GB a month\n\n"
        "line\\\n\\- after a break\n\n- 1\\. first"
    )
    assert "<li>1. first</li>" in rendered(convert(html))


#: Pieces of page text that mean something in Markdown or to our parser.
_TRICKY = st.sampled_from(
    [*"ab1 -+*_#>=:|[]()<>!`~{}\\&;.)0", "&amp;", "{{", "}}", ":::", "1.", "- ", "# ", "---", "==="]
)
_TEXT = st.lists(_TRICKY, min_size=1, max_size=12).map("".join).filter(str.strip)


@settings(max_examples=300, deadline=None)
@given(_TEXT, _TEXT, _TEXT)
def test_any_page_text_reads_back_as_the_same_text(first: str, second: str, item: str) -> None:
    page = (
        f"<p>{html.escape(first)}<br>{html.escape(second)}</p><ul><li>{html.escape(item)}</li></ul>"
    )

    out = rendered(convert(page)).replace(" <br />", "<br />")

    words = [escapeHtml(" ".join(text.split())) for text in (first, second, item)]
    assert out == f"<p>{words[0]}<br />\n{words[1]}</p>\n<ul>\n<li>{words[2]}</li>\n</ul>\n"


_INLINE_TAGS = st.sampled_from(["b", "strong", "i", "em", "s", "span", "code", "u"])
_PIECES = st.lists(_TRICKY | st.sampled_from(["javascript:", "http://x.y"]), min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(_PIECES.map("".join), _PIECES.map("".join), _PIECES.map("".join), _INLINE_TAGS)
def test_text_split_by_inline_tags_keeps_its_words_and_makes_no_link(
    before: str, inside: str, after: str, tag: str
) -> None:
    texts = [html.escape(t) for t in (before, inside, after)]
    page = f"<p>{texts[0]}<{tag}>{texts[1]}</{tag}>{texts[2]}</p>"

    out = rendered(convert(page))

    assert "<a " not in out and "<img" not in out and "< />" not in out
    words = html.unescape(re.sub(r"<[^>]+>", "", out))
    assert "".join(words.split()) == "".join((before + inside + after).split())


def test_bold_that_markdown_cannot_open_after_a_letter_becomes_plain_text() -> None:
    assert convert("<p>Plan<b>(new)</b> and <b>fees</b> or <i>&quot;extra&quot;</i></p>") == (
        'Plan(new) and **fees** or *"extra"*'
    )
