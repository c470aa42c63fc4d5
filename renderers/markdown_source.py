"""A unit's Markdown as one channel may see it: other channels' and internal blocks removed.

The first, source-level view of a unit; the per-channel renderers build on the same parse.
"""

from __future__ import annotations

import re
from functools import cache

from markdown_it import MarkdownIt
from mdit_py_plugins.container import container_plugin

__all__ = ["STAFF_CHANNELS", "channel_markdown"]

#: Channels that show `::: internal` notes (to staff with an operator credential).
STAFF_CHANNELS = frozenset({"operator"})


def _is_only(params: str, *_args: object) -> bool:
    return params.strip().split()[:1] == ["only"]


@cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark")
    md.use(container_plugin, name="internal")
    md.use(container_plugin, name="summary")
    md.use(container_plugin, name="only", validate=_is_only)
    return md


def channel_markdown(body: str, channel: str) -> str:
    """Drop the blocks `channel` must not show, and the fences of `only` and `summary` blocks."""
    lines = body.split("\n")
    drop: set[int] = set()
    for token in _parser().parse(body):
        if token.nesting != 1 or not token.type.startswith("container_") or token.map is None:
            continue
        start, end = token.map
        closing = min(end, len(lines) - 1)
        words = token.info.split()
        hidden = (token.type == "container_internal_open" and channel not in STAFF_CHANNELS) or (
            token.type == "container_only_open" and channel not in words[1:]
        )
        if hidden:
            drop.update(range(start, closing + 1))
        elif token.type != "container_internal_open":  # internal notes stay marked as such
            drop.update((start, closing))
    kept = [line for number, line in enumerate(lines) if number not in drop]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip("\n")
