"""`::: name` blocks that nest as authors write them, whatever the length of their fences.

mdit-py-plugins' container plugin closes a block at the first `:::` line at least as long as
its opening one, so `::: only web` holding a `::: internal` note of three colons too ended at
the note's close, and its own `:::` was left over as a paragraph every channel showed. Here a
block's close is found by counting the blocks opened and closed in between, as brackets are.
The tokens are the plugin's: `container_<name>_open` (`info` holds what follows the colons) and
`container_<name>_close`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock

__all__ = ["use_containers"]

_MARKER = ":"
_MIN_MARKERS = 3
#: Where a parse keeps the closes its scans found (`state.env` lives for one parse).
_CLOSES = "kb_container_closes"

#: (line of an opening, end of the lines it may take, indent of its parent, offset of its text)
_Key = tuple[int, int, int, int]


@dataclass
class _Open:
    """A block opened, while its close is looked for: its line, colons and nested blocks."""

    line: int
    colons: int
    #: Nested blocks already closed: (their line, their close line, closed by a fence).
    nested: list[tuple[int, int, bool]] = field(default_factory=list)


def _fence(state: StateBlock, line: int) -> tuple[int, str] | None:
    """The number of colons `line` starts with (3 or more) and the rest of it, else None."""
    start = state.bMarks[line] + state.tShift[line]
    end = state.eMarks[line]
    if not state.src.startswith(_MARKER * _MIN_MARKERS, start, end):
        return None
    pos = start + _MIN_MARKERS
    while pos < end and state.src[pos] == _MARKER:
        pos += 1
    return pos - start, state.src[pos:end]


def _key(state: StateBlock, line: int, end: int) -> _Key:
    return (line, end, state.blkIndent, state.bMarks[line] + state.tShift[line])


def _close(
    state: StateBlock, start: int, end: int, colons: int, names: frozenset[str]
) -> tuple[int, bool]:
    """The line ending the block opened at `start` and whether a fence closes it there: blocks
    opened in between take the closes meant for them first. What the scan learns of the blocks
    nested in this one is kept, so their own turn costs no second scan (a chain of openings
    would cost one scan per level)."""
    closes: dict[_Key, tuple[int, bool]] = state.env.setdefault(_CLOSES, {})
    known = closes.get(_key(state, start, end))
    if known is not None:
        return known
    stack = [_Open(start, colons)]
    line, stop = start + 1, end
    while line < end:
        if state.sCount[line] < state.blkIndent and not state.isEmpty(line):
            stop = line  # a line indented less than the block's parent ends it (in a list)
            break
        fence = None if state.is_code_block(line) else _fence(state, line)
        if fence is not None:
            found, rest = fence
            if rest.strip(" \t"):
                if _name(rest, names) is not None:
                    stack.append(_Open(line, found))
            elif found >= stack[-1].colons:
                closed = stack.pop()
                _remember(state, closes, closed, line)
                if not stack:
                    return line, True
                stack[-1].nested.append((closed.line, line, True))
        line += 1
    while len(stack) > 1:
        closed = stack.pop()
        _remember(state, closes, closed, stop)
        stack[-1].nested.append((closed.line, stop, False))
    _remember(state, closes, stack[0], stop)
    return stop, False


def _remember(
    state: StateBlock, closes: dict[_Key, tuple[int, bool]], block: _Open, at: int
) -> None:
    """Keep the closes of the blocks directly inside `block`, which ends at line `at`."""
    for line, close, fenced in block.nested:
        closes[_key(state, line, at)] = (close, fenced)


def _name(params: str, names: Iterable[str]) -> str | None:
    """The block an opening line names (`::: only web` names `only`), or None."""
    words = params.split()
    return words[0] if words and words[0] in names else None


def _rule(names: frozenset[str]) -> Callable[[StateBlock, int, int, bool], bool]:
    """The block rule: an opening line naming one of `names` starts a block up to its close."""

    def container(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        if state.is_code_block(start):
            return False
        fence = _fence(state, start)
        name = _name(fence[1], names) if fence is not None else None
        if fence is None or name is None:
            return False
        if silent:
            return True
        close, fenced = _close(state, start, end, fence[0], names)
        old_parent, old_line_max = state.parentType, state.lineMax
        state.parentType = "container"
        state.lineMax = close  # no lazy continuation past the close
        token = state.push(f"container_{name}_open", "div", 1)
        token.markup, token.block, token.info = _MARKER * fence[0], True, fence[1]
        token.map = [start, close]
        state.md.block.tokenize(state, start + 1, close)
        token = state.push(f"container_{name}_close", "div", -1)
        token.markup, token.block = (_MARKER * fence[0] if fenced else ""), True
        state.parentType, state.lineMax = old_parent, old_line_max
        state.line = close + (1 if fenced else 0)
        return True

    return container


def use_containers(md: MarkdownIt, names: Iterable[str]) -> None:
    """Parse `::: name` blocks of the given names (an opening line is `:::` or more colons, the
    name and anything after; a close is a line of as many colons or more)."""
    md.block.ruler.before(
        "fence",
        "container",
        _rule(frozenset(names)),
        {"alt": ["paragraph", "reference", "blockquote", "list"]},
    )
