"""Bodies nested deeper than the parser goes, found so that no text goes missing without a word.

markdown-it stops at `MAX_NESTING` levels of lists, quotes and `:::` blocks: it does not parse
what the deepest block holds, and in a list not the rest of the body either, so no channel shows
that text. `kb check` and every import refuse such a body, naming the line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markdown_it.token import Token

from kb.content.markdown import CONTAINERS, MAX_NESTING, parse_body

__all__ = ["TOO_DEEP", "lost_line", "may_nest_too_deep", "too_deep_line"]

#: What is wrong with such a body, and what to do (after "line N of the body").
TOO_DEEP = (
    f"nests lists, quotes and ::: blocks too deep: at most {MAX_NESTING - 1} levels, a list "
    "counting as two, or what lies deeper is missing from every channel; nest less deeply"
)
#: Blocks whose content the parser parses one level deeper (it skips it past the limit).
_HOLDERS = frozenset(
    {"blockquote_open", "list_item_open", *(f"container_{name}_open" for name in CONTAINERS)}
)
#: What a line may start with before a block opened in it: indents, `>` and list markers.
_PREFIX = re.compile(r"^[ \t>*+\-0-9.)]*", re.MULTILINE)
_CONTAINER_LINE = re.compile(r"^[ \t>*+\-0-9.)]*:::", re.MULTILINE)


def lost_line(tokens: Sequence[Token]) -> int | None:
    """The body line (from 1) of the first block the parser left unparsed, being nested
    `MAX_NESTING` deep, or None when every word of the body is in `tokens`."""
    for token in tokens:
        if token.nesting == 1 and token.level >= MAX_NESTING - 1 and token.type in _HOLDERS:
            return token.map[0] + 1 if token.map else 1
    return None


def may_nest_too_deep(body: str) -> bool:
    """Whether `body` could reach the limit at all, without parsing it: a block's depth is at
    most the width of its line's indents and markers (a list takes two columns for its two
    levels, a quote one; a tab counts four) plus the `:::` blocks around it plus one."""
    widest = max((len(p) + 3 * p.count("\t") for p in _PREFIX.findall(body)), default=0)
    return widest + len(_CONTAINER_LINE.findall(body)) + 1 >= MAX_NESTING - 1


def too_deep_line(body: str) -> int | None:
    """`lost_line` of `body`, parsed only when it may nest that deep (few bodies do)."""
    return lost_line(parse_body(body).tokens) if may_nest_too_deep(body) else None
