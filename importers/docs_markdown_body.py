"""A Docusaurus or Hugo page body in our content format: admonitions become quotes (or our own
`::: internal`/`::: only` blocks, which pass through), MDX imports, JSX components and Hugo
shortcodes we cannot render are removed and reported, links to imported pages become `unit:`
links, links no channel can open (`ms-settings:`) keep their text and are reported. Line by
line, leaving fenced code exactly as written."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field

from importers.docs_markdown_syntax import (
    ADMONITION_CLOSE,
    ADMONITION_OPEN,
    ALERT,
    BR,
    CLOSING_TAIL,
    CODE_SHORTCODES,
    CODE_SPAN,
    EXPORT,
    FENCE,
    H1,
    HEADING_ID,
    HTML_ONLY,
    HTML_WRAP,
    IMPORT,
    JSX_TAG,
    LINK,
    LINK_SCHEMES,
    MDX_COMMENT,
    PAIRED_INLINE,
    PRE_CLOSE,
    PRE_OPEN,
    QUOTE_SHORTCODES,
    REFDEF,
    SCHEME,
    SCRIPT_OPEN,
    SHORTCODE,
    SNIPPETISH,
    admonition_label,
    shortcode_args,
    shortcode_label,
)
from kb.content.markdown import CONTAINERS

__all__ = ["Converted", "convert_body"]


@dataclass
class Converted:
    """A converted body, the title its leading `# heading` gave, and what was left out."""

    body: str
    title: str | None = None
    #: (line of the page file, what was removed or could not be converted).
    warnings: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Frame:
    """An open block: a quote (admonition), a passed-through `:::` block of ours, a dropped
    wrapper (its text kept), a code block (a Hugo highlight or diagram), or lines skipped up to
    the one holding the frame's name (a script's close, a JSX tag's end)."""

    kind: str
    name: str
    #: The indent of a quote's opening line (inside a list item): its lines keep it.
    indent: str = ""


@dataclass
class _State:
    """Where the conversion is: open blocks, an open code fence, an open HTML comment."""

    first_line: int
    resolve: Callable[[str], str | None]
    mdx: bool
    #: The page's locale: admonition labels are written in its language when we know it.
    locale: str = "en"
    out: list[str] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    frames: list[_Frame] = field(default_factory=list)
    fence: str | None = None
    in_comment: bool = False
    #: Line numbers (0-based) of closing shortcodes by name, for "is this one paired?".
    closings: dict[str, list[int]] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        """The `> ` marks of the open quotes, put before every line written inside them (after
        the first one's indent, so a quote in a list item stays in it)."""
        quotes = [f for f in self.frames if f.kind == "quote"]
        return quotes[0].indent + "> " * len(quotes) if quotes else ""

    def emit(self, text: str) -> None:
        """Write a line of the converted body inside the open quotes (less their indent)."""
        quotes = [f for f in self.frames if f.kind == "quote"]
        if quotes and text.startswith(quotes[-1].indent):
            text = text[len(quotes[-1].indent) :]
        self.out.append((self.prefix + text).rstrip() if text or self.prefix else "")

    def warn(self, index: int, message: str) -> None:
        """Report what line `index` of the body lost, by its line in the page file."""
        self.warnings.append((self.first_line + index, message))


def convert_body(
    text: str,
    *,
    first_line: int,
    resolve: Callable[[str], str | None],
    mdx: bool,
    take_title: bool,
    locale: str = "en",
) -> Converted:
    """Convert a page body whose first line is line `first_line` of its file. `resolve` turns a
    relative link target into our target (`unit:id` or a URL) or None; `mdx` strips imports and
    JSX; `take_title` takes a leading `# heading` out as the title; labels are in `locale`."""
    lines = text.split("\n")
    state = _State(first_line, resolve, mdx, locale, closings=_closing_shortcodes(lines))
    title = _leading_title(lines, mdx) if take_title else None
    for index, line in enumerate(lines):
        if title is not None and index == title[0]:
            continue
        _line(state, index, line)
    for frame in reversed(state.frames):
        if frame.kind == "code":
            state.out.append("```")
        elif frame.kind == "pass":
            state.out.append(":::")
    if state.frames:
        name = state.frames[-1].name
        block = f"':::{name[1:]}'" if name.startswith(":") else f"'{name}'"
        state.warn(len(lines) - 1, f"{block} is not closed; closed at the end of the page")
    body = "\n".join(_squeeze_blank_lines(state.out))
    return Converted(body, title[1] if title else None, state.warnings)


def _squeeze_blank_lines(lines: list[str]) -> list[str]:
    """One blank line where removed markup left several (code blocks keep theirs)."""
    kept: list[str] = []
    fence: str | None = None
    for line in lines:
        bare = re.sub(r"^(?:> ?)+", "", line)
        if fence is None and not line.strip() and kept and not kept[-1].strip():
            continue
        fence = _fence_after(fence, bare)
        kept.append(line)
    return kept


def _leading_title(lines: list[str], mdx: bool) -> tuple[int, str] | None:
    """The index and text of a `# heading` that opens the page (imports and blanks before it)."""
    for index, line in enumerate(lines):
        if not line.strip() or (mdx and IMPORT.match(line)) or line.strip().startswith("<!--"):
            continue
        match = H1.match(line)
        return (index, HEADING_ID.sub(r"\1", match.group(1)).strip()) if match else None
    return None


def _closing_shortcodes(lines: list[str]) -> dict[str, list[int]]:
    """Where each shortcode name is closed (`{{< /name >}}`), outside fenced code."""
    found: dict[str, list[int]] = {}
    fence: str | None = None
    for index, line in enumerate(lines):
        fence = _fence_after(fence, line)
        if fence is not None or "{{" not in line:
            continue
        for match in SHORTCODE.finditer(line):
            if match.group(3) and not match.group(2):
                found.setdefault(match.group(4).lower(), []).append(index)
    return found


def _fence_after(fence: str | None, line: str) -> str | None:
    """The open fence after `line`: opened by it, closed by it, or unchanged."""
    match = FENCE.match(line)
    if fence is None:
        return match.group(1) if match else None
    marks = match.group(1) if match else ""
    if marks[:1] == fence[0] and len(marks) >= len(fence) and not line.strip().lstrip(fence[0]):
        return None
    return fence


def _line(state: _State, index: int, line: str) -> None:
    """Convert one line, updating the open blocks."""
    if state.fence is not None:
        state.emit(line)
        state.fence = _fence_after(state.fence, line)
        return
    if state.frames and state.frames[-1].kind == "code":
        _code_line(state, index, line)
        return
    if state.frames and state.frames[-1].kind == "skip":  # its name is what ends it
        if state.frames[-1].name in line.lower():
            state.frames.pop()
        return
    if state.in_comment or line.lstrip().startswith("<!--"):
        after = line if state.in_comment else line.split("<!--", 1)[1]
        state.in_comment = "-->" not in after
        rest = "" if state.in_comment else after.split("-->", 1)[1]
        if rest.strip():
            _line(state, index, rest)
        return
    if FENCE.match(line):
        state.fence = _fence_after(None, line)
        state.emit(line)
        return
    if _admonition(state, index, line) or _block_shortcode(state, index, line):
        return
    if _mdx_line(state, index, line):
        return
    state.emit(_inline(state, index, line))


def _admonition(state: _State, index: int, line: str) -> bool:
    """A Docusaurus `:::kind [title]` opening or a `:::` close: handled when True."""
    if ADMONITION_CLOSE.match(line):
        if state.frames and state.frames[-1].kind in ("quote", "pass"):
            frame = state.frames.pop()
            if frame.kind == "pass":
                state.emit(line.strip())
            elif frame.name.startswith(":"):
                state.emit("")
            return True
        return False
    match = ADMONITION_OPEN.match(line)
    if match is None:
        return False
    kind, rest = match.group(2).lower(), match.group(3).strip()
    if kind in CONTAINERS:
        state.emit(f"::: {kind} {rest}".rstrip())
        state.frames.append(_Frame("pass", kind))
        return True
    title = rest[1:].split("]", 1)[0] if rest.startswith("[") else re.sub(r"\{.*\}", "", rest)
    indent = line[: len(line) - len(line.lstrip())]
    _open_quote(state, f":{kind}", admonition_label(kind, title.strip(), state.locale), indent)
    return True


def _open_quote(state: _State, name: str, label: str, indent: str = "") -> None:
    """Start a quote: its bold label line and a blank quoted line."""
    state.frames.append(_Frame("quote", name, indent.replace("\t", "    ")))
    state.emit(label)
    state.emit("")


def _block_shortcode(state: _State, index: int, line: str) -> bool:
    """A line holding only a Hugo shortcode tag (or one with text after an opening or before a
    closing tag, which is then split): handled when True."""
    stripped = line.strip()
    if "{{" not in stripped:
        return False
    if _split_block_tag(state, index, stripped):
        return True
    match = SHORTCODE.fullmatch(stripped)
    if match is None or match.group(2):
        return False
    closing, name = bool(match.group(3)), match.group(4).lower()
    args = match.group(5).strip()
    if closing:
        if any(f.name == name for f in state.frames):
            while state.frames:
                frame = state.frames.pop()
                if frame.kind == "quote":
                    state.emit("")
                if frame.name == name:
                    break
        return True
    self_closing = args.endswith("/")
    paired = not self_closing and bisect_right(state.closings.get(name, []), index) < len(
        state.closings.get(name, [])
    )
    positional, named = shortcode_args(args.rstrip("/"))
    if paired and name in CODE_SHORTCODES:
        language = positional[0] if name == "highlight" and positional else CODE_SHORTCODES[name]
        state.emit(f"```{language}")
        state.frames.append(_Frame("code", name))
    elif paired and name in QUOTE_SHORTCODES:
        _open_quote(state, name, shortcode_label(name, positional, named, state.locale))
    elif paired:
        state.frames.append(_Frame("drop", name))
        caption = named.get("name") or named.get("title") or named.get("label")
        if caption:
            state.emit(f"**{caption}**")
        state.warn(index, f"Hugo shortcode '{name}' removed; the text inside it is kept")
    else:
        state.warn(index, f"Hugo shortcode '{name}' removed: it cannot be rendered here")
    return True


def _split_block_tag(state: _State, index: int, stripped: str) -> bool:
    """`{{% notice tip %}}Text` or `Text{{% /notice %}}`: the tag and the text apart."""
    if PAIRED_INLINE.search(stripped):
        return False
    head = SHORTCODE.match(stripped)
    opening = head is not None and not head.group(2) and not head.group(3)
    if head and opening and head.end() < len(stripped) and _block_shortcode(state, index, head[0]):
        _line(state, index, stripped[head.end() :])
        return True
    tail = CLOSING_TAIL.search(stripped)
    if tail and tail.start() > 0 and any(f.name == tail.group(1).lower() for f in state.frames):
        _line(state, index, stripped[: tail.start()])
        return _block_shortcode(state, index, tail.group(0))
    return False


def _code_line(state: _State, index: int, line: str) -> None:
    """A line inside a Hugo code shortcode: raw, until its closing tag."""
    if state.frames[-1].name == "<pre>":
        if PRE_CLOSE.match(line):
            state.frames.pop()
            state.emit("```")
        else:
            state.emit(line)
        return
    match = SHORTCODE.fullmatch(line.strip())
    if match and match.group(3) and match.group(4).lower() == state.frames[-1].name:
        state.frames.pop()
        state.emit("```")
        return
    state.emit(line)


def _mdx_line(state: _State, index: int, line: str) -> bool:
    """An MDX import or export, a JSX component's tag, or an HTML-only line: handled when True."""
    stripped = line.strip()
    script = SCRIPT_OPEN.match(line)
    if script is not None:
        name = script.group(1).lower()
        state.warn(index, f"<{name}> removed with what it holds")
        if f"</{name}" not in line.lower():
            state.frames.append(_Frame("skip", f"</{name}"))
        return True
    if state.mdx and (IMPORT.match(line) or EXPORT.match(line)):
        state.warn(index, f"MDX line removed: {stripped[:80]}")
        return True
    jsx = JSX_TAG.match(line) if state.mdx else None
    if jsx is not None:
        closing, name = bool(jsx.group(1)), jsx.group(2)
        wrapped = re.match(rf"^\s*<{re.escape(name)}\b[^>]*>(.*)</{re.escape(name)}>\s*$", line)
        if wrapped:
            state.warn(index, f"JSX component <{name}> removed; its text is kept")
            state.emit(_inline(state, index, wrapped.group(1)))
        elif not closing:
            open_tag = ">" not in line[jsx.end() :]  # its attributes go on below
            kept = "" if stripped.endswith("/>") or open_tag else "; its text is kept"
            state.warn(index, f"JSX component <{name}> removed{kept}")
            if open_tag:
                state.frames.append(_Frame("skip", ">"))
            label = re.search(r'\b(?:label|title)="([^"]+)"', line)
            if label and kept:
                state.emit(f"**{label.group(1)}**")
        return True
    if PRE_OPEN.match(line):
        state.emit("```")
        state.frames.append(_Frame("code", "<pre>"))
        return True
    wrapped = HTML_WRAP.match(line)
    if wrapped and wrapped.group(1) == "summary":
        state.emit(f"**{_inline(state, index, wrapped.group(2)).strip()}**")
        return True
    if HTML_ONLY.match(line):
        if not re.match(r"^\s*</?(details|div|p|span|center)\b", line):
            state.warn(index, f"HTML removed: {stripped[:80]}")
        return True
    return False


def _inline(state: _State, index: int, line: str) -> str:
    """Inline conversions outside code spans: shortcodes, links, alerts, heading ids."""
    line = ALERT.sub(
        lambda m: m.group(1) + admonition_label(m.group(2).lower(), m.group(3), state.locale), line
    )
    line = HEADING_ID.sub(r"\1", line)
    ref = REFDEF.match(line)
    if ref and not SCHEME.match(ref.group(2)) and not ref.group(2).startswith("#"):
        target = state.resolve(ref.group(2))
        return f"{ref.group(1)}{target or ref.group(2)}{ref.group(3)}"
    parts: list[str] = []
    last = 0
    for span in CODE_SPAN.finditer(line):
        parts.append(_inline_text(state, index, line[last : span.start()]))
        parts.append(span.group(0))
        last = span.end()
    parts.append(_inline_text(state, index, line[last:]))
    line = "".join(parts)
    if "](" not in line:
        return line
    spans = [m.span() for m in CODE_SPAN.finditer(line)]

    def link(match: re.Match[str]) -> str:
        inside = any(start <= match.start() < end for start, end in spans)
        return match.group(0) if inside else _link(state, index, match)

    return LINK.sub(link, line)


def _inline_text(state: _State, index: int, text: str) -> str:
    """Inline conversions of text that is not code."""
    if "{{" in text:
        text = PAIRED_INLINE.sub(lambda m: _paired_inline(state, index, m), text)
        text = SHORTCODE.sub(lambda m: _inline_shortcode(state, index, m), text)
        text = SNIPPETISH.sub(r"\\{\\{", text)
    if state.mdx:
        text = MDX_COMMENT.sub("", text)
    return BR.sub(" ", text)


def _inline_shortcode(state: _State, index: int, match: re.Match[str]) -> str:
    """A shortcode inside a line: a reference becomes its target, others are removed."""
    if match.group(2):  # {{</* x */>}}: Hugo's way to write a shortcode as text
        close = ">" if match.group(1) == "<" else "%"
        inner = f"{match.group(3)}{match.group(4)}{match.group(5).rstrip()}"
        return "{{" + f"{match.group(1)} {inner} {close}" + "}}"
    name = match.group(4).lower()
    positional, _named = shortcode_args(match.group(5))
    if name in ("ref", "relref") and positional:
        return state.resolve(positional[0]) or positional[0]
    if match.group(3):
        return ""
    state.warn(index, f"Hugo shortcode '{name}' removed: it cannot be rendered here")
    return ""


def _paired_inline(state: _State, index: int, match: re.Match[str]) -> str:
    """A shortcode opened and closed in one line: a button becomes a link, others their text."""
    name, inner = match.group(2).lower(), match.group(4)
    _positional, named = shortcode_args(match.group(3))
    if name == "button" and named.get("href"):
        return f"[{inner.strip()}]({named['href']})"
    state.warn(index, f"Hugo shortcode '{name}' removed; the text inside it is kept")
    return inner


def _link(state: _State, index: int, match: re.Match[str]) -> str:
    """A Markdown link or image whose relative target is resolved; unresolved ones are
    reported (a link keeps its text, an image its description)."""
    bang, text, target, title = match.groups()
    if target.startswith("#") and not bang:
        return text  # a place in the same page: the unit is the page, its text stays
    scheme = SCHEME.match(target)
    if scheme and not bang and scheme.group(0)[:-1].lower() not in LINK_SCHEMES:
        state.warn(index, f"link '{target[:60]}' removed: not http(s), mailto or tel; text kept")
        return text  # a channel would drop it (`ms-settings:`, `javascript:`): say so now
    if not target or target.startswith("#") or scheme or target.startswith("//"):
        return match.group(0)
    resolved = state.resolve(target)
    if resolved is not None:
        return f"{bang}[{text}]({resolved}{title or ''})"
    if bang:
        state.warn(index, f"image '{target}' is not imported; its description is kept")
        return f"*{text}*" if text else ""
    state.warn(index, f"link '{target}' does not lead to an imported page; its text is kept")
    return text
