"""HTML from another system (a help-center article, an FAQ answer) to Markdown in our format.

The conversion itself is markdownify's (on a BeautifulSoup tree); this module wraps it so that the
Markdown keeps the rules our renderers keep for raw HTML and links:

- scripts, styles, iframes, forms, embedded objects, media, `hidden` elements, comments and
  processing instructions are dropped with everything inside them; other tags are unwrapped to
  their text (attributes, event handlers among them, never reach the Markdown);
- links keep only http(s), mailto and tel targets (relative ones resolved against `base_url` when
  given); any other link, `javascript:` first, becomes its plain text;
- images keep only https sources, else their alt text;
- text that would read as Markdown or as our own syntax (`{{ snippet }}`, `::: block`, `<autolink>`,
  `[link](...)`, entities, emphasis, a line starting a heading or a list) is escaped, so what the
  page said is what the unit says; raw HTML cannot come out of text (and our Markdown parser
  shows any that did as text anyway);
- bold, italics and strike-through become `**`, `*` and `~~` where Markdown reads them so, and
  plain text where it would not (`Plan<b>(new)</b>` would show its asterisks);
- tables (a table inside a cell is flattened into the cell's text), lists and code survive;
  entities are decoded, whitespace is tidied, and the same HTML always gives the same Markdown.

Bodies over `MAX_HTML_BYTES` and trees nested deeper than `MAX_HTML_DEPTH` are refused with a
Problem naming the item, rather than converted slowly or not at all.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString, PageElement, PreformattedString
from markdownify import ATX, BACKSLASH, MarkdownConverter, chomp

from kb.errors import InvalidContent, Problem

__all__ = ["MAX_HTML_BYTES", "MAX_HTML_DEPTH", "html_to_markdown"]

#: The largest HTML body converted (UTF-8 bytes); a help-center article is rarely over 100 kB.
MAX_HTML_BYTES = 2_000_000
#: The deepest element nesting converted: the converter recurses once per level, and Markdown
#: nested that deep would be refused on import anyway (kb/content/nesting.py).
MAX_HTML_DEPTH = 150
#: Elements dropped with all they hold: active content, page furniture, form controls, media.
DROPPED_TAGS = (
    "script",
    "style",
    "iframe",
    "frame",
    "frameset",
    "form",
    "input",
    "button",
    "select",
    "option",
    "textarea",
    "object",
    "embed",
    "applet",
    "noscript",
    "template",
    "svg",
    "math",
    "canvas",
    "video",
    "audio",
    "head",
    "title",
    "meta",
    "link",
    "base",
)
_DROPPED = frozenset(DROPPED_TAGS)
#: Link schemes a unit may carry (the web renderer's own list).
_LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
#: Widest colspan kept: a hostile `colspan=1000` on many cells would multiply the output.
_MAX_COLSPAN = 20

#: A backslash that would escape what follows it, now or once a space beside it is moved (or,
#: last in a text, a line break or a mark after it).
_BACKSLASH_BEFORE_PUNCT = re.compile(r"\\(?=[!-/:-@\[-`{-~]|\s|$)")
_INLINE_SPECIALS = re.compile(r"([`*_\[\]<])")
#: A tilde that may be part of a run (`~~` strikes out, `~~~` opens a fence), even with a
#: tilde of the text beside.
_TILDE_RUN = re.compile(r"~(?=~)|(?<=~)~|^~|~$")
_ENTITY_LIKE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
#: What a line may start with to become a block: heading, quote, list, rule, fence, `:::`.
_LINE_START = re.compile(r"^(\s*)(>|#{1,6}(?=\s|$)|[-+](?=\s|$)|-(?=[-\s]*$)|=+\s*$|:::|\|)")
_DELIMITER_ROW = re.compile(r"^[\s|:]*-[\s|:-]*$")
_MARKER_START_DIGITS = re.compile(r"^\s*\d{1,9}$")
_MARKER_START_COLONS = re.compile(r"^\s*:{1,2}$")
_LINE_NUMBER = re.compile(r"^(\s*\d{1,9})([.)])(?=\s|$)")
#: Elements that start a line of their own in the Markdown (text after them starts one too).
_BLOCKS = frozenset((
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "table",
    "thead", "tbody", "tfoot", "tr", "td", "th", "blockquote", "pre", "section", "article",
    "header", "footer", "aside", "nav", "main", "figure", "figcaption", "hr", "br", "body", "html",
))  # fmt: skip
_URL_UNSAFE = {
    "\t": "",
    "\n": "",
    "\r": "",
    " ": "%20",
    "(": "%28",
    ")": "%29",
    "<": "%3C",
    ">": "%3E",
    "|": "%7C",
}
_BLANK_RUN = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t]+$", re.MULTILINE)


def html_to_markdown(html: str, *, source: str, base_url: str | None = None) -> str:
    """Convert `html` to Markdown in our content format, dropping whatever is unsafe.

    `source` names the item in a refusal (file and article); `base_url` is where the HTML was
    published, so relative links and images can be kept as absolute ones."""
    size = len(html.encode("utf-8", "surrogatepass"))
    if size > MAX_HTML_BYTES:
        raise InvalidContent(
            [
                Problem(
                    f"the HTML body is {size:,} bytes; at most {MAX_HTML_BYTES:,} are converted",
                    source,
                )
            ]
        )
    soup = BeautifulSoup(html, "html.parser", element_classes={Tag: _Tag})
    depth = _depth(soup)
    if depth > MAX_HTML_DEPTH:
        raise InvalidContent(
            [
                Problem(
                    f"the HTML nests elements {depth} deep; at most {MAX_HTML_DEPTH} are converted",
                    source,
                )
            ]
        )
    _clean(soup)
    markdown = _SafeConverter(base_url=base_url).convert_soup(soup)
    return _tidy(markdown)


class _Tag(Tag):
    """A tag whose `find_parent("name")` walks up by name: markdownify asks it of every tag,
    and bs4's general matcher builds a filter for each call (5-10% of a conversion)."""

    def find_parent(self, name: Any = None, attrs: Any = None, **kwargs: Any) -> Any:
        """The nearest ancestor named `name` (or bs4's general search for other queries)."""
        if not isinstance(name, str) or attrs or kwargs:
            return super().find_parent(name, attrs or {}, **kwargs)
        parent = self.parent
        while parent is not None and parent.name != name:
            parent = parent.parent
        return parent


def _depth(soup: BeautifulSoup) -> int:
    """How deep elements nest, counted without recursion (a hostile page nests 100,000 deep)."""
    deepest = 0
    stack: list[tuple[Tag, int]] = [(soup, 0)]
    while stack:
        tag, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in tag.children if isinstance(child, Tag))
    return deepest


def _clean(soup: BeautifulSoup) -> None:
    """Drop active and hidden content and flatten nested tables, before markdownify sees it
    (one walk over the tree: a find_all per rule took a third of the conversion)."""
    dropped: list[PageElement] = []
    cells: list[Tag] = []
    heads: list[Tag] = []
    tables: list[Tag] = []
    spaced: list[NavigableString] = []
    for node in soup.descendants:
        if isinstance(node, Tag):
            if node.name in _DROPPED or node.has_attr("hidden"):
                dropped.append(node)
            elif node.name in ("td", "th"):
                cells.append(node)
            elif node.name in ("thead", "table"):
                (heads if node.name == "thead" else tables).append(node)
        elif isinstance(node, PreformattedString):
            dropped.append(node)  # comments, CDATA, processing instructions, doctypes
        elif "\xa0" in node:
            spaced.append(node)
    for node in dropped:
        if not node.decomposed:
            node.decompose() if isinstance(node, Tag) else node.extract()
    for text in spaced:  # `&nbsp;` paragraphs vanish like blank ones (not in code)
        if not text.decomposed and text.parent is not None and text.find_parent("pre") is None:
            text.replace_with(str(text).replace("\xa0", " "))
    for cell in cells:
        span = str(cell.get("colspan", "1"))
        cell["colspan"] = str(min(int(span), _MAX_COLSPAN)) if span.isdigit() else "1"
    for head in heads:
        if len(head.find_all("tr", recursive=False)) > 1:
            head.name = "tbody"  # one header row in Markdown (and markdownify is quadratic here)
    for table in reversed(tables):
        if not table.decomposed and table.find_parent(["td", "th"]) is not None:
            table.replace_with(_table_text(table))


def _table_text(table: Tag) -> str:
    """A table's text on one line, its cells apart by commas and its rows by semicolons."""
    rows = []
    for row in table.find_all("tr"):
        cells = (" ".join(cell.get_text(" ").split()) for cell in row.find_all(["td", "th"]))
        rows.append(", ".join(cell for cell in cells if cell))
    return " " + "; ".join(row for row in rows if row) + " "


def _tidy(markdown: str) -> str:
    """Trailing spaces off every line, at most one blank line in a row, no blank edges."""
    markdown = _TRAILING_SPACE.sub("", markdown)
    return _BLANK_RUN.sub("\n\n", markdown).strip("\n")


def _char_beside(element: Tag, *, before: bool) -> str:
    """The page character just before (or after) `element` on its line, "" at a block's edge."""
    node: PageElement = element
    while True:
        near = node.previous_sibling if before else node.next_sibling
        while near is not None:
            if isinstance(near, Tag) and near.name in _BLOCKS:
                return ""
            text = near.get_text() if isinstance(near, Tag) else str(near)
            if text:
                return text[-1] if before else text[0]
            near = near.previous_sibling if before else near.next_sibling
        parent = node.parent
        if parent is None or parent.name in _BLOCKS or parent.name == "[document]":
            return ""
        node = parent


def _loose(char: str) -> bool:
    """Whether `char` lets an emphasis run beside it open or close: an edge, space, punctuation."""
    return not char or char.isspace() or unicodedata.category(char)[0] in "PS"


def _emphasis_holds(element: Tag, inner: str, prefix: str, suffix: str) -> bool:
    """Whether `*inner*` written where `element` is parses as emphasis (CommonMark's flanking
    rules): text starting with punctuation right after a letter would show its asterisks."""
    core = inner.strip("*~")
    if not core:
        return False
    before = prefix or _char_beside(element, before=True)
    after = suffix or _char_beside(element, before=False)
    opens = not _loose(core[0]) or _loose(before[-1:])
    closes = not _loose(core[-1]) or _loose(after[:1])
    return opens and closes


def _at_line_start(node: PageElement) -> bool:
    """Whether the text `node` starts a line of the Markdown: nothing but blocks (or a line
    break) before it, up to its nearest block. Only such text can open a heading or a list."""
    while True:
        before = node.previous_sibling
        while isinstance(before, NavigableString) and not before.strip():
            before = before.previous_sibling
        if before is not None:
            return isinstance(before, Tag) and before.name in _BLOCKS
        parent = node.parent
        if parent is None or parent.name in _BLOCKS or parent.name == "[document]":
            return True
        node = parent


def _line_before(node: PageElement, limit: int = 12) -> str | None:
    """The page text on `node`'s line before it, or None when that is longer than `limit`."""
    parts: list[str] = []
    while True:
        near = node.previous_sibling
        while near is not None:
            if isinstance(near, Tag) and near.name in _BLOCKS:
                return "".join(reversed(parts))
            parts.append(near.get_text() if isinstance(near, Tag) else str(near))
            if sum(map(len, parts)) > limit:
                return None
            near = near.previous_sibling
        parent = node.parent
        if parent is None or parent.name in _BLOCKS or parent.name == "[document]":
            return "".join(reversed(parts))
        node = parent


def _continues_a_marker(node: PageElement, text: str) -> bool:
    """Whether `text` would complete a list marker or a `:::` line begun by the text before it
    on its line (`1<b>.</b> Pay`, `:<b>::</b> internal`)."""
    if text[:1] not in (".", ")", ":"):
        return False
    before = _line_before(node)
    if before is None:
        return False
    if text[0] == ":":
        return _MARKER_START_COLONS.match(before) is not None
    return _MARKER_START_DIGITS.match(before) is not None and text[1:2] in ("", " ")


def _escape_text(text: str, *, in_cell: bool, line_start: bool = True) -> str:
    """Escape what would read as Markdown or as our syntax in a piece of page text (at the
    start of a line also what would open a block there)."""
    text = _BACKSLASH_BEFORE_PUNCT.sub(r"\\\\", text)
    text = _INLINE_SPECIALS.sub(r"\\\1", text)
    text = _TILDE_RUN.sub(r"\\~", text)
    text = _ENTITY_LIKE.sub(r"\\&", text)
    if "{{" in text:
        text = text.replace("{", "\\{")
    if in_cell:
        text = text.replace("|", "\\|")
    if not line_start:
        return text
    if "|" in text and _DELIMITER_ROW.match(text):
        text = text.replace("|", "\\|")  # would make the line above it a table's header
    text = _LINE_NUMBER.sub(r"\1\\\2", text)
    return _LINE_START.sub(r"\1\\\2", text)


def _url(href: str) -> str:
    """`href` written so a Markdown link destination cannot end early."""
    return "".join(_URL_UNSAFE.get(char, char) for char in href)


class _SafeConverter(MarkdownConverter):
    """markdownify with our choices: ATX headings, `-` bullets, backslash line breaks, text on
    one line per paragraph (no wrapping), header rows inferred, and safe links, images and text."""

    def __init__(self, *, base_url: str | None) -> None:
        """A converter resolving relative links against `base_url` (None: drop them)."""
        super().__init__(
            heading_style=ATX,
            bullets="-",
            newline_style=BACKSLASH,
            wrap=True,
            wrap_width=None,
            table_infer_header=True,
            escape_asterisks=False,
            escape_underscores=False,
            escape_misc=False,
            autolinks=True,
        )
        self.base_url = base_url

    def _target(self, value: Any, schemes: frozenset[str]) -> str | None:
        """An absolute URL with one of `schemes` for `value`, or None."""
        if not isinstance(value, str) or not value.strip():
            return None
        url = value.strip()
        if self.base_url and not urlsplit(url).scheme and not url.startswith("#"):
            url = urljoin(self.base_url, url)
        try:
            scheme = urlsplit(url).scheme.lower()
        except ValueError:
            return None
        return _url(url) if scheme in schemes else None

    def process_text(self, el: NavigableString, parent_tags: set[str] | None = None) -> str:
        """markdownify's, remembering the text node for `escape`."""
        self._text_node = el
        return str(super().process_text(el, parent_tags))

    def escape(self, text: str, parent_tags: set[str]) -> str:
        """Escape page text (markdownify leaves code and preformatted text alone)."""
        node = getattr(self, "_text_node", None)
        escaped = _escape_text(
            text,
            in_cell=bool(parent_tags & {"td", "th"}),
            line_start=node is None or _at_line_start(node),
        )
        if node is not None and _continues_a_marker(node, escaped):
            escaped = "\\" + escaped
        return escaped

    def convert_a(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        """A link with a safe target, else its text."""
        url = self._target(el.get("href"), _LINK_SCHEMES)
        if "_noformat" in parent_tags or url is None or not text.strip():
            return text
        stripped = text.strip()
        prefix = " " if text[:1].isspace() else ""
        suffix = " " if text[-1:].isspace() else ""
        if stripped.replace("\\", "") == url and urlsplit(url).scheme in ("http", "https"):
            return f"{prefix}<{url}>{suffix}"
        return f"{prefix}[{stripped}]({url}){suffix}"

    def convert_img(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        """An https image with its alt text, else only the alt text."""
        alt = " ".join(str(el.get("alt") or "").split())
        alt = _escape_text(alt, in_cell=False, line_start=False)
        url = self._target(el.get("src"), frozenset({"https"}))
        if url is None or "_inline" in parent_tags:
            return alt
        return f"![{alt}]({url})"

    def _inline(self, el: Tag, text: str, parent_tags: set[str], markup: str) -> str:
        """`text` between `markup` (`**`, `*`, `~~`), or plain where the marks would show."""
        if "_noformat" in parent_tags:
            return text
        prefix, suffix, inner = chomp(text)
        if not inner:
            return ""
        if not _emphasis_holds(el, inner, prefix, suffix):
            return f"{prefix}{inner}{suffix}"
        return f"{prefix}{markup}{inner}{markup}{suffix}"

    def convert_b(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        """Bold, where it parses as bold."""
        return self._inline(el, text, parent_tags, "**")

    def convert_em(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        """Italics, where they parse as italics."""
        return self._inline(el, text, parent_tags, "*")

    def convert_del(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        """Struck-out text, where it parses as such."""
        return self._inline(el, text, parent_tags, "~~")

    convert_strong = convert_b
    convert_i = convert_em
    convert_s = convert_del

    def convert_code(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        """Inline code; in a table cell its pipes are escaped, or they would split the cell."""
        code = super().convert_code(el, text, parent_tags)
        return code.replace("|", "\\|") if parent_tags & {"td", "th"} else code

    def convert_li(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        """A list item; numbers come from a count kept per list, not a scan of the siblings
        before each item (markdownify's, quadratic in a list of 100,000 items)."""
        text = (text or "").strip()
        if not text:
            return "\n"
        parent = el.parent
        bullet = "-"
        if parent is not None and parent.name == "ol":
            bullet = f"{self._ordinal(parent, el)}."
        indent = " " * (len(bullet) + 1)
        lines = text.split("\n")
        body = "\n".join([lines[0], *(indent + line if line else "" for line in lines[1:])])
        return f"{bullet} {body}\n"

    def _ordinal(self, ol: Tag, item: Tag) -> int:
        """`item`'s number in the ordered list `ol` (its `start` honoured)."""
        numbers: dict[int, int] | None = getattr(ol, "_kb_numbers", None)
        if numbers is None:
            start = str(ol.get("start", "1"))
            first = int(start) if start.isdigit() and len(start) < 9 else 1
            items = [
                child for child in ol.children if isinstance(child, Tag) and child.name == "li"
            ]
            numbers = {id(li): n for n, li in enumerate(items, start=first)}
            ol._kb_numbers = numbers  # type: ignore[attr-defined]
        return numbers.get(id(item), 1)
